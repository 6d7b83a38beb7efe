// What an instance run by systemd itself (not a vassal: the emperor speaks for those) tells it: READY=1 once
// its workers accept, a STATUS saying how many serve, RELOADING=1/READY=1 around a reload, STOPPING=1 on the
// way out, and WATCHDOG=1 while its event loop turns. A master replaced by a successor (a reload that
// changed the master's own options) names the successor as the unit's MAINPID and falls silent.
import type { Logger } from '../observe/logger.js'
import { monotonicUsec, SdNotify, startWatchdog } from '../platform/sd-notify.js'

export interface InstanceNotifyOptions {
  /** Under an emperor: never talk to systemd (NOTIFY_SOCKET is not even in a vassal's environment). */
  readonly isVassal: boolean
  /** A successor master: its predecessor announces it (MAINPID, READY=1), so its own start says nothing. */
  readonly isSuccessor: boolean
}

export class InstanceNotify {
  readonly #notifier: SdNotify
  readonly #stopWatchdog: () => void
  readonly #isSuccessor: boolean
  /** 'starting' until READY=1, 'serving' afterwards, 'silent' once stopping or handed over. */
  #phase: 'starting' | 'serving' | 'silent' = 'starting'

  constructor(logger: Logger, options: InstanceNotifyOptions) {
    this.#notifier = new SdNotify(process.env, {
      warn: (line) => logger.warn(line),
      isAllowed: !options.isVassal,
    })
    this.#isSuccessor = options.isSuccessor
    this.#stopWatchdog = startWatchdog(this.#notifier)
  }

  /** What a successor master needs in its environment to speak to systemd once it is the main process. */
  successorEnvironment(): Record<string, string> {
    return this.#notifier.successorEnvironment()
  }

  /** The workers accept: `status` says how many (the line the log says too). */
  ready(status: string): void {
    if (this.#phase !== 'starting') return
    this.#phase = 'serving'
    if (this.#isSuccessor) return
    this.#notifier.notify({ READY: 1, MAINPID: process.pid, STATUS: status })
  }

  reloading(): void {
    if (this.#phase !== 'serving') return
    this.#notifier.notify({ RELOADING: 1, MONOTONIC_USEC: monotonicUsec() })
  }

  /** The reload finished (done or aborted, the instance serves either way). */
  reloaded(status: string): void {
    if (this.#phase !== 'serving') return
    this.#notifier.notify({ READY: 1, STATUS: status })
  }

  /** A successor master serves: it becomes the unit's main process, and this one says nothing more. */
  handedOver(successorPid: number): void {
    if (this.#phase === 'silent') return
    this.#notifier.notify({
      MAINPID: successorPid,
      READY: 1,
      STATUS: `a new master (pid ${successorPid}) serves`,
    })
    this.#silence()
  }

  stopping(): void {
    if (this.#phase === 'silent') return
    this.#notifier.notify({ STOPPING: 1 })
    this.#silence()
  }

  #silence(): void {
    this.#phase = 'silent'
    this.#stopWatchdog()
    this.#notifier.close()
  }
}
