import assert from 'node:assert/strict'
import { test } from 'node:test'

import {
  buildMagicTable,
  substituteMagic,
  type MagicProcess,
} from '../../../src/config/ini/magic-variables.js'

const proc: MagicProcess = {
  cwd: '/srv',
  version: '0.1.0',
  hostname: 'web1',
  startSeconds: '1700000000',
  startMicros: '1700000000000000',
  cpuCount: '2',
  uid: '1000',
  userName: 'alex',
  gid: '100',
  groupName: 'users',
  binaryPath: '/usr/bin/tsgi',
}
const vassal = {
  asGiven: 'vassals/shop.ini',
  absolutePath: '/etc/tsgi/vassals/shop.ini',
  section: '',
  inode: '42',
}
const template = {
  asGiven: '/etc/tsgi/base.yaml:prod',
  absolutePath: '/etc/tsgi/base.yaml',
  section: 'prod',
  inode: '7',
}
const table = buildMagicTable(template, vassal, proc)
const sub = (text: string) => substituteMagic(text, table).text

test('magic variables describe the file they appear in', () => {
  assert.equal(
    sub('%o|%p|%s|%d|%e|%n|%c|%x|%i'),
    '/etc/tsgi/base.yaml:prod|/etc/tsgi/base.yaml|base.yaml|/etc/tsgi/|yaml|base|tsgi|prod|7',
  )
})

test('uppercase magic variables describe the first config loaded', () => {
  assert.equal(
    sub('%O|%P|%S|%D|%E|%N|%C|%X|%I'),
    'vassals/shop.ini|/etc/tsgi/vassals/shop.ini|shop.ini|/etc/tsgi/vassals/|ini|shop|vassals||42',
  )
})

test('magic variables %0 to %9 are the components of the directory', () => {
  assert.equal(sub('%0/%1/%2'), 'etc/tsgi/')
})

test('magic variables describe the process', () => {
  assert.equal(
    sub('%v %V %h %t %T %k %u %U %g %G %b'),
    '/srv 0.1.0 web1 1700000000 1700000000000000 2 1000 alex 100 users /usr/bin/tsgi',
  )
})

test('magic variable %j is the djb33x hash of the absolute path as uWSGI prints it', () => {
  // Computed by hand from uWSGI's core/hash.c: h = h*33 ^ c from 5381, then the 4 bytes little-endian in hex.
  let hash = 5381
  for (const c of Buffer.from('/etc/tsgi/base.yaml')) hash = (Math.imul(hash, 33) ^ c) >>> 0
  const expected = Buffer.alloc(4)
  expected.writeUInt32LE(hash)
  assert.equal(sub('%j'), expected.toString('hex').toUpperCase())
  assert.match(sub('%j'), /^[0-9A-F]{8}$/)
})

test('magic variables %% %[ and %( are a percent, ESC and a kept placeholder opener', () => {
  assert.equal(sub('100%% %[[0m %(name)'), '100% \x1b[0m %(name)')
})

test('an unknown magic variable becomes the empty string and is reported', () => {
  const result = substituteMagic('%Y-%m-%d', table)
  // %d is the directory: uWSGI's log-date trap, kept as uWSGI has it.
  assert.equal(result.text, '--/etc/tsgi/')
  assert.deepEqual(result.unknown, ['%Y', '%m'])
})

test('a lone percent at the end of a value stays', () => {
  assert.equal(sub('50%'), '50%')
})
