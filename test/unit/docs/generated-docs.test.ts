// The generated docs must match their registries: regenerate and compare (STYLE.md habit 6).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

import { renderOptionsDoc } from '../../../src/config/options/render-options-doc.js'
import { optionDefs } from '../../../src/config/options/option-lookup.js'
import { codes } from '../../../src/errors/codes.js'
import { renderErrorsDoc } from '../../../src/errors/render-errors-doc.js'
import { projectPath } from '../../helpers/fixture-path.js'

test('docs/options.md is the registry rendered (run `npm run docs` after changing an option)', () => {
  assert.equal(readFileSync(projectPath('docs', 'options.md'), 'utf8'), renderOptionsDoc())
})

test('docs/errors.md is the error registry rendered (run `npm run docs` after changing a code)', () => {
  assert.equal(readFileSync(projectPath('docs', 'errors.md'), 'utf8'), renderErrorsDoc())
})

test('docs/options.md names every option and alias', () => {
  const doc = renderOptionsDoc()
  for (const def of optionDefs) {
    assert.ok(doc.includes(`\`${def.name}\``), def.name)
    for (const alias of def.spec.aliases ?? []) assert.ok(doc.includes(`\`${alias}\``), alias)
  }
})

test('docs/errors.md lists every code', () => {
  const doc = renderErrorsDoc()
  for (const code of Object.keys(codes)) assert.ok(doc.includes(`\`${code}\``), code)
})
