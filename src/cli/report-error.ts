// Turns diagnostics into what a person (or a program, with --format json) reads: one line per problem,
// `file:line:column: severity CODE: message`, then the offending line with a caret. Never a stack trace.
import type { Diagnostic } from '../config/diagnostic.js'
import { formatWhere, type TsgiError, type Where } from '../errors/tsgi-error.js'

export interface Style {
  readonly red: (text: string) => string
  readonly yellow: (text: string) => string
  readonly dim: (text: string) => string
  readonly bold: (text: string) => string
}

const plain: Style = { red: (t) => t, yellow: (t) => t, dim: (t) => t, bold: (t) => t }
const paint = (code: number) => (text: string) => `\x1b[${code}m${text}\x1b[0m`
const colour: Style = { red: paint(31), yellow: paint(33), dim: paint(2), bold: paint(1) }

/** Colour only on a terminal, and never when NO_COLOR is set (no-color.org). */
export function styleFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Style {
  return stream.isTTY === true && env.NO_COLOR === undefined ? colour : plain
}

function excerptLines(where: Where | undefined, style: Style): string[] {
  if (where === undefined || !('file' in where) || where.excerpt === undefined) return []
  const { lineText, start, end } = where.excerpt
  // Show control characters (binary garbage) as '?' so the terminal is never disturbed.
  // eslint-disable-next-line no-control-regex
  const shown = lineText.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?').replaceAll('\t', ' ')
  const gutter = String(where.line)
  const pad = ' '.repeat(gutter.length)
  return [
    `  ${style.dim(`${gutter} |`)} ${shown}`,
    `  ${style.dim(`${pad} |`)} ${' '.repeat(Math.max(0, start))}${style.red('^'.repeat(Math.max(1, end - start)))}`,
  ]
}

export function formatDiagnostic(d: Diagnostic, style: Style): string {
  const place = d.where === undefined ? 'tsgi' : formatWhere(d.where)
  const severity = d.severity === 'error' ? style.red('error') : style.yellow('warning')
  return [`${style.bold(place)}: ${severity} ${d.code}: ${d.message}`, ...excerptLines(d.where, style)].join(
    '\n',
  )
}

export function formatError(error: TsgiError, style: Style): string {
  return formatDiagnostic(
    { severity: 'error', code: error.code, message: error.message, where: error.where },
    style,
  )
}

/** The JSON form of a diagnostic (`--format json`). */
export function diagnosticToJson(d: Diagnostic): Record<string, unknown> {
  const where = d.where
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(where === undefined
      ? {}
      : 'file' in where
        ? { file: where.file, line: where.line, column: where.column ?? null }
        : where),
  }
}
