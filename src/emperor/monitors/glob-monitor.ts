// `emperor = GLOB` (and, through DirMonitor, `emperor = DIR`): which vassal files match, and when each
// changed. inotify (fs.watch) on every directory the pattern walks through says *when* to look; a scan
// says *what* is there; the periodic rescan (`emperor-freq`) catches whatever inotify could not report.
//
// Node 20's `fs.watch(dir, { recursive: true })` works on Linux, but it is emulated with one inotify watch
// per file and directory of the whole tree (measured on 20.20.2: 52 watches for one directory of 50
// files), so a pattern under /srv would watch all of /srv. This monitor watches only the directories the
// pattern can match through, which is bounded by the pattern.
//
// When a change is final (never spawn a half-written file, uWSGI's §8 item 9; write-state-of.ts): a new
// stamp is reported as soon as no process has the file open for writing, which the kernel tells through a
// read lease (`mv tmp x.ini` is reported at the first scan, though its write and rename share one timestamp
// tick), and a file a process holds open is polled, cheaply, until its writer closes it. Where the kernel
// cannot tell (no CAP_LEASE and not the owner, no leases on the filesystem, no addon), the times decide: a
// new stamp is reported once the file's mtime is `settleMs` old, or at once when its ctime is past its
// mtime (a rename, chmod or utimes after the last write), or when the same stamp has been seen for
// `settleMs`. Either way a file still changing is reported after a bound. A removal waits `settleMs` too.
// A stamp already reported is never asked about again: a rescan of settled files costs no extra syscall.
//
// When to scan: the first event after a quiet spell is scanned within `firstEventMs`, so a dropped file is
// seen at once; events that follow it within `coalesceMs` are a burst (an editor's save, 200 files at
// once), read by one scan `coalesceMs` after each.
import { watch, type BigIntStats, type FSWatcher } from 'node:fs'
import { lstat, readdir, stat } from 'node:fs/promises'
import path from 'node:path'

import type { Monitor, MonitorOptions, VassalFile } from './monitor.js'
import { isSameVassalFile, isSameVassalSet, vassalFormatOf } from './monitor.js'
import type { GlobPattern } from './compile-glob.js'
import { isOpenForWriting } from '../../platform/is-open-for-writing.js'
import { timestampTickMs, writeStateOf, type WriteState } from './write-state-of.js'

/** A burst of events (an editor's save, 200 files dropped at once) is read by one scan this long after an event. */
const coalesceMs = 50
/**
 * The first event after `coalesceMs` without one is scanned this soon: a deploy tool's write and rename are
 * done by then, and the write that made the event is a timestamp tick old, so a closed file is final at
 * that scan. What follows within `coalesceMs` coalesces as a burst.
 */
const firstEventMs = timestampTickMs + 1
/** How often a file a process has open for writing is asked about again (one open, fcntl and close). */
const writerPollMs = 10
/** A file still changing after this long is reported anyway: waiting must end, and its next change is seen too. */
const maxSettleMs = 2000
/** Stay well below the kernel's per-user inotify watch limit (8192 by default on older kernels), which other programs share. */
const maxWatches = 1024
/** The pending stamp of a reported file that has disappeared: an editor may be about to write it again. */
const absent = ''

