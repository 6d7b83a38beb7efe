// `tsgi systemd-unit --ini FILE [--unprivileged]`: a service unit for that config, run by the tsgi that prints
// it, of the Type this machine's systemd understands (`systemctl --version`).
import { spawnSync } from 'node:child_process'
import path from 'node:path'

import type { DiagnosticList } from '../../config/diagnostic.js'
import { loadConfig } from '../../config/resolve-config.js'
import { makeError, type TsgiError } from '../../errors/tsgi-error.js'
import { renderServiceUnit, serviceTypeFor, systemdVersionOf } from './render-systemd-unit.js'

export interface SystemdUnitContext {
  readonly out: NodeJS.WritableStream
  readonly env: NodeJS.ProcessEnv
}

/** How to run this very tsgi: the `tsgi` link the install made, or node and the script when run from a checkout. */
function tsgiCommand(): string {
  const script = process.argv[1] ?? ''
  return path.basename(script) === 'tsgi' ? script : `${process.execPath} ${script}`
}

function systemdVersion(): number | undefined {
  const result = spawnSync('systemctl', ['--version'], { encoding: 'utf8', timeout: 10_000 })
  return result.status === 0 ? systemdVersionOf(result.stdout) : undefined
}

/** Prints the unit, or returns the usage error or the config's diagnostics to report. */
export function runSystemdUnit(
  args: readonly string[],
  context: SystemdUnitContext,
): TsgiError | DiagnosticList | undefined {
  const isUnprivileged = args.includes('--unprivileged')
  const rest = args.filter((arg) => arg !== '--unprivileged')
  if (rest.length !== 2 || rest[0] !== '--ini')
    return makeError('ERR_USAGE_UNEXPECTED_ARGUMENT', {
      argument: rest.join(' ') || '(none)',
      reason: 'the usage is `tsgi systemd-unit --ini FILE [--unprivileged]`',
    })
  const iniPath = path.resolve(rest[1] ?? '')
  const result = loadConfig({
    argv: ['--ini', iniPath],
    env: context.env,
    useEnvOptions: false,
    cwd: process.cwd(),
  })
  if (result.config === undefined) return result.diagnostics
  context.out.write(
    renderServiceUnit({
      tsgiCommand: tsgiCommand(),
      iniPath,
      role: result.role === 'emperor' ? 'emperor' : 'instance',
      isUnprivileged,
      type: serviceTypeFor(systemdVersion()),
    }),
  )
  return undefined
}
