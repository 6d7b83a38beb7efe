// One uwsgi request presented to the app's http.Server the way Node's own HTTP server presents a request:
// an http.IncomingMessage carrying the head and the body, an http.ServerResponse writing to the
// connection's socket, emitted as 'request' (or 'upgrade'). Handing Node's server an HTTP head built from
// the vars, for it to parse again, cost a tenth of a hello-world request (bench/README.md).
//
// What Node's server does for a request on a connection it closes afterwards (lib/_http_server.js:
// parserOnIncoming, resOnFinish, socketOnClose, socketOnTimeout), and so this does too:
// - The request is HTTP/1.0 without keep-alive, so Node writes the response unchunked with
//   `Connection: close`, which is what nginx's uwsgi module reads (reference §8 item 13); once it is
//   finished, the socket is ended and closed.
// - The body is pushed into the request as it arrives, and the socket stops reading while the app does
//   not read (backpressure); bytes past CONTENT_LENGTH are not the request's. The response emits 'drain'
//   when the socket has taken what it could not before (backpressure the other way).
// - A connection that closes before the response finished aborts the request ('aborted', and an
//   ECONNRESET 'error' for whoever listens).
// - A socket timeout (server.timeout, req.setTimeout, res.setTimeout) goes to whoever listens for it on
//   the request, the response or the server; without any listener it closes the socket.
// - An upgrade request goes to the 'upgrade' listeners with the socket and the bytes after the head; when
//   there are none, it is an ordinary request.
// - http.createServer's IncomingMessage, ServerResponse and uniqueHeaders options are honoured, and the
//   http.server.request.start and http.server.response.finish diagnostics channels are published.
// Not done for uwsgi connections: the server's 'connection' and 'clientError' events, requestTimeout and
// headersTimeout (the vars are in before the app sees anything; nginx bounds the body), and
// server.closeAllConnections(); tsgi's drain tracks these sockets itself.
import { channel } from 'node:diagnostics_channel'
import http from 'node:http'
import type { Socket } from 'node:net'

import type { RequestHead } from '../protocols/uwsgi/request-head.js'

interface ServerOptions {
  readonly IncomingMessage: typeof http.IncomingMessage
  readonly ServerResponse: typeof http.ServerResponse
  /** http.createServer's uniqueHeaders, as Node stores it, for each response. */
  readonly uniqueHeaders: [symbol, unknown] | undefined
  readonly joinDuplicateHeaders: boolean
}

const optionsByServer = new WeakMap<http.Server, ServerOptions>()

/** Node keeps these options under symbols it does not export: found once per server by description. */
function serverOptions(server: http.Server): ServerOptions {
  let options = optionsByServer.get(server)
  if (options === undefined) {
    const record = server as unknown as Record<symbol, unknown> & { joinDuplicateHeaders?: boolean }
    const symbol = (description: string): symbol | undefined =>
      Object.getOwnPropertySymbols(server).find((s) => s.description === description)
    const option = (description: string): unknown => {
      const key = symbol(description)
      return key === undefined ? undefined : record[key]
    }
    const uniqueHeadersKey = symbol('kUniqueHeaders')
    options = {
      IncomingMessage:
        (option('IncomingMessage') as typeof http.IncomingMessage | undefined) ?? http.IncomingMessage,
      ServerResponse:
        (option('ServerResponse') as typeof http.ServerResponse | undefined) ?? http.ServerResponse,
      uniqueHeaders:
        uniqueHeadersKey === undefined ? undefined : [uniqueHeadersKey, record[uniqueHeadersKey]],
      joinDuplicateHeaders: record.joinDuplicateHeaders === true,
    }
    optionsByServer.set(server, options)
  }
  return options
}

/** Request fields Node's parser sets that @types/node does not declare. */
interface ParserFields {
  upgrade: boolean
  joinDuplicateHeaders: boolean
  _addHeaderLines(rawHeaders: string[], count: number): void
}

/**
 * OutgoingMessage's "a write returned false" flag (Node keeps it under a symbol it does not export), which
 * Node's server clears when the socket drains, just before it emits 'drain' on the response.
 */
const needDrain = Object.getOwnPropertySymbols(new http.OutgoingMessage()).find(
  (symbol) => symbol.description === 'kNeedDrain',
)

