// THE options registry: every group of rows, and the lookups built from it (DESIGN.md decision 1).
// Adding an option is one row in one group file.
import { cgiOptions } from './cgi.js'
import { configLogicOptions } from './config-logic.js'
import type { AnySpec, ConfigOf, OptionGroup } from './define-options.js'
import { emperorOptions } from './emperor.js'
import { ignoredOptions } from './ignored.js'
import { lifecycleOptions } from './lifecycle.js'
import { loggingOptions } from './logging.js'
import { nodeOptions } from './node.js'
import { privilegeOptions } from './privileges.js'
import { processOptions } from './processes.js'
import { pythonOptions } from './python.js'
import { socketOptions } from './sockets.js'

export const optionGroups = [
  socketOptions,
  processOptions,
  privilegeOptions,
  lifecycleOptions,
  loggingOptions,
  emperorOptions,
  pythonOptions,
  nodeOptions,
  cgiOptions,
  configLogicOptions,
  ignoredOptions,
] as const

type Rows<G> = G extends OptionGroup<infer R> ? R : never
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never
export type Registry = UnionToIntersection<Rows<(typeof optionGroups)[number]>>

/** The validated, frozen configuration of one tsgi process. */
export type Config = ConfigOf<Registry>

export interface OptionDef {
  readonly name: string
  readonly key: string
  readonly group: string
  readonly spec: AnySpec
}
