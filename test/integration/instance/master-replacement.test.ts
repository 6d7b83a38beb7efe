// A reload that changes options the master itself uses replaces the master: a successor adopts the
// listening sockets, and the old master retires only once the successor serves (DESIGN.md "Signals,
// reloads and timeouts"). No request is refused on a socket that both configs have.
import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { httpRequest } from '../../helpers/http-client.js'
import { appDir, identityArgs, runDirIn } from '../../helpers/instance-setup.js'
import { isRoot } from '../../helpers/test-users.js'
import { startTsgi } from '../../helpers/start-tsgi.js'
import { waitFor } from '../../helpers/wait-for.js'

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

test('a reload that adds a socket starts a new master on the same sockets and retires the old one', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  // The new master starts as the user the old one dropped to: like /run/tsgi, the socket directory is theirs.
  const runDir = runDirIn(dir)
  const first = path.join(runDir, 'first.sock')
  const second = path.join(runDir, 'second.sock')
  const identity = isRoot() ? 'uid = nobody\ngid = nogroup\n' : ''
  const config = (sockets: string[]): string =>
    `${sockets.map((s) => `http-socket = ${s}\n`).join('')}module = hello.mjs\nvacuum = true\n${identity}`
  const ini = dir.write('app.ini', config([first]))
  const tsgi = await startTsgi(t, ['--ini', ini], { cwd: dir.path })
  const oldWorker = (
    JSON.parse((await httpRequest({ socketPath: first, path: '/' })).body.toString()) as { pid: number }
  ).pid

  writeFileSync(ini, config([first, second]))
  const from = tsgi.output().length
  tsgi.signal('SIGHUP')
  const [, successorPid] = await tsgi.waitForOutput(/the new master \(pid: (\d+)\) serves/, { from })
  assert.deepEqual(await tsgi.exited(), { code: 0, signal: null }, 'the old master retires with exit 0')
  const successor = Number(successorPid)
  assert.ok(isAlive(successor))
  t.after(() => {
    if (isAlive(successor)) process.kill(successor, 'SIGKILL')
  })
  for (const socketPath of [first, second]) {
    const response = await httpRequest({ socketPath, path: '/after' })
    assert.equal(response.status, 200)
    assert.notEqual((JSON.parse(response.body.toString()) as { pid: number }).pid, oldWorker)
  }
  assert.ok(existsSync(first), 'the old master did not vacuum the socket it handed over')

  process.kill(successor, 'SIGTERM')
  await waitFor('the new master to exit', () => (isAlive(successor) ? undefined : true), {
    timeoutMs: 30_000,
  })
  assert.ok(!existsSync(first) && !existsSync(second), 'the new master vacuums both sockets')
})

test('a reload whose new master cannot start leaves the old master serving', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const first = path.join(dir.path, 'first.sock')
  const ini = dir.write(
    'app.ini',
    `http-socket = ${first}\nmodule = hello.mjs\n${identityArgs().length > 0 ? 'uid = nobody\ngid = nogroup\n' : ''}`,
  )
  const tsgi = await startTsgi(t, ['--ini', ini], { cwd: dir.path })
  // A socket in a directory that does not exist: the successor cannot bind it.
  writeFileSync(
    ini,
    `http-socket = ${first}\nhttp-socket = ${path.join(dir.path, 'missing', 'x.sock')}\nmodule = hello.mjs\n${identityArgs().length > 0 ? 'uid = nobody\ngid = nogroup\n' : ''}`,
  )
  const from = tsgi.output().length
  tsgi.signal('SIGHUP')
  await tsgi.waitForOutput(/reload aborted: the new master exited \(code 3\)/, { from })
  const response = await httpRequest({ socketPath: first, path: '/' })
  assert.equal(response.status, 200)
  assert.equal(tsgi.child.exitCode, null, 'the old master still runs')
})
