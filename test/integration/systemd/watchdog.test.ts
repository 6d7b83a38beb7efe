// WATCHDOG=1 at half of WATCHDOG_USEC, only while the process is healthy (issue #5, Acceptance). No timing
// assertion: pings are counted. A second instance, never stopped, is the clock: while the first is stopped
// with SIGSTOP, the second sends several pings and the first sends none; after SIGCONT the first pings again.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { test } from 'node:test'

import { projectPath } from '../../helpers/fixture-path.js'
import { appDir, identityArgs } from '../../helpers/instance-setup.js'
import { startNotifyListener } from '../../helpers/notify-listener.js'
import { startTsgi } from '../../helpers/start-tsgi.js'
import { waitFor } from '../../helpers/wait-for.js'

/** tsgi's own sd_notify addon, to send the test's marker datagram into the same queue. */
interface NotifySocket {
  open(): number
  send(fd: number, address: string, payload: Buffer): number
  close(fd: number): number
}

const processState = (pid: number): string =>
  /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'latin1'))?.[1] ?? '?'
const require = createRequire(import.meta.url)

test('watchdog pings while the instance is healthy and none while it is stopped', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const listener = await startNotifyListener(t, path.join(dir.path, 'notify.sock'))
  // 200 ms: a ping every 100 ms.
  const env = { NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: '200000' }
  const start = (name: string): ReturnType<typeof startTsgi> =>
    startTsgi(
      t,
      ['--http-socket', path.join(dir.path, `${name}.sock`), '--module', 'hello.mjs', ...identityArgs()],
      {
        cwd: dir.path,
        env,
      },
    )
  const [watched, clock] = await Promise.all([start('watched'), start('clock')])
  const pings = (pid: number, from = 0): number =>
    listener.messages().filter((m, index) => index >= from && m.pid === pid && m.text === 'WATCHDOG=1').length
  await waitFor('pings from both instances', () =>
    pings(watched.pid) >= 3 && pings(clock.pid) >= 3 ? true : undefined,
  )

  watched.signal('SIGSTOP')
  t.after(() => watched.signal('SIGCONT'))
  await waitFor('the watched master to be stopped', () =>
    processState(watched.pid) === 'T' ? true : undefined,
  )
  // Everything the watched master sent before it stopped is queued before this marker (datagrams keep order).
  const addon = require(projectPath('build', 'Release', 'notify_socket.node')) as NotifySocket
  const fd = addon.open()
  assert.equal(addon.send(fd, listener.address, Buffer.from('MARKER')), 0)
  addon.close(fd)
  const marker = await listener.waitForMessage('the marker', (m) => m.text === 'MARKER')
  await waitFor('five pings of the clock instance while the other is stopped', () =>
    pings(clock.pid, marker) >= 5 ? true : undefined,
  )
  assert.equal(pings(watched.pid, marker), 0, 'a stopped process sends no watchdog ping')

  const resumed = listener.messages().length
  watched.signal('SIGCONT')
  await waitFor('pings again after SIGCONT', () => (pings(watched.pid, resumed) >= 2 ? true : undefined))
})
