// A glob monitor's settle bookkeeping: the set of vassal files it last reported, and the names whose new
// stamp (or absence) waits before it joins that set, because the file may still be being written (never
// spawn a half-written file, uWSGI's §8 item 9). A stamp whose write state is `finished` joins at once; the
// rest join once the same stamp has been seen for `settleMs`, unless a writer is known to have it open still;
// anything still changing joins after a bound. A removal waits `settleMs` too.
import type { BigIntStats } from 'node:fs'

import type { VassalFile } from './monitor.js'
import { isSameVassalFile, isSameVassalSet } from './monitor.js'
import type { WriteState } from './write-state-of.js'

/** A file still changing after this long is reported anyway: waiting must end, and its next change is seen too. */
const maxSettleMs = 2000
/** The pending stamp of a reported file that has disappeared: an editor may be about to write it again. */
const absent = ''

/** A vassal file as one scan saw it. */
export interface Observed {
  readonly file: VassalFile
  /** Whether the content can still be being written (`finished` for a stamp already reported). */
  readonly state: WriteState
  /** The stat of the stamp, for asking again whether a writer still has it open. */
  readonly stats: BigIntStats
}

interface Pending {
  readonly stamp: string
  /** When this stamp was first seen (performance.now()). */
  readonly sinceMs: number
  /** When the name first became pending, whatever its stamps since; bounds the wait by `maxSettleMs`. */
  readonly firstMs: number
}

export interface Settled {
  /** The scan's files whose change has not joined the set yet. */
  readonly waiting: readonly Observed[]
  /** The set to report, when it changed (the first one once nothing is pending); else undefined. */
  readonly report: Map<string, VassalFile> | undefined
}

export interface SettledSetOptions {
  readonly settleMs: number
  /** Where a file reported before it settled is said to be (one line each, without the monitor's name). */
  readonly warn: (text: string) => void
}

export class SettledSet {
  readonly #settleMs: number
  readonly #maxSettleMs: number
  readonly #warn: (text: string) => void
  /** undefined until the first settle that reports; then the set last reported. */
  #reported: Map<string, VassalFile> | undefined
  /** Names whose new stamp (or absence) is not reported yet, because the file may still be being written. */
  readonly #pending = new Map<string, Pending>()

  constructor(options: SettledSetOptions) {
    this.#settleMs = options.settleMs
    this.#maxSettleMs = Math.max(maxSettleMs, 2 * this.#settleMs)
    this.#warn = options.warn
  }

  /** Whether a stamp was already reported for `name`: it is never asked about again. */
  isReported(name: string, stamp: string): boolean {
    return this.#reported?.get(name)?.stamp === stamp
  }

  /** Whether a change waits to settle, so a scan must follow within `settleMs`. */
  get hasPending(): boolean {
    return this.#pending.size > 0
  }

  /** Moves what has settled from one scan's files into the reported set; says what waits and what to report. */
  settle(files: ReadonlyMap<string, Observed>): Settled {
    const nowMs = performance.now()
    const reported = this.#reported ?? new Map<string, VassalFile>()
    const next = new Map(reported)
    for (const [name, seen] of files) {
      const before = reported.get(name)
      if (before?.stamp === seen.file.stamp) {
        // Same content; an owner or link change is metadata and final at once.
        this.#pending.delete(name)
        if (!isSameVassalFile(before, seen.file)) next.set(name, seen.file)
        continue
      }
      const pending = this.#pending.get(name)
      const isFinished = seen.state === 'finished'
      // Left alone for the settle time, unless a writer is known to have it open still.
      const isStable =
        seen.state !== 'open' &&
        pending?.stamp === seen.file.stamp &&
        nowMs - pending.sinceMs >= this.#settleMs
      const isOverdue = pending !== undefined && nowMs - pending.firstMs >= this.#maxSettleMs
      if (isFinished || isStable || isOverdue) {
        if (!isFinished && !isStable)
          this.#warn(
            `${seen.file.path} is still ${seen.state === 'open' ? 'open for writing' : 'changing'} after ${this.#maxSettleMs} ms: reporting it`,
          )
        next.set(name, seen.file)
        this.#pending.delete(name)
      } else if (pending?.stamp !== seen.file.stamp) {
        this.#pending.set(name, {
          stamp: seen.file.stamp,
          sinceMs: nowMs,
          firstMs: pending?.firstMs ?? nowMs,
        })
      }
    }
    for (const name of reported.keys()) {
      if (files.has(name)) continue
      // A removal waits the settle time too: an editor that deletes and rewrites a file gets a reload, not a stop and a start.
      const pending = this.#pending.get(name)
      if (pending?.stamp !== absent)
        this.#pending.set(name, { stamp: absent, sinceMs: nowMs, firstMs: nowMs })
      else if (nowMs - pending.sinceMs >= this.#settleMs) {
        next.delete(name)
        this.#pending.delete(name)
      }
    }
    for (const name of this.#pending.keys())
      if (!files.has(name) && !reported.has(name)) this.#pending.delete(name)
    const waiting = [...files.values()].filter((seen) => this.#pending.has(seen.file.name))
    // The first report waits for files still being written, so that it is the complete initial set.
    if (this.#reported === undefined && this.#pending.size > 0) return { waiting, report: undefined }
    if (this.#reported !== undefined && isSameVassalSet(reported, next)) return { waiting, report: undefined }
    this.#reported = next
    return { waiting, report: new Map(next) }
  }

  /** Forgets what was pending: a closed monitor reports nothing more. */
  close(): void {
    this.#pending.clear()
  }
}
