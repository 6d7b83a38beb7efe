// JSON and YAML config files → RawSettings, with the same keys as ini (reference/uwsgi.md §5.10).
// Both go through the `yaml` package's document model, which keeps every node's position.
import { createRequire } from 'node:module'

import type * as Yaml from 'yaml'
import type { Node } from 'yaml'

import type { DiagnosticList } from '../diagnostic.js'
import { substituteMagic } from '../ini/magic-variables.js'
import type { RawSetting } from '../raw-setting.js'
import { defaultSections, type FileContext } from './file-context.js'

export type StructuredFormat = 'json' | 'yaml'

interface Position {
  readonly line: number
  readonly column: number
}

/**
 * The yaml package takes 30-100 ms to import, and every vassal master and emperor loads the config code:
 * it is required on first use, by a JSON or YAML config, so an ini-only process never pays for it.
 */
let yamlModule: typeof Yaml | undefined
function yaml(): typeof Yaml {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml
  return yamlModule
}

/** Node 20's JSON.parse says "… in JSON at position N"; turn N into a line and column. */
function jsonErrorPosition(text: string, message: string): Position {
  const match = /position (\d+)/.exec(message)
  const offset = match === null ? 0 : Number(match[1])
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return { line, column: offset - before.lastIndexOf('\n') }
}

export function readStructuredSettings(
  text: string,
  format: StructuredFormat,
  context: FileContext,
  diagnostics: DiagnosticList,
): RawSetting[] {
  const { isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar } = yaml()
  const file = context.displayName
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text
  if (source.trim() === '') {
    diagnostics.add('ERR_CONFIG_EMPTY_FILE', { file }, { file, line: 1 })
    return []
  }
  if (format === 'json') {
    try {
      JSON.parse(source)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      const where = jsonErrorPosition(source, reason)
      diagnostics.add(
        'ERR_CONFIG_SYNTAX',
        { format: 'JSON', reason: reason.replace(/^Unexpected/, 'unexpected') },
        { file, ...where },
      )
      return []
    }
  }
  const lineCounter = new LineCounter()
  const document = parseDocument(source, { uniqueKeys: false, lineCounter, prettyErrors: false })
  const sourceLines = source.split('\n')
  const excerptOf = (node: Node, position: Position) => {
    const lineText = (sourceLines[position.line - 1] ?? '').replace(/\r$/, '')
    const [start = 0, end = start] = node.range ?? []
    const column = position.column - 1
    return {
      lineText,
      start: column,
      end: column + Math.max(1, Math.min(end - start, lineText.length - column)),
    }
  }
  const positionOf = (node: Node | null | undefined): Position => {
    const offset = node?.range?.[0] ?? 0
    const { line, col } = lineCounter.linePos(offset)
    return { line, column: col }
  }
  const firstError = document.errors[0]
  if (firstError !== undefined) {
    const { line, col } = lineCounter.linePos(firstError.pos[0])
    const reason = firstError.message.split('\n')[0] ?? firstError.code
    diagnostics.add(
      'ERR_CONFIG_SYNTAX',
      { format: format === 'json' ? 'JSON' : 'YAML', reason },
      { file, line, column: col },
    )
    return []
  }
  const root = document.contents
  if (!isMap(root)) {
    diagnostics.add(
      'ERR_CONFIG_BAD_STRUCTURE',
      {
        expected: 'a mapping of option names to values',
        found: root === null ? 'nothing' : describeNode(root),
      },
      { file, ...positionOf(root) },
    )
    return []
  }

  if (root.items.length === 0) {
    diagnostics.add('ERR_CONFIG_EMPTY_FILE', { file }, { file, line: 1 })
    return []
  }
  const sections = new Map<string, Node[]>()
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : ''
    if (isMap(pair.value)) sections.set(key, [...(sections.get(key) ?? []), pair.value])
  }
  const wanted = context.section === undefined ? defaultSections : [context.section]
  let maps: { map: Node; section: string | undefined }[]
  if (wanted.some((name) => sections.has(name))) {
    maps = wanted.flatMap((name) => (sections.get(name) ?? []).map((map) => ({ map, section: name })))
    for (const pair of root.items) {
      if (isMap(pair.value)) continue
      const key = isScalar(pair.key) ? String(pair.key.value) : ''
      diagnostics.add('WARN_INI_OUTSIDE_SECTION', { key }, { file, ...positionOf(pair.key as Node) })
    }
  } else if ((context.section === undefined || context.section === 'uwsgi') && sections.size === 0) {
    // Like a headerless ini file: a flat mapping of options is read as [uwsgi].
    maps = [{ map: root, section: undefined }]
  } else {
    diagnostics.add(
      'ERR_CONFIG_SECTION_NOT_FOUND',
      { file, section: context.section ?? 'uwsgi', found: [...sections.keys()] },
      { file, line: 1 },
    )
    return []
  }

  const settings: RawSetting[] = []
  const add = (key: string, node: Node, section: string | undefined): void => {
    const position = positionOf(node)
    // YAML's `master:` (no value) reads as a bare ini key: an empty value, which turns a boolean on.
    const isBareYamlKey = format === 'yaml' && isScalar(node) && node.value === null
    if (!isBareYamlKey && (!isScalar(node) || node.value === null || typeof node.value === 'object')) {
      diagnostics.add(
        'ERR_CONFIG_BAD_STRUCTURE',
        {
          expected: `a value for ${JSON.stringify(key)}: a string, number, boolean or a list of them`,
          found: describeNode(node),
        },
        { file, ...position },
      )
      return
    }
    const scalar = isScalar(node) ? node.value : null
    // Numbers and booleans are taken as written, as ini text would be: YAML reads `022` as 22 and `0o660`
    // as 432, which would silently change a umask or a socket mode.
    const [start, end] = node.range ?? [0, 0]
    const raw = scalar === null ? '' : typeof scalar === 'string' ? scalar : source.slice(start, end).trim()
    const magic =
      typeof scalar === 'string' ? substituteMagic(raw, context.magic) : { text: raw, unknown: [] }
    for (const unknown of magic.unknown) {
      diagnostics.add('WARN_CONFIG_UNKNOWN_MAGIC_VARIABLE', { text: unknown }, { file, ...position })
    }
    settings.push({
      key,
      value: magic.text,
      origin: {
        kind: 'file',
        file,
        line: position.line,
        column: position.column,
        section,
        excerpt: excerptOf(node, position),
      },
      baseDir: context.baseDir,
      isExpanded: context.isExpanded,
      cutComment: undefined,
    })
  }
  for (const { map, section } of maps) {
    if (!isMap(map)) continue
    for (const pair of map.items) {
      const keyNode = pair.key
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
        const found = isScalar(keyNode) ? describeNode(keyNode) : 'a complex key'
        diagnostics.add(
          'ERR_CONFIG_BAD_STRUCTURE',
          { expected: 'an option name as the key', found },
          { file, ...positionOf(keyNode as Node) },
        )
        continue
      }
      const value = pair.value as Node | null
      if (isSeq(value)) for (const item of value.items) add(keyNode.value, item as Node, section)
      else {
        const bare = Object.assign(new Scalar(null), { range: keyNode.range ?? null })
        add(keyNode.value, value ?? bare, section)
      }
    }
  }
  return settings
}

function describeNode(node: Node): string {
  const { isMap, isScalar, isSeq } = yaml()
  if (isMap(node)) return 'a mapping'
  if (isSeq(node)) return 'a list'
  if (isScalar(node))
    return node.value === null ? 'null' : `${typeof node.value} ${JSON.stringify(node.value)}`
  return 'an alias'
}
