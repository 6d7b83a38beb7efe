// The CGI view of a uwsgi request: what nginx sends, read the way uWSGI reads it.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { TsgiError } from '../../../../src/errors/tsgi-error.js'
import { readCgiEnvironment } from '../../../../src/protocols/uwsgi/cgi-environment.js'
import type { UwsgiVar } from '../../../../src/protocols/uwsgi/vars-decoder.js'
import { decodePacketFixture } from '../../../helpers/decode-uwsgi.js'

test('cgi environment reads what nginx sends for GET /a?b=1', () => {
  const { packet } = decodePacketFixture('nginx-get-query.hex')
  const environment = readCgiEnvironment(packet.vars)
  assert.deepEqual(
    { ...environment, vars: undefined },
    {
      method: 'GET',
      uri: '/a?b=1',
      serverProtocol: 'HTTP/1.1',
      remoteAddr: '127.0.0.1',
      remotePort: 39170,
      isHttps: false,
      scriptName: '',
      pathInfo: '/a',
      queryString: 'b=1',
      contentLength: undefined,
      vars: undefined,
    },
  )
  assert.equal(environment.vars, packet.vars)
})

test('cgi environment reads a POST body length from CONTENT_LENGTH, the last of repeated vars', () => {
  const { packet } = decodePacketFixture('nginx-post-form.hex')
  assert.equal(readCgiEnvironment(packet.vars).contentLength, 11)
  assert.equal(readCgiEnvironment([['CONTENT_LENGTH', '0']]).contentLength, 0)
  assert.equal(readCgiEnvironment([['CONTENT_LENGTH', '']]).contentLength, undefined)
  assert.equal(readCgiEnvironment([]).contentLength, undefined)
  const repeated: UwsgiVar[] = [
    ['REQUEST_METHOD', 'PUT'],
    ['REQUEST_METHOD', 'POST'],
  ]
  assert.equal(readCgiEnvironment(repeated).method, 'POST')
})

test('cgi environment refuses a CONTENT_LENGTH that is not a decimal number', () => {
  for (const value of ['abc', '-1', '1e3', ' 5', '5 ', '0x10', '12345678901234567']) {
    assert.throws(
      () => readCgiEnvironment([['CONTENT_LENGTH', value]]),
      (error: unknown) => error instanceof TsgiError && error.code === 'ERR_PROTOCOL_BAD_CONTENT_LENGTH',
      value,
    )
  }
})

test('cgi environment rebuilds the URI from SCRIPT_NAME, PATH_INFO, QUERY_STRING without REQUEST_URI', () => {
  const cases: ReadonlyArray<readonly [UwsgiVar[], string]> = [
    [
      [
        ['PATH_INFO', '/p q/r'],
        ['QUERY_STRING', 'x=1'],
      ],
      '/p%20q/r?x=1',
    ],
    [
      [
        ['SCRIPT_NAME', '/app'],
        ['PATH_INFO', '/x'],
      ],
      '/app/x',
    ],
    [[['PATH_INFO', '/100%?#\u00ff']], '/100%25%3F%23%FF'],
    [[['QUERY_STRING', 'a=b']], '/?a=b'],
    [
      [
        ['REQUEST_URI', ''],
        ['PATH_INFO', '/y'],
      ],
      '/y',
    ],
    [[], '/'],
  ]
  for (const [vars, uri] of cases) assert.equal(readCgiEnvironment(vars).uri, uri, JSON.stringify(vars))
})

test('cgi environment defaults the method to GET and the protocol to HTTP/1.0', () => {
  const environment = readCgiEnvironment([['REMOTE_PORT', 'x']])
  assert.equal(environment.method, 'GET')
  assert.equal(environment.serverProtocol, 'HTTP/1.0')
  assert.equal(environment.remotePort, undefined)
  assert.equal(readCgiEnvironment([['REMOTE_PORT', '70000']]).remotePort, undefined)
})

test('cgi environment detects HTTPS from UWSGI_SCHEME, then HTTPS, then REQUEST_SCHEME', () => {
  const cases: ReadonlyArray<readonly [UwsgiVar[], boolean]> = [
    [[['HTTPS', 'on']], true],
    [[['HTTPS', 'ON']], true],
    [[['HTTPS', '1']], true],
    [[['HTTPS', 'off']], false],
    [[['HTTPS', '']], false],
    [[['UWSGI_SCHEME', 'https']], true],
    [
      [
        ['UWSGI_SCHEME', 'http'],
        ['HTTPS', 'on'],
      ],
      false,
    ],
    [[['REQUEST_SCHEME', 'https']], true],
    [[['REQUEST_SCHEME', 'http']], false],
    [
      [
        ['HTTPS', 'off'],
        ['REQUEST_SCHEME', 'https'],
      ],
      false,
    ],
    [[['HTTP_X_FORWARDED_PROTO', 'https']], false],
    [[], false],
  ]
  for (const [vars, isHttps] of cases) {
    assert.equal(readCgiEnvironment(vars).isHttps, isHttps, JSON.stringify(vars))
  }
})
