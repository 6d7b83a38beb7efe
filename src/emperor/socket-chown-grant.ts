// What a tyrant emperor may chown for one vassal (DESIGN.md "Privileges"): the unix sockets its validated
// config declares, to the owner its `chown-socket` names. Built from the config the emperor checked as the
// file's owner, never from what the vassal's process says later.
import path from 'node:path'

import type { Ownership } from '../config/value-types.js'
import { resolveOwnership } from '../platform/resolve-ownership.js'

export interface SocketChownGrant {
  /** Absolute paths of the vassal's unix sockets (`socket`, `uwsgi-socket`, `http-socket`). */
  readonly paths: readonly string[]
  /** `chown-socket` as numbers; -1 keeps that id. */
  readonly uid: number
  readonly gid: number
  /** As the file wrote it, for log lines. */
  readonly text: string
}

const socketOptions = ['socket', 'uwsgi-socket', 'http-socket'] as const

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function isOwnership(value: unknown): value is Ownership {
  return isRecord(value) && isRecord(value.user) && (value.group === undefined || isRecord(value.group))
}

const principalText = (principal: unknown): string =>
  isRecord(principal) ? String(principal.kind === 'id' ? principal.id : principal.name) : '?'

/**
 * The grant for a vassal whose validated options (option name → value, as `tsgi print-config --format json`
 * gives them) set `chown-socket`; undefined when they do not, or when the owner does not resolve (the vassal
 * then fails on its own with that error). Relative socket paths are taken from `cwd`, the vassal's.
 */
export function socketChownGrant(
  options: Readonly<Record<string, unknown>>,
  cwd: string,
): SocketChownGrant | undefined {
  const owner = options['chown-socket']
  if (!isOwnership(owner)) return undefined
  let ids
  try {
    ids = resolveOwnership(owner)
  } catch {
    return undefined
  }
  const paths = socketOptions.flatMap((name) => {
    const addresses = options[name]
    if (!Array.isArray(addresses)) return []
    return addresses.flatMap((address: unknown) =>
      isRecord(address) && address.kind === 'unix' && typeof address.path === 'string'
        ? [path.resolve(cwd, address.path)]
        : [],
    )
  })
  const text = `${principalText(owner.user)}${owner.group === undefined ? '' : `:${principalText(owner.group)}`}`
  return { paths, ...ids, text }
}

/**
 * Whether the vassal cannot do this chown itself: it names another user, or a group other than the vassal's
 * own (with `emperor-tyrant-initgroups` the owner's other groups may do too, so only the user counts then).
 */
export function isPrivilegedChown(
  grant: SocketChownGrant,
  vassal: { readonly uid: number; readonly gid: number },
  options: { readonly hasSupplementaryGroups: boolean },
): boolean {
  if (grant.uid !== -1 && grant.uid !== vassal.uid) return true
  return !options.hasSupplementaryGroups && grant.gid !== -1 && grant.gid !== vassal.gid
}
