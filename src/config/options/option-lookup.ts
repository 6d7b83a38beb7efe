// Lookups over the registry: by name or alias, by short flag, and the list of every spelling.
import { camelCase, type AnySpec } from './define-options.js'
import { optionGroups, type OptionDef } from './registry.js'

function buildDefs(): OptionDef[] {
  const defs: OptionDef[] = []
  for (const group of optionGroups) {
    for (const [name, spec] of Object.entries(group.rows) as [string, AnySpec][]) {
      defs.push({ name, key: camelCase(name), group: group.title, spec })
    }
  }
  return defs
}

export const optionDefs: readonly OptionDef[] = buildDefs()

const byName = new Map<string, OptionDef>()
const byShort = new Map<string, OptionDef>()
for (const def of optionDefs) {
  byName.set(def.name, def)
  for (const alias of def.spec.aliases ?? []) byName.set(alias, def)
  if (def.spec.short !== undefined) byShort.set(def.spec.short, def)
}

/** The option a key names, by its name or an alias; keys are case-sensitive, as in uWSGI. */
export function findOption(key: string): OptionDef | undefined {
  return byName.get(key)
}

export function findShortOption(letter: string): OptionDef | undefined {
  return byShort.get(letter)
}

/** Every name and alias, for did-you-mean. */
export function allOptionSpellings(): Iterable<string> {
  return byName.keys()
}
