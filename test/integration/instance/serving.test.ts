// An instance serving a Node app over http-socket and the uwsgi protocol, as users run it (issue #3).
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { httpRequest, keepAliveAgent } from '../../helpers/http-client.js'
import { appDir, identityArgs, runDirIn } from '../../helpers/instance-setup.js'
import { startTsgi } from '../../helpers/start-tsgi.js'
import { uwsgiRequest } from '../../helpers/uwsgi-client.js'

interface Echo {
  pid: number
  url: string
  method: string
  bytes: number
  sha256: string
  headers: Record<string, string>
  remoteAddress: string
  remotePort: number | null
  remoteFamily: string | null
  encrypted: boolean
  greeting: string | null
  cwd: string
}

test('instance serves a request listener on an http-socket, many requests on one keep-alive connection', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'http.sock')
  await startTsgi(
    t,
    [
      '--http-socket',
      sock,
      '--module',
      'hello.mjs',
      '--env',
      'GREETING=hi',
      '--chdir',
      dir.path,
      ...identityArgs(),
    ],
    { cwd: dir.path },
  )
  const agent = keepAliveAgent(t, { maxSockets: 1 })
  const pids = new Set<number>()
  for (let i = 0; i < 20; i++) {
    const response = await httpRequest({ socketPath: sock, path: `/n/${i}?q=1` }, { agent })
    assert.equal(response.status, 200)
    const echo = JSON.parse(response.body.toString()) as Echo
    assert.equal(echo.url, `/n/${i}?q=1`)
    assert.equal(echo.greeting, 'hi')
    assert.equal(echo.cwd, dir.path)
    pids.add(echo.pid)
  }
  assert.equal(pids.size, 1, 'one connection stays on one worker')
})

test('instance serves the uwsgi protocol: query string, a streamed body and REMOTE_ADDR', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'uwsgi.sock')
  await startTsgi(t, ['--socket', sock, '--module', 'hello.mjs', ...identityArgs()], { cwd: dir.path })
  const body = randomBytes(3 * 1024 * 1024)
  const response = await uwsgiRequest({
    path: sock,
    vars: [
      ['REQUEST_METHOD', 'POST'],
      ['REQUEST_URI', '/upload?x=1'],
      ['PATH_INFO', '/upload'],
      ['QUERY_STRING', 'x=1'],
      ['SERVER_PROTOCOL', 'HTTP/1.1'],
      ['CONTENT_LENGTH', String(body.length)],
      ['CONTENT_TYPE', 'application/octet-stream'],
      ['REMOTE_ADDR', '203.0.113.7'],
      ['REMOTE_PORT', '40123'],
      ['HTTP_HOST', 'example.test'],
      ['HTTP_X_CUSTOM', 'yes'],
    ],
    body,
  })
  assert.equal(response.status, 200)
  const echo = JSON.parse(response.body.toString()) as Echo
  assert.equal(echo.method, 'POST')
  assert.equal(echo.url, '/upload?x=1')
  assert.equal(echo.bytes, body.length)
  assert.equal(echo.sha256, createHash('sha256').update(body).digest('hex'))
  assert.equal(echo.remoteAddress, '203.0.113.7')
  assert.equal(echo.remotePort, 40123)
  assert.equal(echo.remoteFamily, 'IPv4')
  assert.equal(echo.encrypted, false)
  assert.equal(echo.headers['x-custom'], 'yes')
  assert.equal(echo.headers.host, 'example.test')
})

test('instance streams a uwsgi request body with backpressure: unread by the app, it stays with the client', async (t) => {
  const dir = appDir(t, 'held-body.mjs')
  const sock = path.join(dir.path, 'uwsgi.sock')
  await startTsgi(t, ['--socket', sock, '--module', 'held-body.mjs', ...identityArgs()], { cwd: dir.path })
  const get = async (uri: string): Promise<string> => {
    const response = await uwsgiRequest({
      path: sock,
      vars: [
        ['REQUEST_METHOD', 'GET'],
        ['REQUEST_URI', uri],
      ],
    })
    assert.equal(response.status, 200, `GET ${uri}`)
    return response.body.toString()
  }
  const block = randomBytes(64 * 1024)
  const totalBytes = 32 * 1024 * 1024
  async function* body(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < totalBytes; sent += block.length) yield block
  }
  const expected = createHash('sha256')
  for (let sent = 0; sent < totalBytes; sent += block.length) expected.update(block)
  const upload = uwsgiRequest({
    path: sock,
    vars: [
      ['REQUEST_METHOD', 'POST'],
      ['REQUEST_URI', '/hold'],
      ['CONTENT_LENGTH', String(totalBytes)],
    ],
    body: body(),
    timeoutMs: 60_000,
  })
  upload.catch(() => undefined) // Awaited below, after the polling.
  // Wait until the worker stops reading from the held connection (polled; no assertion on time).
  let bytesRead = -1
  for (let poll = 0; ; poll++) {
    assert.ok(poll < 300, 'the worker never stopped reading the held body')
    await new Promise((resolve) => setTimeout(resolve, 100))
    const state = JSON.parse(await get('/held')) as { holding: boolean; bytesRead: number }
    if (state.holding && state.bytesRead === bytesRead) break
    bytesRead = state.bytesRead
  }
  assert.ok(
    bytesRead < totalBytes / 4,
    `the worker read ${bytesRead} of ${totalBytes} bytes that the app did not ask for`,
  )
  assert.equal(await get('/release'), 'released')
  const response = await upload
  assert.deepEqual(JSON.parse(response.body.toString()), {
    bytes: totalBytes,
    sha256: expected.digest('hex'),
  })
})

