// How long a crash-looping vassal waits before its next start (uWSGI's blacklist throttle, reference §1.8):
// each death soon after a start adds `emperor-throttle` to the delay, up to `emperor-max-throttle`; a vassal
// that lived long enough starts again at once. Pure.

export interface ThrottleOptions {
  readonly baseMs: number
  readonly maxMs: number
  /** A vassal that lived at least this long was healthy: its next start is immediate. */
  readonly healthyLifetimeMs: number
}

export class RespawnThrottle {
  readonly #options: ThrottleOptions
  #quickDeaths = 0

  constructor(options: ThrottleOptions) {
    this.#options = options
  }

  /** Records a death after `livedMs` and returns how long to wait before the next start. */
  delayAfterDeath(livedMs: number): number {
    if (livedMs >= this.#options.healthyLifetimeMs) {
      this.#quickDeaths = 0
      return 0
    }
    this.#quickDeaths++
    return Math.min(this.#options.maxMs, this.#options.baseMs * this.#quickDeaths)
  }

  /** The vassal reached `ready`: the streak of quick deaths is not broken yet (it may die right away). */
  get quickDeaths(): number {
    return this.#quickDeaths
  }

  reset(): void {
    this.#quickDeaths = 0
  }
}
