import { codes, type Code, type ErrorKind, type ParamsOf } from './codes.js'

/** Where a problem was found: a place in a file, an environment variable, or a command-line argument. */
export type Where =
  | { readonly file: string; readonly line: number; readonly column?: number; readonly excerpt?: Excerpt }
  | { readonly env: string }
  | { readonly argv: number }

/** The offending text: the whole source line, and the span of it that is wrong (0-based, UTF-16). */
export interface Excerpt {
  readonly lineText: string
  readonly start: number
  readonly end: number
}

export interface TsgiErrorOptions {
  readonly where?: Where | undefined
  readonly cause?: unknown
}

/** The one error class of tsgi: a registered code, a message from its template, and where it happened. */
export class TsgiError extends Error {
  readonly code: Code
  readonly kind: ErrorKind
  readonly where: Where | undefined

  constructor(code: Code, message: string, options: TsgiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TsgiError'
    this.code = code
    this.kind = codes[code].kind
    this.where = options.where
  }
}

/** Builds a TsgiError whose message comes from the registry template of `code`. */
export function makeError<C extends Code>(
  code: C,
  params: ParamsOf<C>,
  options: TsgiErrorOptions = {},
): TsgiError {
  const template = codes[code].message as (p: ParamsOf<C>) => string
  return new TsgiError(code, template(params), options)
}

/** Throws ERR_INTERNAL_ASSERTION ("this is a bug in tsgi") unless `condition` holds. */
export function invariant(condition: unknown, what: string): asserts condition {
  if (!condition) throw makeError('ERR_INTERNAL_ASSERTION', { what })
}

/** Formats a Where as `file:line:column`, `$NAME` or `argv[3]`. */
export function formatWhere(where: Where): string {
  if ('file' in where)
    return `${where.file}:${where.line}${where.column === undefined ? '' : `:${where.column}`}`
  if ('env' in where) return `$${where.env}`
  return `argv[${where.argv}]`
}
