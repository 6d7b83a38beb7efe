// A fresh temporary directory for one test, removed when the test ends (even when it fails).
// Mode 0755, not mktemp's 0700: nginx and dropped test users must be able to traverse it (DESIGN.md).
import { chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'

export interface TempDir {
  readonly path: string
  /** Writes `text` to a file under the directory (creating subdirectories) and returns its absolute path. */
  write(name: string, text: string | Buffer): string
}

export function makeTempDir(t: TestContext): TempDir {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsgi-test-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  chmodSync(dir, 0o755)
  return {
    path: dir,
    write(name, text) {
      const file = path.join(dir, name)
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, text)
      return file
    },
  }
}
