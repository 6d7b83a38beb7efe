// The emperor's monitors, one per `emperor = …` value, and what they last reported. The emperor asks it for
// the desired set of vassals (every monitor's files merged, the first monitor that names a vassal winning),
// which monitor names a vassal (the stats document), and a vassal's file as the monitors see it now (the
// control commands). A SIGHUP that changes the specs or emperor-freq replaces the monitors; a spec that
// stays keeps its last set meanwhile, so its vassals are not stopped while its new monitor scans.
import path from 'node:path'

import type { Config } from '../config/options/registry.js'
import { createMonitor } from './monitors/create-monitor.js'
import type { Monitor, VassalFile } from './monitors/monitor.js'

export interface MonitorSetOptions {
  readonly log: (line: string) => void
  /** Called after a monitor reports its set, and after the monitors are replaced. */
  readonly onChange: () => void
}

/** The monitor specs of `config`: a URL as it is, anything else as an absolute path. */
function specsOf(config: Config): string[] {
  return config.emperor.map((spec) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec) ? spec : path.resolve(spec)))
}

export class MonitorSet {
  readonly #log: (line: string) => void
  readonly #onChange: () => void
  /** The specs of #monitors, index for index. */
  #specs: string[]
  #monitors: Monitor[]
  /** The emperor-freq the monitors were created with. */
  #freqMs: number
  /** Each monitor's last reported set (name → file); a monitor has none until its first scan. */
  readonly #snapshots = new Map<Monitor, ReadonlyMap<string, VassalFile>>()

  /** Creates the monitors of `config` (an invalid spec throws); none watches before start(). */
  constructor(config: Config, options: MonitorSetOptions) {
    this.#log = options.log
    this.#onChange = options.onChange
    this.#specs = specsOf(config)
    this.#freqMs = config.emperorFreq
    this.#monitors = this.#specs.map((spec) => this.#monitorFor(spec, config))
  }

  /** The monitors' specs, in the order of `emperor = …`. */
  get specs(): readonly string[] {
    return this.#specs
  }

  /** Whether every monitor has reported its first set. */
  get hasScannedAll(): boolean {
    return this.#monitors.every((monitor) => this.#snapshots.has(monitor))
  }

  start(): void {
    for (const monitor of this.#monitors) this.#start(monitor)
  }

  /** name → its file, merged over every monitor (the first monitor that names a vassal wins). */
  desired(): Map<string, VassalFile> {
    const desired = new Map<string, VassalFile>()
    for (const snapshot of this.#snapshots.values()) {
      for (const [name, file] of snapshot) {
        if (desired.has(name)) this.#log(`[emperor] two monitors name vassal ${name}: the first one wins`)
        else desired.set(name, file)
      }
    }
    return desired
  }

  /** The spec of the monitor that names vassal `name`; '' when none does. */
  monitorOf(name: string): string {
    return (
      this.#specs[this.#monitors.findIndex((monitor) => this.#snapshots.get(monitor)?.has(name) === true)] ??
      ''
    )
  }

  /** Vassal `name`'s file as the monitors see it now; undefined when none names it. */
  fileOf(name: string): VassalFile | undefined {
    return [...this.#snapshots.values()].find((snapshot) => snapshot.has(name))?.get(name)
  }

  /**
   * After a SIGHUP: new monitors when the specs or emperor-freq of `config` differ from the running ones,
   * else a rescan of every monitor.
   */
  apply(config: Config): void {
    if (
      config.emperorFreq !== this.#freqMs ||
      JSON.stringify(specsOf(config)) !== JSON.stringify(this.#specs)
    )
      this.#replace(config)
    else this.rescan()
  }

  rescan(): void {
    for (const monitor of this.#monitors) monitor.rescan()
  }

  close(): void {
    for (const monitor of this.#monitors) monitor.close()
  }

  #monitorFor(spec: string, config: Config): Monitor {
    return createMonitor(spec, {
      freqMs: config.emperorFreq,
      isNofollow: config.emperorNofollow,
      log: (line) => this.#log(line),
    })
  }

  #start(monitor: Monitor): void {
    monitor.start((files) => {
      if (!this.#monitors.includes(monitor)) return
      this.#snapshots.set(monitor, files)
      this.#onChange()
    })
  }

  /** New monitors for the specs of `config`; a kept spec keeps its last snapshot meanwhile. */
  #replace(config: Config): void {
    const previous = new Map(this.#monitors.map((monitor, index) => [this.#specs[index] ?? '', monitor]))
    this.#specs = specsOf(config)
    this.#freqMs = config.emperorFreq
    this.#monitors = this.#specs.map((spec) => this.#monitorFor(spec, config))
    this.#monitors.forEach((monitor, index) => {
      const kept = previous.get(this.#specs[index] ?? '')
      const snapshot = kept === undefined ? undefined : this.#snapshots.get(kept)
      if (snapshot !== undefined) this.#snapshots.set(monitor, snapshot)
    })
    for (const old of previous.values()) {
      old.close()
      this.#snapshots.delete(old)
    }
    this.start()
    // A monitor that is gone takes its vassals with it.
    this.#onChange()
  }
}
