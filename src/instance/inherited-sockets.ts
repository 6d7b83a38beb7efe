// Listening sockets handed to this master by the master it replaces (a reload that changed options the
// master itself uses: DESIGN.md "Signals, reloads and timeouts"). They arrive as fds with a description in
// TSGI__INHERITED_SOCKETS, and are matched to the configured addresses by their text; unmatched ones are
// closed. The variable is removed at once, so no worker ever sees it.
import { closeSync } from 'node:fs'

export const inheritedSocketsVariable = 'TSGI__INHERITED_SOCKETS'
/** Set in a successor's environment: the pid of the master it replaces, which waits for its `ready`. */
export const successorOfVariable = 'TSGI__SUCCESSOR_OF'

export interface InheritedSocket {
  readonly address: string
  readonly fd: number
}

function isInheritedSocket(value: unknown): value is InheritedSocket {
  return (
    typeof value === 'object' &&
    value !== null &&
    'address' in value &&
    typeof value.address === 'string' &&
    'fd' in value &&
    Number.isInteger(value.fd)
  )
}

/** Takes the inherited sockets out of `env`: address text → fd. */
export function takeInheritedSockets(env: NodeJS.ProcessEnv): Map<string, number> {
  const text = env[inheritedSocketsVariable]
  Reflect.deleteProperty(env, inheritedSocketsVariable)
  const sockets = new Map<string, number>()
  if (text === undefined) return sockets
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return sockets
  }
  if (!Array.isArray(parsed)) return sockets
  for (const entry of parsed) if (isInheritedSocket(entry)) sockets.set(entry.address, entry.fd)
  return sockets
}

/** Closes the inherited fds no configured address took (the new config dropped those sockets). */
export function closeUnclaimed(sockets: ReadonlyMap<string, number>, claimed: ReadonlySet<number>): void {
  for (const fd of sockets.values()) {
    if (claimed.has(fd)) continue
    try {
      closeSync(fd)
    } catch {
      // Already closed.
    }
  }
}
