#!/usr/bin/env node
// argv → verb or role. The only module that ends the process (STYLE.md habit 7). Each verb and role is
// imported when it is chosen: every vassal master and emperor starts here, and loading only its own
// modules saves a third of its start-up imports (bench/README.md, the emperor).
import type { DiagnosticList } from '../config/diagnostic.js'
import { loadConfig } from '../config/resolve-config.js'
import { makeError, TsgiError } from '../errors/tsgi-error.js'
import { Logger } from '../observe/logger.js'
import { isStderrJournal, withPriority, type LogLevel } from '../observe/journal.js'
import { tsgiVersion } from '../observe/version.js'
import { isPythonApp } from '../runtimes/python/python-runtime.js'
import { splitVerbArgs } from './commands/verb-args.js'
import { ExitCode, exitCodeOf, exitCodeOfAll } from './exit-codes.js'
import { formatDiagnostic, formatError, styleFor } from './report-error.js'

const isOnlyFormat = (args: readonly string[]): boolean =>
  args.join(' ') === '--format json' || args.join(' ') === '--format=json'

function main(argv: readonly string[]): ExitCode | Promise<ExitCode> {
  const out = process.stdout
  const err = process.stderr
  const env = process.env
  const style = styleFor(err, env)
  const outStyle = styleFor(out, env)
  // Under journald, each line says its priority (the roles' Loggers do the same).
  const isJournal = isStderrJournal(env)
  const writeErr = (text: string, level: LogLevel): void => {
    err.write(`${isJournal ? withPriority(text, level) : text}\n`)
  }
  const fail = (error: TsgiError): ExitCode => {
    writeErr(formatError(error, style), 'error')
    return exitCodeOf(error.kind)
  }
  const [first, ...rest] = argv

  if (first === '--version' || first === '-V' || first === 'version') {
    out.write(`tsgi ${tsgiVersion}\n`)
    return ExitCode.Ok
  }
  if (
    first === '--help' ||
    first === '-h' ||
    (first === 'help' && (rest.length === 0 || isOnlyFormat(rest)))
  ) {
    return import('./commands/help.js').then(({ allOptionsJson, generalHelp }) => {
      out.write(isOnlyFormat(rest) ? allOptionsJson() : generalHelp())
      return ExitCode.Ok
    })
  }
  if (first === 'help') {
    const args = splitVerbArgs(rest, [])
    if (args instanceof TsgiError) return fail(args)
    return import('./commands/help.js').then(({ topicHelp }) => {
      const text = topicHelp(args.rest[0] ?? '', args.format)
      if (text instanceof TsgiError) return fail(text)
      out.write(text)
      return ExitCode.Ok
    })
  }
  if (first === 'check' || first === 'print-config') {
    const args = splitVerbArgs(rest, first === 'print-config' ? ['--all'] : [])
    if (args instanceof TsgiError) return fail(args)
    if (args.rest.length === 0) {
      return fail(makeError('ERR_USAGE_NOTHING_TO_DO', {}))
    }
    return first === 'check'
      ? import('./commands/check.js').then(({ runCheck }) => runCheck(args, { out, style: outStyle, env }))
      : import('./commands/print-config.js').then(({ runPrintConfig }) =>
          runPrintConfig(args, { out, err, style, env }),
        )
  }
  if (first === 'status') {
    const args = splitVerbArgs(rest, ['--http'])
    if (args instanceof TsgiError) return fail(args)
    return import('./commands/status.js').then(({ runStatus }) =>
      runStatus(args, { out, err, style: outStyle, errStyle: style, env }),
    )
  }
  if (first === 'reload' || first === 'stop' || first === 'start') {
    const args = splitVerbArgs(rest, [])
    if (args instanceof TsgiError) return fail(args)
    return import('./commands/vassal-command.js').then(({ runVassalCommand }) =>
      runVassalCommand(first, args, { out, err, errStyle: style, env }),
    )
  }
  if (first === undefined) {
    return fail(makeError('ERR_USAGE_NOTHING_TO_DO', {}))
  }
  /** Prints every problem of a config that did not load; the exit code says what kind they were. */
  const failConfig = (diagnostics: DiagnosticList): ExitCode => {
    for (const d of diagnostics.items)
      writeErr(formatDiagnostic(d, style), d.severity === 'error' ? 'error' : 'warning')
    const kinds = diagnostics.items
      .filter((d) => d.severity === 'error')
      .map((d) => (d.code.startsWith('ERR_USAGE_') ? ('usage' as const) : ('config' as const)))
    return exitCodeOfAll(kinds)
  }
  if (first === 'systemd-unit') {
    return import('./commands/systemd-unit.js').then(({ runSystemdUnit }) => {
      const outcome = runSystemdUnit(rest, { out, env })
      if (outcome instanceof TsgiError) return fail(outcome)
      return outcome === undefined ? ExitCode.Ok : failConfig(outcome)
    })
  }

  // Run a role: load, report every problem, and start only a config without errors.
  const result = loadConfig({ argv, env, useEnvOptions: true, cwd: process.cwd() })
  const config = result.config
  if (config === undefined) return failConfig(result.diagnostics)
  for (const d of result.diagnostics.items) writeErr(formatDiagnostic(d, style), 'warning')
  // A role runs until it stops; its outcome becomes the exit code, a TsgiError one clear line.
  const run = (outcome: Promise<'stopped' | 'app-load-failed' | number>): Promise<ExitCode> =>
    outcome.then(
      (ended) =>
        // A number: the exit status of the emperor this process re-started with its capabilities.
        typeof ended === 'number'
          ? (ended as ExitCode)
          : ended === 'app-load-failed'
            ? ExitCode.AppLoad
            : ExitCode.Ok,
      (error: unknown) => {
        if (error instanceof TsgiError) return fail(error)
        throw error
      },
    )
  if (result.role === 'emperor') {
    const emperor = async (): Promise<'stopped' | number> => {
      // Method (c) started as root: `cap` is kept by re-starting as `uid`/`gid` through setpriv.
      const capabilities = await import('../platform/restart-with-capabilities.js')
      if (capabilities.needsCapabilityRestart(config))
        return capabilities.restartWithCapabilities(config, new Logger({ dateFormat: config.logDate }))
      const { runEmperor } = await import('../emperor/emperor.js')
      return runEmperor(result, () => loadConfig({ argv, env, useEnvOptions: true, cwd: process.cwd() }))
    }
    return run(emperor())
  }
  // DESIGN.md: outside the emperor, `master = false` (with one process) runs the app in that one process.
  // The Python runtime's app never runs in the Node process: it keeps its master (said in docs/python.md).
  if (
    result.provenance.has('master') &&
    !config.master &&
    env.TSGI__VASSAL_NAME === undefined &&
    !isPythonApp(config)
  ) {
    return run(import('./run-standalone.js').then(({ runStandalone }) => runStandalone(result)))
  }
  return run(
    import('../instance/instance.js').then(({ runInstance }) =>
      runInstance(result, (commandLine) =>
        loadConfig({ argv: commandLine ?? argv, env, useEnvOptions: true, cwd: process.cwd() }),
      ),
    ),
  )
}

// `tsgi check … | head` closes the pipe early: that is the reader's choice, not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
}

function reportBug(error: unknown): void {
  // A bug in tsgi: one line that says so, and the stack only on request.
  const what = error instanceof Error ? error.message : String(error)
  process.stderr.write(
    `tsgi: error ERR_INTERNAL_ASSERTION: This is a bug in tsgi, please report it: ${what}\n`,
  )
  if (process.env.TSGI__DEBUG !== undefined && error instanceof Error)
    process.stderr.write(`${error.stack ?? ''}\n`)
}

try {
  const code = main(process.argv.slice(2))
  if (typeof code === 'number') process.exitCode = code
  else {
    // A role ran until it stopped: exit now, whatever handles a library left open.
    code.then(
      (exitCode) => process.exit(exitCode),
      (error: unknown) => {
        reportBug(error)
        process.exit(ExitCode.Internal)
      },
    )
  }
} catch (error) {
  reportBug(error)
  process.exitCode = ExitCode.Internal
}
