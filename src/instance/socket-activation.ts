// systemd socket activation (sd_listen_fds(3), DESIGN.md decision 7): sockets systemd bound and passed as fds
// 3 … 3+LISTEN_FDS-1, for this process only (LISTEN_PID). A socket whose address is a configured `socket` /
// `http-socket` is adopted instead of binding that address; one no option names is served with the protocol
// its name says (FileDescriptorName= in the .socket unit, LISTEN_FDNAMES here): `http` or `http-socket` →
// HTTP, anything else → what `socket` speaks (uwsgi unless `protocol` says otherwise). The variables are
// unset at once. Activated sockets belong to systemd: never vacuumed, and handed on to a successor master.
import { lookup } from 'node:dns/promises'
import { closeSync } from 'node:fs'

import type { Config } from '../config/options/registry.js'
import type { SocketAddress } from '../config/socket-address.js'
import type { Logger } from '../observe/logger.js'
import type { ListenerSet } from './listeners.js'
import { describeActivated, isIpLiteral, isSameAddress, takeListenFds } from '../platform/listen-fds.js'

/** The address text an unmatched activated socket is known by (also across a master handover). */
const unmatchedPrefix = 'systemd:'
/** Set for a successor master: the address texts of the sockets that are systemd's, not ours to vacuum. */
export const systemdSocketsVariable = 'TSGI__SYSTEMD_SOCKETS'

/** The IPs a TCP address's host name resolves to (none for IP literals, wildcards and other kinds). */
async function resolveHost(address: SocketAddress): Promise<string[]> {
  if (address.kind !== 'tcp' || address.host === '' || address.host === '*' || isIpLiteral(address.host))
    return []
  const entries = await lookup(address.host, { all: true }).catch(() => [])
  return entries.map((entry) => entry.address)
}

export interface Activation {
  /** The config to bind from: an unmatched activated socket added as an fd address of its protocol. */
  readonly config: Config
  /** Address text → fd: sockets to adopt (the handed-over ones and the activated ones that match). */
  readonly inherited: ReadonlyMap<string, number>
  /** Address texts of systemd's sockets, for the successor master (never vacuumed). */
  readonly systemdOwned: ReadonlySet<string>
}

/**
 * Merges the sockets systemd passed (LISTEN_FDS, or a predecessor's handed-over `systemd:` ones) into what
 * the master binds. `inherited` is what a predecessor master handed over (inherited-sockets.ts).
 */
export async function adoptActivatedSockets(
  config: Config,
  options: { readonly inherited: ReadonlyMap<string, number>; readonly logger: Logger },
): Promise<Activation> {
  const { logger } = options
  const inherited = new Map(options.inherited)
  const owned = new Set<string>(JSON.parse(process.env[systemdSocketsVariable] ?? '[]') as string[])
  Reflect.deleteProperty(process.env, systemdSocketsVariable)
  for (const text of owned) if (!inherited.has(text)) owned.delete(text)
  const extra = { http: [] as SocketAddress[], uwsgi: [] as SocketAddress[] }
  const protocolOf = (name: string): 'http' | 'uwsgi' =>
    /^http(-socket)?$/.test(name) || (!/^(uwsgi(-socket)?)$/.test(name) && config.protocol === 'http')
      ? 'http'
      : 'uwsgi'
  // A predecessor's unmatched activated sockets keep being served the same way.
  for (const [text, fd] of inherited) {
    if (text.startsWith(unmatchedPrefix))
      extra[protocolOf(text.slice(unmatchedPrefix.length))].push({ kind: 'fd', fd, text })
  }
  const configured = [...config.socket, ...config.uwsgiSocket, ...config.httpSocket]
  for (const activated of takeListenFds(process.env)) {
    const what = describeActivated(activated)
    if (activated.socket === undefined) {
      logger.warn(`${what}: not a listening socket tsgi can serve; closed`)
      closeSync(activated.fd)
      continue
    }
    let match: SocketAddress | undefined
    for (const address of configured) {
      const hostAddresses = await resolveHost(address)
      const options = { cwd: process.cwd(), hostAddresses }
      if (match === undefined && isSameAddress(address, activated.socket, options)) match = address
    }
    if (match !== undefined) {
      logger.log(`${what} is the configured ${match.text}: adopted, not bound`)
      inherited.set(match.text, activated.fd)
      owned.add(match.text)
      continue
    }
    if (activated.isHandedOn) {
      // The emperor picked it by port or path; the exact address (the host) is this config's to say.
      logger.warn(`${what}: the emperor handed it on, but no configured address is exactly it; closed`)
      closeSync(activated.fd)
      continue
    }
    const protocol = protocolOf(activated.name)
    const named = `${unmatchedPrefix}${activated.name === '' ? 'fd' : activated.name}`
    // Two sockets with one name (systemd's default is the unit's name for all) stay apart by their fd.
    const text = owned.has(named) || inherited.has(named) ? `${named}#${activated.fd}` : named
    logger.log(`${what} matches no configured socket: served as ${protocol}`)
    extra[protocol].push({ kind: 'fd', fd: activated.fd, text })
    owned.add(text)
  }
  const withExtra: Config = Object.freeze({
    ...config,
    uwsgiSocket: [...config.uwsgiSocket, ...extra.uwsgi],
    httpSocket: [...config.httpSocket, ...extra.http],
  })
  return { config: withExtra, inherited, systemdOwned: owned }
}

/** The variable a successor master needs to know which of the sockets it adopts are systemd's. */
export function activationSuccessorEnvironment(owned: ReadonlySet<string>): Record<string, string> {
  return owned.size === 0 ? {} : { [systemdSocketsVariable]: JSON.stringify([...owned]) }
}

/** The listeners with systemd's unix sockets marked as not ours: vacuum never removes them. */
export function exceptSystemdOwned(set: ListenerSet, owned: ReadonlySet<string>): ListenerSet {
  const listeners = set.listeners.map((listener) =>
    owned.has(listener.address.text) ? { ...listener, unixInode: undefined } : listener,
  )
  return { ...set, listeners }
}
