// The emperor's control socket (`emperor-control`): `tsgi reload|stop|start NAME` connect here. One request
// line of JSON per connection, one answer line, then close (control/emperor-control.ts). The socket's file
// mode is its only access control, so it is a unix path made 0600 before anyone can connect: the emperor's
// user and root may act on vassals, nobody else. A request is bounded in size and time; whatever a client
// sends gets an answer or a close, never a crash.
import { chmodSync, lstatSync, renameSync, unlinkSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import path from 'node:path'

import { maxUnixPathBytes } from '../config/socket-address.js'
import {
  maxControlRequestBytes,
  parseControlRequest,
  type ControlAnswer,
  type ControlRequest,
} from '../control/emperor-control.js'
import { makeError } from '../errors/tsgi-error.js'
import { clearUnixPath } from '../platform/clear-unix-path.js'
import { closeServer } from '../platform/close-server.js'

/** Answers one request; `signal` aborts when the client goes away before the answer. */
export type ControlHandler = (request: ControlRequest, signal: AbortSignal) => Promise<ControlAnswer>

export interface EmperorControl {
  /** Stops accepting, drops open connections and removes the socket if it is still ours; idempotent. */
  close(): Promise<void>
}

/** A client has this long to send its request line; the wait for the answer after it is the command's. */
const requestTimeoutMs = 5_000
/** Connections served at once; more are closed at once. Only the emperor's user and root can connect. */
const maxConnections = 16

function badRequest(reason: string): ControlAnswer {
  const error = makeError('ERR_EMPEROR_CONTROL_BAD_REQUEST', { reason })
  return { ok: false, vassal: null, state: null, message: error.message, code: error.code }
}

/**
 * Binds `socketPath` with nobody able to connect before it is 0600: bound under a temporary name with a
 * umask that leaves only the owner's bits, then renamed into place. The rename also means libuv, which
 * unlinks the path it bound when the server closes, never removes the final path: close() does, and only
 * while that path is still this socket (a newer emperor may have taken it over).
 */
function bindPrivately(server: Server, socketPath: string): Promise<{ dev: number; ino: number }> {
  const candidate = path.join(path.dirname(socketPath), `.tsgi-control-${process.pid}.sock`)
  // A temporary name too long for sun_path: bound in place then (the umask still covers the bind).
  const temporary = Buffer.byteLength(candidate) <= maxUnixPathBytes ? candidate : socketPath
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        makeError('ERR_SOCKET_BIND', {
          address: socketPath,
          reason: `emperor-control: ${error.code ?? error.message}`,
        }),
      )
    }
    server.once('error', onError)
    // A socket left under this name by a process of ours that died: our pid, so nobody else's.
    if (temporary !== socketPath && lstatSync(temporary, { throwIfNoEntry: false })?.isSocket() === true)
      unlinkSync(temporary)
    // net's listen() on a path binds synchronously, so the umask covers exactly this bind.
    const previousUmask = process.umask(0o177)
    try {
      server.listen(temporary, () => {
        server.off('error', onError)
        try {
          chmodSync(temporary, 0o600)
          if (temporary !== socketPath) renameSync(temporary, socketPath)
          const stat = lstatSync(socketPath)
          resolve({ dev: stat.dev, ino: stat.ino })
        } catch (error) {
          server.close()
          onError(error as NodeJS.ErrnoException)
        }
      })
    } finally {
      process.umask(previousUmask)
    }
  })
}

/** Reads one request line from `socket`, answers it through `handle`, and closes. */
function serveConnection(socket: Socket, handle: ControlHandler, log: (line: string) => void): void {
  const gone = new AbortController()
  socket.once('close', () => gone.abort())
  socket.on('error', () => undefined)
  socket.setTimeout(requestTimeoutMs, () => socket.destroy())
  let received = Buffer.alloc(0)
  let isAnswered = false

  const answer = (reply: ControlAnswer): void => {
    if (!socket.destroyed) socket.end(`${JSON.stringify(reply)}\n`)
  }
  const respond = (line: Buffer): void => {
    isAnswered = true
    socket.off('data', onData)
    // Anything after the request line is read and dropped, so closing never resets the connection.
    socket.resume()
    socket.setTimeout(0)
    const request = parseControlRequest(line.toString('utf8'))
    if ('problem' in request) {
      log(`[emperor] control: refused a malformed request (${request.problem})`)
      answer(badRequest(request.problem))
      return
    }
    log(`[emperor] control: ${request.command} ${JSON.stringify(request.vassal)}`)
    handle(request, gone.signal).then(answer, (error: unknown) => {
      log(`[emperor] control: ${request.command} failed: ${String(error)}; this is a bug in tsgi`)
      const reason = 'the emperor failed to carry it out (this is a bug in tsgi; its log says more)'
      answer({ ok: false, vassal: null, state: null, message: reason, code: 'ERR_INTERNAL_ASSERTION' })
    })
  }
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk])
    const newline = received.indexOf(0x0a)
    if (newline !== -1 && newline <= maxControlRequestBytes) respond(received.subarray(0, newline))
    else if (received.length > maxControlRequestBytes) {
      isAnswered = true
      socket.off('data', onData)
      log('[emperor] control: refused an oversized request')
      answer(badRequest(`it is longer than ${maxControlRequestBytes} bytes`))
      socket.resume()
    }
  }
  socket.on('data', onData)
  // A client that half-closes after its request (`nc -N`) may leave out the newline.
  socket.once('end', () => {
    if (!isAnswered) respond(received)
  })
}

export async function startEmperorControl(
  socketPath: string,
  handle: ControlHandler,
  options: { readonly log: (line: string) => void },
): Promise<EmperorControl> {
  const sockets = new Set<Socket>()
  // Half-open: a client that shuts its side down after the request still gets the answer.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    serveConnection(socket, handle, options.log)
  })
  server.maxConnections = maxConnections
  server.on('error', (error) => options.log(`[emperor] control: ${error.message}`))

  const problem = await clearUnixPath(socketPath, socketPath)
  if (problem !== undefined) throw problem
  const bound = await bindPrivately(server, socketPath)
  options.log(`[emperor] control socket on ${socketPath}`)

  let closed: Promise<void> | undefined
  return {
    close() {
      closed ??= closeServer(server, sockets).then(() => {
        try {
          const stat = lstatSync(socketPath)
          if (stat.isSocket() && stat.dev === bound.dev && stat.ino === bound.ino) unlinkSync(socketPath)
        } catch {
          // Already gone, or not ours to remove after a privilege drop.
        }
      })
      return closed
    },
  }
}
