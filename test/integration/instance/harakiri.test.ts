// harakiri (as uWSGI's): the master kills a worker whose request has run longer than `harakiri` seconds, even
// one whose event loop is stuck in app code, and its slot is respawned at once; a request that ends in time
// is left alone. Waits are on log lines; deadlines only bound hangs.
import assert from 'node:assert/strict'
import path from 'node:path'
import { test, type TestContext } from 'node:test'

import { httpRequest } from '../../helpers/http-client.js'
import { appDir, identityArgs } from '../../helpers/instance-setup.js'
import { startTsgi } from '../../helpers/start-tsgi.js'
import { waitFor } from '../../helpers/wait-for.js'

const deadlineMs = 60_000

/** tsgi with one worker of fixture `app` on an HTTP unix socket, with `harakiri` seconds. */
async function startOneWorker(t: TestContext, app: string, harakiriSeconds: number) {
  const dir = appDir(t, app)
  const socketPath = path.join(dir.path, 'http.sock')
  const args = ['--http-socket', socketPath, '--module', app, '--processes', '1']
  const tsgi = await startTsgi(t, [...args, '--harakiri', String(harakiriSeconds), ...identityArgs()], {
    cwd: dir.path,
  })
  return { tsgi, socketPath }
}

test('harakiri kills a worker stuck in a busy loop and respawns its slot', async (t) => {
  const { tsgi, socketPath } = await startOneWorker(t, 'busy-loop.mjs', 2)
  const [stuck] = tsgi.workerPids()
  for (let i = 0; i < 3; i++) assert.equal((await httpRequest({ socketPath, path: '/' })).status, 200)

  // Its outcome is taken at once: the request fails while the test still waits for the log line.
  const spin = httpRequest({ socketPath, path: '/spin' }, { timeoutMs: deadlineMs }).then(
    () => 'answered',
    () => 'failed',
  )
  await tsgi.waitForOutput(
    /\*\*\* HARAKIRI ON WORKER 1 \(pid: \d+\): a request has run for [\d.]+ s, over harakiri = 2 s/,
    {
      timeoutMs: deadlineMs,
    },
  )
  assert.equal(await spin, 'failed', 'the stuck request ends with its worker')
  await tsgi.waitForOutput(
    new RegExp(`worker 1 \\(pid: ${stuck}\\) died \\(signal SIGKILL\\) after 4 requests, respawning\\n`),
  )
  await waitFor('a new worker', () => (tsgi.workerPids().some((pid) => pid !== stuck) ? true : undefined), {
    timeoutMs: deadlineMs,
  })
  assert.equal((await httpRequest({ socketPath, path: '/' })).status, 200)
  assert.ok(!tsgi.workerPids().includes(stuck ?? -1))
})

test('harakiri leaves a request that ends in time alone', async (t) => {
  const { tsgi, socketPath } = await startOneWorker(t, 'slow.mjs', 30)
  const [worker] = tsgi.workerPids()
  const response = await httpRequest({ socketPath, path: '/?ms=1500' })
  assert.equal(response.status, 200)
  assert.match(response.body.toString(), new RegExp(`by ${worker}\\n$`))
  assert.doesNotMatch(tsgi.output(), /HARAKIRI/)
})

// The master's harakiri timer runs only while `harakiri` is set: a reload that sets it must start it.
test('harakiri set by a reload kills a worker stuck in a busy loop', async (t) => {
  const dir = appDir(t, 'busy-loop.mjs')
  const socketPath = path.join(dir.path, 'http.sock')
  const ini = (extra: string): string =>
    `[uwsgi]\nhttp-socket = ${socketPath}\nmodule = busy-loop.mjs\nprocesses = 1\n${extra}`
  dir.write('app.ini', ini(''))
  const tsgi = await startTsgi(t, ['--ini', path.join(dir.path, 'app.ini'), ...identityArgs()], {
    cwd: dir.path,
  })
  dir.write('app.ini', ini('harakiri = 2\n'))
  tsgi.signal('SIGHUP')
  await tsgi.waitForOutput(/reload done: generation 2/, { timeoutMs: deadlineMs })
  const spin = httpRequest({ socketPath, path: '/spin' }, { timeoutMs: deadlineMs }).then(
    () => 'answered',
    () => 'failed',
  )
  await tsgi.waitForOutput(/\*\*\* HARAKIRI ON WORKER 1 \(pid: \d+\)/, { timeoutMs: deadlineMs })
  assert.equal(await spin, 'failed', 'the stuck request ends with its worker')
})
