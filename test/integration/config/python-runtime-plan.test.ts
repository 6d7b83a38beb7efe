// The master's side of the Python runtime (src/runtimes/python): which configs are Python apps, which
// interpreter runs their workers, and which apps they load at which mountpoint. Real configs from the
// command line, real files in a temp dir (executables on a PATH of our own); no process is started.
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import type { Config } from '../../../src/config/options/registry.js'
import { loadConfig } from '../../../src/config/resolve-config.js'
import { TsgiError } from '../../../src/errors/tsgi-error.js'
import {
  isPythonApp,
  planPythonApps,
  resolvePythonInterpreter,
} from '../../../src/runtimes/python/python-runtime.js'
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js'

function configOf(dir: TempDir, args: readonly string[]): Config {
  const result = loadConfig({
    argv: ['--socket', ':0', ...args],
    env: {},
    useEnvOptions: false,
    cwd: dir.path,
  })
  assert.ok(result.config, result.diagnostics.items.map((d) => d.message).join('; '))
  return result.config
}

function executable(dir: TempDir, name: string): string {
  const file = dir.write(name, '#!/bin/sh\n')
  chmodSync(file, 0o755)
  return file
}

test('which configs are Python apps', (t) => {
  const dir = makeTempDir(t)
  const isPython = (...args: string[]): boolean => isPythonApp(configOf(dir, args))
  assert.equal(isPython('--module', 'mysite.wsgi:application'), true)
  assert.equal(isPython('--module', 'django.core.handlers.wsgi:WSGIHandler()'), true)
  assert.equal(isPython('--wsgi-file', 'app.py'), true)
  assert.equal(isPython('--plugin', 'python3', '--module', 'app.mjs'), true, 'the plugin decides')
  assert.equal(isPython('--module', 'app.mjs'), false)
  assert.equal(isPython('--module', 'app.mjs:api', '--mount', '/x=mysite/'), false, 'a Node module decides')
  assert.equal(isPython('--mount', '/a=pkg.mod:app'), true)
  assert.equal(isPython('--plugin', 'node', '--module', 'server'), false)
})

test('the interpreter: virtualenv, then python-bin, then the plugin version, then python3 on the PATH', (t) => {
  const dir = makeTempDir(t)
  const bin = path.join(dir.path, 'bin')
  mkdirSync(bin)
  const python3 = executable(dir, 'bin/python3')
  const python311 = executable(dir, 'bin/python3.11')
  const venvPython = executable(dir, 'venv/bin/python')
  const resolve = (...args: string[]): string =>
    resolvePythonInterpreter(configOf(dir, ['--module', 'app', ...args]), `/nonexistent:${bin}`, dir.path)
      .command
  assert.equal(resolve(), python3)
  assert.equal(resolve('--plugin', 'python3.11'), python311)
  assert.equal(resolve('--plugin', 'python311'), python311)
  assert.equal(resolve('--python-bin', 'python3.11'), python311)
  assert.equal(resolve('--python-bin', python3, '--virtualenv', path.join(dir.path, 'venv')), venvPython)
  assert.throws(
    () => resolve('--plugin', 'python3.99'),
    (error: unknown) =>
      error instanceof TsgiError &&
      error.code === 'ERR_RUNTIME_PYTHON_NOT_FOUND' &&
      /python3\.99.*not on the PATH/.test(error.message),
  )
  dir.write('bin/python3.12', '#!/bin/sh\n') // not executable
  assert.throws(() => resolve('--plugin', 'python3.12'), /ERR_RUNTIME_PYTHON_NOT_FOUND|not on the PATH/)
})

test('the apps: module, files, mounts, and a directory mount meaning its wsgi.py', (t) => {
  const dir = makeTempDir(t)
  dir.write('mysite/wsgi.py', 'application = None\n')
  dir.write('app.py', 'application = None\n')
  const plan = (...args: string[]): ReturnType<typeof planPythonApps> =>
    planPythonApps(configOf(dir, args), dir.path)

  assert.deepEqual(plan('--module', 'pkg.mod:Factory()').apps, [
    { mountpoint: '', target: 'pkg.mod:Factory()' },
  ])
  assert.deepEqual(plan('--wsgi-file', 'app.py').apps, [
    { mountpoint: '', target: path.join(dir.path, 'app.py') },
  ])
  assert.deepEqual(
    plan('--mount', '/a=app.py:other', '--mount', '/b=django.core.handlers.wsgi:WSGIHandler()').apps,
    [
      { mountpoint: '/a', target: `${path.join(dir.path, 'app.py')}:other` },
      { mountpoint: '/b', target: 'django.core.handlers.wsgi:WSGIHandler()' },
    ],
  )

  const alone = plan('--mount', '/=mysite/')
  assert.deepEqual(alone.apps, [{ mountpoint: '', target: path.join(dir.path, 'mysite', 'wsgi.py') }])
  assert.match(alone.notes.join('\n'), /a directory; tsgi serves its wsgi\.py/)

  const seed = plan('--module', 'django.core.handlers.wsgi:WSGIHandler()', '--mount', '/=mysite/')
  assert.deepEqual(seed.apps, [{ mountpoint: '', target: 'django.core.handlers.wsgi:WSGIHandler()' }])
  assert.match(
    seed.notes.join('\n'),
    /mount = \/=mysite\/: a directory at the mountpoint `module` already serves/,
  )
})
