// `tsgi check FILE|DIR...`: validates configs and prints every problem. Exit 1 on any error, 0 with only
// warnings (DESIGN.md "Exit codes"). With options instead of files, it checks that one command line.
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'

import { formatOfFile } from '../../config/collect-settings.js'
import type { Diagnostic } from '../../config/diagnostic.js'
import { loadConfig } from '../../config/resolve-config.js'
import { makeError } from '../../errors/tsgi-error.js'
import { exitCodeOfAll, type ExitCode } from '../exit-codes.js'
import { diagnosticToJson, formatDiagnostic, type Style } from '../report-error.js'
import type { VerbArgs } from './verb-args.js'

interface CheckedTarget {
  readonly target: string
  readonly role: string
  readonly diagnostics: readonly Diagnostic[]
}

/** JSON files an app directory holds that are never tsgi configs. */
const notConfigs = new Set([
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'jsconfig.json',
  'composer.json',
])
const isConfigName = (name: string): boolean => ['ini', 'json', 'yaml'].includes(formatOfFile(name) ?? '')

/** The config files of a directory, recursively, in a stable order. */
function configFilesIn(dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
      found.push(...configFilesIn(full))
    else if (entry.isFile() && !notConfigs.has(entry.name) && isConfigName(entry.name)) found.push(full)
  }
  return found
}

/** What to check: the command line as one config, or each file (directories expanded) on its own. */
type Target = string[] | { emptyDir: string }

function expandTargets(args: readonly string[]): Target[] {
  if (args.some((arg) => arg.startsWith('-'))) return [[...args]]
  return args.flatMap((arg): Target[] => {
    try {
      if (statSync(arg).isDirectory()) {
        const files = configFilesIn(arg)
        return files.length === 0 ? [{ emptyDir: arg }] : files.map((file) => [file])
      }
    } catch {
      // Not a directory (or missing): the loader reports it as a file.
    }
    return [[arg]]
  })
}

function checkTarget(target: Target, env: NodeJS.ProcessEnv): CheckedTarget {
  if (!Array.isArray(target)) {
    const error = makeError('ERR_USAGE_NO_CONFIG_FILES', { dir: target.emptyDir })
    return {
      target: target.emptyDir,
      role: 'none',
      diagnostics: [{ severity: 'error', code: error.code, message: error.message, where: undefined }],
    }
  }
  const result = loadConfig({ argv: target, env, useEnvOptions: false, cwd: process.cwd() })
  return { target: target.join(' '), role: result.role, diagnostics: result.diagnostics.items }
}

export function runCheck(
  args: VerbArgs,
  io: { out: NodeJS.WriteStream; style: Style; env: NodeJS.ProcessEnv },
): ExitCode {
  const targets = expandTargets(args.rest)
  const results = targets.map((target) => checkTarget(target, io.env))
  const kinds = results.flatMap((r) =>
    r.diagnostics.filter((d) => d.severity === 'error').map(() => 'config' as const),
  )
  const usage = results.some((r) => r.diagnostics.some((d) => d.code.startsWith('ERR_USAGE_')))
  const code = usage ? exitCodeOfAll(['usage']) : exitCodeOfAll(kinds)
  if (args.format === 'json') {
    const report = results.map((r) => ({
      target: r.target,
      role: r.role,
      ok: !r.diagnostics.some((d) => d.severity === 'error'),
      diagnostics: r.diagnostics.map(diagnosticToJson),
    }))
    io.out.write(`${JSON.stringify({ ok: code === 0, results: report }, null, 2)}\n`)
    return code
  }
  for (const r of results) {
    const errors = r.diagnostics.filter((d) => d.severity === 'error').length
    const warnings = r.diagnostics.length - errors
    for (const d of r.diagnostics) io.out.write(`${formatDiagnostic(d, io.style)}\n`)
    const verdict = errors > 0 ? io.style.red('invalid') : io.style.bold('ok')
    io.out.write(
      `${r.target}: ${verdict} (${r.role}; ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'})\n`,
    )
  }
  return code
}
