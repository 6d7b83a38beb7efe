// The master of one app (an instance; what a vassal is). It never runs app code: it binds the sockets,
// drops privileges, keeps N workers serving, reloads them on SIGHUP or a touched file, and stops them on
// SIGTERM/SIGINT (gracefully) or SIGQUIT (at once), cleaning up after itself with `vacuum`.
import { closeSync } from 'node:fs'

import type { Config } from '../config/options/registry.js'
import type { LoadResult } from '../config/resolve-config.js'
import type { WorkerStart } from '../control/messages.js'
import { makeError } from '../errors/tsgi-error.js'
import { onSignalIntents, type SignalIntent } from '../platform/signals.js'
import { vacuumListeners } from './listeners.js'
import { checkRuntime, removePidfile, startMaster } from './start-master.js'
import { announceToPredecessor, handOverToSuccessor } from './successor.js'
import { spawnWorker } from './spawn-worker.js'
import { TouchWatcher } from './touch-watcher.js'
import { WorkerHandle } from './worker-handle.js'
import { WorkerPool, type SpawnFn } from './worker-pool.js'
import { workerRuntime, type WorkerRuntime } from './worker-runtime.js'

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

/** The STATUS systemd shows, and the readiness log line's end. */
function servingStatus(workers: number): string {
  return `${workers} worker${workers === 1 ? '' : 's'} serving`
}

/** How often workers report their status: often enough for `harakiri` to act within half of it; never without. */
function statusIntervalFor(config: Config): number {
  return config.harakiri > 0 ? Math.min(1_000, Math.max(100, config.harakiri / 2)) : 0
}

/** How often the master looks for a worker to harakiri. */
const harakiriCheckMs = 250

