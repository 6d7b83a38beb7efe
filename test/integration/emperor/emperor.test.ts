// The emperor governing real vassal processes (issue #4, Acceptance): vassal files started, reloaded and
// stopped as they come, change and go; an invalid edit leaves the old vassal serving; a crash-looping vassal
// is throttled; SIGTERM stops everything gracefully and SIGKILL leaves no orphan; tyrant mode runs each vassal
// as its file's owner; a burst of files ends with exactly the right set running. Every wait is on a log line
// or a state, bounded by a deadline that only bounds a hang (CI has 2 cores: the deadlines are generous).
import assert from 'node:assert/strict'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { test } from 'node:test'

import { lookupGroup, lookupUser } from '../../../src/platform/user-directory.js'
import type { RunningTsgi } from '../../helpers/start-tsgi.js'
import { ensureSeedUsers, isRoot } from '../../helpers/test-users.js'
import { waitFor, waitForEvent } from '../../helpers/wait-for.js'
import {
  ask,
  assertNoFailure,
  deadlineMs,
  editVassal,
  escapeRegExp,
  keepAsking,
  nobody,
  setUp,
  socketOf,
  startEmperor,
  vassalText,
  waitForAnswers,
  waitForState,
  writeVassal,
  type VassalOptions,
} from '../../helpers/emperor-harness.js'

/** Bounds a whole test, so a hang fails it instead of the run. */
const testTimeoutMs = 180_000
const needsRoot = isRoot() ? false : 'needs root: tyrant mode changes users and chowns vassal files'

/** The parent pid and command line of a live process. */
function processInfo(pid: number): { ppid: number; cmdline: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ')
    return { ppid, cmdline }
  } catch {
    return undefined
  }
}

/** The master of vassal file `file` (a child of the emperor started with it) and that master's workers. */
function vassalProcesses(tsgi: RunningTsgi, file: string): { master: number; workers: number[] } {
  const infos = tsgi.processes().map((pid) => ({ pid, info: processInfo(pid) }))
  const masters = infos.filter(
    ({ info }) => info?.ppid === tsgi.pid && info.cmdline.includes(` --config ${file}`),
  )
  assert.equal(masters.length, 1, `one master runs for ${file}`)
  const master = masters[0]?.pid ?? -1
  return { master, workers: infos.filter(({ info }) => info?.ppid === master).map(({ pid }) => pid) }
}

/** CPU time (user + system, in clock ticks) a process has used: fields 14 and 15 of /proc/PID/stat. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

/** The real, effective, saved and filesystem ids of a process, from /proc/PID/status. */
function idsOf(pid: number): { uids: number[]; gids: number[] } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const field = (name: string): number[] =>
    (new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(status)?.[1] ?? '').split(/\s+/).map(Number)
  return { uids: field('Uid'), gids: field('Gid') }
}

/** The emperor's lines about vassal `name` that say something went wrong. */
function troubleLines(output: string, name: string): string[] {
  const prefix = `[emperor] vassal ${name}: `
  return output
    .split('\n')
    .filter((line) => line.startsWith(prefix) && /illegal|died|throttled|bug in tsgi/.test(line))
}

test(
  'emperor starts every vassal file present at start and each serves',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUp(t)
    writeVassal(setup, 'alpha')
    writeVassal(setup, 'beta')
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    await waitForState(tsgi, 'beta.ini', 'ready')
    await tsgi.waitForOutput(/The Emperor is governing 2 vassals/, { timeoutMs: deadlineMs })
    const [alpha, beta] = await Promise.all([ask(socketOf(setup, 'alpha')), ask(socketOf(setup, 'beta'))])
    assert.notEqual(alpha.pid, beta.pid, 'each vassal has its own worker')
  },
)

