// `master = false` outside the emperor: the app runs in the tsgi process itself, and a reload is a restart
// onto the same sockets (DESIGN.md "Three roles"; issue #3 item 3).
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { httpRequest } from '../../helpers/http-client.js'
import { appDir, identityArgs, runDirIn } from '../../helpers/instance-setup.js'
import { startTsgi } from '../../helpers/start-tsgi.js'
import { waitFor } from '../../helpers/wait-for.js'

const pidOf = (body: Buffer): number => (JSON.parse(body.toString()) as { pid: number }).pid

test('standalone mode serves the app from the tsgi process itself', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'http.sock')
  const tsgi = await startTsgi(
    t,
    ['--http-socket', sock, '--module', 'hello.mjs', '--master=false', ...identityArgs()],
    {
      cwd: dir.path,
      readyPattern: /tsgi is ready: serving standalone/,
    },
  )
  const response = await httpRequest({ socketPath: sock, path: '/alone' })
  assert.equal(response.status, 200)
  assert.equal(pidOf(response.body), tsgi.pid, 'the app answers from the tsgi process')
  assert.deepEqual(tsgi.processes(), [tsgi.pid], 'no worker process')
  tsgi.signal('SIGTERM')
  assert.deepEqual(await tsgi.exited(), { code: 0, signal: null })
})

test('standalone mode restarts onto the same socket on SIGHUP, and the new process vacuums it at the end', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const runDir = runDirIn(dir)
  const sock = path.join(runDir, 'http.sock')
  const tsgi = await startTsgi(
    t,
    ['--http-socket', sock, '--module', 'hello.mjs', '--master=false', '--vacuum', ...identityArgs()],
    {
      cwd: dir.path,
      readyPattern: /tsgi is ready: serving standalone/,
    },
  )
  const from = tsgi.output().length
  tsgi.signal('SIGHUP')
  const [, newPid] = await tsgi.waitForOutput(/the new process \(pid: (\d+)\) serves/, { from })
  assert.deepEqual(await tsgi.exited(), { code: 0, signal: null })
  const successor = Number(newPid)
  t.after(() => {
    try {
      process.kill(successor, 'SIGKILL')
    } catch {
      // Already gone.
    }
  })
  const response = await httpRequest({ socketPath: sock, path: '/again' })
  assert.equal(pidOf(response.body), successor)
  assert.ok(existsSync(sock), 'the socket handed over is not vacuumed by the old process')
  process.kill(successor, 'SIGTERM')
  await waitFor('the new process to exit and vacuum', () => (existsSync(sock) ? undefined : true), {
    timeoutMs: 30_000,
  })
})
