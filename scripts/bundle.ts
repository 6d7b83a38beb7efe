// Bundles tsc's output into the files tsgi runs from: dist/bundle/cli/main.js (every role and verb) and
// dist/bundle/cli/worker-main.js (a worker), with the code they share and each lazily imported role in
// dist/bundle/chunks/. Every vassal is two Node processes, often started with 49 others, and loading ~100
// small ES modules was most of each one's start beyond Node's own: from the bundle, a standalone master
// bound its socket at 151 ms instead of 240 ms, its worker listened at 306 ms instead of 451 ms
// (bench/README.md, "The emperor").
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
