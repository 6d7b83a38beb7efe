// The emperor's stats document (reference §1.12), built afresh for each connection to `emperor-stats`:
// uWSGI's keys in uWSGI's order, so uwsgitop and other tools keep working, plus tsgi's per-vassal `state`,
// `last_exit`, `config_error` and `throttle_ms`. emperor-stats.ts serves it.
import { readFileSync, statSync } from 'node:fs'

import type { Config } from '../config/options/registry.js'
import { tsgiVersion } from '../observe/version.js'
import type { MonitorSet } from './monitor-set.js'
import { tyrantIdentity } from './spawn-vassal.js'
import type { Vassal } from './vassal.js'

export interface EmperorStatsVassal {
  readonly id: string
  readonly pid: number
  readonly born: number
  readonly last_mod: number
  readonly last_heartbeat: number
  readonly loyal: number
  readonly ready: 0 | 1
  readonly accepting: 0 | 1
  readonly last_loyal: number
  readonly last_ready: number
  readonly last_accepting: number
  readonly first_run: number
  readonly last_run: number
  readonly cursed: number
  readonly zerg: number
  readonly on_demand: string
  readonly uid: number
  readonly gid: number
  readonly monitor: string
  readonly respawns: number
  // tsgi's additions.
  readonly state: string
  readonly last_exit: {
    readonly code: number | null
    readonly signal: string | null
    readonly at: number
  } | null
  readonly config_error: string | null
  readonly throttle_ms: number
}

export interface EmperorStatsBlacklistEntry {
  readonly id: string
  readonly throttle_level: number
  readonly attempt: number
  readonly first_attempt: number
  readonly last_attempt: number
}

export interface EmperorStatsDocument {
  readonly version: string
  readonly pid: number
  readonly uid: number
  readonly gid: number
  readonly cwd: string
  readonly emperor: readonly string[]
  readonly emperor_tyrant: 0 | 1
  readonly throttle_level: number
  readonly vassals: readonly EmperorStatsVassal[]
  readonly blacklist: readonly EmperorStatsBlacklistEntry[]
}

const seconds = (ms: number): number => Math.floor(ms / 1000)

/** The file's mtime in epoch seconds (following a symlink, as the monitors do); 0 when it is gone. */
function mtimeOf(path: string): number {
  try {
    return seconds(statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0)
  } catch {
    return 0
  }
}

/**
 * One vassal's entry. `identity` is who it runs (or would run) as; `monitor` the spec of the monitor that
 * named it. `config_error` is the vassal's own: the config errors tsgi produces never quote text read
 * through @(file).
 */
function describeVassal(
  vassal: Vassal,
  monitor: string,
  identity: { readonly uid: number; readonly gid: number },
): EmperorStatsVassal {
  const isReady = vassal.state === 'ready' || vassal.state === 'reloading' ? 1 : 0
  const lastReady = seconds(vassal.record.lastReadyAt)
  const lastExit = vassal.record.lastExit
  return {
    id: vassal.name,
    pid: vassal.pid ?? -1,
    born: seconds(vassal.record.bornAt),
    last_mod: mtimeOf(vassal.file.path),
    last_heartbeat: 0,
    loyal: lastReady,
    ready: isReady,
    accepting: isReady,
    last_loyal: lastReady,
    last_ready: lastReady,
    last_accepting: lastReady,
    first_run: seconds(vassal.record.firstRunAt),
    last_run: seconds(vassal.record.lastRunAt),
    cursed: 0,
    zerg: 0,
    on_demand: '',
    uid: identity.uid,
    gid: identity.gid,
    monitor,
    respawns: vassal.record.respawns,
    state: vassal.state,
    last_exit:
      lastExit === undefined
        ? null
        : { code: lastExit.code, signal: lastExit.signal, at: seconds(lastExit.at) },
    config_error: vassal.configError ?? null,
    throttle_ms: vassal.throttleMs,
  }
}

/** A throttled vassal's blacklist entry (uWSGI's `throttle_level` is in ms). */
function blacklistEntry(vassal: Vassal): EmperorStatsBlacklistEntry {
  return {
    id: vassal.name,
    throttle_level: vassal.throttleMs,
    attempt: vassal.record.quickDeaths,
    first_attempt: seconds(vassal.record.streakStartedAt),
    last_attempt: seconds(vassal.record.lastRunAt),
  }
}

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

export interface EmperorStatsSources {
  /** The running config (a SIGHUP may have replaced the one the emperor started with). */
  readonly config: Config
  readonly monitors: MonitorSet
}

/** The document for the emperor governing `vassals`, as they are now. */
export function emperorStatsDocument(
  vassals: Iterable<Vassal>,
  { config, monitors }: EmperorStatsSources,
): EmperorStatsDocument {
  const sorted = [...vassals].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return {
    version: tsgiVersion,
    pid: process.pid,
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
    cwd: process.cwd(),
    emperor: monitors.specs,
    emperor_tyrant: config.emperorTyrant ? 1 : 0,
    throttle_level: 0,
    vassals: sorted.map((vassal) => {
      // Who it runs as: its file's owner in tyrant mode, else what its live process shows (0 when none).
      const identity = config.emperorTyrant
        ? tyrantIdentity(vassal.file, config)
        : ((vassal.pid === undefined ? undefined : processIdentity(vassal.pid)) ?? { uid: 0, gid: 0 })
      return describeVassal(vassal, monitors.monitorOf(vassal.name), identity)
    }),
    blacklist: sorted.filter((vassal) => vassal.state === 'throttled').map(blacklistEntry),
  }
}
