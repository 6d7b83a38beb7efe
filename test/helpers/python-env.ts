// The Python the tests run apps with: Debian's /usr/bin/python3, which has python3-django (root's PATH here
// finds a pyenv python3 without it, so tests never rely on PATH: DESIGN.md "Testing"). A virtualenv made with
// `/usr/bin/python3 -m venv --system-site-packages`, as the seed's `virtualenv` line asks, in a 0755 temp dir
// the dropped users can read; made once per test process and removed when it exits.
import { execFileSync } from 'node:child_process'
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { fixturePath } from './fixture-path.js'
import type { TempDir } from './temp-dir.js'

export const systemPython = '/usr/bin/python3'

let venv: string | undefined

/** Why the Python tests cannot run here, or undefined; in CI nothing is a reason (.ci/run installs it all). */
export function pythonSkipReason(): string | undefined {
  if (process.env.CI !== undefined) return undefined
  try {
    execFileSync(systemPython, ['-c', 'import django, venv'], { stdio: 'ignore' })
    return undefined
  } catch {
    return `${systemPython} with Django and venv is missing: apt-get install python3-django python3-venv`
  }
}

/** A virtualenv over /usr/bin/python3 (Django visible through --system-site-packages); made on first use. */
export function pythonVenv(): string {
  if (venv !== undefined) return venv
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsgi-venv-'))
  chmodSync(dir, 0o755)
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  const made = path.join(dir, 'venv')
  execFileSync(systemPython, ['-m', 'venv', '--system-site-packages', made], { stdio: 'ignore' })
  venv = made
  return made
}

/** Makes a virtualenv at `where` (a test's own, as the seed's vassal names one). */
export function makeVenvAt(where: string): string {
  execFileSync(systemPython, ['-m', 'venv', '--system-site-packages', where], { stdio: 'ignore' })
  return where
}

/** Copies the Python fixture apps (test/fixtures/python) into `dir`; returns the directory. */
export function copyPythonApps(dir: TempDir): string {
  for (const name of readdirSync(fixturePath('python'))) {
    if (name !== '__pycache__')
      cpSync(fixturePath('python', name), path.join(dir.path, name), { recursive: true })
  }
  if (!existsSync(path.join(dir.path, 'validated_app.py'))) throw new Error('the Python fixtures are missing')
  return dir.path
}
