// The util-linux setpriv(1) arguments that start a child as another user with nothing left of its parent's
// privileges (DESIGN.md "Privileges"): Node can neither drop capabilities nor switch users in a child, and
// the kernel keeps capabilities on a uid change between non-root users, so every set is emptied explicitly.

export interface SwitchTarget {
  readonly uid: number
  readonly gid: number
  /** The user's supplementary groups (initgroups, needs a passwd entry) or none at all. */
  readonly groups: 'init' | 'clear'
}

/**
 * `--reuid/--regid`, the groups, and empty inheritable and ambient sets (so nothing survives the exec of a
 * non-root program). Only a parent holding CAP_SETPCAP (root, unless its bounding set lacks it) can also
 * empty the bounding set; without it the child keeps its parent's bounding set, which limits what a set-uid
 * program could ever grant it.
 */
export function setprivSwitchArgs(
  target: SwitchTarget,
  options: { readonly canEmptyBoundingSet: boolean },
): string[] {
  return [
    `--reuid=${target.uid}`,
    `--regid=${target.gid}`,
    target.groups === 'init' ? '--init-groups' : '--clear-groups',
    '--inh-caps=-all',
    '--ambient-caps=-all',
    ...(options.canEmptyBoundingSet ? ['--bounding-set=-all'] : []),
  ]
}
