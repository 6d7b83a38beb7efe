// The emperor's control socket (`emperor-control`): what `tsgi reload|stop|start NAME` sends and what it
// gets back. One connection carries one request, a single line of JSON, and one answer, a single line of
// JSON, after which the emperor closes it. Pure: no I/O, so the emperor and the CLI share it.

export const controlCommands = ['reload', 'stop', 'start', 'status'] as const

/**
 * reload: re-read and check the vassal file, then reload (readiness-gated) or restart; stop: stop it
 * gracefully and keep it stopped; start: start a stopped vassal, or retry a throttled, invalid or refused
 * one now; status: its state. The first three answer once the vassal comes to rest.
 */
export type ControlCommand = (typeof controlCommands)[number]

export interface ControlRequest {
  readonly command: ControlCommand
  /** The vassal's name (`shop.ini`), or its name without the extension when that is unambiguous. */
  readonly vassal: string
}

export interface ControlAnswer {
  readonly ok: boolean
  /** The vassal's name as the emperor knows it; null when no vassal matched. */
  readonly vassal: string | null
  /** Its state once the command took effect (DESIGN.md's vassal states); null when no vassal matched. */
  readonly state: string | null
  /** For a person: what happened, or why it failed. */
  readonly message: string
  /** The error code (docs/errors.md) when ok is false, else null. */
  readonly code: string | null
}

/**
 * The longest request line: a JSON object with a command and a vassal name (a file name, or a path below a
 * glob's fixed part), with room to spare. Anything longer is refused unread.
 */
export const maxControlRequestBytes = 8192

/** The longest vassal name accepted in a request: a file name is at most 255 bytes, a glob name longer. */
const maxVassalNameLength = 4096

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isCommand = (value: unknown): value is ControlCommand =>
  typeof value === 'string' && (controlCommands as readonly string[]).includes(value)

/** One request line (without its newline) → a request, or why it is not one (for the error answer). */
export function parseControlRequest(line: string): ControlRequest | { readonly problem: string } {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return { problem: 'it is not JSON' }
  }
  if (!isRecord(value)) return { problem: 'it is not a JSON object' }
  if (!isCommand(value.command))
    return { problem: `"command" must be one of ${controlCommands.map((c) => `"${c}"`).join(', ')}` }
  const vassal = value.vassal
  if (typeof vassal !== 'string' || vassal.length === 0 || vassal.length > maxVassalNameLength)
    return { problem: `"vassal" must be a vassal name of 1 to ${maxVassalNameLength} characters` }
  return { command: value.command, vassal }
}

export function isControlAnswer(value: unknown): value is ControlAnswer {
  return (
    isRecord(value) &&
    typeof value.ok === 'boolean' &&
    (typeof value.vassal === 'string' || value.vassal === null) &&
    (typeof value.state === 'string' || value.state === null) &&
    typeof value.message === 'string' &&
    (typeof value.code === 'string' || value.code === null)
  )
}
