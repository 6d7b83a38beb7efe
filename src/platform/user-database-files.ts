// Finds one entry in the text of /etc/passwd or /etc/group (passwd(5), group(5)) as glibc's `files` service
// does: by name, or by a numeric key the first line with that uid/gid. Pure: text in, entry out.
//
// It may say "not here" when glibc would find the entry (the caller then asks getent, which is always
// right), but must never give an entry glibc would not. So the first line that is, or might be, the one
// asked for decides: a well-formed line is the answer; a malformed one (glibc reads some short or odd
// lines leniently) means not here. Blank lines and comments are skipped, and so are `+`/`-` lines, which
// only mean something to the `compat` service.

export interface UserEntry {
  readonly name: string
  readonly uid: number
  readonly gid: number
  readonly home: string
}

export interface GroupEntry {
  readonly name: string
  readonly gid: number
}

/** What a lookup key asks for: a name, or an id when the key is all digits (getent's rule). */
type Key = { readonly kind: 'name'; readonly name: string } | { readonly kind: 'id'; readonly id: number }

/** Undefined for a key getent would read some other way (empty, signed, spaced): files do not answer it. */
function parseKey(key: string | number): Key | undefined {
  const text = String(key)
  if (/^\d+$/.test(text)) return { kind: 'id', id: Number(text) }
  if (text.length === 0 || /^[\s+-]/.test(text) || /[:\n]/.test(text)) return undefined
  return { kind: 'name', name: text }
}

const isId = (field: string): boolean => /^\d+$/.test(field)

/** The number strtoul(3) would read from the start of `field`, which glibc's parser uses for ids. */
function looseId(field: string): number | undefined {
  const digits = /^\s*\+?(\d+)/.exec(field)?.[1]
  return digits === undefined ? undefined : Number(digits)
}

/**
 * The fields of the first line that `key` may designate, looking for the name in field 0 or the id in
 * field `idField`; undefined when no line may.
 */
function firstCandidate(text: string, key: Key, idField: number): string[] | undefined {
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trimStart()
    if (line.length === 0 || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue
    const fields = line.split(':')
    const isCandidate =
      key.kind === 'name' ? fields[0] === key.name : looseId(fields[idField] ?? '') === key.id
    if (isCandidate) return fields
  }
  return undefined
}

/** name:password:uid:gid:gecos:home:shell */
export function findPasswdEntry(text: string, key: string | number): UserEntry | undefined {
  const parsed = parseKey(key)
  if (parsed === undefined) return undefined
  const fields = firstCandidate(text, parsed, 2)
  if (fields?.length !== 7) return undefined
  const [name = '', , uid = '', gid = '', , home = ''] = fields
  if (name.length === 0 || !isId(uid) || !isId(gid)) return undefined
  return { name, uid: Number(uid), gid: Number(gid), home }
}

/** name:password:gid:members */
export function findGroupEntry(text: string, key: string | number): GroupEntry | undefined {
  const parsed = parseKey(key)
  if (parsed === undefined) return undefined
  const fields = firstCandidate(text, parsed, 2)
  if (fields?.length !== 4) return undefined
  const [name = '', , gid = ''] = fields
  if (name.length === 0 || !isId(gid)) return undefined
  return { name, gid: Number(gid) }
}
