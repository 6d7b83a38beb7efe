// An instance run by systemd itself (issue #5): READY=1 once its workers accept, a STATUS with how many
// serve, RELOADING=1/READY=1 around a reload, STOPPING=1 on the way out; a master replaced by a successor
// names it as MAINPID, and the successor speaks from then on. Workers never see NOTIFY_SOCKET.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { appDir, identityArgs, runDirIn } from '../../helpers/instance-setup.js'
import { startNotifyListener, type Notification } from '../../helpers/notify-listener.js'
import { startTsgi } from '../../helpers/start-tsgi.js'
import { isRoot } from '../../helpers/test-users.js'
import { waitFor } from '../../helpers/wait-for.js'

const withClock = (message: Notification): string =>
  message.text.replace(/^MONOTONIC_USEC=\d+$/m, 'MONOTONIC_USEC=<now>')

const environOf = (pid: number): string => readFileSync(`/proc/${pid}/environ`, 'latin1')

test('instance sends READY with its worker count, RELOADING/READY on SIGHUP and STOPPING', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const listener = await startNotifyListener(t, path.join(dir.path, 'notify.sock'))
  const ini = dir.write(
    'app.ini',
    `http-socket = ${path.join(dir.path, 'http.sock')}
module = hello.mjs
processes = 2
`,
  )
  const tsgi = await startTsgi(t, ['--ini', ini, ...identityArgs()], {
    cwd: dir.path,
    env: { NOTIFY_SOCKET: listener.address },
  })
  const ready = await listener.waitForMessage('READY=1', (m) => m.text.startsWith('READY=1'))
  for (const pid of tsgi.workerPids()) assert.doesNotMatch(environOf(pid), /NOTIFY_SOCKET=/)

  tsgi.signal('SIGHUP')
  await listener.waitForMessage('READY=1 after the reload', (m) => m.text.startsWith('READY=1'), ready + 1)
  tsgi.signal('SIGTERM')
  assert.deepEqual(await tsgi.exited(), { code: 0, signal: null })
  await listener.waitForMessage('STOPPING=1', (m) => m.text === 'STOPPING=1')
  assert.deepEqual(listener.messages().map(withClock), [
    `READY=1\nMAINPID=${tsgi.pid}\nSTATUS=2 workers serving`,
    'RELOADING=1\nMONOTONIC_USEC=<now>',
    'READY=1\nSTATUS=2 workers serving',
    'STOPPING=1',
  ])
  assert.deepEqual(new Set(listener.messages().map((message) => message.pid)), new Set([tsgi.pid]))
})

test('instance names its successor master as MAINPID, and the successor speaks afterwards', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const runDir = runDirIn(dir)
  const listener = await startNotifyListener(t, path.join(dir.path, 'notify.sock'))
  const identity = isRoot() ? 'uid = nobody\ngid = nogroup\n' : ''
  const config = (sockets: string[]): string =>
    `${sockets.map((s) => `http-socket = ${path.join(runDir, s)}\n`).join('')}module = hello.mjs\n${identity}`
  const ini = dir.write('app.ini', config(['first.sock']))
  const tsgi = await startTsgi(t, ['--ini', ini], { cwd: dir.path, env: { NOTIFY_SOCKET: listener.address } })
  await listener.waitForMessage('READY=1', (m) => m.text.startsWith('READY=1'))

  writeFileSync(ini, config(['first.sock', 'second.sock']))
  tsgi.signal('SIGHUP')
  const handover = await listener.waitForMessage('MAINPID of the successor', (m) =>
    m.text.startsWith('MAINPID='),
  )
  const successor = Number(/^MAINPID=(\d+)/.exec(listener.messages()[handover]?.text ?? '')?.[1])
  t.after(() => {
    try {
      process.kill(successor, 'SIGKILL')
    } catch {
      // Already gone.
    }
  })
  assert.deepEqual(await tsgi.exited(), { code: 0, signal: null })
  process.kill(successor, 'SIGTERM')
  await listener.waitForMessage('STOPPING=1 from the successor', (m) => m.pid === successor)
  await waitFor('the successor to exit', () => {
    try {
      process.kill(successor, 0)
      return undefined
    } catch {
      return true
    }
  })
  assert.deepEqual(
    listener.messages().map((message) => ({ pid: message.pid, text: withClock(message) })),
    [
      { pid: tsgi.pid, text: `READY=1\nMAINPID=${tsgi.pid}\nSTATUS=1 worker serving` },
      { pid: tsgi.pid, text: 'RELOADING=1\nMONOTONIC_USEC=<now>' },
      { pid: tsgi.pid, text: `MAINPID=${successor}\nREADY=1\nSTATUS=a new master (pid ${successor}) serves` },
      { pid: successor, text: 'STOPPING=1' },
    ],
  )
})
