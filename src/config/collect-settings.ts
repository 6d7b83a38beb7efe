// Gathers every RawSetting of one load, in uWSGI's order (reference/uwsgi.md §5.4): environment, then the
// command line, with each include spliced in where it is named, config logic applied as files are read,
// `set` turned into settings, and `inherit`ed files appended at the very end.
import { realpathSync } from 'node:fs'
import path from 'node:path'

import { applyConfigLogic, isLogicKey, type LogicHost } from './config-logic.js'
import type { DiagnosticList } from './diagnostic.js'
import { describeMagicFile } from './ini/magic-context.js'
import { buildMagicTable, type MagicFile, type MagicProcess } from './ini/magic-variables.js'
import { findOption } from './options/option-lookup.js'
import { whereOf, type RawSetting } from './raw-setting.js'
import { readConfigFile } from './read-config-file.js'
import { readIniSettings } from './sources/ini-source.js'
import { readStructuredSettings } from './sources/structured-source.js'

export type FileFormat = 'ini' | 'json' | 'yaml'

/** Keys that load a file at once, and the format they force (undefined: told by the extension). */
const loadKeys: ReadonlyMap<string, FileFormat | undefined> = new Map<string, FileFormat | undefined>([
  ['ini', 'ini'],
  ['json', 'json'],
  ['yaml', 'yaml'],
  ['yml', 'yaml'],
  ['config', undefined],
  ['include', undefined],
])

export interface CollectHost {
  readonly env: NodeJS.ProcessEnv
  readonly magicProcess: MagicProcess
  readonly diagnostics: DiagnosticList
}

export interface Collected {
  readonly settings: readonly RawSetting[]
  /** Keys defined with `set-placeholder`: placeholders only, never options. */
  readonly placeholderKeys: ReadonlySet<string>
  /** Every config file read, absolute, for watching includes later. */
  readonly files: readonly string[]
}

/** Splits `FILE:SECTION`; a path whose last ':' is followed by a '/' (or nothing) has no section. */
export function splitSection(spec: string): { file: string; section: string | undefined } {
  const at = spec.lastIndexOf(':')
  if (at <= 0) return { file: spec, section: undefined }
  const section = spec.slice(at + 1)
  if (section === '' || section.includes('/')) return { file: spec, section: undefined }
  return { file: spec.slice(0, at), section }
}

export function formatOfFile(file: string): FileFormat | 'xml' | undefined {
  const extension = path.extname(file).toLowerCase()
  if (extension === '.ini') return 'ini'
  // uWSGI also reads `.js` as JSON; tsgi does not, as `.js` is what a Node app's entry file is called.
  if (extension === '.json') return 'json'
  if (extension === '.yaml' || extension === '.yml') return 'yaml'
  if (extension === '.xml') return 'xml'
  return undefined
}

