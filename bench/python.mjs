#!/usr/bin/env node
// The Python runtime's benchmark (issue #6; DESIGN.md decision 10: not a test). A WSGI hello app and the
// Django hello view (examples/django, /hello/), each with 2 worker processes, served by tsgi, by Debian's
// uWSGI (uwsgi-core + uwsgi-plugin-python3) and by gunicorn (python3-gunicorn, sync and gthread), all
// measured with wrk in this one run and printed as ratios. Needs root (every server runs as nobody), nginx,
// wrk, /usr/bin/python3 with Django; a server whose program is missing is reported and skipped.
//
//   npm run build && node bench/python.mjs [--duration S] [--connections N] [--rounds N] [--only NAME,...]
import { execFileSync, spawn } from 'node:child_process'
import {
  chownSync,
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { makeScratch, tsgiMainPath } from './scratch.mjs'

const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const python = '/usr/bin/python3'
const nobody = { uid: 65534, gid: 65534 }

const settings = { duration: 10, connections: 64, rounds: 2, only: [] }
for (let index = 2; index < process.argv.length; index++) {
  const [flag, inline] = process.argv[index].split('=', 2)
  const value = inline ?? process.argv[++index]
  if (flag === '--only') settings.only.push(...value.split(','))
  else if (['--duration', '--connections', '--rounds'].includes(flag) && Number(value) > 0)
    settings[flag.slice(2)] = Number(value)
  else {
    console.error(
      `usage: node bench/python.mjs [--duration S] [--connections N] [--rounds N] [--only NAME,...]`,
    )
    process.exit(2)
  }
}
if (process.getuid?.() !== 0) {
  console.error('bench/python.mjs runs every server as nobody: run it as root')
  process.exit(2)
}

// --- one temp dir (0755, owned by nobody so sockets can be bound there), removed on every way out

const scratch = makeScratch('tsgi-bench-py-')
const work = scratch.dir
chownSync(work, nobody.uid, nobody.gid)
// tsgi from a place the workers (nobody) can read, as the tests run it.
const tsgiMain = await tsgiMainPath()

writeFileSync(
  path.join(work, 'hello.py'),
  'def application(environ, start_response):\n' +
    '    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])\n' +
    '    return [b"Hello, World!"]\n',
)
const django = path.join(work, 'mysite')
cpSync(path.join(projectDir, 'examples', 'django', 'mysite'), django, { recursive: true })
// DEBUG off for every server alike: what a deployment runs.
writeFileSync(path.join(django, 'mysite', 'bench_settings.py'), 'from .settings import *\nDEBUG = False\n')

// --- processes

function launch(name, command, args, options = {}) {
  const log = path.join(work, `${name}.log`)
  const out = openSync(log, 'a')
  const child = spawn(command, args, {
    cwd: options.cwd ?? work,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...options.env },
    stdio: ['ignore', out, out],
    detached: true, // Its own process group: stopped whole, workers included.
  })
  closeSync(out)
  child.log = log
  scratch.track(child)
  return child
}

async function halt(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  process.kill(-child.pid, 'SIGINT')
  const timer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
  // Workers that outlive their master (uWSGI's on SIGINT) go with the group.
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // The group is empty.
  }
}

function get(url) {
  return new Promise((resolve) => {
    const request = http.get(url, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode))
    })
    request.on('error', () => resolve(0))
    request.setTimeout(2_000, () => request.destroy())
  })
}

const tail = (file) => readFileSync(file, 'utf8').split('\n').slice(-5).join(' | ')

async function untilServes(url, child, what) {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    if ((await get(url)) === 200) return
    if (child.exitCode !== null)
      throw new Error(`${what} exited (${child.exitCode}) before serving: ${tail(child.log)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${what} did not answer 200 at ${url} within 30 s: ${tail(child.log)}`)
}

// --- nginx in front: uwsgi_pass or proxy_pass (HTTP/1.1 with upstream keep-alive) to a unix socket

