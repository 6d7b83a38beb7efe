// `cap = setgid,setuid` in a config started as root (the seed page's unprivileged tyrant emperor, method
// (c)): the process must run as `uid`/`gid` keeping exactly those capabilities. Node cannot keep
// capabilities across its own setuid(), and Node 20 has no execve(), so the process starts itself again
// through setpriv(1) with the new identity and the capabilities in its inheritable, ambient and bounding
// sets (ambient capabilities survive the exec of a non-root program; the bounding set caps everything
// below it). The root process stays as a thin waiter: it drops to the same uid/gid at once, forwards the
// stop and reload signals, and exits with the re-started process's status, so a supervisor that started
// it (systemd, a shell) sees one process with the usual exit codes. Under systemd prefer
// `User=`/`Group=`/`AmbientCapabilities=` (contrib/systemd, docs/security.md): then nothing re-starts.
import { spawn } from 'node:child_process'
import { constants } from 'node:os'

import type { Config } from '../config/options/registry.js'
import { makeError } from '../errors/tsgi-error.js'
import type { Logger } from '../observe/logger.js'
import { configuredIdentity } from './drop-privileges.js'

/** Set in the re-started process's environment (reserved TSGI__ prefix): it must not re-start again. */
export const restartedVariable = 'TSGI__CAPABILITIES_KEPT'

/** Signals the waiter passes on: stop, reload and immediate stop (DESIGN.md decision 6), and the USRs. */
const forwardedSignals = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const

/**
 * Whether this process must re-start itself to keep `cap`: only as root and only once. Reads and removes
 * the marker, so that the processes it starts never see it.
 */
export function needsCapabilityRestart(config: Config): boolean {
  const isRestarted = process.env[restartedVariable] !== undefined
  Reflect.deleteProperty(process.env, restartedVariable)
  return config.cap !== undefined && process.getuid?.() === 0 && !isRestarted
}

/** The setpriv arguments that switch to `uid`/`gid` (if set) keeping exactly `cap`. */
function setprivArgs(config: Config): { args: string[]; identity: { uid: number; gid: number } | undefined } {
  const kept = (config.cap ?? []).map((name) => `+${name}`).join(',')
  const args = [
    '--pdeathsig=TERM',
    `--inh-caps=-all,${kept}`,
    `--ambient-caps=-all,${kept}`,
    `--bounding-set=-all,${kept}`,
  ]
  if (config.uid === undefined) return { args, identity: undefined }
  const identity = configuredIdentity(config)
  const groups =
    identity.extraGids.length > 0
      ? [`--groups=${[identity.gid, ...identity.extraGids].join(',')}`]
      : identity.userName !== undefined && !config.noInitgroups
        ? ['--init-groups']
        : ['--clear-groups']
  args.unshift(`--reuid=${identity.uid}`, `--regid=${identity.gid}`, ...groups)
  return { args, identity }
}

/**
 * Starts this same command line again through setpriv, waits for it, and resolves with the exit status to
 * end with (128+N when a signal N ended it, as a shell reports it).
 */
export function restartWithCapabilities(config: Config, logger: Logger): Promise<number> {
  const { args, identity } = setprivArgs(config)
  const who = identity === undefined ? 'root' : `uid ${identity.uid} gid ${identity.gid}`
  logger.log(
    `*** re-starting as ${who} keeping only the capabilities ${(config.cap ?? []).join(',')} ` +
      `(pid ${process.pid} waits for it and forwards signals) ***`,
  )
  const child = spawn(
    'setpriv',
    [...args, '--', process.execPath, ...process.execArgv, process.argv[1] ?? '', ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, [restartedVariable]: '1' } },
  )
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal)
  for (const signal of forwardedSignals) process.on(signal, forward)
  return new Promise((resolve, reject) => {
    child.once('error', (cause) =>
      reject(
        makeError('ERR_PRIVILEGE_DROP', { what: `re-start as ${who}`, reason: cause.message }, { cause }),
      ),
    )
    child.once('spawn', () => {
      // Nothing here needs root any more: the waiter takes the same identity, so no root process remains
      // (it can still signal its child, which has the same real uid).
      if (identity === undefined) return
      process.setgroups?.([identity.gid])
      process.setgid?.(identity.gid)
      process.setuid?.(identity.uid)
    })
    child.once('exit', (code, signal) => {
      for (const name of forwardedSignals) process.off(name, forward)
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]))
    })
  })
}
