// Every listening socket of an instance: bound by the master before it drops privileges, given their mode and
// owner, handed to each worker as an fd, and removed by vacuum only if the path is still the socket this
// master bound (reference §8 items 10 and 20: never delete a socket a newer process bound).
import { chmodSync, lchownSync, lstatSync, readFileSync, unlinkSync } from 'node:fs'
import path from 'node:path'

import type { Config } from '../config/options/registry.js'
import type { SocketAddress } from '../config/socket-address.js'
import type { ListenerProtocol } from '../control/messages.js'
import { makeError } from '../errors/tsgi-error.js'
import type { Logger } from '../observe/logger.js'
import { resolveOwnership } from '../platform/resolve-ownership.js'
import { bindSocket, type ServerHandle } from './bind-socket.js'

export interface Listener {
  readonly address: SocketAddress
  readonly protocol: ListenerProtocol
  readonly fd: number
  /** For a unix path: the inode this master created, which vacuum checks before unlinking. */
  readonly unixInode: { readonly path: string; readonly dev: number; readonly ino: number } | undefined
  readonly handle: ServerHandle | undefined
}

export interface ListenerSet {
  readonly listeners: readonly Listener[]
  /** The backlog workers pass to listen(2): `listen`, capped at the kernel's somaxconn. */
  readonly backlog: number
}

function somaxconn(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim())
  } catch {
    return undefined
  }
}

/**
 * Asks the emperor to chown a socket this master bound but may not chown itself (tyrant mode: the vassal runs
 * as its file's owner). Resolves with the emperor's refusal, or undefined once it is done.
 */
export type EmperorChown = (path: string) => Promise<string | undefined>

/** Applies chmod-socket to a unix socket this master just bound (never following a link); returns its inode. */
function setMode(path: string, config: Config): { dev: number; ino: number } {
  let stat
  try {
    stat = lstatSync(path)
  } catch (cause) {
    throw makeError(
      'ERR_SOCKET_PERMISSIONS',
      { path, action: 'stat', reason: String((cause as NodeJS.ErrnoException).code) },
      { cause },
    )
  }
  if (!stat.isSocket()) throw makeError('ERR_SOCKET_NOT_A_SOCKET', { path })
  try {
    if (config.chmodSocket !== undefined) chmodSync(path, config.chmodSocket)
  } catch (cause) {
    throw makeError('ERR_SOCKET_PERMISSIONS', { path, action: 'chmod', reason: String(cause) }, { cause })
  }
  return { dev: stat.dev, ino: stat.ino }
}

/**
 * Applies chown-socket: by lchown first (a group the owner belongs to needs no privilege), and when that is
 * not permitted, by the emperor if it offers to (tyrant mode), which checks the request itself.
 */
async function setOwner(path: string, config: Config, emperorChown: EmperorChown | undefined): Promise<void> {
  if (config.chownSocket === undefined) return
  const { uid, gid } = resolveOwnership(config.chownSocket)
  try {
    lchownSync(path, uid, gid)
    return
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    if (code !== 'EPERM' || emperorChown === undefined) {
      const reason =
        code === 'EPERM'
          ? 'operation not permitted (changing the owner needs root or CAP_CHOWN)'
          : String(code)
      throw makeError('ERR_SOCKET_PERMISSIONS', { path, action: 'chown', reason }, { cause })
    }
  }
  const refusal = await emperorChown(path)
  if (refusal !== undefined)
    throw makeError('ERR_SOCKET_PERMISSIONS', {
      path,
      action: 'chown',
      reason: `the emperor refused: ${refusal}`,
    })
}

/** What each configured address speaks: `socket` follows `protocol` (uwsgi by default). */
function wantedListeners(config: Config): { address: SocketAddress; protocol: ListenerProtocol }[] {
  if (config.protocol === 'fastcgi' && config.socket.length > 0) {
    throw makeError('ERR_CONFIG_NOT_AVAILABLE', { what: 'protocol = fastcgi (the FastCGI protocol)' })
  }
  const socketProtocol: ListenerProtocol = config.protocol === 'http' ? 'http' : 'uwsgi'
  return [
    ...config.socket.map((address) => ({ address, protocol: socketProtocol })),
    ...config.uwsgiSocket.map((address) => ({ address, protocol: 'uwsgi' as const })),
    ...config.httpSocket.map((address) => ({ address, protocol: 'http' as const })),
  ]
}

