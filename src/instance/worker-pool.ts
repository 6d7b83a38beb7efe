// The workers of one instance: N slots, each with one current worker. A worker that dies is respawned, with
// growing delays while it keeps failing (never a tight loop). A reload is rolling and readiness-gated: for
// each slot a new worker starts, and only once it says `ready` is the old one told to drain; a new worker
// that fails to load aborts the reload and the old generation keeps serving.
import type { Logger } from '../observe/logger.js'
import type { WorkerHandle } from './worker-handle.js'

export type SpawnFn = (workerId: number, generation: number) => WorkerHandle

export interface WorkerPoolOptions {
  readonly size: number
  readonly spawn: SpawnFn
  readonly logger: Logger
  /** worker-reload-mercy: how long a draining worker may take before SIGKILL. */
  readonly mercyMs: number
  /** forkbomb-delay: the first respawn delay of a failing slot; it doubles per failure, up to 30 s. */
  readonly respawnDelayMs: number
}

export interface ReloadOutcome {
  readonly isDone: boolean
  readonly failure?: string
}

/** A worker that lived less than this before dying counts as failing, for the respawn backoff. */
const minHealthyLifetimeMs = 10_000
const maxRespawnDelayMs = 30_000

export class WorkerPool {
  readonly #logger: Logger
  readonly #mercyMs: number
  readonly #respawnDelayMs: number
  #spawn: SpawnFn
  #size: number
  #generation = 1
  /** workerId → the slot's current worker (undefined while a respawn waits for its delay). */
  readonly #slots = new Map<number, WorkerHandle | undefined>()
  readonly #failures = new Map<number, number>()
  readonly #timers = new Set<NodeJS.Timeout>()
  /** Old workers told to drain during reloads, until they exit. */
  readonly #draining = new Set<WorkerHandle>()
  /** 'running' until close()/destroy(): then nothing is respawned. */
  #state: 'running' | 'stopping' = 'running'

  constructor(options: WorkerPoolOptions) {
    this.#logger = options.logger
    this.#mercyMs = options.mercyMs
    this.#respawnDelayMs = options.respawnDelayMs
    this.#spawn = options.spawn
    this.#size = options.size
  }

  get generation(): number {
    return this.#generation
  }

