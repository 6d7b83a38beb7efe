// Starts one vassal: `tsgi` again (the same binary, DESIGN.md "Three roles, one binary") with the vassal's
// arguments, through setpriv for a parent-death signal (SIGTERM: a vassal whose emperor is killed stops
// gracefully) and, in tyrant mode, for the file owner's identity with empty capability sets.
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'

import type { Config } from '../config/options/registry.js'
import type { VassalFile } from './monitors/monitor.js'
import { vassalArgv, vassalEnvironment } from './vassal-argv.js'

/** In tyrant mode, who the vassal runs as: its file's owner (or the link's, with emperor-tyrant-nofollow). */
export function tyrantIdentity(file: VassalFile, config: Config): { uid: number; gid: number } {
  return config.emperorTyrantNofollow || config.emperorNofollow ? file.linkOwner : file.owner
}

/**
 * Why tyrant mode refuses this vassal file, if it does: uWSGI's rule (reference §1.13), a vassal owned by
 * root, user or group, never runs.
 */
export function tyrantRefusal(file: VassalFile, config: Config): string | undefined {
  if (!config.emperorTyrant) return undefined
  const { uid, gid } = tyrantIdentity(file, config)
  if (uid !== 0 && gid !== 0) return undefined
  return `[emperor-tyrant] invalid permissions for vassal ${file.name}: owned by uid ${uid} gid ${gid}`
}

/** The vassal's tsgi command line (after the program): it starts with it and re-reads it on each reload. */
export function vassalCommandLine(file: VassalFile, config: Config): string[] {
  const argv = vassalArgv(file.path, config)
  if (!config.emperorTyrant) return argv
  const { uid, gid } = tyrantIdentity(file, config)
  // uid/gid lines inside a tyrant vassal's file cannot change who it runs as: these come last and win.
  return [...argv, '--uid', String(uid), '--gid', String(gid)]
}

export function spawnVassal(file: VassalFile, config: Config): ChildProcess | { refused: string } {
  const setprivArgs = ['--pdeathsig', 'TERM']
  const refusal = tyrantRefusal(file, config)
  if (refusal !== undefined) return { refused: refusal }
  if (config.emperorTyrant) {
    const { uid, gid } = tyrantIdentity(file, config)
    setprivArgs.push(
      `--reuid=${uid}`,
      `--regid=${gid}`,
      config.emperorTyrantInitgroups ? '--init-groups' : '--clear-groups',
    )
    setprivArgs.push('--inh-caps=-all', '--ambient-caps=-all')
  }
  const argv = vassalCommandLine(file, config)
  const main = process.argv[1] ?? ''
  return spawn('setpriv', [...setprivArgs, '--', process.execPath, main, ...argv], {
    // uWSGI starts vassals in the directory of their file (%v is that directory).
    cwd: path.dirname(file.path),
    env: vassalEnvironment(process.env, file.name),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'json',
  })
}
