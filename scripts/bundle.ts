// Bundles tsc's output into the files tsgi runs from: dist/bundle/cli/main.js (every role and verb) and
// dist/bundle/cli/worker-main.js (a worker), with the code they share and each lazily imported role in
// dist/bundle/chunks/. Every vassal is two Node processes started at once with its siblings, and a process
// that loads ~100 small ES modules spends more time resolving and reading them than running them: one
// chunk per role halves a master's start-up (bench/README.md, "The emperor").
//
// Layout invariant: every file here sits two directories below dist/, as each module of dist/src/<folder>/
// does, so the few paths resolved against import.meta.url (src/platform/package-file.ts, the worker's
// entry in src/instance/spawn-worker.ts) hold in both trees. The bundle test checks it.
import { build } from 'esbuild'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const compiled = path.join(root, 'dist', 'src')
const outdir = path.join(root, 'dist', 'bundle')

rmSync(outdir, { recursive: true, force: true })
await build({
  entryPoints: [path.join(compiled, 'cli', 'main.js'), path.join(compiled, 'cli', 'worker-main.js')],
  outbase: compiled,
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  // ESM with splitting keeps main.ts's dynamic imports lazy: a vassal master never loads the emperor.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Loaded at run time from node_modules, and only for a YAML config (structured-source.ts).
  external: ['yaml'],
  logLevel: 'warning',
})
