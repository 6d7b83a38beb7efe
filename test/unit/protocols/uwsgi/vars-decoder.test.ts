// The incremental uwsgi decoder: known vectors (one built by hand, two recorded from nginx), every vector
// fed split at every byte boundary, and every malformed packet the acceptance list names.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { TsgiError } from '../../../../src/errors/tsgi-error.js'
import { VarsDecoder, type UwsgiVar } from '../../../../src/protocols/uwsgi/vars-decoder.js'
import { decodeInChunks, everySplit, readPacketFixture } from '../../../helpers/decode-uwsgi.js'

const bytes = (...values: number[]): Buffer => Buffer.from(values)
const ascii = (text: string): Buffer => Buffer.from(text, 'latin1')

/** One var whose two u16le lengths are written by hand, not computed from the strings. */
const handVar = (keyLength: number, key: string, valueLength: number, value: string): Buffer =>
  Buffer.concat([bytes(keyLength, 0x00), ascii(key), bytes(valueLength, 0x00), ascii(value)])

/** nginx 1.22.1 with Debian's uwsgi_params for `curl http://127.0.0.1:18089/a?b=1`, written byte by byte. */
const nginxGetQuery = Buffer.concat([
  bytes(0x00, 0x63, 0x01, 0x00), // modifier1 0, datasize 0x0163 = 355 (little-endian), modifier2 0
  handVar(0x0c, 'QUERY_STRING', 0x03, 'b=1'),
  handVar(0x0e, 'REQUEST_METHOD', 0x03, 'GET'),
  handVar(0x0c, 'CONTENT_TYPE', 0x00, ''), // sent empty, not omitted
  handVar(0x0e, 'CONTENT_LENGTH', 0x00, ''),
  handVar(0x0b, 'REQUEST_URI', 0x06, '/a?b=1'),
  handVar(0x09, 'PATH_INFO', 0x02, '/a'),
  handVar(0x0d, 'DOCUMENT_ROOT', 0x15, '/usr/share/nginx/html'),
  handVar(0x0f, 'SERVER_PROTOCOL', 0x08, 'HTTP/1.1'),
  handVar(0x0e, 'REQUEST_SCHEME', 0x04, 'http'),
  handVar(0x0b, 'REMOTE_ADDR', 0x09, '127.0.0.1'),
  handVar(0x0b, 'REMOTE_PORT', 0x05, '39170'),
  handVar(0x0b, 'SERVER_PORT', 0x05, '18089'),
  handVar(0x0b, 'SERVER_NAME', 0x09, 'localhost'),
  handVar(0x09, 'HTTP_HOST', 0x09, '127.0.0.1'),
  handVar(0x0f, 'HTTP_USER_AGENT', 0x0b, 'curl/7.88.1'),
  handVar(0x0b, 'HTTP_ACCEPT', 0x03, '*/*'),
])

const nginxGetQueryVars: UwsgiVar[] = [
  ['QUERY_STRING', 'b=1'],
  ['REQUEST_METHOD', 'GET'],
  ['CONTENT_TYPE', ''],
  ['CONTENT_LENGTH', ''],
  ['REQUEST_URI', '/a?b=1'],
  ['PATH_INFO', '/a'],
  ['DOCUMENT_ROOT', '/usr/share/nginx/html'],
  ['SERVER_PROTOCOL', 'HTTP/1.1'],
  ['REQUEST_SCHEME', 'http'],
  ['REMOTE_ADDR', '127.0.0.1'],
  ['REMOTE_PORT', '39170'],
  ['SERVER_PORT', '18089'],
  ['SERVER_NAME', 'localhost'],
  ['HTTP_HOST', '127.0.0.1'],
  ['HTTP_USER_AGENT', 'curl/7.88.1'],
  ['HTTP_ACCEPT', '*/*'],
]

interface Vector {
  readonly name: string
  readonly packet: Buffer
  readonly modifier1?: number
  readonly modifier2?: number
  readonly vars: readonly UwsgiVar[]
  readonly body?: string
}

