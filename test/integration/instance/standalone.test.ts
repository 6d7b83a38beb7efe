// `master = false` outside the emperor: the app runs in the tsgi process itself, and a reload is a restart
// onto the same sockets (DESIGN.md "Three roles"; issue #3 item 3).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { httpRequest } from '../../helpers/http-client.js'
import { appDir, identityArgs, runDirIn } from '../../helpers/instance-setup.js'
import { startTsgi } from '../../helpers/start-tsgi.js'
import { tsgiMain } from '../../helpers/tsgi-install.js'
import { waitFor, waitForExit } from '../../helpers/wait-for.js'

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

// Regression (issue 4's session 3 CI rehearsal): the ready line came before the signal handlers, and a
// SIGHUP sent on seeing it took SIGHUP's default action, ending the process. Sent from the very output
// event that carries the line, five times, so that the old order fails every time, not by chance.
test('standalone mode reloads on a SIGHUP sent the moment it says it is ready', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const runDir = runDirIn(dir)
  for (let round = 0; round < 5; round++) {
    const sock = path.join(runDir, `http${round}.sock`)
    const child = spawn(
      process.execPath,
      [tsgiMain(), '--http-socket', sock, '--module', 'hello.mjs', '--master=false', ...identityArgs()],
      { cwd: dir.path, stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let output = ''
    let successor: number | undefined
    t.after(() => {
      for (const pid of [child.pid, successor]) {
        try {
          if (pid !== undefined) process.kill(pid, 'SIGKILL')
        } catch {
          // Already gone.
        }
      }
    })
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      const isFirstReady = !output.includes('tsgi is ready') && (output + chunk).includes('tsgi is ready')
      output += chunk
      if (isFirstReady) child.kill('SIGHUP')
      successor ??= Number(/the new process \(pid: (\d+)\) serves/.exec(output)?.[1] ?? NaN) || undefined
    })
    const status = await waitForExit(child, 'the standalone process', 30_000)
    assert.deepEqual(status, { code: 0, signal: null }, `it handed over and stopped:\n${output}`)
    assert.match(output, /received SIGHUP/)
    const response = await httpRequest({ socketPath: sock, path: '/after' })
    assert.equal(pidOf(response.body), successor, 'the new process serves')
    if (successor !== undefined) process.kill(successor, 'SIGTERM')
  }
})
