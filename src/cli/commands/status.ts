// `tsgi status [ADDR | --ini EMPEROR.ini] [--http] [--format json]`: reads the emperor's stats document
// (`emperor-stats`) and shows its vassals as a table for a person, or the document as it came for a program.
// With no address it reads the documented default, /run/tsgi/emperor-stats.sock.
import { parseSocketAddress, type SocketAddress } from '../../config/socket-address.js'
import { makeError, TsgiError } from '../../errors/tsgi-error.js'
import { ExitCode } from '../exit-codes.js'
import type { Style } from '../report-error.js'
import {
  connectTo,
  emperorAddressOf,
  reportFailure,
  unreachableReason,
  type EmperorSocketSpec,
} from './emperor-address.js'
import type { VerbArgs } from './verb-args.js'

/** Where `tsgi status` looks when given no address (the value docs/emperor.md recommends). */
export const defaultEmperorStatsPath = '/run/tsgi/emperor-stats.sock'

/** Bounds a connection that neither answers nor closes. */
const answerTimeoutMs = 10_000
/** The widest ERROR cell; the full text is in `--format json`. */
const maxErrorWidth = 72

interface StatusIo {
  readonly out: NodeJS.WritableStream
  readonly err: NodeJS.WritableStream
  /** For the table on `out`. */
  readonly style: Style
  /** For error lines on `err`. */
  readonly errStyle: Style
  readonly env: NodeJS.ProcessEnv
}

interface Target {
  readonly address: SocketAddress
  readonly isHttp: boolean
}

/** Everything the server sends until it closes. */
function readAnswer(target: Target): Promise<string> {
  const unreachable = (reason: string): TsgiError =>
    makeError('ERR_EMPEROR_STATS_UNREACHABLE', { address: target.address.text, reason })
  return new Promise((resolve, reject) => {
    const socket = connectTo(target.address)
    const chunks: Buffer[] = []
    socket.setTimeout(answerTimeoutMs, () => {
      socket.destroy()
      reject(unreachable(`no answer within ${answerTimeoutMs / 1000} s`))
    })
    socket.on('connect', () => {
      if (target.isHttp) socket.write('GET / HTTP/1.0\r\nHost: tsgi\r\n\r\n')
    })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(unreachable(unreachableReason(error, 'emperor-stats'))),
    )
    socket.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

interface VassalRow {
  readonly id: string
  readonly state: string
  readonly pid: number
  readonly respawns: number
  readonly lastExit: string
  readonly error: string
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function describeExit(value: unknown): string {
  if (!isRecord(value)) return '-'
  if (typeof value.signal === 'string') return value.signal
  return typeof value.code === 'number' ? `code ${value.code}` : '-'
}

/** The JSON body (after an HTTP head, when `stats-http` is on) as a document with a `vassals` list. */
function parseDocument(text: string): { document: Record<string, unknown>; body: string } | undefined {
  const headEnd = text.startsWith('HTTP/') ? text.indexOf('\r\n\r\n') : -1
  const body = headEnd === -1 ? text : text.slice(headEnd + 4)
  try {
    const document: unknown = JSON.parse(body)
    return isRecord(document) && Array.isArray(document.vassals) ? { document, body } : undefined
  } catch {
    return undefined
  }
}

function rowsOf(document: Record<string, unknown>): VassalRow[] {
  const vassals = Array.isArray(document.vassals) ? (document.vassals as unknown[]) : []
  return vassals.filter(isRecord).map((vassal) => ({
    id: typeof vassal.id === 'string' ? vassal.id : '?',
    // A uWSGI emperor has no `state`: its `ready` flag is the nearest thing.
    state: typeof vassal.state === 'string' ? vassal.state : vassal.ready === 1 ? 'ready' : '-',
    pid: typeof vassal.pid === 'number' ? vassal.pid : -1,
    respawns: typeof vassal.respawns === 'number' ? vassal.respawns : 0,
    lastExit: describeExit(vassal.last_exit),
    error: typeof vassal.config_error === 'string' ? vassal.config_error : '',
  }))
}

const truncate = (text: string, width: number): string =>
  text.length > width ? `${text.slice(0, width - 1)}…` : text

/** `/etc/tsgi/vassals/shop.ini:6: ERR_…` → `line 6: ERR_…` in shop.ini's row. */
function shortenError(error: string, id: string): string {
  const match = /^(\S+?):(\d+)(?::\d+)?: /.exec(error)
  if (match === null || !(match[1] ?? '').endsWith(id)) return error
  return `line ${match[2] ?? '?'}: ${error.slice(match[0].length)}`
}

function renderTable(document: Record<string, unknown>, style: Style): string {
  const rows = rowsOf(document).map((row) => [
    row.id,
    row.state,
    row.pid === -1 ? '-' : String(row.pid),
    String(row.respawns),
    row.lastExit,
    // One line per vassal, whatever the error holds; the vassal's own file path is its NAME already.
    truncate(shortenError(row.error, row.id).replace(/\s+/g, ' '), maxErrorWidth),
  ])
  const header = ['NAME', 'STATE', 'PID', 'RESPAWNS', 'LAST EXIT', 'ERROR']
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd()
  const pid = typeof document.pid === 'number' ? document.pid : '?'
  const version = typeof document.version === 'string' ? document.version : '?'
  const summary = `emperor pid ${pid} (version ${version}), ${rows.length} vassal${rows.length === 1 ? '' : 's'}`
  return [style.dim(summary), style.bold(line(header)), ...rows.map(line)].join('\n') + '\n'
}

const statsSocket: EmperorSocketSpec = {
  verb: 'status',
  option: 'emperor-stats',
  defaultAddress: defaultEmperorStatsPath,
  parse: parseSocketAddress,
  addressIn: (config, file) => config.emperorStats ?? makeError('ERR_EMPEROR_STATS_NOT_SET', { file }),
}

/** The address to read, from the arguments: ADDR, `--ini EMPEROR.ini`, or the default. */
function targetOf(args: VerbArgs, io: StatusIo): Target | ExitCode {
  const found = emperorAddressOf(args.rest, statsSocket, io)
  if (typeof found === 'number') return found
  return { address: found.address, isHttp: args.flags.has('--http') || found.config?.statsHttp === true }
}

export async function runStatus(args: VerbArgs, io: StatusIo): Promise<ExitCode> {
  const target = targetOf(args, io)
  if (typeof target === 'number') return target
  let text: string
  try {
    text = await readAnswer(target)
  } catch (error) {
    if (!(error instanceof TsgiError)) throw error
    return reportFailure(error, io)
  }
  const parsed = parseDocument(text)
  if (parsed === undefined) {
    const error = makeError('ERR_EMPEROR_STATS_UNREACHABLE', {
      address: target.address.text,
      reason: 'the answer is not an emperor stats document (a stats-http server needs --http)',
    })
    return reportFailure(error, io)
  }
  // --format json: the document exactly as the emperor sent it.
  io.out.write(args.format === 'json' ? `${parsed.body.trimEnd()}\n` : renderTable(parsed.document, io.style))
  return ExitCode.Ok
}
