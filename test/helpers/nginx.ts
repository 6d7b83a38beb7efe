// Runs Debian's real nginx in front of a server under test: its own prefix, config, pid file and logs in a
// fresh temp dir, listening on 127.0.0.1 only, so a system nginx (port 80) and other tests' nginx never
// meet it. One config for every system test (DESIGN.md "Testing on this machine").
//
// WebSocket through uwsgi_pass needs no extra directives in nginx 1.22 (read from
// src/http/modules/ngx_http_uwsgi_module.c, release-1.22.1):
// - uwsgi_pass_request_headers is on, and every request header goes out as an HTTP_* var, hop-by-hop ones
//   included: the client's `Upgrade` and `Connection` arrive as HTTP_UPGRADE and HTTP_CONNECTION. Only
//   headers named by a `uwsgi_param HTTP_*` are replaced; Debian's uwsgi_params sets HTTP_HOST to $host,
//   so HTTP_HOST never carries the port.
// - When the upstream answers `101` and the client request had an `Upgrade` header, the uwsgi module sets
//   u->upgrade and nginx tunnels bytes both ways (as proxy_pass does). The upstream's `Upgrade` and other
//   headers are passed on; its `Connection` is dropped and nginx writes `Connection: upgrade` itself.
//   uwsgi_read_timeout (300 s here) is then the tunnel's idle timeout.
// proxy_pass, by contrast, speaks HTTP/1.0 and drops hop-by-hop headers unless told, hence the
// proxy_http_version and the Upgrade/Connection headers below.
import { spawn, type ChildProcess } from 'node:child_process'
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'

import { lookupUser } from '../../src/platform/user-directory.js'
import { waitFor, waitForExit } from './wait-for.js'

export const nginxBinary = '/usr/sbin/nginx'

export interface NginxUpstream {
  readonly kind: 'uwsgi' | 'http'
  readonly unixPath?: string
  readonly host?: string
  readonly port?: number
}

export interface NginxSite {
  readonly upstream: NginxUpstream
  /** Directives appended inside `location / { … }`. */
  readonly extraLocationConfig?: string
  /** Directives appended inside `server { … }`, before `location /` (a `location /static` block). */
  readonly extraServerConfig?: string
  /** The user (and group of the same name) nginx's workers run as when the test runs as root; www-data unless told. */
  readonly workerUser?: string
}

export interface Nginx {
  readonly port: number
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string
  /** nginx's prefix directory: nginx.conf, error.log, access.log, temp/. */
  readonly prefix: string
  /** The end of error.log, and of nginx's stderr if it said anything, for failure messages. */
  logTail(): string
  /** Graceful stop (SIGQUIT), then SIGKILL to master and workers after a deadline; idempotent. */
  stop(): Promise<void>
}

const defaultWorkerUser = 'www-data'
const startDeadlineMs = 10_000
const quitDeadlineMs = 10_000
const killDeadlineMs = 5_000
/** A port taken between our probe and nginx's bind is retried on a new port this many times in all. */
const startAttempts = 5

/** Why nginx tests cannot run here, or undefined: in CI nothing is a reason, so a missing nginx fails. */
export function nginxSkipReason(): string | undefined {
  if (existsSync(nginxBinary) || process.env.CI !== undefined) return undefined
  return 'nginx is not installed: apt-get install nginx-light'
}

/**
 * Starts nginx in front of `site.upstream` and stops it when the test ends. Returns undefined after
 * marking the test skipped when nginx is missing outside CI: the caller then returns.
 */
