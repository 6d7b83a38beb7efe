// The files a vassal file includes (ini =, inherit …) and their stamps when its config was last read. The
// monitors watch vassal files, not what they include: the emperor asks on each rescan whether one changed.
import { realpathSync, statSync } from 'node:fs'

/** mtime (ns), size and inode of a file: changes whenever its content may have; '' when it is gone. */
function stampOf(file: string): string {
  const stat = statSync(file, { bigint: true, throwIfNoEntry: false })
  return stat === undefined ? '' : `${stat.mtimeNs}:${stat.size}:${stat.ino}`
}

function realpathOrSelf(file: string): string {
  try {
    return realpathSync(file)
  } catch {
    return file
  }
}

export class IncludedFiles {
  /** Absolute path → its stamp when the config was last read. */
  #stamps: ReadonlyMap<string, string> = new Map()

  /** The config was read now from `files` (every file read, the vassal file at `vassalPath` among them). */
  remember(files: readonly string[], vassalPath: string): void {
    const own = realpathOrSelf(vassalPath)
    this.#stamps = new Map(files.filter((file) => file !== own).map((file) => [file, stampOf(file)]))
  }

  /** The first included file that changed since, if any; each change is reported once. */
  findChanged(): string | undefined {
    for (const [file, stamp] of this.#stamps) {
      if (stampOf(file) === stamp) continue
      // Seen once: an include that makes the config invalid is reported once, not at every rescan.
      this.#stamps = new Map([...this.#stamps.keys()].map((name) => [name, stampOf(name)]))
      return file
    }
    return undefined
  }
}
