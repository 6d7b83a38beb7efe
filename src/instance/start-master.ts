// What every master does before it serves, whether it supervises workers (instance.ts) or serves the app
// itself (standalone, master = false): check the runtime, open the log, bind or adopt the sockets, write
// the pidfile and drop privileges. A failure after binding removes the sockets it bound.
import { openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'

import type { Config } from '../config/options/registry.js'
import { isEmperorMessage, type VassalMessage, type WorkerStart } from '../control/messages.js'
import { makeError } from '../errors/tsgi-error.js'
import { isPythonApp, planPythonApps, pluginNames } from '../runtimes/python/python-runtime.js'
import { Logger } from '../observe/logger.js'
import { dropPrivileges, type Identity } from '../platform/drop-privileges.js'
import { emperorChownFrom } from './ask-emperor-chown.js'
import { obeyEmperorSignals } from './obey-emperor-signals.js'
import { closeUnclaimed, successorOfVariable, takeInheritedSockets } from './inherited-sockets.js'
import { InstanceNotify } from './instance-notify.js'
import {
  activationSuccessorEnvironment,
  adoptActivatedSockets,
  exceptSystemdOwned,
} from './socket-activation.js'
import { bindListeners, vacuumListeners, type ListenerSet } from './listeners.js'

export interface EmperorChannel {
  send(message: VassalMessage): void
  onGone(handler: () => void): void
  /** The emperor asks for a reload, with the command line to re-read the config from. */
  onReload(handler: (argv: readonly string[]) => void): void
}

export interface MasterSetup {
  readonly logger: Logger
  readonly logFd: number | undefined
  /** `[vassal.ini] ` under the emperor, '' otherwise. */
  readonly logPrefix: string
  /** The IPC channel to the emperor, when this instance is a vassal. */
  readonly emperor: EmperorChannel | undefined
  readonly listeners: ListenerSet
  /** Sockets handed over by the master this one replaces: address text → fd. */
  readonly inherited: ReadonlyMap<string, number>
  /** The pid of the master this one replaces, which waits for `successor-ready`. */
  readonly successorOf: string | undefined
  readonly pidfile: string | undefined
  readonly identity: Identity
  /** Whether this process started as root (before the drop). */
  readonly isRoot: boolean
  /** sd_notify to systemd, when systemd runs this instance itself. */
  readonly notify: InstanceNotify
  /** What a successor master needs in its environment from systemd (NOTIFY_SOCKET, its sockets). */
  successorEnvironment(): Record<string, string>
}

/** The IPC channel to the emperor, when this instance is a vassal. */
function emperorChannel(): EmperorChannel {
  return {
    send: (message) => process.send?.(message, () => undefined),
    onGone: (handler) => process.once('disconnect', handler),
    onReload: (handler) =>
      process.on('message', (message: unknown) => {
        if (isEmperorMessage(message)) handler(message.argv)
      }),
  }
}

/** Removes the pidfile only while it still holds this master's pid (a successor may have rewritten it). */
export function removePidfile(pidfile: string, logger: Logger): void {
  try {
    if (readFileSync(pidfile, 'utf8').trim() !== String(process.pid)) return
    unlinkSync(pidfile)
  } catch (error) {
    logger.log(`vacuum: cannot remove pidfile ${pidfile}: ${String(error)}`)
  }
}

/** The apps a Node worker loads: `module` (the default app) and each `mount = /prefix=app.mjs`. */
export type AppSpec = WorkerStart['app']

/**
 * Checks that a runtime can serve `config` and returns the Node worker's app spec. A Python app's spec is
 * built by workerRuntime() after the privilege drop; here it is only checked to name an app.
 */
export function checkRuntime(config: Config): AppSpec {
  const module = config.module
  // uWSGI's `0:cgi` form: the modifier prefix means nothing to tsgi.
  if (pluginNames(config).includes('cgi'))
    throw makeError('ERR_CONFIG_NOT_AVAILABLE', { what: 'plugin = cgi (the CGI runtime)' })
  if (isPythonApp(config)) {
    planPythonApps(config, config.chdir ?? process.cwd())
    return { module, mounts: [] }
  }
  const mounts = config.mount.map((mount) => ({ mountpoint: mount.name, module: mount.value }))
  if (module === undefined && mounts.length === 0) throw makeError('ERR_RUNTIME_NO_APP', {})
  return { module, mounts }
}

/** Plugin names that choose nothing in this build: said once at start, as uWSGI logs an unloadable plugin. */
function unusedPlugins(config: Config): string[] {
  return config.plugin.flat().filter((name) => !/^(\d+:)?(node|nodejs|python[\d.]*|cgi)$/i.test(name))
}

/** Runs a file operation of the master, turning its failure into one clear ERR_INSTANCE_FILE line. */
function fileStep<T>(option: string, file: string, step: () => T): T {
  try {
    return step()
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT'
        ? 'its directory does not exist'
        : code === 'EACCES'
          ? 'permission denied'
          : String(code ?? cause)
    throw makeError('ERR_INSTANCE_FILE', { option, file, reason }, { cause })
  }
}

function openLog(config: Config): number | undefined {
  const logto = config.logto
  if (logto === undefined) return undefined
  // Opened before the privilege drop, as uWSGI does, so a root-owned log directory works.
  return fileStep('logto', logto, () => openSync(logto, 'a', 0o640))
}

export async function startMaster(config: Config): Promise<MasterSetup> {
  checkRuntime(config)
  if (config.umask !== undefined) process.umask(config.umask)
  const logFd = openLog(config)
  // Under the emperor: every line carries the vassal's name, and the emperor hears of readiness.
  const vassalName = process.env.TSGI__VASSAL_NAME
  const emperor = vassalName !== undefined && process.send !== undefined ? emperorChannel() : undefined
  if (emperor !== undefined) obeyEmperorSignals()
  const logPrefix = vassalName === undefined ? '' : `[${vassalName}] `
  const logger = new Logger({
    prefix: logPrefix,
    dateFormat: config.logDate,
    ...(logFd === undefined ? {} : { write: (line: string) => void writeSync(logFd, line) }),
  })
  // A successor master (a reload changed the master's own options) adopts its predecessor's sockets.
  const handedOver = takeInheritedSockets(process.env)
  const successorOf = process.env[successorOfVariable]
  Reflect.deleteProperty(process.env, successorOfVariable)
  const notify = new InstanceNotify(logger, {
    isVassal: vassalName !== undefined,
    isSuccessor: successorOf !== undefined,
  })
  // Sockets systemd bound (socket activation) are adopted like handed-over ones.
  const activation = await adoptActivatedSockets(config, { inherited: handedOver, logger })
  const inherited = activation.inherited
  const bound = await bindListeners(activation.config, logger, {
    inherited,
    emperorChown: emperorChownFrom(process.env),
  })
  const listeners: ListenerSet = exceptSystemdOwned(bound, activation.systemdOwned)
  closeUnclaimed(inherited, new Set(listeners.listeners.map((listener) => listener.fd)))
  const pidfile = config.pidfile
  const isRoot = process.getuid?.() === 0
  let identity
  try {
    if (pidfile !== undefined) fileStep('pidfile', pidfile, () => writeFileSync(pidfile, `${process.pid}\n`))
    identity = dropPrivileges(config, logger)
  } catch (error) {
    // A start that fails after binding leaves no socket behind (it would only be stale).
    vacuumListeners(listeners, logger)
    throw error
  }
  logger.log(`tsgi master running as uid ${identity.uid} gid ${identity.gid} (pid: ${process.pid})`)
  for (const name of unusedPlugins(config))
    logger.log(`plugin ${JSON.stringify(name)} is ignored: tsgi's runtimes are built in`)
  return {
    logger,
    logFd,
    logPrefix,
    emperor,
    listeners,
    inherited,
    successorOf,
    pidfile,
    identity,
    isRoot,
    notify,
    successorEnvironment: () => ({
      ...notify.successorEnvironment(),
      ...activationSuccessorEnvironment(activation.systemdOwned),
    }),
  }
}
