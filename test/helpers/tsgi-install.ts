// Where tests run the built tsgi from. Workers run as dropped test users (nobody), who must be able to read
// tsgi's files: a checkout under a 0700 home such as /root is not readable to them (DESIGN.md "Testing").
// When the checkout is not world-readable, the runtime parts (dist/bundle, package.json, node_modules) are
// copied once per test process into a 0755 directory, removed when the process exits.
import { accessSync, chmodSync, constants, cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { builtMain, projectPath } from './fixture-path.js'

let installed: string | undefined

/** Every directory on the way to `file` lets others in, and `file` lets others read it. */
function isWorldReadable(file: string): boolean {
  let current = path.resolve(file)
  if ((statSync(current).mode & 0o004) === 0) return false
  while (current !== path.dirname(current)) {
    current = path.dirname(current)
    if ((statSync(current).mode & 0o001) === 0) return false
  }
  return true
}

/**
 * The root of a tsgi build that every test user can read and run. `isCopyForced`: a copy even when the
 * checkout is readable (bench/run.mjs --copy-build).
 */
export function tsgiRoot(options: { readonly isCopyForced?: boolean } = {}): string {
  const isCopyForced = options.isCopyForced === true
  if (installed !== undefined && !(isCopyForced && installed === projectPath())) return installed
  const main = builtMain()
  accessSync(main, constants.R_OK)
  if (!isCopyForced && isWorldReadable(main)) {
    installed = projectPath()
    return installed
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsgi-install-'))
  chmodSync(dir, 0o755)
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  // build/: the native addons (sd_notify, write lease), when node-gyp built them.
  // python/: the Python runtime's WSGI worker.
  for (const part of ['package.json', 'dist/bundle', 'python', 'node_modules', 'build/Release']) {
    if (!existsSync(projectPath(part))) continue
    cpSync(projectPath(part), path.join(dir, part), { recursive: true, dereference: true })
  }
  installed = dir
  return dir
}

export function tsgiMain(options: { readonly isCopyForced?: boolean } = {}): string {
  return path.join(tsgiRoot(options), path.relative(projectPath(), builtMain()))
}
