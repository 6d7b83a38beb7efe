// docs/options.md, generated from the registry (STYLE.md habit 6). Never edit the Markdown by hand.
import type { AnySpec } from './define-options.js'
import { optionDefs } from './option-lookup.js'
import { optionGroups } from './registry.js'

function formatDefault(spec: AnySpec): string {
  if (spec.shape === 'list') return '—'
  const value: unknown = spec.default
  if (value === undefined) return '—'
  if (typeof value === 'boolean') return value ? '`true`' : '`false`'
  if (typeof value === 'number') {
    if (spec.type.name === 'octal mode' || spec.type.name === 'umask') return `\`${value.toString(8)}\``
    if (spec.type.name === 'duration') return value % 1000 === 0 ? `\`${value / 1000}s\`` : `\`${value}ms\``
    return `\`${value}\``
  }
  return `\`${JSON.stringify(value)}\``
}

function status(spec: AnySpec): string {
  if (spec.ignored !== undefined) return `ignored: ${spec.ignored}`
  if (spec.plannedIn === 'later') return 'not yet implemented'
  if (spec.plannedIn !== undefined) return `not yet implemented (issue #${spec.plannedIn})`
  return 'implemented'
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ')

export function renderOptionsDoc(): string {
  const lines = [
    '# tsgi options',
    '',
    '<!-- GENERATED from src/config/options/ by `npm run docs`; do not edit by hand. -->',
    '',
    'Every option works in every config form: an ini key (`processes = 4`), a command-line flag',
    "(`--processes 4`), a JSON or YAML key, and an environment variable (`TSGI_PROCESSES=4`, or uWSGI's",
    '`UWSGI_PROCESSES=4`). See [config.md](config.md) for the file formats.',
    '',
    `${optionDefs.length} options in ${optionGroups.length} groups.`,
    '',
    '- **Value**: what a value must look like. Durations are seconds unless they carry a unit (`500ms`,',
    '  `30s`, `5m`); sizes are bytes unless they carry `K`, `M` or `G`.',
    '- **Repeatable**: every occurrence adds a value; otherwise the last occurrence wins.',
    '- **Read by**: the process that uses the option: `emperor`, `instance` (the master) or `worker`.',
    '',
  ]
  for (const group of optionGroups) {
    lines.push(`## ${group.title}`, '')
    lines.push('| Option | Value | Default | Repeatable | Read by | Status |', '|---|---|---|---|---|---|')
    const defs = optionDefs.filter((def) => def.group === group.title)
    for (const def of defs) {
      const spec = def.spec
      const names = [
        `\`${def.name}\``,
        ...(spec.aliases ?? []).map((a) => `\`${a}\``),
        ...(spec.short ? [`\`-${spec.short}\``] : []),
      ]
      lines.push(
        `| ${names.join(', ')} | ${cell(spec.type.expected)} | ${formatDefault(spec)} | ${spec.shape === 'list' ? 'yes' : 'no'} | ${spec.roles.join(', ')} | ${cell(status(spec))} |`,
      )
    }
    lines.push('')
    for (const def of defs) {
      lines.push(`### \`${def.name}\``, '', def.spec.doc + '.', '')
      if (def.spec.implies?.length)
        lines.push(`Turns on: ${def.spec.implies.map((i) => `\`${i}\``).join(', ')}.`, '')
      if (def.spec.details !== undefined) lines.push(def.spec.details, '')
    }
  }
  return `${lines.join('\n').trimEnd()}\n`
}
