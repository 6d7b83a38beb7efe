#!/usr/bin/env node
// tsgi's benchmark (DESIGN.md decision 10: benchmarks are not tests). Requests per second of a hello app
// through tsgi against the same app under raw Node, every scenario measured in this one run, printed as
// ratios to an anchor measured in the same run. Never part of `npm test`. See bench/README.md.
//
//   npm run build && node bench/run.mjs [--duration S] [--connections N] [--only NAME[,NAME]] ...
//
// Plain ESM JavaScript with no build step; it runs the built CLI, the bundle at dist/bundle/cli/main.js.
// Everything it starts runs in its own process group and is stopped at the end, and every temp dir is
// removed, also on Ctrl-C, SIGTERM or an error.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { tsgiMainPath } from './scratch.mjs'

const benchDir = path.dirname(fileURLToPath(import.meta.url))
const projectDir = path.resolve(benchDir, '..')
const builtMain = path.join(projectDir, 'dist', 'bundle', 'cli', 'main.js')
const nginxBinary = '/usr/sbin/nginx'
const helloBody = 'Hello, World!\n'
const asRoot = process.getuid?.() === 0

// ---------------------------------------------------------------------------------------------------
// Command line

const usage = `usage: node bench/run.mjs [options]

  --duration SECONDS     measured time per scenario (default 10)
  --connections N        concurrent keep-alive client connections (default 64)
  --threads N            wrk threads (default 1: one core is left for the server)
  --warmup SECONDS       load before each measurement, not counted (default 2)
  --rounds N             measure every scenario N times, interleaved; the table shows the best (default 3)
  --quiet-wait SECONDS   before each scenario, wait up to this long for other processes to leave the CPUs
                         alone (less than 10% of a core for a second); 0 = don't wait (default 60)
  --only NAME[,NAME]     run only these scenarios (repeatable); their anchors are always run too
  --loadgen wrk|node     force the load generator (default: wrk if installed, else bench/loadgen.mjs)
  --tsgi-arg ARG         pass ARG to every tsgi instance (repeatable), e.g. --tsgi-arg=--node-args=--cpu-prof
  --node-arg ARG         pass ARG to node for every raw Node server (repeatable), e.g. --node-arg=--cpu-prof
  --copy-build           run tsgi from a 0755 temp copy of the build even when the checkout is world-readable
  --list                 list the scenarios and exit
  --help`

function parseArgs(argv) {
  const options = {
    duration: 10,
    connections: 64,
    threads: 1,
    warmup: 2,
    rounds: 3,
    quietWait: 60,
    only: [],
    loadgen: undefined,
    tsgiArgs: [],
    nodeArgs: [],
    copyBuild: false,
    list: false,
  }
  const positive = (name, text, { integer = true, zero = false } = {}) => {
    const value = Number(text)
    const ok =
      Number.isFinite(value) && (zero ? value >= 0 : value > 0) && (!integer || Number.isInteger(value))
    if (!ok)
      fail(
        `--${name} wants a ${integer ? 'whole ' : ''}number${zero ? '' : ' above 0'}, not ${JSON.stringify(text)}`,
      )
    return value
  }
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]
    let value
    const eq = arg.indexOf('=')
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1)
      arg = arg.slice(0, eq)
    }
    const next = () => {
      if (value !== undefined) return value
      if (i + 1 >= argv.length) fail(`${arg} needs a value`)
      return argv[++i]
    }
    switch (arg) {
      case '--duration':
        options.duration = positive('duration', next(), { integer: false })
        break
      case '--connections':
        options.connections = positive('connections', next())
        break
      case '--threads':
        options.threads = positive('threads', next())
        break
      case '--warmup':
        options.warmup = positive('warmup', next(), { integer: false, zero: true })
        break
      case '--rounds':
        options.rounds = positive('rounds', next())
        break
      case '--quiet-wait':
        options.quietWait = positive('quiet-wait', next(), { integer: false, zero: true })
        break
      case '--only':
        options.only.push(
          ...next()
            .split(',')
            .filter((name) => name !== ''),
        )
        break
      case '--loadgen': {
        const kind = next()
        if (kind !== 'wrk' && kind !== 'node') fail(`--loadgen is wrk or node, not ${JSON.stringify(kind)}`)
        options.loadgen = kind
        break
      }
      case '--tsgi-arg':
        options.tsgiArgs.push(next())
        break
      case '--node-arg':
        options.nodeArgs.push(next())
        break
      case '--copy-build':
        options.copyBuild = true
        break
      case '--list':
        options.list = true
        break
      case '--help':
      case '-h':
        console.log(usage)
        process.exit(0)
        break
      default:
        fail(`unknown option ${JSON.stringify(argv[i])}\n${usage}`)
    }
  }
  if (options.threads > options.connections) fail('--threads cannot exceed --connections (wrk refuses it)')
  return options
}

