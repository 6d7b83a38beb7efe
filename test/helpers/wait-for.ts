// Bounded waits for tests (STYLE.md section 6): poll a condition, or wait for a child to exit. The deadline
// only bounds a hang, it asserts nothing about time; its failure message says what did not happen.
import type { ChildProcess } from 'node:child_process'
import { once, type EventEmitter } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'

export interface WaitOptions {
  /** How long to wait before failing; 10 s unless told. */
  readonly timeoutMs?: number
  /** Pause between probes; 50 ms unless told. */
  readonly intervalMs?: number
}

export interface ExitStatus {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

const defaultTimeoutMs = 10_000
const defaultIntervalMs = 50

function timedOut(timeoutMs: number, what: string): Error {
  return new Error(`timed out after ${timeoutMs}ms waiting for ${what}`)
}

/**
 * Calls `probe` until it returns something other than `undefined`, and returns that. A probe that throws
 * ends the wait with its error; a probe that never settles is cut off by the deadline too.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs
  const intervalMs = options.intervalMs ?? defaultIntervalMs
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const remaining = deadline - performance.now()
    if (remaining <= 0) throw timedOut(timeoutMs, what)
    const value = await settleBefore(Promise.resolve().then(probe), remaining, () =>
      timedOut(timeoutMs, what),
    )
    if (value !== undefined) return value
    const left = deadline - performance.now()
    if (left <= 0) throw timedOut(timeoutMs, what)
    await delay(Math.min(intervalMs, left))
  }
}

/** Resolves when `child` has exited (at once if it already has). */
export function waitForExit(child: ChildProcess, what: string, timeoutMs: number): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  }
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  return settleBefore(exited, timeoutMs, () => timedOut(timeoutMs, `${what} (pid ${child.pid}) to exit`))
}

/** `promise`, or a rejection with `onTimeout()` if it has not settled within `timeoutMs`. */
function settleBefore<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

/** Resolves with the arguments of the next `event` on `emitter`; rejects on its 'error' or the deadline. */
export async function waitForEvent(
  emitter: EventEmitter,
  event: string,
  what: string,
  timeoutMs: number,
): Promise<unknown[]> {
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    return await once(emitter, event, { signal })
  } catch (error) {
    if (signal.aborted) throw timedOut(timeoutMs, what)
    throw error
  }
}