test(
  'emperor starts a dropped file, reloads a touched one without failing a request, and stops a removed one',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUp(t)
    const alphaFile = writeVassal(setup, 'alpha')
    writeVassal(setup, 'beta')
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    await waitForState(tsgi, 'beta.ini', 'ready')
    // The neighbour keeps being asked throughout: nothing done to the others may disturb it.
    const neighbour = keepAsking(t, socketOf(setup, 'beta'))

    // Dropped: a new vassal starts and serves.
    let from = tsgi.output().length
    const gammaFile = writeVassal(setup, 'gamma')
    await waitForState(tsgi, 'gamma.ini', 'ready', from)
    await ask(socketOf(setup, 'gamma'))

    // Touched: a rolling reload under load, with no failed request and a new worker at the end.
    const alphaSocket = socketOf(setup, 'alpha')
    const oldPid = (await ask(alphaSocket)).pid
    const load = keepAsking(t, alphaSocket, 4)
    await waitForAnswers(load, 50, 'before the touch')
    from = tsgi.output().length
    const now = new Date()
    utimesSync(alphaFile, now, now)
    await waitForState(tsgi, 'alpha.ini', 'reloading', from)
    await waitForState(tsgi, 'alpha.ini', 'ready', from)
    await waitForAnswers(load, Math.max(2_000, load.tally().ok + 50), 'across the touch')
    const loaded = await load.stop()
    assertNoFailure(loaded, 'on the touched vassal')
    assert.ok(loaded.ok >= 2_000, `at least 2,000 requests across the touch (${loaded.ok})`)
    await waitFor(
      `the old worker ${oldPid} of alpha.ini to drain and exit`,
      () => (tsgi.processes().includes(oldPid) ? undefined : true),
      { timeoutMs: deadlineMs },
    )
    assert.notEqual((await ask(alphaSocket)).pid, oldPid, 'a new worker answers after the touch')

    // Removed: the vassal stops, and vacuum removes its socket.
    from = tsgi.output().length
    unlinkSync(gammaFile)
    await waitForState(tsgi, 'gamma.ini', 'stopped', from)
    assert.equal(existsSync(socketOf(setup, 'gamma')), false, "vacuum removed gamma's socket")
    await tsgi.waitForOutput(/The Emperor is governing 2 vassals/, { from, timeoutMs: deadlineMs })

    assertNoFailure(await neighbour.stop(), 'on the neighbour beta.ini')
    await ask(alphaSocket)
  },
)

test(
  'emperor keeps the old vassal serving when its file is edited into an invalid config, and applies the fix',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUp(t)
    const alphaFile = writeVassal(setup, 'alpha', { lines: ['env = GREETING=first'] })
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    const socket = socketOf(setup, 'alpha')
    const before = await ask(socket)
    assert.equal(before.greeting, 'first')
    const serving = keepAsking(t, socket)

    let from = tsgi.output().length
    writeFileSync(
      alphaFile,
      vassalText(setup, 'alpha', { lines: ['env = GREETING=broken', 'processes = many'] }),
    )
    const refusal = await tsgi.waitForOutput(/\[emperor\] vassal alpha\.ini: new config refused[^\n]*/, {
      from,
      timeoutMs: deadlineMs,
    })
    assert.match(refusal[0], /ERR_CONFIG_\w+/, 'the error is reported with its code')
    assert.match(refusal[0], /processes/, 'the error names the option')
    await waitForAnswers(serving, serving.tally().ok + 5, 'after the invalid edit')
    const during = await ask(socket)
    assert.equal(during.pid, before.pid, 'the old worker serves')
    assert.equal(during.greeting, 'first', 'with the old config')

    from = tsgi.output().length
    writeFileSync(alphaFile, vassalText(setup, 'alpha', { lines: ['env = GREETING=fixed'] }))
    await waitForState(tsgi, 'alpha.ini', 'reloading', from)
    await waitForState(tsgi, 'alpha.ini', 'ready', from)
    await waitFor(
      'the fixed config to answer',
      async () => ((await ask(socket)).greeting === 'fixed' ? true : undefined),
      { timeoutMs: deadlineMs },
    )
    assertNoFailure(await serving.stop(), 'through the invalid edit and its fix')
  },
)

