// The master's side of the Python runtime: whether a config asks for it, which interpreter runs the workers
// (resolved as the dropped user, with the PATH the workers get: DESIGN.md "Testing"), and which apps the
// bundled WSGI worker (python/tsgi_worker.py) loads at which mountpoint. The worker itself is Python.
import { accessSync, constants, statSync } from 'node:fs'
import path from 'node:path'

import type { Config } from '../../config/options/registry.js'
import { makeError } from '../../errors/tsgi-error.js'
import { packageFile } from '../../platform/package-file.js'

/** The WSGI worker program, shipped in the package's python/ folder (package.json `files`). */
export const pythonWorkerPath = packageFile('python/tsgi_worker.py')

/** The plugin names of `config`, lower-cased, without uWSGI's `N:` modifier prefix. */
export function pluginNames(config: Config): string[] {
  return config.plugin.flat().map((name) => name.toLowerCase().replace(/^\d+:/, ''))
}

const nodeModule = /\.(?:m|c)?js(?::[\w$]+)?$/

/**
 * A Python app: a `python*` plugin, a `wsgi-file`, or (no plugin saying otherwise) a `module` that is not a
 * Node.js file, such as `mysite.wsgi:application`; without `module`, a mount target that is not one.
 */
export function isPythonApp(config: Config): boolean {
  const plugins = pluginNames(config)
  if (plugins.some((name) => name.startsWith('python')) || config.wsgiFile !== undefined) return true
  if (plugins.some((name) => name === 'node' || name === 'nodejs' || name === 'cgi')) return false
  if (config.module !== undefined) return !nodeModule.test(config.module)
  return config.mount.some((mount) => !nodeModule.test(mount.value))
}

export interface PythonInterpreter {
  /** An absolute path, checked to be executable by this (dropped) process. */
  readonly command: string
  /** Which option chose it, for the log line. */
  readonly source: string
}

/** `python3.11` for `plugin = python3.11` or `python311`, `python3` for `python`/`python3`. */
function interpreterOfPlugin(config: Config): string | undefined {
  for (const name of pluginNames(config)) {
    const match = /^python(?:(\d)(?:\.?(\d+))?)?$/.exec(name)
    if (match === null) continue
    const [, major = '3', minor] = match
    return minor === undefined ? `python${major}` : `python${major}.${minor}`
  }
  return undefined
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return statSync(file).isFile()
  } catch {
    return false
  }
}

/**
 * The interpreter that runs the workers: `home`/`virtualenv`'s bin/python, else `python-bin`, else the
 * plugin's `python3.X`, else `python3` — a bare name looked up on `searchPath` (the workers' PATH). Runs in
 * the master after the privilege drop, so "executable" means executable by the app's user.
 */
export function resolvePythonInterpreter(config: Config, searchPath: string, cwd: string): PythonInterpreter {
  const [wanted, source] =
    config.home !== undefined
      ? [path.join(config.home, 'bin', 'python'), `virtualenv ${config.home}`]
      : config.pythonBin !== undefined
        ? [config.pythonBin, 'python-bin']
        : [interpreterOfPlugin(config) ?? 'python3', 'plugin or default']
  const fail = (reason: string): never => {
    throw makeError('ERR_RUNTIME_PYTHON_NOT_FOUND', {
      interpreter: wanted,
      source,
      uid: process.getuid?.() ?? -1,
      reason,
    })
  }
  if (wanted.includes('/')) {
    const file = path.resolve(cwd, wanted)
    return isExecutable(file) ? { command: file, source } : fail('it is missing or not executable')
  }
  for (const dir of searchPath.split(':')) {
    if (dir === '') continue
    const file = path.join(path.resolve(cwd, dir), wanted)
    if (isExecutable(file)) return { command: file, source }
  }
  return fail(`it is not on the PATH (${searchPath || 'empty'})`)
}

/** The workers' environment additions for a virtualenv, as its `bin/activate` makes them. */
export function virtualenvEnvironment(config: Config, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (config.home === undefined) return base
  return {
    ...base,
    VIRTUAL_ENV: config.home,
    PATH: `${path.join(config.home, 'bin')}${base.PATH === undefined ? '' : `:${base.PATH}`}`,
  }
}

export interface PythonApp {
  /** '' for the default app, else the mountpoint as configured. */
  readonly mountpoint: string
  /** `pkg.mod[:callable]`, `pkg.mod:Factory()`, or `path/file.py[:callable]` (absolute). */
  readonly target: string
}

export interface PythonAppPlan {
  readonly apps: readonly PythonApp[]
  /** What tsgi made of unusual lines (a directory mount), logged once at start. */
  readonly notes: readonly string[]
}

const isDefaultMountpoint = (mountpoint: string): boolean => mountpoint === '' || mountpoint === '/'

/**
 * The apps to load: `module` (or `wsgi-file`) as the default app, and each `mount`. A mount target that is a
 * directory — the seed's `mount = /=mysite/`, which uWSGI silently ignores — means that directory's
 * `wsgi.py` (what `django-admin startproject` writes there); at `/` when `module` already serves `/`, the
 * module wins and the line only says so.
 */
export function planPythonApps(config: Config, cwd: string): PythonAppPlan {
  const apps: PythonApp[] = []
  const notes: string[] = []
  const fileTarget = (file: string): string => path.resolve(cwd, file)
  if (config.module !== undefined) apps.push({ mountpoint: '', target: config.module })
  else if (config.wsgiFile !== undefined) apps.push({ mountpoint: '', target: fileTarget(config.wsgiFile) })
  for (const { name: mountpoint, value } of config.mount) {
    const directory = directoryOf(path.resolve(cwd, value))
    const where = isDefaultMountpoint(mountpoint) ? '' : mountpoint
    const line = `mount = ${mountpoint}=${value}`
    if (directory !== undefined && where === '' && apps.some((app) => app.mountpoint === '')) {
      notes.push(
        `${line}: a directory at the mountpoint \`module\` already serves; tsgi serves ${apps[0]?.target ?? ''} there and loads nothing more for this line`,
      )
      continue
    }
    if (where === '' && apps.some((app) => app.mountpoint === '')) {
      notes.push(`${line}: \`module\` already serves ${mountpoint}; this line is not loaded`)
      continue
    }
    if (directory !== undefined) {
      const target = path.join(directory, 'wsgi.py')
      notes.push(`${line}: a directory; tsgi serves its wsgi.py (${target}) at ${mountpoint}`)
      apps.push({ mountpoint: where, target })
      continue
    }
    apps.push({ mountpoint: where, target: isFileTarget(value, cwd) ? fileTarget(value) : value })
  }
  if (apps.length === 0) throw makeError('ERR_RUNTIME_NO_APP', {})
  return { apps, notes }
}

/** A file path rather than a module name: it has a '/' or names an existing file (`app.py`, `site.wsgi`). */
function isFileTarget(target: string, cwd: string): boolean {
  const file = target.replace(/:[\w.()]*$/, '')
  if (file.includes('/')) return true
  try {
    return statSync(path.resolve(cwd, file)).isFile()
  } catch {
    return false
  }
}

/** The directory `file` names, or undefined when it is not one (a module name, a file, or nothing there). */
function directoryOf(file: string): string | undefined {
  try {
    return statSync(file).isDirectory() ? file : undefined
  } catch {
    return undefined
  }
}
