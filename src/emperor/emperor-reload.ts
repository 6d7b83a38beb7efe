// SIGHUP: emperor.ini again (emperor-config-reload.ts says what applies live), a rescan, then every vassal
// whose command line changed with it (vassal-set, vassals-include …) reloads, one at a time. A config with
// errors is logged and the running one stays. One reload runs at a time; a SIGHUP during one queues another.
import type { Config } from '../config/options/registry.js'
import type { LoadResult } from '../config/resolve-config.js'
import type { Logger } from '../observe/logger.js'
import { mergeReloadedConfig } from './emperor-config-reload.js'
import type { EmperorNotify } from './emperor-notify.js'
import type { MonitorSet } from './monitor-set.js'
import { vassalCommandLine } from './spawn-vassal.js'
import type { Vassal } from './vassal.js'

/** The parts of the emperor a reload reads and changes. */
export interface ReloadableEmperor {
  readonly logger: Logger
  readonly notify: EmperorNotify
  readonly monitors: MonitorSet
  readonly vassals: ReadonlyMap<string, Vassal>
  /** Reads emperor.ini (and the rest of the command line) again. */
  readonly rereadConfig: () => LoadResult
  /** The running config. */
  readonly config: () => Config
  /** Makes `config` the running one: what every getter of the emperor reads from now on. */
  readonly useConfig: (config: Config) => void
  readonly isStopping: () => boolean
}

export class EmperorReload {
  readonly #emperor: ReloadableEmperor
  /** The reload under way; undefined between reloads. */
  #reloading: Promise<void> | undefined
  #isQueued = false

  constructor(emperor: ReloadableEmperor) {
    this.#emperor = emperor
  }

  /** Reloads now, or after the reload under way. */
  request(): void {
    if (this.#emperor.isStopping()) return
    if (this.#reloading !== undefined) {
      this.#isQueued = true
      return
    }
    this.#emperor.notify.reloading()
    this.#reloading = this.#reload().finally(() => {
      this.#reloading = undefined
      this.#emperor.notify.reloaded()
      if (this.#isQueued) {
        this.#isQueued = false
        this.request()
      }
    })
  }

  async #reload(): Promise<void> {
    const { logger, monitors, vassals } = this.#emperor
    const result = this.#emperor.rereadConfig()
    if (result.config === undefined) {
      for (const d of result.diagnostics.items.filter((item) => item.severity === 'error')) {
        const where = d.where !== undefined && 'file' in d.where ? `${d.where.file}:${d.where.line}: ` : ''
        logger.log(
          `[emperor] reload: the config has errors, the running one stays: ${where}${d.code}: ${d.message}`,
        )
      }
      monitors.rescan()
      return
    }
    const previous = this.#emperor.config()
    const change = mergeReloadedConfig(previous, result.config)
    for (const name of change.needsRestart)
      logger.log(`[emperor] reload: ${name} changed; it applies when the emperor restarts, not on a reload`)
    if (change.applied.length > 0) logger.log(`[emperor] reload: applying ${change.applied.join(', ')}`)
    const commandLineBefore = new Map(
      [...vassals.values()].map((vassal) => [
        vassal,
        JSON.stringify(vassalCommandLine(vassal.file, previous)),
      ]),
    )
    const config = change.config
    this.#emperor.useConfig(config)
    monitors.apply(config)
    for (const [vassal, before] of commandLineBefore) {
      if (this.#emperor.isStopping()) return
      if (vassals.get(vassal.name) !== vassal || vassal.state === 'stopping' || vassal.state === 'stopped')
        continue
      if (JSON.stringify(vassalCommandLine(vassal.file, config)) === before) continue
      logger.log(`[emperor] vassal ${vassal.name}: emperor.ini changed what it inherits: reloading it`)
      vassal.apply(vassal.file, { isDeliberate: true })
      await vassal.settled()
    }
    logger.log('[emperor] reload done')
  }
}
