// The shape of one row of the options registry (DESIGN.md decision 1, STYLE.md section 4).
import type { ValueType } from '../value-types.js'

/** Which process reads an option: the emperor, an instance's master, or a worker runtime. */
export type Role = 'emperor' | 'instance' | 'worker'

/**
 * How many values an option holds:
 * - `one`: a single value with a default; the last occurrence wins;
 * - `optional`: a single value or nothing; the last occurrence wins;
 * - `list`: every occurrence accumulates, in order.
 */
export type Shape = 'one' | 'optional' | 'list'

interface RowFields<T> {
  readonly aliases?: readonly string[]
  /** A one-letter command-line spelling, as uWSGI's getopt table has it (`-p 4`, `-M`). */
  readonly short?: string
  readonly roles: readonly Role[]
  readonly type: ValueType<T>
  /** Options this one turns on (uWSGI's UWSGI_OPT_MASTER and friends). */
  readonly implies?: readonly string[]
  /** One line for `--help`. */
  readonly doc: string
  /** Longer Markdown for docs/options.md. */
  readonly details?: string
  /** Set by a later issue: accepted now with a "not yet implemented" warning naming that issue. */
  readonly plannedIn?: number | 'later'
  /** A uWSGI option tsgi deliberately does not implement: accepted with one warning giving this reason. */
  readonly ignored?: string
  /** Values are commands or formats: an inline comment cut from them is worth a warning. */
  readonly isCommandLike?: boolean
  /** Consumed while loading (includes, placeholders, config logic) rather than stored in the Config. */
  readonly isDirective?: boolean
}

export interface OptionSpec<T, S extends Shape = Shape> extends RowFields<T> {
  readonly shape: S
  readonly default: S extends 'one' ? T : undefined
}

// NoInfer: T comes from `type` alone, so a default of the wrong type is a compile error.
export function one<T>(row: RowFields<T> & { readonly default: NoInfer<T> }): OptionSpec<T, 'one'> {
  return { ...row, shape: 'one' }
}

export function optional<T>(row: RowFields<T>): OptionSpec<T, 'optional'> {
  return { ...row, shape: 'optional', default: undefined }
}

export function list<T>(row: RowFields<T>): OptionSpec<T, 'list'> {
  return { ...row, shape: 'list', default: undefined }
}

/** A group of rows; the group's title heads its part of `--help` and docs/options.md. */
export interface OptionGroup<R> {
  readonly title: string
  readonly rows: R
}

// `unknown` would reject ValueType<number> (its parse is contravariant in nothing, but `default` is); `any`
// here only erases T in the constraint, every row keeps its own precise type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySpec = OptionSpec<any, Shape>

export function defineOptions<const R extends Record<string, AnySpec>>(
  title: string,
  rows: R,
): OptionGroup<R> {
  return { title, rows }
}

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S

type ValueOf<O> =
  O extends OptionSpec<infer T, infer S>
    ? S extends 'list'
      ? readonly T[]
      : S extends 'one'
        ? T
        : T | undefined
    : never

/** The typed, frozen config a registry describes: option `chmod-socket` becomes key `chmodSocket`. */
export type ConfigOf<R> = {
  readonly [K in keyof R & string as R[K] extends { isDirective: true } ? never : CamelCase<K>]: ValueOf<R[K]>
}

export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())
}
