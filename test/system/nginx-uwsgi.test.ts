// Real Debian nginx with `include uwsgi_params; uwsgi_pass unix:…;` in front of a real tsgi instance serving
// Node apps from test/fixtures/apps (issue #3, Acceptance, first and third items): queries, big bodies both
// ways, many headers, unicode paths, error statuses, HEAD, a WebSocket echo, 500 concurrent requests, and
// whether nginx's www-data workers may connect according to the socket's mode.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { statSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { Duplex } from 'node:stream'
import test, { type TestContext } from 'node:test'

import { httpRequest, keepAliveAgent } from '../helpers/http-client.js'
import { appDir, identityArgs } from '../helpers/instance-setup.js'
import { nginxSkipReason, startNginx, type Nginx } from '../helpers/nginx.js'
import { startTsgi, type RunningTsgi } from '../helpers/start-tsgi.js'
import { isRoot } from '../helpers/test-users.js'
import { waitFor, waitForEvent } from '../helpers/wait-for.js'

const skip = nginxSkipReason() ?? false
const eventDeadlineMs = 10_000

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

/** A WebSocket client frame: FIN set, masked as RFC 6455 §5.3 requires of clients. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length
  let head: Buffer
  if (length < 126) head = Buffer.from([0x80 | opcode, 0x80 | length])
  else if (length < 65536) head = Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff])
  else {
    head = Buffer.alloc(10)
    head[0] = 0x80 | opcode
    head[1] = 0x80 | 127
    head.writeBigUInt64BE(BigInt(length), 2)
  }
  const mask = randomBytes(4)
  const masked = Buffer.from(payload)
  for (let i = 0; i < masked.length; i++) masked[i] = (masked[i] ?? 0) ^ (mask[i % 4] ?? 0)
  return Buffer.concat([head, mask, masked])
}

interface Frame {
  readonly opcode: number
  readonly payload: Buffer
}

/** Collects the server's (unmasked) frames from an upgraded socket; next() waits for the next one. */
function frameReader(socket: Duplex, head: Buffer): { next(what: string): Promise<Frame> } {
  let buffered = Buffer.from(head)
  socket.on('data', (chunk: Buffer) => (buffered = Buffer.concat([buffered, chunk])))
  const take = (): Frame | undefined => {
    if (buffered.length < 2) return undefined
    const first = buffered[0] ?? 0
    const second = buffered[1] ?? 0
    assert.equal(second & 0x80, 0, 'a server frame is never masked')
    let length = second & 0x7f
    let at = 2
    if (length === 126) {
      if (buffered.length < 4) return undefined
      length = buffered.readUInt16BE(2)
      at = 4
    } else if (length === 127) {
      if (buffered.length < 10) return undefined
      length = Number(buffered.readBigUInt64BE(2))
      at = 10
    }
    if (buffered.length < at + length) return undefined
    const frame = { opcode: first & 0x0f, payload: Buffer.from(buffered.subarray(at, at + length)) }
    buffered = buffered.subarray(at + length)
    return frame
  }
  return { next: (what) => waitFor(what, take, { timeoutMs: eventDeadlineMs }) }
}

test('nginx uwsgi_pass carries a WebSocket echo to a node:http upgrade handler', { skip }, async (t) => {
  const { nginx } = await serveThroughNginx(t, 'websocket-echo.mjs')
  const key = randomBytes(16).toString('base64')
  const req = http.request(`${nginx.url}/echo`, {
    agent: false,
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-key': key,
      'sec-websocket-version': '13',
    },
  })
  t.after(() => req.destroy())
  req.end()
  const [res, socket, head] = (await waitForEvent(
    req,
    'upgrade',
    'nginx to answer 101',
    eventDeadlineMs,
  )) as [http.IncomingMessage, Duplex, Buffer]
  t.after(() => socket.destroy())
  socket.on('error', () => socket.destroy())

  assert.equal(res.statusCode, 101, nginx.logTail())
  assert.equal(res.headers.upgrade?.toLowerCase(), 'websocket')
  assert.equal(
    res.headers['sec-websocket-accept'],
    createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64'),
  )
  const frames = frameReader(socket, head)
  const text = 'héllo through nginx ✓'
  socket.write(clientFrame(0x1, Buffer.from(text)))
  const echoed = await frames.next('the echo of a text message')
  assert.equal(echoed.opcode, 0x1)
  assert.equal(echoed.payload.toString('utf8'), text)

  const binary = randomBytes(70_000)
  socket.write(clientFrame(0x2, binary))
  const echoedBinary = await frames.next('the echo of a 70,000-byte binary message')
  assert.equal(echoedBinary.opcode, 0x2)
  assert.ok(echoedBinary.payload.equals(binary), 'the binary message comes back unchanged')

  const normalClosure = Buffer.from([0x03, 0xe8])
  socket.write(clientFrame(0x8, normalClosure))
  const close = await frames.next('the close frame answering ours')
  assert.equal(close.opcode, 0x8)
  assert.ok(close.payload.equals(normalClosure))
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
