// An ini file's text → RawSettings of the selected section(s), magic variables substituted.
import type { DiagnosticList } from '../diagnostic.js'
import { lexIni, type IniItem } from '../ini/lexer.js'
import { substituteMagic } from '../ini/magic-variables.js'
import type { RawSetting } from '../raw-setting.js'
import { defaultSections, type FileContext } from './file-context.js'

type SettingItem = Extract<IniItem, { kind: 'setting' }>

export function readIniSettings(
  text: string,
  context: FileContext,
  diagnostics: DiagnosticList,
): RawSetting[] {
  const file = context.displayName
  const items = lexIni(text)
  if (items.length === 0) {
    diagnostics.add('ERR_CONFIG_EMPTY_FILE', { file }, { file, line: 1 })
    return []
  }
  for (const item of items) {
    if (item.kind !== 'error') continue
    const excerpt = {
      lineText: item.lineText,
      start: item.column - 1,
      end: item.column - 1 + item.text.length,
    }
    const where = { file, line: item.line, column: item.column, excerpt }
    if (item.problem === 'section-header')
      diagnostics.add('ERR_INI_BAD_SECTION_HEADER', { text: item.text }, where)
    else diagnostics.add('ERR_INI_BAD_KEY', { key: item.text }, where)
  }

  const bySection = new Map<string, SettingItem[]>()
  const unsectioned: SettingItem[] = []
  let current: string | undefined
  for (const item of items) {
    if (item.kind === 'section') {
      current = item.name
      if (!bySection.has(current)) bySection.set(current, [])
    } else if (item.kind === 'setting') {
      if (current === undefined) unsectioned.push(item)
      else bySection.set(current, [...(bySection.get(current) ?? []), item])
    }
  }

  let selected: { item: SettingItem; section: string | undefined }[]
  const hasHeaders = items.some((item) => item.kind === 'section')
  if (!hasHeaders && (context.section === undefined || context.section === 'uwsgi')) {
    // DESIGN.md: a file with no section header is read as [uwsgi] (both seed pages are written so).
    selected = unsectioned.map((item) => ({ item, section: undefined }))
  } else {
    for (const item of unsectioned) {
      diagnostics.add('WARN_INI_OUTSIDE_SECTION', { key: item.key }, { file, line: item.line })
    }
    const wanted = context.section === undefined ? defaultSections : [context.section]
    if (!wanted.some((name) => bySection.has(name))) {
      const section = context.section ?? 'uwsgi'
      diagnostics.add(
        'ERR_CONFIG_SECTION_NOT_FOUND',
        { file, section, found: [...bySection.keys()] },
        { file, line: 1 },
      )
      return []
    }
    selected = wanted.flatMap((name) => (bySection.get(name) ?? []).map((item) => ({ item, section: name })))
  }

  return selected.map(({ item, section }) => {
    const magic = substituteMagic(item.value, context.magic)
    for (const text of magic.unknown) {
      diagnostics.add(
        'WARN_CONFIG_UNKNOWN_MAGIC_VARIABLE',
        { text },
        { file, line: item.line, column: item.valueColumn },
      )
    }
    const start = item.valueColumn - 1
    return {
      key: item.key,
      value: magic.text,
      origin: {
        kind: 'file',
        file,
        line: item.line,
        column: item.valueColumn,
        section,
        excerpt: { lineText: item.lineText, start, end: start + Math.max(1, item.value.length) },
      },
      baseDir: context.baseDir,
      isExpanded: context.isExpanded,
      cutComment: item.cutComment,
    } satisfies RawSetting
  })
}
