// Shared setup for instance tests: a 0755 temp dir with an app from test/fixtures/apps, and the identity
// flags a root test run needs (workers never run app code as root: DESIGN.md "Privileges").
import { readFileSync } from 'node:fs'
import type { TestContext } from 'node:test'

import { fixturePath } from './fixture-path.js'
import { makeTempDir, type TempDir } from './temp-dir.js'
import { isRoot } from './test-users.js'

export function appDir(t: TestContext, ...apps: string[]): TempDir {
  const dir = makeTempDir(t)
  for (const app of apps) dir.write(app, readFileSync(fixturePath('apps', app)))
  return dir
}

/** As root: run the workers as nobody:nogroup. Otherwise: as ourselves. */
export function identityArgs(): string[] {
  return isRoot() ? ['--uid', 'nobody', '--gid', 'nogroup'] : []
}
