// `tsgi print-config FILE|OPTIONS`: the resolved options, each with where its value came from.
import { optionDefs } from '../../config/options/option-lookup.js'
import { describeOrigin } from '../../config/raw-setting.js'
import { loadConfig } from '../../config/resolve-config.js'
import { exitCodeOfAll, ExitCode } from '../exit-codes.js'
import { diagnosticToJson, formatDiagnostic, type Style } from '../report-error.js'
import { describeDefault } from './describe-option.js'
import type { VerbArgs } from './verb-args.js'

export function runPrintConfig(
  args: VerbArgs,
  io: { out: NodeJS.WriteStream; err: NodeJS.WriteStream; style: Style; env: NodeJS.ProcessEnv },
): ExitCode {
  const result = loadConfig({ argv: args.rest, env: io.env, useEnvOptions: true, cwd: process.cwd() })
  const errors = result.diagnostics.items.filter((d) => d.severity === 'error')
  const isAll = args.flags.has('--all')
  if (args.format === 'json') {
    const options: Record<string, unknown> = {}
    const config = result.config as Record<string, unknown> | undefined
    for (const def of optionDefs) {
      const sources = result.provenance.get(def.name)
      if (def.spec.isDirective === true || (sources === undefined && !isAll)) continue
      const isHidden = (sources ?? []).some((s) => s.isHidden)
      options[def.name] = {
        value: isHidden ? '(hidden: read through @(file))' : (config?.[def.key] ?? null),
        sources: (sources ?? []).map((s) => ({ value: s.value, from: describeOrigin(s.origin) })),
      }
    }
    const report = {
      ok: errors.length === 0,
      role: result.role,
      files: result.files,
      options,
      diagnostics: result.diagnostics.items.map(diagnosticToJson),
    }
    io.out.write(`${JSON.stringify(report, null, 2)}\n`)
  } else {
    for (const d of result.diagnostics.items) io.err.write(`${formatDiagnostic(d, io.style)}\n`)
    if (errors.length === 0) {
      io.out.write(`${io.style.dim(`; role: ${result.role}`)}\n`)
      for (const def of optionDefs) {
        if (def.spec.isDirective === true) continue
        const sources = result.provenance.get(def.name)
        if (sources === undefined) {
          if (isAll) io.out.write(`${def.name} = ${describeDefault(def)} ${io.style.dim('; default')}\n`)
          continue
        }
        for (const source of sources)
          io.out.write(
            `${def.name} = ${source.value} ${io.style.dim(`; ${describeOrigin(source.origin)}`)}\n`,
          )
      }
    }
  }
  return errors.length === 0
    ? ExitCode.Ok
    : exitCodeOfAll(errors.map((e) => (e.code.startsWith('ERR_USAGE_') ? 'usage' : 'config')))
}
