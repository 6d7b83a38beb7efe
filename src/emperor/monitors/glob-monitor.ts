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
// So a scan is collect (walk the pattern, stat each match, ask its write state) → settle (settled-set.ts:
// what joins the reported set, what waits) → report (the set, when it changed). When to scan is
// scan-scheduler.ts's business; the re-probe of files open for writing is writer-poll.ts's.
import { watch, type BigIntStats, type FSWatcher } from 'node:fs'
import { lstat, readdir, stat } from 'node:fs/promises'
import path from 'node:path'

import type { Monitor, MonitorOptions, VassalFile } from './monitor.js'
import { vassalFormatOf } from './monitor.js'
import type { GlobPattern } from './compile-glob.js'
import { coalesceMs, ScanScheduler } from './scan-scheduler.js'
import { SettledSet, type Observed } from './settled-set.js'
import { WriterPoll } from './writer-poll.js'
import { timestampTickMs, writeStateOf } from './write-state-of.js'

/** Stay well below the kernel's per-user inotify watch limit (8192 by default on older kernels), which other programs share. */
const maxWatches = 1024

interface Scan {
  readonly files: Map<string, Observed>
  /** What to keep an inotify watch on: each directory walked, and each symlinked vassal's target, by dev:ino. */
  readonly watchTargets: Map<string, string>
  /** Conditions to report, by a key that stays the same while the condition lasts, so each is logged once. */
  readonly warnings: Map<string, string>
}

export class GlobMonitor implements Monitor {
  readonly #pattern: GlobPattern
  readonly #settleMs: number
  readonly #log: (line: string) => void
  #onChange: ((files: ReadonlyMap<string, VassalFile>) => void) | undefined
  readonly #settled: SettledSet
  readonly #schedule: ScanScheduler
  readonly #writers: WriterPoll
  readonly #watchers = new Map<string, { readonly watcher: FSWatcher; readonly identity: string }>()
  #warnings = new Map<string, string>()
  #isClosed = false

  /** emperor-nofollow: a symlinked vassal's stamp is the link's own, so only replacing the link counts. */
  readonly #isNofollow: boolean

  constructor(pattern: GlobPattern, options: MonitorOptions) {
    this.#pattern = pattern
    this.#settleMs = options.settleMs ?? 100
    this.#log = options.log
    this.#isNofollow = options.isNofollow === true
    this.#settled = new SettledSet({
      settleMs: this.#settleMs,
      warn: (text) => this.#log(`${this.#describe()}: ${text}`),
    })
    this.#schedule = new ScanScheduler(() => this.#scan(), {
      freqMs: options.freqMs,
      onError: (error) => this.#log(`${this.#describe()}: scan failed: ${String(error)}`),
    })
    this.#writers = new WriterPoll({ isNofollow: this.#isNofollow, onClosed: () => this.#schedule.scanIn(0) })
  }

  start(onChange: (files: ReadonlyMap<string, VassalFile>) => void): void {
    if (this.#isClosed || this.#onChange !== undefined) return
    this.#onChange = onChange
    this.#schedule.start()
  }

  rescan(): void {
    this.#schedule.scanIn(0)
  }

  close(): void {
    if (this.#isClosed) return
    this.#isClosed = true
    this.#onChange = undefined
    this.#schedule.close()
    this.#writers.close()
    for (const { watcher } of this.#watchers.values()) watcher.close()
    this.#watchers.clear()
    this.#settled.close()
  }

  async #scan(): Promise<void> {
    const scan = await this.#collect()
    if (this.#isClosed) return
    this.#syncWatchers(scan)
    for (const [key, line] of scan.warnings) if (!this.#warnings.has(key)) this.#log(line)
    if (this.#warnings.has('missing') && !scan.warnings.has('missing'))
      this.#log(`${this.#describe()}: ${this.#pattern.base} is back`)
    this.#warnings = scan.warnings
    const { waiting, report } = this.#settled.settle(scan.files)
    // A little past the settle time or tick: timers may fire a hair before the clocks agree it has passed.
    if (waiting.some((seen) => seen.state === 'just-written')) this.#schedule.scanIn(timestampTickMs + 1)
    if (this.#settled.hasPending) this.#schedule.scanIn(this.#settleMs + 5)
    this.#writers.poll(waiting.filter((seen) => seen.state === 'open'))
    if (report !== undefined) this.#onChange?.(report)
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
    const state = this.#settled.isReported(name, stamp)
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
        const watcher = watch(target, { persistent: true }, () => this.#schedule.onEvent())
        watcher.on('error', () => {
          watcher.close()
          if (this.#watchers.get(target)?.watcher === watcher) this.#watchers.delete(target)
          this.#schedule.scanIn(coalesceMs)
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
    if (isWatchAdded) this.#schedule.scanIn(coalesceMs)
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
