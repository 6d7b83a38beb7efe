// The emperor's SIGHUP reads emperor.ini again (DESIGN.md "Signals, reloads and timeouts"). What the emperor
// consults while it runs (its monitors and their frequency, throttles, the stop mercy, reload-on-change, the
// vassal templates) takes effect at once; what it applied once at start (its identity and capabilities,
// tyrant mode, the stats socket, pidfile and logs) keeps its running value, and the log says that only a
// restart of the emperor applies it. Options of other roles in emperor.ini mean nothing to the emperor.
import { optionDefs } from '../config/options/option-lookup.js'
import type { Config } from '../config/options/registry.js'

/** The options a running emperor re-reads: every other emperor option needs a restart. */
const liveOptions: ReadonlySet<string> = new Set([
  'emperor',
  'emperor-freq',
  'emperor-reload-on-change',
  'emperor-throttle',
  'emperor-max-throttle',
  'emperor-curse-tolerance',
  'reload-mercy',
  'vassal-set',
  'vassals-include',
  'vassals-include-before',
  'vassals-inherit',
  'vassals-inherit-before',
])

export interface EmperorConfigChange {
  /** The config to run with from now on: the re-read one, with the start-only options as they were. */
  readonly config: Config
  /** Live options whose value changed, by name. */
  readonly applied: readonly string[]
  /** Start-only options whose value changed and which keep their running value, by name. */
  readonly needsRestart: readonly string[]
}

export function mergeReloadedConfig(running: Config, reread: Config): EmperorConfigChange {
  const merged: Record<string, unknown> = { ...reread }
  const applied: string[] = []
  const needsRestart: string[] = []
  const runningValues = running as unknown as Readonly<Record<string, unknown>>
  for (const def of optionDefs) {
    if (!def.spec.roles.includes('emperor')) continue
    const before = runningValues[def.key]
    if (JSON.stringify(before) === JSON.stringify(merged[def.key])) continue
    if (liveOptions.has(def.name)) {
      applied.push(def.name)
    } else {
      needsRestart.push(def.name)
      merged[def.key] = before
    }
  }
  // Built key by key from two Configs of the same registry, so it has exactly Config's shape.
  return { config: Object.freeze(merged) as unknown as Config, applied, needsRestart }
}
