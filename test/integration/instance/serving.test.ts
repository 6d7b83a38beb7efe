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
  assert.equal(echo.headers['x-custom'], 'yes')
  assert.equal(echo.headers.host, 'example.test')
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
