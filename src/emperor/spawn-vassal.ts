// Starts one vassal: `tsgi` again (the same binary, DESIGN.md "Three roles, one binary") with the vassal's
// arguments, through setpriv for a parent-death signal (SIGTERM: a vassal whose emperor is killed stops
// gracefully) and, in tyrant mode, for the file owner's identity with empty capability sets. In tyrant mode
// the emperor also serves the vassal's requests to chown its sockets (chown-vassal-socket.ts).
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'

import type { Config } from '../config/options/registry.js'
import { emperorChownsVariable, relayedSignals, type RelayedSignal } from '../control/messages.js'
import { missingCapabilities } from '../platform/capabilities.js'
import { setprivSwitchArgs } from '../platform/setpriv-args.js'
import { serveChownRequests } from './chown-vassal-socket.js'
import type { VassalFile } from './monitors/monitor.js'
import { isPrivilegedChown, type SocketChownGrant } from './socket-chown-grant.js'
import { vassalArgv, vassalEnvironment } from './vassal-argv.js'

/** In tyrant mode, who the vassal runs as: its file's owner (or the link's, with emperor-tyrant-nofollow). */
export function tyrantIdentity(file: VassalFile, config: Config): { uid: number; gid: number } {
  return config.emperorTyrantNofollow || config.emperorNofollow ? file.linkOwner : file.owner
}

/** The setpriv arguments that start a tyrant vassal (or its config check) as its file's owner. */
export function tyrantSwitchArgs(file: VassalFile, config: Config): string[] {
  const { uid, gid } = tyrantIdentity(file, config)
  return setprivSwitchArgs(
    { uid, gid, groups: config.emperorTyrantInitgroups ? 'init' : 'clear' },
    { canEmptyBoundingSet: missingCapabilities(['setpcap']).length === 0 },
  )
}

/**
 * Why tyrant mode refuses this vassal file, if it does: uWSGI's rule (reference §1.13), a vassal owned by
 * root, user or group, never runs; and an unprivileged emperor refuses a file owned by its own user, whose
 * vassal could signal the emperor or write its files.
 */
export function tyrantRefusal(file: VassalFile, config: Config): string | undefined {
  if (!config.emperorTyrant) return undefined
  const { uid, gid } = tyrantIdentity(file, config)
  if (uid === 0 || gid === 0)
    return `[emperor-tyrant] invalid permissions for vassal ${file.name}: owned by uid ${uid} gid ${gid}`
  if (uid === process.getuid?.())
    return `[emperor-tyrant] refusing vassal ${file.name}: owned by uid ${uid}, the emperor's own user`
  return undefined
}

/** The vassal's tsgi command line (after the program): it starts with it and re-reads it on each reload. */
export function vassalCommandLine(file: VassalFile, config: Config): string[] {
  const argv = vassalArgv(file.path, config)
  if (!config.emperorTyrant) return argv
  const { uid, gid } = tyrantIdentity(file, config)
  // uid/gid lines inside a tyrant vassal's file cannot change who it runs as: these come last and win.
  return [...argv, '--uid', String(uid), '--gid', String(gid)]
}

/**
 * An unprivileged tyrant emperor without CAP_KILL may not signal a vassal running as another user (kill(2)
 * needs the same uid): its signals go over the control channel instead, and the vassal raises them on itself
 * (obey-emperor-signals.ts). The child's kill() is replaced so that every caller keeps one way to signal.
 * A vassal whose master stopped listening cannot be forced this way: `cap = …,kill` lets the emperor SIGKILL
 * it, and its parent-death signal still stops it when the emperor exits (docs/security.md).
 */
function relaySignals(child: ChildProcess): void {
  child.kill = (signal?: NodeJS.Signals | number): boolean => {
    const name = typeof signal === 'string' ? signal : 'SIGTERM'
    const relayed = relayedSignals.find((known) => known === name)
    if (relayed === undefined || !child.connected || child.exitCode !== null || child.signalCode !== null)
      return false
    const message: RelayedSignal = { type: 'signal', signal: relayed }
    child.send(message, () => undefined)
    return true
  }
}

export interface SpawnVassalOptions {
  /** In tyrant mode: what the emperor may chown for this vassal (from its validated config). */
  readonly chownGrant?: SocketChownGrant | undefined
  readonly log: (line: string) => void
}

export function spawnVassal(
  file: VassalFile,
  config: Config,
  options: SpawnVassalOptions,
): ChildProcess | { refused: string } {
  const setprivArgs = ['--pdeathsig', 'TERM']
  const refusal = tyrantRefusal(file, config)
  if (refusal !== undefined) return { refused: refusal }
  const env = vassalEnvironment(process.env, file.name)
  if (config.emperorTyrant) {
    const owner = tyrantIdentity(file, config)
    const grant = options.chownGrant
    if (
      grant !== undefined &&
      isPrivilegedChown(grant, owner, { hasSupplementaryGroups: config.emperorTyrantInitgroups }) &&
      missingCapabilities(['chown']).length > 0
    ) {
      // DESIGN.md: an unprivileged emperor without CAP_CHOWN cannot give a socket to another user.
      return {
        refused:
          `[emperor-tyrant] refusing vassal ${file.name}: chown-socket = ${grant.text} needs the emperor to ` +
          'hold CAP_CHOWN (add chown to its cap: cap = setgid,setuid,chown)',
      }
    }
    setprivArgs.push(...tyrantSwitchArgs(file, config))
    env[emperorChownsVariable] = '1'
  }
  const argv = vassalCommandLine(file, config)
  const main = process.argv[1] ?? ''
  const child = spawn('setpriv', [...setprivArgs, '--', process.execPath, main, ...argv], {
    // uWSGI starts vassals in the directory of their file (%v is that directory).
    cwd: path.dirname(file.path),
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'json',
  })
  if (config.emperorTyrant && missingCapabilities(['kill']).length > 0) relaySignals(child)
  if (config.emperorTyrant) {
    serveChownRequests(child, {
      grant: options.chownGrant,
      vassal: tyrantIdentity(file, config),
      log: (line) => options.log(`[emperor] vassal ${file.name}: ${line}`),
    })
  }
  return child
}
