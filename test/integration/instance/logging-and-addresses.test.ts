// logto, log-date, disable-logging and the less common socket addresses: abstract names and IPv6 (issue #3).
import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { test } from 'node:test'

import { httpRequest } from '../../helpers/http-client.js'
import { appDir, identityArgs } from '../../helpers/instance-setup.js'
import { startTsgi } from '../../helpers/start-tsgi.js'
import { uwsgiRequest } from '../../helpers/uwsgi-client.js'
import { waitFor } from '../../helpers/wait-for.js'

test('instance writes dated master lines and request lines to its logto file', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'http.sock')
  const logFile = path.join(dir.path, 'app.log')
  const tsgi = await startTsgi(
    t,
    [
      '--http-socket',
      sock,
      '--module',
      'hello.mjs',
      '--logto',
      logFile,
      '--log-date',
      '%Y-%m-%d %H:%M:%S',
      ...identityArgs(),
    ],
    { cwd: dir.path, readyPattern: null },
  )
  await waitFor('the ready line in the log file', () =>
    /tsgi is ready/.test(readLog(logFile)) ? true : undefined,
  )
  await httpRequest({ socketPath: sock, path: '/logged?x=1' })
  const line = await waitFor(
    'a request line in the log file',
    () => /^.*GET \/logged\?x=1 => generated .*$/m.exec(readLog(logFile))?.[0],
  )
  // log-date dates every line, request lines included, as in uWSGI.
  assert.match(
    line,
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - \[pid: \d+\|app: 0\|req: 1\/1\] .* \(HTTP\/1\.1 200\)$/,
  )
  assert.match(readLog(logFile), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - tsgi is ready/m)
  assert.equal(tsgi.output(), '', 'nothing goes to stderr once logto is open')
})

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

test('instance writes no request lines with disable-logging, and still logs its own events', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'http.sock')
  const tsgi = await startTsgi(
    t,
    ['--http-socket', sock, '--module', 'hello.mjs', '--disable-logging', ...identityArgs()],
    { cwd: dir.path },
  )
  for (let i = 0; i < 3; i++) await httpRequest({ socketPath: sock, path: '/quiet' })
  tsgi.signal('SIGTERM')
  await tsgi.exited()
  assert.doesNotMatch(tsgi.output(), /GET \/quiet/)
  assert.match(tsgi.output(), /goodbye to tsgi/)
})

test('instance serves uwsgi on an abstract unix socket', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const name = `tsgi-test-${process.pid}-${Date.now()}`
  await startTsgi(t, ['--socket', `@${name}`, '--module', 'hello.mjs', ...identityArgs()], { cwd: dir.path })
  const response = await uwsgiRequest({
    path: `\0${name}`,
    vars: [
      ['REQUEST_METHOD', 'GET'],
      ['REQUEST_URI', '/abstract'],
    ],
  })
  assert.equal(response.status, 200)
})

test('instance serves HTTP on an IPv6 loopback address', async (t) => {
  const port = await freePort('::1')
  if (port === undefined) return t.skip('this machine has no IPv6 loopback')
  const dir = appDir(t, 'hello.mjs')
  await startTsgi(t, ['--http-socket', `[::1]:${port}`, '--module', 'hello.mjs', ...identityArgs()], {
    cwd: dir.path,
  })
  const response = await httpRequest(`http://[::1]:${port}/v6`)
  assert.equal(response.status, 200)
  assert.equal((JSON.parse(response.body.toString()) as { remoteAddress: string }).remoteAddress, '::1')
})

function freePort(host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(undefined))
    server.listen(0, host, () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : undefined))
    })
  })
}

test('instance refuses a logto in a missing directory with one line and exit 3', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'http.sock')
  const tsgi = await startTsgi(
    t,
    [
      '--http-socket',
      sock,
      '--module',
      'hello.mjs',
      '--logto',
      path.join(dir.path, 'missing', 'app.log'),
      ...identityArgs(),
    ],
    { cwd: dir.path, readyPattern: null },
  )
  assert.equal((await tsgi.exited()).code, 3)
  assert.match(
    tsgi.output(),
    /error ERR_INSTANCE_FILE: Cannot open ".*missing\/app\.log" for "logto": its directory does not exist/,
  )
  assert.doesNotMatch(tsgi.output(), /\n\s+at /)
})

test('instance serves a shared-socket referred to as =0, and umask sets the mode of sockets it creates', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const shared = path.join(dir.path, 'shared.sock')
  const plain = path.join(dir.path, 'plain.sock')
  await startTsgi(
    t,
    [
      '--shared-socket',
      shared,
      '--http-socket',
      '=0',
      '--http-socket',
      plain,
      '--umask',
      '007',
      '--module',
      'hello.mjs',
      ...identityArgs(),
    ],
    { cwd: dir.path },
  )
  for (const socketPath of [shared, plain])
    assert.equal((await httpRequest({ socketPath, path: '/' })).status, 200)
  // Node creates unix sockets with mode 0777 minus the umask.
  assert.equal(statSync(plain).mode & 0o777, 0o770)
})

test('instance caps a listen backlog above net.core.somaxconn and says so', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'http.sock')
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim())
  const tsgi = await startTsgi(
    t,
    ['--http-socket', sock, '--listen', String(somaxconn + 1), '--module', 'hello.mjs', ...identityArgs()],
    {
      cwd: dir.path,
    },
  )
  assert.match(
    tsgi.output(),
    new RegExp(
      `listen backlog ${somaxconn + 1} is above net.core.somaxconn \\(${somaxconn}\\): using ${somaxconn}`,
    ),
  )
  assert.equal((await httpRequest({ socketPath: sock, path: '/' })).status, 200)
})
