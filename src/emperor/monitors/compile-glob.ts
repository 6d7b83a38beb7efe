// Node 20 has no fs.glob: the small matcher glob(3) patterns need. `*` and `?` never match `/` nor a leading
// `.` (glob(3) without GLOB_PERIOD); `[abc]`, `[a-z]`, `[!x]`/`[^x]`; `\` escapes the next character; `**`
// is just `*` as in glob(3).
import path from 'node:path'

/** One path component of a pattern, as compileGlob compiles it. */
export type GlobSegment =
  | { readonly kind: 'literal'; readonly name: string }
  | { readonly kind: 'pattern'; readonly test: (name: string) => boolean }

export interface GlobPattern {
  /** The directory every match lies under (the pattern's leading components without magic); names are relative to it. */
  readonly base: string
  /** The components below `base`: at least one. */
  readonly segments: readonly GlobSegment[]
  /** The pattern as the operator wrote it, for log lines. */
  readonly spec: string
}

/**
 * Compiles a glob(3) pattern, made absolute against the current directory. Its leading components without
 * magic form the `base` directory, always leaving at least the last component as a segment.
 */
export function compileGlob(spec: string): GlobPattern {
  const segments = path.resolve(spec).split('/').slice(1).map(compileComponent)
  const baseNames: string[] = []
  for (const segment of segments.slice(0, -1)) {
    if (segment.kind !== 'literal') break
    baseNames.push(segment.name)
  }
  return { base: path.join('/', ...baseNames), segments: segments.slice(baseNames.length), spec }
}

/** One path component → a literal name (escapes removed), or a matcher when it has any magic. */
function compileComponent(component: string): GlobSegment {
  // Code points, not UTF-16 units, so a character class can hold any character.
  const chars = Array.from(component)
  let source = ''
  let literal = ''
  let isMagic = false
  for (let index = 0; index < chars.length; index++) {
    const char = chars[index] ?? ''
    if (char === '\\' && index + 1 < chars.length) {
      const escaped = chars[++index] ?? ''
      literal += escaped
      source += escapeOutside(escaped)
    } else if (char === '*' || char === '?') {
      isMagic = true
      source += char === '*' ? '.*' : '.'
    } else if (char === '[' && classEnd(chars, index) !== undefined) {
      const end = classEnd(chars, index) ?? index
      isMagic = true
      source += compileClass(chars.slice(index + 1, end))
      index = end
    } else {
      literal += char
      source += escapeOutside(char)
    }
  }
  if (!isMagic) return { kind: 'literal', name: literal }
  const regex = new RegExp(`^${source}$`, 'su')
  // glob(3): a leading dot is matched only by a literal dot.
  const isDotExplicit = component.startsWith('.') || component.startsWith('\\.')
  return { kind: 'pattern', test: (name) => (isDotExplicit || !name.startsWith('.')) && regex.test(name) }
}

/** The index of the `]` closing the class opened at `open`, or undefined when `[` is a literal. */
function classEnd(chars: readonly string[], open: number): number | undefined {
  let index = open + 1
  if (chars[index] === '!' || chars[index] === '^') index++
  // A `]` first in the class is a member, not its end.
  if (chars[index] === ']') index++
  for (; index < chars.length; index++) {
    if (chars[index] === '\\') index++
    else if (chars[index] === ']') return index
  }
  return undefined
}

function compileClass(body: readonly string[]): string {
  let index = 0
  let source = '['
  if (body[0] === '!' || body[0] === '^') {
    source += '^'
    index++
  }
  const first = index
  for (; index < body.length; index++) {
    let char = body[index] ?? ''
    if (char === '\\' && index + 1 < body.length) char = body[++index] ?? ''
    else if (char === '-' && index > first && index < body.length - 1) {
      source += '-'
      continue
    }
    source += /[\\\][^-]/.test(char) ? `\\${char}` : char
  }
  return `${source}]`
}

function escapeOutside(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char
}
