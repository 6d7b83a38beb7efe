// The states of a vassal (DESIGN.md "Vassal states"), and the edges between them.

/**
 * spawning → ready ⇄ reloading → stopping → stopped; beside them throttled (crash-looping, waiting for its
 * next try), invalid (config error, waiting for a file change) and refused (tyrant or privilege rule).
 */
export type VassalState =
  'spawning' | 'ready' | 'reloading' | 'stopping' | 'stopped' | 'throttled' | 'invalid' | 'refused'

const edges: Readonly<Record<VassalState, readonly VassalState[]>> = {
  spawning: ['ready', 'stopping', 'throttled', 'invalid', 'refused', 'spawning'],
  ready: ['reloading', 'stopping', 'throttled', 'invalid', 'spawning', 'ready'],
  reloading: ['ready', 'stopping', 'throttled', 'invalid', 'spawning'],
  stopping: ['stopped'],
  // Only `tsgi start NAME` leaves it, for a vassal the operator stopped while its file stays.
  stopped: ['spawning', 'invalid', 'refused'],
  throttled: ['spawning', 'stopping', 'invalid', 'refused'],
  invalid: ['spawning', 'stopping', 'refused', 'invalid'],
  refused: ['spawning', 'stopping', 'invalid', 'refused'],
}

export function isLegalTransition(from: VassalState, to: VassalState): boolean {
  return edges[from].includes(to)
}

/** States in which the vassal has a live process (what "governing N vassals" counts). */
export function hasProcess(state: VassalState): boolean {
  return state === 'spawning' || state === 'ready' || state === 'reloading' || state === 'stopping'
}

/**
 * States a vassal rests in until something happens to it: what an operator's `tsgi reload|stop|start NAME`
 * waits for. The others (spawning, reloading, stopping) always lead on to one of these.
 */
export function isAtRest(state: VassalState): boolean {
  return (
    state === 'ready' ||
    state === 'stopped' ||
    state === 'throttled' ||
    state === 'invalid' ||
    state === 'refused'
  )
}

/** A state the vassal came to rest in (`isAtRest`), for whoever waits on it. */
export interface RestingState {
  readonly state: VassalState
  /** Why it got there, as its log line says. */
  readonly reason: string
  /** The config error, or the failure of a reload, it carries then. */
  readonly error: string | undefined
}
