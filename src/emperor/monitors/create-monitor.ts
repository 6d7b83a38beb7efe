// One `emperor = …` value → one monitor, following uWSGI's rules (reference §1.2): a `dir://` or `glob://`
// prefix picks the monitor; otherwise a value with glob magic (`*`, `?`, `[…]`) is a glob, an existing
// file is a glob matching that one file, and anything else is a directory. Unlike uWSGI, a missing
// directory is still a directory monitor: it governs nothing until the directory appears (with one log
// line), instead of silently becoming a glob that never matches.
//
// Node 20 has no fs.glob, so the small matcher glob(3) patterns need lives here: `*` and `?` never match
// `/` nor a leading `.` (glob(3) without GLOB_PERIOD), `[abc]`, `[a-z]`, `[!x]`/`[^x]`, `\` escapes the
// next character; `**` is just `*` as in glob(3).
import { statSync } from 'node:fs'
import path from 'node:path'

import { makeError } from '../../errors/tsgi-error.js'
import { DirMonitor } from './dir-monitor.js'
import { GlobMonitor, type GlobPattern, type GlobSegment } from './glob-monitor.js'
import type { Monitor, MonitorOptions } from './monitor.js'

export function createMonitor(spec: string, options: MonitorOptions): Monitor {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)
  if (scheme !== null) {
    const rest = spec.slice(scheme[0].length)
    switch (scheme[1]?.toLowerCase()) {
      case 'dir':
        return new DirMonitor(rest, options)
      case 'glob':
        return new GlobMonitor(compileGlob(rest), options)
      default:
        throw makeError('ERR_CONFIG_INVALID_VALUE', {
          option: 'emperor',
          expected:
            'a directory, a glob pattern, or a dir:// or glob:// URL (no other imperial monitor exists yet)',
          // Only the scheme: the rest of a database URL may hold a password.
          value: `${scheme[0]}…`,
        })
    }
  }
  const pattern = compileGlob(spec)
  if (pattern.segments.some((segment) => segment.kind === 'pattern')) return new GlobMonitor(pattern, options)
  // No magic: every segment is a literal, with any `\` escapes already removed.
  const literalPath = path.join(
    pattern.base,
    ...pattern.segments.map((s) => (s.kind === 'literal' ? s.name : '')),
  )
  if (statSync(literalPath, { throwIfNoEntry: false })?.isFile() === true)
    return new GlobMonitor(pattern, options)
  return new DirMonitor(literalPath, options)
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