test(
  'emperor throttles a vassal whose app fails to load with growing delays while a neighbour keeps answering',
  { timeout: testTimeoutMs },
  async (t) => {
    // A small step, so that the growing delays come soon; the default is 1 s as in uWSGI.
    const setup = setUp(t, ['emperor-throttle = 200'])
    writeVassal(setup, 'healthy')
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'healthy.ini', 'ready')
    const neighbour = keepAsking(t, socketOf(setup, 'healthy'))

    const from = tsgi.output().length
    writeVassal(setup, 'broken', { app: 'broken.mjs', lines: ['need-app = true'] })
    const throttled =
      /\[emperor\] vassal broken\.ini: \S+ → throttled \([^\n]*exit code 4[^\n]*next try in (\d+)ms/g
    const delays = await waitFor(
      'two throttled respawns of broken.ini',
      () => {
        const found = [...tsgi.output().slice(from).matchAll(throttled)].map((match) => Number(match[1]))
        return found.length >= 2 ? found : undefined
      },
      { timeoutMs: deadlineMs },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; output:\n${tsgi.output()}`)
    })
    const [first = 0, second = 0] = delays
    assert.ok(first > 0 && second > first, `the delays grow: ${delays.join(', ')} ms`)
    await ask(socketOf(setup, 'healthy'))
    assertNoFailure(await neighbour.stop(), 'on the healthy neighbour')
  },
)

test(
  'emperor marks a vassal file with a config error invalid and starts it once the file is fixed',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUp(t)
    writeVassal(setup, 'healthy')
    const badFile = writeVassal(setup, 'bad', { lines: ['processes = many'] })
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'healthy.ini', 'ready')
    await waitForState(tsgi, 'bad.ini', 'invalid')
    assert.match(tsgi.output(), /\[emperor\] vassal bad\.ini: config error: [^\n]*ERR_CONFIG_\w+/)
    const neighbour = keepAsking(t, socketOf(setup, 'healthy'))

    const from = tsgi.output().length
    writeFileSync(badFile, vassalText(setup, 'bad', { lines: ['processes = 1'] }))
    await waitForState(tsgi, 'bad.ini', 'spawning', from)
    await waitForState(tsgi, 'bad.ini', 'ready', from)
    await ask(socketOf(setup, 'bad'))
    assertNoFailure(await neighbour.stop(), 'on the healthy neighbour')
  },
)

test(
  'emperor stops every vassal gracefully on SIGTERM and leaves no process behind',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUp(t)
    writeVassal(setup, 'alpha')
    writeVassal(setup, 'beta', { lines: ['processes = 2'] })
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    await waitForState(tsgi, 'beta.ini', 'ready')
    assert.equal(tsgi.processes().length, 1 + 2 + 3, 'the emperor, two masters and three workers run')

    tsgi.signal('SIGTERM')
    assert.deepEqual(await tsgi.exited(deadlineMs), { code: 0, signal: null })
    for (const name of ['alpha.ini', 'beta.ini'])
      assert.match(
        tsgi.output(),
        new RegExp(`\\[emperor\\] vassal ${escapeRegExp(name)}: stopping → stopped \\([^\\n]*exit code 0`),
        `${name} exited 0`,
      )
    assert.deepEqual(tsgi.processes(), [], 'no process of the emperor is left')
    for (const stem of ['alpha', 'beta'])
      assert.equal(existsSync(socketOf(setup, stem)), false, `vacuum removed ${stem}'s socket`)
  },
)

test(
  'emperor SIGKILL leaves no orphan: every vassal and worker exits, even a worker stuck in a busy loop',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUp(t)
    writeVassal(setup, 'alpha')
    // The master drains its workers when the emperor goes; a worker stuck in app code never drains, so it is
    // killed after this mercy (60 s by default; short here to keep the test short).
    const busyFile = writeVassal(setup, 'busy', { app: 'busy-loop.mjs', lines: ['worker-reload-mercy = 2'] })
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    await waitForState(tsgi, 'busy.ini', 'ready')
    const { workers } = vassalProcesses(tsgi, busyFile)
    const [busyWorker] = workers
    assert.ok(busyWorker !== undefined, 'busy.ini has a worker')

    const spin = http.request({ socketPath: socketOf(setup, 'busy'), path: '/spin', agent: false })
    t.after(() => spin.destroy())
    spin.on('error', () => undefined) // Never answered: the worker dies in its loop.
    spin.end()
    await waitForEvent(spin, 'finish', 'GET /spin to be written', deadlineMs)
    // An idle worker burns no CPU; 50 ticks (half a second at the usual 100 Hz) means it is in the loop.
    const ticks = cpuTicks(busyWorker)
    await waitFor(`worker ${busyWorker} to spin on /spin`, () =>
      cpuTicks(busyWorker) - ticks >= 50 ? true : undefined,
    )
    const before = tsgi.processes().filter((pid) => pid !== tsgi.pid)
    assert.equal(before.length, 4, 'two masters and two workers run')

    tsgi.signal('SIGKILL')
    assert.deepEqual(await tsgi.exited(deadlineMs), { code: null, signal: 'SIGKILL' })
    await waitFor(
      'every vassal and worker to exit after the emperor was SIGKILLed',
      () => (tsgi.processes().length === 0 ? true : undefined),
      { timeoutMs: deadlineMs },
    ).catch((error: unknown) => {
      const left = tsgi.processes().map((pid) => `${pid}: ${processInfo(pid)?.cmdline ?? '?'}`)
      throw new Error(`${String(error)}; still running:\n${left.join('\n')}\noutput:\n${tsgi.output()}`)
    })
  },
)

test(
  'tyrant emperor runs each vassal as its file owner whatever uid the file sets',
  { timeout: testTimeoutMs, skip: needsRoot },
  async (t) => {
    assert.equal(ensureSeedUsers(), undefined)
    const alex = lookupUser('alex')
    const users = lookupGroup('users')
    assert.ok(alex !== undefined && users !== undefined, 'the seed user alex and group users exist')
    const setup = setUp(t, ['emperor-tyrant = true'])
    const owners = {
      shop: { uid: nobody, gid: nobody },
      blog: { uid: alex.uid, gid: users.gid },
    } as const
    const files = new Map<string, string>()
    for (const [stem, owner] of Object.entries(owners)) {
      // Each owner's sockets go in a directory of its own, so its vassal can bind and vacuum there.
      const runDir = path.join(setup.base, `run-${stem}`)
      mkdirSync(runDir, { mode: 0o755 })
      chownSync(runDir, owner.uid, owner.gid)
      const file = path.join(setup.vassalDir, `${stem}.ini`)
      // A hostile line: in tyrant mode the file cannot choose who it runs as.
      writeFileSync(
        file,
        vassalText(setup, stem, { runDir, hasIdentity: false, lines: ['uid = root', 'gid = root'] }),
      )
      chmodSync(file, 0o644)
      chownSync(file, owner.uid, owner.gid)
      files.set(stem, file)
    }
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'shop.ini', 'ready')
    await waitForState(tsgi, 'blog.ini', 'ready')

    for (const [stem, owner] of Object.entries(owners)) {
      const { master, workers } = vassalProcesses(tsgi, files.get(stem) ?? '')
      assert.equal(workers.length, 1, `${stem}.ini has one worker`)
      const answer = await ask(socketOf(setup, stem, path.join(setup.base, `run-${stem}`)))
      assert.deepEqual([answer.pid], workers, `${stem}.ini's worker answers`)
      for (const pid of [master, ...workers]) {
        assert.deepEqual(
          idsOf(pid),
          { uids: Array(4).fill(owner.uid), gids: Array(4).fill(owner.gid) },
          `${stem}.ini's process ${pid} runs as its file's owner`,
        )
      }
    }

    // A root-owned vassal file is refused, with a clear log line; the others keep serving.
    const from = tsgi.output().length
    const rootFile = path.join(setup.vassalDir, 'rooted.ini')
    writeFileSync(rootFile, vassalText(setup, 'rooted', { hasIdentity: false }))
    await tsgi.waitForOutput(/invalid permissions[^\n]*rooted\.ini|rooted\.ini[^\n]*invalid permissions/, {
      from,
      timeoutMs: deadlineMs,
    })
    assert.equal(existsSync(socketOf(setup, 'rooted')), false, 'the root-owned vassal never bound its socket')
    await ask(socketOf(setup, 'shop', path.join(setup.base, 'run-shop')))
  },
)

