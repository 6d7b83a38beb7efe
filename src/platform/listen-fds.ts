// sd_listen_fds(3): the sockets systemd bound and passed as fds 3 … 3+LISTEN_FDS-1, meant for the process whose
// pid is LISTEN_PID, named by LISTEN_FDNAMES (FileDescriptorName= in the .socket unit). The variables are
// taken out of the environment at once, so no child ever sees them. What each socket is comes from /proc.
import path from 'node:path'

import type { SocketAddress } from '../config/socket-address.js'
import { expandIp, socketOfFd, type FdSocket } from './socket-of-fd.js'

/** sd_listen_fds(3): the first passed fd. */
const firstListenFd = 3
/**
 * A vassal's activated sockets, handed on by its socket-activated emperor (fds after the IPC channel, so not
 * at 3 as LISTEN_FDS would have them): JSON `[{ "fd": 4, "name": "uwsgi" }]`.
 */
export const handedOnVariable = 'TSGI__ACTIVATED_FDS'

export interface ActivatedSocket {
  readonly fd: number
  /** Its LISTEN_FDNAMES entry ('' when systemd gave none). */
  readonly name: string
  /** What it is bound to; undefined when it is no unix or TCP socket. */
  readonly socket: FdSocket | undefined
  /** Handed on by the emperor for an address of this vassal's config: adopted by it, or closed. */
  readonly isHandedOn: boolean
}

function handedOnSockets(text: string | undefined): ActivatedSocket[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text ?? '[]')
  } catch {
    return []
  }
  if (!Array.isArray(parsed)) return []
  return parsed.flatMap((entry: { fd?: unknown; name?: unknown }) =>
    Number.isInteger(entry.fd) && typeof entry.name === 'string'
      ? [{ fd: Number(entry.fd), name: entry.name, socket: socketOfFd(Number(entry.fd)), isHandedOn: true }]
      : [],
  )
}

/**
 * Takes LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES (and the emperor's TSGI__ACTIVATED_FDS) out of `env`: the
 * sockets, when they are meant for this process.
 */
export function takeListenFds(env: NodeJS.ProcessEnv): ActivatedSocket[] {
  const { LISTEN_FDS: count, LISTEN_PID: pid, LISTEN_FDNAMES: names } = env
  const handedOn = handedOnSockets(env[handedOnVariable])
  for (const name of ['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES', handedOnVariable])
    Reflect.deleteProperty(env, name)
  if (pid === undefined || Number(pid) !== process.pid || !/^\d+$/.test(count ?? '')) return handedOn
  const nameList = (names ?? '').split(':')
  const passed = Array.from({ length: Number(count) }, (_, index) => {
    const fd = firstListenFd + index
    return { fd, name: nameList[index] ?? '', socket: socketOfFd(fd), isHandedOn: false }
  })
  return [...passed, ...handedOn]
}

export interface AddressMatchOptions {
  /** Where a relative unix path is relative to. */
  readonly cwd: string
  /** The IPs a host name in `address` resolves to (the caller resolves; IP literals need none). */
  readonly hostAddresses?: readonly string[]
}

/** Whether configured `address` is where `socket` listens (wildcards match 0.0.0.0 and ::). */
export function isSameAddress(
  address: SocketAddress,
  socket: FdSocket,
  options: AddressMatchOptions,
): boolean {
  if (address.kind === 'unix' && socket.kind === 'unix')
    return path.resolve(options.cwd, address.path) === socket.path
  if (address.kind === 'abstract' && socket.kind === 'abstract') return address.name === socket.name
  if (address.kind !== 'tcp' || socket.kind !== 'tcp' || address.port !== socket.port) return false
  if (['', '*', '0.0.0.0', '::'].includes(address.host))
    return ['0.0.0.0', expandIp('::')].includes(socket.host)
  if (isIpLiteral(address.host)) return expandIp(address.host) === socket.host
  return (options.hostAddresses ?? []).some((ip) => expandIp(ip) === socket.host)
}

export function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':')
}

export function describeActivated(activated: ActivatedSocket): string {
  const { socket } = activated
  const what =
    socket === undefined
      ? 'not a unix or TCP socket'
      : socket.kind === 'tcp'
        ? `TCP ${socket.host}:${socket.port}`
        : socket.kind === 'unix'
          ? `unix ${socket.path}`
          : `abstract @${socket.name}`
  return `systemd socket fd ${activated.fd} (name "${activated.name}", ${what})`
}