function fail(message) {
  console.error(`bench: ${message}`)
  process.exit(2)
}

// ---------------------------------------------------------------------------------------------------
// Scenarios. `anchor` names the scenario this one's ratio is taken against (measured in the same run);
// `target` is the ratio the issue asks for (issue 3), shown as ok/MISS.

const scenarios = [
  {
    name: 'node',
    label: 'A',
    description: 'raw Node: http.createServer(hello) on 127.0.0.1 (anchor A)',
    start: (ctx) => startNodeDirect(ctx),
  },
  {
    name: 'tsgi-http-p1',
    anchor: 'node',
    target: 0.95,
    description: 'tsgi --http-socket 127.0.0.1:PORT --processes 1',
    start: (ctx) => startTsgiHttp(ctx, 1),
  },
  {
    name: 'tsgi-http-p2',
    anchor: 'node',
    description: 'tsgi --http-socket 127.0.0.1:PORT --processes 2',
    start: (ctx) => startTsgiHttp(ctx, 2),
  },
  {
    name: 'nginx-proxy-node',
    label: 'B',
    nginx: true,
    description: 'nginx proxy_pass (one upstream connection per request) to raw Node on 127.0.0.1 (anchor B)',
    start: (ctx) => startNginxProxyNode(ctx, { keepalive: false }),
  },
  {
    name: 'nginx-uwsgi-tsgi-p1',
    anchor: 'nginx-proxy-node',
    target: 1.0,
    nginx: true,
    description: 'nginx uwsgi_pass to tsgi --socket DIR/app.sock --chmod-socket 666 --processes 1',
    start: (ctx) => startNginxUwsgiTsgi(ctx, 1),
  },
  {
    name: 'nginx-uwsgi-tsgi-p2',
    anchor: 'nginx-proxy-node',
    nginx: true,
    description: 'nginx uwsgi_pass to tsgi --socket DIR/app.sock --chmod-socket 666 --processes 2',
    start: (ctx) => startNginxUwsgiTsgi(ctx, 2),
  },
  {
    name: 'nginx-proxy-node-ka',
    anchor: 'nginx-proxy-node',
    nginx: true,
    description:
      'extra: nginx proxy_pass to raw Node with upstream keepalive 32 (uwsgi_pass has no upstream keep-alive)',
    start: (ctx) => startNginxProxyNode(ctx, { keepalive: true }),
  },
]

// ---------------------------------------------------------------------------------------------------
// Everything started is recorded here, so that any way out (end, error, Ctrl-C) stops it.

/** Live servers and load generators: { name, child, group } (group: the child leads its own group). */
const live = new Set()
const tempDirs = []
let interrupted = false

function makeTempDir(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  tempDirs.push(dir)
  chmodSync(dir, 0o755) // tsgi's workers (nobody) and nginx's workers (www-data) must get in.
  return dir
}

function killHard(entry) {
  try {
    if (entry.group) process.kill(-entry.child.pid, 'SIGKILL')
    else entry.child.kill('SIGKILL')
  } catch {
    // Already gone.
  }
}

function removeTempDirs() {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

// Last resort, synchronous: a crash or process.exit() with servers still running.
process.on('exit', () => {
  for (const entry of live) killHard(entry)
  removeTempDirs()
})

async function stopEverything(deadlineMs) {
  await Promise.all([...live].map((entry) => stopProcess(entry, deadlineMs)))
  removeTempDirs()
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (interrupted) return
    interrupted = true
    console.error(`\nbench: ${signal}: stopping everything it started`)
    stopEverything(3_000).finally(() => process.exit(130))
  })
}

// ---------------------------------------------------------------------------------------------------
// Processes

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null
}

