// Whether any process has a file open for writing: the end of a write the kernel can vouch for, where a
// modification time can only suggest it. Linux answers through a read lease, which it refuses while any fd on
// the file is open for writing; Node has no fcntl(), so tsgi's own small N-API addon (native/write-lease.c,
// built by node-gyp at `npm ci`) takes the lease and releases it at once, on libuv's thread pool.
//
// It can only tell for the file's owner or a process with CAP_LEASE (a root emperor; not an unprivileged one
// with only CAP_SETUID/CAP_SETGID), on a filesystem that grants leases, and with the addon built; in every
// other case the answer is `undefined` and the caller decides as it would without it.
import type { BigIntStats } from 'node:fs'
import { createRequire } from 'node:module'

import { packageFile } from './package-file.js'

/** The addon's one call (native/write-lease.c): 0 no writers, 1 writers, 2 another file, or a negative errno. */
interface WriteLeaseBinding {
  probe(file: string, isNofollow: boolean, expected: BigInt64Array): Promise<number>
}

const noWriters = 0
const hasWriters = 1

function isBinding(value: unknown): value is WriteLeaseBinding {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>).probe === 'function'
  )
}

/** The built addon (in the package's build/Release/), or undefined without it. */
function loadBinding(): WriteLeaseBinding | undefined {
  try {
    const loaded: unknown = createRequire(import.meta.url)(packageFile('build/Release/write_lease.node'))
    return isBinding(loaded) ? loaded : undefined
  } catch {
    // Not built (no compiler at install): every answer is "cannot tell", which is what callers handle anyway.
    return undefined
  }
}

let binding: WriteLeaseBinding | null | undefined

/** The identity and content stamp a caller's stat saw, for the probe to check it is asking about that file. */
export type FileVersion = Pick<BigIntStats, 'dev' | 'ino' | 'mtimeNs' | 'size'>

export interface IsOpenForWritingOptions {
  /** Ask about `file` itself, never a symlink's target (O_NOFOLLOW): a symlink then gets `undefined`. */
  readonly isNofollow?: boolean
  /** Answer only if `file` is still this file and version (dev, ino, mtime, size); `undefined` if not. */
  readonly version?: FileVersion
}

/**
 * true: some process has `file` open for writing (or mapped writable); false: none has; undefined: cannot
 * tell (not a regular file, missing, another version than `options.version`, no lease allowed, no addon).
 * Never rejects. A FIFO or device is never opened (it is stat()ed first), so asking about one has no effect.
 */
export async function isOpenForWriting(
  file: string,
  options: IsOpenForWritingOptions = {},
): Promise<boolean | undefined> {
  binding ??= loadBinding() ?? null
  if (binding === null) return undefined
  const { version } = options
  const expected =
    version === undefined
      ? new BigInt64Array(0)
      : BigInt64Array.from([version.dev, version.ino, version.mtimeNs, version.size], (value) =>
          BigInt.asIntN(64, value),
        )
  try {
    const answer = await binding.probe(file, options.isNofollow === true, expected)
    return answer === hasWriters ? true : answer === noWriters ? false : undefined
  } catch {
    // Only an argument the addon rejects can throw, and the types rule that out: cannot tell.
    return undefined
  }
}
