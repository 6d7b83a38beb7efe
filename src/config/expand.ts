// The three expansion passes uWSGI runs over option values, in its order (reference/uwsgi.md §5.6):
// `$(ENV)`, then `@(file)`, then `%(placeholder)` (with uWSGI's left-to-right placeholder math). Pure:
// the environment, file reads and placeholder lookups come in as functions.

export type Sigil = '$' | '@' | '%'

export type ScanResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly opener: string; readonly text: string }

/**
 * Replaces every `<sigil>(inner)` of `text` by `replace(inner)`, or keeps it as written when that returns
 * undefined. Parentheses nest inside an expansion. An opener without its `)` is an error.
 */
export function replaceExpansions(
  text: string,
  sigil: Sigil,
  replace: (inner: string) => string | undefined,
): ScanResult {
  const opener = `${sigil}(`
  if (!text.includes(opener)) return { ok: true, text }
  let out = ''
  let index = 0
  while (index < text.length) {
    const start = text.indexOf(opener, index)
    if (start === -1) {
      out += text.slice(index)
      break
    }
    out += text.slice(index, start)
    let depth = 1
    let end = start + 2
    for (; end < text.length && depth > 0; end++) {
      if (text[end] === '(') depth++
      else if (text[end] === ')') depth--
    }
    if (depth > 0) return { ok: false, opener, text: text.slice(start) }
    const inner = text.slice(start + 2, end - 1)
    out += replace(inner) ?? text.slice(start, end)
    index = end
  }
  return { ok: true, text: out }
}

/** The names a `%(…)` refers to: one name, or the operands of placeholder math. */
export function placeholderNames(inner: string): string[] {
  if (!inner.includes(' ')) return [inner]
  return inner.split(' ').filter((token) => token !== '' && !isOperator(token) && !isNumber(token))
}

const isNumber = (token: string): boolean => /^-?\d+$/.test(token)
const isOperator = (token: string): boolean => ['+', '-', '*', '/', '++', '--'].includes(token)

/** Every name `%(…)` refers to in `text`, so the resolver knows which unknown keys are placeholders. */
export function referencedPlaceholders(text: string): string[] {
  const names: string[] = []
  const result = replaceExpansions(text, '%', (inner) => {
    names.push(...placeholderNames(inner))
    return undefined
  })
  // An unterminated `%(name` still says which key is meant; its own error is reported elsewhere.
  if (!result.ok) names.push(...placeholderNames(result.text.slice(2)))
  return names
}

/**
 * uWSGI's placeholder math (`%(processes cpu_cores + 2)`): tokens separated by spaces, applied left to
 * right; operands concatenate until an operator, after which each operand is combined with the last
 * operator; `++`/`--` add or take one; dividing by 0 gives 0. Unknown names count as ''.
 */
export function evaluatePlaceholderMath(inner: string, lookup: (name: string) => string | undefined): string {
  type State = 'concat' | '+' | '-' | '*' | '/'
  let state: State = 'concat'
  let current: string | undefined
  const toInt = (text: string | undefined): bigint => {
    const match = /^\s*[+-]?\d+/.exec(text ?? '')
    return match === null ? 0n : BigInt(match[0].trim())
  }
  for (const token of inner.split(' ').filter((t) => t !== '')) {
    if (token === '+' || token === '-' || token === '*' || token === '/') {
      state = token
      continue
    }
    if (token === '++' || token === '--') {
      if (current !== undefined) current = String(toInt(current) + (token === '++' ? 1n : -1n))
      state = 'concat'
      continue
    }
    const value = isNumber(token) ? token : (lookup(token) ?? '')
    const a = toInt(current)
    const b = toInt(value)
    switch (state) {
      case 'concat':
        current = (current ?? '') + value
        break
      case '+':
        current = String(a + b)
        break
      case '-':
        current = String(a - b)
        break
      case '*':
        current = String(a * b)
        break
      case '/':
        current = String(b === 0n ? 0n : a / b)
        break
    }
  }
  return current ?? ''
}
