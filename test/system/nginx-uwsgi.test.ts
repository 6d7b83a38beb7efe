// Real Debian nginx with `include uwsgi_params; uwsgi_pass unix:…;` in front of a real tsgi instance serving
// Node apps from test/fixtures/apps (issue #3, Acceptance, first and third items): queries, big bodies both
// ways, many headers, unicode paths, error statuses, HEAD, a WebSocket echo, 500 concurrent requests, and
// whether nginx's www-data workers may connect according to the socket's mode.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { statSync } from 'node:fs'
import path from 'node:path'
import test, { type TestContext } from 'node:test'

import { httpRequest, keepAliveAgent } from '../helpers/http-client.js'
import { appDir, identityArgs } from '../helpers/instance-setup.js'
import { nginxSkipReason, startNginx, type Nginx } from '../helpers/nginx.js'
import { assertWebSocketEcho } from '../helpers/websocket-client.js'
import { startTsgi, type RunningTsgi } from '../helpers/start-tsgi.js'
import { isRoot } from '../helpers/test-users.js'

const skip = nginxSkipReason() ?? false

/** What hello.mjs answers: the request as the app saw it. */
interface Echo {
  readonly pid: number
  readonly url: string
  readonly method: string
  readonly bytes: number
  readonly sha256: string
  readonly headers: Readonly<Record<string, string>>
  readonly remoteAddress: string
}

interface Served {
  readonly nginx: Nginx
  readonly tsgi: RunningTsgi
  readonly socketPath: string
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function parseEcho(body: Buffer): Echo {
  return JSON.parse(body.toString('utf8')) as Echo
}

/** tsgi serving `app` on a uwsgi unix socket nginx's www-data workers may use, and nginx in front of it. */
async function serveThroughNginx(
  t: TestContext,
  app: string,
  extraArgs: readonly string[] = [],
): Promise<Served> {
  const dir = appDir(t, app)
  const socketPath = path.join(dir.path, 'uwsgi.sock')
  const tsgi = await startTsgi(
    t,
    ['--socket', socketPath, '--chmod-socket', '666', '--module', app, ...extraArgs, ...identityArgs()],
    { cwd: dir.path },
  )
  const nginx = await startNginx(t, { upstream: { kind: 'uwsgi', unixPath: socketPath } })
  // nginxSkipReason() already skipped the test where startNginx could decline.
  assert.ok(nginx, 'nginx did not start')
  return { nginx, tsgi, socketPath }
}

test('nginx uwsgi_pass passes a GET with a query string to the app as sent', { skip }, async (t) => {
  const { nginx } = await serveThroughNginx(t, 'hello.mjs')

  const response = await httpRequest(`${nginx.url}/search/items?q=a%20b&x=1&x=2&empty=`)

  assert.equal(response.status, 200, nginx.logTail())
  const echo = parseEcho(response.body)
  assert.equal(echo.method, 'GET')
  assert.equal(echo.url, '/search/items?q=a%20b&x=1&x=2&empty=')
  assert.equal(echo.remoteAddress, '127.0.0.1')
  assert.equal(echo.bytes, 0)
})

test('nginx uwsgi_pass delivers a 20 MB POST body whole to the app', { skip }, async (t) => {
  const { nginx } = await serveThroughNginx(t, 'hello.mjs')
  const body = randomBytes(20 * 1024 * 1024)

  const response = await httpRequest(`${nginx.url}/upload`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/octet-stream' },
    timeoutMs: 60_000,
  })

  assert.equal(response.status, 200, nginx.logTail())
  const echo = parseEcho(response.body)
  assert.equal(echo.method, 'POST')
  assert.equal(echo.bytes, body.length)
  assert.equal(echo.sha256, sha256(body))
  assert.equal(echo.headers['content-type'], 'application/octet-stream')
})

/** The bytes stream-bytes.mjs writes as its chunk `index` (the same formula as the fixture). */
function streamChunk(index: number): Buffer {
  const chunkSize = 64 * 1024
  const chunk = Buffer.alloc(chunkSize)
  for (let at = 0; at < chunkSize; at++) chunk[at] = (index * 7 + at * 31 + (at >> 8)) & 0xff
  chunk.writeUInt32BE(index, 0)
  return chunk
}

test('nginx uwsgi_pass delivers a streamed 50 MB response whole', { skip }, async (t) => {
  const { nginx } = await serveThroughNginx(t, 'stream-bytes.mjs')
  const mib = 50
  const expected = createHash('sha256')
  for (let index = 0; index < (mib * 1024 * 1024) / (64 * 1024); index++) expected.update(streamChunk(index))

  const response = await httpRequest(`${nginx.url}/bytes?mb=${mib}`, { timeoutMs: 60_000 })

  assert.equal(response.status, 200, nginx.logTail())
  assert.equal(response.body.length, mib * 1024 * 1024)
  assert.equal(sha256(response.body), expected.digest('hex'))
})

