// The emperor benchmark (issue 4; not a test): how fast a governed app comes up, reloads and scales, for
// tsgi's emperor and, when it is installed, real uWSGI's, measured in one run beside bare Node anchors:
//   drop → first answer     a vassal file appears; time until its socket answers (median of --repeats)
//   touch → new worker      a vassal file's mtime moves under a sequential client; time until a new pid
//                           answers, and the longest gap between two answers around it
//   N at once               N vassal files dropped together; time until every socket answers
//   memory                  RSS and PSS of the emperor, and of one idle vassal (master and its worker)
// Anchors: bare `node node-server.mjs pid.mjs SOCKET`, started one at a time, N at once and 2N at once (a
// vassal is two Node processes, so 2N bare servers are the floor of N vassals on the machine).
// Usage: npm run build && node bench/emperor.mjs [--repeats 5] [--vassals 50] [--no-uwsgi]
import { execFileSync, spawn } from 'node:child_process'
import {
  chownSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

import { makeScratch, tsgiMainPath } from './scratch.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
/** Bounds every wait: a hang fails the run instead of stalling it. */
const deadlineMs = 120_000

function parseArgs(argv) {
  const options = { repeats: 5, vassals: 50, uwsgi: true }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const next = Number(argv[++i])
      if (!Number.isInteger(next) || next < 1) throw new Error(`${arg} wants a positive integer`)
      return next
    }
    if (arg === '--repeats') options.repeats = value()
    else if (arg === '--vassals') options.vassals = value()
    else if (arg === '--no-uwsgi') options.uwsgi = false
    else throw new Error(`unknown option ${arg} (see the comment at the top of bench/emperor.mjs)`)
  }
  return options
}

const options = parseArgs(process.argv.slice(2))
const isRoot = process.getuid() === 0
const nobody = { uid: 65534, gid: 65534 }

// tsgi runs from a copy every user can read when the checkout is not (as the tests do).
const tsgiMain = await tsgiMainPath()
const scratch = makeScratch('tsgi-bench-emperor-')
const work = scratch.dir

for (const app of ['pid.mjs', 'pid.py', 'node-server.mjs']) {
  copyFileSync(path.join(here, 'apps', app), path.join(work, app))
}

/** A fresh directory for one server kind: vassals/ and run/ (owned by the dropped user, so vacuum works). */
function makeDirs(kind) {
  const base = path.join(work, kind)
  const vassals = path.join(base, 'vassals')
  const run = path.join(base, 'run')
  for (const dir of [base, vassals, run]) mkdirSync(dir, { mode: 0o755 })
  if (isRoot) chownSync(run, nobody.uid, nobody.gid)
  return { base, vassals, run }
}

/** Starts a program in its own process group (so cleanUp can kill all of it), output kept for errors. */
function start(command, args, cwd) {
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  scratch.track(child)
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  return { child, output: () => output }
}

async function stop(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return
  const exited = new Promise((resolve) => server.child.once('exit', resolve))
  server.child.kill('SIGINT')
  const timer = setTimeout(() => process.kill(-server.child.pid, 'SIGKILL'), 90_000)
  await exited
  clearTimeout(timer)
}

async function waitUntil(what, check, pollMs = 5) {
  const startedAt = performance.now()
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (performance.now() - startedAt > deadlineMs) throw new Error(`gave up waiting for ${what}`)
    await sleep(pollMs)
  }
}

/** One GET / on a unix http socket, new connection; the body (the worker's pid) or undefined on failure. */
function get(socketPath) {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: '/', agent: false, timeout: 5_000 }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk) => (body += chunk))
      response.on('end', () => resolve(response.statusCode === 200 ? body.trim() : undefined))
      response.on('error', () => resolve(undefined))
    })
    request.on('error', () => resolve(undefined))
    request.on('timeout', () => request.destroy())
  })
}

/**
 * ms from `since` until the socket first answers. One socket is polled every 5 ms; N at once every 50 ms,
 * or N pollers would take a core from the servers they wait for.
 */
