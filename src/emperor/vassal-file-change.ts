// What a new version of its file is to a vassal that runs from the old one, and what `Vassal.apply` made of
// it.
import type { VassalFile } from './monitors/monitor.js'

/**
 * What `apply` did with a file: nothing (`unchanged`; `inactive` while stopping or stopped; `held` with
 * emperor-reload-on-change off), `refused` its invalid config (the old one keeps serving), or started a
 * `reloading` / `queued` reload, a `restarting` or `replacing` of the process, or a `starting` of a vassal
 * without one.
 */
export type ApplyOutcome =
  | 'unchanged'
  | 'inactive'
  | 'held'
  | 'refused'
  | 'reloading'
  | 'queued'
  | 'restarting'
  | 'replacing'
  | 'starting'

/** Whether the file, or the symlink to it, has another owner or group now (tyrant mode runs it as them). */
export function isOwnerChanged(previous: VassalFile, file: VassalFile): boolean {
  return (
    file.owner.uid !== previous.owner.uid ||
    file.owner.gid !== previous.owner.gid ||
    file.linkOwner.uid !== previous.linkOwner.uid ||
    file.linkOwner.gid !== previous.linkOwner.gid
  )
}