test(
  'tyrant emperor puts a vassal whose file is owned by root in the refused state',
  {
    timeout: testTimeoutMs,
    skip: needsRoot,
    // Regression: a root-owned file once ended `invalid` (its config check ran first), not `refused`.
  },
  async (t) => {
    const setup = setUp(t, ['emperor-tyrant = true'])
    writeVassal(setup, 'rooted', { hasIdentity: false })
    const tsgi = await startEmperor(t, setup)
    // DESIGN.md "Vassal states": `refused` is the state of a vassal that breaks a tyrant or privilege rule.
    const line = await tsgi.waitForOutput(/\[emperor\] vassal rooted\.ini: \S+ → (\w+) \(/, {
      timeoutMs: deadlineMs,
    })
    assert.equal(line[1], 'refused', line[0])
  },
)

test(
  'emperor serves 50 vassal files dropped at once and ends a burst of 100 add/remove events with exactly the right set',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUp(t)
    const tsgi = await startEmperor(t, setup)
    const initial = Array.from({ length: 50 }, (_, index) => `v${String(index).padStart(2, '0')}`)
    let from = tsgi.output().length
    for (const stem of initial) writeVassal(setup, stem)
    for (const stem of initial) await waitForState(tsgi, `${stem}.ini`, 'ready', from)
    await Promise.all(initial.map((stem) => ask(socketOf(setup, stem))))
    assert.equal(tsgi.processes().length, 1 + 2 * initial.length)

    // The burst: w0…w9 are each written or removed 9 times in turn (so each ends present), then v00…v09
    // are removed: 100 events, after which v10…v49 and w0…w9 must run, and nothing else.
    from = tsgi.output().length
    const toggled = Array.from({ length: 10 }, (_, index) => `w${index}`)
    const present = new Set<string>()
    for (let event = 0; event < 90; event++) {
      const stem = toggled[event % toggled.length] ?? ''
      if (present.delete(stem)) unlinkSync(path.join(setup.vassalDir, `${stem}.ini`))
      else {
        writeVassal(setup, stem)
        present.add(stem)
      }
    }
    const removed = initial.slice(0, 10)
    for (const stem of removed) unlinkSync(path.join(setup.vassalDir, `${stem}.ini`))
    const expected = [...initial.slice(10), ...toggled]
    assert.deepEqual([...present].sort(), [...toggled].sort(), 'every w file ends present')

    for (const stem of removed) await waitForState(tsgi, `${stem}.ini`, 'stopped', from)
    for (const stem of toggled) await waitForState(tsgi, `${stem}.ini`, 'ready', from)
    await waitFor(
      `exactly ${1 + 2 * expected.length} processes: the emperor and a master and a worker per vassal`,
      () => (tsgi.processes().length === 1 + 2 * expected.length ? true : undefined),
      { timeoutMs: deadlineMs },
    ).catch((error: unknown) => {
      const running = tsgi.processes().map((pid) => `${pid}: ${processInfo(pid)?.cmdline ?? '?'}`)
      throw new Error(`${String(error)}; running:\n${running.join('\n')}\noutput:\n${tsgi.output()}`)
    })
    await waitFor(
      `the emperor to say it governs ${expected.length} vassals`,
      () => {
        const counts = [...tsgi.output().matchAll(/The Emperor is governing (\d+) vassals/g)]
        return counts.at(-1)?.[1] === String(expected.length) ? true : undefined
      },
      { timeoutMs: deadlineMs },
    )
    const answers = await Promise.all(expected.map((stem) => ask(socketOf(setup, stem))))
    assert.equal(
      new Set(answers.map((answer) => answer.pid)).size,
      expected.length,
      'each has its own worker',
    )
    for (const stem of removed)
      assert.equal(existsSync(socketOf(setup, stem)), false, `vacuum removed ${stem}'s socket`)
    // One master per expected vassal file, and no other.
    for (const stem of expected) vassalProcesses(tsgi, path.join(setup.vassalDir, `${stem}.ini`))
  },
)

