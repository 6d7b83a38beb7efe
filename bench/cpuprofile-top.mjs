// Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. a tsgi worker started by
// `node bench/run.mjs --tsgi-arg=--node-args=--cpu-prof --tsgi-arg=--node-args=--cpu-prof-dir=DIR`):
// the functions with the most self time, and the most inclusive time (a function counted once per
// sample however deep it recurses). Percentages are of all samples, idle included.
//
// Usage: node bench/cpuprofile-top.mjs FILE.cpuprofile [N]
import { readFileSync } from 'node:fs'

const [file, countText] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: node bench/cpuprofile-top.mjs FILE.cpuprofile [N]')
  process.exit(2)
}
const count = Number(countText ?? 30)
const profile = JSON.parse(readFileSync(file, 'utf8'))
const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
const parents = new Map()
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)

const sampled = new Map() // node id -> microseconds
profile.samples.forEach((id, i) => sampled.set(id, (sampled.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
let total = 0
for (const us of sampled.values()) total += us

const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame
  const where = url === '' ? '' : ` ${url.replace(/^file:\/\/.*?\/(dist|bench)\//, '$1/')}:${lineNumber + 1}`
  return `${functionName || '(anonymous)'}${where}`
}
const self = new Map()
const inclusive = new Map()
for (const [id, us] of sampled) {
  const name = label(nodes.get(id))
  self.set(name, (self.get(name) ?? 0) + us)
  const seen = new Set()
  for (let at = id; at !== undefined; at = parents.get(at)) {
    const frame = label(nodes.get(at))
    if (seen.has(frame)) continue
    seen.add(frame)
    inclusive.set(frame, (inclusive.get(frame) ?? 0) + us)
  }
}
const top = (map) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => `${((100 * us) / total).toFixed(1).padStart(6)}%  ${name}`)
    .join('\n')

console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled\n\nself time:\n${top(self)}`)
console.log(`\ninclusive time:\n${top(inclusive)}`)
