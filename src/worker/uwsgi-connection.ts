// A uwsgi request presented to a Node http.Server as if it were an HTTP/1.0 connection: the readable side
// yields the request head built from the uwsgi vars, then the body bytes as they arrive; the writable side
// goes straight to the client socket. Node answers a 1.0 request without chunked framing and closes, which
// is what nginx's uwsgi module reads (reference §8 item 13). An upgrade (WebSocket) becomes a tunnel.
import { Duplex } from 'node:stream'
import type { Socket } from 'node:net'

import type { CgiEnvironment } from '../protocols/uwsgi/cgi-environment.js'

export class UwsgiConnection extends Duplex {
  readonly #socket: Socket
  readonly remoteAddress: string
  readonly remotePort: number | undefined
  readonly remoteFamily: string
  /** Express and friends read `req.socket.encrypted` to tell https from http. */
  readonly encrypted: boolean
  #bytesWritten = 0

  constructor(socket: Socket, head: Buffer, bodyStart: Buffer, environment: CgiEnvironment) {
    super({ allowHalfOpen: false })
    this.#socket = socket
    this.remoteAddress = environment.remoteAddr
    this.remotePort = environment.remotePort
    this.remoteFamily = environment.remoteAddr.includes(':') ? 'IPv6' : 'IPv4'
    this.encrypted = environment.isHttps
    this.push(head)
    if (bodyStart.length > 0) this.push(bodyStart)
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause()
    })
    socket.on('end', () => this.push(null))
    socket.on('error', (error) => this.destroy(error))
    socket.on('close', () => {
      if (!this.destroyed) this.destroy()
    })
  }

  get bytesWritten(): number {
    return this.#bytesWritten
  }

  get localAddress(): string | undefined {
    return this.#socket.localAddress
  }

  override _read(): void {
    this.#socket.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // Node's http server ends each response with an empty write; nginx may have closed by then (it stops
    // at Content-Length), and the write would only fail with EPIPE: skip it (measured in bench/README.md).
    if (chunk.length === 0) {
      callback()
      return
    }
    this.#bytesWritten += chunk.length
    this.#socket.write(chunk, callback)
  }

  /** Head and body in one writev, as a plain net.Socket does. */
  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const buffers = chunks.map(({ chunk }) => chunk).filter((chunk) => chunk.length > 0)
    if (buffers.length === 0) {
      callback()
      return
    }
    this.#bytesWritten += buffers.reduce((sum, chunk) => sum + chunk.length, 0)
    this.#socket.cork()
    for (const [index, chunk] of buffers.entries())
      this.#socket.write(chunk, index === buffers.length - 1 ? callback : undefined)
    this.#socket.uncork()
  }

  /** What Node's http server calls at the end of a response it will not keep alive: end, then close. */
  destroySoon(): void {
    if (this.writableFinished) this.destroy()
    else {
      this.once('finish', () => this.destroy())
      this.end()
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#socket.end(callback)
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#socket.destroy()
    callback(error)
  }

  // The net.Socket methods Node's http server and common apps call on a connection.
  setTimeout(timeoutMs: number, callback?: () => void): this {
    this.#socket.setTimeout(timeoutMs)
    if (callback !== undefined) this.#socket.once('timeout', callback)
    this.#socket.once('timeout', () => this.emit('timeout'))
    return this
  }

  setNoDelay(noDelay?: boolean): this {
    this.#socket.setNoDelay(noDelay)
    return this
  }

  setKeepAlive(enable?: boolean, initialDelayMs?: number): this {
    this.#socket.setKeepAlive(enable, initialDelayMs)
    return this
  }

  ref(): this {
    this.#socket.ref()
    return this
  }

  unref(): this {
    this.#socket.unref()
    return this
  }
}
