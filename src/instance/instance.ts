// The master of one app (an instance; what a vassal is). It never runs app code: it binds the sockets,
// drops privileges, keeps N workers serving, reloads them on SIGHUP or a touched file, and stops them on
// SIGTERM/SIGINT (gracefully) or SIGQUIT (at once), cleaning up after itself with `vacuum`.
import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'

import type { Config } from '../config/options/registry.js'
import type { LoadResult } from '../config/resolve-config.js'
import type { SuccessorReady, VassalMessage, WorkerStart } from '../control/messages.js'
import { makeError } from '../errors/tsgi-error.js'
import { Logger } from '../observe/logger.js'
import { dropPrivileges } from '../platform/drop-privileges.js'
import { onSignalIntents, type SignalIntent } from '../platform/signals.js'
import { closeUnclaimed, successorOfVariable, takeInheritedSockets } from './inherited-sockets.js'
import { bindListeners, vacuumListeners, type ListenerSet } from './listeners.js'
import { startSuccessor } from './successor.js'
import { spawnWorker } from './spawn-worker.js'
import { TouchWatcher } from './touch-watcher.js'
import { WorkerHandle } from './worker-handle.js'
import { WorkerPool, type SpawnFn } from './worker-pool.js'

export type InstanceOutcome = 'stopped' | 'app-load-failed'

/** Options the master itself uses: a change to them needs a new master, not new workers (DESIGN.md). */
const masterOptions = [
  'socket',
  'uwsgiSocket',
  'httpSocket',
  'sharedSocket',
  'uid',
  'gid',
  'chmodSocket',
  'chownSocket',
  'logto',
  'pidfile',
  'listen',
  'umask',
] as const

function changedMasterOptions(before: Config, after: Config): string[] {
  return masterOptions.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
}

/** The IPC channel to the emperor, when this instance is a vassal. */
function emperorChannel(): { send(message: VassalMessage): void; onGone(handler: () => void): void } {
  return {
    send: (message) => process.send?.(message, () => undefined),
    onGone: (handler) => process.once('disconnect', handler),
  }
}

/** Removes the pidfile only while it still holds this master's pid (a successor may have rewritten it). */
function removePidfile(pidfile: string, logger: Logger): void {
  try {
    if (readFileSync(pidfile, 'utf8').trim() !== String(process.pid)) return
    unlinkSync(pidfile)
  } catch (error) {
    logger.log(`vacuum: cannot remove pidfile ${pidfile}: ${String(error)}`)
  }
}

