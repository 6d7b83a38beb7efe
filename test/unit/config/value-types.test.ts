import assert from 'node:assert/strict'
import { test } from 'node:test'

import { parseSocketAddress } from '../../../src/config/socket-address.js'
import {
  boolean,
  commaList,
  duration,
  envAssignment,
  fileMode,
  integer,
  ownership,
  principal,
  size,
  type ValueType,
} from '../../../src/config/value-types.js'

const value = <T>(type: ValueType<T>, text: string): T => {
  const result = type.parse(text)
  assert.ok(result.ok, `expected ${JSON.stringify(text)} to parse as ${type.name}`)
  return result.value
}
const rejects = <T>(type: ValueType<T>, text: string): void => {
  assert.equal(type.parse(text).ok, false, `expected ${JSON.stringify(text)} to be rejected as ${type.name}`)
}

test('boolean values accept 1/0, true/false, yes/no, on/off in any case; empty means true', () => {
  for (const text of ['1', 'true', 'YES', 'On']) assert.equal(value(boolean(), text), true)
  for (const text of ['0', 'false', 'No', 'OFF']) assert.equal(value(boolean(), text), false)
  assert.equal(boolean().emptyValue, true)
  for (const text of ['2', 'nope', 'disabled']) rejects(boolean(), text)
})

test('integer values are whole numbers within their bounds, with no trailing junk', () => {
  assert.equal(value(integer({ min: 1 }), '4'), 4)
  for (const text of ['4k', 'four', '0', '1.5', '']) rejects(integer({ min: 1 }), text)
  rejects(integer({ max: 10 }), '11')
})

test('size values take K, M, G suffixes as binary multiples and bare numbers in their unit', () => {
  assert.equal(value(size(), '65535'), 65535)
  assert.equal(value(size(), '64k'), 65536)
  assert.equal(value(size(), '64M'), 64 * 1024 ** 2)
  assert.equal(value(size(), '1GiB'), 1024 ** 3)
  assert.equal(value(size({ plainUnitBytes: 1024 ** 2 }), '128'), 128 * 1024 ** 2)
  rejects(size({ max: 65535 }), '64k')
  for (const text of ['-1', '12X', 'M', '']) rejects(size(), text)
})

test('duration values are milliseconds, bare numbers counted in the option unit', () => {
  assert.equal(value(duration({ plainUnit: 's' }), '60'), 60_000)
  assert.equal(value(duration({ plainUnit: 'ms' }), '1000'), 1000)
  assert.equal(value(duration({ plainUnit: 's' }), '500ms'), 500)
  assert.equal(value(duration({ plainUnit: 's' }), '2m'), 120_000)
  assert.equal(value(duration({ plainUnit: 's' }), '1.5s'), 1500)
  for (const text of ['-3', '3 weeks', 's']) rejects(duration({ plainUnit: 's' }), text)
})

test('file modes are 3 or 4 octal digits; empty means 666 as uWSGI does', () => {
  assert.equal(value(fileMode(), '700'), 0o700)
  assert.equal(value(fileMode(), '0660'), 0o660)
  assert.equal(fileMode().emptyValue, 0o666)
  for (const text of ['800', '66', '12345', 'rw']) rejects(fileMode(), text)
})

test('users and groups are names or numbers', () => {
  assert.deepEqual(value(principal('user'), 'www-data'), { kind: 'name', name: 'www-data' })
  assert.deepEqual(value(principal('user'), '33'), { kind: 'id', id: 33 })
  for (const text of ['-5', 'al ex', 'a:b', '99999999999']) rejects(principal('user'), text)
})

test('ownership is user or user:group', () => {
  assert.deepEqual(value(ownership(), 'nginx:nginx'), {
    user: { kind: 'name', name: 'nginx' },
    group: { kind: 'name', name: 'nginx' },
  })
  assert.deepEqual(value(ownership(), '33'), { user: { kind: 'id', id: 33 }, group: undefined })
  for (const text of ['a:b:c', ':x', 'a:']) rejects(ownership(), text)
})

test('env assignments split at the first "=" and a bare key unsets', () => {
  assert.deepEqual(value(envAssignment(), 'DJANGO_SETTINGS_MODULE=mysite.settings'), {
    key: 'DJANGO_SETTINGS_MODULE',
    value: 'mysite.settings',
  })
  assert.deepEqual(value(envAssignment(), 'A=b=c'), { key: 'A', value: 'b=c' })
  assert.deepEqual(value(envAssignment(), 'GONE'), { key: 'GONE', value: undefined })
  for (const text of ['=x', '1A=b', 'A B=c']) rejects(envAssignment(), text)
})

test('comma lists parse each item', () => {
  assert.deepEqual(value(commaList(integer()), '1, 2,3'), [1, 2, 3])
  rejects(commaList(integer()), '1,,2')
})

test('socket addresses cover TCP, IPv6, unix paths, abstract names, shared sockets and fds', () => {
  const parse = (text: string) => {
    const result = parseSocketAddress(text)
    assert.ok(result.ok, text)
    return result.value
  }
  assert.deepEqual(parse('127.0.0.1:3031'), {
    kind: 'tcp',
    host: '127.0.0.1',
    port: 3031,
    text: '127.0.0.1:3031',
  })
  assert.deepEqual(parse(':8000'), { kind: 'tcp', host: '', port: 8000, text: ':8000' })
  assert.deepEqual(parse('[::1]:8000'), { kind: 'tcp', host: '::1', port: 8000, text: '[::1]:8000' })
  assert.deepEqual(parse('/run/tsgi/app.sock'), {
    kind: 'unix',
    path: '/run/tsgi/app.sock',
    text: '/run/tsgi/app.sock',
  })
  assert.deepEqual(parse('app.sock'), { kind: 'unix', path: 'app.sock', text: 'app.sock' })
  assert.deepEqual(parse('@tsgi-app'), { kind: 'abstract', name: 'tsgi-app', text: '@tsgi-app' })
  assert.deepEqual(parse('=0'), { kind: 'shared', index: 0, text: '=0' })
  assert.deepEqual(parse('fd://3'), { kind: 'fd', fd: 3, text: 'fd://3' })
  for (const text of ['host:99999', 'a b:80', '', '@', `/${'x'.repeat(120)}`]) {
    assert.equal(parseSocketAddress(text).ok, false, text)
  }
})