interface Observed {
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

interface Scan {
  readonly files: Map<string, Observed>
  /** What to keep an inotify watch on: each directory walked, and each symlinked vassal's target, by dev:ino. */
  readonly watchTargets: Map<string, string>
  /** Conditions to report, by a key that stays the same while the condition lasts, so each is logged once. */
  readonly warnings: Map<string, string>
}

export class GlobMonitor implements Monitor {
  readonly #pattern: GlobPattern
  readonly #freqMs: number
  readonly #settleMs: number
  readonly #maxSettleMs: number
  readonly #log: (line: string) => void
  #onChange: ((files: ReadonlyMap<string, VassalFile>) => void) | undefined
  /** undefined until the first scan after start(); then the set last given to onChange. */
  #reported: Map<string, VassalFile> | undefined
  /** Names whose new stamp (or absence) is not reported yet, because the file may still be being written. */
  readonly #pending = new Map<string, Pending>()
  readonly #watchers = new Map<string, { readonly watcher: FSWatcher; readonly identity: string }>()
  #warnings = new Map<string, string>()
  #periodic: NodeJS.Timeout | undefined
  #soon: NodeJS.Timeout | undefined
  #soonAtMs = Infinity
  /** When a watcher last fired (performance.now()): the next event is a burst's or a quiet spell's first. */
  #lastEventMs = -Infinity
  /** Pending files a process had open for writing at the last scan, polled until one is closed. */
  #writing: Observed[] = []
  /** The timer of the next poll of #writing, also set while a poll's answers are awaited; else undefined. */
  #writerPoll: NodeJS.Timeout | undefined
  /** At most one scan runs at a time; a request during one sets #isScanRequested and runs after it. */
  #isScanning = false
  #isScanRequested = false
  #isClosed = false

  /** emperor-nofollow: a symlinked vassal's stamp is the link's own, so only replacing the link counts. */
  readonly #isNofollow: boolean

  constructor(pattern: GlobPattern, options: MonitorOptions) {
    this.#pattern = pattern
    this.#freqMs = options.freqMs
    this.#settleMs = options.settleMs ?? 100
    this.#maxSettleMs = Math.max(maxSettleMs, 2 * this.#settleMs)
    this.#log = options.log
    this.#isNofollow = options.isNofollow === true
  }