const vectors: readonly Vector[] = [
  { name: 'nginx GET /a?b=1 (hand-built)', packet: nginxGetQuery, vars: nginxGetQueryVars },
  {
    name: 'nginx POST form with two Cookie vars and a body (recorded)',
    packet: readPacketFixture('nginx-post-form.hex'),
    vars: [
      ['QUERY_STRING', 'x=%20y'],
      ['REQUEST_METHOD', 'POST'],
      ['CONTENT_TYPE', 'application/x-www-form-urlencoded'],
      ['CONTENT_LENGTH', '11'],
      ['REQUEST_URI', '/p%20q/r?x=%20y'],
      ['PATH_INFO', '/p q/r'],
      ['DOCUMENT_ROOT', '/usr/share/nginx/html'],
      ['SERVER_PROTOCOL', 'HTTP/1.1'],
      ['REQUEST_SCHEME', 'http'],
      ['REMOTE_ADDR', '127.0.0.1'],
      ['REMOTE_PORT', '43636'],
      ['SERVER_PORT', '18089'],
      ['SERVER_NAME', 'localhost'],
      ['HTTP_HOST', '127.0.0.1'],
      ['HTTP_USER_AGENT', 'test'],
      ['HTTP_COOKIE', 'a=1'],
      ['HTTP_COOKIE', 'b=2'],
      ['HTTP_CONTENT_LENGTH', '11'],
      ['HTTP_CONTENT_TYPE', 'application/x-www-form-urlencoded'],
    ],
    body: 'hello=world',
  },
  { name: 'ping with no vars', packet: bytes(100, 0, 0, 0), modifier1: 100, vars: [] },
  {
    name: 'modifier2 and an empty last value',
    packet: Buffer.concat([bytes(9, 6, 0, 7), bytes(2, 0), ascii('AB'), bytes(0, 0)]),
    modifier1: 9,
    modifier2: 7,
    vars: [['AB', '']],
  },
  {
    name: 'a UTF-8 key and a value that is not UTF-8 (read as Latin-1)',
    packet: Buffer.concat([
      bytes(0, 11, 0, 0),
      bytes(3, 0),
      Buffer.from('KÉ'),
      bytes(4, 0),
      bytes(0x2f, 0xff, 0xc3, 0xa9),
    ]),
    vars: [['KÉ', '/\u00ff\u00c3\u00a9']],
  },
]

test('vars decoder hand-built nginx vector is byte for byte what nginx sent', () => {
  assert.deepEqual(nginxGetQuery, readPacketFixture('nginx-get-query.hex'))
})

for (const vector of vectors) {
  test(`vars decoder decodes "${vector.name}" whole and split at every byte boundary`, () => {
    for (const cuts of everySplit(vector.packet.length)) {
      const outcome = decodeInChunks(vector.packet, cuts)
      assert.ok(
        'packet' in outcome,
        `cuts ${cuts.join(',')}: ${'error' in outcome ? String(outcome.error) : ''}`,
      )
      assert.equal(outcome.packet.modifier1, vector.modifier1 ?? 0)
      assert.equal(outcome.packet.modifier2, vector.modifier2 ?? 0)
      assert.deepEqual(outcome.packet.vars, vector.vars)
      assert.equal(outcome.body.toString('latin1'), vector.body ?? '', `cuts ${cuts.join(',')}`)
    }
  })
}

const header = (datasize: number): Buffer => bytes(0, datasize & 0xff, datasize >> 8, 0)
const packetOf = (block: Buffer): Buffer => Buffer.concat([header(block.length), block])

