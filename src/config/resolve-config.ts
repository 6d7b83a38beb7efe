// The one pipeline (STYLE.md section 4): sources → RawSettings → lookup → expansion → parse → cross-option
// checks → defaults → a deeply frozen Config. Every problem is collected, so `tsgi check` reports them all.
import { collectSettings, type Collected } from './collect-settings.js'
import { DiagnosticList } from './diagnostic.js'
import { suggestName } from './did-you-mean.js'
import { evaluatePlaceholderMath, referencedPlaceholders, replaceExpansions, type Sigil } from './expand.js'
import { describeMagicProcess } from './ini/magic-context.js'
import type { Role } from './options/define-options.js'
import { allOptionSpellings, findOption, optionDefs } from './options/option-lookup.js'
import type { Config, OptionDef } from './options/registry.js'
import { describeOrigin, whereOf, type Origin, type RawSetting } from './raw-setting.js'
import { readArgvSettings } from './sources/argv-source.js'
import { readEnvSettings } from './sources/env-source.js'
import { uwsgiOptionNames } from './uwsgi-option-names.js'
import { checkPrincipals } from './check-principals.js'
import { boolean } from './value-types.js'
import { readAtFile } from './read-at-file.js'

export interface LoadRequest {
  /** Command-line arguments after the verb: options and config files. */
  readonly argv: readonly string[]
  /** The environment to read TSGI_<NAME> and UWSGI_<NAME> options and $(VAR) from. */
  readonly env: NodeJS.ProcessEnv
  /** Read TSGI_<NAME> and UWSGI_<NAME> variables as options (off for `tsgi check FILE`, which checks files alone). */
  readonly useEnvOptions: boolean
  readonly cwd: string
}

/** Where one value of an option came from, for `tsgi print-config`. */
export interface Provenance {
  /** The value as written; for text read through @(file), the @(…) itself, never the text. */
  readonly value: string
  readonly origin: Origin
  /** The effective value holds text read through @(file), which is never shown. */
  readonly isHidden: boolean
}

export interface LoadResult {
  /** Undefined when there were errors: a config with errors never half-starts anything. */
  readonly config: Config | undefined
  readonly role: Role
  readonly diagnostics: DiagnosticList
  /** Option name → every value given for it, in order (the last one wins for single values). */
  readonly provenance: ReadonlyMap<string, readonly Provenance[]>
  readonly files: readonly string[]
}

type Classified =
  | { readonly kind: 'option'; readonly def: OptionDef; readonly setting: RawSetting }
  | { readonly kind: 'placeholder' | 'skipped'; readonly setting: RawSetting }

export function loadConfig(request: LoadRequest): LoadResult {
  const diagnostics = new DiagnosticList()
  const argvSettings = readArgvSettings(request.argv, request.cwd, diagnostics)
  const envSettings = request.useEnvOptions ? readEnvSettings(request.env, request.cwd) : []
  const collected = collectSettings([envSettings, argvSettings], {
    env: request.env,
    magicProcess: describeMagicProcess(Date.now()),
    diagnostics,
  })
  const classified = classify(collected, diagnostics)
  const expanded = expandAll(classified, request.env, diagnostics)
  const { values, provenance } = parseAll(expanded, diagnostics)
  const role: Role = (values.get('emperor') as unknown[] | undefined)?.length ? 'emperor' : 'instance'
  applyImplied(values)
  checkOptionPairs(values, provenance, diagnostics)
  warnAboutStatus(expanded, role, provenance, diagnostics)
  checkPrincipals(expanded, values, diagnostics)
  const config = diagnostics.hasErrors ? undefined : freezeConfig(values)
  return { config, role, diagnostics, provenance, files: collected.files }
}

