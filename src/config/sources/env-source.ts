// Options from the environment: TSGI_<NAME> and uWSGI's UWSGI_<NAME> (reference/uwsgi.md §5.9).
import type { RawSetting } from '../raw-setting.js'

/** uWSGI's own plumbing variables, which are not options. */
const notOptions = new Set([
  'RELOADS',
  'VASSALS_DIR',
  'EMPEROR_FD',
  'BROODLORD_NUM',
  'EMPEROR_FD_CONFIG',
  'EMPEROR_PROXY',
  'JAIL_PID',
  'ORIGINAL_PROC_NAME',
])

/** `UWSGI_CHMOD_SOCKET` → `chmod-socket`, or undefined for variables that are not option settings. */
export function optionNameOfVariable(variable: string): string | undefined {
  const match = /^(TSGI|UWSGI)_(.+)$/.exec(variable)
  const rest = match?.[2]
  // TSGI__* is tsgi's internal plumbing (DESIGN.md "Environment"); *_VASSAL_* is meant for an emperor's vassals.
  if (rest === undefined || rest.startsWith('_') || notOptions.has(rest) || rest.startsWith('VASSAL_'))
    return undefined
  return rest.toLowerCase().replaceAll('_', '-')
}

/**
 * Settings from `env`, UWSGI_* before TSGI_* (so tsgi's spelling wins), each group sorted by name so the
 * order never depends on how the environment was built. Values are taken literally: uWSGI applies no magic
 * variables to them.
 */
export function readEnvSettings(env: NodeJS.ProcessEnv, cwd: string): RawSetting[] {
  const settings: RawSetting[] = []
  for (const prefix of ['UWSGI_', 'TSGI_']) {
    const names = Object.keys(env)
      .filter((variable) => variable.startsWith(prefix))
      .sort()
    for (const variable of names) {
      const key = optionNameOfVariable(variable)
      const value = env[variable]
      if (key === undefined || value === undefined) continue
      settings.push({
        key,
        value,
        origin: { kind: 'env', variable },
        baseDir: cwd,
        isExpanded: true,
        cutComment: undefined,
      })
    }
  }
  return settings
}
