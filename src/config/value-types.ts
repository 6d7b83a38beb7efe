// Value parsers for the options registry (STYLE.md section 4). Pure: no I/O, never throw.
// Each returns { ok: true, value } or { ok: false, expected }, so the resolver can collect every error.

export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly expected: string }

export interface ValueType<T> {
  /** Short name of the type for docs and `--help` (`integer`, `size`, `socket address` …). */
  readonly name: string
  /** What a valid value looks like, as the end of "it must be …". */
  readonly expected: string
  /** The meaning of an empty value (`master` alone means on), or undefined when empty is an error. */
  readonly emptyValue: T | undefined
  parse(text: string): ParseResult<T>
}

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value })
const fail = <T>(expected: string): ParseResult<T> => ({ ok: false, expected })

function valueType<T>(
  name: string,
  expected: string,
  parse: (text: string) => ParseResult<T>,
  emptyValue?: T,
) {
  return { name, expected, emptyValue, parse } satisfies ValueType<T>
}

export function string(options: { expected?: string } = {}): ValueType<string> {
  return valueType('string', options.expected ?? 'a non-empty string', (text) =>
    text.length > 0 ? ok(text) : fail(options.expected ?? 'a non-empty string'),
  )
}

/** A value that may be empty: `log-date` alone means "the default format". */
export function optionalString(emptyMeaning: string): ValueType<string> {
  return valueType('string', 'a string', (text) => ok(text), emptyMeaning)
}

export function path(): ValueType<string> {
  return valueType('path', 'a path', (text) =>
    text.length > 0 && !text.includes('\0') ? ok(text) : fail<string>('a path'),
  )
}

const trueWords = new Set(['1', 'true', 'yes', 'on'])
const falseWords = new Set(['0', 'false', 'no', 'off'])

/** 1/0, true/false, yes/no, on/off (any case); an empty value means true, as a bare flag does. */
export function boolean(): ValueType<boolean> {
  const expected = 'a boolean (1/0, true/false, yes/no, on/off)'
  return valueType(
    'boolean',
    expected,
    (text) => {
      const word = text.toLowerCase()
      if (trueWords.has(word)) return ok(true)
      if (falseWords.has(word)) return ok(false)
      return fail(expected)
    },
    true,
  )
}

export function integer(options: { min?: number; max?: number } = {}): ValueType<number> {
  const { min, max } = options
  const expected =
    'an integer' +
    (min !== undefined && max !== undefined
      ? ` from ${min} to ${max}`
      : min !== undefined
        ? ` >= ${min}`
        : max !== undefined
          ? ` <= ${max}`
          : '')
  return valueType('integer', expected, (text) => {
    if (!/^[+-]?\d+$/.test(text)) return fail(expected)
    const value = Number(text)
    if (!Number.isSafeInteger(value)) return fail(expected)
    if (min !== undefined && value < min) return fail(expected)
    if (max !== undefined && value > max) return fail(expected)
    return ok(value)
  })
}

const sizeUnits: Readonly<Record<string, number>> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
}

/**
 * A size in bytes: `65535`, `64k`, `64M`, `1G` (binary multiples; `K`, `KB`, `KiB` alike).
 * `plainUnitBytes` is what a bare number counts: 1 for byte options, 1 MiB for uWSGI's megabyte options.
 */
export function size(
  options: { plainUnitBytes?: number; min?: number; max?: number } = {},
): ValueType<number> {
  const plain = options.plainUnitBytes ?? 1
  const min = options.min ?? 0
  const max = options.max ?? Number.MAX_SAFE_INTEGER
  const unitWord = plain === 1 ? 'bytes' : plain === 1024 ** 2 ? 'MiB' : `units of ${plain} bytes`
  const expected =
    `a size: a number of ${unitWord} or a number with K, M or G` +
    (options.max === undefined ? '' : ` up to ${max} bytes`)
  return valueType('size', expected, (text) => {
    const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text)
    if (match === null) return fail(expected)
    const [, digits = '', unit = ''] = match
    const multiplier = unit === '' ? plain : (sizeUnits[unit.toLowerCase()] ?? 1)
    const value = Math.round(Number(digits) * multiplier)
    if (!Number.isSafeInteger(value) || value < min || value > max) return fail(expected)
    if (unit === '' && digits.includes('.') && plain === 1) return fail(expected)
    return ok(value)
  })
}

const durationUnits: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