function classify(collected: Collected, diagnostics: DiagnosticList): Classified[] {
  const referenced = new Set<string>()
  for (const setting of collected.settings)
    for (const name of referencedPlaceholders(setting.value)) referenced.add(name)
  // `strict` decides how the other keys are classified, so it is read first: its last valid value wins.
  let isStrict = false
  for (const setting of collected.settings) {
    if (setting.key !== 'strict') continue
    const parsed = setting.value === '' ? { ok: true as const, value: true } : boolean().parse(setting.value)
    if (parsed.ok) isStrict = parsed.value
  }
  const warnedUwsgi = new Set<string>()
  return collected.settings.map((setting): Classified => {
    const def = collected.placeholderKeys.has(setting.key) ? undefined : findOption(setting.key)
    if (def !== undefined) return { kind: 'option', def, setting }
    // uWSGI's rule: a key that is not an option is a placeholder; tsgi requires that something refers to it.
    if (referenced.has(setting.key) || collected.placeholderKeys.has(setting.key))
      return { kind: 'placeholder', setting }
    const where = whereOf(setting.origin)
    if (uwsgiOptionNames.has(setting.key)) {
      if (isStrict) diagnostics.add('ERR_CONFIG_UNSUPPORTED_OPTION', { name: setting.key }, where)
      else if (!warnedUwsgi.has(setting.key))
        diagnostics.add('WARN_CONFIG_UWSGI_OPTION', { option: setting.key }, where)
      warnedUwsgi.add(setting.key)
      return { kind: 'skipped', setting }
    }
    if (setting.origin.kind === 'env') {
      diagnostics.add('WARN_CONFIG_UNKNOWN_ENV_OPTION', { variable: setting.origin.variable }, where)
    } else {
      diagnostics.add(
        'ERR_CONFIG_UNKNOWN_OPTION',
        { name: setting.key, suggestion: suggestName(setting.key, allOptionSpellings()) },
        where,
      )
    }
    return { kind: 'skipped', setting }
  })
}

