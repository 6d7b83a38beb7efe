// `chown-socket = user[:group]` as numbers for chown(2): names looked up on the machine, -1 for "keep".
// Shared by the master (which chowns its own sockets) and the tyrant emperor (which checks what it may do
// for a vassal), so both read one value the same way.
import type { Ownership, Principal } from '../config/value-types.js'
import { makeError } from '../errors/tsgi-error.js'
import { lookupGroup, lookupUser } from './user-directory.js'

const principalText = (principal: Principal): string =>
  principal.kind === 'id' ? String(principal.id) : principal.name

export function resolveOwnership(owner: Ownership): { uid: number; gid: number } {
  const user = owner.user.kind === 'id' ? { uid: owner.user.id } : lookupUser(owner.user.name)
  if (user === undefined)
    throw makeError('ERR_CONFIG_UNKNOWN_USER', { option: 'chown-socket', user: principalText(owner.user) })
  let gid = -1
  if (owner.group !== undefined) {
    const group = owner.group.kind === 'id' ? { gid: owner.group.id } : lookupGroup(owner.group.name)
    if (group === undefined)
      throw makeError('ERR_CONFIG_UNKNOWN_GROUP', {
        option: 'chown-socket',
        group: principalText(owner.group),
      })
    gid = group.gid
  }
  return { uid: user.uid, gid }
}