/** Which runtime serves `config`: only Node.js in this build (Python arrives with issue #6). */
function checkRuntime(config: Config): string {
  const module = config.module
  // uWSGI's `0:cgi` form: the modifier prefix means nothing to tsgi.
  const plugins = config.plugin.flat().map((name) => name.toLowerCase().replace(/^\d+:/, ''))
  const isPython = plugins.some((name) => name.startsWith('python')) || config.wsgiFile !== undefined
  if (isPython) throw makeError('ERR_USAGE_ROLE_NOT_AVAILABLE', { role: 'Python runtime', issue: 6 })
  if (plugins.includes('cgi'))
    throw makeError('ERR_CONFIG_NOT_AVAILABLE', { what: 'plugin = cgi (the CGI runtime)' })
  if (module === undefined) throw makeError('ERR_RUNTIME_NO_APP', {})
  return module
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

export async function runInstance(
  initial: LoadResult,
  reloadConfig: () => LoadResult,
): Promise<InstanceOutcome> {
  let config = initial.config
  if (config === undefined)
    throw makeError('ERR_INTERNAL_ASSERTION', { what: 'runInstance() without a config' })
  checkRuntime(config)
  if (config.umask !== undefined) process.umask(config.umask)
  const logFd = openLog(config)
  // Under the emperor: every line carries the vassal's name, and the emperor hears of readiness.
  const vassalName = process.env.TSGI__VASSAL_NAME
  const emperor = vassalName !== undefined && process.send !== undefined ? emperorChannel() : undefined
  const logPrefix = vassalName === undefined ? '' : `[${vassalName}] `
  const logger = new Logger({
    prefix: logPrefix,
    dateFormat: config.logDate,
    ...(logFd === undefined ? {} : { write: (line: string) => void writeSync(logFd, line) }),
  })
  // A successor master (a reload changed the master's own options) adopts its predecessor's sockets.
  const inherited = takeInheritedSockets(process.env)
  const successorOf = process.env[successorOfVariable]
  Reflect.deleteProperty(process.env, successorOfVariable)
  const listeners: ListenerSet = await bindListeners(config, logger, inherited)
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
  if (initial.provenance.has('master') && !config.master) {
    logger.log('master = false (standalone mode) is not implemented yet: running with a master')
  }

  const spawnFor =
    (current: Config): SpawnFn =>
    (workerId, generation) => {
      const start: WorkerStart = {
        type: 'start',
        workerId,
        generation,
        listeners: listeners.listeners.map((listener, index) => ({
          fd: 4 + index,
          protocol: listener.protocol,
          address: listener.address.text,
        })),
        backlog: listeners.backlog,
        headerTimeoutMs: current.socketTimeout,
        app: { module: checkRuntime(current), mounts: [] },
        manageScriptName: current.manageScriptName,
        bufferSizeBytes: current.bufferSize,
        isRequestLogOn: !current.disableLogging,
        logDate: current.logDate,
        logPrefix,
      }
      const child = spawnWorker({
        config: current,
        fds: listeners.listeners.map((listener) => listener.fd),
        output: logFd ?? 'inherit',
        isRoot: isRoot && identity.uid === 0,
      })
      return new WorkerHandle(child, start)
    }

  const pool = new WorkerPool({
    size: config.processes,
    spawn: spawnFor(config),
    logger,
    mercyMs: config.workerReloadMercy,
    respawnDelayMs: config.forkbombDelay,
  })

  /** Set by the first stop request; later ones join it. */
  let stopping: Promise<InstanceOutcome> | undefined
  let resolveStopped: (outcome: InstanceOutcome) => void = () => undefined
  const stopped = new Promise<InstanceOutcome>((resolve) => {
    resolveStopped = resolve
  })
  let reloading: Promise<void> | undefined
  let isReloadQueued = false
  const watchers: TouchWatcher[] = []

  /** Sockets a successor master adopted: never vacuumed by this one. */
  let handedOver: ReadonlySet<string> = new Set()
  const cleanUp = (): void => {
    for (const watcher of watchers) watcher.close()
    removeSignals()
    if (config?.vacuum === true) {
      vacuumListeners(listeners, logger, handedOver)
      if (pidfile !== undefined) removePidfile(pidfile, logger)
    }
    if (logFd !== undefined) closeSync(logFd)
  }

  const stop = (
    intent: 'graceful-stop' | 'immediate-stop',
    outcome: InstanceOutcome = 'stopped',
  ): Promise<InstanceOutcome> => {
    stopping ??= (async () => {
      logger.log(
        intent === 'graceful-stop' ? 'graceful stop: draining workers' : 'immediate stop: killing workers',
      )
      if (intent === 'graceful-stop') await pool.close()
      else await pool.destroy()
      logger.log('goodbye to tsgi')
      cleanUp()
      resolveStopped(outcome)
      return outcome
    })()
    return stopping
  }

  const reload = (why: string): void => {
    if (stopping !== undefined) return
    if (reloading !== undefined) {
      isReloadQueued = true
      return
    }
    reloading = (async () => {
      logger.log(`reload (${why}): re-reading the config`)
      const result = reloadConfig()
      const next = result.config
      if (next === undefined) {
        for (const d of result.diagnostics.items.filter((item) => item.severity === 'error'))
          logger.log(`reload aborted: ${d.code}: ${d.message}`)
        return
      }
      const changed = changedMasterOptions(config as Config, next)
      if (changed.length > 0 && emperor !== undefined) {
        // The emperor restarts a vassal whose master options change; a successor it did not start would
        // look like a death to it.
        const reason = `${changed.join(', ')} changed: the emperor restarts this vassal when its file changes`
        logger.log(`reload aborted: ${reason}`)
        emperor.send({ type: 'vassal-reload-failed', reason })
        return
      }
      if (changed.length > 0) {
        logger.log(
          `reload: ${changed.join(', ')} changed: starting a new master with the sockets handed over`,
        )
        const successor = await startSuccessor(listeners)
        if (!successor.isReady) {
          logger.log(`reload aborted: ${successor.reason}; this master keeps serving`)
          return
        }
        logger.log(`reload: the new master (pid: ${successor.pid}) serves; this one retires`)
        handedOver = successor.adopted
        void stop('graceful-stop')
        return
      }

      try {
        checkRuntime(next)
      } catch (error) {
        logger.log(`reload aborted: ${String(error)}`)
        return
      }
      const outcome = await pool.reload(spawnFor(next), next.processes)
      if (outcome.isDone) config = next
      emperor?.send(
        outcome.isDone
          ? { type: 'vassal-ready' }
          : { type: 'vassal-reload-failed', reason: outcome.failure ?? 'unknown' },
      )
    })().finally(() => {
      reloading = undefined
      if (isReloadQueued) {
        isReloadQueued = false
        reload('queued')
      }
    })
  }

  const removeSignals = onSignalIntents((intent: SignalIntent, signal) => {
    logger.log(`received ${signal}`)
    if (intent === 'reload') reload(signal)
    else void stop(intent)
  })
  for (const files of [config.touchReload, config.touchChainReload]) {
    if (files.length > 0) watchers.push(new TouchWatcher(files, (file) => reload(`${file} touched`)))
  }

  const started = await pool.start()
  if (started.readyCount === 0 && config.needApp) {
    logger.log(`*** no app loaded. GAME OVER *** (${started.failure ?? 'unknown failure'})`)
    return stop('immediate-stop', 'app-load-failed')
  }
  if (successorOf !== undefined && started.readyCount > 0) {
    // Tell the master this one replaces that it may retire, then live on our own.
    const adopted = listeners.listeners
      .filter((l) => inherited.get(l.address.text) === l.fd)
      .map((l) => l.address.text)
    process.send?.({ type: 'successor-ready', adopted } satisfies SuccessorReady, () =>
      process.disconnect?.(),
    )
  }
  if (started.failure !== undefined) logger.log(`some workers failed to start: ${started.failure}`)
  else logger.log(`tsgi is ready: ${started.readyCount} worker${started.readyCount === 1 ? '' : 's'} serving`)
  if (started.readyCount > 0) emperor?.send({ type: 'vassal-ready' })
  // A vassal whose emperor is gone stops (setpriv's parent-death signal covers an emperor killed outright).
  emperor?.onGone(() => void stop('graceful-stop'))
  // The instance runs until a signal stops it.
  return stopped
}
