// The version of tsgi, read once from its package.json.
import { readFileSync } from 'node:fs'

import { packageFile } from '../platform/package-file.js'

function readVersion(): string {
  const packageJson: unknown = JSON.parse(readFileSync(packageFile('package.json'), 'utf8'))
  if (typeof packageJson === 'object' && packageJson !== null && 'version' in packageJson) {
    return String(packageJson.version)
  }
  return '0.0.0'
}

export const tsgiVersion: string = readVersion()
