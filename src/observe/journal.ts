// Whether stderr is systemd's journal (DESIGN.md "Logs"): systemd sets JOURNAL_STREAM to the device and inode
// of the stream it connected to stdout/stderr (systemd.exec(5)); it is the journal only while fd 2 is still
// that stream (a `logto` file or a shell redirection is not). There, lines carry a `<N>` syslog priority
// (sd-daemon(3)'s SD_INFO/SD_WARNING/SD_ERR prefixes) and no timestamps of our own: journald adds its own.
import { fstatSync } from 'node:fs'

export type LogLevel = 'info' | 'warning' | 'error'

/** syslog(3) priorities: LOG_ERR, LOG_WARNING, LOG_INFO. */
const priorities: Readonly<Record<LogLevel, number>> = { error: 3, warning: 4, info: 6 }

/** JOURNAL_STREAM as `dev:ino` (decimal, as systemd writes it) equals what fstat(2) says of stderr. */
export function isStderrJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  const match = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '')
  if (match === null) return false
  try {
    const stat = fstatSync(2, { bigint: true })
    return stat.dev === BigInt(match[1] ?? '') && stat.ino === BigInt(match[2] ?? '')
  } catch {
    return false
  }
}

/** `text` with the journal's priority prefix on each of its lines (a line break would start an info line). */
export function withPriority(text: string, level: LogLevel): string {
  const prefix = `<${priorities[level]}>`
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `${prefix}${line}`))
    .join('\n')
}
