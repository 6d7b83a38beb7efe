// One uwsgi connection: read the request vars (bounded by buffer-size and socket-timeout), then hand the
// request to the app's http.Server. A malformed packet gets one log line and a closed connection.
import type { Server } from 'node:http'
import type { Socket } from 'node:net'

import { TsgiError } from '../errors/tsgi-error.js'
import { applyScriptName } from '../protocols/uwsgi/apply-script-name.js'
import { readCgiEnvironment } from '../protocols/uwsgi/cgi-environment.js'
import { buildRequestHead } from '../protocols/uwsgi/request-head.js'
import { VarsDecoder } from '../protocols/uwsgi/vars-decoder.js'
import { UwsgiConnection } from './uwsgi-connection.js'

export interface UwsgiOptions {
  readonly bufferSizeBytes: number
  readonly headerTimeoutMs: number
  readonly mountpoints: readonly string[]
  readonly manageScriptName: boolean
  readonly log: (line: string) => void
}

/** What the request log needs beyond the HTTP request: uWSGI counts vars and their bytes. */
export interface UwsgiRequestInfo {
  readonly varCount: number
  readonly varBytes: number
  readonly serverProtocol: string
}

export const uwsgiInfo = new WeakMap<UwsgiConnection, UwsgiRequestInfo>()

export function serveUwsgiConnection(socket: Socket, app: Server, options: UwsgiOptions): void {
  const decoder = new VarsDecoder({ maxVarsBytes: options.bufferSizeBytes })
  const peer = socket.remoteAddress ?? 'unix socket'
  const fail = (error: unknown): void => {
    const message = error instanceof TsgiError ? `${error.code}: ${error.message}` : String(error)
    options.log(`uwsgi: closed a connection from ${peer}: ${message}`)
    socket.destroy()
  }
  socket.setTimeout(options.headerTimeoutMs, () =>
    fail(`no complete request within ${options.headerTimeoutMs}ms`),
  )
  const onData = (chunk: Buffer): void => {
    let packet
    try {
      packet = decoder.push(chunk)
    } catch (error) {
      fail(error)
      return
    }
    if (packet === undefined) return
    socket.off('data', onData)
    socket.off('end', onEnd)
    socket.setTimeout(0)
    socket.pause()
    try {
      const { vars } = applyScriptName(packet.vars, options.mountpoints, {
        manageScriptName: options.manageScriptName,
      })
      const environment = readCgiEnvironment(vars)
      const head = buildRequestHead(environment)
      const connection = new UwsgiConnection(socket, head, packet.bodyStart, environment)
      uwsgiInfo.set(connection, {
        varCount: vars.length,
        varBytes: decoder.bytesReceived - 4,
        serverProtocol: environment.serverProtocol,
      })
      app.emit('connection', connection)
    } catch (error) {
      fail(error)
    }
  }
  const onEnd = (): void => {
    try {
      decoder.end()
    } catch (error) {
      fail(error)
      return
    }
    socket.destroy()
  }
  socket.on('data', onData)
  socket.on('end', onEnd)
  socket.on('error', () => socket.destroy())
}