export async function startNginx(t: TestContext, site: NginxSite): Promise<Nginx | undefined> {
  const skipReason = nginxSkipReason()
  if (skipReason !== undefined) {
    t.skip(skipReason)
    return undefined
  }
  if (!existsSync(nginxBinary)) throw new Error(`${nginxBinary} is missing: .ci/run installs nginx-light`)
  const asRoot = process.getuid?.() === 0
  const upstream = upstreamAddress(site.upstream)
  const workerUser = site.workerUser ?? defaultWorkerUser
  if (asRoot && site.upstream.unixPath !== undefined) assertWorkerCanReach(site.upstream.unixPath, workerUser)

  const prefix = mkdtempSync(path.join(os.tmpdir(), 'tsgi-nginx-'))
  chmodSync(prefix, 0o755) // The www-data workers write request bodies under temp/.
  mkdirSync(path.join(prefix, 'temp'), { mode: 0o755 })
  let child: ChildProcess | undefined
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => (stopping ??= child === undefined ? Promise.resolve() : halt(child))
  t.after(async () => {
    await stop()
    rmSync(prefix, { recursive: true, force: true })
  })
  const logTail = (): string => {
    const stderr = tail(path.join(prefix, 'stderr.log'))
    return tail(path.join(prefix, 'error.log')) + (stderr === '' ? '' : `\nnginx's stderr:\n${stderr}`)
  }

  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const conf = path.join(prefix, 'nginx.conf')
    writeFileSync(conf, nginxConfig({ prefix, port, asRoot, upstream, site }))
    const logStart = fileSize(path.join(prefix, 'error.log'))
    child = spawnNginx(prefix, conf)
    const started = child
    const outcome = await waitFor<'exited' | 'ready'>(
      `nginx (pid ${started.pid}) to accept connections on 127.0.0.1:${port}`,
      async () => {
        if (started.exitCode !== null || started.signalCode !== null) return 'exited'
        if (readPid(path.join(prefix, 'nginx.pid')) !== started.pid) return undefined
        return (await canConnect(port)) ? 'ready' : undefined
      },
      { timeoutMs: startDeadlineMs },
    ).catch(async (error: unknown) => {
      await stop()
      throw new Error(`${String(error)}\nnginx error log:\n${logTail()}`)
    })
    if (outcome === 'ready') {
      return { port, url: `http://127.0.0.1:${port}`, prefix, logTail, stop }
    }
    const newLog = readFrom(path.join(prefix, 'error.log'), logStart)
    if (!newLog.includes('Address already in use') || attempt >= startAttempts) {
      throw new Error(
        `nginx exited while starting (code ${started.exitCode}, signal ${started.signalCode})\n` +
          `nginx error log:\n${logTail()}`,
      )
    }
  }
}

interface ConfigInput {
  readonly prefix: string
  readonly port: number
  readonly asRoot: boolean
  readonly upstream: string
  readonly site: NginxSite
}

function nginxConfig({ prefix, port, asRoot, upstream, site }: ConfigInput): string {
  const file = (name: string): string => configWord(path.join(prefix, name))
  const location =
    site.upstream.kind === 'uwsgi'
      ? [
          'include /etc/nginx/uwsgi_params;',
          `uwsgi_pass ${configWord(upstream)};`,
          'uwsgi_read_timeout 300s;',
        ]
      : [
          `proxy_pass ${configWord(`http://${upstream}`)};`,
          'proxy_http_version 1.1;',
          'proxy_set_header Host $http_host;',
          'proxy_set_header Upgrade $http_upgrade;',
          'proxy_set_header Connection $connection_upgrade;',
          'proxy_read_timeout 300s;',
        ]
  return [
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    // Workers drop to www-data only when the master is root; otherwise they stay the current user.
    ...(asRoot ? [`user ${site.workerUser ?? defaultWorkerUser};`] : []),
    `pid ${file('nginx.pid')};`,
    `lock_file ${file('nginx.lock')};`,
    `error_log ${file('error.log')} notice;`,
    // Each proxied connection holds two descriptors; a lower soft limit only logs an alert.
    'worker_rlimit_nofile 10240;',
    // Upgraded (WebSocket) connections would hold a graceful stop open forever.
    'worker_shutdown_timeout 5s;',
    'events { worker_connections 4096; }',
    'http {',
    `  access_log ${file('access.log')};`,
    '  client_max_body_size 200m;',
    `  client_body_temp_path ${file('temp/client_body')};`,
    `  proxy_temp_path ${file('temp/proxy')};`,
    `  uwsgi_temp_path ${file('temp/uwsgi')};`,
    `  fastcgi_temp_path ${file('temp/fastcgi')};`,
    `  scgi_temp_path ${file('temp/scgi')};`,
    "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }",
    '  server {',
    `    listen 127.0.0.1:${port};`,
    '    server_name localhost;',
    ...(site.extraServerConfig === undefined ? [] : [`    ${site.extraServerConfig}`]),
    '    location / {',
    ...location.map((line) => `      ${line}`),
    ...(site.extraLocationConfig === undefined ? [] : [`      ${site.extraLocationConfig}`]),
    '    }',
    '  }',
    '}',
    '',
  ].join('\n')
}

function upstreamAddress(upstream: NginxUpstream): string {
  if (upstream.unixPath !== undefined) {
    if (upstream.port !== undefined) throw new Error('an nginx upstream takes unixPath or port, not both')
    // proxy_pass needs the trailing colon to end the socket path (http://unix:/path:/uri).
    return upstream.kind === 'http' ? `unix:${upstream.unixPath}:` : `unix:${upstream.unixPath}`
  }
  if (upstream.port === undefined) throw new Error('an nginx upstream needs unixPath or port')
  return `${upstream.host ?? '127.0.0.1'}:${upstream.port}`
}