function waitForExit(child, timeoutMs) {
  if (exited(child)) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit)
      resolve(false)
    }, timeoutMs)
    const onExit = () => {
      clearTimeout(timer)
      resolve(true)
    }
    child.once('exit', onExit)
  })
}

/**
 * Starts a server in its own process group (a terminal's Ctrl-C reaches only us; we stop it in order)
 * and waits until its output matches `ready` (or `isReady()` answers true). Its output is kept in memory
 * (tail only) for failure messages, or written to `logFile`.
 */
async function startProcess({
  name,
  command,
  args,
  cwd,
  ready,
  isReady,
  logFile,
  stopSignal,
  timeoutMs = 20_000,
}) {
  let output = ''
  let stdio = ['ignore', 'pipe', 'pipe']
  let fd
  if (logFile !== undefined) {
    fd = openSync(logFile, 'a')
    stdio = ['ignore', fd, fd]
  }
  const child = spawn(command, args, { cwd, env: serverEnv, stdio, detached: true })
  if (fd !== undefined) closeSync(fd)
  const entry = { name, child, group: true, stopSignal, output: () => (logFile ? tail(logFile) : output) }
  live.add(entry)
  child.once('exit', () => {
    // The leader is gone; anything left in its group (a worker) goes too.
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // Nothing left.
    }
    live.delete(entry)
  })
  const collect = (chunk) => {
    output = (output + chunk.toString()).slice(-16_384)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const spawnError = new Promise((resolve) => child.once('error', resolve))

  const deadline = Date.now() + timeoutMs
  for (;;) {
    const error = await Promise.race([spawnError, sleep(25).then(() => undefined)])
    if (error !== undefined) throw new Error(`${name}: cannot start ${command}: ${error.message}`)
    if (ready !== undefined && ready.test(output)) return entry
    if (isReady !== undefined && (await isReady(child))) return entry
    if (exited(child)) {
      throw new Error(
        `${name} exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready:\n${entry.output()}`,
      )
    }
    if (interrupted) throw new Error('interrupted')
    if (Date.now() > deadline) {
      await stopProcess(entry, 3_000)
      throw new Error(`${name} was not ready within ${timeoutMs / 1000} s:\n${entry.output()}`)
    }
  }
}

/** Its graceful stop signal, then SIGKILL to its whole group after `deadlineMs`. */
async function stopProcess(entry, deadlineMs = 10_000) {
  const { child } = entry
  if (!exited(child)) {
    try {
      if (entry.group) process.kill(-child.pid, 0) // Still there?
      child.kill(entry.stopSignal ?? 'SIGTERM')
    } catch {
      // Gone meanwhile.
    }
    if (!(await waitForExit(child, deadlineMs))) {
      console.error(`bench: ${entry.name} did not stop within ${deadlineMs / 1000} s; killing it`)
      killHard(entry)
      await waitForExit(child, 5_000)
    }
  }
  killHard(entry) // Stray members of its group, if any.
  live.delete(entry)
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function tail(file) {
  try {
    return readFileSync(file, 'utf8').slice(-4_096)
  } catch {
    return ''
  }
}

/** A port free a moment ago (the helper's way; a race with another program is possible, and reported). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.setTimeout(1_000, () => socket.destroy())
    socket.on('error', () => undefined)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('close', () => resolve(false))
  })
}

// ---------------------------------------------------------------------------------------------------
// Servers

/** Set up once: the app directory (0755, app file 0644) and the tsgi build every worker can read. */
async function prepare(options) {
  const appDir = makeTempDir('tsgi-bench-app-')
  const app = path.join(appDir, 'hello.mjs')
  copyFileSync(path.join(benchDir, 'apps', 'hello.mjs'), app)
  chmodSync(app, 0o644)
  if (!existsSync(builtMain)) fail(`${builtMain} is missing: run \`npm run build\` first`)
  // The checkout's build, or a 0755 copy of its runtime parts (test/helpers/tsgi-install.ts decides).
  const tsgiMain = await tsgiMainPath({ isCopyForced: options.copyBuild })
  return { appDir, app, tsgiMain, options }
}

/** tsgi reads any TSGI_<NAME> variable as an option: none of the caller's may change what is measured. */
const serverEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith('TSGI_')),
)

