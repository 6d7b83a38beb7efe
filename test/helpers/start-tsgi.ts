// Starts a real tsgi instance (the built CLI) for a test and stops it afterwards, even when the test fails.
// Waits on its log lines, never on time. Every process it starts carries a marker variable in its
// environment, so tests count their own descendants only (DESIGN.md "Testing").
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import type { TestContext } from 'node:test'

import { tsgiMain } from './tsgi-install.js'
import { waitFor, waitForExit, type ExitStatus } from './wait-for.js'

export interface RunningTsgi {
  readonly child: ChildProcess
  readonly pid: number
  /** Everything the instance wrote to stderr and stdout so far. */
  output(): string
  /** Waits until the output matches `pattern` (after `from` characters), and returns the match. */
  waitForOutput(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<RegExpExecArray>
  /** Pids of the live processes started for this instance (master and workers), from /proc. */
  processes(): number[]
  /** The worker pids: every marked process but the master. */
  workerPids(): number[]
  signal(signal: NodeJS.Signals): void
  /** Resolves when the master exits. */
  exited(timeoutMs?: number): Promise<ExitStatus>
}

function environOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1')
  } catch {
    return ''
  }
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    return !/^\d+ \(.*\) Z/.test(stat)
  } catch {
    return false
  }
}

/** Live processes whose environment carries `marker`. */
export function markedProcesses(marker: string): number[] {
  const needle = `TSGI__TEST_MARKER=${marker}\0`
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => environOf(pid).includes(needle) && isAlive(pid))
}

export interface StartOptions {
  readonly cwd: string
  readonly env?: NodeJS.ProcessEnv
  /** A command that runs tsgi (`setpriv … --`), as a supervisor would; tsgi is started directly otherwise. */
  readonly launcher?: readonly string[]
  /** Wait for this line before returning; default: the master's "tsgi is ready". */
  readonly readyPattern?: RegExp | null
}

export async function startTsgi(
  t: TestContext,
  args: readonly string[],
  options: StartOptions,
): Promise<RunningTsgi> {
  const marker = randomUUID()
  let output = ''
  const [command = process.execPath, ...commandArgs] = [
    ...(options.launcher ?? []),
    process.execPath,
    tsgiMain(),
    ...args,
  ]
  const child = spawn(command, commandArgs, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env, TSGI__TEST_MARKER: marker },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // Registered before anything can fail: kill every process of this instance, master first.
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await waitForExit(child, 'the tsgi master to exit after SIGKILL', 10_000).catch(() => undefined)
    }
    for (const pid of markedProcesses(marker)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
  })
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const running: RunningTsgi = {
    child,
    pid: child.pid ?? -1,
    output: () => output,
    waitForOutput: (pattern, { from = 0, timeoutMs = 20_000 } = {}) =>
      waitFor(
        `tsgi output matching ${String(pattern)}`,
        () => {
          const match = pattern.exec(output.slice(from))
          if (match !== null) return match
          if (child.exitCode !== null)
            throw new Error(`tsgi exited (${child.exitCode}) before printing ${String(pattern)}:\n${output}`)
          return undefined
        },
        { timeoutMs },
      ).catch((error: unknown) => {
        // The output at the time of the failure, not of the call, says what happened instead.
        throw new Error(`${error instanceof Error ? error.message : String(error)}; output:\n${output}`)
      }),
    processes: () => markedProcesses(marker),
    workerPids: () => markedProcesses(marker).filter((pid) => pid !== child.pid),
    signal: (signal) => child.kill(signal),
    exited: (timeoutMs = 30_000) => waitForExit(child, 'the tsgi master to exit', timeoutMs),
  }
  const readyPattern = options.readyPattern === undefined ? /tsgi is ready/ : options.readyPattern
  if (readyPattern !== null) await running.waitForOutput(readyPattern)
  return running
}