function expandAll(
  items: readonly Classified[],
  env: NodeJS.ProcessEnv,
  diagnostics: DiagnosticList,
): Classified[] {
  const reportUnterminated = (setting: RawSetting, result: { opener: string; text: string }): void => {
    diagnostics.add(
      'ERR_CONFIG_UNTERMINATED_EXPANSION',
      { text: result.text, opener: result.opener },
      whereOf(setting.origin),
    )
  }
  // Settings whose expansion failed: their error is reported once, and they are not parsed (no follow-on error).
  const failed = new Set<RawSetting>()
  // A replacer returns the text, undefined to keep the expansion as written, or null when it failed (reported).
  const pass = (
    setting: RawSetting,
    sigil: Sigil,
    replace: (inner: string) => string | null | undefined,
  ): RawSetting => {
    if (!setting.isExpanded || failed.has(setting)) return setting
    let isBroken = false
    const result = replaceExpansions(setting.value, sigil, (inner) => {
      const value = replace(inner)
      if (value === null) isBroken = true
      return value ?? undefined
    })
    if (!result.ok) reportUnterminated(setting, result)
    const next = { ...setting, value: result.ok ? result.text : setting.value }
    if (sigil === '@' && result.ok && result.text !== setting.value)
      Object.assign(next, { displayValue: setting.value })
    if (!result.ok || isBroken) failed.add(next)
    return next
  }
  // Pass 1: $(ENV); an unset variable stays as written (uWSGI).
  const afterEnv = items.map((item) =>
    pass(item.setting, '$', (name) => {
      const value = env[name]
      if (value === undefined)
        diagnostics.add('WARN_CONFIG_UNSET_ENV', { name }, whereOf(item.setting.origin))
      return value
    }),
  )
  // Pass 2: @(file); a missing file is an error. Its text is never echoed (it may be a secret).
  const afterAt = afterEnv.map((setting) =>
    pass(setting, '@', (file): string | null => {
      const read = readAtFile(file, setting.baseDir)
      if (read.ok) return read.text
      diagnostics.add('ERR_CONFIG_AT_FILE', { file, reason: read.reason }, whereOf(setting.origin))
      return null
    }),
  )
  // Pass 3: %(placeholder): the first occurrence of a key wins (uWSGI), and it is itself expanded first.
  const firstByKey = new Map<string, RawSetting>()
  const firstByOption = new Map<string, RawSetting>()
  afterAt.forEach((setting, index) => {
    const item = items[index]
    if (!firstByKey.has(setting.key)) firstByKey.set(setting.key, setting)
    if (item?.kind === 'option' && !firstByOption.has(item.def.name))
      firstByOption.set(item.def.name, setting)
  })
  const resolved = new Map<RawSetting, string>()
  const resolving: string[] = []
  // Settings whose expanded value holds text read through @(): whatever refers to them is not echoed either.
  const holdsSecret = new Set<RawSetting>(afterAt.filter((setting) => setting.displayValue !== undefined))
  let usedSecret = false
  const lookup = (name: string, from: RawSetting): string | null | undefined => {
    const target = firstByKey.get(name) ?? firstByOption.get(findOption(name)?.name ?? '')
    if (target === undefined) return undefined
    if (holdsSecret.has(target)) usedSecret = true
    if (resolving.includes(name)) {
      diagnostics.add(
        'ERR_CONFIG_PLACEHOLDER_CYCLE',
        { chain: [...resolving.slice(resolving.indexOf(name)), name] },
        whereOf(from.origin),
      )
      return null
    }
    resolving.push(name)
    const value = expandPlaceholders(target)
    resolving.pop()
    return value
  }
  const expandPlaceholders = (setting: RawSetting): string | null => {
    const known = resolved.get(setting)
    if (known !== undefined) return known
    if (!setting.isExpanded || failed.has(setting)) return setting.value
    let isBroken = false
    const outerUsedSecret = usedSecret
    usedSecret = false
    const result = replaceExpansions(setting.value, '%', (inner) => {
      if (inner.includes(' '))
        return evaluatePlaceholderMath(inner, (name) => lookup(name, setting) ?? undefined)
      const value = lookup(inner, setting)
      if (value === null) isBroken = true
      if (value === undefined && inner !== '_')
        diagnostics.add('WARN_CONFIG_UNDEFINED_PLACEHOLDER', { name: inner }, whereOf(setting.origin))
      return value ?? undefined
    })
    if (!result.ok) reportUnterminated(setting, result)
    if (usedSecret) holdsSecret.add(setting)
    usedSecret = outerUsedSecret || usedSecret
    if (!result.ok || isBroken) {
      failed.add(setting)
      return null
    }
    resolved.set(setting, result.text)
    return result.text
  }
  return items.map((item, index): Classified => {
    const setting = afterAt[index] ?? item.setting
    const value = expandPlaceholders(setting)
    if (value === null || failed.has(setting)) return { kind: 'skipped', setting }
    const displayValue = holdsSecret.has(setting) ? (setting.displayValue ?? setting.value) : undefined
    return {
      ...item,
      setting: { ...setting, value, ...(displayValue === undefined ? {} : { displayValue }) },
    }
  })
}

/** name → parsed value (single) or values (list). */
type Values = Map<string, unknown>

function parseAll(
  items: readonly Classified[],
  diagnostics: DiagnosticList,
): { values: Values; provenance: Map<string, Provenance[]> } {
  const values: Values = new Map()
  const provenance = new Map<string, Provenance[]>()
  const lastFileOrigin = new Map<string, Origin>()
  for (const item of items) {
    if (item.kind !== 'option' || item.def.spec.isDirective === true) continue
    const { def, setting } = item
    const where = whereOf(setting.origin)
    const spec = def.spec
    let parsed: unknown
    if (setting.value === '') {
      if (def.name === 'env') {
        diagnostics.add('WARN_CONFIG_EMPTY_ENV', {}, where)
        continue
      }
      if (spec.type.emptyValue === undefined) {
        diagnostics.add('ERR_CONFIG_MISSING_VALUE', { option: def.name, expected: spec.type.expected }, where)
        continue
      }
      parsed = spec.type.emptyValue
    } else {
      const result = spec.type.parse(setting.value)
      if (!result.ok) {
        diagnostics.add(
          'ERR_CONFIG_INVALID_VALUE',
          { option: def.name, expected: result.expected, value: setting.displayValue ?? setting.value },
          where,
        )
        continue
      }
      parsed = result.value
    }
    provenance.set(def.name, [
      ...(provenance.get(def.name) ?? []),
      {
        value: setting.displayValue ?? setting.value,
        origin: setting.origin,
        isHidden: setting.displayValue !== undefined,
      },
    ])
    if (spec.isCommandLike === true && setting.cutComment !== undefined) {
      diagnostics.add('WARN_INI_COMMENT_CUT', { option: def.name, comment: setting.cutComment }, where)
    }
    if (spec.shape === 'list') {
      values.set(def.name, [...((values.get(def.name) as unknown[] | undefined) ?? []), parsed])
      continue
    }
    const previous = lastFileOrigin.get(def.name)
    if (
      previous?.kind === 'file' &&
      setting.origin.kind === 'file' &&
      previous.file === setting.origin.file &&
      // Twice in one section of one file is a slip worth a word; [tsgi] overriding [uwsgi] is the design.
      previous.section === setting.origin.section
    ) {
      diagnostics.add(
        'WARN_CONFIG_OVERRIDDEN',
        { option: def.name, where: describeOrigin(setting.origin) },
        whereOf(previous),
      )
    }
    lastFileOrigin.set(def.name, setting.origin)
    values.set(def.name, parsed)
  }
  return { values, provenance }
}

