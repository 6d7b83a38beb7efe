// `tsgi reload|stop|start NAME [ADDR | --ini EMPEROR.ini] [--timeout SECONDS] [--format json]`: acts on one
// vassal through the emperor's control socket (`emperor-control`) and waits until the vassal has come to
// rest: it serves again, it stopped, or the emperor says why not (the exit code follows the error's kind,
// DESIGN.md "Exit codes"). With no address it uses the documented default, /run/tsgi/emperor-control.sock.
import { parseSocketAddress, type SocketAddress } from '../../config/socket-address.js'
import { unixSocketPath } from '../../config/socket-address.js'
import { isControlAnswer, type ControlAnswer, type ControlCommand } from '../../control/emperor-control.js'
import { codes, type Code } from '../../errors/codes.js'
import { makeError, TsgiError } from '../../errors/tsgi-error.js'
import { ExitCode } from '../exit-codes.js'
import {
  connectTo,
  emperorAddressOf,
  reportFailure,
  unreachableReason,
  type EmperorSocketSpec,
  type ErrorIo,
} from './emperor-address.js'
import type { VerbArgs } from './verb-args.js'

/** Where the commands look when given no address (the value docs/emperor.md recommends). */
export const defaultEmperorControlPath = '/run/tsgi/emperor-control.sock'

/**
 * How long the command waits for the vassal to come to rest unless told: above the emperor's default
 * `emperor-curse-tolerance` (75 s), so that a stop which needs the whole mercy is still seen to end.
 */
const defaultTimeoutSeconds = 90
/** An answer is one line with a message; a config error list is the longest it gets. */
const maxAnswerBytes = 1024 * 1024

interface CommandIo extends ErrorIo {
  readonly out: NodeJS.WritableStream
}

const controlSocket: EmperorSocketSpec = {
  verb: 'this command',
  option: 'emperor-control',
  defaultAddress: defaultEmperorControlPath,
  parse(text) {
    const parsed = unixSocketPath().parse(text)
    return parsed.ok ? parseSocketAddress(parsed.value) : parsed
  },
  addressIn(config, file) {
    if (config.emperorControl === undefined) return makeError('ERR_EMPEROR_CONTROL_NOT_SET', { file })
    return { kind: 'unix', path: config.emperorControl, text: config.emperorControl }
  },
}

/** `--timeout SECONDS` (or `--timeout=SECONDS`) taken out of the arguments. */
function takeTimeout(rest: readonly string[]): { seconds: number; rest: string[] } | TsgiError {
  const others: string[] = []
  let seconds = defaultTimeoutSeconds
  for (let index = 0; index < rest.length; index++) {
    const arg = rest[index] ?? ''
    if (arg !== '--timeout' && !arg.startsWith('--timeout=')) {
      others.push(arg)
      continue
    }
    const value = arg === '--timeout' ? rest[++index] : arg.slice('--timeout='.length)
    const parsed = Number(value)
    if (value === undefined || value === '' || !Number.isFinite(parsed) || parsed <= 0)
      return makeError('ERR_USAGE_UNEXPECTED_ARGUMENT', {
        argument: value ?? '--timeout',
        reason: '--timeout must be a number of seconds above 0',
      })
    seconds = parsed
  }
  return { seconds, rest: others }
}

/** Sends one request and reads the one answer, within `seconds`. */
function ask(
  address: SocketAddress,
  request: { command: ControlCommand; vassal: string },
  seconds: number,
): Promise<ControlAnswer> {
  const unreachable = (reason: string): TsgiError =>
    makeError('ERR_EMPEROR_CONTROL_UNREACHABLE', { address: address.text, reason })
  return new Promise((resolve, reject) => {
    const socket = connectTo(address)
    const chunks: Buffer[] = []
    let size = 0
    const timer = setTimeout(() => {
      socket.destroy()
      reject(
        makeError('ERR_EMPEROR_CONTROL_TIMEOUT', { name: request.vassal, command: request.command, seconds }),
      )
    }, seconds * 1000)
    const settle = (): void => clearTimeout(timer)
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`))
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxAnswerBytes) chunks.push(chunk)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      settle()
      reject(unreachable(unreachableReason(error, 'emperor-control')))
    })
    socket.once('end', () => {
      settle()
      let answer: unknown
      try {
        answer = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        answer = undefined
      }
      if (isControlAnswer(answer)) resolve(answer)
      else
        reject(
          unreachable('the answer is not an emperor control answer (is this an emperor-control socket?)'),
        )
    })
  })
}

const isCode = (code: string): code is Code => Object.hasOwn(codes, code)

export async function runVassalCommand(
  command: Exclude<ControlCommand, 'status'>,
  args: VerbArgs,
  io: CommandIo,
): Promise<ExitCode> {
  const timeout = takeTimeout(args.rest)
  if (timeout instanceof TsgiError) return reportFailure(timeout, io)
  const [name, ...rest] = timeout.rest
  if (name === undefined || name.startsWith('-'))
    return reportFailure(
      makeError('ERR_USAGE_MISSING_ARGUMENT', { flag: command, expected: 'a vassal name' }),
      io,
    )
  const found = emperorAddressOf(rest, controlSocket, io)
  if (typeof found === 'number') return found
  let answer: ControlAnswer
  try {
    answer = await ask(found.address, { command, vassal: name }, timeout.seconds)
  } catch (error) {
    if (!(error instanceof TsgiError)) throw error
    return reportFailure(error, io)
  }
  if (args.format === 'json') io.out.write(`${JSON.stringify(answer, null, 2)}\n`)
  if (answer.ok) {
    if (args.format !== 'json') io.out.write(`${answer.message}\n`)
    return ExitCode.Ok
  }
  // The emperor's own error, with its code, so that the exit status follows its kind.
  const code = answer.code !== null && isCode(answer.code) ? answer.code : 'ERR_VASSAL_COMMAND_FAILED'
  return reportFailure(new TsgiError(code, answer.message), io)
}