/** A duration in milliseconds: `30` (in `plainUnit`), `500ms`, `30s`, `5m`, `2h`, `1d`. */
export function duration(options: { plainUnit: 's' | 'ms'; min?: number }): ValueType<number> {
  const minMs = options.min ?? 0
  const expected =
    `a duration: a number of ${options.plainUnit === 's' ? 'seconds' : 'milliseconds'} or a number with ms, s, m, h or d` +
    (minMs > 0 ? `, at least ${minMs}ms` : '')
  return valueType('duration', expected, (text) => {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(text)
    if (match === null) return fail(expected)
    const [, digits = '', unit = options.plainUnit] = match
    const value = Math.round(Number(digits) * (durationUnits[unit.toLowerCase()] ?? 1))
    if (!Number.isSafeInteger(value) || value < minMs) return fail(expected)
    return ok(value)
  })
}

/** A Unix file mode in octal: `660`, `0660`, `2770`; an empty value means 666, as uWSGI's bare `chmod-socket`. */
export function fileMode(): ValueType<number> {
  const expected = 'an octal file mode of 3 or 4 digits, such as 660'
  return valueType(
    'octal mode',
    expected,
    (text) => (/^[0-7]{3,4}$/.test(text) ? ok(parseInt(text, 8)) : fail(expected)),
    0o666,
  )
}

export function oneOf<const W extends string>(words: readonly W[]): ValueType<W> {
  const expected = `one of ${words.map((w) => `"${w}"`).join(', ')}`
  return valueType('word', expected, (text) => {
    const word = words.find((w) => w === text.toLowerCase())
    return word === undefined ? fail(expected) : ok(word)
  })
}

/** A comma-separated list (`cap = setgid,setuid`); blanks around items are ignored. */
export function commaList<T>(item: ValueType<T>): ValueType<readonly T[]> {
  const expected = `a comma-separated list of ${item.name} values, each ${item.expected}`
  return valueType(`list of ${item.name}`, expected, (text) => {
    const parts = text.split(',').map((part) => part.trim())
    if (parts.some((part) => part === '')) return fail(expected)
    const values: T[] = []
    for (const part of parts) {
      const parsed = item.parse(part)
      if (!parsed.ok) return fail(expected)
      values.push(parsed.value)
    }
    return ok(values)
  })
}

/** A user or a group, by name or by number; names are looked up on the machine by the resolver. */
export type Principal =
  { readonly kind: 'id'; readonly id: number } | { readonly kind: 'name'; readonly name: string }

const principalName = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/

function parsePrincipal(text: string): Principal | undefined {
  if (/^\d+$/.test(text)) {
    const id = Number(text)
    return id <= 0xfffffffe ? { kind: 'id', id } : undefined
  }
  return text.length <= 256 && principalName.test(text) ? { kind: 'name', name: text } : undefined
}

export function principal(what: 'user' | 'group'): ValueType<Principal> {
  const expected = `a ${what} name or a numeric ${what === 'user' ? 'uid' : 'gid'}`
  return valueType(what, expected, (text) => {
    const value = parsePrincipal(text)
    return value === undefined ? fail(expected) : ok(value)
  })
}

export interface Ownership {
  readonly user: Principal
  readonly group: Principal | undefined
}

/** `user[:group]`, as `chown-socket` takes it. */
export function ownership(): ValueType<Ownership> {
  const expected = 'a user, or user:group, by name or number'
  return valueType('owner', expected, (text) => {
    const [userText = '', groupText, ...rest] = text.split(':')
    const user = parsePrincipal(userText)
    const group = groupText === undefined ? undefined : parsePrincipal(groupText)
    if (user === undefined || rest.length > 0 || (groupText !== undefined && group === undefined))
      return fail(expected)
    return ok({ user, group })
  })
}

/** `KEY=VALUE`; a bare `KEY` unsets the variable, as glibc's putenv (and so uWSGI) does. */
export interface EnvAssignment {
  readonly key: string
  readonly value: string | undefined
}

export function envAssignment(): ValueType<EnvAssignment> {
  const expected =
    'KEY=VALUE (or KEY alone to unset it), with a key of letters, digits, "_", "." or "-" not starting with a digit'
  return valueType('KEY=VALUE', expected, (text) => {
    const at = text.indexOf('=')
    const key = at === -1 ? text : text.slice(0, at)
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) || text.includes('\0')) return fail(expected)
    return ok({ key, value: at === -1 ? undefined : text.slice(at + 1) })
  })
}

/** `name=value` with both sides non-empty: `mount = /app=app.py`, `set-placeholder = dir=/srv`. */
export interface NamedValue {
  readonly name: string
  readonly value: string
}

export function namedValue(names: string, values: string): ValueType<NamedValue> {
  const expected = `${names}=${values}`
  return valueType('name=value', expected, (text) => {
    const at = text.indexOf('=')
    if (at <= 0 || at === text.length - 1) return fail(expected)
    return ok({ name: text.slice(0, at).trim(), value: text.slice(at + 1).trim() })
  })
}
