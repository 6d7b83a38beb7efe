// The emperor: governs every vassal file its monitors see (DESIGN.md "Three roles"). It never runs app
// code. Desired set (files) against running set (vassals): a new file starts a vassal, a changed one
// reloads it (or restarts it when its master's own options changed), a removed one stops it; a dead vassal
// is respawned with a growing throttle. SIGTERM/SIGINT stop every vassal gracefully, SIGQUIT at once.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import type { Config } from '../config/options/registry.js'
import type { LoadResult } from '../config/resolve-config.js'
import { makeError } from '../errors/tsgi-error.js'
import { Logger } from '../observe/logger.js'
import { tsgiVersion } from '../observe/version.js'
import { dropPrivileges } from '../platform/drop-privileges.js'
import { onSignalIntents } from '../platform/signals.js'
import {
  blacklistEntry,
  describeVassal,
  startEmperorStats,
  type EmperorStats,
  type EmperorStatsDocument,
} from './emperor-stats.js'
import { mergeReloadedConfig } from './emperor-config-reload.js'
import { checkEmperorCapabilities } from './emperor-capabilities.js'
import { runControlCommand, type GovernedVassals } from './control-commands.js'
import { startEmperorControl, type EmperorControl } from './control-server.js'
import { createMonitor } from './monitors/create-monitor.js'
import type { Monitor, VassalFile } from './monitors/monitor.js'
import { spawnVassal, tyrantIdentity, tyrantRefusal, vassalCommandLine } from './spawn-vassal.js'
import { vacuumVassalSockets } from './vacuum-vassal-sockets.js'
import { validateVassal } from './validate-vassal.js'
import { EmperorNotify } from './emperor-notify.js'
import { EmperorSockets } from './emperor-sockets.js'
import { Vassal, type VassalContext } from './vassal.js'
import { hasProcess } from './vassal-state.js'

/** A vassal that lived this long was healthy: a death after it respawns it at once. */
const healthyLifetimeMs = 30_000

