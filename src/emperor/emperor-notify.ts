// What the emperor tells systemd (DESIGN.md "Signals, reloads and timeouts"): READY=1 once the initial scan
// is applied and each initial vassal is ready or has failed (a broken vassal never blocks start-up), the
// seed's `STATUS=The Emperor is governing N vassals` whenever N changes, RELOADING=1/READY=1 around a SIGHUP,
// STOPPING=1 on the way out, and WATCHDOG=1 while its event loop turns.
import type { Logger } from '../observe/logger.js'
import { monotonicUsec, SdNotify, startWatchdog } from '../platform/sd-notify.js'
import type { VassalState } from './vassal-state.js'

/** The parts of a vassal the readiness rule reads. */
interface VassalView {
  readonly name: string
  readonly state: VassalState
}

export class EmperorNotify {
  readonly #notifier: SdNotify
  readonly #stopWatchdog: () => void
  /**
   * The start-up phases: 'scanning' until every monitor has reported once, 'starting' while an initial
   * vassal is still spawning (the names it waits for are in #initial), 'ready' once READY=1 went out.
   */
  #phase: 'scanning' | 'starting' | 'ready' = 'scanning'
  #initial: ReadonlySet<string> = new Set()
  #governing = -1
  #isStopping = false

  constructor(logger: Logger) {
    this.#notifier = new SdNotify(process.env, { warn: (line) => logger.warn(`[emperor] ${line}`) })
    this.#stopWatchdog = startWatchdog(this.#notifier)
  }

  /** Called after every state change and rescan, with whether every monitor has reported its first scan. */
  update(vassals: Iterable<VassalView>, isScanApplied: boolean, governing: number): void {
    if (this.#isStopping) return
    const all = [...vassals]
    if (this.#phase === 'scanning' && isScanApplied) {
      this.#phase = 'starting'
      this.#initial = new Set(all.map((vassal) => vassal.name))
    }
    // Counts seen while the first scan is still being applied are half-built: the status starts after it.
    if (this.#phase !== 'scanning' && governing !== this.#governing) {
      this.#governing = governing
      this.#notifier.notify({ STATUS: statusOf(governing) })
    }
    if (this.#phase !== 'starting') return
    // Ready, throttled, invalid, refused or gone: each counts as done; only a spawning one holds READY back.
    const isWaiting = all.some((vassal) => this.#initial.has(vassal.name) && vassal.state === 'spawning')
    if (isWaiting) return
    this.#phase = 'ready'
    // MAINPID: systemd may have started a wrapper that forked us (NotifyAccess=all); it is this process.
    this.#notifier.notify({ READY: 1, MAINPID: process.pid })
  }

  /** SIGHUP received: systemd shows the unit as reloading until reloaded(). */
  reloading(): void {
    // Before READY=1 systemd still shows the unit as starting: a reload then changes nothing it sees.
    if (this.#isStopping || this.#phase !== 'ready') return
    this.#notifier.notify({ RELOADING: 1, MONOTONIC_USEC: monotonicUsec() })
  }

  reloaded(): void {
    if (this.#isStopping || this.#phase !== 'ready') return
    this.#notifier.notify({ READY: 1 })
  }

  stopping(): void {
    if (this.#isStopping) return
    this.#isStopping = true
    this.#stopWatchdog()
    this.#notifier.notify({ STOPPING: 1, STATUS: 'The Emperor is stopping its vassals' })
  }

  /** After the last vassal stopped: the socket is closed. */
  close(): void {
    this.#stopWatchdog()
    this.#notifier.close()
  }
}

/** The seed page's wording, so `systemctl status` reads as it shows. */
function statusOf(governing: number): string {
  return `The Emperor is governing ${governing} vassals`
}
