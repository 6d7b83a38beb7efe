// Reloads and stops under load: readiness-gated rolling reloads lose no request, a broken new generation
// leaves the old one serving, and a graceful stop finishes in-flight requests (issue #3, item 4).
import assert from 'node:assert/strict'
import { readFileSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { fixturePath } from '../../helpers/fixture-path.js'
import { httpRequest, keepAliveAgent } from '../../helpers/http-client.js'
import { appDir, identityArgs } from '../../helpers/instance-setup.js'
import { startTsgi, type RunningTsgi } from '../../helpers/start-tsgi.js'
import { uwsgiRequest } from '../../helpers/uwsgi-client.js'
import { waitFor } from '../../helpers/wait-for.js'

const pidOf = (body: Buffer): number => (JSON.parse(body.toString()) as { pid: number }).pid

interface LoadResult {
  readonly ok: number
  readonly failures: string[]
  readonly pids: Set<number>
}

/**
 * A bounded client loop: `concurrency` lanes send requests until `count` are done and `until()` holds
 * (bounded by a deadline). Half the lanes use keep-alive; "lost" is an error or a non-2xx answer after the
 * client's retry of a reused connection closed before any response byte (DESIGN.md "Testing").
 */
async function load(
  send: (lane: number) => Promise<{ status: number; body: Buffer }>,
  options: { count: number; concurrency: number; until: () => boolean; deadlineMs: number },
): Promise<LoadResult> {
  const result = { ok: 0, failures: [] as string[], pids: new Set<number>() }
  const deadline = Date.now() + options.deadlineMs
  let started = 0
  const lane = async (index: number): Promise<void> => {
    while ((started < options.count || !options.until()) && Date.now() < deadline) {
      started++
      try {
        const response = await send(index)
        if (response.status >= 200 && response.status < 300) {
          result.ok++
          result.pids.add(pidOf(response.body))
        } else result.failures.push(`status ${response.status}`)
      } catch (error) {
        result.failures.push(String(error))
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => lane(index)))
  return result
}

async function reloadUnderLoad(
  t: Parameters<typeof startTsgi>[0],
  protocol: 'http' | 'uwsgi',
): Promise<void> {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, `${protocol}.sock`)
  const socketFlag = protocol === 'http' ? '--http-socket' : '--socket'
  const tsgi: RunningTsgi = await startTsgi(
    t,
    [socketFlag, sock, '--module', 'hello.mjs', '--processes', '2', ...identityArgs()],
    {
      cwd: dir.path,
    },
  )
  const before = new Set(tsgi.workerPids())
  const agent = keepAliveAgent(t, { maxSockets: 4 })
  let isReloadDone = false
  let isReloadSent = false
  const send = (lane: number) => {
    if (!isReloadSent && lane === 0) {
      isReloadSent = true
      tsgi.signal('SIGHUP')
      void tsgi.waitForOutput(/reload done/, { timeoutMs: 60_000 }).then(() => (isReloadDone = true))
    }
    if (protocol === 'uwsgi')
      return uwsgiRequest({
        path: sock,
        vars: [
          ['REQUEST_METHOD', 'GET'],
          ['REQUEST_URI', '/load'],
        ],
      })
    return httpRequest({ socketPath: sock, path: '/load' }, lane % 2 === 0 ? { agent } : {})
  }
  const result = await load(send, {
    count: 2000,
    concurrency: 8,
    until: () => isReloadDone,
    deadlineMs: 120_000,
  })
  assert.deepEqual(
    result.failures.slice(0, 5),
    [],
    `${result.failures.length} of ${result.ok + result.failures.length} requests lost`,
  )
  assert.ok(result.ok >= 2000)
  assert.ok(isReloadDone, 'the reload finished during the loop')
  // The old workers drain after their successors are ready: wait for them to finish and exit.
  await waitFor('the old workers to exit after draining', () =>
    tsgi.workerPids().some((pid) => before.has(pid)) ? undefined : true,
  )
  const after = tsgi.workerPids()
  assert.equal(after.length, 2)
  const last = await httpRequest({ socketPath: sock, path: '/' }).catch(() => undefined)
  if (protocol === 'http') assert.ok(after.includes(pidOf(last?.body ?? Buffer.from('{}'))))
}

test('SIGHUP under continuous HTTP load (keep-alive and not) loses no request and ends with new workers', async (t) => {
  await reloadUnderLoad(t, 'http')
})

test('SIGHUP under continuous uwsgi load loses no request and ends with new workers', async (t) => {
  await reloadUnderLoad(t, 'uwsgi')
})

test('a reload whose new app fails to load is aborted and the old generation keeps serving', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'http.sock')
  const tsgi = await startTsgi(t, ['--http-socket', sock, '--module', 'hello.mjs', ...identityArgs()], {
    cwd: dir.path,
  })
  const oldPid = pidOf((await httpRequest({ socketPath: sock, path: '/' })).body)
  writeFileSync(path.join(dir.path, 'hello.mjs'), readFileSync(fixturePath('apps', 'broken.mjs')))
  const from = tsgi.output().length
  tsgi.signal('SIGHUP')
  await tsgi.waitForOutput(/reload aborted: .*broken on purpose/, { from })
  const response = await httpRequest({ socketPath: sock, path: '/' })
  assert.equal(response.status, 200)
  assert.equal(pidOf(response.body), oldPid)
})

