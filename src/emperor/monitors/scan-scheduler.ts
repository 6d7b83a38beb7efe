// When a glob monitor scans: at start, at every `emperor-freq` (the safety net behind inotify), when a
// watcher fires, and when something it waits for is due. The first event after a quiet spell is scanned
// within `firstEventMs`, so a dropped file is seen at once; events that follow it within `coalesceMs` are a
// burst (an editor's save, 200 files at once), read by one scan `coalesceMs` after each. At most one scan
// runs at a time; one asked for while another runs follows it, `coalesceMs` later.
import { timestampTickMs } from './write-state-of.js'

/** A burst of events (an editor's save, 200 files dropped at once) is read by one scan this long after an event. */
export const coalesceMs = 50
/**
 * The first event after `coalesceMs` without one is scanned this soon: a deploy tool's write and rename are
 * done by then, and the write that made the event is a timestamp tick old, so a closed file is final at
 * that scan. What follows within `coalesceMs` coalesces as a burst.
 */
const firstEventMs = timestampTickMs + 1

export interface ScanSchedulerOptions {
  /** Period of the full rescan (`emperor-freq`). */
  readonly freqMs: number
  /** Where a scan that failed goes; the next scan retries. */
  readonly onError: (error: unknown) => void
}

export class ScanScheduler {
  readonly #scan: () => Promise<void>
  readonly #freqMs: number
  readonly #onError: (error: unknown) => void
  #isStarted = false
  #isClosed = false
  #periodic: NodeJS.Timeout | undefined
  #soon: NodeJS.Timeout | undefined
  #soonAtMs = Infinity
  /** When a watcher last fired (performance.now()): the next event is a burst's or a quiet spell's first. */
  #lastEventMs = -Infinity
  /** At most one scan runs at a time; a request during one sets #isScanRequested and runs after it. */
  #isScanning = false
  #isScanRequested = false

  constructor(scan: () => Promise<void>, options: ScanSchedulerOptions) {
    this.#scan = scan
    this.#freqMs = options.freqMs
    this.#onError = options.onError
  }

  /** The periodic scans, and the first one now; no scan is asked for before this. */
  start(): void {
    if (this.#isStarted || this.#isClosed) return
    this.#isStarted = true
    this.#periodic = setInterval(() => this.scanIn(0), this.#freqMs)
    this.scanIn(0)
  }

  /** A watcher fired. */
  onEvent(): void {
    const nowMs = performance.now()
    const isQuiet = nowMs - this.#lastEventMs >= coalesceMs
    this.#lastEventMs = nowMs
    this.scanIn(isQuiet ? firstEventMs : coalesceMs)
  }

  /** Asks for a scan within `delayMs`; an earlier request already scheduled covers it. */
  scanIn(delayMs: number): void {
    if (this.#isClosed || !this.#isStarted) return
    const atMs = performance.now() + delayMs
    if (this.#soon !== undefined && this.#soonAtMs <= atMs) return
    clearTimeout(this.#soon)
    this.#soonAtMs = atMs
    this.#soon = setTimeout(() => {
      this.#soon = undefined
      this.#soonAtMs = Infinity
      this.#run()
    }, delayMs)
  }

  /** No scan starts after this (one under way finishes). */
  close(): void {
    this.#isClosed = true
    clearInterval(this.#periodic)
    clearTimeout(this.#soon)
  }

  #run(): void {
    if (this.#isClosed) return
    if (this.#isScanning) {
      this.#isScanRequested = true
      return
    }
    this.#isScanning = true
    // Nothing may escape into the timer or watcher callback that started this: report it, and the next scan retries.
    this.#scan()
      .catch(this.#onError)
      .finally(() => {
        this.#isScanning = false
        if (this.#isScanRequested) {
          this.#isScanRequested = false
          this.scanIn(coalesceMs)
        }
      })
  }
}
