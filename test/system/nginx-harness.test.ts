// Proves the nginx test harness itself: real nginx in front of an in-process HTTP server (proxy_pass) and a
// minimal uwsgi server (uwsgi_pass), both on unix sockets, including large bodies and upgraded tunnels.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import test, { type TestContext } from 'node:test'

import { httpRequest, keepAliveAgent } from '../helpers/http-client.js'
import { nginxSkipReason, startNginx, type Nginx, type NginxUpstream } from '../helpers/nginx.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { waitFor, waitForEvent } from '../helpers/wait-for.js'

const skip = nginxSkipReason() ?? false
const eventDeadlineMs = 10_000
const switchingProtocols =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'

/** Upgraded sockets answer each chunk upper-cased, so the client sees the server did the echo. */
function echoUpperCase(socket: Duplex): void {
  socket.on('data', (chunk: Buffer) => socket.write(chunk.toString('latin1').toUpperCase(), 'latin1'))
  socket.on('error', () => socket.destroy())
}

/** A node:http server on a unix socket: GET / says hello, POST /upload says the body's size and hash. */
async function startHttpServer(t: TestContext, socketPath: string): Promise<void> {
  const upgraded = new Set<Duplex>()
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/upload') {
      const hash = createHash('sha256')
      let size = 0
      req.on('data', (chunk: Buffer) => {
        size += chunk.length
        hash.update(chunk)
      })
      req.on('end', () => res.end(`${size} ${hash.digest('hex')}`))
      return
    }
    res.setHeader('content-type', 'text/plain')
    res.end('hello from http')
  })
  server.on('upgrade', (_req: http.IncomingMessage, socket: Duplex) => {
    upgraded.add(socket)
    socket.write(switchingProtocols)
    echoUpperCase(socket)
  })
  t.after(() => {
    for (const socket of upgraded) socket.destroy()
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  server.listen({ path: socketPath, readableAll: true, writableAll: true })
  await waitForEvent(server, 'listening', `the http server to listen on ${socketPath}`, eventDeadlineMs)
}

type UwsgiVars = ReadonlyMap<string, string>

/** Reads a uwsgi packet's vars: u16 LE key length, key, u16 LE value length, value, repeated. */
function parseVars(data: Buffer): UwsgiVars {
  const vars = new Map<string, string>()
  for (let at = 0; at < data.length;) {
    const keyLength = data.readUInt16LE(at)
    const key = data.toString('latin1', at + 2, at + 2 + keyLength)
    at += 2 + keyLength
    const valueLength = data.readUInt16LE(at)
    vars.set(key, data.toString('latin1', at + 2, at + 2 + valueLength))
    at += 2 + valueLength
  }
  return vars
}

/**
 * A minimal uwsgi server: reads the 4-byte header (modifier1 u8, datasize u16 LE, modifier2 u8) and the
 * vars, and answers hello and closes, or, for a request carrying HTTP_UPGRADE, switches protocols and
 * echoes. Every request's vars are kept for the test to inspect.
 */
async function startUwsgiServer(t: TestContext, socketPath: string): Promise<UwsgiVars[]> {
  const seen: UwsgiVars[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    let buffered = Buffer.alloc(0)
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk])
      if (buffered.length < 4) return
      const end = 4 + buffered.readUInt16LE(1)
      if (buffered.length < end) return
      socket.off('data', onData)
      const vars = parseVars(buffered.subarray(4, end))
      seen.push(vars)
      if (vars.has('HTTP_UPGRADE')) {
        socket.write(switchingProtocols)
        echoUpperCase(socket)
        return
      }
      socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello')
    }
    socket.on('data', onData)
  })
  t.after(() => {
    for (const socket of sockets) socket.destroy()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  server.listen({ path: socketPath, readableAll: true, writableAll: true })
  await waitForEvent(server, 'listening', `the uwsgi server to listen on ${socketPath}`, eventDeadlineMs)
  return seen
}

async function nginxFor(t: TestContext, upstream: NginxUpstream): Promise<Nginx> {
  const nginx = await startNginx(t, { upstream })
  // nginxSkipReason() already skipped the test where startNginx could decline.
  assert.ok(nginx, 'nginx did not start')
  return nginx
}

/** Opens an upgraded connection through nginx and proves bytes flow both ways through the tunnel. */
async function assertTunnel(t: TestContext, nginx: Nginx): Promise<http.IncomingMessage> {
  const req = http.request(`${nginx.url}/ws`, {
    agent: false,
    headers: { connection: 'Upgrade', upgrade: 'websocket' },
  })
  t.after(() => req.destroy())
  req.end()
  const [res, socket] = (await waitForEvent(req, 'upgrade', 'nginx to answer 101', eventDeadlineMs)) as [
    http.IncomingMessage,
    Duplex,
  ]
  t.after(() => socket.destroy())
  let received = ''
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
  socket.write('ping through nginx')
  await waitFor('the upgraded connection to echo PING THROUGH NGINX', () =>
    received === 'PING THROUGH NGINX' ? true : undefined,
  )
  return res
}

test('nginx proxy_pass reaches a node:http server on a unix socket', { skip }, async (t) => {
  const dir = makeTempDir(t)
  const socketPath = `${dir.path}/http.sock`
  await startHttpServer(t, socketPath)
  const nginx = await nginxFor(t, { kind: 'http', unixPath: socketPath })

  const response = await httpRequest(`${nginx.url}/`)

  assert.equal(response.status, 200, nginx.logTail())
  assert.equal(response.body.toString(), 'hello from http')
})

test('nginx uwsgi_pass reaches a uwsgi server on a unix socket', { skip }, async (t) => {
  const dir = makeTempDir(t)
  const socketPath = `${dir.path}/uwsgi.sock`
  const seen = await startUwsgiServer(t, socketPath)
  const nginx = await nginxFor(t, { kind: 'uwsgi', unixPath: socketPath })

  const response = await httpRequest(`${nginx.url}/some/path?x=1`)

  assert.equal(response.status, 200, nginx.logTail())
  assert.equal(response.body.toString(), 'hello')
  assert.equal(seen.length, 1)
  assert.equal(seen[0]?.get('REQUEST_METHOD'), 'GET')
  assert.equal(seen[0]?.get('PATH_INFO'), '/some/path')
  assert.equal(seen[0]?.get('QUERY_STRING'), 'x=1')
})

test('a 20 MB POST through nginx proxy_pass arrives whole', { skip }, async (t) => {
  const dir = makeTempDir(t)
  const socketPath = `${dir.path}/http.sock`
  await startHttpServer(t, socketPath)
  const nginx = await nginxFor(t, { kind: 'http', unixPath: socketPath })
  const body = randomBytes(20 * 1024 * 1024)

  const response = await httpRequest(`${nginx.url}/upload`, { method: 'POST', body })

  assert.equal(response.status, 200, nginx.logTail())
  assert.equal(response.body.toString(), `${body.length} ${createHash('sha256').update(body).digest('hex')}`)
})

test('nginx uwsgi_pass passes Upgrade and Connection and tunnels after a 101', { skip }, async (t) => {
  const dir = makeTempDir(t)
  const socketPath = `${dir.path}/uwsgi.sock`
  const seen = await startUwsgiServer(t, socketPath)
  const nginx = await nginxFor(t, { kind: 'uwsgi', unixPath: socketPath })

  const res = await assertTunnel(t, nginx)

  assert.equal(res.statusCode, 101)
  assert.equal(res.headers.upgrade, 'websocket')
  assert.equal(res.headers.connection, 'upgrade')
  assert.equal(seen[0]?.get('HTTP_UPGRADE'), 'websocket')
  assert.equal(seen[0]?.get('HTTP_CONNECTION'), 'Upgrade')
})

test('nginx proxy_pass tunnels an upgraded connection', { skip }, async (t) => {
  const dir = makeTempDir(t)
  const socketPath = `${dir.path}/http.sock`
  await startHttpServer(t, socketPath)
  const nginx = await nginxFor(t, { kind: 'http', unixPath: socketPath })

  const res = await assertTunnel(t, nginx)

  assert.equal(res.statusCode, 101)
  assert.equal(res.headers.upgrade, 'websocket')
})

test('a wait that times out says what did not happen', async () => {
  await assert.rejects(
    waitFor('a condition that never holds', () => undefined, { timeoutMs: 50 }),
    {
      message: 'timed out after 50ms waiting for a condition that never holds',
    },
  )
})

test('httpRequest resends a request whose reused connection closed before any response byte', async (t) => {
  // Each connection answers its first request (keep-alive) and drops the second unanswered, as a draining
  // worker may do to an idle connection.
  const connections = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    connections.add(socket)
    let requests = 0
    socket.on('data', () => {
      requests += 1
      if (requests === 1)
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok')
      else socket.destroy()
    })
    socket.on('error', () => socket.destroy())
  })
  t.after(() => {
    for (const socket of connections) socket.destroy()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  server.listen(0, '127.0.0.1')
  await waitForEvent(server, 'listening', 'the test server to listen', eventDeadlineMs)
  const address = server.address()
  assert.ok(address !== null && typeof address === 'object')
  const agent = keepAliveAgent(t, { maxSockets: 1 })
  const url = `http://127.0.0.1:${address.port}/`

  const first = await httpRequest(url, { agent })
  const second = await httpRequest(url, { agent })

  assert.equal(first.status, 200)
  assert.equal(second.status, 200)
  assert.equal(connections.size, 2)
})
