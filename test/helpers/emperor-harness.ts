// An emperor with real vassals for integration tests: a 0755 temp dir with the fixture apps, a vassal
// directory, a run/ dir for the vassals' unix sockets, vassal files written from a few options, waits on the
// emperor's state lines, and a load that counts every answer and failure. Every wait is bounded by a deadline
// that only bounds a hang (CI has 2 cores: the deadlines are generous).
import assert from 'node:assert/strict'
import { chownSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { TestContext } from 'node:test'

import { fixturePath } from './fixture-path.js'
import { httpRequest } from './http-client.js'
import { startTsgi, type RunningTsgi } from './start-tsgi.js'
import { makeTempDir } from './temp-dir.js'
import { isRoot } from './test-users.js'
import { waitFor } from './wait-for.js'

/** Bounds every wait on the emperor: a vassal is two Node processes, and CI has 2 cores. */
export const deadlineMs = 60_000
/** The uid (and gid) of nobody/nogroup, which vassals drop to when the tests run as root. */
export const nobody = 65534

export interface Setup {
  readonly base: string
  readonly vassalDir: string
  /** Where vassals put their unix sockets: writable by the user they drop to, so vacuum works. */
  readonly runDir: string
  readonly emperorIni: string
}

/** A 0755 temp dir with the fixture apps, an empty vassal directory, a run/ dir and emperor.ini. */
export function setUp(t: TestContext, emperorLines: readonly string[] = []): Setup {
  const dir = makeTempDir(t)
  for (const app of ['hello.mjs', 'broken.mjs', 'busy-loop.mjs', 'load-gate.mjs'])
    dir.write(path.join('apps', app), readFileSync(fixturePath('apps', app)))
  const vassalDir = path.join(dir.path, 'vassals')
  mkdirSync(vassalDir, { mode: 0o755 })
  const runDir = path.join(dir.path, 'run')
  mkdirSync(runDir, { mode: 0o755 })
  if (isRoot()) chownSync(runDir, nobody, nobody)
  const emperorIni = dir.write(
    'emperor.ini',
    ['; the emperor of one test', `emperor = ${vassalDir}`, ...emperorLines, ''].join('\n'),
  )
  return { base: dir.path, vassalDir, runDir, emperorIni }
}

export interface VassalOptions {
  /** The app in apps/ (hello.mjs unless told). */
  readonly app?: string
  /** Extra ini lines, after the usual ones. */
  readonly lines?: readonly string[]
  /** As root, add `uid = nobody`/`gid = nogroup` (a root emperor refuses app code as root); true unless told. */
  readonly hasIdentity?: boolean
  /** The directory of its socket; the setup's run/ unless told. */
  readonly runDir?: string
}

export const socketOf = (setup: Setup, stem: string, runDir = setup.runDir): string =>
  path.join(runDir, `${stem}.sock`)

export function vassalText(setup: Setup, stem: string, options: VassalOptions = {}): string {
  const identity = isRoot() && options.hasIdentity !== false ? ['uid = nobody', 'gid = nogroup'] : []
  return [
    `; vassal ${stem} of an emperor test`,
    `http-socket = ${socketOf(setup, stem, options.runDir)}`,
    `module = ${path.join(setup.base, 'apps', options.app ?? 'hello.mjs')}`,
    'vacuum = true',
    ...identity,
    ...(options.lines ?? []),
    '',
  ].join('\n')
}

export function writeVassal(setup: Setup, stem: string, options: VassalOptions = {}): string {
  const file = path.join(setup.vassalDir, `${stem}.ini`)
  writeFileSync(file, vassalText(setup, stem, options))
  return file
}

export async function startEmperor(t: TestContext, setup: Setup): Promise<RunningTsgi> {
  return startTsgi(t, ['--ini', setup.emperorIni], {
    cwd: setup.base,
    readyPattern: /The Emperor is governing/,
  })
}

export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The emperor's line for vassal `name` entering `state` (from any state), as `[emperor] vassal NAME: A → B (reason)`. */
export const entered = (name: string, state: string): RegExp =>
  new RegExp(`\\[emperor\\] vassal ${escapeRegExp(name)}: \\S+ → ${state} \\(`)

export function waitForState(
  tsgi: RunningTsgi,
  name: string,
  state: string,
  from = 0,
): Promise<RegExpExecArray> {
  return tsgi.waitForOutput(entered(name, state), { from, timeoutMs: deadlineMs })
}

export interface Answer {
  readonly pid: number
  readonly greeting: string | null
}

/** One GET over the vassal's unix http-socket; a non-200 answer is a failure. */
export async function ask(socketPath: string, urlPath = '/'): Promise<Answer> {
  const response = await httpRequest({ socketPath, path: urlPath }, { timeoutMs: 30_000 })
  assert.equal(response.status, 200, `GET ${urlPath} on ${socketPath}: ${response.body.toString()}`)
  return JSON.parse(response.body.toString()) as Answer
}

export interface Tally {
  readonly ok: number
  readonly failures: readonly string[]
  readonly pids: ReadonlySet<number>
}

export interface Asker {
  /** What was answered so far. */
  tally(): Tally
  /** Ends the loop after the requests in flight, and returns the tally. */
  stop(): Promise<Tally>
}

/** Far more requests than any test needs: it bounds the loop should stop() never come. */
const maxRequests = 200_000

/**
 * Keeps `lanes` clients asking `socketPath` one request after another until stop() (registered for the end
 * of the test too, so a failing test never leaves it running). Counts answers, failures and worker pids.
 */
export function keepAsking(t: TestContext, socketPath: string, lanes = 1): Asker {
  let ok = 0
  const failures: string[] = []
  const pids = new Set<number>()
  let sent = 0
  let isStopped = false
  const lane = async (): Promise<void> => {
    while (!isStopped && sent < maxRequests) {
      sent++
      try {
        pids.add((await ask(socketPath)).pid)
        ok++
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error))
      }
    }
  }
  const running = Promise.all(Array.from({ length: lanes }, lane))
  const tally = (): Tally => ({ ok, failures: [...failures], pids: new Set(pids) })
  const stop = async (): Promise<Tally> => {
    isStopped = true
    await running
    return tally()
  }
  t.after(stop)
  return { tally, stop }
}

export function waitForAnswers(asker: Asker, count: number, what: string): Promise<true> {
  return waitFor(
    `${count} answers ${what} (${asker.tally().failures.length} failures so far)`,
    () => {
      const { ok, failures } = asker.tally()
      if (failures.length > 0) throw new Error(`a request failed ${what}: ${failures[0] ?? ''}`)
      return ok >= count ? true : undefined
    },
    { timeoutMs: deadlineMs },
  )
}

export function assertNoFailure(tally: Tally, what: string): void {
  assert.deepEqual(
    tally.failures.slice(0, 3),
    [],
    `${tally.failures.length} of ${tally.ok + tally.failures.length} requests failed: ${what}`,
  )
  assert.ok(tally.ok > 0, `some requests were answered: ${what}`)
}

/** Writes the vassal file and sets its times, so that the monitor reports it at once (its ctime is past its mtime). */
export function editVassal(setup: Setup, stem: string, options: VassalOptions): void {
  const file = path.join(setup.vassalDir, `${stem}.ini`)
  writeFileSync(file, vassalText(setup, stem, options))
  const now = new Date()
  utimesSync(file, now, now)
}
