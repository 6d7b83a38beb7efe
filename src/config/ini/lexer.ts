// The uWSGI ini dialect, line by line (reference/uwsgi.md §5.2, DESIGN.md "Config files"). Pure.
// Differences from uWSGI, all deliberate: inline comments (whitespace then ';' or '#'), `\;` and `\#`
// escapes, a UTF-8 BOM ignored, and a section header that must really end in ']'.

export type IniItem =
  | { readonly kind: 'section'; readonly name: string; readonly line: number }
  | {
      readonly kind: 'setting'
      readonly key: string
      readonly value: string
      readonly line: number
      /** 1-based column of the value's first character (of the key when the value is empty). */
      readonly valueColumn: number
      readonly lineText: string
      /** The inline comment removed from the value, if any. */
      readonly cutComment: string | undefined
    }
  | {
      readonly kind: 'error'
      readonly problem: 'section-header' | 'key'
      readonly text: string
      readonly line: number
      readonly column: number
      readonly lineText: string
    }

const keyPattern = /^[A-Za-z0-9_.-]+$/
const sectionPattern = /^[A-Za-z0-9_.:@-]+$/

/** Splits `text` at its inline comment, honouring `\;`, `\#` and never cutting inside $(), @() or %(). */
export function cutInlineComment(text: string): { value: string; comment: string | undefined } {
  let value = ''
  let depth = 0
  for (let index = 0; index < text.length; index++) {
    const char = text[index] ?? ''
    const next = text[index + 1]
    if (char === '\\' && (next === ';' || next === '#')) {
      value += next
      index++
      continue
    }
    if (depth > 0) {
      if (char === '(') depth++
      else if (char === ')') depth--
    } else if ((char === '$' || char === '@' || char === '%') && next === '(') {
      value += char + next
      index++
      depth = 1
      continue
    } else if ((char === ';' || char === '#') && /\s/.test(text[index - 1] ?? '')) {
      return { value: value.trimEnd(), comment: text.slice(index).trim() }
    }
    value += char
  }
  return { value, comment: undefined }
}

export function lexIni(text: string): IniItem[] {
  const items: IniItem[] = []
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text
  const lines = source.split('\n')
  lines.forEach((rawLine, index) => {
    const lineText = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine
    const line = index + 1
    const trimmed = lineText.trim()
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) return
    const indent = lineText.length - lineText.trimStart().length
    if (trimmed.startsWith('[')) {
      const header = cutInlineComment(trimmed).value.trim()
      const name = header.endsWith(']') ? header.slice(1, -1).trim() : ''
      if (!sectionPattern.test(name)) {
        items.push({
          kind: 'error',
          problem: 'section-header',
          text: header,
          line,
          column: indent + 1,
          lineText,
        })
      } else {
        items.push({ kind: 'section', name, line })
      }
      return
    }
    // An '=' inside an inline comment does not count: `master ; x = 1` is the bare key `master`.
    const equals = cutInlineComment(lineText).value.includes('=') ? lineText.indexOf('=') : -1
    const keyText = (equals === -1 ? cutInlineComment(lineText).value : lineText.slice(0, equals)).trim()
    if (!keyPattern.test(keyText)) {
      items.push({ kind: 'error', problem: 'key', text: keyText, line, column: indent + 1, lineText })
      return
    }
    if (equals === -1) {
      items.push({
        kind: 'setting',
        key: keyText,
        value: '',
        line,
        valueColumn: indent + 1,
        lineText,
        cutComment: undefined,
      })
      return
    }
    const rawValue = lineText.slice(equals + 1)
    const { value, comment } = cutInlineComment(rawValue)
    const leading = value.length - value.trimStart().length
    items.push({
      kind: 'setting',
      key: keyText,
      value: value.trim(),
      line,
      valueColumn: equals + 2 + leading,
      lineText,
      cutComment: comment,
    })
  })
  return items
}
