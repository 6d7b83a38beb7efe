// The emperor's control socket and `tsgi reload|stop|start NAME` (issue #4, item 2), with real emperors and
// vassals: a reload under load loses no request and brings new workers; with emperor-reload-on-change off a
// reload applies an edit (uWSGI's #1816) and refuses an invalid one while the old config serves; a reload
// whose new workers fail to load says so; a stopped vassal stays stopped through file changes and rescans
// until started; garbage on the socket gets an error answer, never a crash; the socket is 0600.
import assert from 'node:assert/strict'
import { existsSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import path from 'node:path'
import { test, type TestContext } from 'node:test'

import {
  ask,
  assertNoFailure,
  deadlineMs,
  editVassal,
  keepAsking,
  nobody,
  setUp,
  socketOf,
  startEmperor,
  waitForAnswers,
  waitForState,
  writeVassal,
  type Setup,
} from '../../helpers/emperor-harness.js'
import { runCli, runCliAsync } from '../../helpers/run-cli.js'
import type { RunningTsgi } from '../../helpers/start-tsgi.js'
import { makeTempDir } from '../../helpers/temp-dir.js'
import { isRoot } from '../../helpers/test-users.js'
import { waitFor } from '../../helpers/wait-for.js'

const testTimeoutMs = 180_000

interface ControlSetup extends Setup {
  readonly controlSocket: string
}

function setUpControlled(t: TestContext, emperorLines: readonly string[] = []): ControlSetup {
  const dir = makeTempDir(t)
  const controlSocket = path.join(dir.path, 'control.sock')
  return { ...setUp(t, [`emperor-control = ${controlSocket}`, ...emperorLines]), controlSocket }
}

/** `tsgi COMMAND NAME SOCKET …`, run beside whatever load the test drives. */
const control = (t: TestContext, setup: ControlSetup, command: string, ...rest: string[]) =>
  runCliAsync(t, [command, ...rest.slice(0, 1), setup.controlSocket, ...rest.slice(1)])

interface ControlAnswer {
  readonly ok: boolean
  readonly vassal: string | null
  readonly state: string | null
  readonly message: string
  readonly code: string | null
}

/** Writes `request` (and half-closes when told), then reads everything until the emperor closes. */
function sendRaw(socketPath: string, request: string | Buffer, options: { halfClose?: boolean } = {}) {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(socketPath)
    const chunks: Buffer[] = []
    socket.on('connect', () => {
      socket.write(request)
      if (options.halfClose === true) socket.end()
    })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.once('error', reject)
    socket.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

/** Connects and says nothing; resolves with what came before the emperor closed (a reset counts as closed). */
function connectSilently(socketPath: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(socketPath)
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', () => undefined)
    socket.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

const parseAnswer = (text: string): ControlAnswer => {
  assert.match(text, /^\{.*\}\n$/, 'one JSON line')
  return JSON.parse(text) as ControlAnswer
}

/** The emperor's lines that say something went wrong inside it. */
const bugLines = (tsgi: RunningTsgi): string[] =>
  tsgi
    .output()
    .split('\n')
    .filter((line) => /bug in tsgi|illegal state change/.test(line))

test(
  'tsgi reload NAME reloads a vassal under load without failing a request, and new workers answer',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUpControlled(t)
    writeVassal(setup, 'alpha', { lines: ['processes = 2'] })
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    const stat = statSync(setup.controlSocket)
    assert.equal(stat.mode & 0o777, 0o600, 'the control socket is for its owner only')
    assert.equal(stat.uid, process.getuid?.(), "owned by the emperor's user")

    const socket = socketOf(setup, 'alpha')
    const before = new Set(tsgi.workerPids())
    const load = keepAsking(t, socket, 4)
    await waitForAnswers(load, 50, 'before the reload')
    const from = tsgi.output().length
    // The name without its extension is enough when only one vassal has that stem.
    const reloaded = await control(t, setup, 'reload', 'alpha')
    assert.equal(reloaded.status, 0, reloaded.stderr)
    assert.match(reloaded.stdout, /^vassal "alpha\.ini" reloaded: it serves\n$/)
    await waitForState(tsgi, 'alpha.ini', 'reloading', from)
    await waitForAnswers(load, load.tally().ok + 200, 'after the reload')
    const tally = await load.stop()
    assertNoFailure(tally, 'across tsgi reload')

    const oldWorkers = [...tally.pids].filter((pid) => before.has(pid))
    assert.ok(oldWorkers.length > 0, 'the old workers answered before the reload')
    await waitFor(
      'the old workers to drain and exit',
      () => (oldWorkers.some((pid) => tsgi.processes().includes(pid)) ? undefined : true),
      { timeoutMs: deadlineMs },
    )
    const after = await ask(socket)
    assert.ok(!before.has(after.pid), `a worker of the new generation answers (${after.pid})`)
    assert.deepEqual(bugLines(tsgi), [])
  },
)

test(
  'tsgi reload NAME applies an edit (of the file or of one it includes) with emperor-reload-on-change off, and refuses an invalid one (exit 1) while the old config serves',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUpControlled(t, ['emperor-reload-on-change = false', 'emperor-freq = 200ms'])
    const common = path.join(setup.base, 'common.ini')
    writeFileSync(common, 'env = GREETING=first\n')
    writeVassal(setup, 'alpha', { lines: [`ini = ${common}`] })
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    const socket = socketOf(setup, 'alpha')
    assert.equal((await ask(socket)).greeting, 'first')
    const held = /vassal alpha\.ini: its config changed; emperor-reload-on-change is off/
    const reloadOk = async (greeting: string): Promise<void> => {
      const reloaded = await control(t, setup, 'reload', 'alpha.ini')
      assert.equal(reloaded.status, 0, reloaded.stderr)
      assert.equal((await ask(socket)).greeting, greeting, 'tsgi reload applied the edit')
    }

    // The included file changes: seen, and held.
    let from = tsgi.output().length
    writeFileSync(common, 'env = GREETING=second\n')
    await tsgi.waitForOutput(/common\.ini, which its config includes, changed/, {
      from,
      timeoutMs: deadlineMs,
    })
    await tsgi.waitForOutput(held, { from, timeoutMs: deadlineMs })
    assert.equal((await ask(socket)).greeting, 'first', 'the edit alone changes nothing')
    await reloadOk('second')

    // The vassal file itself changes: held too.
    from = tsgi.output().length
    editVassal(setup, 'alpha', { lines: ['env = GREETING=third'] })
    await tsgi.waitForOutput(held, { from, timeoutMs: deadlineMs })
    assert.equal((await ask(socket)).greeting, 'second', 'the edit alone changes nothing')
    await reloadOk('third')

    from = tsgi.output().length
    editVassal(setup, 'alpha', { lines: ['env = GREETING=broken', 'processes = many'] })
    await tsgi.waitForOutput(held, { from, timeoutMs: deadlineMs })
    const refused = await control(t, setup, 'reload', 'alpha.ini')
    assert.equal(refused.status, 1, refused.stderr)
    assert.equal(refused.stdout, '')
    assert.match(refused.stderr, /ERR_VASSAL_CONFIG_INVALID: .*keeps serving.*processes/)
    const json = await control(t, setup, 'reload', 'alpha.ini', '--format', 'json')
    assert.equal(json.status, 1)
    const answer = JSON.parse(json.stdout) as ControlAnswer
    assert.equal(answer.ok, false)
    assert.equal(answer.code, 'ERR_VASSAL_CONFIG_INVALID')
    assert.equal(answer.state, 'ready')
    assert.equal((await ask(socket)).greeting, 'third', 'the old config keeps serving')

    // A valid config whose app does not load: the new workers fail, the old generation keeps serving.
    editVassal(setup, 'alpha', { app: 'broken.mjs', lines: ['env = GREETING=fourth'] })
    const failed = await control(t, setup, 'reload', 'alpha.ini')
    assert.equal(failed.status, 3, failed.stderr)
    assert.match(failed.stderr, /ERR_VASSAL_COMMAND_FAILED: .*reload failed.*broken on purpose/)
    assert.equal((await ask(socket)).greeting, 'third', 'the old generation keeps serving')
    assert.deepEqual(bugLines(tsgi), [])
  },
)

test(
  'tsgi stop NAME stops a vassal that stays stopped through a touch and rescans, and tsgi start NAME brings it back',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUpControlled(t, ['emperor-freq = 200ms'])
    const alphaFile = writeVassal(setup, 'alpha')
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    const socket = socketOf(setup, 'alpha')
    const { pid: worker } = await ask(socket)

    const stopped = await control(t, setup, 'stop', 'alpha.ini')
    assert.equal(stopped.status, 0, stopped.stderr)
    assert.match(stopped.stdout, /stopped; it stays stopped until `tsgi start`/)
    assert.ok(!tsgi.processes().includes(worker), 'its worker is gone')
    assert.deepEqual(tsgi.workerPids(), [], 'no vassal process is left')
    assert.equal(existsSync(socket), false, 'vacuum removed its socket')
    const again = await control(t, setup, 'stop', 'alpha.ini')
    assert.equal(again.status, 0, again.stderr)
    assert.match(again.stdout, /already stopped/)

    // A touch, then a new vassal as a barrier: by the time beta serves, the reconciler has seen the touched
    // alpha.ini, and the 200 ms rescan has run many times over.
    const from = tsgi.output().length
    const now = new Date()
    utimesSync(alphaFile, now, now)
    writeVassal(setup, 'beta')
    await waitForState(tsgi, 'beta.ini', 'ready', from)
    const status = parseAnswer(
      await sendRaw(setup.controlSocket, '{"command":"status","vassal":"alpha.ini"}\n'),
    )
    assert.deepEqual([status.ok, status.state], [true, 'stopped'])
    assert.doesNotMatch(tsgi.output().slice(from), /vassal alpha\.ini: stopped → /)
    assert.equal(existsSync(socket), false)

    // A stopped vassal is started, not reloaded.
    const reload = await control(t, setup, 'reload', 'alpha.ini')
    assert.equal(reload.status, 2, reload.stderr)
    assert.match(reload.stderr, /ERR_VASSAL_WRONG_STATE: .*it is stopped/)

    const started = await control(t, setup, 'start', 'alpha.ini')
    assert.equal(started.status, 0, started.stderr)
    assert.match(started.stdout, /^vassal "alpha\.ini" started: it serves\n$/)
    assert.notEqual((await ask(socket)).pid, worker, 'a new worker serves')
    const running = await control(t, setup, 'start', 'alpha.ini')
    assert.equal(running.status, 0, running.stderr)
    assert.match(running.stdout, /already running/)
    assert.deepEqual(bugLines(tsgi), [])
  },
)