/** A word nginx reads as is: no quoting games, so refuse what would need them. */
function configWord(word: string): string {
  if (/[\s;{}"'$\\#]/.test(word)) throw new Error(`cannot put ${JSON.stringify(word)} in an nginx config`)
  return word
}

/**
 * nginx's workers run as www-data when we are root: they must traverse every directory above the socket
 * and, once it exists, write to it. A 0700 temp dir is the usual trap (DESIGN.md): say so plainly.
 */
function assertWorkerCanReach(socketPath: string, workerUser: string): void {
  const worker = lookupUser(workerUser)
  if (worker === undefined) throw new Error(`user ${workerUser} is missing; nginx's workers run as it`)
  const allowed = (file: string, bit: number): boolean => {
    const st = statSync(file)
    if (st.uid === worker.uid) return (st.mode & (bit << 6)) !== 0
    if (st.gid === worker.gid) return (st.mode & (bit << 3)) !== 0
    return (st.mode & bit) !== 0
  }
  const absolute = path.resolve(socketPath)
  for (let dir = path.dirname(absolute); ; dir = path.dirname(dir)) {
    if (existsSync(dir) && !allowed(dir, 0o1)) {
      throw new Error(
        `nginx's ${workerUser} workers cannot traverse ${dir} to reach ${absolute}: make it 0755`,
      )
    }
    if (dir === path.dirname(dir)) break
  }
  if (existsSync(absolute) && !allowed(absolute, 0o2)) {
    throw new Error(`nginx's ${workerUser} workers cannot connect to ${absolute}: it needs write permission`)
  }
}

function spawnNginx(prefix: string, conf: string): ChildProcess {
  // stdout and stderr go to a file: a pipe nobody drains could block nginx, and the file outlives it.
  const out = openSync(path.join(prefix, 'stderr.log'), 'a')
  try {
    const child = spawn(nginxBinary, ['-p', `${prefix}/`, '-c', conf, '-e', path.join(prefix, 'error.log')], {
      stdio: ['ignore', out, out],
    })
    liveMasters.add(child)
    child.once('exit', () => liveMasters.delete(child))
    return child
  } finally {
    closeSync(out)
  }
}

async function halt(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGQUIT')
  try {
    await waitForExit(child, 'nginx to finish a graceful stop (SIGQUIT)', quitDeadlineMs)
  } catch {
    killMasterAndWorkers(child)
    await waitForExit(child, 'nginx to die of SIGKILL', killDeadlineMs)
  }
}

/** A SIGKILLed master leaves its workers running, so they are killed by pid too: its children in /proc. */
function killMasterAndWorkers(child: ChildProcess): void {
  const pid = child.pid
  if (pid === undefined) return
  let workers: number[] = []
  try {
    workers = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number)
  } catch {
    // The master is already gone, and took its workers with it.
  }
  for (const target of [pid, ...workers.filter((w) => w > 0)]) {
    try {
      process.kill(target, 'SIGKILL')
    } catch {
      // Exited meanwhile.
    }
  }
}

/** Masters still running; killed if the test process exits without its t.after hooks (a crash). */
const liveMasters = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of liveMasters) killMasterAndWorkers(child)
})

/** A port free a moment ago: nginx may still lose it to someone else, which startNginx retries. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port)
        else reject(new Error(`unexpected server address ${String(address)}`))
      })
    })
  })
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.setTimeout(1_000, () => socket.destroy())
    socket.on('error', () => undefined) // Refused or reset: 'close' follows and answers false.
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('close', () => resolve(false))
  })
}

function readPid(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim())
  } catch {
    return undefined
  }
}

function fileSize(file: string): number {
  return existsSync(file) ? statSync(file).size : 0
}

function readFrom(file: string, offset: number): string {
  return existsSync(file) ? readFileSync(file).subarray(offset).toString('utf8') : ''
}

/** The last lines of a log, at most 4 KiB of it. */
function tail(file: string): string {
  if (!existsSync(file)) return ''
  const size = statSync(file).size
  const length = Math.min(size, 4096)
  const buffer = Buffer.alloc(length)
  const fd = openSync(file, 'r')
  try {
    readSync(fd, buffer, 0, length, size - length)
  } finally {
    closeSync(fd)
  }
  return buffer.toString('utf8').split('\n').slice(-30).join('\n')
}