/** The real uid and gid of a live process, from /proc; undefined when it is gone. */
function processIdentity(pid: number): { uid: number; gid: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1')
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1]
    const gid = /^Gid:\s+(\d+)/m.exec(status)?.[1]
    return uid === undefined || gid === undefined ? undefined : { uid: Number(uid), gid: Number(gid) }
  } catch {
    return undefined
  }
}

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
  /** name → its file, merged over every monitor (the first monitor that names a vassal wins). */
  const snapshots = new Map<Monitor, ReadonlyMap<string, VassalFile>>()
  let governing = -1
  let isStopping = false

  const notify = new EmperorNotify(logger)
  /** isAfterReconcile: the desired set was just applied (start-up readiness waits for every monitor's first). */
  const reportGoverning = (isAfterReconcile = false): void => {
    const count = [...vassals.values()].filter((vassal) => hasProcess(vassal.state)).length
    const isScanApplied = isAfterReconcile && monitors.every((monitor) => snapshots.has(monitor))
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
    const desired = new Map<string, VassalFile>()
    for (const snapshot of snapshots.values()) {
      for (const [name, file] of snapshot) {
        if (desired.has(name)) logger.log(`[emperor] two monitors name vassal ${name}: the first one wins`)
        else desired.set(name, file)
      }
    }
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

  const specsOf = (current: Config): string[] =>
    current.emperor.map((spec) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec) ? spec : path.resolve(spec)))
  const monitorFor = (spec: string): Monitor =>
    createMonitor(spec, {
      freqMs: config.emperorFreq,
      isNofollow: config.emperorNofollow,
      log: (line) => logger.log(line),
    })
  let monitorSpecs = specsOf(config)
  let monitors = monitorSpecs.map((spec) => monitorFor(spec))
  const startMonitor = (monitor: Monitor): void =>
    monitor.start((files) => {
      if (!monitors.includes(monitor)) return
      snapshots.set(monitor, files)
      reconcile()
    })

  /** The stats document (reference §1.12), built afresh for each connection. */
  const statsDocument = (): EmperorStatsDocument => {
    const monitorOf = (name: string): string =>
      monitorSpecs[monitors.findIndex((monitor) => snapshots.get(monitor)?.has(name) === true)] ?? ''
    const sorted = [...vassals.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    return {
      version: tsgiVersion,
      pid: process.pid,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      cwd: process.cwd(),
      emperor: monitorSpecs,
      emperor_tyrant: config.emperorTyrant ? 1 : 0,
      throttle_level: 0,
      vassals: sorted.map((vassal) => {
        // Who it runs as: its file's owner in tyrant mode, else what its live process shows (0 when none).
        const identity = config.emperorTyrant
          ? tyrantIdentity(vassal.file, config)
          : ((vassal.pid === undefined ? undefined : processIdentity(vassal.pid)) ?? { uid: 0, gid: 0 })
        return describeVassal(vassal, monitorOf(vassal.name), identity)
      }),
      blacklist: sorted.filter((vassal) => vassal.state === 'throttled').map(blacklistEntry),
    }
  }
  let stats: EmperorStats | undefined
  /** What `tsgi reload|stop|start NAME` act on: a vassal, and its file as the monitors see it now. */
  const governed: GovernedVassals = {
    find(name) {
      const vassal = vassals.get(name)
      if (vassal === undefined) return undefined
      const file = [...snapshots.values()].find((snapshot) => snapshot.has(name))?.get(name)
      return { vassal, file }
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
    for (const monitor of monitors) monitor.close()
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

  /** New monitors for the specs of the running config; a kept spec keeps its last snapshot meanwhile. */
  const replaceMonitors = (): void => {
    const previous = new Map(monitors.map((monitor, index) => [monitorSpecs[index] ?? '', monitor]))
    monitorSpecs = specsOf(config)
    monitors = monitorSpecs.map((spec) => monitorFor(spec))
    monitors.forEach((monitor, index) => {
      const kept = previous.get(monitorSpecs[index] ?? '')
      const snapshot = kept === undefined ? undefined : snapshots.get(kept)
      if (snapshot !== undefined) snapshots.set(monitor, snapshot)
    })
    for (const old of previous.values()) {
      old.close()
      snapshots.delete(old)
    }
    for (const monitor of monitors) startMonitor(monitor)
    // A monitor that is gone takes its vassals with it.
    reconcile()
  }

  /**
   * SIGHUP: emperor.ini again (emperor-config-reload.ts says what applies live), a rescan, then every vassal
   * whose command line changed with it (vassal-set, vassals-include …) reloads, one at a time.
   */
  let reloadingEmperor: Promise<void> | undefined
  let isEmperorReloadQueued = false
  const reloadEmperor = (): void => {
    if (isStopping) return
    if (reloadingEmperor !== undefined) {
      isEmperorReloadQueued = true
      return
    }
    notify.reloading()
    reloadingEmperor = (async () => {
      const result = rereadConfig()
      if (result.config === undefined) {
        for (const d of result.diagnostics.items.filter((item) => item.severity === 'error')) {
          const where = d.where !== undefined && 'file' in d.where ? `${d.where.file}:${d.where.line}: ` : ''
          logger.log(
            `[emperor] reload: the config has errors, the running one stays: ${where}${d.code}: ${d.message}`,
          )
        }
        for (const monitor of monitors) monitor.rescan()
        return
      }
      const change = mergeReloadedConfig(config, result.config)
      for (const name of change.needsRestart)
        logger.log(`[emperor] reload: ${name} changed; it applies when the emperor restarts, not on a reload`)
      if (change.applied.length > 0) logger.log(`[emperor] reload: applying ${change.applied.join(', ')}`)
      const previous = config
      const commandLineBefore = new Map(
        [...vassals.values()].map((vassal) => [
          vassal,
          JSON.stringify(vassalCommandLine(vassal.file, previous)),
        ]),
      )
      config = change.config
      if (
        config.emperorFreq !== previous.emperorFreq ||
        JSON.stringify(specsOf(config)) !== JSON.stringify(monitorSpecs)
      )
        replaceMonitors()
      else for (const monitor of monitors) monitor.rescan()
      if (config.emperorFreq !== previous.emperorFreq) {
        clearInterval(includesTimer)
        includesTimer = setInterval(checkIncludes, config.emperorFreq)
      }
      for (const [vassal, before] of commandLineBefore) {
        if (isStopping) return
        if (vassals.get(vassal.name) !== vassal || vassal.state === 'stopping' || vassal.state === 'stopped')
          continue
        if (JSON.stringify(vassalCommandLine(vassal.file, config)) === before) continue
        logger.log(`[emperor] vassal ${vassal.name}: emperor.ini changed what it inherits: reloading it`)
        vassal.apply(vassal.file, { isDeliberate: true })
        await vassal.settled()
      }
      logger.log('[emperor] reload done')
    })().finally(() => {
      reloadingEmperor = undefined
      notify.reloaded()
      if (isEmperorReloadQueued) {
        isEmperorReloadQueued = false
        reloadEmperor()
      }
    })
  }

  const removeSignals = onSignalIntents((intent, signal) => {
    logger.log(`[emperor] received ${signal}`)
    if (intent === 'reload') {
      reloadEmperor()
      return
    }
    void stopAll(intent === 'immediate-stop' ? 'SIGKILL' : 'SIGTERM')
  })
  try {
    if (config.emperorStats !== undefined) {
      stats = await startEmperorStats(config.emperorStats, statsDocument, {
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
    for (const monitor of monitors) monitor.close()
    clearInterval(includesTimer)
    await stats?.close()
    removeSignals()
    notify.close()
    throw error
  }
  // A signal that came while they were binding has stopped the emperor already.
  if (isStopping) await Promise.all([stats?.close(), control?.close()])
  for (const monitor of monitors) startMonitor(monitor)
  void stopped.then(() => clearInterval(includesTimer))
  return stopped
}
