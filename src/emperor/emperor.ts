// The emperor: governs every vassal file its monitors see (DESIGN.md "Three roles"). It never runs app
// code. Desired set (files) against running set (vassals): a new file starts a vassal, a changed one
// reloads it (or restarts it when its master's own options changed), a removed one stops it; a dead vassal
// is respawned with a growing throttle. SIGTERM/SIGINT stop every vassal gracefully, SIGQUIT at once.
// This file wires the parts together: monitor-set.ts (the desired set), vassal.ts (one vassal each),
// emperor-reload.ts (SIGHUP), emperor-stats.ts and control-server.ts (its two sockets), emperor-notify.ts.
import { unlinkSync, writeFileSync } from 'node:fs'

import type { Config } from '../config/options/registry.js'
import type { LoadResult } from '../config/resolve-config.js'
import { makeError } from '../errors/tsgi-error.js'
import { Logger } from '../observe/logger.js'
import { dropPrivileges } from '../platform/drop-privileges.js'
import { onSignalIntents } from '../platform/signals.js'
import { startEmperorStats, type EmperorStats } from './emperor-stats.js'
import { emperorStatsDocument } from './emperor-stats-document.js'
import { EmperorReload } from './emperor-reload.js'
import { checkEmperorCapabilities } from './emperor-capabilities.js'
import { runControlCommand, type GovernedVassals } from './control-commands.js'
import { startEmperorControl, type EmperorControl } from './control-server.js'
import { MonitorSet } from './monitor-set.js'
import { spawnVassal, tyrantRefusal, vassalCommandLine } from './spawn-vassal.js'
import { vacuumVassalSockets } from './vacuum-vassal-sockets.js'
import { validateVassal } from './validate-vassal.js'
import { EmperorNotify } from './emperor-notify.js'
import { EmperorSockets } from './emperor-sockets.js'
import { Vassal } from './vassal.js'
import type { VassalContext } from './vassal-context.js'
import { hasProcess } from './vassal-state.js'

/** A vassal that lived this long was healthy: a death after it respawns it at once. */
const healthyLifetimeMs = 30_000

