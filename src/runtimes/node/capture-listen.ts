// Most real entry files call `app.listen(PORT)` when imported (Express, Koa, Hono's serve()). In a worker
// that listen must not bind PORT: the instance's sockets are the app's. While the app loads, the first
// http.Server that calls listen() is captured instead: its callback and 'listening' event fire as if it had
// bound, and the worker feeds it the connections of every listener. Later http servers bind for real (an
// app's own metrics port, say), with a log line.
import http from 'node:http'
import net from 'node:net'

export interface ListenCapture {
  /** The captured server, once the app has called listen(). */
  readonly server: () => http.Server | undefined
  /** Resolves with the captured server when the app calls listen(). */
  readonly whenCaptured: Promise<http.Server>
  /** Puts net.Server.prototype.listen back. */
  restore(): void
}

type Listen = (this: net.Server, ...args: unknown[]) => net.Server

export function captureListen(log: (line: string) => void): ListenCapture {
  const original = net.Server.prototype.listen as unknown as Listen
  let captured: http.Server | undefined
  let resolveCaptured: (server: http.Server) => void = () => undefined
  const whenCaptured = new Promise<http.Server>((resolve) => {
    resolveCaptured = resolve
  })
  const capture = (server: http.Server): void => {
    captured = server
    resolveCaptured(server)
  }
  const replacement: Listen = function (this: net.Server, ...args: unknown[]) {
    if (!(this instanceof http.Server) || captured !== undefined) {
      if (this instanceof http.Server) log('app called listen() on a second http server: it binds for real')
      return original.apply(this, args)
    }
    capture(this)
    const callback = args.find((arg): arg is () => void => typeof arg === 'function')
    const port = args.find((arg): arg is number => typeof arg === 'number') ?? 0
    // Apps often log `server.address().port` in the callback: answer with the port they asked for.
    this.address = () => ({ address: '127.0.0.1', family: 'IPv4', port })
    Object.defineProperty(this, 'listening', { value: true, configurable: true })
    process.nextTick(() => {
      if (callback !== undefined) this.once('listening', callback)
      this.emit('listening')
    })
    return this
  }
  net.Server.prototype.listen = replacement as unknown as typeof net.Server.prototype.listen
  return {
    server: () => captured,
    whenCaptured,
    restore() {
      net.Server.prototype.listen = original as unknown as typeof net.Server.prototype.listen
    },
  }
}
