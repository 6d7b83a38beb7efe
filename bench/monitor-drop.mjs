// How long the emperor's dir monitor takes to report a dropped vassal file (issue 4's drop → first answer
// starts here): from the rename of a file written under a temporary name (as deploy tools do), and from
// the close of a file written in place, to the monitor's report that includes it. The monitor runs in this
// process, from dist/, as the emperor runs it (default settle time, no periodic rescan in the way).
//
//   npm run build && node bench/monitor-drop.mjs [--repeats 20]
import { closeSync, openSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

import { makeScratch } from './scratch.mjs'

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '20' } } })
const repeats = Number(values.repeats)
const built = path.resolve(fileURLToPath(import.meta.url), '../../dist/src/emperor/monitors/dir-monitor.js')
const { DirMonitor } = await import(pathToFileURL(built).href)
const { dir } = makeScratch('tsgi-monitor-drop-')

const monitor = new DirMonitor(dir, { freqMs: 600_000, log: (line) => console.error(line) })
let onReport = () => undefined
let latest = new Map()
monitor.start((files) => {
  latest = files
  onReport()
})
/** Resolves with performance.now() at the first report for which `predicate` holds. */
const reported = (predicate) =>
  new Promise((resolve) => {
    onReport = () => {
      if (predicate(latest)) resolve(performance.now())
    }
    onReport()
  })

const content = '[uwsgi]\nhttp-socket = /run/app.sock\nprocesses = 1\n'
const ways = {
  'write a temporary file, rename it into place': (file) => {
    const temporary = path.join(dir, `.${path.basename(file)}.tmp`)
    writeFileSync(temporary, content)
    renameSync(temporary, file)
  },
  'write the file in place (open, write, close)': (file) => {
    const fd = openSync(file, 'w')
    writeSync(fd, content)
    closeSync(fd)
  },
}

await reported((files) => files.size === 0)
for (const [way, drop] of Object.entries(ways)) {
  const times = []
  for (let index = 0; index < repeats; index++) {
    const file = path.join(dir, `app${index}.ini`)
    const seen = reported((files) => files.has(path.basename(file)))
    const startMs = performance.now()
    drop(file)
    times.push((await seen) - startMs)
    unlinkSync(file)
    await reported((files) => !files.has(path.basename(file)))
  }
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)]
  console.log(
    `${way}: median ${median.toFixed(1)} ms, min ${times[0].toFixed(1)}, max ${times.at(-1).toFixed(1)} (n=${repeats})`,
  )
}
monitor.close()
