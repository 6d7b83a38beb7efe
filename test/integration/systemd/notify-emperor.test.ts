// The emperor under systemd (issue #5, Acceptance): a real NOTIFY_SOCKET listener records the exact sd_notify
// sequence for a start with two vassals, a vassal added, one removed, a SIGHUP reload and a SIGTERM stop; the
// STATUS strings carry the seed page's wording with the right counts, and only the emperor ever speaks.
import assert from 'node:assert/strict'
import { chownSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { test, type TestContext } from 'node:test'

import { appDir } from '../../helpers/instance-setup.js'
import { startNotifyListener, type Notification } from '../../helpers/notify-listener.js'
import { startTsgi } from '../../helpers/start-tsgi.js'
import { isRoot } from '../../helpers/test-users.js'

const governing = (count: number): string => `STATUS=The Emperor is governing ${count} vassals`

/** An emperor directory with the hello app; returns a function that writes vassal `stem`.ini. */
function emperorSetup(t: TestContext): {
  base: string
  emperorIni: string
  vassal: (stem: string) => string
} {
  const dir = appDir(t, 'hello.mjs')
  const vassalDir = path.join(dir.path, 'vassals')
  const runDir = path.join(dir.path, 'run')
  mkdirSync(vassalDir, { mode: 0o755 })
  mkdirSync(runDir, { mode: 0o755 })
  if (isRoot()) chownSync(runDir, 65534, 65534)
  const identity = isRoot() ? ['uid = nobody', 'gid = nogroup'] : []
  const vassal = (stem: string): string => {
    const file = path.join(vassalDir, `${stem}.ini`)
    const lines = [
      `http-socket = ${path.join(runDir, `${stem}.sock`)}`,
      `module = ${path.join(dir.path, 'hello.mjs')}`,
      ...identity,
    ]
    writeFileSync(file, `${lines.join('\n')}\n`)
    return file
  }
  const emperorIni = dir.write('emperor.ini', `emperor = ${vassalDir}\n`)
  return { base: dir.path, emperorIni, vassal }
}

/** The texts, with MONOTONIC_USEC's value (a clock reading) replaced by a placeholder once checked. */
function normalized(messages: readonly Notification[]): string[] {
  return messages.map((message) =>
    message.text.replace(/^MONOTONIC_USEC=(\d+)$/m, (_line, usec: string) => {
      assert.ok(BigInt(usec) > 0n, `MONOTONIC_USEC is a positive clock reading: ${usec}`)
      return 'MONOTONIC_USEC=<now>'
    }),
  )
}

test(
  'emperor sends READY, STATUS, RELOADING and STOPPING in order over its life',
  { timeout: 180_000 },
  async (t) => {
    const setup = emperorSetup(t)
    setup.vassal('a')
    setup.vassal('b')
    const listener = await startNotifyListener(t, path.join(setup.base, 'notify.sock'))
    const emperor = await startTsgi(t, ['--ini', setup.emperorIni], {
      cwd: setup.base,
      env: { NOTIFY_SOCKET: listener.address },
      readyPattern: null,
    })
    const isReady = (message: Notification): boolean => message.text.startsWith('READY=1')
    const ready = await listener.waitForMessage('READY=1 after the initial scan', isReady)
    // Both initial vassals were ready before READY=1 went out.
    assert.equal((emperor.output().match(/: spawning → ready/g) ?? []).length, 2, emperor.output())

    setup.vassal('c')
    const added = await listener.waitForMessage('three vassals', (m) => m.text === governing(3), ready)
    unlinkSync(path.join(path.dirname(setup.emperorIni), 'vassals', 'b.ini'))
    const removed = await listener.waitForMessage('two vassals again', (m) => m.text === governing(2), added)
    emperor.signal('SIGHUP')
    await listener.waitForMessage('READY=1 after the reload', isReady, removed)
    await emperor.waitForOutput(/\[emperor\] reload done/)
    emperor.signal('SIGTERM')
    assert.deepEqual(await emperor.exited(), { code: 0, signal: null })
    await listener.waitForMessage(
      'STOPPING=1',
      (m) => m.text === 'STOPPING=1\nSTATUS=The Emperor is stopping its vassals',
    )

    assert.deepEqual(normalized(listener.messages()), [
      governing(2),
      `READY=1\nMAINPID=${emperor.pid}`,
      governing(3),
      governing(2),
      'RELOADING=1\nMONOTONIC_USEC=<now>',
      'READY=1',
      'STOPPING=1\nSTATUS=The Emperor is stopping its vassals',
    ])
    // Only the emperor talks to systemd: no vassal, no worker (NOTIFY_SOCKET never reaches them).
    assert.deepEqual(new Set(listener.messages().map((message) => message.pid)), new Set([emperor.pid]))
  },
)

test('emperor sends READY=1 when its only vassal is broken', { timeout: 120_000 }, async (t) => {
  const setup = emperorSetup(t)
  const file = setup.vassal('good')
  writeFileSync(file.replace('good.ini', 'broken.ini'), 'processes = four\n')
  const listener = await startNotifyListener(t, `@tsgi-test-notify-${process.pid}-${Date.now()}`)
  const emperor = await startTsgi(t, ['--ini', setup.emperorIni], {
    cwd: setup.base,
    env: { NOTIFY_SOCKET: listener.address },
    readyPattern: null,
  })
  await listener.waitForMessage('READY=1 (an abstract NOTIFY_SOCKET)', (m) => m.text.startsWith('READY=1'))
  assert.match(emperor.output(), /vassal broken\.ini: \S+ → invalid/)
  // The invalid vassal has no process: one vassal is governed.
  assert.equal(listener.messages()[0]?.text, governing(1))
  emperor.signal('SIGTERM')
  assert.deepEqual(await emperor.exited(), { code: 0, signal: null })
})