const dropPrivileges = asRoot ? ['--uid', 'nobody', '--gid', 'nogroup'] : []

async function startNodeDirect(ctx, { name = 'node' } = {}) {
  const port = await freePort()
  const entry = await startProcess({
    name,
    command: process.execPath,
    args: [
      ...ctx.options.nodeArgs,
      path.join(benchDir, 'apps', 'node-server.mjs'),
      ctx.app,
      `127.0.0.1:${port}`,
    ],
    cwd: ctx.appDir,
    ready: /node is ready/,
  })
  return { url: `http://127.0.0.1:${port}/`, port, processes: [entry] }
}

function startTsgi(ctx, name, socketArgs, processes) {
  return startProcess({
    name,
    command: process.execPath,
    args: [
      ctx.tsgiMain,
      ...socketArgs,
      '--module',
      'hello.mjs',
      '--processes',
      String(processes),
      '--disable-logging',
      ...dropPrivileges,
      ...ctx.options.tsgiArgs,
    ],
    cwd: ctx.appDir,
    ready: /tsgi is ready/,
  })
}

async function startTsgiHttp(ctx, processes) {
  const port = await freePort()
  const entry = await startTsgi(
    ctx,
    `tsgi-http-p${processes}`,
    ['--http-socket', `127.0.0.1:${port}`],
    processes,
  )
  return { url: `http://127.0.0.1:${port}/`, port, processes: [entry] }
}

async function startNginxProxyNode(ctx, { keepalive }) {
  const backend = await startNodeDirect(ctx, { name: 'node (behind nginx)' })
  try {
    const front = await startNginx(ctx, { kind: 'http', address: `127.0.0.1:${backend.port}`, keepalive })
    return { url: front.url, processes: [front.entry, ...backend.processes] }
  } catch (error) {
    await Promise.all(backend.processes.map((entry) => stopProcess(entry)))
    throw error
  }
}

async function startNginxUwsgiTsgi(ctx, processes) {
  const sockDir = makeTempDir('tsgi-bench-sock-')
  const sock = path.join(sockDir, 'app.sock')
  const backend = await startTsgi(
    ctx,
    `tsgi-uwsgi-p${processes}`,
    ['--socket', sock, '--chmod-socket', '666'],
    processes,
  )
  try {
    const front = await startNginx(ctx, { kind: 'uwsgi', address: `unix:${sock}` })
    return { url: front.url, processes: [front.entry, backend] }
  } catch (error) {
    await stopProcess(backend)
    throw error
  }
}

/**
 * Debian's nginx with its own prefix, config, pid file and logs in a fresh 0755 temp dir, listening on
 * 127.0.0.1 only, as test/helpers/nginx.ts runs it, but with the access log off (the servers behind it
 * log nothing either). One worker process, as in the tests.
 */
async function startNginx(ctx, upstream) {
  const prefix = makeTempDir('tsgi-bench-nginx-')
  mkdirSync(path.join(prefix, 'temp'), { mode: 0o755 })
  const conf = path.join(prefix, 'nginx.conf')
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    writeFileSync(conf, nginxConfig(prefix, port, upstream))
    const pidFile = path.join(prefix, 'nginx.pid')
    let entry
    try {
      entry = await startProcess({
        name: 'nginx',
        command: nginxBinary,
        args: ['-p', `${prefix}/`, '-c', conf, '-e', path.join(prefix, 'error.log')],
        cwd: prefix,
        logFile: path.join(prefix, 'error.log'),
        stopSignal: 'SIGQUIT',
        isReady: async (child) => {
          let pid
          try {
            pid = Number(readFileSync(pidFile, 'utf8').trim())
          } catch {
            return false
          }
          return pid === child.pid && (await canConnect(port))
        },
      })
    } catch (error) {
      if (attempt < 5 && /Address already in use/.test(String(error))) continue
      throw error
    }
    return { url: `http://127.0.0.1:${port}/`, entry }
  }
}