async function firstAnswer(socketPath, since, pollMs = 5) {
  await waitUntil(`an answer on ${socketPath}`, () => get(socketPath), pollMs)
  return performance.now() - since
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** Writes a file through a temporary name and a rename, as deploy tools do (never half-written). */
function writeAtomically(file, text) {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.tmp`)
  writeFileSync(temporary, text)
  renameSync(temporary, file)
}

/** pid → ppid of every process, for walking a tree. */
function parentMap() {
  const parents = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1')
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // Gone meanwhile.
    }
  }
  return parents
}

function childrenOf(pid, parents = parentMap()) {
  return [...parents].filter(([, parent]) => parent === pid).map(([child]) => child)
}

function descendantsOf(pid, parents = parentMap()) {
  const found = []
  for (const child of childrenOf(pid, parents)) found.push(child, ...descendantsOf(child, parents))
  return found
}

/** RSS and PSS in KiB, from smaps_rollup. */
function memoryOf(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1')
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN)
  return { rss: field('Rss'), pss: field('Pss') }
}

const sumMemory = (pids) =>
  pids.map(memoryOf).reduce((a, b) => ({ rss: a.rss + b.rss, pss: a.pss + b.pss }), { rss: 0, pss: 0 })

// ---- the two emperors, described by what differs -------------------------------------------------------

const identityLines = isRoot ? ['uid = nobody', 'gid = nogroup'] : []

const kinds = {
  tsgi: {
    emperorIni: (dirs) => [`emperor = ${dirs.vassals}`, 'emperor-freq = 3'],
    start: (ini, dirs) => start(process.execPath, [tsgiMain, '--ini', ini], dirs.base),
    startedPattern: /The Emperor is governing 0 vassals/,
    vassal: (dirs, name) => [
      `http-socket = ${path.join(dirs.run, `${name}.sock`)}`,
      `module = ${path.join(work, 'pid.mjs')}`,
      'master = true',
      'processes = 1',
      'vacuum = true',
      'disable-logging = true',
      ...identityLines,
    ],
  },
  uwsgi: {
    emperorIni: (dirs) => [`emperor = ${dirs.vassals}`],
    start: (ini, dirs) => start('uwsgi', ['--ini', ini], dirs.base),
    startedPattern: /\*\*\* starting uWSGI Emperor \*\*\*/,
    vassal: (dirs, name) => [
      'plugins = python3',
      `http-socket = ${path.join(dirs.run, `${name}.sock`)}`,
      `wsgi-file = ${path.join(work, 'pid.py')}`,
      'master = true',
      'processes = 1',
      'vacuum = true',
      'disable-logging = true',
      ...identityLines,
    ],
  },
}

const vassalFile = (dirs, name) => path.join(dirs.vassals, `${name}.ini`)
const socketFile = (dirs, name) => path.join(dirs.run, `${name}.sock`)
const iniText = (lines) => ['[uwsgi]', ...lines, ''].join('\n')

/** Removes vassal files and waits until the emperor has no vassal process left (each test ends with none). */
async function removeVassals(dirs, names, emperorPid) {
  for (const name of names) unlinkSync(vassalFile(dirs, name))
  await waitUntil(`${names.length} vassals to stop`, () => childrenOf(emperorPid).length === 0)
}

/** Runs every measurement against one emperor kind. */
async function measureEmperor(name) {
  const kind = kinds[name]
  const dirs = makeDirs(name)
  const ini = path.join(dirs.base, 'emperor.ini')
  writeFileSync(ini, iniText(kind.emperorIni(dirs)))
  const emperor = kind.start(ini, dirs)
  await waitUntil(`the ${name} emperor to start`, () => {
    if (emperor.child.exitCode !== null) throw new Error(`${name} emperor exited:\n${emperor.output()}`)
    return kind.startedPattern.test(emperor.output())
  })
  const result = { drops: [], touches: [], gaps: [], failures: 0 }
  try {
    for (let i = 0; i < options.repeats; i++) {
      const vassal = `drop${i}`
      const since = performance.now()
      writeAtomically(vassalFile(dirs, vassal), iniText(kind.vassal(dirs, vassal)))
      result.drops.push(await firstAnswer(socketFile(dirs, vassal), since))
      await removeVassals(dirs, [vassal], emperor.child.pid)
    }

    writeAtomically(vassalFile(dirs, 'touched'), iniText(kind.vassal(dirs, 'touched')))
    await firstAnswer(socketFile(dirs, 'touched'), performance.now())
    for (let i = 0; i < options.repeats; i++) {
      const touch = await measureTouch(dirs, i)
      result.touches.push(touch.toNewWorker)
      result.gaps.push(touch.longestGap)
      result.failures += touch.failures
    }
    await removeVassals(dirs, ['touched'], emperor.child.pid)

    const names = Array.from({ length: options.vassals }, (_, i) => `many${i}`)
    const since = performance.now()
    for (const vassal of names) writeAtomically(vassalFile(dirs, vassal), iniText(kind.vassal(dirs, vassal)))
    const times = await Promise.all(names.map((vassal) => firstAnswer(socketFile(dirs, vassal), since, 50)))
    result.many = Math.max(...times)

    const parents = parentMap()
    result.emperorMemory = memoryOf(emperor.child.pid)
    const vassalMasters = childrenOf(emperor.child.pid, parents)
    result.vassalMemory = median(
      vassalMasters.map((master) => sumMemory([master, ...descendantsOf(master, parents)]).pss),
    )
    const oneVassal = vassalMasters[0]
    result.oneVassal = sumMemory([oneVassal, ...descendantsOf(oneVassal, parents)])
    await removeVassals(dirs, names, emperor.child.pid)
  } finally {
    await stop(emperor)
  }
  return result
}

/** Touches the file under a sequential client: time to a new worker's answer, longest gap, failures. */
async function measureTouch(dirs, round) {
  const socket = socketFile(dirs, 'touched')
  const oldPid = await get(socket)
  const answers = []
  let failures = 0
  let isRunning = true
  const client = (async () => {
    while (isRunning) {
      const pid = await get(socket)
      if (pid === undefined) failures++
      else answers.push({ at: performance.now(), pid })
    }
  })()
  await sleep(200)
  const since = performance.now()
  // uWSGI compares whole seconds: move the mtime a whole second on each round.
  const mtime = new Date(Date.now() + (round + 1) * 1_000)
  utimesSync(vassalFile(dirs, 'touched'), mtime, mtime)
  const reloaded = await waitUntil('a new worker to answer', () =>
    answers.find((answer) => answer.at > since && answer.pid !== oldPid),
  )
  await sleep(1_000)
  isRunning = false
  await client
  let longestGap = 0
  const window = answers.filter((answer) => answer.at >= since - 200)
  for (let i = 1; i < window.length; i++) longestGap = Math.max(longestGap, window[i].at - window[i - 1].at)
  return { toNewWorker: reloaded.at - since, longestGap, failures }
}

/** The anchors: bare Node servers of the same app, one at a time and N at once. */
async function measureNode() {
  const dirs = makeDirs('node')
  const startNode = (name) =>
    start(
      process.execPath,
      [path.join(work, 'node-server.mjs'), path.join(work, 'pid.mjs'), socketFile(dirs, name)],
      dirs.base,
    )
  const drops = []
  for (let i = 0; i < options.repeats; i++) {
    const since = performance.now()
    const server = startNode(`one${i}`)
    drops.push(await firstAnswer(socketFile(dirs, `one${i}`), since))
    await stop(server)
  }
  /** `count` bare servers started together: ms until every one answers, and the first one's memory. */
  const startMany = async (count, prefix) => {
    const since = performance.now()
    const servers = Array.from({ length: count }, (_, i) => startNode(`${prefix}${i}`))
    const times = await Promise.all(
      servers.map((_, i) => firstAnswer(socketFile(dirs, `${prefix}${i}`), since, 50)),
    )
    const memory = memoryOf(servers[0].child.pid)
    await Promise.all(servers.map(stop))
    return { ms: Math.max(...times), memory }
  }
  const many = await startMany(options.vassals, 'many')
  // A vassal is a master and a worker: twice N bare servers is the floor of N vassals on this machine.
  const twice = await startMany(2 * options.vassals, 'twice')
  return { drops, many: many.ms, manyTwice: twice.ms, memory: many.memory }
}

function hasUwsgi() {
  try {
    execFileSync('uwsgi', ['--plugins', 'python3', '--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

// ---- run and report ----------------------------------------------------------------------------------

const ms = (value) => (value === undefined ? '-' : `${Math.round(value)} ms`)
const mib = (kib) => (kib === undefined ? '-' : `${(kib / 1024).toFixed(1)} MiB`)
const ratio = (a, b) => (a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}x`)

process.stderr.write(`machine: ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}\n`)
process.stderr.write('measuring bare node anchors… ')
const node = await measureNode()
process.stderr.write('tsgi emperor… ')
const tsgi = await measureEmperor('tsgi')
let uwsgi
if (options.uwsgi && hasUwsgi()) {
  process.stderr.write('uWSGI emperor… ')
  uwsgi = await measureEmperor('uwsgi')
} else process.stderr.write('(uWSGI with its python3 plugin is not installed: skipped) ')
process.stderr.write('done\n\n')

const rows = [
  [
    'drop → first answer (median)',
    ms(median(tsgi.drops)),
    ms(uwsgi && median(uwsgi.drops)),
    ms(median(node.drops)),
    ratio(median(tsgi.drops), uwsgi && median(uwsgi.drops)),
    '< 300 ms',
  ],
  [
    'touch → new worker (median)',
    ms(median(tsgi.touches)),
    ms(uwsgi && median(uwsgi.touches)),
    '',
    ratio(median(tsgi.touches), uwsgi && median(uwsgi.touches)),
    '< 500 ms',
  ],
  [
    'longest gap in answers, touch (max)',
    ms(Math.max(...tsgi.gaps)),
    ms(uwsgi && Math.max(...uwsgi.gaps)),
    '',
    ratio(Math.max(...tsgi.gaps), uwsgi && Math.max(...uwsgi.gaps)),
    '< 100 ms',
  ],
  [
    'failed requests during touches',
    String(tsgi.failures),
    uwsgi ? String(uwsgi.failures) : '-',
    '',
    '',
    '0',
  ],
  [
    `${options.vassals} at once → all answer`,
    ms(tsgi.many),
    ms(uwsgi?.many),
    ms(node.many),
    ratio(tsgi.many, uwsgi?.many),
    '< 6000 ms',
  ],
  [`${2 * options.vassals} bare node servers at once`, '', '', ms(node.manyTwice), '', ''],
  [
    'emperor RSS / PSS',
    `${mib(tsgi.emperorMemory.rss)} / ${mib(tsgi.emperorMemory.pss)}`,
    uwsgi ? `${mib(uwsgi.emperorMemory.rss)} / ${mib(uwsgi.emperorMemory.pss)}` : '-',
    '',
    '',
    '',
  ],
  [
    'idle vassal RSS / PSS (one of N)',
    `${mib(tsgi.oneVassal.rss)} / ${mib(tsgi.oneVassal.pss)}`,
    uwsgi ? `${mib(uwsgi.oneVassal.rss)} / ${mib(uwsgi.oneVassal.pss)}` : '-',
    `${mib(node.memory.rss)} / ${mib(node.memory.pss)}`,
    '',
    '',
  ],
  ['idle vassal PSS (median of N)', mib(tsgi.vassalMemory), mib(uwsgi?.vassalMemory), '', '', ''],
]
const header = ['', 'tsgi', 'uWSGI', 'bare node', 'tsgi/uWSGI', 'target']
const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)))
for (const row of [header, ...rows]) {
  console.log(
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd(),
  )
}
console.log(
  `\n${options.repeats} repeats; vassals: master + 1 worker on a unix http-socket` +
    `${isRoot ? ', as nobody' : ''}; uWSGI runs the same app as a WSGI file (pid.py).\n` +
    `${options.vassals} vassals are ${2 * options.vassals} Node processes: tsgi's ${options.vassals} at once took ` +
    `${ratio(tsgi.many, node.manyTwice)} the time of ${2 * options.vassals} bare node servers at once, ` +
    `${ratio(tsgi.many, node.many)} that of ${options.vassals}.`,
)
