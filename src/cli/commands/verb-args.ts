// The few flags that belong to a verb rather than to the config (`--format json`), split from the rest.
import { makeError, type TsgiError } from '../../errors/tsgi-error.js'

export type OutputFormat = 'text' | 'json'

export interface VerbArgs {
  readonly format: OutputFormat
  readonly flags: ReadonlySet<string>
  /** Everything else, for the config loader. */
  readonly rest: readonly string[]
}

export function splitVerbArgs(args: readonly string[], knownFlags: readonly string[]): VerbArgs | TsgiError {
  let format: OutputFormat = 'text'
  const flags = new Set<string>()
  const rest: string[] = []
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? ''
    if (arg === '--format' || arg.startsWith('--format=')) {
      const value = arg === '--format' ? args[++index] : arg.slice('--format='.length)
      if (value !== 'json' && value !== 'text') {
        return makeError('ERR_USAGE_UNEXPECTED_ARGUMENT', {
          argument: value ?? '--format',
          reason: '--format must be "text" or "json"',
        })
      }
      format = value
    } else if (knownFlags.includes(arg)) {
      flags.add(arg)
    } else {
      rest.push(arg)
    }
  }
  return { format, flags, rest }
}
