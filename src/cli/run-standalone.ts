// `master = false` outside the emperor (DESIGN.md "Three roles"): one process binds the sockets, drops
// privileges and runs the app itself, as a uWSGI instance without a master does. A reload is a restart:
// a successor process takes the sockets over (instance/successor.ts), and this one drains and exits.
// It lives in cli/ because it joins the master's start (instance/) with serving (worker/).
import type { LoadResult } from '../config/resolve-config.js'
import type { WorkerStart } from '../control/messages.js'
import { makeError, TsgiError } from '../errors/tsgi-error.js'
import { vacuumListeners } from '../instance/listeners.js'
import { checkRuntime, removePidfile, startMaster } from '../instance/start-master.js'
import { announceToPredecessor, handOverToSuccessor } from '../instance/successor.js'
import { TouchWatcher } from '../instance/touch-watcher.js'
import { onSignalIntents } from '../platform/signals.js'
import { loadWorkerApp } from '../worker/load-worker-app.js'
import { serveWorker } from '../worker/serve-worker.js'

export async function runStandalone(result: LoadResult): Promise<'stopped' | 'app-load-failed'> {
  const config = result.config
  if (config === undefined)
    throw makeError('ERR_INTERNAL_ASSERTION', { what: 'runStandalone() without a config' })
  const master = await startMaster(config)
  const { logger, listeners, inherited, successorOf, pidfile, notify } = master
  const log = (line: string): void => logger.log(line)
  logger.log('master = false: standalone, the app runs in this process; a reload restarts it')
  let handedOver: ReadonlySet<string> = new Set()
  const cleanUp = (): void => {
    if (!config.vacuum) return
    vacuumListeners(listeners, logger, handedOver)
    if (pidfile !== undefined) removePidfile(pidfile, logger)
  }
  let app
  try {
    app = await loadWorkerApp(checkRuntime(config), log)
  } catch (error) {
    log(error instanceof TsgiError ? error.message : String(error))
    cleanUp()
    return 'app-load-failed'
  }
  const start: WorkerStart = {
    type: 'start',
    workerId: 1,
    generation: 1,
    listeners: listeners.listeners.map((listener) => ({
      fd: listener.fd,
      protocol: listener.protocol,
      address: listener.address.text,
    })),
    backlog: listeners.backlog,
    headerTimeoutMs: config.socketTimeout,
    app: checkRuntime(config),
    manageScriptName: config.manageScriptName,
    bufferSizeBytes: config.bufferSize,
    isRequestLogOn: !config.disableLogging,
    logDate: config.logDate,
    logPrefix: '',
    // No master, so nobody to report to (and no harakiri: DESIGN.md's standalone mode).
    statusIntervalMs: 0,
  }
  const serving = await serveWorker(app, start, log)

  return new Promise((resolve) => {
    let isStopping = false
    const watchers: TouchWatcher[] = []
    const stop = async (isGraceful: boolean): Promise<void> => {
      if (isStopping) return
      isStopping = true
      notify.stopping()
      for (const watcher of watchers) watcher.close()
      if (isGraceful) {
        logger.log('graceful stop: finishing in-flight requests')
        await serving.drain()
      }
      cleanUp()
      // Last: a second signal during the drain or the vacuum is ignored, not fatal.
      removeSignals()
      logger.log('goodbye to tsgi')
      resolve('stopped')
    }
    const restart = async (why: string): Promise<void> => {
      if (isStopping) return
      logger.log(`reload (${why}): starting a new process with the sockets handed over`)
      notify.reloading()
      const adopted = await handOverToSuccessor(listeners, logger, {
        what: 'process',
        notify,
        env: master.successorEnvironment(),
      })
      if (adopted === undefined) {
        notify.reloaded('serving standalone')
        return
      }
      handedOver = adopted
      await stop(true)
    }
    const removeSignals = onSignalIntents((intent, signal) => {
      logger.log(`received ${signal}`)
      if (intent === 'reload') void restart(signal)
      else void stop(intent === 'graceful-stop')
    })
    for (const files of [config.touchReload, config.touchChainReload]) {
      if (files.length > 0) watchers.push(new TouchWatcher(files, (file) => void restart(`${file} touched`)))
    }
    // Ready only now that the signals have their handlers: a SIGHUP sent on seeing this line must reload,
    // and before its handler, SIGHUP's default action would end the process.
    logger.log('tsgi is ready: serving standalone')
    notify.ready('serving standalone')
    announceToPredecessor(listeners, inherited, successorOf)
  })
}