test(
  'tsgi start NAME retries an invalid vassal now and reports its config error (exit 1); an unknown NAME exits 2',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUpControlled(t)
    writeVassal(setup, 'alpha')
    writeVassal(setup, 'bad', { lines: ['processes = many'] })
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    await waitForState(tsgi, 'bad.ini', 'invalid')

    const from = tsgi.output().length
    const retried = await control(t, setup, 'start', 'bad.ini')
    assert.equal(retried.status, 1, retried.stderr)
    assert.match(retried.stderr, /ERR_VASSAL_CONFIG_INVALID: Cannot start vassal "bad\.ini" .*processes/)
    // Checked again (invalid → invalid is no state change, so the error line is what shows it).
    assert.match(tsgi.output().slice(from), /vassal bad\.ini: config error: .*processes/)

    const unknown = await control(t, setup, 'reload', 'alpah.ini')
    assert.equal(unknown.status, 2, unknown.stderr)
    assert.match(unknown.stderr, /ERR_EMPEROR_UNKNOWN_VASSAL: .*"alpah\.ini".*did you mean "alpha\.ini"/)
    const json = await control(t, setup, 'stop', 'nobody.ini', '--format', 'json')
    assert.equal(json.status, 2)
    assert.deepEqual(JSON.parse(json.stdout), {
      ok: false,
      vassal: null,
      state: null,
      message: 'Cannot find vassal "nobody.ini" as it must be one the emperor governs: it is not',
      code: 'ERR_EMPEROR_UNKNOWN_VASSAL',
    })
    // Through --ini, as an operator would.
    const viaIni = await runCliAsync(t, ['stop', 'alpha.ini', '--ini', setup.emperorIni])
    assert.equal(viaIni.status, 0, viaIni.stderr)
    await waitForState(tsgi, 'alpha.ini', 'stopped', from)
  },
)

