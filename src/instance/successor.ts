// Replacing the master in place (DESIGN.md: Node has no execve, so a master cannot re-exec as uWSGI's
// does). On a reload that changes options the master itself uses, the master starts a successor — the same
// tsgi command line — and hands it every listening socket as an fd. The successor adopts the sockets whose
// address it still has, binds the new ones, starts its workers, and says `successor-ready`; only then does
// the old master drain its workers and exit. If the successor fails, the old master keeps serving.
import { spawn } from 'node:child_process'

import { isSuccessorReady, type SuccessorReady } from '../control/messages.js'
import type { Logger } from '../observe/logger.js'
import type { InstanceNotify } from './instance-notify.js'
import { inheritedSocketsVariable, successorOfVariable } from './inherited-sockets.js'
import type { ListenerSet } from './listeners.js'

export type SuccessorOutcome =
  | { readonly isReady: true; readonly pid: number; readonly adopted: ReadonlySet<string> }
  | { readonly isReady: false; readonly reason: string }

/** First fd of the handed-over sockets in the successor (0-2 stdio, 3 the IPC channel). */
const firstFd = 4

/** `systemdEnv`: NOTIFY_SOCKET, WATCHDOG_USEC and which sockets are systemd's, for the successor. */
export function startSuccessor(
  set: ListenerSet,
  systemdEnv: Readonly<Record<string, string>> = {},
): Promise<SuccessorOutcome> {
  const listeners = set.listeners
  const description = listeners.map((listener, index) => ({
    address: listener.address.text,
    fd: firstFd + index,
  }))
  const script = process.argv[1] ?? ''
  const child = spawn(process.execPath, [...process.execArgv, script, ...process.argv.slice(2)], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      ...systemdEnv,
      [inheritedSocketsVariable]: JSON.stringify(description),
      [successorOfVariable]: String(process.pid),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', ...listeners.map((listener) => listener.fd)],
    serialization: 'json',
  })
  return new Promise((resolve) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      resolve({
        isReady: false,
        reason: `the new master exited (${signal ?? `code ${code ?? '?'}`}) before it was ready`,
      })
    }
    child.once('exit', onExit)
    child.once('error', (error) =>
      resolve({ isReady: false, reason: `the new master could not start: ${error.message}` }),
    )
    child.on('message', (message: unknown) => {
      if (!isSuccessorReady(message)) return
      child.off('exit', onExit)
      // From here on the successor lives on its own; it is not our child to wait for.
      child.disconnect()
      child.unref()
      resolve({ isReady: true, pid: child.pid ?? -1, adopted: new Set(message.adopted) })
    })
  })
}

/**
 * The successor's side: once it serves, tell the master it replaces which inherited sockets it adopted (so
 * that one never vacuums them), and live on its own. Does nothing in a master that replaces nobody.
 */
export function announceToPredecessor(
  set: ListenerSet,
  inherited: ReadonlyMap<string, number>,
  successorOf: string | undefined,
): void {
  if (successorOf === undefined) return
  const adopted = set.listeners
    .filter((l) => inherited.get(l.address.text) === l.fd)
    .map((l) => l.address.text)
  process.send?.({ type: 'successor-ready', adopted } satisfies SuccessorReady, () => process.disconnect?.())
}

/**
 * Starts a successor and logs the outcome: the addresses it adopted once it serves (this process must then
 * retire without vacuuming them), or undefined when it failed and this `what` keeps serving.
 */
export async function handOverToSuccessor(
  set: ListenerSet,
  logger: Logger,
  options: {
    readonly what: 'master' | 'process'
    readonly notify: InstanceNotify
    /** systemd's variables for the successor (MasterSetup.successorEnvironment). */
    readonly env: Readonly<Record<string, string>>
  },
): Promise<ReadonlySet<string> | undefined> {
  const { what, notify } = options
  const successor = await startSuccessor(set, options.env)
  if (!successor.isReady) {
    logger.log(`reload aborted: ${successor.reason}; this ${what} keeps serving`)
    return undefined
  }
  logger.log(`reload: the new ${what} (pid: ${successor.pid}) serves; this one retires`)
  notify.handedOver(successor.pid)
  return successor.adopted
}
