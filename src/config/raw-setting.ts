// One `key = value` as read from any source, before lookup and parsing (STYLE.md section 4).
import type { Excerpt, Where } from '../errors/tsgi-error.js'

export type Origin =
  | {
      readonly kind: 'file'
      readonly file: string
      readonly line: number
      readonly column: number
      /** The section the setting was read from; undefined for a headerless file or a flat mapping. */
      readonly section: string | undefined
      /** The source line and the span of the value in it, for error excerpts. */
      readonly excerpt: Excerpt | undefined
    }
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'argv'; readonly index: number }

export interface RawSetting {
  /** The key as written (`workers`, `if-env`, `my_dir`). */
  readonly key: string
  readonly value: string
  readonly origin: Origin
  /** Directory that relative paths in this value are taken from (includes, `@(file)`). */
  readonly baseDir: string
  /** False for settings read through `inherit`: uWSGI applies no $(), @() or %() expansion to them. */
  readonly isExpanded: boolean
  /** An inline comment cut from the value, kept for the `tsgi check` warning on command-like options. */
  readonly cutComment: string | undefined
  /**
   * The value as messages may show it: set when the value holds text read through `@(file)`, which is
   * never echoed (it may be a secret, and in tyrant mode the emperor's log is not the file owner's).
   */
  readonly displayValue?: string
}

export function whereOf(origin: Origin): Where {
  switch (origin.kind) {
    case 'file':
      return origin.excerpt === undefined
        ? { file: origin.file, line: origin.line, column: origin.column }
        : { file: origin.file, line: origin.line, column: origin.column, excerpt: origin.excerpt }
    case 'env':
      return { env: origin.variable }
    case 'argv':
      return { argv: origin.index }
  }
}

export function describeOrigin(origin: Origin): string {
  switch (origin.kind) {
    case 'file':
      return `${origin.file}:${origin.line}`
    case 'env':
      return `environment ${origin.variable}`
    case 'argv':
      return `command line argument ${origin.index}`
  }
}
