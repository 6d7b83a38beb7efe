// Encoding vars into a packet: the exact bytes nginx sends, bytes and Latin-1 values, and what cannot be
// encoded. Round trips on random vars are in vars-properties.test.ts.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { TsgiError } from '../../../../src/errors/tsgi-error.js'
import { encodeVars } from '../../../../src/protocols/uwsgi/vars-encoder.js'
import { decodePacketFixture, readPacketFixture } from '../../../helpers/decode-uwsgi.js'

const isCode = (code: string) => (error: unknown) => error instanceof TsgiError && error.code === code

test('vars encoder writes the bytes nginx sends for the same vars', () => {
  for (const name of ['nginx-get-query.hex', 'nginx-post-form.hex']) {
    const { packet, body } = decodePacketFixture(name)
    const encoded = encodeVars(packet.vars)
    assert.deepEqual(Buffer.concat([encoded, body]), readPacketFixture(name), name)
  }
})

test('vars encoder writes modifiers into the header', () => {
  assert.deepEqual([...encodeVars([], { modifier1: 100, modifier2: 1 })], [100, 0, 0, 1])
})

test('vars encoder writes string values as Latin-1 and byte values as they are', () => {
  const packet = encodeVars([
    ['A', '\u00e9'],
    ['B', Buffer.from('é')],
  ])
  assert.deepEqual([...packet], [0, 13, 0, 0, 1, 0, 0x41, 1, 0, 0xe9, 1, 0, 0x42, 2, 0, 0xc3, 0xa9])
})

test('vars encoder refuses an empty key, a non-Latin-1 value, a too large block or modifier', () => {
  assert.throws(() => encodeVars([['', 'x']]), isCode('ERR_PROTOCOL_CANNOT_ENCODE_VARS'))
  assert.throws(() => encodeVars([['A', '\u20ac']]), isCode('ERR_PROTOCOL_CANNOT_ENCODE_VARS'))
  assert.throws(() => encodeVars([['A', 'x'.repeat(65531)]]), isCode('ERR_PROTOCOL_CANNOT_ENCODE_VARS'))
  assert.throws(() => encodeVars([['A', 'x'.repeat(70000)]]), isCode('ERR_PROTOCOL_CANNOT_ENCODE_VARS'))
  assert.throws(() => encodeVars([], { modifier1: 256 }), isCode('ERR_PROTOCOL_CANNOT_ENCODE_VARS'))
  assert.equal(encodeVars([['A', 'x'.repeat(65530)]]).length, 4 + 65535)
})