/** Options that contradict each other, reported at the later of the two. */
function checkOptionPairs(
  values: Values,
  provenance: ReadonlyMap<string, readonly Provenance[]>,
  diagnostics: DiagnosticList,
): void {
  // DESIGN.md: without a master, tsgi runs the app in the one process it starts; more need a master.
  const processes = values.get('processes')
  const masterSources = provenance.get('master')
  if (
    values.get('master') === false &&
    masterSources !== undefined &&
    typeof processes === 'number' &&
    processes > 1
  ) {
    const last = masterSources[masterSources.length - 1]
    diagnostics.add(
      'ERR_CONFIG_INCOMPATIBLE_OPTIONS',
      {
        first: 'master = false',
        second: `processes = ${processes}`,
        reason: 'without a master tsgi runs the app in one process',
      },
      last === undefined ? undefined : whereOf(last.origin),
    )
  }
}

/** uWSGI's UWSGI_OPT_MASTER and friends: an option that needs another turns it on. */
function applyImplied(values: Values): void {
  for (const def of optionDefs) {
    const value = values.get(def.name)
    const isSet = Array.isArray(value) ? value.length > 0 : value !== undefined && value !== false
    if (!isSet) continue
    for (const implied of def.spec.implies ?? []) if (!values.has(implied)) values.set(implied, true)
  }
}

/** One warning per option that was applied and is ignored, not yet implemented, or not read by this role. */
function warnAboutStatus(
  items: readonly Classified[],
  role: Role,
  applied: ReadonlyMap<string, unknown>,
  diagnostics: DiagnosticList,
): void {
  const warned = new Set<string>()
  for (const item of items) {
    if (item.kind !== 'option' || warned.has(item.def.name) || !applied.has(item.def.name)) continue
    warned.add(item.def.name)
    const { def, setting } = item
    const where = whereOf(setting.origin)
    if (def.spec.ignored !== undefined)
      diagnostics.add('WARN_CONFIG_IGNORED_OPTION', { option: def.name, why: def.spec.ignored }, where)
    else if (def.spec.plannedIn !== undefined)
      diagnostics.add(
        'WARN_CONFIG_NOT_YET_IMPLEMENTED',
        { option: def.name, issue: def.spec.plannedIn },
        where,
      )
    const roles = def.spec.roles
    const isRead =
      role === 'emperor' ? roles.includes('emperor') : roles.includes('instance') || roles.includes('worker')
    if (!isRead) diagnostics.add('WARN_CONFIG_ROLE_MISMATCH', { option: def.name, role }, where)
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

function freezeConfig(values: Values): Config {
  const config: Record<string, unknown> = {}
  for (const def of optionDefs) {
    if (def.spec.isDirective === true) continue
    const value = values.get(def.name)
    config[def.key] = value ?? (def.spec.shape === 'list' ? [] : def.spec.default)
  }
  // The registry's rows and this loop are two views of one table; the cast joins them once, here.
  return deepFreeze(config) as Config
}