test('touch-reload reloads the workers when the file is touched', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'http.sock')
  const trigger = dir.write('reload.trigger', '')
  const tsgi = await startTsgi(
    t,
    ['--http-socket', sock, '--module', 'hello.mjs', '--touch-reload', trigger, ...identityArgs()],
    {
      cwd: dir.path,
    },
  )
  const [oldPid] = tsgi.workerPids()
  const from = tsgi.output().length
  const future = new Date(Date.now() + 5000)
  utimesSync(trigger, future, future)
  await tsgi.waitForOutput(/reload done/, { from })
  // The old worker drains after its successor is ready: wait for it to go, then a new one serves.
  await waitFor('the old worker to exit after draining', () =>
    tsgi.workerPids().includes(oldPid ?? -1) ? undefined : true,
  )
  assert.equal(tsgi.workerPids().length, 1)
})

test('SIGTERM finishes an in-flight request before the instance exits 0', async (t) => {
  const dir = appDir(t, 'slow.mjs')
  const sock = path.join(dir.path, 'http.sock')
  const tsgi = await startTsgi(t, ['--http-socket', sock, '--module', 'slow.mjs', ...identityArgs()], {
    cwd: dir.path,
  })
  const pending = httpRequest({ socketPath: sock, path: '/?ms=2000' })
  await tsgi.waitForOutput(/slow app: request \/\?ms=2000 started/)
  tsgi.signal('SIGTERM')
  const response = await pending
  assert.equal(response.status, 200)
  assert.match(response.body.toString(), /^done after 2000 ms/)
  assert.deepEqual(await tsgi.exited(), { code: 0, signal: null })
  assert.deepEqual(tsgi.processes(), [], 'no process of the instance is left')
})

test('SIGQUIT stops at once, without waiting for in-flight requests', async (t) => {
  const dir = appDir(t, 'slow.mjs')
  const sock = path.join(dir.path, 'http.sock')
  const tsgi = await startTsgi(t, ['--http-socket', sock, '--module', 'slow.mjs', ...identityArgs()], {
    cwd: dir.path,
  })
  const pending = httpRequest({ socketPath: sock, path: '/?ms=60000' }).then(
    () => 'answered',
    () => 'dropped',
  )
  await tsgi.waitForOutput(/slow app: request/)
  tsgi.signal('SIGQUIT')
  assert.equal((await tsgi.exited()).code, 0)
  assert.equal(await pending, 'dropped')
})
