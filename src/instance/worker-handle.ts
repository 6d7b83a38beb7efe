// One worker process as the master sees it: its start message, its readiness, its drain and its exit.
import type { ChildProcess } from 'node:child_process'

import { isWorkerMessage, type WorkerStart } from '../control/messages.js'

/**
 * 'starting': spawned, app loading; 'ready': said so, serving; 'draining': told to finish and exit;
 * 'exited': gone (reaped).
 */
export type WorkerState = 'starting' | 'ready' | 'draining' | 'exited'

export interface WorkerExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export class WorkerHandle {
  readonly workerId: number
  readonly generation: number
  readonly pid: number | undefined
  readonly startedAt = Date.now()
  /** True once the worker says it serves; false when it failed to load or died first. */
  readonly ready: Promise<boolean>
  readonly exited: Promise<WorkerExit>
  #state: WorkerState = 'starting'
  #loadFailure: string | undefined
  /** From its latest WorkerStatus: requests begun, and when its oldest request in flight began (or null). */
  #requests = 0
  #busySinceMs: number | null = null
  /** Set when the master's harakiri killed it: its death is the cure, not a failure to back off from. */
  #isHarakiri = false
  readonly #child: ChildProcess

  /** `onReload`: the worker asks for a rolling reload of the instance (py-autoreload). */
  constructor(child: ChildProcess, start: WorkerStart, onReload?: (reason: string) => void) {
    this.#child = child
    this.workerId = start.workerId
    this.generation = start.generation
    this.pid = child.pid
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#state = 'exited'
        resolve({ code, signal })
      })
      // A spawn that fails (setpriv or node missing) emits 'error' and never 'exit'.
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) return
        this.#state = 'exited'
        this.#loadFailure = `cannot start the worker process: ${error.code ?? error.message} (is util-linux setpriv installed?)`
        resolve({ code: null, signal: null })
      })
    })
    this.ready = new Promise((resolve) => {
      child.on('message', (message: unknown) => {
        if (!isWorkerMessage(message)) return
        if (message.type === 'status') {
          this.#requests = message.requests
          this.#busySinceMs = message.busySinceMs
        } else if (message.type === 'reload') onReload?.(message.reason)
        else if (message.type === 'ready' && this.#state === 'starting') {
          this.#state = 'ready'
          resolve(true)
        } else if (message.type === 'load-failed') {
          this.#loadFailure = message.reason
          resolve(false)
        }
      })
      void this.exited.then(() => resolve(false))
    })
    // A worker that dies between spawn and the first message makes send() fail: the exit tells the story.
    child.on('error', () => undefined)
    child.send(start, (error) => {
      if (error !== null && this.#state !== 'exited') child.kill('SIGKILL')
    })
  }

  get state(): WorkerState {
    return this.#state
  }

  get loadFailure(): string | undefined {
    return this.#loadFailure
  }

  /** Requests begun, as the worker last reported (0 without `harakiri`, when workers report nothing). */
  get requests(): number {
    return this.#requests
  }

  get isHarakiri(): boolean {
    return this.#isHarakiri
  }

  /**
   * The master's harakiri: SIGKILL when the worker's oldest request in flight began more than `limitMs`
   * ago, by its latest report. A worker stuck in that request never reports again, and needs not to: its
   * last report already says when the request began. Returns how long it had run when it killed, else 0.
   */
  harakiri(limitMs: number, nowMs: number): number {
    if (this.#state === 'exited' || this.#isHarakiri || this.#busySinceMs === null) return 0
    const ranMs = nowMs - this.#busySinceMs
    if (ranMs <= limitMs) return 0
    this.#isHarakiri = true
    this.#child.kill('SIGKILL')
    return ranMs
  }

  /** Tells the worker to finish its requests and exit; SIGKILL after `mercyMs`. Resolves on exit. */
  async drain(mercyMs: number): Promise<WorkerExit> {
    if (this.#state !== 'exited') {
      this.#state = 'draining'
      if (this.#child.connected) this.#child.send({ type: 'drain' }, () => undefined)
      else this.#child.kill('SIGTERM')
      const timer = setTimeout(() => this.kill(), mercyMs)
      const exit = await this.exited
      clearTimeout(timer)
      return exit
    }
    return this.exited
  }

  /** SIGKILL, to this pid only. */
  kill(): void {
    if (this.#state !== 'exited') this.#child.kill('SIGKILL')
  }
}
