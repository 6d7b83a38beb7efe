// How the verbs that talk to a running emperor (`tsgi status`, `tsgi reload|stop|start NAME`) find it: an
// address given on the command line, the one an emperor config sets (`--ini EMPEROR.ini`), or the
// documented default under /run/tsgi; and how they connect to it.
import { connect, type Socket } from 'node:net'

import type { Config } from '../../config/options/registry.js'
import { loadConfig } from '../../config/resolve-config.js'
import type { SocketAddress } from '../../config/socket-address.js'
import type { ParseResult } from '../../config/value-types.js'
import { makeError, TsgiError } from '../../errors/tsgi-error.js'
import { ExitCode, exitCodeOf, exitCodeOfAll } from '../exit-codes.js'
import { formatDiagnostic, formatError, type Style } from '../report-error.js'

export interface EmperorSocketSpec {
  /** The verb, for usage errors. */
  readonly verb: string
  /** The emperor option that sets the address, for hints. */
  readonly option: string
  /** Where to look when given neither an address nor --ini. */
  readonly defaultAddress: string
  /** An address given on the command line. */
  parse(text: string): ParseResult<SocketAddress>
  /** The address an emperor config sets, or the error saying it sets none. */
  addressIn(config: Config, file: string): SocketAddress | TsgiError
}

export interface ErrorIo {
  readonly err: NodeJS.WritableStream
  readonly errStyle: Style
  readonly env: NodeJS.ProcessEnv
}

/** One error line on stderr, and the exit code its kind calls for. */
export function reportFailure(error: TsgiError, io: ErrorIo): ExitCode {
  io.err.write(`${formatError(error, io.errStyle)}\n`)
  return exitCodeOf(error.kind)
}

/**
 * The emperor's address from what follows the verb (`ADDR`, `--ini FILE` or `--ini=FILE`, or nothing), with
 * the emperor config when one was read. Problems are reported on stderr: the result is then the exit code.
 */
export function emperorAddressOf(
  rest: readonly string[],
  spec: EmperorSocketSpec,
  io: ErrorIo,
): { readonly address: SocketAddress; readonly config: Config | undefined } | ExitCode {
  const usage = (argument: string, reason: string): ExitCode =>
    reportFailure(makeError('ERR_USAGE_UNEXPECTED_ARGUMENT', { argument, reason }), io)
  const ini = rest[0] === '--ini' ? rest[1] : rest[0]?.startsWith('--ini=') ? rest[0].slice(6) : undefined
  const used = rest[0] === '--ini' ? 2 : 1
  if (rest.length > (ini === undefined ? 1 : used))
    return usage(rest[ini === undefined ? 1 : used] ?? '', `${spec.verb} takes one address`)
  if (rest[0] === '--ini' && ini === undefined) return usage('--ini', 'it needs a file')
  if (ini !== undefined) {
    const result = loadConfig({ argv: ['--ini', ini], env: io.env, useEnvOptions: false, cwd: process.cwd() })
    const errors = result.diagnostics.items.filter((d) => d.severity === 'error')
    if (result.config === undefined) {
      for (const d of errors) io.err.write(`${formatDiagnostic(d, io.errStyle)}\n`)
      return exitCodeOfAll(errors.map((e) => (e.code.startsWith('ERR_USAGE_') ? 'usage' : 'config')))
    }
    const address = spec.addressIn(result.config, ini)
    if (address instanceof TsgiError) return reportFailure(address, io)
    return { address, config: result.config }
  }
  const text = rest[0] ?? spec.defaultAddress
  if (text.startsWith('-')) return usage(text, `${spec.verb} takes ADDR or --ini FILE`)
  const parsed = spec.parse(text)
  if (!parsed.ok) return usage(text, `it must be ${parsed.expected}`)
  return { address: parsed.value, config: undefined }
}

/** Why a connection to the emperor failed, for a person; `option` is the emperor option that serves it. */
export function unreachableReason(error: NodeJS.ErrnoException, option: string): string {
  switch (error.code) {
    case 'ENOENT':
      return `no such socket (is the emperor running with ${option}?)`
    case 'ECONNREFUSED':
      return `nothing listens there (is the emperor running with ${option}?)`
    case 'EACCES':
    case 'EPERM':
      return `permission denied (the socket is for the emperor's user${option === 'emperor-stats' ? ' and group' : ''})`
    default:
      return error.code ?? error.message
  }
}

export function connectTo(address: SocketAddress): Socket {
  switch (address.kind) {
    case 'unix':
      return connect(address.path)
    case 'abstract':
      return connect(`\0${address.name}`)
    case 'tcp':
      return connect({
        host: address.host === '' || address.host === '*' ? '127.0.0.1' : address.host,
        port: address.port,
      })
    default:
      throw makeError('ERR_USAGE_UNEXPECTED_ARGUMENT', {
        argument: address.text,
        reason: 'the address must be a unix socket path, @abstract-name or host:port',
      })
  }
}
