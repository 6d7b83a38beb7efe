// The master ↔ worker control channel (DESIGN.md decision 5): newline-delimited JSON over Node's IPC
// channel (`serialization: 'json'`), named message types, no fd passing, so a Python worker can speak it.

/** How a listening socket is served: the uwsgi binary protocol (nginx `uwsgi_pass`) or HTTP/1.1. */
export type ListenerProtocol = 'uwsgi' | 'http'

export interface ListenerSpec {
  /** The fd number in the worker (stdio slot 4 and up; slot 3 is the IPC channel). */
  readonly fd: number
  readonly protocol: ListenerProtocol
  /** The address as configured, for logs. */
  readonly address: string
}

/** What a worker needs to serve: sent once, right after spawn. */
export interface WorkerStart {
  readonly type: 'start'
  /** 1-based, stable across respawns of the same slot (uWSGI's worker id). */
  readonly workerId: number
  readonly generation: number
  readonly listeners: readonly ListenerSpec[]
  /** The listen(2) backlog each worker passes for every listener. */
  readonly backlog: number
  /** How long a uwsgi client may take to send its request vars (`socket-timeout`). */
  readonly headerTimeoutMs: number
  /** The default app (`module`) and the mounted ones (`mount = /prefix=app.mjs`); at least one is set. */
  readonly app: {
    readonly module: string | undefined
    readonly mounts: readonly { readonly mountpoint: string; readonly module: string }[]
  }
  readonly manageScriptName: boolean
  readonly bufferSizeBytes: number
  readonly isRequestLogOn: boolean
  /** strftime-like format for log lines, or undefined for no date. */
  readonly logDate: string | undefined
  readonly logPrefix: string
  /**
   * How often the worker reports a WorkerStatus, in ms (and at once whenever it goes from idle to busy);
   * 0: it reports nothing, as nothing in the master needs it (no `harakiri`).
   */
  readonly statusIntervalMs: number
  /** Set for the Python runtime (python/tsgi_worker.py), which loads `python.apps` instead of `app`. */
  readonly python?: PythonWorkerStart | undefined
}

/** What the Python worker needs beyond the common start message. */
export interface PythonWorkerStart {
  /** The default app (mountpoint '') and the mounted ones, as the worker imports them. */
  readonly apps: readonly { readonly mountpoint: string; readonly target: string }[]
  /** `callable`: the name used when a target names none. */
  readonly callable: string
  readonly pythonpath: readonly string[]
  readonly threads: number
  /** For wsgi.multiprocess. */
  readonly processes: number
  /** `py-autoreload` in seconds; 0 = off. */
  readonly autoreloadS: number
  /** `post-buffering` in bytes; 0 = off. */
  readonly postBufferingBytes: number
  /** The one-line load failure of this instance's previous worker, so a repeat is one line, not a traceback. */
  readonly lastLoadFailure: string | undefined
}

/** Master → worker. */
export type MasterMessage =
  | WorkerStart
  /** Stop accepting, finish in-flight requests, close idle keep-alive connections, then exit 0. */
  | { readonly type: 'drain' }

/** Worker → master. */
export type WorkerMessage =
  /** The app is loaded and the worker accepts on every listener. */
  | { readonly type: 'ready' }
  /** The app failed to load; the worker exits after sending this. */
  | { readonly type: 'load-failed'; readonly reason: string }
  /** Reload the workers (a rolling reload), e.g. py-autoreload saw a module file change. */
  | { readonly type: 'reload'; readonly reason: string }
  | WorkerStatus

/**
 * Worker → master, every `statusIntervalMs` and at once when an idle worker starts a request (a worker then
 * stuck in that request may never report again): what the master's harakiri and its logs need.
 */
export interface WorkerStatus {
  readonly type: 'status'
  /** Requests this worker has begun since it started. */
  readonly requests: number
  /** Epoch ms at which its oldest request still in flight began; null when it has none. */
  readonly busySinceMs: number | null
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== 'object' || value === null || !('type' in value)) return false
  if (isMessageOf(value, 'status'))
    return (
      typeof value.requests === 'number' &&
      (value.busySinceMs === null || typeof value.busySinceMs === 'number')
    )
  return (
    value.type === 'ready' ||
    ((value.type === 'load-failed' || value.type === 'reload') &&
      'reason' in value &&
      typeof value.reason === 'string')
  )
}

