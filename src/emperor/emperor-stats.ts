// The emperor's stats server (`emperor-stats`, reference §1.12): on each connection it writes one JSON
// document (emperor-stats-document.ts) and closes, as uWSGI's emperor does, so uwsgitop and other tools keep
// working. A unix socket is made 0660: the emperor's user and group may read the document, nobody else (it
// names every vassal and its errors). `tsgi status` is its reader.
import { chmodSync, unlinkSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'

import type { SocketAddress } from '../config/socket-address.js'
import { makeError } from '../errors/tsgi-error.js'
import { clearUnixPath } from '../platform/clear-unix-path.js'
import { closeServer } from '../platform/close-server.js'
import type { EmperorStatsDocument } from './emperor-stats-document.js'

export interface EmperorStatsOptions {
  /** `stats-http`: read the request head first and answer with an HTTP/1.0 response. */
  readonly isHttp: boolean
  /** `stats-minified`: no indentation. */
  readonly isMinified: boolean
  readonly log: (line: string) => void
}

export interface EmperorStats {
  /** Stops accepting and removes a unix socket; idempotent. */
  close(): Promise<void>
}

/** How much of a request head `stats-http` reads before it answers anyway. */
const maxRequestHeadBytes = 8192
/** A client that neither asks nor closes is dropped after this long. */
const idleTimeoutMs = 10_000

function listenOn(server: Server, address: SocketAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        makeError('ERR_SOCKET_BIND', {
          address: address.text,
          reason: `emperor-stats: ${error.code ?? error.message}`,
        }),
      )
    }
    server.once('error', onError)
    const onListening = (): void => {
      server.off('error', onError)
      resolve()
    }
    switch (address.kind) {
      case 'unix':
        server.listen(address.path, onListening)
        break
      case 'abstract':
        server.listen(`\0${address.name}`, onListening)
        break
      case 'tcp': {
        const host = address.host === '' || address.host === '*' ? undefined : address.host
        server.listen({ host, port: address.port }, onListening)
        break
      }
      default:
        server.off('error', onError)
        reject(
          makeError('ERR_CONFIG_INVALID_VALUE', {
            option: 'emperor-stats',
            expected: 'a unix socket path, @abstract-name or host:port',
            value: address.text,
          }),
        )
    }
  })
}

export async function startEmperorStats(
  address: SocketAddress,
  snapshot: () => EmperorStatsDocument,
  options: EmperorStatsOptions,
): Promise<EmperorStats> {
  const sockets = new Set<Socket>()
  const answer = (socket: Socket): void => {
    let body: string
    try {
      body = `${JSON.stringify(snapshot(), null, options.isMinified ? undefined : '\t')}\n`
    } catch (error) {
      options.log(`[emperor-stats] cannot build the stats document: ${String(error)}`)
      socket.destroy()
      return
    }
    const head = options.isHttp
      ? 'HTTP/1.0 200 OK\r\nConnection: close\r\nAccess-Control-Allow-Origin: *\r\n' +
        'Content-Type: application/json\r\n\r\n'
      : ''
    socket.end(head + body)
  }
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    socket.setTimeout(idleTimeoutMs, () => socket.destroy())
    if (!options.isHttp) {
      // Whatever the client sends is read and dropped, so closing never resets the connection.
      socket.resume()
      answer(socket)
      return
    }
    let head = ''
    let isAnswered = false
    const once = (): void => {
      if (isAnswered) return
      isAnswered = true
      socket.resume()
      answer(socket)
    }
    socket.on('data', (chunk: Buffer) => {
      if (isAnswered) return
      head += chunk.toString('latin1')
      if (head.includes('\r\n\r\n') || head.includes('\n\n') || head.length >= maxRequestHeadBytes) once()
    })
    socket.once('end', once)
  })
  server.on('error', (error) => options.log(`[emperor-stats] ${error.message}`))

  if (address.kind === 'unix') {
    const problem = await clearUnixPath(address.path, address.text)
    if (problem !== undefined) throw problem
  }
  await listenOn(server, address)
  if (address.kind === 'unix') chmodSync(address.path, 0o660)
  options.log(`[emperor] stats server on ${address.text}`)

  let closed: Promise<void> | undefined
  return {
    close() {
      closed ??= closeServer(server, sockets).then(() => {
        if (address.kind !== 'unix') return
        try {
          unlinkSync(address.path)
        } catch {
          // libuv already removed it.
        }
      })
      return closed
    },
  }
}
