// uWSGI's magic variables (`%n`, `%d` …, reference/uwsgi.md §5.5), substituted in config-file text. Pure.

/** What the lowercase variables describe: one config file as it was named. */
export interface MagicFile {
  /** The path as given, with any `:section` suffix (`%o`). */
  readonly asGiven: string
  /** The absolute path: a symlink's own path made absolute, anything else its realpath (`%p`). */
  readonly absolutePath: string
  /** The section asked for with `file:section`, or '' (`%x`). */
  readonly section: string
  /** lstat inode number as text, or '' when it could not be read (`%i`). */
  readonly inode: string
}

/** Facts about the process that every file shares. */
export interface MagicProcess {
  readonly cwd: string
  readonly version: string
  readonly hostname: string
  readonly startSeconds: string
  readonly startMicros: string
  readonly cpuCount: string
  readonly uid: string
  readonly userName: string
  readonly gid: string
  readonly groupName: string
  readonly binaryPath: string
}

/** The full table: lowercase letters from the file being read, uppercase from the first file loaded. */
export type MagicTable = ReadonlyMap<string, string>

/** uWSGI's djb33x hash of `%p`, printed as its four bytes in memory order (little-endian), upper-case hex. */
function djb33xHex(text: string): string {
  let hash = 5381
  for (const byte of Buffer.from(text)) {
    // C `char` is signed on x86: bytes >= 0x80 are sign-extended before the XOR.
    const signed = byte >= 0x80 ? byte - 0x100 : byte
    hash = (Math.imul(hash, 33) ^ signed) >>> 0
  }
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32LE(hash)
  return bytes.toString('hex').toUpperCase()
}

function fileVariables(file: MagicFile): Map<string, string> {
  const p = file.absolutePath
  const slash = p.lastIndexOf('/')
  const name = p.slice(slash + 1)
  const dir = p.slice(0, slash + 1)
  const dot = name.lastIndexOf('.')
  const dirParts = dir.split('/').filter((part) => part.length > 0)
  const table = new Map<string, string>([
    ['o', file.asGiven],
    ['p', p],
    ['s', name],
    ['d', dir],
    ['e', dot === -1 ? '' : name.slice(dot + 1)],
    ['n', dot === -1 ? name : name.slice(0, dot)],
    ['c', dirParts[dirParts.length - 1] ?? ''],
    ['x', file.section],
    ['i', file.inode],
    ['j', djb33xHex(p)],
  ])
  for (let index = 0; index <= 9; index++) table.set(String(index), dirParts[index] ?? '')
  return table
}

export function buildMagicTable(current: MagicFile, first: MagicFile, proc: MagicProcess): MagicTable {
  const table = fileVariables(current)
  for (const [letter, value] of fileVariables(first)) {
    if (/[a-z]/.test(letter)) table.set(letter.toUpperCase(), value)
  }
  table.set('v', proc.cwd)
  table.set('V', proc.version)
  table.set('h', proc.hostname)
  table.set('t', proc.startSeconds)
  table.set('T', proc.startMicros)
  table.set('k', proc.cpuCount)
  table.set('u', proc.uid)
  table.set('U', proc.userName)
  table.set('g', proc.gid)
  table.set('G', proc.groupName)
  table.set('b', proc.binaryPath)
  table.set('[', '\x1b')
  table.set('%', '%')
  return table
}

export interface MagicResult {
  readonly text: string
  /** Each unknown `%X` met, which became the empty string as in uWSGI. */
  readonly unknown: readonly string[]
}

/**
 * Substitutes every `%X` of `text`. `%(` is kept as written, so `%(placeholder)` survives for later;
 * an unknown `%X` becomes '' (uWSGI's rule); a lone `%` at the end stays.
 */
export function substituteMagic(text: string, table: MagicTable): MagicResult {
  if (!text.includes('%')) return { text, unknown: [] }
  let out = ''
  const unknown: string[] = []
  for (let index = 0; index < text.length; index++) {
    const char = text[index]
    const next = text[index + 1]
    if (char !== '%' || next === undefined) {
      out += char
      continue
    }
    index++
    if (next === '(') {
      out += '%('
      continue
    }
    const value = table.get(next)
    if (value === undefined) unknown.push(`%${next}`)
    else out += value
  }
  return { text: out, unknown }
}