test(
  'emperor-control answers garbage with an error and closes, and keeps serving real requests',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUpControlled(t)
    writeVassal(setup, 'alpha')
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    const bad = (text: string): void => {
      const answer = parseAnswer(text)
      assert.equal(answer.ok, false, text)
      assert.equal(answer.code, 'ERR_EMPEROR_CONTROL_BAD_REQUEST', text)
    }
    const garbage: (string | Buffer)[] = [
      'hello\n',
      '\n',
      '[]\n',
      'null\n',
      '{"command":"reboot","vassal":"alpha.ini"}\n',
      '{"command":"reload"}\n',
      '{"command":"reload","vassal":42}\n',
      `{"command":"reload","vassal":"${'a'.repeat(5000)}"}\n`,
      Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x7b, 0x0a]),
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
    ]
    for (const request of garbage) bad(await sendRaw(setup.controlSocket, request))
    // Too long without a newline: refused before the end of it arrives.
    bad(await sendRaw(setup.controlSocket, 'x'.repeat(64 * 1024)))
    // Half-closed without a newline: the request is what came.
    bad(await sendRaw(setup.controlSocket, '{"command"', { halfClose: true }))
    const halfClosed = parseAnswer(
      await sendRaw(setup.controlSocket, '{"command":"status","vassal":"alpha.ini"}', { halfClose: true }),
    )
    assert.deepEqual([halfClosed.ok, halfClosed.state], [true, 'ready'])
    // Silent clients are dropped without an answer (after the request timeout, or at once beyond the
    // emperor's 16 connections), and many at once change nothing.
    const silent = await Promise.all(Array.from({ length: 40 }, () => connectSilently(setup.controlSocket)))
    assert.deepEqual(new Set(silent), new Set(['']))

    const status = parseAnswer(
      await sendRaw(setup.controlSocket, '{"command":"status","vassal":"alpha.ini","extra":[1,2]}\n'),
    )
    assert.deepEqual([status.ok, status.vassal, status.state], [true, 'alpha.ini', 'ready'])
    await ask(socketOf(setup, 'alpha'))
    assert.deepEqual(bugLines(tsgi), [])
    assert.equal(tsgi.child.exitCode, null, 'the emperor still runs')
  },
)