/**
 * Binds every configured socket, or adopts it from `inherited` (address text → fd, handed over by the
 * master this one replaces), applying chmod-socket and chown-socket either way.
 */
export async function bindListeners(
  config: Config,
  logger: Logger,
  options: {
    /** Address text → fd of the sockets handed over by the master this one replaces. */
    readonly inherited?: ReadonlyMap<string, number>
    readonly emperorChown?: EmperorChown | undefined
  } = {},
): Promise<ListenerSet> {
  const inherited = options.inherited ?? new Map<string, number>()
  const wanted = wantedListeners(config)
  if (wanted.length === 0) throw makeError('ERR_INSTANCE_NO_SOCKETS', {})
  const max = somaxconn()
  let backlog = config.listen
  if (max !== undefined && backlog > max) {
    logger.log(`listen backlog ${backlog} is above net.core.somaxconn (${max}): using ${max}`)
    backlog = max
  }
  // shared-socket: bound first, referred to as =N by the other options.
  const shared: ServerHandle[] = []
  for (const address of config.sharedSocket) shared.push(await bindSocket(address))
  const listeners: Listener[] = []
  for (const { address, protocol } of wanted) {
    if (address.kind === 'shared') {
      const handle = shared[address.index]
      if (handle === undefined)
        throw makeError('ERR_SOCKET_SHARED_INDEX', { address: address.text, count: shared.length })
      listeners.push({ address, protocol, fd: handle.fd, unixInode: undefined, handle })
      continue
    }
    if (address.kind === 'fd') {
      listeners.push({ address, protocol, fd: address.fd, unixInode: undefined, handle: undefined })
      continue
    }
    const inheritedFd = inherited.get(address.text)
    const handle = inheritedFd === undefined ? await bindSocket(address) : undefined
    const fd = handle?.fd ?? inheritedFd ?? -1
    let unixInode: Listener['unixInode']
    if (address.kind === 'unix') {
      unixInode = { path: address.path, ...setMode(address.path, config) }
      await setOwner(address.path, config, options.emperorChown)
    }
    listeners.push({ address, protocol, fd, unixInode, handle })
    const how = handle === undefined ? 'inherited' : 'bound'
    logger.log(`${protocol} socket ${listeners.length - 1} ${how} to ${describe(address)} fd ${fd}`)
  }
  return { listeners, backlog }
}

function describe(address: SocketAddress): string {
  switch (address.kind) {
    case 'unix':
      return `UNIX address ${address.path}`
    case 'abstract':
      return `abstract UNIX address @${address.name}`
    case 'tcp':
      return `TCP address ${address.text}`
    default:
      return address.text
  }
}

/**
 * vacuum: removes the unix sockets this master bound, unless the path now holds another inode (a newer
 * process bound it) or the socket was handed to a successor master (`keep`). Works after any number of
 * reloads, as the master that bound the socket does it.
 */
export function vacuumListeners(
  set: ListenerSet,
  logger: Logger,
  keep: ReadonlySet<string> = new Set(),
): void {
  for (const listener of set.listeners) {
    // Handed over to a successor master: its socket now, not ours to remove.
    if (keep.has(listener.address.text)) continue
    const inode = listener.unixInode
    if (inode === undefined) continue
    try {
      const stat = lstatSync(inode.path)
      if (stat.dev !== inode.dev || stat.ino !== inode.ino) {
        logger.log(`vacuum: ${inode.path} is not the socket this instance bound; left in place`)
        continue
      }
      unlinkSync(inode.path)
      logger.log(`vacuum: removed unix socket ${inode.path}`)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EACCES' || code === 'EPERM')
        logger.log(
          `vacuum: cannot remove ${inode.path}: permission denied to uid ${process.getuid?.() ?? '?'} in ` +
            `${path.dirname(inode.path)} (a root emperor removes it once this vassal has stopped; else make that ` +
            "directory writable by the instance's user; a stale socket left there is replaced at the next start)",
        )
      else if (code !== 'ENOENT') logger.log(`vacuum: cannot remove ${inode.path}: ${String(error)}`)
    }
  }
}
