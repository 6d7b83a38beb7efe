// sd_notify(3) for tsgi (DESIGN.md decision 7): state changes sent as datagrams to systemd's NOTIFY_SOCKET (a
// path or an abstract "@name"). Node has no unix datagram sockets, so the sending is done by tsgi's own small
// N-API addon (native/notify-socket.c, built by node-gyp at `npm ci`); one socket stays open for the
// process's life, and nothing is ever shelled out per message. Without the addon tsgi runs as before, and
// says once that systemd hears nothing from it.
import { createRequire } from 'node:module'

import { packageFile } from './package-file.js'

/** The addon's three calls; each returns a negative errno on failure. */
interface NotifySocketBinding {
  open(): number
  send(fd: number, address: string, payload: Buffer): number
  close(fd: number): number
}

function isBinding(value: unknown): value is NotifySocketBinding {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Record<string, unknown>
  return ['open', 'send', 'close'].every((name) => typeof candidate[name] === 'function')
}

/** The built addon (in the package's build/Release/), or why it cannot be used. */
function loadBinding(): NotifySocketBinding | string {
  try {
    const loaded: unknown = createRequire(import.meta.url)(packageFile('build/Release/notify_socket.node'))
    return isBinding(loaded) ? loaded : 'the native module has an unexpected shape'
  } catch (error) {
    return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)
  }
}

/** One notification: systemd's variable=value pairs, in the order they should be read. */
export type NotifyFields = Readonly<Record<string, string | number>>

/** The variables of a process's supervisor that carry notifications (all removed from the environment). */
const notifyVariables = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const

export interface SdNotifyOptions {
  /** Where the notifier warns, once, that it could not be set up or that systemd stopped listening. */
  readonly warn: (line: string) => void
  /** false: this process must not talk to systemd (a vassal); the variables are still removed. */
  readonly isAllowed?: boolean
}

export class SdNotify {
  /** The NOTIFY_SOCKET address while notifications are on; undefined when off (not under systemd, or no addon). */
  readonly #address: string | undefined
  readonly #binding: NotifySocketBinding | undefined
  /** The datagram socket: opened at construction, -1 once closed (or when off). */
  #fd = -1
  /** WATCHDOG_USEC when the watchdog is meant for this process (WATCHDOG_PID unset or ours). */
  readonly #watchdogUsec: number | undefined
  readonly #warn: (line: string) => void
  #hasReportedFailure = false

  /** Takes NOTIFY_SOCKET and WATCHDOG_* out of `env` (children must never talk to systemd: DESIGN.md). */
  constructor(env: NodeJS.ProcessEnv, options: SdNotifyOptions) {
    this.#warn = options.warn
    const [address, watchdogUsec, watchdogPid] = notifyVariables.map((name) => env[name])
    for (const name of notifyVariables) Reflect.deleteProperty(env, name)
    if (options.isAllowed === false || address === undefined || address === '') {
      this.#address = undefined
      this.#binding = undefined
      this.#watchdogUsec = undefined
      return
    }
    const usec = Number(watchdogUsec)
    const isForUs = watchdogPid === undefined || Number(watchdogPid) === process.pid
    this.#watchdogUsec = Number.isSafeInteger(usec) && usec > 0 && isForUs ? usec : undefined
    const binding = loadBinding()
    const fd = typeof binding === 'string' ? -1 : binding.open()
    if (typeof binding === 'string' || fd < 0) {
      const why = typeof binding === 'string' ? binding : `socket() failed with errno ${-fd}`
      this.#warn(`sd_notify: notifications to systemd are off: ${why}`)
      this.#address = undefined
      this.#binding = undefined
      return
    }
    this.#address = address
    this.#binding = binding
    this.#fd = fd
  }

  /** Whether systemd hears from this process. */
  get isEnabled(): boolean {
    return this.#fd >= 0
  }

  /** WATCHDOG_USEC as systemd set it for this process, when notifications are on. */
  get watchdogUsec(): number | undefined {
    return this.isEnabled ? this.#watchdogUsec : undefined
  }

  /**
   * The variables a process that takes over as systemd's main process needs (a successor master): it will
   * be told MAINPID by this one, and then speaks for itself. Empty when notifications are off.
   */
  successorEnvironment(): Record<string, string> {
    if (this.#address === undefined || !this.isEnabled) return {}
    const env: Record<string, string> = { NOTIFY_SOCKET: this.#address }
    if (this.#watchdogUsec !== undefined) env.WATCHDOG_USEC = String(this.#watchdogUsec)
    return env
  }

  /** Sends `fields` as one datagram; a no-op when off. A failure is logged once, never thrown. */
  notify(fields: NotifyFields): void {
    if (this.#binding === undefined || this.#address === undefined || this.#fd < 0) return
    const text = Object.entries(fields)
      .map(([name, value]) => `${name}=${String(value).replace(/\n/g, ' ')}`)
      .join('\n')
    const status = this.#binding.send(this.#fd, this.#address, Buffer.from(`${text}\n`))
    if (status < 0 && !this.#hasReportedFailure) {
      // systemd gone (ECONNREFUSED) or its queue full (EAGAIN): nothing to retry, the next state says more.
      this.#hasReportedFailure = true
      this.#warn(`sd_notify: cannot send to ${this.#address}: errno ${-status}`)
    }
  }

  /** Closes the socket; later notify() calls do nothing. Idempotent. */
  close(): void {
    if (this.#binding === undefined || this.#fd < 0) return
    this.#binding.close(this.#fd)
    this.#fd = -1
  }
}

/** CLOCK_MONOTONIC in µs, as RELOADING=1 wants it in MONOTONIC_USEC (libuv's hrtime reads that clock). */
export function monotonicUsec(): string {
  return String(process.hrtime.bigint() / 1000n)
}

/**
 * Sends WATCHDOG=1 at half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises. The timer lives on the event
 * loop, so pings stop by themselves when the loop is stuck or the process is stopped: that is the health
 * check. Returns the function that stops it (also a no-op when no watchdog is asked for).
 */
export function startWatchdog(notifier: SdNotify): () => void {
  const usec = notifier.watchdogUsec
  if (usec === undefined) return () => undefined
  const timer = setInterval(() => notifier.notify({ WATCHDOG: 1 }), Math.max(1, Math.floor(usec / 2000)))
  // The watchdog never keeps a process alive that has nothing else to do.
  timer.unref()
  return () => clearInterval(timer)
}
