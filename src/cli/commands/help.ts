// `tsgi --help` and `tsgi help TOPIC`, generated from the options registry.
import { suggestName } from '../../config/did-you-mean.js'
import { findOption, optionDefs } from '../../config/options/option-lookup.js'
import { optionGroups } from '../../config/options/registry.js'
import { makeError, type TsgiError } from '../../errors/tsgi-error.js'
import { describeOption, describeStatus, describeDefault } from './describe-option.js'
import type { OutputFormat } from './verb-args.js'
import type { OptionDef } from '../../config/options/registry.js'

export const verbs = {
  check: 'tsgi check FILE|DIR... [--format json]   validate configs, print every problem (exit 1 on errors)',
  'print-config':
    'tsgi print-config FILE|OPTIONS [--all] [--format json]   show resolved options and their sources',
  status:
    'tsgi status [ADDR | --ini EMPEROR.ini] [--http] [--format json]   show the vassals of a running emperor ' +
    '(emperor-stats; default /run/tsgi/emperor-stats.sock)',
  'systemd-unit':
    'tsgi systemd-unit --ini FILE [--unprivileged]   print a systemd service unit that runs that config',
  reload:
    'tsgi reload NAME [ADDR | --ini EMPEROR.ini] [--timeout SECONDS] [--format json]   re-read and check ' +
    "a vassal's file, then reload it as a touch would, even with emperor-reload-on-change = false " +
    '(emperor-control; default /run/tsgi/emperor-control.sock)',
  stop:
    'tsgi stop NAME [ADDR | --ini EMPEROR.ini] [--timeout SECONDS] [--format json]   stop a vassal ' +
    'gracefully; it stays stopped, whatever happens to its file, until `tsgi start NAME`',
  start:
    'tsgi start NAME [ADDR | --ini EMPEROR.ini] [--timeout SECONDS] [--format json]   start a stopped ' +
    'vassal, or retry a throttled, invalid or refused one now',
  help: 'tsgi help OPTION|COMMAND   explain one option or command',
} as const

export function generalHelp(): string {
  const lines = [
    'tsgi: an application server and process governor (uWSGI Emperor compatible)',
    '',
    'Usage:',
    '  tsgi --ini FILE [OPTIONS]      run an emperor (if FILE sets "emperor") or an app instance',
    '  tsgi FILE.ini|FILE.json|FILE.yaml [OPTIONS]',
    ...Object.values(verbs).map((line) => `  ${line}`),
    '  tsgi --version',
    '',
    'Every option works as an ini key, a --flag, a JSON/YAML key and a TSGI_<NAME> variable.',
    'Booleans: --master, --no-master, --master=false. Repeatable options take the flag again.',
  ]
  for (const group of optionGroups) {
    lines.push('', `${group.title}:`)
    for (const def of optionDefs.filter((d) => d.group === group.title)) {
      const flag = `--${def.name}${def.spec.short === undefined ? '' : `, -${def.spec.short}`}`
      const marker =
        def.spec.ignored !== undefined ? ' [ignored]' : def.spec.plannedIn !== undefined ? ' [not yet]' : ''
      lines.push(`  ${flag.padEnd(34)} ${def.spec.doc}${marker}`)
    }
  }
  return `${lines.join('\n')}\n`
}

export function topicHelp(topic: string, format: OutputFormat): string | TsgiError {
  const name = topic.replace(/^--?/, '')
  if (name in verbs) {
    const usage = verbs[name as keyof typeof verbs]
    return format === 'json' ? `${JSON.stringify({ command: name, usage }, null, 2)}\n` : `${usage}\n`
  }
  const def = findOption(name)
  if (def !== undefined)
    return format === 'json' ? `${JSON.stringify(optionToJson(def), null, 2)}\n` : describeOption(def)
  const suggestion = suggestName(name, [...Object.keys(verbs), ...optionDefs.map((d) => d.name)])
  return makeError('ERR_USAGE_UNKNOWN_HELP_TOPIC', { topic, suggestion })
}

function optionToJson(def: OptionDef): Record<string, unknown> {
  const spec = def.spec
  return {
    name: def.name,
    aliases: spec.aliases ?? [],
    short: spec.short ?? null,
    group: def.group,
    value: spec.type.expected,
    default: describeDefault(def),
    repeatable: spec.shape === 'list',
    roles: spec.roles,
    status: describeStatus(def),
    implies: spec.implies ?? [],
    doc: spec.doc,
    details: spec.details ?? null,
  }
}

/** Every option, for programs (`tsgi help --format json`). */
export function allOptionsJson(): string {
  return `${JSON.stringify({ options: optionDefs.map(optionToJson) }, null, 2)}\n`
}
