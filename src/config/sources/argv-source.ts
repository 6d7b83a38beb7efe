// Command-line arguments → RawSettings: `--socket /run/x.sock`, `--socket=…`, `--master`, `--no-master`,
// `-p 4`, `-M`, and bare config files (`tsgi app.ini`), loaded by extension as uWSGI does.
import type { DiagnosticList } from '../diagnostic.js'
import { suggestName } from '../did-you-mean.js'
import { allOptionSpellings, findOption, findShortOption } from '../options/option-lookup.js'
import type { OptionDef } from '../options/registry.js'
import type { RawSetting } from '../raw-setting.js'
import { uwsgiOptionNames } from '../uwsgi-option-names.js'

const configFilePattern = /\.(ini|json|ya?ml)(:[^/]*)?$/

/**
 * How a flag takes its value when none is attached with '=': booleans never (`--master`; `--master=false`),
 * options whose empty value means something (`--chmod-socket`, `--log-date`) when the next argument fits,
 * every other option always.
 */
function valueMode(def: OptionDef | undefined): 'never' | 'if-fits' | 'always' {
  if (def === undefined) return 'if-fits'
  if (def.spec.type.name === 'boolean') return 'never'
  return def.spec.type.emptyValue === undefined ? 'always' : 'if-fits'
}

/** The next argument is this flag's value unless it is another flag, a config file, or not a valid value. */
function fits(def: OptionDef | undefined, next: string | undefined): next is string {
  if (next === undefined || next.startsWith('-') || configFilePattern.test(next)) return false
  return def === undefined || def.spec.type.parse(next).ok
}

export function readArgvSettings(
  args: readonly string[],
  cwd: string,
  diagnostics: DiagnosticList,
): RawSetting[] {
  const settings: RawSetting[] = []
  const push = (key: string, value: string, index: number): void => {
    settings.push({
      key,
      value,
      origin: { kind: 'argv', index },
      baseDir: cwd,
      isExpanded: true,
      cutComment: undefined,
    })
  }
  let onlyFiles = false
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? ''
    if (onlyFiles || !arg.startsWith('-') || arg === '-') {
      push('config', arg, index)
      continue
    }
    if (arg === '--') {
      onlyFiles = true
      continue
    }
    const isLong = arg.startsWith('--')
    const body = isLong ? arg.slice(2) : arg.slice(1)
    const equals = body.indexOf('=')
    const name = equals === -1 ? body : body.slice(0, equals)
    const attached = equals === -1 ? undefined : body.slice(equals + 1)
    let def: OptionDef | undefined
    let key = name
    let attachedValue = attached
    if (isLong) {
      def = findOption(name)
      if (def === undefined && name.startsWith('no-')) {
        const negated = findOption(name.slice(3))
        if (negated !== undefined && negated.spec.type.name === 'boolean' && attached === undefined) {
          push(name.slice(3), 'false', index)
          continue
        }
      }
    } else {
      // Short flags: `-p4` and `-p 4` alike.
      def = findShortOption(name.slice(0, 1))
      key = def?.name ?? name
      if (def !== undefined && name.length > 1 && attached === undefined) attachedValue = name.slice(1)
    }
    if (def === undefined && !(isLong && uwsgiOptionNames.has(name))) {
      diagnostics.add(
        'ERR_USAGE_UNKNOWN_FLAG',
        { flag: arg.split('=')[0] ?? arg, suggestion: suggestFlag(name) },
        { argv: index },
      )
      // The unknown flag's value, if it has one, is not a config file: skip it rather than report it too.
      if (attached === undefined && fits(undefined, args[index + 1])) index++
      continue
    }
    if (attachedValue !== undefined) {
      push(key, attachedValue, index)
      continue
    }
    const mode = valueMode(def)
    const next = args[index + 1]
    if (mode === 'always') {
      if (next === undefined) {
        diagnostics.add(
          'ERR_USAGE_MISSING_ARGUMENT',
          { flag: arg, expected: def?.spec.type.expected ?? 'a value' },
          { argv: index },
        )
        continue
      }
      push(key, next, index + 1)
      index++
    } else if (mode === 'if-fits' && fits(def, next)) {
      push(key, next, index + 1)
      index++
    } else {
      push(key, '', index)
    }
  }
  return settings
}

function suggestFlag(name: string): string | undefined {
  const suggestion = suggestName(name, allOptionSpellings())
  return suggestion === undefined ? undefined : `--${suggestion}`
}