test('nginx uwsgi_pass delivers 100 custom request headers to the app', { skip }, async (t) => {
  const { nginx } = await serveThroughNginx(t, 'hello.mjs')
  const headers: Record<string, string> = {}
  for (let i = 0; i < 100; i++) headers[`x-custom-header-${i}`] = `value-${i}-${'v'.repeat(i)}`

  const response = await httpRequest(`${nginx.url}/headers`, { headers })

  assert.equal(response.status, 200, nginx.logTail())
  const echo = parseEcho(response.body)
  for (const [name, value] of Object.entries(headers)) assert.equal(echo.headers[name], value, name)
})

test('nginx uwsgi_pass delivers a percent-encoded unicode path as sent', { skip }, async (t) => {
  const { nginx } = await serveThroughNginx(t, 'hello.mjs')
  const target = `/${encodeURIComponent('café')}/${encodeURIComponent('日本語')}?name=${encodeURIComponent('😀 ü')}`

  const response = await httpRequest(`${nginx.url}${target}`)

  assert.equal(response.status, 200, nginx.logTail())
  const echo = parseEcho(response.body)
  assert.equal(echo.url, target)
  assert.equal(decodeURIComponent(new URL(echo.url, 'http://x').pathname), '/café/日本語')
})

for (const status of [404, 500]) {
  test(`nginx uwsgi_pass passes the app's ${status} and its body through`, { skip }, async (t) => {
    const { nginx } = await serveThroughNginx(t, 'status-codes.mjs')

    const response = await httpRequest(`${nginx.url}/status/${status}`)

    assert.equal(response.status, status, nginx.logTail())
    assert.equal(response.headers['x-app-status'], String(status))
    assert.equal(response.body.toString(), `app answered ${status}\n`)
  })
}

test('nginx uwsgi_pass answers HEAD with the headers and no body', { skip }, async (t) => {
  const { nginx } = await serveThroughNginx(t, 'hello.mjs')

  const response = await httpRequest(`${nginx.url}/head-me`, { method: 'HEAD' })

  assert.equal(response.status, 200, nginx.logTail())
  assert.equal(response.headers['content-type'], 'application/json')
  assert.equal(response.body.length, 0)
})

test('nginx uwsgi_pass carries a WebSocket echo to a node:http upgrade handler', { skip }, async (t) => {
  const { nginx } = await serveThroughNginx(t, 'websocket-echo.mjs')
  await assertWebSocketEcho(t, new URL('/echo', nginx.url), nginx.logTail)
})

test('nginx uwsgi_pass answers 500 concurrent requests with none failing', { skip }, async (t) => {
  const { nginx } = await serveThroughNginx(t, 'hello.mjs', ['--processes', '4'])
  const agent = keepAliveAgent(t, { maxSockets: 100 })

  const outcomes = await Promise.allSettled(
    Array.from({ length: 500 }, (_, i) => httpRequest(`${nginx.url}/concurrent/${i}`, { agent })),
  )

  const failures = outcomes.flatMap((outcome, i) => {
    if (outcome.status === 'rejected') return [`request ${i}: ${String(outcome.reason)}`]
    if (outcome.value.status !== 200) return [`request ${i}: status ${outcome.value.status}`]
    const echo = parseEcho(outcome.value.body)
    return echo.url === `/concurrent/${i}` ? [] : [`request ${i}: answered for ${echo.url}`]
  })
  assert.deepEqual(failures, [], nginx.logTail())
})

/**
 * Socket modes against nginx's www-data workers. The master binds the socket as root, so 600 leaves it to
 * root alone; 666 opens it to everyone; 660 with the group set to www-data opens it to nginx only.
 */
const socketModes = [
  { mode: '600', owner: undefined, status: 502, condition: 'the socket mode forbids www-data' },
  { mode: '666', owner: undefined, status: 200, condition: 'the socket mode allows everyone' },
  { mode: '660', owner: 'nobody:www-data', status: 200, condition: "the socket's group is www-data" },
] as const

for (const { mode, owner, status, condition } of socketModes) {
  test(
    `nginx uwsgi_pass gets ${status} when ${condition}`,
    { skip: skip === false && !isRoot() ? 'needs root: nginx must run its workers as www-data' : skip },
    async (t) => {
      const dir = appDir(t, 'hello.mjs')
      const socketPath = path.join(dir.path, 'uwsgi.sock')
      // nginx first: its helper refuses a socket it can already tell www-data cannot use, and nginx only
      // connects when a request comes.
      const nginx = await startNginx(t, { upstream: { kind: 'uwsgi', unixPath: socketPath } })
      assert.ok(nginx, 'nginx did not start')
      await startTsgi(
        t,
        [
          '--socket',
          socketPath,
          '--chmod-socket',
          mode,
          ...(owner === undefined ? [] : ['--chown-socket', owner]),
          '--module',
          'hello.mjs',
          '--uid',
          'nobody',
          '--gid',
          'nogroup',
        ],
        { cwd: dir.path },
      )
      assert.equal(statSync(socketPath).mode & 0o777, Number.parseInt(mode, 8))

      const response = await httpRequest(`${nginx.url}/mode-${mode}`)

      assert.equal(response.status, status, nginx.logTail())
      if (status === 502) assert.match(nginx.logTail(), /Permission denied\) while connecting to upstream/)
      else assert.equal(parseEcho(response.body).url, `/mode-${mode}`)
    },
  )
}