export async function runInstance(
  initial: LoadResult,
  /** Reads the config again; under an emperor, from the command line it last sent (undefined: as started). */
  reloadConfig: (commandLine: readonly string[] | undefined) => LoadResult,
): Promise<InstanceOutcome> {
  let config = initial.config
  if (config === undefined)
    throw makeError('ERR_INTERNAL_ASSERTION', { what: 'runInstance() without a config' })
  const master = await startMaster(config)
  const { logger, logFd, logPrefix, emperor, listeners, inherited, successorOf, pidfile, identity, isRoot } =
    master
  const { notify } = master
  if (initial.provenance.has('master') && !config.master) {
    logger.log(
      emperor === undefined
        ? "master = false is ignored for a Python app: its code never runs in the master's Node process"
        : 'master = false is ignored in a vassal: vassals always run a master (DESIGN.md)',
    )
  }

  /** The last load failure of a worker (one line), so the next worker logs a repeat in one line. */
  let lastLoadFailure: string | undefined
  const spawnFor =
    (current: Config, runtime: WorkerRuntime): SpawnFn =>
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
        app: checkRuntime(current),
        manageScriptName: current.manageScriptName,
        bufferSizeBytes: current.bufferSize,
        isRequestLogOn: !current.disableLogging,
        logDate: current.logDate,
        logPrefix,
        statusIntervalMs: statusIntervalFor(current),
        python: runtime.pythonStart(lastLoadFailure),
      }
      const child = spawnWorker({
        config: current,
        fds: listeners.listeners.map((listener) => listener.fd),
        output: logFd ?? 'inherit',
        isRoot: isRoot && identity.uid === 0,
        ...(runtime.command === undefined ? {} : { command: runtime.command }),
        ...(runtime.env === undefined ? {} : { env: runtime.env }),
      })
      const worker = new WorkerHandle(child, start, (reason) => {
        // Every worker of a generation sees the same change: one reload, asked by the current generation.
        if (generation === pool.generation && reloading === undefined) reload(reason)
      })
      void worker.ready.then((isReady) => {
        lastLoadFailure = isReady ? undefined : worker.loadFailure
      })
      return worker
    }

  let runtime: WorkerRuntime
  try {
    runtime = workerRuntime(config)
  } catch (error) {
    vacuumListeners(listeners, logger)
    throw error
  }
  for (const note of runtime.notes) logger.log(note)
  const pool = new WorkerPool({
    size: config.processes,
    spawn: spawnFor(config, runtime),
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
  /** The command line the emperor last sent with a reload; undefined: the one this process started with. */
  let commandLine: readonly string[] | undefined
  const watchers: TouchWatcher[] = []

  /** Sockets a successor master adopted: never vacuumed by this one. */
  let handedOver: ReadonlySet<string> = new Set()
  // harakiri (as uWSGI): a worker whose request runs too long is killed, and its slot respawned. The timer
  // runs only while `harakiri` is set: an idle master without it has nothing to wake up for.
  let harakiriTimer: NodeJS.Timeout | undefined
  const syncHarakiriTimer = (): void => {
    const isWanted = config !== undefined && config.harakiri > 0
    if (isWanted === (harakiriTimer !== undefined)) return
    clearInterval(harakiriTimer)
    harakiriTimer = isWanted
      ? setInterval(() => {
          if (config !== undefined && config.harakiri > 0) pool.harakiri(config.harakiri)
        }, harakiriCheckMs).unref()
      : undefined
  }
  syncHarakiriTimer()
  const cleanUp = (): void => {
    clearInterval(harakiriTimer)
    for (const watcher of watchers) watcher.close()
    if (config?.vacuum === true) {
      vacuumListeners(listeners, logger, handedOver)
      if (pidfile !== undefined) removePidfile(pidfile, logger)
    }
    if (logFd !== undefined) closeSync(logFd)
    // Last: a second SIGTERM (one sent to the whole process group, say) must not cut the vacuum short.
    removeSignals()
  }

  const stop = (
    intent: 'graceful-stop' | 'immediate-stop',
    outcome: InstanceOutcome = 'stopped',
  ): Promise<InstanceOutcome> => {
    stopping ??= (async () => {
      notify.stopping()
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
    notify.reloading()
    reloading = (async () => {
      logger.log(`reload (${why}): re-reading the config`)
      const result = reloadConfig(commandLine)
      const next = result.config
      if (next === undefined) {
        const errors = result.diagnostics.items.filter((item) => item.severity === 'error')
        for (const d of errors) logger.log(`reload aborted: ${d.code}: ${d.message}`)
        // The emperor waits for the outcome of every reload it asks for (`tsgi reload NAME` reports it).
        emperor?.send({
          type: 'vassal-reload-failed',
          reason: errors.map((d) => `${d.code}: ${d.message}`).join('; '),
        })
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
        const adopted = await handOverToSuccessor(listeners, logger, {
          what: 'master',
          notify,
          env: master.successorEnvironment(),
        })
        if (adopted === undefined) return
        handedOver = adopted
        void stop('graceful-stop')
        return
      }

      let nextRuntime: WorkerRuntime
      try {
        checkRuntime(next)
        nextRuntime = workerRuntime(next)
      } catch (error) {
        logger.log(`reload aborted: ${String(error)}`)
        emperor?.send({ type: 'vassal-reload-failed', reason: String(error) })
        return
      }
      const outcome = await pool.reload(spawnFor(next, nextRuntime), next.processes)
      if (outcome.isDone) {
        config = next
        syncHarakiriTimer()
      }
      emperor?.send(
        outcome.isDone
          ? { type: 'vassal-ready' }
          : { type: 'vassal-reload-failed', reason: outcome.failure ?? 'unknown' },
      )
    })().finally(() => {
      reloading = undefined
      // Done or aborted, the instance serves (a handed-over or stopping one has already fallen silent).
      notify.reloaded(servingStatus(pool.pids.length))
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
  // Tell the master this one replaces that it may retire.
  if (started.readyCount > 0) announceToPredecessor(listeners, inherited, successorOf)
  if (started.failure !== undefined) logger.log(`some workers failed to start: ${started.failure}`)
  else logger.log(`tsgi is ready: ${servingStatus(started.readyCount)}`)
  if (started.readyCount > 0) {
    emperor?.send({ type: 'vassal-ready' })
    notify.ready(servingStatus(started.readyCount))
  }
  emperor?.onReload((argv) => {
    commandLine = argv
    reload('the emperor asked')
  })
  // A vassal whose emperor is gone stops (setpriv's parent-death signal covers an emperor killed outright).
  emperor?.onGone(() => void stop('graceful-stop'))
  // The instance runs until a signal stops it.
  return stopped
}
