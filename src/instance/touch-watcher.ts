// touch-reload and touch-chain-reload: a reload when a file's mtime increases, or when it appears or
// disappears (uWSGI's rule, reference §4.5). Polled every second as uWSGI's master does; tsgi compares
// mtimes in nanoseconds, so two touches within one second both count.
import { statSync } from 'node:fs'

export class TouchWatcher {
  readonly #files: readonly string[]
  readonly #stamps = new Map<string, bigint | undefined>()
  readonly #timer: NodeJS.Timeout

  constructor(files: readonly string[], onTouch: (file: string) => void, intervalMs = 1000) {
    this.#files = files
    for (const file of files) this.#stamps.set(file, mtimeOf(file))
    this.#timer = setInterval(() => {
      for (const file of this.#files) {
        const now = mtimeOf(file)
        const before = this.#stamps.get(file)
        this.#stamps.set(file, now)
        if (now !== before && (now === undefined || before === undefined || now > before)) onTouch(file)
      }
    }, intervalMs)
    this.#timer.unref()
  }

  close(): void {
    clearInterval(this.#timer)
  }
}

function mtimeOf(file: string): bigint | undefined {
  try {
    return statSync(file, { bigint: true }).mtimeNs
  } catch {
    return undefined
  }
}
