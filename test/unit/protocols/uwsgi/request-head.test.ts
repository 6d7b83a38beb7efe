// uwsgi vars → the HTTP/1.0 request they stand for, checked as the text of its head.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { TsgiError } from '../../../../src/errors/tsgi-error.js'
import { readCgiEnvironment } from '../../../../src/protocols/uwsgi/cgi-environment.js'
import { readRequestHead } from '../../../../src/protocols/uwsgi/request-head.js'
import type { UwsgiVar } from '../../../../src/protocols/uwsgi/vars-decoder.js'
import { decodePacketFixture } from '../../../helpers/decode-uwsgi.js'

/** The head as a client would have sent it: request line, header lines, blank line. */
const headOf = (vars: readonly UwsgiVar[]): string => {
  const { method, url, rawHeaders } = readRequestHead(readCgiEnvironment(vars))
  let text = `${method} ${url} HTTP/1.0\r\n`
  for (let index = 0; index < rawHeaders.length; index += 2)
    text += `${rawHeaders[index] ?? ''}: ${rawHeaders[index + 1] ?? ''}\r\n`
  return `${text}\r\n`
}
const isCode = (code: string) => (error: unknown) => error instanceof TsgiError && error.code === code

test('request head for nginx GET /a?b=1 is an HTTP/1.0 request line and the HTTP_* vars as headers', () => {
  const { packet } = decodePacketFixture('nginx-get-query.hex')
  assert.equal(
    headOf(packet.vars),
    'GET /a?b=1 HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n',
  )
})

test('request head for an nginx POST takes body framing from CONTENT_* and keeps repeated headers', () => {
  const { packet } = decodePacketFixture('nginx-post-form.hex')
  assert.equal(
    headOf(packet.vars),
    'POST /p%20q/r?x=%20y HTTP/1.0\r\n' +
      'Content-Length: 11\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
      'Host: 127.0.0.1\r\nUser-Agent: test\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n',
  )
})

test('request head has no Content-Length or Content-Type when nginx sends them empty', () => {
  assert.equal(
    headOf([
      ['REQUEST_URI', '/'],
      ['CONTENT_TYPE', ''],
      ['CONTENT_LENGTH', ''],
    ]),
    'GET / HTTP/1.0\r\n\r\n',
  )
})

test('request head names headers X-Foo-Bar for HTTP_X_FOO_BAR and keeps every duplicate in order', () => {
  assert.equal(
    headOf([
      ['REQUEST_URI', '/'],
      ['HTTP_X_FOO_BAR', '1'],
      ['HTTP_ACCEPT_LANGUAGE', 'en'],
      ['HTTP_X_FOO_BAR', '2'],
      ['DOCUMENT_ROOT', '/srv'],
    ]),
    'GET / HTTP/1.0\r\nX-Foo-Bar: 1\r\nAccept-Language: en\r\nX-Foo-Bar: 2\r\n\r\n',
  )
})

test('request head drops the client framing of a body nginx de-chunked, and hop-by-hop headers', () => {
  assert.equal(
    headOf([
      ['REQUEST_METHOD', 'POST'],
      ['REQUEST_URI', '/upload'],
      ['CONTENT_LENGTH', '7'],
      ['HTTP_TRANSFER_ENCODING', 'chunked'],
      ['HTTP_CONNECTION', 'keep-alive'],
      ['HTTP_KEEP_ALIVE', '300'],
      ['HTTP_CONTENT_LENGTH', '7'],
    ]),
    'POST /upload HTTP/1.0\r\nContent-Length: 7\r\n\r\n',
  )
})

test('request head keeps a WebSocket upgrade as Connection: upgrade', () => {
  const vars: UwsgiVar[] = [
    ['REQUEST_URI', '/ws'],
    ['HTTP_CONNECTION', 'keep-alive, Upgrade'],
    ['HTTP_UPGRADE', 'websocket'],
  ]
  assert.equal(headOf(vars), 'GET /ws HTTP/1.0\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n')
  assert.equal(readRequestHead(readCgiEnvironment(vars)).isUpgrade, true)
  const withoutUpgradeHeader = vars.filter(([key]) => key !== 'HTTP_UPGRADE')
  assert.equal(readRequestHead(readCgiEnvironment(withoutUpgradeHeader)).isUpgrade, false)
})

test('request head synthesises Host from SERVER_NAME and SERVER_PORT when HTTP_HOST is missing', () => {
  const base: UwsgiVar[] = [
    ['REQUEST_URI', '/'],
    ['SERVER_NAME', 'example.org'],
  ]
  assert.match(headOf([...base, ['SERVER_PORT', '8080']]), /\r\nHost: example\.org:8080\r\n/)
  assert.match(headOf([...base, ['SERVER_PORT', '80']]), /\r\nHost: example\.org\r\n/)
  assert.match(headOf([...base, ['SERVER_PORT', '443'], ['HTTPS', 'on']]), /\r\nHost: example\.org\r\n/)
  assert.doesNotMatch(headOf([...base, ['HTTP_HOST', 'a.example']]), /example\.org/)
})

test('request head refuses CR, LF or NUL in a header value (header injection)', () => {
  for (const value of ['a\r\nX-Injected: 1', 'a\nb', 'a\rb', 'a\0b']) {
    assert.throws(
      () =>
        headOf([
          ['REQUEST_URI', '/'],
          ['HTTP_X_FOO', value],
        ]),
      isCode('ERR_PROTOCOL_BAD_HEADER_VALUE'),
    )
    assert.throws(
      () =>
        headOf([
          ['REQUEST_URI', '/'],
          ['CONTENT_TYPE', value],
        ]),
      isCode('ERR_PROTOCOL_BAD_HEADER_VALUE'),
    )
  }
})

test('request head refuses a var name that cannot be a header name', () => {
  for (const key of ['HTTP_', 'HTTP_X FOO', 'HTTP_X:Y', 'HTTP_X\r\nY']) {
    assert.throws(
      () =>
        headOf([
          ['REQUEST_URI', '/'],
          [key, '1'],
        ]),
      isCode('ERR_PROTOCOL_BAD_HEADER_NAME'),
      key,
    )
  }
})

test('request head refuses a method or a URI that would break the request line', () => {
  for (const method of ['GET /evil', 'GET\r\n', 'G(T']) {
    assert.throws(
      () =>
        headOf([
          ['REQUEST_METHOD', method],
          ['REQUEST_URI', '/'],
        ]),
      isCode('ERR_PROTOCOL_BAD_REQUEST_LINE'),
    )
  }
  for (const uri of ['/a b', '/a\r\nHost: x', '/a\0', '/\u007f']) {
    assert.throws(() => headOf([['REQUEST_URI', uri]]), isCode('ERR_PROTOCOL_BAD_REQUEST_LINE'))
  }
  assert.match(headOf([['REQUEST_URI', '/\u00e9']]), /^GET \/\u00e9 HTTP\/1\.0/)
})
