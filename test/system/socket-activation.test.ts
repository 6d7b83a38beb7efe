// Socket activation with Debian's real systemd-socket-activate (issue #5, Acceptance): it binds the socket and
// starts tsgi only at the first connection, so each test connects first. The first request is served through
// the inherited socket, nothing is bound a second time, LISTEN_* never reach a worker, an activated socket
// no option names is served with the protocol of its name, and activated sockets survive reloads.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { test, type TestContext } from 'node:test'

import { hasCommand } from '../helpers/has-command.js'
import { httpRequest, type HttpTarget } from '../helpers/http-client.js'
import { appDir, identityArgs, runDirIn } from '../helpers/instance-setup.js'
import { freePort } from '../helpers/nginx.js'
import { startTsgi, type RunningTsgi } from '../helpers/start-tsgi.js'
import { isRoot } from '../helpers/test-users.js'
import { waitFor } from '../helpers/wait-for.js'

const hasTool = hasCommand('systemd-socket-activate')
const skip = hasTool ? false : 'needs systemd-socket-activate (Debian package systemd; .ci/run installs it)'

/** tsgi behind systemd-socket-activate listening on `listen`; started by the test's first connection. */
function activate(t: TestContext, dir: string, listen: string, options: { fdname?: string; args: string[] }) {
  const launcher = [
    'systemd-socket-activate',
    '--listen',
    listen,
    ...(options.fdname === undefined ? [] : [`--fdname=${options.fdname}`]),
    // It passes on only what it is told to (and LISTEN_*): the helper's marker and PATH for setpriv.
    ...['-E', 'TSGI__TEST_MARKER', '-E', 'PATH'],
  ]
  return startTsgi(t, options.args, { cwd: dir, launcher, readyPattern: null })
}

/** The first request starts tsgi: the activator waits for it before it execs tsgi in its own process. */
async function firstRequest(tsgi: RunningTsgi, target: HttpTarget): Promise<number> {
  await tsgi.waitForOutput(/Listening on/)
  const response = await httpRequest(target, { timeoutMs: 60_000 })
  assert.equal(response.status, 200, response.body.toString())
  return (JSON.parse(response.body.toString()) as { pid: number }).pid
}

const environOf = (pid: number): string => readFileSync(`/proc/${pid}/environ`, 'latin1')

test(
  'socket activation adopts the TCP socket an http-socket names and keeps it across reloads',
  { skip },
  async (t) => {
    const dir = appDir(t, 'hello.mjs')
    const port = await freePort()
    const address = `127.0.0.1:${port}`
    const tsgi = await activate(t, dir.path, address, {
      args: ['--http-socket', address, '--module', 'hello.mjs', ...identityArgs()],
    })
    const worker = await firstRequest(tsgi, `http://${address}/first`)
    const output = tsgi.output()
    assert.match(output, new RegExp(`systemd socket fd 3 .*is the configured ${address}: adopted, not bound`))
    assert.match(output, /http socket 0 inherited to TCP address/)
    assert.doesNotMatch(output, /socket \d+ bound to/, 'nothing is bound a second time')
    for (const pid of tsgi.workerPids()) assert.doesNotMatch(environOf(pid), /LISTEN_(FDS|PID|FDNAMES)=/)
    assert.ok(tsgi.workerPids().includes(worker))

    const from = tsgi.output().length
    tsgi.signal('SIGHUP')
    await tsgi.waitForOutput(/reload done/, { from })
    const after = await httpRequest(`http://${address}/after-reload`)
    assert.equal(after.status, 200)
    assert.notEqual((JSON.parse(after.body.toString()) as { pid: number }).pid, worker)
    tsgi.signal('SIGTERM')
    assert.deepEqual(await tsgi.exited(), { code: 0, signal: null })
  },
)

test('socket activation adopts a unix socket and never vacuums it', { skip }, async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const runDir = runDirIn(dir)
  const socketPath = path.join(runDir, 'app.sock')
  const tsgi = await activate(t, dir.path, socketPath, {
    args: ['--http-socket', socketPath, '--module', 'hello.mjs', '--vacuum', ...identityArgs()],
  })
  await tsgi.waitForOutput(/Listening on/)
  const inode = statSync(socketPath).ino
  await firstRequest(tsgi, { socketPath, path: '/first' })
  assert.match(tsgi.output(), /systemd socket fd 3 \(name "[^"]*", unix .*app\.sock\) is the configured/)
  assert.equal(statSync(socketPath).ino, inode, 'the path is still the socket systemd bound')
  tsgi.signal('SIGTERM')
  assert.deepEqual(await tsgi.exited(), { code: 0, signal: null })
  assert.ok(existsSync(socketPath), 'vacuum leaves systemd’s socket in place')
})

