// The serving half of a worker: accept on every inherited listener, hand HTTP connections to the app's
// http.Server as they are and uwsgi connections through the uwsgi adapter; drain on request.
import type http from 'node:http'
import net from 'node:net'

import type { WorkerStart, WorkerStatus } from '../control/messages.js'
import { RequestLog } from './request-log.js'
import { serveUwsgiConnection } from './serve-uwsgi.js'

export interface ServingWorker {
  /** Stops accepting, answers in-flight requests with `Connection: close`, closes idle connections, and
   * resolves when every connection is gone. */
  drain(): Promise<void>
}

export async function serveWorker(
  app: http.Server,
  start: WorkerStart,
  log: (line: string) => void,
  /** Where WorkerStatus messages go (the master's channel); none for a standalone process. */
  report?: (status: WorkerStatus) => void,
): Promise<ServingWorker> {
  /** Every accepted client socket until it closes: a drain ends when this is empty. */
  const sockets = new Set<net.Socket>()
  /** Each response in flight → when its request began (epoch ms, for the master's harakiri). */
  const inFlight = new Map<http.ServerResponse, number>()
  let requests = 0
  const isReporting = report !== undefined && start.statusIntervalMs > 0
  const sendStatus = (): void => {
    let busySinceMs: number | null = null
    for (const startedAt of inFlight.values()) busySinceMs = Math.min(busySinceMs ?? startedAt, startedAt)
    report?.({ type: 'status', requests, busySinceMs })
  }
  const statusTimer = isReporting ? setInterval(sendStatus, start.statusIntervalMs) : undefined
  statusTimer?.unref()
  let isDraining = false
  let onDrained: (() => void) | undefined
  const checkDrained = (): void => {
    if (isDraining && sockets.size === 0) onDrained?.()
  }
  const requestLog = start.isRequestLogOn ? new RequestLog(log) : undefined

  // One listener for every response, not a closure per request: this runs for each request served.
  function forget(this: http.ServerResponse): void {
    inFlight.delete(this)
  }
  // First in line, before the app's own listener: bookkeeping for drain and the request log.
  app.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests++
    inFlight.set(res, Date.now())
    // Said at once: app code that now blocks the event loop would keep the next periodic report from going.
    if (isReporting && inFlight.size === 1) sendStatus()
    res.on('close', forget)
    if (isDraining) res.setHeader('Connection', 'close')
    requestLog?.track(req, res)
  })

  const servers = await Promise.all(
    start.listeners.map(
      (listener) =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer((socket) => {
            sockets.add(socket)
            socket.once('close', () => {
              sockets.delete(socket)
              checkDrained()
            })
            if (listener.protocol === 'http') app.emit('connection', socket)
            else
              serveUwsgiConnection(socket, app, {
                bufferSizeBytes: start.bufferSizeBytes,
                headerTimeoutMs: start.headerTimeoutMs,
                mountpoints: start.app.mounts.map((m) => m.mountpoint),
                manageScriptName: start.manageScriptName,
                log,
              })
          })
          server.once('error', reject)
          server.listen({ fd: listener.fd, backlog: start.backlog }, () => resolve(server))
        }),
    ),
  )

  let drained: Promise<void> | undefined
  return {
    drain() {
      drained ??= new Promise<void>((resolve) => {
        isDraining = true
        onDrained = resolve
        // Closing our copy of a listening fd never unlinks its path: Node only unlinks paths it bound itself.
        for (const server of servers) server.close()
        for (const res of inFlight.keys()) if (!res.headersSent) res.setHeader('Connection', 'close')
        app.closeIdleConnections()
        checkDrained()
      })
      return drained
    },
  }
}
