import assert from 'node:assert/strict'
import { test } from 'node:test'

import { findGroupEntry, findPasswdEntry } from '../../../src/platform/user-database-files.js'

const passwd = [
  '# local users',
  '',
  'root:x:0:0:root:/root:/bin/bash',
  '+nisuser::::::',
  '-blocked:x:4000:4000::/home/blocked:/bin/sh',
  'short:x:2000:2000',
  'badid:x:12a:100::/home/badid:/bin/sh',
  'nogid:x:2100::::/bin/sh',
  '  indented:x:2200:2200::/home/indented:/bin/sh',
  'alex:x:1000:100:Alex,,,:/home/alex:/bin/bash',
  'alexalias:x:1000:100::/home/alexalias:/bin/bash',
  'dup:x:3000:3000::/first:/bin/sh',
  'dup:x:3001:3001::/second:/bin/sh',
  'crlf:x:3100:3100::/home/crlf:/bin/sh\r',
  'late2000:x:2000:2000::/home/late2000:/bin/sh',
  'empty:x:::::',
].join('\n')

test('passwd entries are found by name and by the first line with a uid', () => {
  const cases: [key: string | number, entry: ReturnType<typeof findPasswdEntry>][] = [
    ['root', { name: 'root', uid: 0, gid: 0, home: '/root' }],
    [0, { name: 'root', uid: 0, gid: 0, home: '/root' }],
    ['alex', { name: 'alex', uid: 1000, gid: 100, home: '/home/alex' }],
    [1000, { name: 'alex', uid: 1000, gid: 100, home: '/home/alex' }],
    ['01000', { name: 'alex', uid: 1000, gid: 100, home: '/home/alex' }],
    ['alexalias', { name: 'alexalias', uid: 1000, gid: 100, home: '/home/alexalias' }],
    ['dup', { name: 'dup', uid: 3000, gid: 3000, home: '/first' }],
    [3001, { name: 'dup', uid: 3001, gid: 3001, home: '/second' }],
    ['indented', { name: 'indented', uid: 2200, gid: 2200, home: '/home/indented' }],
    ['crlf', { name: 'crlf', uid: 3100, gid: 3100, home: '/home/crlf' }],
  ]
  for (const [key, entry] of cases) assert.deepEqual(findPasswdEntry(passwd, key), entry, String(key))
})

test('passwd lookups find nothing in the file for absent keys, doubtful lines and NIS compat lines', () => {
  const keys: (string | number)[] = [
    'nobody', // absent: NSS's next service may have it
    4242,
    'nisuser', // + and - lines mean something only under compat
    '+nisuser',
    'blocked',
    4000,
    'short', // glibc reads a short line leniently: getent decides
    2000, // the first line with uid 2000 is that short one, not late2000's
    'badid',
    12,
    'nogid',
    'empty',
    '', // keys getent reads otherwise
    ' 0',
    '+0',
    '-1',
    'a:b',
    '# local users',
  ]
  for (const key of keys) assert.equal(findPasswdEntry(passwd, key), undefined, JSON.stringify(key))
  assert.equal(findPasswdEntry('', 'root'), undefined)
})

const group = [
  '# groups',
  'root:x:0:',
  'users:x:100:alex,bob',
  '+nisgroup::',
  'wheel:x:10',
  'odd:x:1x:',
  'staff:x:50:',
  'staff2:x:50:',
  'extra:x:60:a:b',
].join('\n')

test('group entries are found by name and by the first line with a gid', () => {
  const cases: [key: string | number, entry: ReturnType<typeof findGroupEntry>][] = [
    ['root', { name: 'root', gid: 0 }],
    [0, { name: 'root', gid: 0 }],
    ['users', { name: 'users', gid: 100 }],
    ['100', { name: 'users', gid: 100 }],
    [50, { name: 'staff', gid: 50 }],
    ['staff2', { name: 'staff2', gid: 50 }],
  ]
  for (const [key, entry] of cases) assert.deepEqual(findGroupEntry(group, key), entry, String(key))
  for (const key of ['nogroup', 'nisgroup', 'wheel', 10, 'odd', 1, 'extra', 60, ''])
    assert.equal(findGroupEntry(group, key), undefined, JSON.stringify(key))
})