function nginxConfig(prefix, port, upstream) {
  const file = (name) => path.join(prefix, name)
  const upstreamBlock =
    upstream.kind === 'http' && upstream.keepalive
      ? ['  upstream backend {', `    server ${upstream.address};`, '    keepalive 32;', '  }']
      : []
  const location =
    upstream.kind === 'uwsgi'
      ? ['include /etc/nginx/uwsgi_params;', `uwsgi_pass ${upstream.address};`]
      : upstream.keepalive
        ? [
            'proxy_pass http://backend;',
            'proxy_http_version 1.1;',
            'proxy_set_header Connection "";',
            'proxy_set_header Host $http_host;',
          ]
        : [
            `proxy_pass http://${upstream.address};`,
            'proxy_http_version 1.1;',
            'proxy_set_header Host $http_host;',
          ]
  return [
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    ...(asRoot ? ['user www-data;'] : []),
    `pid ${file('nginx.pid')};`,
    `lock_file ${file('nginx.lock')};`,
    `error_log ${file('error.log')} notice;`,
    'worker_rlimit_nofile 10240;',
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${file('temp/client_body')};`,
    `  proxy_temp_path ${file('temp/proxy')};`,
    `  uwsgi_temp_path ${file('temp/uwsgi')};`,
    `  fastcgi_temp_path ${file('temp/fastcgi')};`,
    `  scgi_temp_path ${file('temp/scgi')};`,
    // Keep-alive client connections live as long as a run.
    '  keepalive_timeout 300s;',
    '  keepalive_requests 100000000;',
    ...upstreamBlock,
    '  server {',
    `    listen 127.0.0.1:${port};`,
    '    server_name localhost;',
    '    location / {',
    ...location.map((line) => `      ${line}`),
    '    }',
    '  }',
    '}',
    '',
  ].join('\n')
}

// ---------------------------------------------------------------------------------------------------
// Load

/** One GET through the whole chain: the scenario really serves the hello app before it is measured. */
function checkServes(url) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: 5_000 }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk) => (body += chunk))
      response.on('end', () => {
        if (response.statusCode === 200 && body === helloBody) resolve()
        else
          reject(
            new Error(`GET ${url} answered ${response.statusCode} ${JSON.stringify(body.slice(0, 200))}`),
          )
      })
    })
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)))
    request.on('error', reject)
  })
}

function wrkInstalled() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
    return true
  } catch (error) {
    // `wrk --version` prints its version and exits 1.
    return error.code !== 'ENOENT' && error.status !== 127
  }
}

function wrkVersion() {
  try {
    execFileSync('wrk', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    return /wrk \S+/.exec(String(error.stdout ?? ''))?.[0] ?? 'wrk'
  }
  return 'wrk'
}

/** Runs a load generator as a child we can kill, and returns its stdout. */
async function runLoadChild(name, command, args, timeoutMs) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const entry = { name, child, group: false, output: () => '' }
  live.add(entry)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const spawnError = new Promise((resolve) => child.once('error', resolve))
  const finished = await Promise.race([waitForExit(child, timeoutMs), spawnError])
  live.delete(entry)
  if (finished !== true) {
    killHard(entry)
    throw new Error(
      `${name} ${finished === false ? `ran past ${timeoutMs / 1000} s` : `failed: ${finished.message}`}`,
    )
  }
  if (interrupted) throw new Error('interrupted')
  if (child.exitCode !== 0) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}${stdout}`)
  return stdout
}

function parseWrk(text) {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text)
  if (rps === null) throw new Error(`cannot read wrk's output:\n${text}`)
  const requests = /(\d+) requests in/.exec(text)
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0)
  return {
    rps: Number(rps[1]),
    requests: requests === null ? undefined : Number(requests[1]),
    errors: (non2xx === null ? 0 : Number(non2xx[1])) + socketErrors,
    p50: /\n\s+50%\s+(\S+)/.exec(text)?.[1],
    p99: /\n\s+99%\s+(\S+)/.exec(text)?.[1],
  }
}

async function load(ctx, url, seconds) {
  const { options } = ctx
  const timeoutMs = (seconds + 30) * 1_000
  if (ctx.loadgen === 'wrk') {
    const args = ['-t', String(options.threads), '-c', String(options.connections), '-d', `${seconds}s`]
    const text = await runLoadChild('wrk', 'wrk', [...args, '--timeout', '5s', '--latency', url], timeoutMs)
    return parseWrk(text)
  }
  const text = await runLoadChild(
    'loadgen',
    process.execPath,
    [path.join(benchDir, 'loadgen.mjs'), url, String(options.connections), String(seconds)],
    timeoutMs,
  )
  const result = JSON.parse(text.trim().split('\n').pop())
  return { rps: result.rps, requests: result.requests, errors: result.non2xx + result.errors }
}

