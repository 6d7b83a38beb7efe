// Binds one listening socket in the master, WITHOUT listen(2): the workers call listen on the inherited fd
// and accept on it themselves (DESIGN.md decision 3). A master that called listen would accept connections
// in its own event loop and hold them. Once any worker has listened, the socket stays in LISTEN state for as
// long as the master holds the fd, so connections queue in the backlog across worker restarts.
import { lookup } from 'node:dns/promises'
import net from 'node:net'

import type { SocketAddress } from '../config/socket-address.js'
import { makeError } from '../errors/tsgi-error.js'
import { clearUnixPath } from '../platform/clear-unix-path.js'

/** The parts of Node's internal server handle we use: its fd, its address, and close(). */
export interface ServerHandle {
  readonly fd: number
  close(): void
  getsockname?(out: { port?: number }): number
}

/** 0 when the handle is bound to a real port, else the errno libuv kept from bind() (or EADDRINUSE). */
function delayedBindError(handle: ServerHandle): number {
  const out: { port?: number } = {}
  const status = handle.getsockname?.(out) ?? 0
  if (status !== 0) return status
  return out.port === 0 ? -98 : 0
}

type CreateServerHandle = (address: string | null, port: number, addressType: number) => ServerHandle | number

/**
 * Node's own bind-without-listen, which its cluster module uses for shared handles. It is internal (there is
 * no public way to bind without listening), so its presence is checked once at start with a clear error.
 */
function createServerHandle(): CreateServerHandle {
  const candidate: unknown = (net as unknown as { _createServerHandle?: unknown })._createServerHandle
  if (typeof candidate !== 'function') {
    throw makeError('ERR_INTERNAL_ASSERTION', {
      what: `this Node.js (${process.version}) has no net._createServerHandle`,
    })
  }
  return candidate as CreateServerHandle
}

const errnoNames: Readonly<Record<string, string>> = {
  '-98': 'EADDRINUSE',
  '-13': 'EACCES',
  '-2': 'ENOENT',
  '-99': 'EADDRNOTAVAIL',
  '-20': 'ENOTDIR',
  '-1': 'EPERM',
  '-22': 'EINVAL',
  '-36': 'ENAMETOOLONG',
}

function describeErrno(errno: number): string {
  const name = errnoNames[String(errno)] ?? `errno ${errno}`
  switch (name) {
    case 'EADDRINUSE':
      return 'the address is in use'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (ports below 1024 and root-owned directories need root)'
    case 'ENOENT':
    case 'ENOTDIR':
      return 'its directory does not exist'
    case 'EADDRNOTAVAIL':
      return 'the address is not one of this machine'
    default:
      return name
  }
}

/** The IP a TCP address binds to (names resolved once, as uWSGI does); null for every interface. */
async function resolveHost(
  address: Extract<SocketAddress, { kind: 'tcp' }>,
): Promise<{ address: string; family: number } | null> {
  const host = address.host
  if (host === '' || host === '*' || host === '0.0.0.0' || host === '::')
    return host === '0.0.0.0' ? { address: host, family: 4 } : null
  const family = net.isIP(host)
  if (family !== 0) return { address: host, family }
  try {
    return await lookup(host)
  } catch {
    throw makeError('ERR_SOCKET_BIND', {
      address: address.text,
      reason: `host name ${JSON.stringify(host)} does not resolve`,
    })
  }
}

/** Binds `address`; throws a TsgiError (ERR_SOCKET_*) with the reason in words. */
export async function bindSocket(address: SocketAddress): Promise<ServerHandle> {
  const create = createServerHandle()
  let result: ServerHandle | number
  switch (address.kind) {
    case 'unix': {
      const problem = await clearUnixPath(address.path, address.text)
      if (problem !== undefined) throw problem
      result = create(address.path, -1, -1)
      break
    }
    case 'abstract':
      result = create(`\0${address.name}`, -1, -1)
      break
    case 'tcp': {
      const host = await resolveHost(address)
      result = create(host?.address ?? null, address.port, host?.family ?? 6)
      break
    }
    default:
      throw makeError('ERR_INTERNAL_ASSERTION', { what: `bindSocket() called for a ${address.kind} address` })
  }
  // libuv keeps a TCP bind's error (EADDRINUSE) until listen() or getsockname(): ask now, or a worker's
  // listen() would pick a random port on every interface.
  if (typeof result !== 'number' && address.kind === 'tcp') {
    const delayed = delayedBindError(result)
    if (delayed !== 0) {
      result.close()
      result = delayed
    }
  }
  if (typeof result === 'number') {
    const name = errnoNames[String(result)]
    if (name === 'EADDRINUSE')
      throw makeError('ERR_SOCKET_IN_USE', { address: address.text, owner: 'another process holds it' })
    throw makeError('ERR_SOCKET_BIND', { address: address.text, reason: describeErrno(result) })
  }
  return result
}
