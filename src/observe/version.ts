// The version of tsgi, read once from its package.json (two levels above dist/src/observe/).
import { readFileSync } from 'node:fs'

function readVersion(): string {
  const packageJson: unknown = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  )
  if (typeof packageJson === 'object' && packageJson !== null && 'version' in packageJson) {
    return String(packageJson.version)
  }
  return '0.0.0'
}

export const tsgiVersion: string = readVersion()
