// The entry of a worker process (the worker's CLI), spawned by the master through setpriv. It waits for its `start` message,
// loads the app, accepts on the inherited sockets, says `ready`, and drains on `drain`.
import {
  isMasterMessage,
  type MasterMessage,
  type WorkerMessage,
  type WorkerStart,
} from '../control/messages.js'
import { TsgiError } from '../errors/tsgi-error.js'
import { Logger } from '../observe/logger.js'
import { loadWorkerApp } from '../worker/load-worker-app.js'
import { onParentGone } from '../worker/parent-watch.js'
import { serveWorker, type ServingWorker } from '../worker/serve-worker.js'

function send(message: WorkerMessage): void {
  process.send?.(message)
}

async function start(message: WorkerStart, logger: Logger): Promise<ServingWorker | undefined> {
  const log = (line: string): void => logger.log(`${message.logPrefix}${line}`)
  let app
  try {
    app = await loadWorkerApp(message.app, log)
  } catch (error) {
    const reason =
      error instanceof TsgiError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error)
    log(reason)
    // Exit 4 (DESIGN.md: the app failed to load) once the master has the message.
    process.send?.({ type: 'load-failed', reason } satisfies WorkerMessage, () => process.exit(4))
    return undefined
  }
  const serving = await serveWorker(app, message, log, send)
  send({ type: 'ready' })
  return serving
}

function main(): void {
  if (process.send === undefined) {
    process.stderr.write('tsgi worker: this program is started by a tsgi master, not by hand\n')
    process.exitCode = 2
    return
  }
  onParentGone(() => process.exit(0))
  let serving: Promise<ServingWorker | undefined> | undefined
  process.on('message', (raw: unknown) => {
    if (!isMasterMessage(raw)) return
    const message: MasterMessage = raw
    if (message.type === 'start' && serving === undefined) {
      const logger = new Logger({ dateFormat: message.logDate })
      serving = start(message, logger)
    } else if (message.type === 'drain') {
      void (serving ?? Promise.resolve(undefined)).then(async (worker) => {
        await worker?.drain()
        process.exit(0)
      })
    }
  })
  // A SIGTERM from outside drains like the master's message would. Ctrl-C and a terminal hangup reach the
  // whole process group: the master decides what they mean and tells its workers.
  process.on('SIGTERM', () => process.emit('message', { type: 'drain' }, undefined))
  process.on('SIGINT', () => undefined)
  process.on('SIGHUP', () => undefined)
}

main()
