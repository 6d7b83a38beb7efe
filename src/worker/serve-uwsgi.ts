// One uwsgi connection: read the request vars (bounded by buffer-size and socket-timeout), then present the
// request to the app's http.Server (uwsgi-request.ts), its response written straight to the connection's
// socket. A malformed packet gets one log line and a closed connection.
import type { Server } from 'node:http'
import type { Socket } from 'node:net'

import { TsgiError } from '../errors/tsgi-error.js'
import { applyScriptName } from '../protocols/uwsgi/apply-script-name.js'
import { readCgiEnvironment, type CgiEnvironment } from '../protocols/uwsgi/cgi-environment.js'
import { readRequestHead, type RequestHead } from '../protocols/uwsgi/request-head.js'
import { VarsDecoder } from '../protocols/uwsgi/vars-decoder.js'
import { emitUwsgiRequest } from './uwsgi-request.js'

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

/**
 * What the request log needs of the uwsgi request a socket carries, kept on the socket itself: a WeakMap
 * entry per request was a visible cost in the garbage collector.
 */
const uwsgiInfo = Symbol('tsgi uwsgi request')
type UwsgiSocket = Socket & { [uwsgiInfo]?: UwsgiRequestInfo }

/** The uwsgi request `socket` carries; undefined for an HTTP connection. */
export function uwsgiInfoOf(socket: Socket): UwsgiRequestInfo | undefined {
  return (socket as UwsgiSocket)[uwsgiInfo]
}

export function serveUwsgiConnection(socket: Socket, app: Server, options: UwsgiOptions): void {
  const decoder = new VarsDecoder({ maxVarsBytes: options.bufferSizeBytes })
  const fail = (error: unknown): void => {
    const message = error instanceof TsgiError ? `${error.code}: ${error.message}` : String(error)
    options.log(`uwsgi: closed a connection from ${socket.remoteAddress ?? 'unix socket'}: ${message}`)
    socket.destroy()
  }
  const onTimeout = (): void => fail(`no complete request within ${options.headerTimeoutMs}ms`)
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
    socket.off('timeout', onTimeout)
    socket.setTimeout(0)
    let head: RequestHead
    let environment: CgiEnvironment
    try {
      // Without manage-script-name the vars stay as nginx sent them: no copy to make.
      const { vars } = options.manageScriptName
        ? applyScriptName(packet.vars, options.mountpoints, { manageScriptName: true })
        : packet
      environment = readCgiEnvironment(vars)
      head = readRequestHead(environment)
      ;(socket as UwsgiSocket)[uwsgiInfo] = {
        varCount: vars.length,
        varBytes: decoder.bytesReceived - 4,
        serverProtocol: environment.serverProtocol,
      }
    } catch (error) {
      fail(error)
      return
    }
    presentClient(socket, environment)
    emitUwsgiRequest(app, socket, head, environment.contentLength, packet.bodyStart)
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
  socket.setTimeout(options.headerTimeoutMs)
  socket.on('timeout', onTimeout)
  socket.on('data', onData)
  socket.on('end', onEnd)
  socket.on('error', () => socket.destroy())
}

/** What net.Socket caches of its peer's address (lib/net.js `_getpeername`). */
interface PeerName {
  readonly address: string
  readonly port: number | undefined
  readonly family: string
}

/**
 * The socket as the app should see it: the client's address from REMOTE_ADDR and REMOTE_PORT (nginx's
 * peer, not nginx), and `encrypted` when the client reached nginx over TLS, which Express and Koa read to
 * tell https from http.
 *
 * net.Socket's remoteAddress, remotePort and remoteFamily getters answer from the peer name the socket
 * caches in `_peername` (every Node release since 0.x does): filling that cache in, for this socket alone,
 * is a plain property store, where shadowing the three getters with own properties took a few % of a
 * worker's CPU profile under a hello-world load. A unix socket has no peer name to overwrite; a TCP
 * socket's would be nginx's.
 */
function presentClient(socket: Socket, environment: CgiEnvironment): void {
  const client = socket as Socket & { _peername: PeerName; encrypted: boolean }
  client._peername = {
    address: environment.remoteAddr,
    port: environment.remotePort,
    family: environment.remoteAddr.includes(':') ? 'IPv6' : 'IPv4',
  }
  client.encrypted = environment.isHttps
}