  /** The pids of the current workers, for stats and tests. */
  get pids(): number[] {
    return [...this.#slots.values()].flatMap((worker) => (worker?.pid === undefined ? [] : [worker.pid]))
  }

  /** Starts every slot; resolves with how many workers became ready, and the first load failure. */
  async start(): Promise<{ readyCount: number; failure: string | undefined }> {
    const workers = Array.from({ length: this.#size }, (_, index) => this.#startSlot(index + 1))
    const results = await Promise.all(workers.map((worker) => worker.ready))
    const failed = workers.find((worker, index) => results[index] !== true)
    return {
      readyCount: results.filter(Boolean).length,
      failure: failed?.loadFailure ?? (failed === undefined ? undefined : 'the worker exited'),
    }
  }

  #startSlot(workerId: number): WorkerHandle {
    const worker = this.#spawn(workerId, this.#generation)
    this.#slots.set(workerId, worker)
    this.#logger.log(
      `spawned tsgi worker ${workerId} (pid: ${worker.pid ?? '?'}, generation ${worker.generation})`,
    )
    void worker.ready.then((isReady) => {
      if (isReady) this.#failures.delete(workerId)
    })
    void worker.exited.then((exit) => this.#onExit(worker, exit.code, exit.signal))
    return worker
  }

  #onExit(worker: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    this.#draining.delete(worker)
    if (this.#slots.get(worker.workerId) !== worker || this.#state !== 'running') return
    this.#slots.set(worker.workerId, undefined)
    const lived = Date.now() - worker.startedAt
    const failures =
      (lived < minHealthyLifetimeMs && !worker.isHarakiri) || worker.loadFailure !== undefined
        ? (this.#failures.get(worker.workerId) ?? 0) + 1
        : 0
    this.#failures.set(worker.workerId, failures)
    const delay = failures === 0 ? 0 : Math.min(maxRespawnDelayMs, this.#respawnDelayMs * 2 ** (failures - 1))
    const how = signal === null ? `exit code ${code ?? '?'}` : `signal ${signal}`
    const served = worker.requests === 0 ? '' : ` after ${worker.requests} requests`
    this.#logger.log(
      `worker ${worker.workerId} (pid: ${worker.pid ?? '?'}) died (${how})${served}` +
        (delay === 0 ? ', respawning' : `, respawning in ${delay}ms`),
    )
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      if (this.#state === 'running' && this.#slots.get(worker.workerId) === undefined)
        this.#startSlot(worker.workerId)
    }, delay)
    this.#timers.add(timer)
  }

  /**
   * Rolling reload with a new spawn function (the re-read config) and size. Slot by slot: start the new
   * worker, wait for ready, then drain the old one (without waiting for it: capacity never drops below N).
   */
  async reload(spawn: SpawnFn, size: number): Promise<ReloadOutcome> {
    const previousSpawn = this.#spawn
    this.#spawn = spawn
    this.#generation++
    const generation = this.#generation
    for (let workerId = 1; workerId <= size; workerId++) {
      if (this.#state !== 'running') return { isDone: false, failure: 'the instance is stopping' }
      const old = this.#slots.get(workerId)
      const fresh = spawn(workerId, generation)
      this.#logger.log(
        `reload: spawned worker ${workerId} (pid: ${fresh.pid ?? '?'}, generation ${generation})`,
      )
      if (!(await fresh.ready)) {
        fresh.kill()
        await fresh.exited
        this.#spawn = previousSpawn
        const failure = fresh.loadFailure ?? 'the new worker exited before it was ready'
        this.#logger.log(
          `reload aborted: worker ${workerId} of generation ${generation} failed: ${failure}; the old generation keeps serving`,
        )
        return { isDone: false, failure }
      }
      this.#slots.set(workerId, fresh)
      void fresh.exited.then((exit) => this.#onExit(fresh, exit.code, exit.signal))
      if (old !== undefined) this.#retire(old)
    }
    // Fewer processes than before: drain the slots beyond the new size.
    for (const [workerId, old] of this.#slots) {
      if (workerId <= size) continue
      this.#slots.delete(workerId)
      if (old !== undefined) this.#retire(old)
    }
    this.#size = size
    this.#logger.log(
      `reload done: generation ${generation} serves with ${size} worker${size === 1 ? '' : 's'}`,
    )
    return { isDone: true }
  }

  /** The master's harakiri over every live worker (current and draining): see WorkerHandle.harakiri. */
  harakiri(limitMs: number): void {
    const now = Date.now()
    const live = [...this.#slots.values(), ...this.#draining].filter(
      (w): w is WorkerHandle => w !== undefined,
    )
    for (const worker of live) {
      const ranMs = worker.harakiri(limitMs, now)
      if (ranMs === 0) continue
      this.#logger.error(
        `*** HARAKIRI ON WORKER ${worker.workerId} (pid: ${worker.pid ?? '?'}): a request has run for ` +
          `${(ranMs / 1000).toFixed(1)} s, over harakiri = ${limitMs / 1000} s: killed ***`,
      )
    }
  }

  #retire(worker: WorkerHandle): void {
    this.#draining.add(worker)
    void worker.drain(this.#mercyMs).then(() => this.#draining.delete(worker))
  }

  /** Graceful stop: every worker drains (SIGKILL after the mercy); resolves when all have exited. */
  async close(): Promise<void> {
    this.#state = 'stopping'
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    const workers = [...this.#slots.values(), ...this.#draining].filter(
      (w): w is WorkerHandle => w !== undefined,
    )
    await Promise.all(workers.map((worker) => worker.drain(this.#mercyMs)))
    this.#slots.clear()
  }

  /** Immediate stop: SIGKILL every worker; resolves when all have exited. */
  async destroy(): Promise<void> {
    this.#state = 'stopping'
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    const workers = [...this.#slots.values(), ...this.#draining].filter(
      (w): w is WorkerHandle => w !== undefined,
    )
    for (const worker of workers) worker.kill()
    await Promise.all(workers.map((worker) => worker.exited))
    this.#slots.clear()
  }
}