test(
  'emperor applies an edit made while the vassal is still starting without killing it',
  {
    timeout: testTimeoutMs,
    // Regression: an edit during `spawning` once sent SIGHUP to a master without its handlers yet.
  },
  async (t) => {
    const setup = setUp(t)
    const tsgi = await startEmperor(t, setup)
    const from = tsgi.output().length
    writeVassal(setup, 'alpha', { lines: ['env = GREETING=first'] })
    // Logged when the vassal's process has just been started: the edit lands while it starts.
    await tsgi.waitForOutput(/The Emperor is governing 1 vassals/, { from, timeoutMs: deadlineMs })
    editVassal(setup, 'alpha', { lines: ['env = GREETING=second'] })
    await waitFor(
      'alpha.ini to answer with its edited config',
      async () =>
        (await ask(socketOf(setup, 'alpha')).catch(() => undefined))?.greeting === 'second'
          ? true
          : undefined,
      { timeoutMs: deadlineMs },
    )
    assert.deepEqual(troubleLines(tsgi.output().slice(from), 'alpha.ini'), [])
  },
)

test(
  'emperor applies an edit made during a reload of the vassal after that reload',
  {
    timeout: testTimeoutMs,
    // Regression: an edit during a reload once logged an illegal reloading → reloading change.
  },
  async (t) => {
    const setup = setUp(t)
    const openGate = path.join(setup.base, 'gate-open')
    writeFileSync(openGate, '')
    const closedGate = path.join(setup.base, 'gate-second')
    const gated = (greeting: string, gate: string): VassalOptions => ({
      app: 'load-gate.mjs',
      lines: [`env = GREETING=${greeting}`, `env = LOAD_GATE=${gate}`],
    })
    writeVassal(setup, 'alpha', gated('first', openGate))
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    const from = tsgi.output().length
    // The second config's worker cannot finish loading until its gate exists: the reload stays open.
    editVassal(setup, 'alpha', gated('second', closedGate))
    await waitForState(tsgi, 'alpha.ini', 'reloading', from)
    await tsgi.waitForOutput(/\[alpha\.ini\] reload: spawned worker/, { from, timeoutMs: deadlineMs })
    // The emperor holds this change until the running reload ends, then reloads once more.
    editVassal(setup, 'alpha', gated('third', openGate))
    writeFileSync(closedGate, '')
    await waitFor(
      'alpha.ini to answer with its last config',
      async () => ((await ask(socketOf(setup, 'alpha'))).greeting === 'third' ? true : undefined),
      { timeoutMs: deadlineMs },
    )
    await waitFor(
      "alpha.ini's last state change to be to ready",
      () => {
        const changes = [...tsgi.output().matchAll(/\[emperor\] vassal alpha\.ini: \S+ → (\S+) \(/g)]
        return changes.at(-1)?.[1] === 'ready' ? true : undefined
      },
      { timeoutMs: deadlineMs },
    )
    assert.deepEqual(troubleLines(tsgi.output().slice(from), 'alpha.ini'), [])
  },
)

test(
  'emperor reloads a vassal when a file its config includes changes',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUp(t, ['emperor-freq = 1'])
    const common = path.join(setup.base, 'common.ini')
    writeFileSync(common, 'env = GREETING=before\n')
    writeVassal(setup, 'alpha', { lines: [`ini = ${common}`] })
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    assert.equal((await ask(socketOf(setup, 'alpha'))).greeting, 'before')
    const from = tsgi.output().length
    writeFileSync(common, 'env = GREETING=after\n')
    await tsgi.waitForOutput(/common\.ini, which its config includes, changed/, {
      from,
      timeoutMs: deadlineMs,
    })
    await waitFor(
      'alpha.ini to answer with the included file’s new value',
      async () => ((await ask(socketOf(setup, 'alpha'))).greeting === 'after' ? true : undefined),
      { timeoutMs: deadlineMs },
    )
  },
)

