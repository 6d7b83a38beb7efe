// A unix socket path about to be bound may hold a stale socket left by a process that died without
// vacuum. Used by every server tsgi binds on a path: an instance's sockets and the emperor's stats socket.
import { lstatSync, unlinkSync } from 'node:fs'
import { connect } from 'node:net'

import { makeError, type TsgiError } from '../errors/tsgi-error.js'

/** Whether something accepts connections on the unix socket `path` (a live server, not a stale file). */
function isServed(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/**
 * A unix path may hold a stale socket from a process that died without vacuum: uWSGI unlinks whatever is
 * there; tsgi unlinks only a socket nobody answers on, and refuses a live one or another kind of file.
 */
export async function clearUnixPath(path: string, text: string): Promise<TsgiError | undefined> {
  let stat
  try {
    stat = lstatSync(path)
  } catch {
    return undefined
  }
  if (!stat.isSocket()) return makeError('ERR_SOCKET_NOT_A_SOCKET', { path })
  if (await isServed(path))
    return makeError('ERR_SOCKET_IN_USE', {
      address: text,
      owner: 'another process accepts connections on it',
    })
  try {
    unlinkSync(path)
  } catch (error) {
    // Not ours to remove (another user's directory): refused as that user, never worked around.
    const code = (error as NodeJS.ErrnoException).code ?? String(error)
    return makeError('ERR_SOCKET_BIND', {
      address: text,
      reason: `cannot remove the stale socket there: ${code}`,
    })
  }
  return undefined
}