let nginxPort = 18_400 + Math.floor(Math.random() * 500)
function startNginx(name, kind, socket) {
  const prefix = path.join(work, `nginx-${name}`)
  mkdirSync(path.join(prefix, 'temp'), { recursive: true, mode: 0o755 })
  const port = nginxPort++
  const pass =
    kind === 'uwsgi'
      ? `include /etc/nginx/uwsgi_params; uwsgi_pass unix:${socket};`
      : 'proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host;'
  writeFileSync(
    path.join(prefix, 'nginx.conf'),
    `daemon off; master_process on; worker_processes 1; user www-data; pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log; worker_rlimit_nofile 10240; events { worker_connections 4096; }
http { access_log off; client_body_temp_path ${prefix}/temp/b; proxy_temp_path ${prefix}/temp/p;
  uwsgi_temp_path ${prefix}/temp/u; fastcgi_temp_path ${prefix}/temp/f; scgi_temp_path ${prefix}/temp/s;
  upstream app { server unix:${socket}; keepalive 32; }
  server { listen 127.0.0.1:${port}; location / { ${pass} } } }
`,
  )
  const child = launch(`nginx-${name}`, '/usr/sbin/nginx', ['-p', `${prefix}/`, '-c', `${prefix}/nginx.conf`])
  return { child, url: `http://127.0.0.1:${port}` }
}

// --- the servers: [command, args] for an app ('hello' or 'django') on a unix socket, 2 processes each

const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--']
const appArgs = {
  tsgi: (app) =>
    app === 'hello' ? ['--wsgi-file', 'hello.py'] : ['--module', 'mysite.wsgi', '--chdir', django],
  uwsgi: (app) =>
    app === 'hello' ? ['--wsgi-file', 'hello.py'] : ['--module', 'mysite.wsgi', '--chdir', django],
  gunicorn: (app) => (app === 'hello' ? ['hello:application'] : ['--chdir', django, 'mysite.wsgi']),
}
const djangoEnv = { DJANGO_SETTINGS_MODULE: 'mysite.bench_settings' }

function tsgiServer(protocol) {
  return (app, socket) => {
    const flag = protocol === 'http' ? '--http-socket' : '--socket'
    return launch(
      `tsgi-${protocol}-${app}`,
      process.execPath,
      [
        tsgiMain,
        flag,
        socket,
        ...appArgs.tsgi(app),
        '--python-bin',
        python,
        '--chmod-socket',
        '666',
        '--processes',
        '2',
        '--disable-logging',
        '--uid',
        'nobody',
        '--gid',
        'nogroup',
      ],
      { env: djangoEnv },
    )
  }
}

function uwsgiServer(protocol) {
  return (app, socket) =>
    launch(
      `uwsgi-${protocol}-${app}`,
      asNobody[0],
      [
        ...asNobody.slice(1),
        'uwsgi',
        '--plugin',
        'python3',
        protocol === 'http' ? '--http-socket' : '--socket',
        socket,
        ...appArgs.uwsgi(app),
        '--chmod-socket=666',
        '--processes',
        '2',
        '--master',
        '--disable-logging',
      ],
      { env: djangoEnv },
    )
}

function gunicornServer(kind) {
  return (app, socket) =>
    launch(
      `gunicorn-${kind}-${app}`,
      asNobody[0],
      [
        ...asNobody.slice(1),
        python,
        '-m',
        'gunicorn',
        '--workers',
        '2',
        '--worker-class',
        kind,
        ...(kind === 'gthread' ? ['--threads', '4'] : []),
        '--bind',
        `unix:${socket}`,
        ...appArgs.gunicorn(app),
      ],
      { env: djangoEnv },
    )
}

