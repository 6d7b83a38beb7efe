// The re-probe of vassal files a process had open for writing at the last scan (write-state-of.ts): asked
// about again, cheaply, until a writer closes one, so that the scan which reports it follows at once
// instead of at the next settle or rescan.
import type { BigIntStats } from 'node:fs'

import { isOpenForWriting } from '../../platform/is-open-for-writing.js'

/** How often a file a process has open for writing is asked about again (one open, fcntl and close). */
const writerPollMs = 10

/** A file seen open for writing, and the stat of the version that was seen. */
export interface OpenFile {
  readonly file: { readonly path: string }
  /** The stat of the stamp, for asking again whether a writer still has it open. */
  readonly stats: BigIntStats
}

export interface WriterPollOptions {
  /** emperor-nofollow: the stamp is the link's own. */
  readonly isNofollow: boolean
  /** One of the files is no longer open for writing: time for the scan that reports it. */
  readonly onClosed: () => void
}

export class WriterPoll {
  readonly #isNofollow: boolean
  readonly #onClosed: () => void
  /** Pending files a process had open for writing at the last scan, polled until one is closed. */
  #writing: readonly OpenFile[] = []
  /** The timer of the next poll of #writing, also set while a poll's answers are awaited; else undefined. */
  #timer: NodeJS.Timeout | undefined
  #isClosed = false

  constructor(options: WriterPollOptions) {
    this.#isNofollow = options.isNofollow
    this.#onClosed = options.onClosed
  }

  /** From now on, polls `writing` (the last scan's open files) instead of what it polled before. */
  poll(writing: readonly OpenFile[]): void {
    this.#writing = writing
    this.#pollWriters()
  }

  close(): void {
    this.#isClosed = true
    clearTimeout(this.#timer)
    this.#writing = []
  }

  /** Asks again, every `writerPollMs`, whether the files a writer had open still are; `onClosed` once one is not. */
  #pollWriters(): void {
    if (this.#isClosed || this.#timer !== undefined || this.#writing.length === 0) return
    this.#timer = setTimeout(() => {
      const questions = this.#writing.map(({ file, stats }) =>
        isOpenForWriting(file.path, { isNofollow: this.#isNofollow, version: stats }),
      )
      void Promise.all(questions).then((answers) => {
        this.#timer = undefined
        // Closed: the scan that reports it. Changed or gone (undefined): its inotify event brings that scan.
        if (answers.includes(false)) this.#onClosed()
        else this.#pollWriters()
      })
    }, writerPollMs)
  }
}
