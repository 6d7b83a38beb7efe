// The record of one vassal's lives: when the emperor first saw it, when its processes started, last served
// and last died, how often it was respawned, and the throttle of its quick deaths. vassal.ts writes it; the
// stats document (emperor-stats-document.ts, uWSGI's fields) reads it.
import { RespawnThrottle, type ThrottleOptions } from './respawn-throttle.js'

export interface VassalExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly at: number
}

export class VassalRecord {
  /** Epoch ms: when the emperor first saw this vassal. */
  readonly bornAt = Date.now()
  #startedAt = 0
  #firstRunAt = 0
  #lastReadyAt = 0
  /** When the first start of the current streak of quick deaths happened (for the stats' blacklist). */
  #streakStartedAt = 0
  #throttleMs = 0
  #lastExit: VassalExit | undefined
  #respawns = 0
  readonly #throttle: RespawnThrottle

  constructor(throttle: ThrottleOptions) {
    this.#throttle = new RespawnThrottle(throttle)
  }

  /** A process of the vassal started now. */
  started(): void {
    this.#startedAt = Date.now()
    if (this.#firstRunAt === 0) this.#firstRunAt = this.#startedAt
    if (this.#throttle.quickDeaths === 0) this.#streakStartedAt = this.#startedAt
  }

  /** Its process said it serves. */
  served(): void {
    this.#lastReadyAt = Date.now()
  }

  exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.#lastExit = { code, signal, at: Date.now() }
  }

  /** Its process died and is to be respawned: how long to wait before (0: at once). */
  respawnDelayMs(): number {
    const delay = this.#throttle.delayAfterDeath(Date.now() - this.#startedAt)
    this.#respawns++
    if (delay !== 0) this.#throttleMs = delay
    return delay
  }

  /** A new file, or the operator: the next start is not one more try of a crash loop. */
  resetThrottle(): void {
    this.#throttle.reset()
  }

  get lastExit(): VassalExit | undefined {
    return this.#lastExit
  }

  get respawns(): number {
    return this.#respawns
  }

  /** Epoch ms of its first and of its latest process start; 0 before any. */
  get firstRunAt(): number {
    return this.#firstRunAt
  }

  get lastRunAt(): number {
    return this.#startedAt
  }

  /** Epoch ms: when it last said it serves; 0 if never. */
  get lastReadyAt(): number {
    return this.#lastReadyAt
  }

  /** The delay before its latest throttled try (the vassal reports it only while `throttled`). */
  get throttleMs(): number {
    return this.#throttleMs
  }

  /** Deaths soon after a start in the current streak, and when that streak's first start happened. */
  get quickDeaths(): number {
    return this.#throttle.quickDeaths
  }

  get streakStartedAt(): number {
    return this.#streakStartedAt
  }
}
