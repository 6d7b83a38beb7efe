// Starts one worker process: through util-linux setpriv(1), which empties its inheritable and ambient
// capability sets (and, for a worker that stays root, its bounding set) and sets a parent-death signal, since
// Node can do neither (DESIGN.md "Privileges"). The listening sockets go in as fds 4 and up; fd 3 is the
// JSON IPC channel.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import type { Config } from '../config/options/registry.js'

/** The worker's entry, beside the main one: dist/src/cli/ for tsc's output, dist/bundle/cli/ for the bundle. */
export const workerMainPath = fileURLToPath(new URL('../cli/worker-main.js', import.meta.url))

/** Variables that belong to this process's own supervisor and must never reach app code (DESIGN.md). */
const privateVariables = [
  'NOTIFY_SOCKET',
  'LISTEN_FDS',
  'LISTEN_PID',
  'LISTEN_FDNAMES',
  'WATCHDOG_USEC',
  'WATCHDOG_PID',
]

/** The worker's environment: ours without the supervisor's variables, then `env` and `unenv` in order. */
export function workerEnvironment(config: Config, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = new Map(Object.entries(base).filter(([name]) => !privateVariables.includes(name)))
  for (const { key, value } of config.env) {
    if (value === undefined) env.delete(key)
    else env.set(key, value)
  }
  for (const name of config.unenv) env.delete(name)
  return Object.fromEntries(env)
}

export interface SpawnWorkerOptions {
  readonly config: Config
  readonly fds: readonly number[]
  /** Where the worker's stdout and stderr go: an fd (logto) or 'inherit'. */
  readonly output: number | 'inherit'
  readonly isRoot: boolean
  /** The worker program and its arguments; default: Node running worker-main.js (the Python runtime gives its own). */
  readonly command?: readonly string[]
  /** The environment, when the runtime adds to workerEnvironment() (a virtualenv's PATH). */
  readonly env?: NodeJS.ProcessEnv
}

export function spawnWorker(options: SpawnWorkerOptions): ChildProcess {
  const { config } = options
  const node = config.nodeBin ?? process.execPath
  const command = options.command ?? [node, ...config.nodeArgs, workerMainPath]
  const setprivArgs = ['--pdeathsig', 'KILL', '--inh-caps=-all', '--ambient-caps=-all']
  if (options.isRoot) setprivArgs.push('--bounding-set=-all')
  return spawn('setpriv', [...setprivArgs, '--', ...command], {
    cwd: config.chdir ?? process.cwd(),
    env: options.env ?? workerEnvironment(config, process.env),
    stdio: ['ignore', options.output, options.output, 'ipc', ...options.fds],
    serialization: 'json',
  })
}
