import assert from 'node:assert/strict'
import { test } from 'node:test'

import { cutInlineComment, lexIni } from '../../../src/config/ini/lexer.js'

const settings = (text: string) =>
  lexIni(text).flatMap((item) => (item.kind === 'setting' ? [[item.key, item.value] as const] : []))

test('ini lexer trims blanks around keys and values and splits at the first "="', () => {
  assert.deepEqual(settings('  env =  A=B=C  \n\tprocesses\t=\t4\r\n'), [
    ['env', 'A=B=C'],
    ['processes', '4'],
  ])
})

test('ini lexer reads a key without "=" as an empty value', () => {
  assert.deepEqual(settings('master\nvacuum ; clean up\n'), [
    ['master', ''],
    ['vacuum', ''],
  ])
})

test('ini lexer skips whole-line comments, indented ones included', () => {
  assert.deepEqual(settings('; a\n# b\n    ; indented\n\nuid = x\n'), [['uid', 'x']])
})

test('ini lexer cuts inline comments that follow whitespace', () => {
  assert.deepEqual(
    settings('uid = alex                      ; user id under which\nchmod-socket = 700 # mode\n'),
    [
      ['uid', 'alex'],
      ['chmod-socket', '700'],
    ],
  )
})

test('ini lexer keeps ";" and "#" that do not follow whitespace', () => {
  assert.deepEqual(settings('route = ^/a;b\nlog-format = x#y\n'), [
    ['route', '^/a;b'],
    ['log-format', 'x#y'],
  ])
})

test('ini lexer writes escaped \\; and \\# as the characters', () => {
  assert.deepEqual(settings('cmd = echo a \\; echo b \\# c\n'), [['cmd', 'echo a ; echo b # c']])
})

test('ini lexer never cuts a comment inside $(), @() or %()', () => {
  assert.equal(cutInlineComment(' $(A ;B) x').value, ' $(A ;B) x')
  assert.equal(cutInlineComment('@(/a #b) ; c').value, '@(/a #b)')
  assert.equal(cutInlineComment('%(a ; b) ; c').comment, '; c')
})

test('ini lexer reports the comment it cut', () => {
  assert.deepEqual(cutInlineComment('sh -c "x" ; restart'), { value: 'sh -c "x"', comment: '; restart' })
})

test('ini lexer reads section headers, with an inline comment after them', () => {
  const items = lexIni('[uwsgi] ; main\nsocket = :1\n[app2]\n')
  assert.deepEqual(
    items.filter((i) => i.kind === 'section').map((i) => (i.kind === 'section' ? i.name : '')),
    ['uwsgi', 'app2'],
  )
})

test('ini lexer reports a section header without its closing bracket', () => {
  const [item] = lexIni('[uwsgi\n')
  assert.equal(item?.kind, 'error')
  assert.equal(item?.kind === 'error' ? item.problem : '', 'section-header')
})

test('ini lexer reports a key with spaces in it', () => {
  const [item] = lexIni('this is not a key = 1\n')
  assert.equal(item?.kind === 'error' ? item.problem : '', 'key')
})

test('ini lexer ignores a UTF-8 byte order mark', () => {
  assert.deepEqual(settings('\uFEFFmaster = 1\n'), [['master', '1']])
})

test('ini lexer gives the 1-based column of each value', () => {
  const [item] = lexIni('processes =   four\n')
  assert.equal(item?.kind === 'setting' ? item.valueColumn : 0, 15)
})