/** CPU time (user + system, in clock ticks) of every live process in these process groups, from /proc, by
 * group. */
function groupCpuTicks(groups) {
  const ticks = new Map([...groups].map((group) => [group, 0]))
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let stat
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1')
    } catch {
      continue // Exited meanwhile.
    }
    // After "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const group = Number(fields[2])
    if (ticks.has(group)) ticks.set(group, ticks.get(group) + Number(fields[11]) + Number(fields[12]))
  }
  return ticks
}

/**
 * Machine-wide CPU ticks from /proc/stat (busy: user, nice, system, irq, softirq; steal: taken by the
 * hypervisor) and this process's own, children it reaped included (the load generator, once it exited).
 */
function machineTicks() {
  const cpu = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const [user, nice, system, , , irq, softirq, steal] = cpu
  const self = readFileSync('/proc/self/stat', 'latin1')
  const fields = self
    .slice(self.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number)
  return {
    busy: user + nice + system + irq + softirq,
    steal: steal ?? 0,
    self: fields[11] + fields[12] + fields[13] + fields[14],
  }
}

const clockTicksPerSecond = (() => {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
  const value = Number(result.stdout?.trim())
  return Number.isInteger(value) && value > 0 ? value : 100
})()

/** CPU used by everything but this script (and children it reaped) over `ms`, as % of one core. */
async function otherLoadPercent(ms) {
  const before = machineTicks()
  await sleep(ms)
  const after = machineTicks()
  const ticks = after.busy - before.busy - (after.self - before.self) + (after.steal - before.steal)
  return (100 * ticks) / clockTicksPerSecond / (ms / 1_000)
}

/** Waits (at most --quiet-wait seconds) until no other process keeps the CPUs busy. */
async function waitForQuiet(ctx) {
  const limitMs = ctx.options.quietWait * 1_000
  if (limitMs === 0) return
  const started = Date.now()
  let said = false
  for (;;) {
    const load = await otherLoadPercent(1_000)
    if (load < 10 || interrupted) return
    if (Date.now() - started >= limitMs) {
      process.stderr.write(`(still ${Math.round(load)}% busy after ${ctx.options.quietWait} s; measuring) `)
      return
    }
    if (!said) process.stderr.write(`(others use ${Math.round(load)}% of a core; waiting) `)
    said = true
  }
}

async function measure(ctx, scenario) {
  await waitForQuiet(ctx)
  const server = await scenario.start(ctx)
  try {
    await checkServes(server.url)
    if (ctx.options.warmup > 0) await load(ctx, server.url, ctx.options.warmup)
    // Server-side CPU per request: every process the scenario started (nginx, node or tsgi's master and
    // workers), less sensitive than req/s to a neighbour taking the CPU away for a while.
    const groups = new Set(server.processes.map((entry) => entry.child.pid))
    const ticksBefore = groupCpuTicks(groups)
    const machineBefore = machineTicks()
    const started = process.hrtime.bigint()
    const result = await load(ctx, server.url, ctx.options.duration)
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const machineAfter = machineTicks()
    const ticksAfter = groupCpuTicks(groups)
    const ticksOf = (entry) => ticksAfter.get(entry.child.pid) - ticksBefore.get(entry.child.pid)
    const serverTicks = server.processes.reduce((sum, entry) => sum + ticksOf(entry), 0)
    const usPerRequest = (ticks) => (ticks / clockTicksPerSecond / result.requests) * 1e6
    if (result.requests > 0) {
      result.cpuUsPerRequest = usPerRequest(serverTicks)
      // Which side a gap is on: nginx's share and the server's behind it.
      result.cpuSplit = server.processes.map(
        (entry) => `${entry.name} ${usPerRequest(ticksOf(entry)).toFixed(0)}`,
      )
    }
    // Whatever else ran meanwhile (another user's tests, say), as a share of one CPU: the machine's busy
    // time less the servers', the load generator's and this script's.
    const otherTicks =
      machineAfter.busy - machineBefore.busy - serverTicks - (machineAfter.self - machineBefore.self)
    result.otherCpuPercent = Math.max(0, (100 * otherTicks) / clockTicksPerSecond / seconds)
    result.stealPercent = (100 * (machineAfter.steal - machineBefore.steal)) / clockTicksPerSecond / seconds
    return result
  } finally {
    // The front (nginx) first, then what is behind it.
    for (const entry of server.processes) await stopProcess(entry)
  }
}