export function collectSettings(sources: readonly (readonly RawSetting[])[], host: CollectHost): Collected {
  const out: RawSetting[] = []
  const placeholderKeys = new Set<string>()
  const files: string[] = []
  const inherits: RawSetting[] = []
  const loading: string[] = []
  /** Files read at the top level (from the command line, the environment or an inherit), with section. */
  const readAtTop = new Set<string>()
  let firstFile: MagicFile | undefined
  const diagnostics = host.diagnostics
  const logicHost: LogicHost = { env: host.env, collected: () => out }

  const loadFile = (from: RawSetting, forced: FileFormat | undefined, isInherited: boolean): void => {
    const { file: fileSpec, section } = splitSection(from.value)
    const where = whereOf(from.origin)
    if (fileSpec === '') {
      diagnostics.add('ERR_CONFIG_MISSING_VALUE', { option: from.key, expected: 'a file name' }, where)
      return
    }
    const absolute = path.resolve(from.baseDir, fileSpec)
    // Show paths as the user wrote them at the top level, and resolved against the includer below it.
    const displayName = loading.length === 0 ? fileSpec : path.relative(process.cwd(), absolute) || absolute
    // An XML file is refused by its name even where `ini =` forces a format: read as ini it is only noise.
    const format = formatOfFile(fileSpec) === 'xml' ? 'xml' : (forced ?? formatOfFile(fileSpec))
    if (format === 'xml') {
      diagnostics.add('ERR_CONFIG_XML_UNSUPPORTED', { file: displayName }, where)
      return
    }
    if (format === undefined) {
      diagnostics.add('ERR_CONFIG_UNKNOWN_FORMAT', { file: displayName }, where)
      return
    }
    let identity = absolute
    try {
      identity = realpathSync(absolute)
    } catch {
      // A missing file is reported by readConfigFile below.
    }
    const identityWithSection = `${identity}:${section ?? ''}`
    // An inherit of a file already read at the top (the file itself, or an earlier inherit) would loop.
    const isInheritCycle = isInherited && loading.length === 0 && readAtTop.has(identityWithSection)
    if (loading.includes(identityWithSection) || isInheritCycle) {
      const includer = from.origin.kind === 'file' ? [from.origin.file] : []
      const chain = [...(isInheritCycle ? includer : loading), identityWithSection].map((entry) =>
        entry.replace(/:$/, ''),
      )
      diagnostics.add('ERR_CONFIG_INCLUDE_CYCLE', { chain }, where)
      return
    }
    const read = readConfigFile(absolute, displayName, where)
    if (!read.ok) {
      diagnostics.addError(read.error)
      return
    }
    files.push(identity)
    if (loading.length === 0) readAtTop.add(identityWithSection)
    const magicFile = describeMagicFile(from.value, absolute, section ?? '')
    // Uppercase magic variables describe the first file loaded directly, never through include/inherit.
    const isTopLevel = loading.length === 0 && !isInherited
    if (firstFile === undefined && isTopLevel) firstFile = magicFile
    const context = {
      displayName,
      baseDir: path.dirname(absolute),
      section,
      magic: buildMagicTable(magicFile, firstFile ?? magicFile, host.magicProcess),
      isExpanded: !isInherited,
    }
    const settings =
      format === 'ini'
        ? readIniSettings(read.text, context, diagnostics)
        : readStructuredSettings(read.text, format, context, diagnostics)
    loading.push(identityWithSection)
    accept(settings, isInherited)
    loading.pop()
  }

  const handle = (setting: RawSetting, isInherited: boolean): void => {
    const key = setting.key
    if (loadKeys.has(key)) {
      loadFile(setting, loadKeys.get(key), isInherited)
      return
    }
    if (key === 'inherit') {
      inherits.push(setting)
      return
    }
    if (key === 'set' || key === 'set-placeholder' || key === 'set-ph') {
      const at = setting.value.indexOf('=')
      const name = at === -1 ? '' : setting.value.slice(0, at).trim()
      if (name === '') {
        diagnostics.add(
          'ERR_CONFIG_INVALID_VALUE',
          { option: key, expected: 'name=value', value: setting.value },
          whereOf(setting.origin),
        )
        return
      }
      if (key !== 'set' && findOption(name) !== undefined) {
        diagnostics.add('ERR_CONFIG_PLACEHOLDER_IS_OPTION', { name }, whereOf(setting.origin))
        return
      }
      if (key !== 'set') placeholderKeys.add(name)
      out.push({ ...setting, key: name, value: setting.value.slice(at + 1).trim() })
      return
    }
    out.push(setting)
  }

  const accept = (settings: readonly RawSetting[], isInherited: boolean): void => {
    if (settings.some((s) => isLogicKey(s.key))) {
      applyConfigLogic(settings, logicHost, diagnostics, (setting) => handle(setting, isInherited))
    } else {
      for (const setting of settings) handle(setting, isInherited)
    }
  }

  for (const source of sources) accept(source, false)
  // inherit: late, in order; an inherit inside an inherited file is appended after the ones already queued.
  for (let index = 0; index < inherits.length; index++) {
    const setting = inherits[index]
    if (setting !== undefined) loadFile(setting, undefined, true)
  }
  return { settings: out, placeholderKeys, files }
}
