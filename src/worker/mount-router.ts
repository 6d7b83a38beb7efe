// `mount = /prefix=app.mjs` for Node.js apps: several apps in one worker, each answering the URLs under its
// mountpoint (uWSGI's mountpoints; the longest matching prefix wins, on a '/' boundary, a trailing '/'
// ignored). The app sees the path below its mountpoint in req.url, and the full one in req.originalUrl
// (Express's convention, which Express then keeps). Requests under no mountpoint go to `module`, if set.
import http from 'node:http'
import type { Duplex } from 'node:stream'

export interface MountedApp {
  /** As configured; '' or '/' is the default app. */
  readonly mountpoint: string
  readonly server: http.Server
}

const withoutTrailingSlash = (path: string): string => (path.endsWith('/') ? path.slice(0, -1) : path)

/** The app for `url`, and the URL as that app sees it. */
export function pickMount(
  apps: readonly MountedApp[],
  url: string,
): { app: MountedApp; url: string } | undefined {
  const [path = '', query] = url.split(/\?(.*)/s, 2)
  let best: MountedApp | undefined
  let bestLength = -1
  for (const app of apps) {
    const prefix = withoutTrailingSlash(app.mountpoint)
    const matches = prefix === '' || path === prefix || path.startsWith(`${prefix}/`)
    if (matches && prefix.length > bestLength) {
      best = app
      bestLength = prefix.length
    }
  }
  if (best === undefined) return undefined
  const rest = path.slice(Math.max(0, bestLength)) || '/'
  return { app: best, url: query === undefined ? rest : `${rest}?${query}` }
}

/** One http.Server that hands each request (and upgrade) to the app mounted for its URL. */
export function mountRouter(apps: readonly MountedApp[]): http.Server {
  const router = http.createServer((req, res) => {
    const picked = pickMount(apps, req.url ?? '/')
    if (picked === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('Not Found: no app is mounted here\n')
      return
    }
    Object.assign(req, { originalUrl: req.url, url: picked.url })
    picked.app.server.emit('request', req, res)
  })
  router.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const picked = pickMount(apps, req.url ?? '/')
    if (picked === undefined || picked.app.server.listenerCount('upgrade') === 0) {
      socket.destroy()
      return
    }
    Object.assign(req, { originalUrl: req.url, url: picked.url })
    picked.app.server.emit('upgrade', req, socket, head)
  })
  return router
}
