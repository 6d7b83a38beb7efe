// Whoever waits for a vassal to come to rest (an operator's `tsgi reload|stop|start NAME`, the emperor's
// one-at-a-time reload after a SIGHUP): told at the next resting state, then forgotten.
import type { RestingState } from './vassal-state.js'

export class RestWaiters {
  readonly #waiters = new Set<(rest: RestingState) => void>()

  /** Resolves at the next `tell` (undefined if `signal` aborts first). */
  next(signal: AbortSignal): Promise<RestingState | undefined> {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve(undefined)
        return
      }
      const onAbort = (): void => {
        this.#waiters.delete(waiter)
        resolve(undefined)
      }
      const waiter = (rest: RestingState): void => {
        signal.removeEventListener('abort', onAbort)
        resolve(rest)
      }
      this.#waiters.add(waiter)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  tell(rest: RestingState): void {
    const waiters = [...this.#waiters]
    this.#waiters.clear()
    for (const waiter of waiters) waiter(rest)
  }
}