const requestStart = channel('http.server.request.start')
const responseFinish = channel('http.server.response.finish')

/** What Node's server destroys an unfinished request with when its connection closes. */
function abortedError(): Error {
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' })
}

/**
 * Emits the request `head` on `server`, its body being `bodyStart` and then `socket`'s data up to
 * `contentLength` bytes. The caller has taken its own listeners off the socket.
 */
export function emitUwsgiRequest(
  server: http.Server,
  socket: Socket,
  head: RequestHead,
  contentLength: number | undefined,
  bodyStart: Buffer,
): void {
  const options = serverOptions(server)
  const req = new options.IncomingMessage(socket) as http.IncomingMessage & ParserFields
  req.httpVersionMajor = 1
  req.httpVersionMinor = 0
  req.httpVersion = '1.0'
  req.method = head.method
  req.url = head.url
  // How Node's parser hands a request its headers: rawHeaders, and the count req.headers is built from.
  req._addHeaderLines(head.rawHeaders, head.rawHeaders.length)
  req.joinDuplicateHeaders = options.joinDuplicateHeaders
  if (head.isUpgrade && server.listenerCount('upgrade') > 0) {
    req.upgrade = true
    req.complete = true
    req.push(null)
    // As Node leaves it: not flowing until the upgrade handler reads, so no tunnelled byte is lost.
    ;(socket as { readableFlowing: boolean | null }).readableFlowing = null
    server.emit('upgrade', req, socket, bodyStart)
    return
  }
  req.upgrade = false
  readBody(req, socket, contentLength ?? 0, bodyStart)

  const res = new options.ServerResponse(req)
  res.shouldKeepAlive = false
  if (options.uniqueHeaders !== undefined) {
    const [key, value] = options.uniqueHeaders
    ;(res as unknown as Record<symbol, unknown>)[key] = value
  }
  if (requestStart.hasSubscribers) requestStart.publish({ request: req, response: res, socket, server })
  res.assignSocket(socket)
  let isFinished = false
  res.on('finish', () => {
    isFinished = true
    if (responseFinish.hasSubscribers) responseFinish.publish({ request: req, response: res, socket, server })
    // A body the app never started reading is read and dropped, as Node does: closing a socket with
    // unread bytes would reset the connection rather than close it.
    if (req.readableFlowing === null) req.resume()
    res.detachSocket(socket)
    process.nextTick(emitClose, res)
    socket.destroySoon()
  })
  // A response written faster than the client reads waits for 'drain' (backpressure).
  socket.on('drain', () => {
    if (!res.writableNeedDrain) return
    if (needDrain !== undefined) (res as unknown as Record<symbol, unknown>)[needDrain] = false
    res.emit('drain')
  })
  socket.on('close', () => {
    if (!isFinished) req.destroy(abortedError())
  })
  if (server.timeout > 0) socket.setTimeout(server.timeout)
  socket.on('timeout', () => {
    const heardByRequest = !req.complete && req.emit('timeout', socket)
    const heardByResponse = !isFinished && res.emit('timeout', socket)
    const heardByServer = server.emit('timeout', socket)
    if (!heardByRequest && !heardByResponse && !heardByServer) socket.destroy()
  })
  server.emit('request', req, res)
}

/** The request's body: `bodyStart`, then the socket's data, `length` bytes in all. */
function readBody(req: http.IncomingMessage, socket: Socket, length: number, bodyStart: Buffer): void {
  let remaining = length
  const end = (): void => {
    req.complete = true
    req.push(null)
  }
  if (remaining === 0) {
    end()
    return
  }
  const onData = (chunk: Buffer): void => {
    const body = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk
    remaining -= body.length
    // The request's _read resumes the socket when the app reads again.
    if (!req.push(body)) socket.pause()
    if (remaining === 0) {
      socket.off('data', onData)
      end()
    }
  }
  socket.on('data', onData)
  if (bodyStart.length > 0) onData(bodyStart)
}

/** As Node's server ends a response's life once its socket is let go: destroyed, 'close' emitted once. */
function emitClose(res: http.ServerResponse): void {
  const state = res as http.ServerResponse & { _closed?: boolean; destroyed: boolean }
  if (state._closed === true) return
  state.destroyed = true
  state._closed = true
  res.emit('close')
}
