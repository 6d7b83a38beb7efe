// Stopping one vassal process (STYLE.md section 5): the signal, then SIGKILL to that pid after the mercy.
import type { ChildProcess } from 'node:child_process'

export interface TerminateOptions {
  /** SIGTERM for a graceful stop (the default), SIGKILL for an immediate one. */
  readonly signal?: NodeJS.Signals
  /** emperor-curse-tolerance: how long the process may take before SIGKILL. */
  readonly mercyMs: number
}

/** Resolves when the process is gone; at once if there is none or it already exited. */
export function terminateVassalProcess(
  child: ChildProcess | undefined,
  options: TerminateOptions,
): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.mercyMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill(options.signal ?? 'SIGTERM')
  })
}