test(
  'emperor-control is 0600: another user cannot connect, and the socket goes when the emperor stops',
  { timeout: testTimeoutMs, skip: isRoot() ? false : 'needs root: runs the command as another user' },
  async (t) => {
    const setup = setUpControlled(t)
    writeVassal(setup, 'alpha')
    const tsgi = await startEmperor(t, setup)
    await waitForState(tsgi, 'alpha.ini', 'ready')
    const denied = await runCliAsync(t, ['stop', 'alpha.ini', setup.controlSocket], {
      uid: nobody,
      gid: nobody,
    })
    assert.equal(denied.status, 3, denied.stderr)
    assert.match(denied.stderr, /ERR_EMPEROR_CONTROL_UNREACHABLE: .*permission denied/)
    await ask(socketOf(setup, 'alpha'))

    tsgi.signal('SIGTERM')
    assert.deepEqual(await tsgi.exited(deadlineMs), { code: 0, signal: null })
    assert.equal(existsSync(setup.controlSocket), false, 'removed when the emperor stopped')
  },
)

test(
  'emperor-control leaves in place a socket that replaced its own when the emperor stops',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUpControlled(t)
    const tsgi = await startEmperor(t, setup)
    // Another server takes the path over (a newer emperor would): bound beside it, renamed onto it.
    const other = createServer((socket) => socket.end())
    t.after(() => other.close())
    const beside = `${setup.controlSocket}.other`
    await new Promise<void>((resolve) => other.listen(beside, resolve))
    renameSync(beside, setup.controlSocket)
    const taken = statSync(setup.controlSocket).ino
    tsgi.signal('SIGTERM')
    assert.deepEqual(await tsgi.exited(deadlineMs), { code: 0, signal: null })
    assert.equal(statSync(setup.controlSocket).ino, taken, 'the other socket is still there')
  },
)

test('tsgi reload|stop|start report a missing name, a missing socket and an emperor.ini without emperor-control', (t) => {
  const dir = makeTempDir(t)
  const missingName = runCli(['reload'])
  assert.equal(missingName.status, 2)
  assert.match(missingName.stderr, /ERR_USAGE_MISSING_ARGUMENT/)
  const badTimeout = runCli(['stop', 'x.ini', '--timeout', 'soon'])
  assert.equal(badTimeout.status, 2)
  assert.match(badTimeout.stderr, /ERR_USAGE_UNEXPECTED_ARGUMENT: .*--timeout/)

  const nobodyHere = runCli(['start', 'x.ini', path.join(dir.path, 'nobody-here.sock')])
  assert.equal(nobodyHere.status, 3)
  const lines = nobodyHere.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, nobodyHere.stderr)
  assert.match(lines[0] ?? '', /ERR_EMPEROR_CONTROL_UNREACHABLE: .*nobody-here\.sock.*no such socket/)
  const tcp = runCli(['start', 'x.ini', '127.0.0.1:9999'])
  assert.equal(tcp.status, 2, tcp.stderr)

  const ini = dir.write('emperor.ini', `emperor = ${dir.path}\n`)
  const notSet = runCli(['reload', 'x.ini', '--ini', ini])
  assert.equal(notSet.status, 1)
  assert.match(notSet.stderr, /ERR_EMPEROR_CONTROL_NOT_SET/)
})