const has = (command, args) => {
  try {
    execFileSync(command, args, { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const missing = {
  tsgi: existsSync(path.join(projectDir, 'dist', 'bundle', 'cli', 'main.js'))
    ? undefined
    : 'npm run build first',
  uwsgi: has('uwsgi', ['--plugin', 'python3', '--version'])
    ? undefined
    : 'apt-get install uwsgi-core uwsgi-plugin-python3',
  gunicorn: has(python, ['-c', 'import gunicorn']) ? undefined : 'apt-get install python3-gunicorn',
}

// nginx in front of each; 'direct' scenarios are wrk against the server's own HTTP socket (unix → TCP is
// not possible for wrk, so those bind 127.0.0.1 ports).
const scenarios = [
  { name: 'hello-tsgi', app: 'hello', family: 'tsgi', front: 'uwsgi', start: tsgiServer('uwsgi') },
  { name: 'hello-uwsgi', app: 'hello', family: 'uwsgi', front: 'uwsgi', start: uwsgiServer('uwsgi') },
  {
    name: 'hello-gunicorn-gthread',
    app: 'hello',
    family: 'gunicorn',
    front: 'http',
    start: gunicornServer('gthread'),
  },
  {
    name: 'hello-gunicorn-sync',
    app: 'hello',
    family: 'gunicorn',
    front: 'http',
    start: gunicornServer('sync'),
  },
  { name: 'hello-tsgi-direct', app: 'hello', family: 'tsgi', front: 'direct', start: tsgiServer('http') },
  { name: 'hello-uwsgi-direct', app: 'hello', family: 'uwsgi', front: 'direct', start: uwsgiServer('http') },
  { name: 'django-tsgi', app: 'django', family: 'tsgi', front: 'uwsgi', start: tsgiServer('uwsgi') },
  { name: 'django-uwsgi', app: 'django', family: 'uwsgi', front: 'uwsgi', start: uwsgiServer('uwsgi') },
  {
    name: 'django-gunicorn-gthread',
    app: 'django',
    family: 'gunicorn',
    front: 'http',
    start: gunicornServer('gthread'),
  },
].filter((scenario) => settings.only.length === 0 || settings.only.includes(scenario.name))

function wrk(url, seconds = settings.duration) {
  const args = ['-t1', `-c${settings.connections}`, `-d${seconds}s`, url]
  const text = execFileSync('wrk', args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 })
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 'NaN')
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1]
  return { rate, errors: errors === undefined ? 0 : Number(errors) }
}

async function measure(scenario) {
  const socket = path.join(work, `${scenario.name}.sock`)
  let port
  let address = socket
  if (scenario.front === 'direct') {
    port = nginxPort++
    address = `127.0.0.1:${port}`
  }
  const server = scenario.start(scenario.app, address)
  const front = scenario.front === 'direct' ? undefined : startNginx(scenario.name, scenario.front, socket)
  const base = front?.url ?? `http://${address}`
  const url = scenario.app === 'hello' ? `${base}/` : `${base}/hello/`
  try {
    await untilServes(url, server, scenario.name)
    wrk(url, 2) // warm-up, not counted
    return wrk(url)
  } finally {
    if (front !== undefined) await halt(front.child)
    await halt(server)
    rmSync(socket, { force: true })
  }
}

const results = new Map()
for (let round = 1; round <= settings.rounds; round++) {
  for (const scenario of scenarios) {
    const why = missing[scenario.family]
    if (why !== undefined) {
      results.set(scenario.name, { skipped: why })
      continue
    }
    const outcome = await measure(scenario).catch((error) => ({ failed: String(error.message ?? error) }))
    const best = results.get(scenario.name)
    if (best === undefined || (outcome.rate ?? 0) > (best.rate ?? 0)) results.set(scenario.name, outcome)
    process.stderr.write(`round ${round} ${scenario.name}: ${outcome.rate ?? outcome.failed} req/s\n`)
  }
}

const rate = (name) => results.get(name)?.rate
const ratio = (a, b) => (rate(a) && rate(b) ? `${(rate(a) / rate(b)).toFixed(2)}x` : 'n/a')
console.log(
  `\ntsgi Python runtime benchmark: wrk -t1 -c${settings.connections} -d${settings.duration}s, best of ${settings.rounds}, 2 worker processes each, ${os.cpus().length} cores`,
)
console.log('\n| scenario | req/s | non-2xx |\n|---|---:|---:|')
for (const scenario of scenarios) {
  const result = results.get(scenario.name)
  const cell = result.rate !== undefined ? result.rate.toFixed(0) : (result.skipped ?? result.failed)
  console.log(`| ${scenario.name} | ${cell} | ${result.errors ?? ''} |`)
}
console.log('\n| ratio | value | target |\n|---|---:|---:|')
console.log(
  `| WSGI hello via nginx: tsgi / gunicorn gthread | ${ratio('hello-tsgi', 'hello-gunicorn-gthread')} | >= 1.5x |`,
)
console.log(
  `| WSGI hello via nginx: tsgi / gunicorn sync | ${ratio('hello-tsgi', 'hello-gunicorn-sync')} | |`,
)
console.log(`| WSGI hello via nginx: tsgi / uWSGI | ${ratio('hello-tsgi', 'hello-uwsgi')} | (reported) |`)
console.log(
  `| WSGI hello direct HTTP: tsgi / uWSGI | ${ratio('hello-tsgi-direct', 'hello-uwsgi-direct')} | (reported) |`,
)
console.log(`| Django hello via nginx: tsgi / uWSGI | ${ratio('django-tsgi', 'django-uwsgi')} | >= 0.9x |`)
console.log(
  `| Django hello via nginx: tsgi / gunicorn gthread | ${ratio('django-tsgi', 'django-gunicorn-gthread')} | |`,
)