test(
  'SIGHUP re-reads emperor.ini: new templates reload each vassal in turn, new monitors start, start-only options wait',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUp(t, ['vassal-set = env=GREETING=first'])
    writeVassal(setup, 'alpha')
    writeVassal(setup, 'beta')
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    await waitForState(tsgi, 'beta.ini', 'ready')
    const alphaSocket = socketOf(setup, 'alpha')
    const before = await ask(alphaSocket)
    assert.equal(before.greeting, 'first')
    const alphaMaster = vassalProcesses(tsgi, path.join(setup.vassalDir, 'alpha.ini')).master

    // A second monitor, a new template value, and an option that only applies at start.
    const otherDir = path.join(setup.base, 'more-vassals')
    mkdirSync(otherDir, { mode: 0o755 })
    writeFileSync(path.join(otherDir, 'gamma.ini'), vassalText(setup, 'gamma'))
    writeFileSync(
      setup.emperorIni,
      [
        `emperor = ${setup.vassalDir}`,
        `emperor = ${otherDir}`,
        'vassal-set = env=GREETING=second',
        `emperor-pidfile = ${path.join(setup.base, 'emperor.pid')}`,
        '',
      ].join('\n'),
    )
    const load = keepAsking(t, alphaSocket, 2)
    await waitForAnswers(load, 20, 'before the SIGHUP')
    let from = tsgi.output().length
    tsgi.signal('SIGHUP')
    await tsgi.waitForOutput(/\[emperor\] reload done/, { from, timeoutMs: deadlineMs })
    const output = tsgi.output().slice(from)
    assert.match(output, /emperor-pidfile changed; it applies when the emperor restarts/)
    assert.match(output, /applying emperor, vassal-set/)
    // One at a time: beta starts reloading only after alpha is ready again (or the other way round).
    const order = [...output.matchAll(/vassal (alpha|beta)\.ini: \S+ → (reloading|ready)/g)].map(
      (match) => `${match[1] ?? ''}:${match[2] ?? ''}`,
    )
    assert.equal(order.length, 4, `two reloads: ${order.join(' ')}`)
    assert.equal(order[0]?.split(':')[0], order[1]?.split(':')[0], `one vassal at a time: ${order.join(' ')}`)
    assert.deepEqual([order[0]?.split(':')[1], order[1]?.split(':')[1]], ['reloading', 'ready'])
    assert.equal(existsSync(path.join(setup.base, 'emperor.pid')), false, 'the pidfile waits for a restart')

    await waitForAnswers(load, load.tally().ok + 20, 'after the SIGHUP')
    assertNoFailure(await load.stop(), 'on alpha.ini across the emperor reload')
    const after = await ask(alphaSocket)
    assert.equal(after.greeting, 'second', 'the new vassal-set reached the vassal')
    assert.equal((await ask(socketOf(setup, 'beta'))).greeting, 'second')
    assert.equal(
      vassalProcesses(tsgi, path.join(setup.vassalDir, 'alpha.ini')).master,
      alphaMaster,
      'a reload, not a restart: the same vassal master',
    )
    await waitForState(tsgi, 'gamma.ini', 'ready')
    assert.equal((await ask(socketOf(setup, 'gamma'))).greeting, 'second')

    // An emperor.ini with an error: the running config stays, and so do the vassals.
    writeFileSync(setup.emperorIni, `emperor = ${setup.vassalDir}\nprocesses = many\n`)
    from = tsgi.output().length
    tsgi.signal('SIGHUP')
    await tsgi.waitForOutput(/reload: the config has errors, the running one stays: .*emperor\.ini:2: /, {
      from,
      timeoutMs: deadlineMs,
    })
    assert.equal((await ask(socketOf(setup, 'gamma'))).greeting, 'second', 'the second monitor still runs')

    // A monitor removed from emperor.ini takes its vassals with it.
    writeFileSync(setup.emperorIni, `emperor = ${setup.vassalDir}\nvassal-set = env=GREETING=second\n`)
    from = tsgi.output().length
    tsgi.signal('SIGHUP')
    await waitForState(tsgi, 'gamma.ini', 'stopped', from)
    await tsgi.waitForOutput(/\[emperor\] reload done/, { from, timeoutMs: deadlineMs })
    assert.equal(existsSync(socketOf(setup, 'gamma')), false, "vacuum removed gamma's socket")
    assert.equal((await ask(alphaSocket)).greeting, 'second')
  },
)

