// The seed page's emperor.tsgi.socket: systemd binds a vassal's socket and starts the emperor at the first
// connection; the emperor holds the socket for its whole life and hands it to each process of the vassal
// that declares that address (fds after the IPC channel, described in TSGI__ACTIVATED_FDS). The vassal
// adopts it as it would a socket systemd passed itself (instance/socket-activation.ts), and never vacuums
// it. uWSGI's vassals close every inherited fd, so there the recipe serves nothing (DESIGN.md). The emperor
// picks by the vassal's address keys (validate-vassal.ts: a unix path, an abstract name, a TCP port); the
// vassal then matches the exact address.
import path from 'node:path'

import type { Logger } from '../observe/logger.js'
import {
  describeActivated,
  handedOnVariable,
  takeListenFds,
  type ActivatedSocket,
} from '../platform/listen-fds.js'
import type { FdSocket } from '../platform/socket-of-fd.js'
import type { VassalFile } from './monitors/monitor.js'
import type { Validation } from './vassal-context.js'

/** What a vassal process gets: fds after its IPC channel (3), and the variable that describes them. */
export interface VassalSockets {
  readonly fds: readonly number[]
  readonly env: Readonly<Record<string, string>>
}

/** The first fd of the handed sockets in the vassal (0-2 stdio, 3 the IPC channel). */
const firstVassalFd = 4

/** Whether address key `key` (`unix:PATH`, `abstract:NAME`, `tcp:PORT`) names `socket`. */
function isKeyOf(key: string, socket: FdSocket, cwd: string): boolean {
  const [kind = '', ...rest] = key.split(':')
  const value = rest.join(':')
  if (kind === 'unix' && socket.kind === 'unix') return path.resolve(cwd, value) === socket.path
  if (kind === 'abstract' && socket.kind === 'abstract') return value === socket.name
  return kind === 'tcp' && socket.kind === 'tcp' && Number(value) === socket.port
}

export class EmperorSockets {
  readonly #activated: readonly ActivatedSocket[]
  /** Vassal name → the address keys its config declared when it was last validated. */
  readonly #addresses = new Map<string, readonly string[]>()

  /** Takes LISTEN_* out of `env`; call it before dropping privileges (/proc/self/fd may close to us after). */
  constructor(env: NodeJS.ProcessEnv, logger: Logger) {
    this.#activated = takeListenFds(env).filter((activated) => {
      if (activated.socket !== undefined) {
        logger.log(`[emperor] ${describeActivated(activated)}: for the vassal that declares that address`)
        return true
      }
      logger.warn(`[emperor] ${describeActivated(activated)}: no vassal can serve it; ignored`)
      return false
    })
  }

  /** Passes `validation` through, remembering the addresses of a valid vassal for its next spawn. */
  remember(file: VassalFile, validation: Validation): Validation {
    if (validation.isValid) this.#addresses.set(file.name, validation.addresses)
    return validation
  }

  /** The activated sockets `file`'s vassal declares, to pass to its process. */
  forVassal(file: VassalFile): VassalSockets {
    const cwd = path.dirname(file.path)
    const keys = this.#addresses.get(file.name) ?? []
    const chosen = this.#activated.filter((activated) => {
      const socket = activated.socket
      return socket !== undefined && keys.some((key) => isKeyOf(key, socket, cwd))
    })
    if (chosen.length === 0) return { fds: [], env: {} }
    const described = chosen.map((activated, index) => ({ fd: firstVassalFd + index, name: activated.name }))
    return {
      fds: chosen.map((activated) => activated.fd),
      env: { [handedOnVariable]: JSON.stringify(described) },
    }
  }
}
