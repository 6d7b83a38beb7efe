// Shared setup for instance tests: a 0755 temp dir with an app from test/fixtures/apps, and the identity
// flags a root test run needs (workers never run app code as root: DESIGN.md "Privileges").
import { chownSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { TestContext } from 'node:test'

import { fixturePath } from './fixture-path.js'
import { makeTempDir, type TempDir } from './temp-dir.js'
import { isRoot } from './test-users.js'

export function appDir(t: TestContext, ...apps: string[]): TempDir {
  const dir = makeTempDir(t)
  for (const app of apps) dir.write(app, readFileSync(fixturePath('apps', app)))
  return dir
}

/** As root: run the workers as nobody:nogroup. Otherwise: as ourselves. */
export function identityArgs(): string[] {
  return isRoot() ? ['--uid', 'nobody', '--gid', 'nogroup'] : []
}

/**
 * A `run/` directory in `dir`, like /run/tsgi from the seed's tmpfiles.d line: owned (as root) by the user
 * workers and successors run as, so vacuum and a new master may create and remove sockets in it.
 */
export function runDirIn(dir: TempDir): string {
  const runDir = path.join(dir.path, 'run')
  mkdirSync(runDir, { mode: 0o755 })
  if (isRoot()) chownSync(runDir, 65534, 65534)
  return runDir
}