export async function runEmperor(
  initial: LoadResult,
  /** Reads emperor.ini (and the rest of the command line) again, for SIGHUP. */
  rereadConfig: () => LoadResult,
): Promise<'stopped'> {
  if (initial.config === undefined)
    throw makeError('ERR_INTERNAL_ASSERTION', { what: 'runEmperor() without a config' })
  /** Replaced by a SIGHUP that re-reads a valid emperor.ini (see emperor-config-reload.ts). */
  let config: Config = initial.config
  const logger = new Logger({ dateFormat: config.logDate })
  if (config.emperorPidfile !== undefined) writeFileSync(config.emperorPidfile, `${process.pid}\n`)
  // systemd's activated sockets, for the vassals that declare them (read before the privilege drop).
  const sockets = new EmperorSockets(process.env, logger)
  // Method (d) of the seed page: an emperor under a fixed uid/gid; its vassals run as that identity too.
  if (config.uid !== undefined) dropPrivileges(config, logger)
  checkEmperorCapabilities(config)
  logger.log(
    `*** starting the tsgi Emperor (pid: ${process.pid})${config.emperorTyrant ? ' in tyrant mode' : ''} ***`,
  )

  const vassals = new Map<string, Vassal>()
  let governing = -1
  let isStopping = false

  const notify = new EmperorNotify(logger)
  /** isAfterReconcile: the desired set was just applied (start-up readiness waits for every monitor's first). */
  const reportGoverning = (isAfterReconcile = false): void => {
    const count = [...vassals.values()].filter((vassal) => hasProcess(vassal.state)).length
    const isScanApplied = isAfterReconcile && monitors.hasScannedAll
    notify.update(vassals.values(), isScanApplied, count)
    if (count === governing) return
    governing = count
    logger.log(`The Emperor is governing ${count} vassals`)
  }

  // Getters: a SIGHUP may change these (a vassal's throttle keeps the settings it was created with).
  const context: VassalContext = {
    logger,
    get mercyMs() {
      return config.emperorCurseTolerance
    },
    get throttle() {
      return { baseMs: config.emperorThrottle, maxMs: config.emperorMaxThrottle, healthyLifetimeMs }
    },
    get isReloadOnChange() {
      return config.emperorReloadOnChange
    },
    refusal: (file) => tyrantRefusal(file, config),
    validate: (file) => sockets.remember(file, validateVassal(file, config)),
    commandLine: (file) => vassalCommandLine(file, config),
    vacuum: (vassal, paths) => vacuumVassalSockets(vassal.name, paths, logger),
    spawn: (file, validation) =>
      spawnVassal(file, config, {
        chownGrant: validation.chownGrant,
        sockets: sockets.forVassal(file),
        log: (line) => logger.log(line),
      }),
    onStateChange: () => reportGoverning(),
  }

  const reconcile = (): void => {
    if (isStopping) return
    const desired = monitors.desired()
    for (const [name, file] of desired) {
      const vassal = vassals.get(name)
      if (vassal === undefined) vassals.set(name, new Vassal(file, context))
      else if (vassal.state !== 'stopping' && vassal.state !== 'stopped') vassal.apply(file)
    }
    for (const [name, vassal] of vassals) {
      if (desired.has(name) || vassal.state === 'stopping') continue
      void vassal.stop().then(() => {
        if (vassals.get(name) === vassal) vassals.delete(name)
        reportGoverning()
        // The file may have come back while the old vassal was stopping.
        reconcile()
      })
    }
    reportGoverning(true)
  }

  const monitors = new MonitorSet(config, { log: (line) => logger.log(line), onChange: () => reconcile() })

  let stats: EmperorStats | undefined
  /** What `tsgi reload|stop|start NAME` act on: a vassal, and its file as the monitors see it now. */
  const governed: GovernedVassals = {
    find(name) {
      const vassal = vassals.get(name)
      if (vassal === undefined) return undefined
      return { vassal, file: monitors.fileOf(name) }
    },
    names: () => [...vassals.keys()],
    reconcile: () => reconcile(),
  }
  let control: EmperorControl | undefined

  let resolveStopped: () => void = () => undefined
  const stopped = new Promise<'stopped'>((resolve) => {
    resolveStopped = () => resolve('stopped')
  })
  const stopAll = async (signal: NodeJS.Signals): Promise<void> => {
    if (isStopping) return
    isStopping = true
    notify.stopping()
    monitors.close()
    await Promise.all([stats?.close(), control?.close()])
    logger.log(
      `[emperor] stopping ${vassals.size} vassals (${signal === 'SIGKILL' ? 'at once' : 'gracefully'})`,
    )
    await Promise.all([...vassals.values()].map((vassal) => vassal.stop(signal)))
    if (config.emperorPidfile !== undefined) {
      try {
        unlinkSync(config.emperorPidfile)
      } catch {
        // Already gone, or not ours to remove after a privilege drop.
      }
    }
    logger.log('The Emperor is governing 0 vassals; goodbye')
    notify.close()
    removeSignals()
    resolveStopped()
  }
  // Included files are nobody's monitor's business: checked at each emperor-freq, as the rescan is.
  const checkIncludes = (): void => {
    for (const vassal of vassals.values()) vassal.checkIncludes()
  }
  let includesTimer = setInterval(checkIncludes, config.emperorFreq)

  const reload = new EmperorReload({
    logger,
    notify,
    monitors,
    vassals,
    rereadConfig,
    config: () => config,
    useConfig: (next) => {
      const previous = config
      config = next
      if (config.emperorFreq !== previous.emperorFreq) {
        clearInterval(includesTimer)
        includesTimer = setInterval(checkIncludes, config.emperorFreq)
      }
    },
    isStopping: () => isStopping,
  })

  const removeSignals = onSignalIntents((intent, signal) => {
    logger.log(`[emperor] received ${signal}`)
    if (intent === 'reload') {
      reload.request()
      return
    }
    void stopAll(intent === 'immediate-stop' ? 'SIGKILL' : 'SIGTERM')
  })
  try {
    if (config.emperorStats !== undefined) {
      // Built afresh for each connection, from the config running then.
      const document = () => emperorStatsDocument(vassals.values(), { config, monitors })
      stats = await startEmperorStats(config.emperorStats, document, {
        isHttp: config.statsHttp,
        isMinified: config.statsMinified,
        log: (line) => logger.log(line),
      })
    }
    if (config.emperorControl !== undefined && !isStopping) {
      control = await startEmperorControl(
        config.emperorControl,
        (request, signal) => runControlCommand(request, governed, signal),
        { log: (line) => logger.log(line) },
      )
    }
  } catch (error) {
    // No vassal runs yet: an emperor that cannot serve the sockets it was asked to does not start.
    isStopping = true
    monitors.close()
    clearInterval(includesTimer)
    await stats?.close()
    removeSignals()
    notify.close()
    throw error
  }
  // A signal that came while they were binding has stopped the emperor already.
  if (isStopping) await Promise.all([stats?.close(), control?.close()])
  monitors.start()
  void stopped.then(() => clearInterval(includesTimer))
  return stopped
}