// ---------------------------------------------------------------------------------------------------
// Report

/**
 * The round a row reports: the fastest. On a shared machine interference only ever slows a run down, so
 * the best of N estimates what the server can do, as Python's timeit argues for its minimum.
 */
function bestRun(runs) {
  const good = runs.filter((run) => run.error === undefined)
  return good.length === 0 ? undefined : good.reduce((best, run) => (run.rps > best.rps ? run : best))
}

function formatTable(rows) {
  const headers = Object.keys(rows[0])
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((row) => String(row[h]).length)))
  const numeric = headers.map((h) => rows.every((row) => /^[\d,.x—-]*$/.test(String(row[h]))))
  const cell = (text, i) => (numeric[i] ? String(text).padStart(widths[i]) : String(text).padEnd(widths[i]))
  return [
    `| ${headers.map(cell).join(' | ')} |`,
    `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`,
    ...rows.map((row) => `| ${headers.map((h, i) => cell(row[h], i)).join(' | ')} |`),
  ].join('\n')
}

function nginxVersion() {
  // `nginx -v` writes its version on stderr.
  const result = spawnSync(nginxBinary, ['-v'], { encoding: 'utf8' })
  return /nginx\/\S+/.exec(`${result.stderr}${result.stdout}`)?.[0] ?? 'nginx'
}

