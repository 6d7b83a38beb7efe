// Arbitrary input never makes the loader throw: every outcome is a config or registered diagnostics
// (STYLE.md section 6, property tests). Seeded, bounded in count, so a failure reproduces.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

import { loadConfig } from '../../../src/config/resolve-config.js'
import { codes } from '../../../src/errors/codes.js'
import { fixturePath } from '../../helpers/fixture-path.js'
import { makeTempDir } from '../../helpers/temp-dir.js'
import { seededRandom } from '../../helpers/seeded-random.js'

const alphabet = [
  '[',
  ']',
  '=',
  ';',
  '#',
  '%',
  '$',
  '@',
  '(',
  ')',
  '\n',
  ' ',
  '\\',
  ':',
  'a',
  '1',
  '-',
  '_',
  '"',
  '%(',
  '$(',
  '@(',
  '%d',
  '%(_)',
]

function mutate(text: string, next: () => number): string {
  let out = text
  const edits = 1 + Math.floor(next() * 8)
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * (out.length + 1))
    const piece = alphabet[Math.floor(next() * alphabet.length)] ?? ''
    out =
      next() < 0.3
        ? out.slice(0, at) + out.slice(at + 1 + Math.floor(next() * 4))
        : out.slice(0, at) + piece + out.slice(at)
  }
  return out
}

test('config loader returns diagnostics, never throws, for 400 mutated and random inputs', (t) => {
  const dir = makeTempDir(t)
  const seedText = readFileSync(fixturePath('seeds', 'django-vassal.ini'), 'utf8')
  const next = seededRandom(20261121)
  for (let round = 0; round < 400; round++) {
    const extension = ['ini', 'json', 'yaml'][round % 3] ?? 'ini'
    const body =
      round % 4 === 0
        ? Buffer.from(Array.from({ length: Math.floor(next() * 300) }, () => Math.floor(next() * 256)))
        : mutate(
            extension === 'json' ? JSON.stringify({ uwsgi: { processes: 2, env: ['A=1'] } }) : seedText,
            next,
          )
    const file = dir.write(`case.${extension}`, body)
    let result
    try {
      result = loadConfig({ argv: [file], env: {}, useEnvOptions: false, cwd: dir.path })
    } catch (error) {
      assert.fail(`round ${round} threw ${String(error)} for input ${JSON.stringify(body.toString())}`)
    }
    for (const d of result.diagnostics.items) assert.ok(d.code in codes, `unregistered code ${d.code}`)
    assert.equal(result.config === undefined, result.diagnostics.hasErrors, `round ${round}`)
  }
})