const malformed: ReadonlyArray<{ name: string; packet: Buffer; code: string; maxVarsBytes?: number }> = [
  { name: 'truncated header', packet: bytes(0, 5), code: 'ERR_PROTOCOL_TRUNCATED_PACKET' },
  {
    name: 'truncated vars block',
    packet: Buffer.concat([header(10), bytes(1, 0), ascii('A')]),
    code: 'ERR_PROTOCOL_TRUNCATED_PACKET',
  },
  {
    name: 'datasize beyond buffer-size',
    packet: header(4097),
    maxVarsBytes: 4096,
    code: 'ERR_PROTOCOL_VARS_TOO_LARGE',
  },
  {
    name: 'key length overruns the block',
    packet: packetOf(Buffer.concat([bytes(10, 0), ascii('ABC')])),
    code: 'ERR_PROTOCOL_VAR_OVERRUN',
  },
  { name: 'key length field cut in half', packet: packetOf(bytes(1)), code: 'ERR_PROTOCOL_VAR_OVERRUN' },
  {
    name: 'value length field missing',
    packet: packetOf(Buffer.concat([bytes(1, 0), ascii('A')])),
    code: 'ERR_PROTOCOL_VAR_OVERRUN',
  },
  {
    name: 'value length overruns the block',
    packet: packetOf(Buffer.concat([bytes(1, 0), ascii('A'), bytes(5, 0), ascii('xy')])),
    code: 'ERR_PROTOCOL_VAR_OVERRUN',
  },
  {
    name: 'trailing byte after the last var',
    packet: packetOf(Buffer.concat([bytes(1, 0), ascii('A'), bytes(0, 0), bytes(7)])),
    code: 'ERR_PROTOCOL_VAR_OVERRUN',
  },
  { name: 'zero-length key', packet: packetOf(bytes(0, 0, 1, 0, 0x41)), code: 'ERR_PROTOCOL_EMPTY_VAR_KEY' },
  {
    name: 'key that is not UTF-8',
    packet: packetOf(bytes(2, 0, 0xc3, 0x28, 0, 0)),
    code: 'ERR_PROTOCOL_VAR_KEY_NOT_UTF8',
  },
  {
    name: 'HTTP sent to a uwsgi socket',
    packet: ascii('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    code: 'ERR_PROTOCOL_HTTP_ON_UWSGI_SOCKET',
  },
]

for (const { name, packet, code, maxVarsBytes } of malformed) {
  test(`vars decoder rejects a packet with a ${name}, however it is split`, () => {
    for (const cuts of everySplit(packet.length)) {
      const outcome = decodeInChunks(packet, cuts, maxVarsBytes === undefined ? {} : { maxVarsBytes })
      assert.ok('error' in outcome, `cuts ${cuts.join(',')}: expected an error`)
      assert.ok(outcome.error instanceof TsgiError, String(outcome.error))
      assert.equal(outcome.error.code, code)
      assert.equal(outcome.error.kind, 'request')
    }
  })
}

test('vars decoder rejects a datasize beyond buffer-size as soon as the header is in', () => {
  const decoder = new VarsDecoder({ maxVarsBytes: 4096 })
  assert.equal(decoder.push(bytes(0, 0x01)), undefined)
  assert.throws(
    () => decoder.push(bytes(0x10, 0)),
    (error: unknown) =>
      error instanceof TsgiError &&
      error.code === 'ERR_PROTOCOL_VARS_TOO_LARGE' &&
      error.message ===
        'Cannot read uwsgi request as its vars block must be at most 4096 bytes (buffer-size): ' +
          'it has 4097 bytes',
  )
})

test('vars decoder says where a var overruns the buffer and by how much', () => {
  const packet = packetOf(Buffer.concat([bytes(1, 0), ascii('A'), bytes(0, 0), bytes(9, 0), ascii('KEY')]))
  const outcome = decodeInChunks(packet, [])
  assert.ok('error' in outcome && outcome.error instanceof Error)
  assert.equal(
    outcome.error.message,
    'Cannot read uwsgi var at byte 5 of the vars block as its key (9 bytes) must fit in the vars block: ' +
      '3 bytes are left',
  )
})

test('vars decoder accepts a vars block of exactly 65535 bytes by default', () => {
  const value = 'v'.repeat(65535 - 5)
  const packet = packetOf(Buffer.concat([bytes(1, 0), ascii('K'), bytes(0xfa, 0xff), ascii(value)]))
  const outcome = decodeInChunks(packet, [1000, 30000])
  assert.ok('packet' in outcome)
  assert.deepEqual(outcome.packet.vars, [['K', value]])
})

test('vars decoder treats a connection closed before any byte as no request', () => {
  const decoder = new VarsDecoder()
  decoder.push(Buffer.alloc(0))
  assert.doesNotThrow(() => decoder.end())
})

test('vars decoder reports the bytes received and expected when the connection ends mid-packet', () => {
  const decoder = new VarsDecoder()
  decoder.push(Buffer.concat([header(10), bytes(1, 0, 0x41)]))
  assert.equal(decoder.bytesReceived, 7)
  assert.throws(
    () => decoder.end(),
    (error: unknown) =>
      error instanceof TsgiError && /must be 14 bytes: the connection ended after 7$/.test(error.message),
  )
})

test('vars decoder throws the same error again once it has failed', () => {
  const decoder = new VarsDecoder()
  let first: unknown
  assert.throws(
    () => decoder.push(packetOf(bytes(0, 0))),
    (error: unknown) => (first = error) !== undefined,
  )
  assert.throws(
    () => decoder.push(bytes(1)),
    (error: unknown) => error === first,
  )
  assert.throws(
    () => decoder.end(),
    (error: unknown) => error === first,
  )
})

test('vars decoder refuses more bytes after the packet as a bug, since they belong to the body', () => {
  const decoder = new VarsDecoder()
  assert.ok(decoder.push(header(0)) !== undefined)
  assert.equal(decoder.isDone, true)
  assert.throws(
    () => decoder.push(bytes(1)),
    (error: unknown) => error instanceof TsgiError && error.code === 'ERR_INTERNAL_ASSERTION',
  )
  assert.doesNotThrow(() => decoder.end())
})

test('vars decoder keeps the body bytes that arrive in the chunk that completes the vars', () => {
  const packet = Buffer.concat([header(0), ascii('body')])
  const packetResult = new VarsDecoder().push(packet)
  assert.equal(packetResult?.bodyStart.toString(), 'body')
})