test(
  'a vassal whose sockets change to new addresses starts its new process first and retires the old one once it serves',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUp(t)
    const file = path.join(setup.vassalDir, 'alpha.ini')
    const socketText = (socket: string, extra: readonly string[] = []): string =>
      vassalText(setup, 'alpha', { lines: extra }).replace(socketOf(setup, 'alpha'), socket)
    const firstSocket = path.join(setup.runDir, 'first.sock')
    writeFileSync(file, socketText(firstSocket))
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    const oldMaster = vassalProcesses(tsgi, file).master
    await ask(firstSocket)

    // A slow request on the old socket is in flight while the sockets change.
    const inFlight = ask(firstSocket, '/?delay=1500')
    const secondSocket = path.join(setup.runDir, 'second.sock')
    let from = tsgi.output().length
    writeFileSync(file, socketText(secondSocket))
    await tsgi.waitForOutput(/vassal alpha\.ini: options of its master changed and its sockets are new/, {
      from,
      timeoutMs: deadlineMs,
    })
    await tsgi.waitForOutput(
      new RegExp(`vassal alpha\\.ini: the new process serves: stopping the old one \\(pid: ${oldMaster}\\)`),
      { from, timeoutMs: deadlineMs },
    )
    // The new one served before the old one was told to stop: its ready line comes first.
    const output = tsgi.output().slice(from)
    assert.ok(
      output.indexOf('spawning → ready') < output.indexOf('stopping the old one'),
      'the new process was ready before the old one was stopped',
    )
    assert.equal((await inFlight).pid > 0, true, 'the request in flight on the old socket completed')
    await ask(secondSocket)
    await waitFor(
      `the old master ${oldMaster} to exit`,
      () => (tsgi.processes().includes(oldMaster) ? undefined : true),
      { timeoutMs: deadlineMs },
    )
    assert.notEqual(vassalProcesses(tsgi, file).master, oldMaster)
    assert.equal(existsSync(firstSocket), false, 'the old process vacuumed its socket')
    assert.deepEqual(troubleLines(tsgi.output(), 'alpha.ini'), [])

    // A replacement that cannot bind its new socket: the old process keeps serving.
    const servingMaster = vassalProcesses(tsgi, file).master
    from = tsgi.output().length
    writeFileSync(file, socketText(path.join(setup.base, 'no-such-dir', 'third.sock')))
    await tsgi.waitForOutput(
      /vassal alpha\.ini: the new process died before it served .*; the old process keeps serving/,
      {
        from,
        timeoutMs: deadlineMs,
      },
    )
    await ask(secondSocket)
    assert.equal(vassalProcesses(tsgi, file).master, servingMaster)
  },
)
