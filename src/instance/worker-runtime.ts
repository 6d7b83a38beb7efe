// Which program a worker runs: Node (worker-main.js, the default) or the Python WSGI worker with the
// vassal's interpreter. Resolved by the master after its privilege drop, once per config (at start and at
// each reload), so a missing interpreter is one clear error and never a respawn loop.
import type { Config } from '../config/options/registry.js'
import type { PythonWorkerStart } from '../control/messages.js'
import {
  isPythonApp,
  planPythonApps,
  pythonWorkerPath,
  resolvePythonInterpreter,
  virtualenvEnvironment,
} from '../runtimes/python/python-runtime.js'
import { workerEnvironment } from './spawn-worker.js'

export interface WorkerRuntime {
  /** The worker program and its arguments; undefined: the Node worker. */
  readonly command: readonly string[] | undefined
  readonly env: NodeJS.ProcessEnv | undefined
  /** The Python part of the start message; undefined for Node. */
  pythonStart(lastLoadFailure: string | undefined): PythonWorkerStart | undefined
  /** Lines for the master's log when this runtime is first used. */
  readonly notes: readonly string[]
}

const nodeRuntime: WorkerRuntime = {
  command: undefined,
  env: undefined,
  pythonStart: () => undefined,
  notes: [],
}

/** Throws ERR_RUNTIME_PYTHON_NOT_FOUND or ERR_RUNTIME_NO_APP for a Python app that cannot run. */
export function workerRuntime(config: Config): WorkerRuntime {
  if (!isPythonApp(config)) return nodeRuntime
  const cwd = config.chdir ?? process.cwd()
  const env = virtualenvEnvironment(config, workerEnvironment(config, process.env))
  const interpreter = resolvePythonInterpreter(config, env.PATH ?? '', cwd)
  const plan = planPythonApps(config, cwd)
  return {
    command: [interpreter.command, pythonWorkerPath],
    env,
    pythonStart: (lastLoadFailure) => ({
      apps: plan.apps,
      callable: config.callable,
      pythonpath: config.pythonpath,
      threads: config.threads,
      processes: config.processes,
      autoreloadS: config.pyAutoreload / 1000,
      postBufferingBytes: config.postBuffering,
      lastLoadFailure,
    }),
    notes: [`python workers run ${interpreter.command} (from ${interpreter.source})`, ...plan.notes],
  }
}