function report(ctx, selected, results) {
  const rpsOf = (name) => bestRun(results.get(name) ?? [])?.rps
  const rows = selected.map((scenario) => {
    const runs = results.get(scenario.name) ?? []
    const good = runs.filter((run) => run.error === undefined)
    const best = bestRun(runs)
    const cpus = good.map((run) => run.cpuUsPerRequest).filter((cpu) => cpu !== undefined)
    const rps = best?.rps
    const anchorRps = scenario.anchor === undefined ? undefined : rpsOf(scenario.anchor)
    const ratio = rps !== undefined && anchorRps !== undefined ? rps / anchorRps : undefined
    const anchor =
      scenario.anchor === undefined
        ? `= ${scenario.label}`
        : scenarios.find((s) => s.name === scenario.anchor).label
    let target = ''
    if (scenario.target !== undefined && ratio !== undefined) {
      target = `>= ${scenario.target.toFixed(2)} ${ratio >= scenario.target ? 'ok' : 'MISS'}`
    }
    const spread =
      good.length > 1
        ? `${Math.round(Math.min(...good.map((r) => r.rps))).toLocaleString('en-US')}–${Math.round(Math.max(...good.map((r) => r.rps))).toLocaleString('en-US')}`
        : undefined
    const failed = runs.find((run) => run.error !== undefined)
    return {
      scenario: scenario.name,
      'req/s': rps === undefined ? (failed ? 'FAILED' : '—') : Math.round(rps).toLocaleString('en-US'),
      ...(ctx.options.rounds > 1 ? { 'min–max': spread ?? '—' } : {}),
      anchor,
      ratio: ratio === undefined ? '—' : `${ratio.toFixed(2)}x`,
      target,
      'cpu µs/req': cpus.length === 0 ? '—' : Math.min(...cpus).toFixed(0),
      'other cpu': best === undefined ? '—' : `${Math.round(best.otherCpuPercent + best.stealPercent)}%`,
      ...(ctx.loadgen === 'wrk' ? { p50: best?.p50 ?? '—', p99: best?.p99 ?? '—' } : {}),
      errors: good.length === 0 ? '—' : String(good.reduce((sum, run) => sum + run.errors, 0)),
    }
  })
  const { options } = ctx
  const lines = [
    '',
    `tsgi bench, ${new Date().toISOString()} on ${os.hostname()}: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? '?'}), ` +
      `node ${process.version}, ${selected.some((s) => s.nginx) ? `${nginxVersion()}, ` : ''}load by ` +
      (ctx.loadgen === 'wrk'
        ? `${wrkVersion()} -t${options.threads} -c${options.connections}`
        : `bench/loadgen.mjs (wrk not installed) -c${options.connections}`),
    `${options.duration} s measured after ${options.warmup} s of warm-up per scenario, ${options.rounds} round(s)` +
      (options.rounds > 1 ? ' (each row shows its best round)' : '') +
      `${asRoot ? '; tsgi as --uid nobody --gid nogroup' : ''}; request logging off everywhere`,
    '',
    formatTable(rows),
    '',
    ...selected.map((s) => `  ${s.name.padEnd(20)} ${s.description}`),
    '',
    'req/s: the best round; min–max: all rounds. ratio = req/s / req/s of its anchor (A or B), both',
    '  from this run; target from issue 3.',
    'cpu µs/req: CPU time (user + system) of every server-side process of the scenario (nginx included)',
    '  per request served, the lowest of the rounds. p50/p99: latency percentiles of the best round (wrk).',
    'other cpu: CPU (% of one core) that anything outside the benchmark used, or the hypervisor stole,',
    '  during the best round; above a few % that row is suspect.',
    'errors: non-2xx/3xx responses + socket errors, all rounds.',
  ]
  for (const scenario of selected) {
    for (const run of results.get(scenario.name) ?? []) {
      if (run.error !== undefined) lines.push(`${scenario.name} FAILED: ${run.error}`)
    }
  }
  return lines.join('\n')
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  const options = parseArgs(process.argv.slice(2))
  if (options.list) {
    for (const s of scenarios) console.log(`${s.name.padEnd(20)} ${s.description}`)
    return 0
  }
  const names = new Set(scenarios.map((s) => s.name))
  for (const name of options.only) {
    if (!names.has(name)) fail(`no scenario ${JSON.stringify(name)}; there are: ${[...names].join(', ')}`)
  }
  const wanted = new Set(options.only.length === 0 ? names : options.only)
  for (const s of scenarios) if (wanted.has(s.name) && s.anchor !== undefined) wanted.add(s.anchor)
  let selected = scenarios.filter((s) => wanted.has(s.name))
  if (selected.some((s) => s.nginx) && !existsSync(nginxBinary)) {
    console.error(
      `bench: ${nginxBinary} is missing (apt-get install nginx-light): skipping the nginx scenarios`,
    )
    selected = selected.filter((s) => !s.nginx)
  }
  if (options.loadgen === 'wrk' && !wrkInstalled()) fail('wrk is not installed (apt-get install wrk)')
  const loadgen = options.loadgen ?? (wrkInstalled() ? 'wrk' : 'node')
  if (loadgen === 'node')
    console.error('bench: wrk is not installed; using bench/loadgen.mjs, far slower than wrk')

  const ctx = { ...(await prepare(options)), loadgen }
  const results = new Map(selected.map((s) => [s.name, []]))
  const total = selected.length * options.rounds
  let step = 0
  for (let round = 1; round <= options.rounds; round++) {
    for (const scenario of selected) {
      step++
      process.stderr.write(`bench: [${step}/${total}] ${scenario.name} … `)
      try {
        const result = await measure(ctx, scenario)
        results.get(scenario.name).push(result)
        const cpu =
          (result.cpuUsPerRequest === undefined
            ? ''
            : `, ${result.cpuUsPerRequest.toFixed(0)} cpu µs/req (${result.cpuSplit.join(' + ')})`) +
          `, other cpu ${Math.round(result.otherCpuPercent + result.stealPercent)}%`
        process.stderr.write(
          `${Math.round(result.rps).toLocaleString('en-US')} req/s${cpu}, ${result.errors} errors\n`,
        )
      } catch (error) {
        if (interrupted) return 130
        const message = error instanceof Error ? error.message : String(error)
        results.get(scenario.name).push({ error: message.split('\n')[0] })
        process.stderr.write(`FAILED\n${message}\n`)
      }
    }
  }
  console.log(report(ctx, selected, results))
  return [...results.values()].flat().some((run) => run.error !== undefined) ? 1 : 0
}

let code = 1
try {
  code = await main()
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.stack : String(error)}`)
} finally {
  if (!interrupted) await stopEverything(10_000)
}
if (!interrupted) process.exit(code)
