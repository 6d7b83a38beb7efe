// What the emperor gives each vassal: its checks of a vassal file (tyrant rules, the config as the vassal
// would read it), the way to start its process, and its settings. vassal.ts drives them.
import type { ChildProcess } from 'node:child_process'

import type { Logger } from '../observe/logger.js'
import type { VassalFile } from './monitors/monitor.js'
import type { ThrottleOptions } from './respawn-throttle.js'
import type { SocketChownGrant } from './socket-chown-grant.js'
import type { Vassal } from './vassal.js'

export type Validation =
  /** files: every config file read (the vassal file, its includes and inherits), absolute. */
  | {
      readonly isValid: true
      readonly masterKey: string
      readonly files: readonly string[]
      /**
       * What its listening addresses collide with: `tcp:PORT`, `unix:PATH`, `abstract:NAME` (validate-vassal.ts).
       */
      readonly addresses: readonly string[]
      /**
       * `vacuum` is on and the emperor may finish it: a vassal that dropped privileges may not unlink its
       * sockets in a root-owned directory such as /run/tsgi. Never for a tyrant vassal.
       */
      readonly isVacuum: boolean
      /** Tyrant mode: the sockets the emperor may chown for it, and to whom (chown-socket). */
      readonly chownGrant?: SocketChownGrant | undefined
    }
  | { readonly isValid: false; readonly errors: readonly string[] }

export interface VassalContext {
  readonly logger: Logger
  /** emperor-curse-tolerance: how long a stopping vassal may take before SIGKILL. */
  readonly mercyMs: number
  readonly throttle: ThrottleOptions
  /** emperor-reload-on-change: a changed file reloads the vassal (false: only `tsgi reload NAME`). */
  readonly isReloadOnChange: boolean
  /** Why the vassal must not run at all (tyrant rules), checked before its config is read. */
  refusal(file: VassalFile): string | undefined
  /** Loads and checks the vassal's config as the vassal would; masterKey changes when a reload is not enough. */
  validate(file: VassalFile): Validation
  /** After a vassal with `vacuum` stopped: removes what it left of its unix sockets (stale ones only). */
  vacuum(vassal: Vassal, paths: readonly string[]): Promise<void>
  /** The command line the vassal's config is read from: sent with each reload, as it can change. */
  commandLine(file: VassalFile): readonly string[]
  /** Starts the vassal's process, or says why it is refused (tyrant rules). */
  spawn(
    file: VassalFile,
    validation: Extract<Validation, { isValid: true }>,
  ): ChildProcess | { readonly refused: string }
  onStateChange(vassal: Vassal): void
}
