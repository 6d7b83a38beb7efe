// Writes docs/options.md and docs/errors.md from their registries; `--check` fails if either is stale.
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { renderOptionsDoc } from '../src/config/options/render-options-doc.js'
import { renderErrorsDoc } from '../src/errors/render-errors-doc.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const outputs = [
  { file: path.join(root, 'docs', 'options.md'), text: renderOptionsDoc() },
  { file: path.join(root, 'docs', 'errors.md'), text: renderErrorsDoc() },
]
const isCheck = process.argv.includes('--check')
let isStale = false
for (const { file, text } of outputs) {
  let current = ''
  try {
    current = readFileSync(file, 'utf8')
  } catch {
    // A missing file is stale.
  }
  if (current === text) continue
  if (isCheck) {
    process.stderr.write(`${path.relative(root, file)} is out of date: run \`npm run docs\`\n`)
    isStale = true
  } else {
    writeFileSync(file, text)
    process.stdout.write(`wrote ${path.relative(root, file)}\n`)
  }
}
process.exitCode = isStale ? 1 : 0
