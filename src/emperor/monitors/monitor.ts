// An imperial monitor answers one question for the reconciler: which vassal files exist, and when did each
// change. It never parses, validates or spawns anything. A database-backed monitor (uWSGI's pg://) can be
// added later by implementing `Monitor`, without touching the reconciler.

/**
 * The config format a vassal file is handed over with, from its extension (uWSGI's rule, reference §1.3).
 * `xml` files are part of the set so that the reconciler can show them as `refused` with
 * ERR_CONFIG_XML_UNSUPPORTED, instead of them silently being ignored.
 */
export type VassalFormat = 'ini' | 'json' | 'yaml' | 'xml'

export interface VassalFile {
  /**
   * Unique vassal name: the file name (e.g. "shop.ini"), as uWSGI names vassals. A glob monitor uses the
   * path under the pattern's fixed prefix with '/' replaced by '_' (a `*` for the directory in
   * /etc/tsgi/shop/vassal.ini gives "shop_vassal.ini"); of two paths with one such name, the first in byte
   * order wins and the other is logged.
   */
  readonly name: string
  /** The path as seen in the monitored directory (a symlink stays a symlink path). */
  readonly path: string
  /** Which config flag the file is read with; `xml` is to be refused by the reconciler. */
  readonly format: VassalFormat
  /**
   * A change stamp: differs whenever the content may have changed — mtime in ns of the target, plus size
   * and device:inode so an atomic rename-over is seen even within one second. Compare with `!==` only.
   */
  readonly stamp: string
  /** Owner of the file (stat, following symlinks) and of the link itself (lstat), for tyrant mode. */
  readonly owner: { readonly uid: number; readonly gid: number }
  readonly linkOwner: { readonly uid: number; readonly gid: number }
}

export interface Monitor {
  /** Starts watching; `onChange` gets the full current set of vassal files after every settled change (and once at start). */
  start(onChange: (files: ReadonlyMap<string, VassalFile>) => void): void
  /** A full rescan now (the periodic safety net calls this; the emperor's SIGHUP too). */
  rescan(): void
  /** Releases every watcher and timer; idempotent. No `onChange` call follows it. */
  close(): void
}

export interface MonitorOptions {
  /** Period of the full rescan, the safety net behind inotify (`emperor-freq`). */
  readonly freqMs: number
  /** Where the monitor reports what it cannot act on (a missing directory, a name collision); one line each. */
  readonly log: (line: string) => void
  /**
   * How long a file must have been left alone (no new mtime) before it is reported, so a half-written file
   * is never spawned, when the kernel cannot tell whether a process still has it open for writing (see
   * write-state-of.ts); 100 ms unless told. Tests raise it so that only the kernel's answer can report a file
   * sooner, or to make a slow writer certain to be waited for.
   */
  readonly settleMs?: number
  /** emperor-nofollow: a symlink's own modification time counts, not its target's. */
  readonly isNofollow?: boolean
}

/**
 * Editors' and tools' temporary names. Their extensions already keep them out; naming them keeps them out
 * should the accepted extensions ever grow (uWSGI's `emperor-extra-extension`).
 */
const temporaryName = /(?:~|\.swp|\.swx|\.tmp|\.bak)$|^4913$|^#.*#$/

/**
 * The format of a vassal file called `fileName`, or `undefined` when the name is not a vassal's: dotfiles
 * (which also covers `.#x.ini` lock files, `.x.ini.swp` and ConfigMap's `..data`), editor temporary files,
 * and any other extension.
 */
export function vassalFormatOf(fileName: string): VassalFormat | undefined {
  if (fileName.startsWith('.') || temporaryName.test(fileName)) return undefined
  const dot = fileName.lastIndexOf('.')
  if (dot < 1) return undefined
  switch (fileName.slice(dot + 1)) {
    case 'ini':
      return 'ini'
    case 'json':
      return 'json'
    case 'yaml':
    case 'yml':
      return 'yaml'
    case 'xml':
      return 'xml'
    default:
      return undefined
  }
}

/** Whether two reports of a vassal file are the same in every field the reconciler acts on. */
export function isSameVassalFile(a: VassalFile, b: VassalFile): boolean {
  return (
    a.stamp === b.stamp &&
    a.path === b.path &&
    a.format === b.format &&
    a.owner.uid === b.owner.uid &&
    a.owner.gid === b.owner.gid &&
    a.linkOwner.uid === b.linkOwner.uid &&
    a.linkOwner.gid === b.linkOwner.gid
  )
}

export function isSameVassalSet(
  a: ReadonlyMap<string, VassalFile>,
  b: ReadonlyMap<string, VassalFile>,
): boolean {
  if (a.size !== b.size) return false
  for (const [name, file] of a) {
    const other = b.get(name)
    if (other === undefined || !isSameVassalFile(file, other)) return false
  }
  return true
}
