// Fixtures stay uncompiled in test/fixtures/ (STYLE.md section 6); compiled tests find them from dist/.
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

export function fixturePath(...parts: string[]): string {
  return path.join(root, 'test', 'fixtures', ...parts)
}

export function projectPath(...parts: string[]): string {
  return path.join(root, ...parts)
}

/** The CLI as it ships: the bundle `npm run build` makes (package.json `bin`), run from the checkout. */
export function builtMain(): string {
  return projectPath('dist', 'bundle', 'cli', 'main.js')
}