test('instance shows a uwsgi request from an IPv6 client over TLS as such on req.socket', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'uwsgi.sock')
  await startTsgi(t, ['--socket', sock, '--module', 'hello.mjs', ...identityArgs()], { cwd: dir.path })
  const request = (vars: [string, string][]) =>
    uwsgiRequest({ path: sock, vars: [['REQUEST_METHOD', 'GET'], ['REQUEST_URI', '/'], ...vars] })
  const tls = JSON.parse(
    (
      await request([
        ['REMOTE_ADDR', '2001:db8::5'],
        ['HTTPS', 'on'],
      ])
    ).body.toString(),
  ) as Echo
  assert.equal(tls.remoteAddress, '2001:db8::5')
  assert.equal(tls.remoteFamily, 'IPv6')
  assert.equal(tls.remotePort, null)
  assert.equal(tls.encrypted, true, 'Express and Koa read req.socket.encrypted for https')
  // Each connection is its own: the next one, without TLS, is not marked by the one before.
  const plain = JSON.parse((await request([['REMOTE_ADDR', '198.51.100.2']])).body.toString()) as Echo
  assert.equal(plain.remoteAddress, '198.51.100.2')
  assert.equal(plain.encrypted, false)
})

test('instance answers uwsgi responses without chunked framing and closes, as nginx needs', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'uwsgi.sock')
  await startTsgi(t, ['--socket', sock, '--module', 'hello.mjs', ...identityArgs()], { cwd: dir.path })
  const response = await uwsgiRequest({
    path: sock,
    vars: [
      ['REQUEST_METHOD', 'GET'],
      ['REQUEST_URI', '/'],
      ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ],
  })
  assert.equal(response.status, 200)
  assert.equal(response.headers['transfer-encoding'], undefined)
})

test('instance closes a malformed uwsgi packet with a log line and keeps serving', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'uwsgi.sock')
  const tsgi = await startTsgi(
    t,
    ['--socket', sock, '--module', 'hello.mjs', '--buffer-size', '1024', ...identityArgs()],
    { cwd: dir.path },
  )
  const workers = tsgi.workerPids()
  // datasize 2000 > buffer-size 1024: refused from the header alone.
  await assert.rejects(
    uwsgiRequest({ path: sock, packet: Buffer.from([0, 0xd0, 0x07, 0]), vars: [] }),
    /without a response|closed/,
  )
  await tsgi.waitForOutput(/uwsgi: closed a connection .*ERR_PROTOCOL_VARS_TOO_LARGE/)
  const ok = await uwsgiRequest({
    path: sock,
    vars: [
      ['REQUEST_METHOD', 'GET'],
      ['REQUEST_URI', '/after'],
    ],
  })
  assert.equal(ok.status, 200)
  assert.deepEqual(tsgi.workerPids().sort(), workers.sort(), 'no worker died')
})

test('instance applies chmod-socket and removes its sockets and pidfile with vacuum on SIGTERM', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  // Like /run/tsgi from the seed's tmpfiles.d line: owned by the user the master drops to, so vacuum may
  // unlink in it after the drop.
  const runDir = runDirIn(dir)
  const sock = path.join(runDir, 'app.sock')
  const pidfile = path.join(runDir, 'app.pid')
  const tsgi = await startTsgi(
    t,
    [
      '--socket',
      sock,
      '--chmod-socket',
      '660',
      '--vacuum',
      '--pidfile',
      pidfile,
      '--module',
      'hello.mjs',
      ...identityArgs(),
    ],
    { cwd: dir.path },
  )
  assert.equal(statSync(sock).mode & 0o777, 0o660)
  assert.equal(readFileSync(pidfile, 'utf8').trim(), String(tsgi.pid))
  tsgi.signal('SIGTERM')
  assert.deepEqual(await tsgi.exited(), { code: 0, signal: null })
  assert.throws(() => statSync(sock), /ENOENT/)
  assert.throws(() => statSync(pidfile), /ENOENT/)
})

test('instance runs several workers and respawns one that dies', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'http.sock')
  const tsgi = await startTsgi(
    t,
    ['--http-socket', sock, '--module', 'hello.mjs', '--processes', '2', ...identityArgs()],
    { cwd: dir.path },
  )
  const workers = tsgi.workerPids()
  assert.equal(workers.length, 2)
  const victim = workers[0] ?? -1
  const from = tsgi.output().length
  process.kill(victim, 'SIGKILL')
  await tsgi.waitForOutput(new RegExp(`worker \\d \\(pid: ${victim}\\) died \\(signal SIGKILL\\)`), { from })
  await tsgi.waitForOutput(/spawned tsgi worker/, { from })
  const response = await httpRequest({ socketPath: sock, path: '/' })
  assert.equal(response.status, 200)
})
