import assert from 'node:assert/strict'
import { test } from 'node:test'

import {
  evaluatePlaceholderMath,
  referencedPlaceholders,
  replaceExpansions,
} from '../../../src/config/expand.js'

test('expansion replaces every $(NAME) and keeps what the replacer declines', () => {
  const result = replaceExpansions('$(A)/x/$(B)', '$', (name) => (name === 'A' ? '/home' : undefined))
  assert.deepEqual(result, { ok: true, text: '/home/x/$(B)' })
})

test('expansion nests parentheses inside one expansion', () => {
  const result = replaceExpansions('%(a (b)) end', '%', (inner) => `[${inner}]`)
  assert.deepEqual(result, { ok: true, text: '[a (b)] end' })
})

test('expansion reports an opener without its closing parenthesis', () => {
  const result = replaceExpansions('x $(HOME', '$', () => '')
  assert.deepEqual(result, { ok: false, opener: '$(', text: '$(HOME' })
})

test('placeholder references include the operands of placeholder math', () => {
  assert.deepEqual(referencedPlaceholders('%(base)/%(processes cores + 2)'), ['base', 'processes', 'cores'])
})

test('placeholder math concatenates, then applies operators left to right as uWSGI does', () => {
  const values: Record<string, string> = { processes: '2', cpu_cores: '8', four: '4' }
  const lookup = (name: string) => values[name]
  assert.equal(evaluatePlaceholderMath('processes cpu_cores + 2', lookup), '30')
  assert.equal(evaluatePlaceholderMath('four * 2 + 1', lookup), '9')
  assert.equal(evaluatePlaceholderMath('four + 1 1', lookup), '6')
  assert.equal(evaluatePlaceholderMath('four ++', lookup), '5')
  assert.equal(evaluatePlaceholderMath('four --', lookup), '3')
  assert.equal(evaluatePlaceholderMath('four / 0', lookup), '0')
  assert.equal(evaluatePlaceholderMath('four / 3', lookup), '1')
  assert.equal(evaluatePlaceholderMath('missing four', lookup), '4')
})
