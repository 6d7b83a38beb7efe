// One option described for people: its default in the words a config would use, and its full help text.
import type { OptionDef } from '../../config/options/registry.js'

function formatValue(value: unknown, typeName: string): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') {
    if (typeName === 'octal mode') return value.toString(8)
    if (typeName === 'duration') return value % 1000 === 0 ? `${value / 1000}s` : `${value}ms`
    return String(value)
  }
  if (typeof value === 'string') return value
  return JSON.stringify(value)
}

export function describeDefault(def: OptionDef): string {
  if (def.spec.shape === 'list') return '(none)'
  if (def.spec.default === undefined) return '(unset)'
  return formatValue(def.spec.default, def.spec.type.name)
}

export function describeStatus(def: OptionDef): string {
  if (def.spec.ignored !== undefined) return `ignored: ${def.spec.ignored}`
  if (def.spec.plannedIn === 'later') return 'not yet implemented'
  if (def.spec.plannedIn !== undefined) return `not yet implemented (issue #${def.spec.plannedIn})`
  return 'implemented'
}

export function describeOption(def: OptionDef): string {
  const spec = def.spec
  const lines = [
    `${def.name}${spec.aliases?.length ? ` (also: ${spec.aliases.join(', ')})` : ''}`,
    `  ${spec.doc}`,
    '',
    `  value:      ${spec.type.expected}${spec.type.emptyValue === undefined ? '' : `; empty means ${formatValue(spec.type.emptyValue, spec.type.name)}`}`,
    `  default:    ${describeDefault(def)}`,
    `  repeatable: ${spec.shape === 'list' ? 'yes, every occurrence adds a value' : 'no, the last occurrence wins'}`,
    `  read by:    ${spec.roles.join(', ')}`,
    `  status:     ${describeStatus(def)}`,
    `  forms:      ${def.name} = VALUE (ini), --${def.name} VALUE${spec.short === undefined ? '' : `, -${spec.short}`}, TSGI_${def.name.toUpperCase().replaceAll('-', '_')}=VALUE`,
  ]
  if (spec.implies?.length) lines.push(`  implies:    ${spec.implies.join(', ')}`)
  if (spec.details !== undefined) lines.push('', ...spec.details.split('\n').map((line) => `  ${line}`))
  return `${lines.join('\n')}\n`
}
