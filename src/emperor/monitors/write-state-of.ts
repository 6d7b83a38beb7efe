// Whether a vassal file's new content can still be being written (never spawn a half-written file, uWSGI's
// §8 item 9). The kernel's answer comes first: a regular file that no process has open for writing is
// finished at once (a deploy tool's write and rename usually share one timestamp tick, so the times alone
// would make it wait), and one that a process has open is not, however old its mtime. Where the kernel
// cannot tell (an emperor without CAP_LEASE that does not own the file, a filesystem without leases, the
// addon not built, a symlink's own stamp), the times decide as they always have.
import type { BigIntStats } from 'node:fs'

import { isOpenForWriting } from '../../platform/is-open-for-writing.js'

/**
 * finished: report it. open: a process has it open for writing (ask again soon). just-written: closed, but
 * written within the last timestamp tick, so a next write could leave its mtime as it is (report it a tick
 * later). unsettled: the kernel cannot tell, and the times do not say it is finished yet.
 */
export type WriteState = 'finished' | 'open' | 'just-written' | 'unsettled'

/**
 * Linux stamps a write with its coarse clock, which moves once a tick: every 1 to 10 ms (CONFIG_HZ 1000 to
 * 100). Kernels from 6.13 give a finer stamp to a write that follows a stat, but Debian 12 and 13 do not.
 */
export const timestampTickMs = 10

export interface WriteStateOptions {
  /** emperor-nofollow: the stamp is the link's own; a symlink's is judged by the times. */
  readonly isNofollow: boolean
  readonly settleMs: number
  /** The wall clock when the scan began, in ns (mtimes are wall-clock times). */
  readonly wallNs: bigint
}

/** The write state of `file`, statted as `link` (lstat) and `target` (stat; the same object when no symlink). */
export async function writeStateOf(
  file: string,
  stats: { readonly link: BigIntStats; readonly target: BigIntStats },
  options: WriteStateOptions,
): Promise<WriteState> {
  const { link, target } = stats
  const stamped = options.isNofollow ? link : target
  // Asked about the very file and version that was statted: a swap since then answers "cannot tell".
  const isOpen = stamped.isFile()
    ? await isOpenForWriting(file, { isNofollow: options.isNofollow, version: stamped })
    : undefined
  // A write sets mtime and ctime to the same instant; a later rename, chmod or utimes moves only ctime, and
  // any write after it gets a later mtime still.
  const isTouchedSince = target.ctimeNs > target.mtimeNs
  const ageNs = options.wallNs - target.mtimeNs
  if (isOpen === true) return 'open'
  // Reported only once a tick has passed since its write, any later write, however soon, gives a new mtime.
  if (isOpen === false)
    return isTouchedSince || ageNs >= BigInt(timestampTickMs) * 1_000_000n ? 'finished' : 'just-written'
  // The same reasoning, with the settle time for the writer's pause: two edits within one second are both seen.
  return isTouchedSince || ageNs >= BigInt(options.settleMs) * 1_000_000n ? 'finished' : 'unsettled'
}