export function isMasterMessage(value: unknown): value is MasterMessage {
  if (typeof value !== 'object' || value === null || !('type' in value)) return false
  return value.type === 'start' || value.type === 'drain'
}

/** Successor master → the master it replaces: it serves now, with these inherited sockets. */
export interface SuccessorReady {
  readonly type: 'successor-ready'
  /** Address texts of the inherited sockets it adopted; the old master must not vacuum those. */
  readonly adopted: readonly string[]
}

export function isSuccessorReady(value: unknown): value is SuccessorReady {
  return (
    typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    value.type === 'successor-ready' &&
    'adopted' in value &&
    Array.isArray(value.adopted)
  )
}

/** Vassal (an instance under the emperor) → emperor. */
export type VassalMessage =
  /** The instance serves: sent after its start and again after each finished reload. */
  | { readonly type: 'vassal-ready' }
  /** A reload failed (the app did not load, or the new config has errors); the vassal serves as before. */
  | { readonly type: 'vassal-reload-failed'; readonly reason: string }

export function isVassalMessage(value: unknown): value is VassalMessage {
  if (typeof value !== 'object' || value === null || !('type' in value)) return false
  return value.type === 'vassal-ready' || (value.type === 'vassal-reload-failed' && 'reason' in value)
}

/**
 * Vassal → emperor, tyrant mode only: chown this unix socket (an absolute path) as its `chown-socket` says,
 * which the vassal, running as its file's owner, may not do itself. The emperor trusts nothing in it: the
 * path must be one of the vassal's configured sockets, and the owner comes from the config it validated.
 */
export interface ChownSocketRequest {
  readonly type: 'chown-socket'
  readonly path: string
}

/** Emperor → vassal: the answer to a ChownSocketRequest; `refusal` is null when the socket was chowned. */
export interface ChownSocketDone {
  readonly type: 'chown-socket-done'
  readonly path: string
  readonly refusal: string | null
}

/** A message object of this type, its other fields still to be checked. */
function isMessageOf<T extends string>(
  value: unknown,
  type: T,
): value is { readonly type: T } & Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && 'type' in value && value.type === type
}

export function isChownSocketRequest(value: unknown): value is ChownSocketRequest {
  return isMessageOf(value, 'chown-socket') && typeof value.path === 'string'
}

export function isChownSocketDone(value: unknown): value is ChownSocketDone {
  return (
    isMessageOf(value, 'chown-socket-done') &&
    typeof value.path === 'string' &&
    (value.refusal === null || typeof value.refusal === 'string')
  )
}

/** Set to '1' in a vassal's environment when its emperor serves ChownSocketRequests (tyrant mode). */
export const emperorChownsVariable = 'TSGI__EMPEROR_CHOWNS'

/** The signals an emperor may ask its vassal to raise on itself (DESIGN.md decision 6, and the last resort). */
export const relayedSignals = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGKILL'] as const

/**
 * Emperor → vassal: raise this signal on yourself. An unprivileged tyrant emperor without CAP_KILL may not
 * signal a vassal that runs as another user, so it asks over the control channel instead of kill(2).
 */
export interface RelayedSignal {
  readonly type: 'signal'
  readonly signal: (typeof relayedSignals)[number]
}

export function isRelayedSignal(value: unknown): value is RelayedSignal {
  return isMessageOf(value, 'signal') && relayedSignals.some((signal) => signal === value.signal)
}

/**
 * Emperor → vassal. A reload, with the command line the vassal re-reads its config from: it changes when
 * emperor.ini's vassal templates (`vassal-set`, `vassals-include` …) do. A message, not SIGHUP, so the new
 * command line cannot arrive after the reload it is for.
 */
export interface EmperorMessage {
  readonly type: 'vassal-reload'
  readonly argv: readonly string[]
}

export function isEmperorMessage(value: unknown): value is EmperorMessage {
  return (
    isMessageOf(value, 'vassal-reload') &&
    Array.isArray(value.argv) &&
    value.argv.every((item) => typeof item === 'string')
  )
}
