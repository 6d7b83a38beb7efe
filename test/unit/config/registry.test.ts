// The options registry as a whole: unique spellings, real uWSGI names, the seed options present.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { findOption, optionDefs } from '../../../src/config/options/option-lookup.js'
import { uwsgiOptionNames } from '../../../src/config/uwsgi-option-names.js'
import { seedEmperorOptions, seedVassalOptions } from '../../helpers/seed-options.js'

test('registry has at least 80 rows', () => {
  assert.ok(optionDefs.length >= 80, `only ${optionDefs.length} rows`)
})

test('registry spellings (names and aliases) are unique', () => {
  const seen = new Map<string, string>()
  for (const def of optionDefs) {
    for (const spelling of [def.name, ...(def.spec.aliases ?? [])]) {
      assert.equal(
        seen.get(spelling),
        undefined,
        `"${spelling}" is used by ${seen.get(spelling)} and ${def.name}`,
      )
      seen.set(spelling, def.name)
    }
  }
})

test('registry short flags are unique', () => {
  const shorts = optionDefs.flatMap((def) => (def.spec.short === undefined ? [] : [def.spec.short]))
  assert.equal(new Set(shorts).size, shorts.length)
})

test("registry names are uWSGI spellings unless the details say they are tsgi's own", () => {
  for (const def of optionDefs) {
    for (const spelling of [def.name, ...(def.spec.aliases ?? [])]) {
      const isOwn = /tsgi's own/.test(def.spec.details ?? '')
      assert.ok(
        uwsgiOptionNames.has(spelling) || isOwn,
        `"${spelling}" is neither a uWSGI option nor marked tsgi's own`,
      )
    }
  }
})

test('registry rows are either implemented, planned or ignored, never two of them', () => {
  for (const def of optionDefs) {
    assert.ok(!(def.spec.ignored !== undefined && def.spec.plannedIn !== undefined), def.name)
    assert.ok(
      def.spec.doc.length > 0 && !def.spec.doc.endsWith('.'),
      `${def.name}: one line, no final period`,
    )
  }
})

test('registry defaults parse back through their own value type where they are strings', () => {
  for (const def of optionDefs) {
    if (typeof def.spec.default === 'string') assert.ok(def.spec.type.parse(def.spec.default).ok, def.name)
  }
})

test('registry has a row for every option of the two seed pages', () => {
  const seedOptions = [...seedVassalOptions, ...seedEmperorOptions, 'logto']
  for (const name of seedOptions) assert.ok(findOption(name), name)
})

test('registry implies only options that exist', () => {
  for (const def of optionDefs)
    for (const implied of def.spec.implies ?? [])
      assert.ok(findOption(implied), `${def.name} implies ${implied}`)
})

test('registry defaults follow DESIGN.md: buffer-size 65535, listen 1024', () => {
  assert.equal(findOption('buffer-size')?.spec.default, 65535)
  assert.equal(findOption('listen')?.spec.default, 1024)
})