  start(onChange: (files: ReadonlyMap<string, VassalFile>) => void): void {
    if (this.#isClosed || this.#onChange !== undefined) return
    this.#onChange = onChange
    this.#periodic = setInterval(() => this.#scanIn(0), this.#freqMs)
    this.#scanIn(0)
  }

  rescan(): void {
    this.#scanIn(0)
  }

  close(): void {
    if (this.#isClosed) return
    this.#isClosed = true
    this.#onChange = undefined
    clearInterval(this.#periodic)
    clearTimeout(this.#soon)
    clearTimeout(this.#writerPoll)
    this.#writing = []
    for (const { watcher } of this.#watchers.values()) watcher.close()
    this.#watchers.clear()
    this.#pending.clear()
  }

  #onEvent(): void {
    const nowMs = performance.now()
    const isQuiet = nowMs - this.#lastEventMs >= coalesceMs
    this.#lastEventMs = nowMs
    this.#scanIn(isQuiet ? firstEventMs : coalesceMs)
  }

  /** Asks for a scan within `delayMs`; an earlier request already scheduled covers it. */
  #scanIn(delayMs: number): void {
    if (this.#isClosed || this.#onChange === undefined) return
    const atMs = performance.now() + delayMs
    if (this.#soon !== undefined && this.#soonAtMs <= atMs) return
    clearTimeout(this.#soon)
    this.#soonAtMs = atMs
    this.#soon = setTimeout(() => {
      this.#soon = undefined
      this.#soonAtMs = Infinity
      this.#runScan()
    }, delayMs)
  }

  #runScan(): void {
    if (this.#isClosed) return
    if (this.#isScanning) {
      this.#isScanRequested = true
      return
    }
    this.#isScanning = true
    // Nothing may escape into the timer or watcher callback that started this: log, and the next scan retries.
    this.#scan()
      .catch((error: unknown) => this.#log(`${this.#describe()}: scan failed: ${String(error)}`))
      .finally(() => {
        this.#isScanning = false
        if (this.#isScanRequested) {
          this.#isScanRequested = false
          this.#scanIn(coalesceMs)
        }
      })
  }

  async #scan(): Promise<void> {
    const scan = await this.#collect()
    if (this.#isClosed) return
    this.#syncWatchers(scan)
    for (const [key, line] of scan.warnings) if (!this.#warnings.has(key)) this.#log(line)
    if (this.#warnings.has('missing') && !scan.warnings.has('missing'))
      this.#log(`${this.#describe()}: ${this.#pattern.base} is back`)
    this.#warnings = scan.warnings
    this.#settle(scan.files)
  }

  /** Walks the pattern level by level: each level's directories, then the entries that match its component. */
  async #collect(): Promise<Scan> {
    const scan: Scan = { files: new Map(), watchTargets: new Map(), warnings: new Map() }
    const { base, segments } = this.#pattern
    const wallNs = BigInt(Date.now()) * 1_000_000n
    let dirs = [base]
    const leaves: string[] = []
    for (const [depth, segment] of segments.entries()) {
      const isLeaf = depth === segments.length - 1
      const next: string[] = []
      for (const dir of dirs) {
        const identity = await identityOf(dir)
        let failure =
          typeof identity === 'string' ? (identity.startsWith('d') ? undefined : 'ENOTDIR') : identity.code
        let names: string[] = []
        if (failure === undefined) {
          try {
            names =
              segment.kind === 'literal'
                ? [segment.name]
                : (await readdir(dir)).filter((name) => segment.test(name))
          } catch (error) {
            failure = codeOf(error)
          }
        }
        if (failure !== undefined) {
          // One key for the prefix, whichever call failed first, so a directory removed mid-scan logs once.
          if (depth === 0)
            this.#warn(scan, 'missing', `cannot read ${base} (${failure}): no vassals until it is back`)
          else if (failure !== 'ENOENT' && failure !== 'ENOTDIR')
            this.#warn(scan, `readdir:${dir}`, `cannot read ${dir} (${failure})`)
          continue
        }
        scan.watchTargets.set(dir, String(identity))
        const children = names.map((name) => path.join(dir, name))
        if (isLeaf) leaves.push(...children.filter((child) => vassalFormatOf(path.basename(child))))
        else {
          const kinds = await Promise.all(children.map(identityOf))
          next.push(...children.filter((_child, index) => String(kinds[index]).startsWith('d')))
        }
      }
      dirs = next
    }
    const observed = await Promise.all(leaves.map((leaf) => this.#observe(leaf, wallNs, scan)))
    // Sorted, so that when two paths map to one name the same one wins on every scan.
    const found = observed
      .filter((item) => item !== undefined)
      .sort((a, b) => (a.file.path < b.file.path ? -1 : 1))
    for (const item of found) {
      const taken = scan.files.get(item.file.name)
      if (taken === undefined) scan.files.set(item.file.name, item)
      else {
        const { path: file, name } = item.file
        this.#warn(
          scan,
          `name:${file}`,
          `ignoring ${file}: its vassal name "${name}" is taken by ${taken.file.path}`,
        )
      }
    }
    return scan
  }

  async #observe(file: string, wallNs: bigint, scan: Scan): Promise<Observed | undefined> {
    let link: BigIntStats
    let target: BigIntStats
    try {
      link = await lstat(file, { bigint: true })
      target = link.isSymbolicLink() ? await stat(file, { bigint: true }) : link
    } catch (error) {
      const code = codeOf(error)
      // Gone since readdir, or a dangling symlink: simply absent.
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ELOOP')
        this.#warn(scan, `stat:${file}`, `cannot stat ${file} (${code}): treated as absent`)
      return undefined
    }
    if (!target.isFile()) return undefined
    const format = vassalFormatOf(path.basename(file))
    if (format === undefined) return undefined
    // A symlinked vassal's target is edited through its own path, which the directory watch never sees.
    if (link !== target) scan.watchTargets.set(file, `f${target.dev}:${target.ino}`)
    const name = path.relative(this.#pattern.base, file).split(path.sep).join('_')
    const stats = this.#isNofollow ? link : target
    const stamp = `${stats.mtimeNs}:${stats.size}:${stats.dev}:${stats.ino}`
    const isReported = this.#reported?.get(name)?.stamp === stamp
    const state = isReported
      ? 'finished'
      : await writeStateOf(
          file,
          { link, target },
          { isNofollow: this.#isNofollow, settleMs: this.#settleMs, wallNs },
        )
    return {
      file: {
        name,
        path: file,
        format,
        stamp,
        owner: { uid: Number(target.uid), gid: Number(target.gid) },
        linkOwner: { uid: Number(link.uid), gid: Number(link.gid) },
      },
      state,
      stats,
    }
  }

  #syncWatchers(scan: Scan): void {
    for (const [target, watched] of this.#watchers) {
      if (scan.watchTargets.get(target) === watched.identity) continue
      watched.watcher.close()
      this.#watchers.delete(target)
    }
    let isWatchAdded = false
    for (const [target, identity] of scan.watchTargets) {
      if (this.#watchers.has(target)) continue
      if (this.#watchers.size >= maxWatches) {
        this.#warn(
          scan,
          'watch-limit',
          `watching only ${maxWatches} paths: others are seen by the rescan only`,
        )
        break
      }
      try {
        const watcher = watch(target, { persistent: true }, () => this.#onEvent())
        watcher.on('error', () => {
          watcher.close()
          if (this.#watchers.get(target)?.watcher === watcher) this.#watchers.delete(target)
          this.#scanIn(coalesceMs)
        })
        this.#watchers.set(target, { watcher, identity })
        isWatchAdded = true
      } catch (error) {
        this.#warn(
          scan,
          `watch:${target}`,
          `cannot watch ${target} (${codeOf(error)}): seen by the rescan only`,
        )
      }
    }
    // Whatever changed between this scan's read and the new watch's start was seen by neither: look again.
    if (isWatchAdded) this.#scanIn(coalesceMs)
  }

  /** Moves what has settled from the scan into the reported set, and reports the set if it changed. */
  #settle(files: Map<string, Observed>): void {
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
          this.#log(
            `${this.#describe()}: ${seen.file.path} is still ${seen.state === 'open' ? 'open for writing' : 'changing'} after ${this.#maxSettleMs} ms: reporting it`,
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
    // A little past the settle time or tick: timers may fire a hair before the clocks agree it has passed.
    if (waiting.some((seen) => seen.state === 'just-written')) this.#scanIn(timestampTickMs + 1)
    if (this.#pending.size > 0) this.#scanIn(this.#settleMs + 5)
    this.#writing = waiting.filter((seen) => seen.state === 'open')
    this.#pollWriters()
    // The first report waits for files still being written, so that it is the complete initial set.
    if (this.#reported === undefined && this.#pending.size > 0) return
    if (this.#reported !== undefined && isSameVassalSet(reported, next)) return
    this.#reported = next
    this.#onChange?.(new Map(next))
  }

  /** Asks again, every `writerPollMs`, whether the files a writer had open still are; a scan once one is not. */
  #pollWriters(): void {
    if (this.#isClosed || this.#writerPoll !== undefined || this.#writing.length === 0) return
    this.#writerPoll = setTimeout(() => {
      const questions = this.#writing.map(({ file, stats }) =>
        isOpenForWriting(file.path, { isNofollow: this.#isNofollow, version: stats }),
      )
      void Promise.all(questions).then((answers) => {
        this.#writerPoll = undefined
        // Closed: the scan that reports it. Changed or gone (undefined): its inotify event brings that scan.
        if (answers.includes(false)) this.#scanIn(0)
        else this.#pollWriters()
      })
    }, writerPollMs)
  }

  #describe(): string {
    return `monitor "${this.#pattern.spec}"`
  }

  /** Notes a condition for this scan; it is logged once, when it first appears. */
  #warn(scan: Scan, key: string, text: string): void {
    scan.warnings.set(key, `${this.#describe()}: ${text}`)
  }
}

/** `d<dev>:<ino>` for a directory, `f<dev>:<ino>` for anything else (following symlinks), or why not. */
async function identityOf(file: string): Promise<string | { code: string }> {
  try {
    const info = await stat(file, { bigint: true })
    return `${info.isDirectory() ? 'd' : 'f'}${info.dev}:${info.ino}`
  } catch (error) {
    return { code: codeOf(error) }
  }
}

function codeOf(error: unknown): string {
  return error instanceof Error && 'code' in error && typeof error.code === 'string'
    ? error.code
    : String(error)
}
