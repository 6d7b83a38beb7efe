// THE table of exit statuses (DESIGN.md "Exit codes"), and the emperor's reaction to each.
import type { ErrorKind } from '../errors/codes.js'

export const ExitCode = {
  /** Success, including a graceful stop by signal. */
  Ok: 0,
  /** Config error: the emperor retries only when the file changes (state `invalid`). */
  Config: 1,
  /** Usage error (bad command line): treated as a config error. */
  Usage: 2,
  /** Environment error at start (bind, chown, privilege, missing interpreter): respawn with throttle. */
  Environment: 3,
  /** The app failed to load with `need-app`: respawn with throttle. */
  AppLoad: 4,
  /** Internal error, a bug in tsgi: respawn with throttle. */
  Internal: 70,
} as const

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export function exitCodeOf(kind: ErrorKind): ExitCode {
  switch (kind) {
    case 'config':
      return ExitCode.Config
    case 'usage':
      return ExitCode.Usage
    case 'environment':
      return ExitCode.Environment
    case 'warning':
      return ExitCode.Ok
    case 'request':
    case 'internal':
      return ExitCode.Internal
  }
}

/** The exit code for a set of problems: a usage error outranks a config error, which outranks the rest. */
export function exitCodeOfAll(kinds: Iterable<ErrorKind>): ExitCode {
  const codes = new Set<ExitCode>([...kinds].map(exitCodeOf))
  for (const code of [ExitCode.Usage, ExitCode.Config, ExitCode.Environment, ExitCode.Internal])
    if (codes.has(code)) return code
  return ExitCode.Ok
}
