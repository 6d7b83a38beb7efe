// The bundle tsgi ships (scripts/bundle.ts): its layout keeps the package paths that modules resolve
// against their own place (src/platform/package-file.ts, the worker's entry in src/instance/spawn-worker.ts).
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import test from 'node:test'

import { builtMain, projectPath } from '../../helpers/fixture-path.js'

test('bundle keeps every file two directories below dist, as tsc does for each src folder', () => {
  const bundle = path.dirname(path.dirname(builtMain()))
  const files = readdirSync(bundle, { recursive: true, withFileTypes: true }).filter((entry) =>
    entry.isFile(),
  )
  assert.ok(files.length > 2, `the bundle has its entries and chunks: ${files.length} files`)
  for (const file of files) {
    const fromDist = path.relative(projectPath('dist'), path.join(file.parentPath, file.name))
    assert.equal(fromDist.split(path.sep).length, 3, `${fromDist} is two directories below dist/`)
  }
  assert.deepEqual(readdirSync(path.join(bundle, 'cli')).sort(), ['main.js', 'worker-main.js'])
})
