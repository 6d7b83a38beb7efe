// What the bench scripts share: one 0755 scratch directory and the process groups they start, both gone on
// every way out (normal exit, Ctrl-C, SIGTERM, an error); and the tsgi build the dropped user can read.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** A 0755 temp dir, and `track(child)` for children started with `detached: true` (their own group). */
export function makeScratch(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  chmodSync(dir, 0o755)
  const groups = new Set()
  process.on('exit', () => {
    for (const child of groups) {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true })
  })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))
  return {
    dir,
    track(child) {
      groups.add(child)
      child.once('exit', () => groups.delete(child))
    },
  }
}

/**
 * The built tsgi's main.js, from a place every test user can read: test/helpers/tsgi-install.ts decides
 * (the checkout, or a 0755 copy of its runtime parts), so the benches run what the tests run.
 */
export async function tsgiMainPath({ isCopyForced = false } = {}) {
  const helper = path.join(projectDir, 'dist', 'test', 'helpers', 'tsgi-install.js')
  if (!existsSync(helper)) throw new Error('build first: npm run build')
  const { tsgiMain } = await import(pathToFileURL(helper).href)
  return tsgiMain({ isCopyForced })
}
