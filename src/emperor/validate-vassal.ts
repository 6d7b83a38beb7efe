// The emperor checks a vassal's config before it starts or reloads it, with the arguments and environment
// the vassal gets. In tyrant mode the check runs as the file's owner (DESIGN.md: everything a vassal file
// causes runs with its owner's credentials, reading it and its includes included), in a `tsgi print-config`
// subprocess started like the vassal itself (empty capability sets); otherwise in-process. In tyrant mode
// the validated config also says which sockets the emperor may chown for the vassal.
import { spawnSync } from 'node:child_process'
import path from 'node:path'

import { camelCase } from '../config/options/define-options.js'
import type { Config } from '../config/options/registry.js'
import { loadConfig } from '../config/resolve-config.js'
import type { VassalFile } from './monitors/monitor.js'
import { socketChownGrant } from './socket-chown-grant.js'
import { tyrantIdentity, tyrantSwitchArgs } from './spawn-vassal.js'
import { vassalArgv, vassalEnvironment } from './vassal-argv.js'
import type { Validation } from './vassal-context.js'

/** Options a vassal's master uses itself: a change to one restarts the vassal instead of reloading it. */
const masterOptions = [
  'socket',
  'uwsgi-socket',
  'http-socket',
  'shared-socket',
  'uid',
  'gid',
  'chmod-socket',
  'chown-socket',
  'logto',
  'pidfile',
  'listen',
  'umask',
]

/** The options whose values are listening addresses. */
const addressOptions = ['socket', 'uwsgi-socket', 'http-socket', 'shared-socket']

/**
 * What each listening address would collide with: a TCP port whatever the host (`:8000` holds
 * `127.0.0.1:8000` too), a unix path, an abstract name. Inherited and shared sockets count as one key, so
 * they always collide.
 */
function collisionKeys(values: readonly unknown[]): string[] {
  return values.flatMap((value) => {
    const address = (Array.isArray(value) ? value : [value]) as Partial<Record<string, unknown>>[]
    return address
      .filter((item) => typeof item === 'object' && item !== null)
      .map((item) => {
        switch (item.kind) {
          case 'tcp':
            return `tcp:${String(item.port)}`
          case 'unix':
            return `unix:${String(item.path)}`
          case 'abstract':
            return `abstract:${String(item.name)}`
          default:
            return 'inherited'
        }
      })
  })
}

interface PrintedConfig {
  readonly ok: boolean
  readonly options: Record<string, { readonly value: unknown } | undefined>
  readonly files: readonly string[]
  readonly diagnostics: readonly {
    readonly severity: string
    readonly code: string
    readonly message: string
    readonly file?: string
    readonly line?: number
  }[]
}

function isPrintedConfig(value: unknown): value is PrintedConfig {
  return (
    typeof value === 'object' &&
    value !== null &&
    'options' in value &&
    'diagnostics' in value &&
    Array.isArray(value.diagnostics) &&
    'files' in value &&
    Array.isArray(value.files)
  )
}

const describe = (d: { code: string; message: string; file?: string; line?: number }): string =>
  `${d.file === undefined ? '' : `${d.file}:${d.line ?? '?'}: `}${d.code}: ${d.message}`

export function validateVassal(file: VassalFile, config: Config): Validation {
  const argv = vassalArgv(file.path, config)
  const env = vassalEnvironment(process.env, file.name)
  const cwd = path.dirname(file.path)
  if (!config.emperorTyrant) {
    const result = loadConfig({ argv, env, useEnvOptions: true, cwd })
    const errors = result.diagnostics.items.filter((d) => d.severity === 'error')
    if (result.config === undefined) {
      return {
        isValid: false,
        errors: errors.map((d) =>
          describe({
            ...d,
            ...(d.where !== undefined && 'file' in d.where ? { file: d.where.file, line: d.where.line } : {}),
          }),
        ),
      }
    }
    const values = result.config as unknown as Record<string, unknown>
    const key = masterOptions.map((name) => JSON.stringify(values[camelCase(name)] ?? null))
    const addresses = collisionKeys(addressOptions.map((name) => values[camelCase(name)]))
    return {
      isValid: true,
      masterKey: key.join('|'),
      files: result.files,
      addresses,
      isVacuum: result.config.vacuum,
    }
  }
  const { uid, gid } = tyrantIdentity(file, config)
  if (uid === 0 || gid === 0)
    return { isValid: false, errors: [`[emperor-tyrant] invalid permissions for vassal ${file.name}`] }
  const check = spawnSync(
    'setpriv',
    [
      ...tyrantSwitchArgs(file, config),
      '--',
      process.execPath,
      process.argv[1] ?? '',
      'print-config',
      ...argv,
      '--format',
      'json',
    ],
    { cwd, env, encoding: 'utf8', timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
  )
  let printed: unknown
  try {
    printed = JSON.parse(check.stdout)
  } catch {
    return {
      isValid: false,
      errors: [
        `cannot check the config as uid ${uid}: ${check.stderr.trim() || check.error?.message || 'no output'}`,
      ],
    }
  }
  if (!isPrintedConfig(printed))
    return { isValid: false, errors: ['cannot check the config: unexpected output'] }
  if (!printed.ok)
    return { isValid: false, errors: printed.diagnostics.filter((d) => d.severity === 'error').map(describe) }
  const key = masterOptions.map((name) => JSON.stringify(printed.options[name]?.value ?? null))
  const addresses = collisionKeys(addressOptions.map((name) => printed.options[name]?.value))
  const values = Object.fromEntries(
    Object.entries(printed.options).map(([name, option]) => [name, option?.value]),
  )
  const chownGrant = socketChownGrant(values, cwd)
  // isVacuum false: the emperor never removes anything for a tyrant vassal, which vacuums as its owner.
  return {
    isValid: true,
    masterKey: key.join('|'),
    files: printed.files,
    addresses,
    chownGrant,
    isVacuum: false,
  }
}
