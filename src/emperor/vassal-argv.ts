// The command line a vassal starts with (uWSGI's vassal_new_argv, reference §1.11): `vassal-set` and the
// `-before` templates go before the vassal file, so the file wins over them; `vassals-include` and
// `vassals-inherit` go after it, so they win. The emperor validates a vassal with the same arguments.
import type { Config } from '../config/options/registry.js'

export function vassalArgv(file: string, config: Config): string[] {
  return [
    ...config.vassalSet.flatMap((assignment) => ['--set', `${assignment.name}=${assignment.value}`]),
    ...config.vassalsIncludeBefore.flatMap((template) => ['--include', template]),
    ...config.vassalsInheritBefore.flatMap((template) => ['--inherit', template]),
    '--config',
    file,
    ...config.vassalsInclude.flatMap((template) => ['--include', template]),
    ...config.vassalsInherit.flatMap((template) => ['--inherit', template]),
  ]
}

/** The vassal's environment (DESIGN.md "Environment"): the emperor's own option variables are stripped,
 * TSGI_VASSAL_X / UWSGI_VASSAL_X become TSGI_X, and supervisor variables never leak. */
export function vassalEnvironment(base: NodeJS.ProcessEnv, vassalName: string): NodeJS.ProcessEnv {
  const env = new Map<string, string>()
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue
    const vassalOption = /^(?:TSGI|UWSGI)_VASSAL_(.+)$/.exec(name)
    if (vassalOption !== null) {
      env.set(`TSGI_${vassalOption[1] ?? ''}`, value)
      continue
    }
    if (/^(?:TSGI|UWSGI)_[^_]/.test(name)) continue
    if (/^(NOTIFY_SOCKET|LISTEN_FDS|LISTEN_PID|LISTEN_FDNAMES|WATCHDOG_USEC|WATCHDOG_PID)$/.test(name))
      continue
    env.set(name, value)
  }
  env.set('TSGI__VASSAL_NAME', vassalName)
  return Object.fromEntries(env)
}
