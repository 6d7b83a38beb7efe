// The 4-byte uwsgi header: field order, little-endian datasize, the named modifier1 bytes.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { TsgiError } from '../../../../src/errors/tsgi-error.js'
import {
  Modifier1,
  maxDatasize,
  readPacketHeader,
  writePacketHeader,
} from '../../../../src/protocols/uwsgi/packet-header.js'

test('packet header reads modifier1, a little-endian datasize and modifier2 in that order', () => {
  assert.deepEqual(readPacketHeader(Buffer.from([0x00, 0x63, 0x01, 0x00])), {
    modifier1: 0,
    datasize: 0x0163,
    modifier2: 0,
  })
  assert.deepEqual(readPacketHeader(Buffer.from([100, 0xff, 0xff, 1, 0xaa])), {
    modifier1: 100,
    datasize: maxDatasize,
    modifier2: 1,
  })
})

test('packet header writes what it reads', () => {
  const header = { modifier1: 173, datasize: 0x1234, modifier2: 9 }
  const bytes = writePacketHeader(header)
  assert.deepEqual([...bytes], [173, 0x34, 0x12, 9])
  assert.deepEqual(readPacketHeader(bytes), header)
})

test('packet header refuses fields wider than their bytes as a bug', () => {
  for (const header of [
    { modifier1: 256, datasize: 0, modifier2: 0 },
    { modifier1: 0, datasize: 65536, modifier2: 0 },
    { modifier1: 0, datasize: 1.5, modifier2: 0 },
    { modifier1: 0, datasize: 0, modifier2: -1 },
  ]) {
    assert.throws(
      () => writePacketHeader(header),
      (error: unknown) => error instanceof TsgiError && error.code === 'ERR_INTERNAL_ASSERTION',
    )
  }
  assert.throws(() => readPacketHeader(Buffer.from([0, 1, 2])), TsgiError)
})

test('packet header names the modifier1 bytes as uWSGI numbers them', () => {
  assert.equal(Modifier1.Wsgi, 0)
  assert.equal(Modifier1.Cgi, 9)
  assert.equal(Modifier1.WsgiStripScriptName, 30)
  assert.equal(Modifier1.RawHttpResponse, 'H'.charCodeAt(0))
  assert.equal(Modifier1.Ping, 100)
  assert.equal(Modifier1.Response, 255)
  const values = Object.values(Modifier1)
  assert.equal(new Set(values).size, values.length, 'no byte has two names')
})
