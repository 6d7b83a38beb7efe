// What the emperor does with a request on its control socket: `reload`, `stop`, `start` or `status` of one
// vassal, answered once the vassal has come to rest (ready, stopped, throttled, invalid or refused), so that
// `tsgi reload NAME` can say whether the reload took, and why not.
import type { ControlAnswer, ControlRequest } from '../control/emperor-control.js'
import { suggestName } from '../config/did-you-mean.js'
import { makeError, type TsgiError } from '../errors/tsgi-error.js'
import type { VassalFile } from './monitors/monitor.js'
import type { Vassal } from './vassal.js'
import { hasProcess, type RestingState } from './vassal-state.js'

/** The little of the emperor a command needs. */
export interface GovernedVassals {
  /** The vassal called `name`, with its file as the monitors see it now (undefined once the file is gone). */
  find(name: string): { readonly vassal: Vassal; readonly file: VassalFile | undefined } | undefined
  names(): readonly string[]
  /** Runs the reconciler: a vassal whose file went while the operator stopped it is forgotten then. */
  reconcile(): void
}

const withoutExtension = (name: string): string => name.replace(/\.[^.]*$/, '')

function failure(vassal: Vassal | undefined, error: TsgiError): ControlAnswer {
  return {
    ok: false,
    vassal: vassal?.name ?? null,
    state: vassal?.state ?? null,
    message: error.message,
    code: error.code,
  }
}

function success(vassal: Vassal, message: string): ControlAnswer {
  return { ok: true, vassal: vassal.name, state: vassal.state, message, code: null }
}

/** The vassal a request names: its exact name, or the name without its extension when only one fits. */
function findVassal(name: string, governed: GovernedVassals): ReturnType<GovernedVassals['find']> {
  const exact = governed.find(name)
  if (exact !== undefined) return exact
  const stems = governed.names().filter((candidate) => withoutExtension(candidate) === name)
  return stems.length === 1 && stems[0] !== undefined ? governed.find(stems[0]) : undefined
}

/** How a reload or start ended, from the state the vassal came to rest in. */
function answerAtRest(vassal: Vassal, command: string, rest: RestingState, done: string): ControlAnswer {
  const name = vassal.name
  if (rest.state === 'ready' && rest.error === undefined) return success(vassal, `vassal "${name}" ${done}`)
  if (rest.state === 'invalid')
    return failure(
      vassal,
      makeError('ERR_VASSAL_CONFIG_INVALID', {
        name,
        command,
        errors: rest.error ?? rest.reason,
        isServing: false,
      }),
    )
  // Ready with an error: its reload failed and the old generation serves; or it died, was refused, stopped.
  const reason = rest.state === 'ready' ? rest.reason : `it is ${rest.state}: ${rest.reason}`
  return failure(vassal, makeError('ERR_VASSAL_COMMAND_FAILED', { name, command, reason }))
}

function wrongState(vassal: Vassal, command: string, expected: string, state?: string): ControlAnswer {
  return failure(
    vassal,
    makeError('ERR_VASSAL_WRONG_STATE', {
      name: vassal.name,
      command,
      expected,
      state: state ?? vassal.state,
    }),
  )
}

/** Acts, then waits for the vassal to come to rest; `act` false: it did nothing to wait for. */
async function actAndWait(
  vassal: Vassal,
  signal: AbortSignal,
  act: () => boolean,
): Promise<RestingState | undefined> {
  const settled = new AbortController()
  const onAbort = (): void => settled.abort()
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    const rest = vassal.nextAtRest(settled.signal)
    if (!act()) return undefined
    return await rest
  } finally {
    signal.removeEventListener('abort', onAbort)
    settled.abort()
  }
}

async function reload(
  vassal: Vassal,
  file: VassalFile | undefined,
  signal: AbortSignal,
): Promise<ControlAnswer> {
  const expected = 'running or waiting to run (a stopped vassal is started with `tsgi start`)'
  if (file === undefined || vassal.state === 'stopping' || vassal.state === 'stopped')
    return wrongState(vassal, 'reload', expected)
  let outcome = ''
  const rest = await actAndWait(vassal, signal, () => {
    outcome = vassal.apply(file, { isDeliberate: true })
    return outcome !== 'refused'
  })
  if (outcome === 'refused')
    return failure(
      vassal,
      makeError('ERR_VASSAL_CONFIG_INVALID', {
        name: vassal.name,
        command: 'reload',
        errors: vassal.configError ?? 'unknown',
        isServing: true,
      }),
    )
  if (rest === undefined) return wrongState(vassal, 'reload', expected)
  return answerAtRest(
    vassal,
    'reload',
    rest,
    outcome === 'restarting' || outcome === 'replacing' ? 'restarted: it serves' : 'reloaded: it serves',
  )
}

async function start(
  vassal: Vassal,
  file: VassalFile | undefined,
  signal: AbortSignal,
): Promise<ControlAnswer> {
  if (file === undefined || vassal.state === 'stopping')
    return wrongState(vassal, 'start', 'present and not stopping (its file is gone, or the emperor stops)')
  if (vassal.state === 'ready') return success(vassal, `vassal "${vassal.name}" is already running`)
  const isRunning = hasProcess(vassal.state)
  // Spawning or reloading: it is starting already, and the answer waits for the outcome.
  const rest = await actAndWait(vassal, signal, () => isRunning || vassal.start(file))
  if (rest === undefined) return wrongState(vassal, 'start', 'startable')
  return answerAtRest(vassal, 'start', rest, 'started: it serves')
}

async function stop(vassal: Vassal, governed: GovernedVassals): Promise<ControlAnswer> {
  if (vassal.state === 'stopped') return success(vassal, `vassal "${vassal.name}" is already stopped`)
  await vassal.stop('SIGTERM', 'tsgi stop')
  // The reconciler skips a stopping vassal: had its file gone meanwhile, it would linger as stopped.
  governed.reconcile()
  return success(vassal, `vassal "${vassal.name}" stopped; it stays stopped until \`tsgi start\``)
}

/** Carries out one request; `signal` aborts the wait (not the action) when the client goes away. */
export async function runControlCommand(
  request: ControlRequest,
  governed: GovernedVassals,
  signal: AbortSignal,
): Promise<ControlAnswer> {
  const found = findVassal(request.vassal, governed)
  if (found === undefined) {
    const suggestion = suggestName(request.vassal, governed.names())
    return failure(undefined, makeError('ERR_EMPEROR_UNKNOWN_VASSAL', { name: request.vassal, suggestion }))
  }
  const { vassal, file } = found
  switch (request.command) {
    case 'status': {
      const error = vassal.configError
      return success(
        vassal,
        `vassal "${vassal.name}" is ${vassal.state}${error === undefined ? '' : `: ${error}`}`,
      )
    }
    case 'reload':
      return reload(vassal, file, signal)
    case 'start':
      return start(vassal, file, signal)
    case 'stop':
      return stop(vassal, governed)
  }
}
