// The master's privilege drop, after its sockets are bound and chowned and before any worker (app code)
// starts: supplementary groups, then gid, then uid, as uWSGI does (reference §7.1). Workers start from the
// dropped identity; setpriv(1) then empties their capability sets (spawn-worker.ts).
import type { Config } from '../config/options/registry.js'
import type { Principal } from '../config/value-types.js'
import { makeError } from '../errors/tsgi-error.js'
import type { Logger } from '../observe/logger.js'
import { lookupGroup, lookupUser, type UserEntry } from './user-directory.js'

/** process.initgroups (POSIX only) is missing from @types/node 20's Process type. */
const initgroups = (user: string, gid: number): void =>
  (process as unknown as { initgroups: (user: string, extraGroup: number) => void }).initgroups(user, gid)

export interface Identity {
  readonly uid: number
  readonly gid: number
  readonly userName: string | undefined
}

function principalText(principal: Principal): string {
  return principal.kind === 'id' ? String(principal.id) : principal.name
}

function resolveUser(principal: Principal): UserEntry | { uid: number; gid: undefined; name: undefined } {
  const entry = lookupUser(principal.kind === 'id' ? principal.id : principal.name)
  if (entry !== undefined) return entry
  if (principal.kind === 'id') return { uid: principal.id, gid: undefined, name: undefined }
  throw makeError('ERR_CONFIG_UNKNOWN_USER', { option: 'uid', user: principal.name })
}

function resolveGroup(option: string, principal: Principal): number {
  if (principal.kind === 'id') return principal.id
  const group = lookupGroup(principal.name)
  if (group === undefined) throw makeError('ERR_CONFIG_UNKNOWN_GROUP', { option, group: principal.name })
  return group.gid
}

/** Without gid: the user's primary group (uWSGI would keep root's group: docs/differences.md). */
function groupOf(config: Config, user: { uid: number; gid: number | undefined }): number {
  const gid = config.gid === undefined ? user.gid : resolveGroup('gid', config.gid)
  if (gid !== undefined) return gid
  throw makeError('ERR_PRIVILEGE_DROP', {
    what: 'gid',
    reason: `uid ${user.uid} has no passwd entry: set gid too`,
  })
}

/** The identity `uid`/`gid` (and `add-gid`) name, resolved but not switched to; `uid` must be set. */
export function configuredIdentity(config: Config): Identity & { readonly extraGids: readonly number[] } {
  if (config.uid === undefined)
    throw makeError('ERR_INTERNAL_ASSERTION', { what: 'configuredIdentity() without uid' })
  const user = resolveUser(config.uid)
  return {
    uid: user.uid,
    gid: groupOf(config, user),
    userName: user.name,
    extraGids: config.addGid.map((group) => resolveGroup('add-gid', group)),
  }
}

/**
 * Drops to the configured uid/gid when running as root. Without `uid`, app code would run as root: refused
 * unless `allow-root` says so. Not root: uid/gid may only name the identity the process already has.
 */
export function dropPrivileges(config: Config, logger: Logger): Identity {
  const currentUid = process.getuid?.() ?? -1
  const currentGid = process.getgid?.() ?? -1
  const user = config.uid === undefined ? undefined : resolveUser(config.uid)
  const wantsRoot = user === undefined || user.uid === 0
  if (currentUid !== 0) {
    const gid = config.gid === undefined ? undefined : resolveGroup('gid', config.gid)
    if ((user !== undefined && user.uid !== currentUid) || (gid !== undefined && gid !== currentGid)) {
      const what =
        user !== undefined && user.uid !== currentUid
          ? `uid ${principalText(config.uid as Principal)}`
          : 'gid'
      throw makeError('ERR_PRIVILEGE_DROP', {
        what,
        reason: `only root can change identity; this process runs as uid ${currentUid}`,
      })
    }
    return { uid: currentUid, gid: currentGid, userName: undefined }
  }
  if (wantsRoot) {
    if (!config.allowRoot) throw makeError('ERR_PRIVILEGE_RUN_AS_ROOT', {})
    logger.log('*** WARNING: app code runs as root, as allow-root asks ***')
    return { uid: 0, gid: currentGid, userName: 'root' }
  }
  const gid = groupOf(config, user)
  const extraGroups = config.addGid.map((group) => resolveGroup('add-gid', group))
  try {
    if (user.name !== undefined && !config.noInitgroups) initgroups(user.name, gid)
    else process.setgroups?.([gid])
    if (extraGroups.length > 0)
      process.setgroups?.([...new Set([...(process.getgroups?.() ?? []), ...extraGroups])])
    process.setgid?.(gid)
    logger.log(`setgid() to ${gid}`)
    process.setuid?.(user.uid)
    logger.log(`setuid() to ${user.uid}`)
  } catch (cause) {
    throw makeError(
      'ERR_PRIVILEGE_DROP',
      { what: `uid ${user.uid} gid ${gid}`, reason: String(cause) },
      { cause },
    )
  }
  return { uid: user.uid, gid, userName: user.name }
}