test(
  'socket activation serves a socket no option names with the protocol of its name',
  { skip },
  async (t) => {
    const dir = appDir(t, 'hello.mjs')
    const port = await freePort()
    const own = path.join(dir.path, 'own.sock')
    const tsgi = await activate(t, dir.path, `127.0.0.1:${port}`, {
      fdname: 'http',
      args: ['--http-socket', own, '--module', 'hello.mjs', ...identityArgs()],
    })
    await firstRequest(tsgi, `http://127.0.0.1:${port}/activated`)
    assert.match(tsgi.output(), /matches no configured socket: served as http/)
    const response = await httpRequest({ socketPath: own, path: '/own' })
    assert.equal(response.status, 200)
  },
)

test('socket activation hands its sockets to a successor master', { skip }, async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const runDir = runDirIn(dir)
  const port = await freePort()
  const address = `127.0.0.1:${port}`
  const identity = isRoot() ? 'uid = nobody\ngid = nogroup\n' : ''
  const config = (extra: string): string =>
    `http-socket = ${address}\nmodule = hello.mjs\n${extra}${identity}`
  const ini = dir.write('app.ini', config(''))
  const tsgi = await activate(t, dir.path, address, { fdname: 'http', args: ['--ini', ini] })
  await firstRequest(tsgi, `http://${address}/first`)
  // A new socket changes the master's own options: a successor master takes the sockets over.
  writeFileSync(ini, config(`http-socket = ${path.join(runDir, 'second.sock')}\n`))
  const from = tsgi.output().length
  tsgi.signal('SIGHUP')
  const [, successor] = await tsgi.waitForOutput(/the new master \(pid: (\d+)\) serves/, { from })
  t.after(() => {
    try {
      process.kill(Number(successor), 'SIGKILL')
    } catch {
      // Already gone.
    }
  })
  assert.deepEqual(await tsgi.exited(), { code: 0, signal: null })
  const response = await httpRequest(`http://${address}/after`)
  assert.equal(response.status, 200)
  process.kill(Number(successor), 'SIGTERM')
  await waitFor('the successor to exit', () => {
    try {
      process.kill(Number(successor), 0)
      return undefined
    } catch {
      return true
    }
  })
})

test('a socket-activated emperor hands the socket to the vassal that declares it', { skip }, async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const runDir = runDirIn(dir)
  const vassalDir = path.join(dir.path, 'vassals')
  mkdirSync(vassalDir, { mode: 0o755 })
  const socketPath = path.join(runDir, 'app.sock')
  const identity = isRoot() ? 'uid = nobody\ngid = nogroup\n' : ''
  const vassal = path.join(vassalDir, 'app.ini')
  const vassalText = `http-socket = ${socketPath}\nmodule = ${path.join(dir.path, 'hello.mjs')}\nvacuum = true\n${identity}`
  writeFileSync(vassal, vassalText)
  const emperorIni = dir.write('emperor.ini', `emperor = ${vassalDir}\n`)
  const emperor = await activate(t, dir.path, socketPath, { fdname: 'uwsgi', args: ['--ini', emperorIni] })
  await emperor.waitForOutput(/Listening on/)
  const inode = statSync(socketPath).ino
  await firstRequest(emperor, { socketPath, path: '/first' })
  assert.match(emperor.output(), /\[app\.ini\] http socket 0 inherited to UNIX address/)
  assert.doesNotMatch(emperor.output(), /socket \d+ bound to/, 'the vassal binds nothing itself')

  // The emperor keeps the socket: a vassal removed and added again serves on it once more.
  unlinkSync(vassal)
  await emperor.waitForOutput(/vassal app\.ini: \S+ → stopped/)
  assert.equal(statSync(socketPath).ino, inode, 'vacuum leaves systemd’s socket in place')
  const from = emperor.output().length
  writeFileSync(vassal, vassalText)
  await emperor.waitForOutput(/vassal app\.ini: spawning → ready/, { from })
  const again = await httpRequest({ socketPath, path: '/again' })
  assert.equal(again.status, 200)
  emperor.signal('SIGTERM')
  assert.deepEqual(await emperor.exited(), { code: 0, signal: null })
})
