// Loads a config in-process, as the CLI does, and gives tests the pieces they assert on.
import type { Diagnostic } from '../../src/config/diagnostic.js'
import type { Config } from '../../src/config/options/registry.js'
import { loadConfig, type LoadResult } from '../../src/config/resolve-config.js'

export interface Loaded {
  readonly result: LoadResult
  readonly config: Config
  readonly codes: readonly string[]
  readonly warnings: readonly Diagnostic[]
}

/** Loads and requires success: a config error fails the test with every message. */
export function loadOk(argv: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = process.cwd()): Loaded {
  const result = loadConfig({ argv, env, useEnvOptions: true, cwd })
  const errors = result.diagnostics.items.filter((d) => d.severity === 'error')
  if (result.config === undefined || errors.length > 0) {
    throw new Error(
      `expected the config to load, got:\n${errors.map((e) => `${e.code} ${e.message}`).join('\n')}`,
    )
  }
  return {
    result,
    config: result.config,
    codes: result.diagnostics.items.map((d) => d.code),
    warnings: result.diagnostics.items.filter((d) => d.severity === 'warning'),
  }
}

/** Loads and requires failure: returns the errors. */
export function loadErrors(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
  cwd = process.cwd(),
): readonly Diagnostic[] {
  const result = loadConfig({ argv, env, useEnvOptions: true, cwd })
  const errors = result.diagnostics.items.filter((d) => d.severity === 'error')
  if (result.config !== undefined || errors.length === 0)
    throw new Error('expected the config to fail to load')
  return errors
}
