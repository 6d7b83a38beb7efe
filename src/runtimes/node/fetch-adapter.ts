// Serves a fetch-style handler (`{ fetch(Request): Response }`, as Hono and others export) as a Node request
// listener: IncomingMessage → Request, Response → ServerResponse, bodies streamed both ways.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'

export type FetchHandler = (request: Request) => Response | Promise<Response>

function toRequest(req: IncomingMessage): Request {
  const isTls = (req.socket as { encrypted?: boolean }).encrypted === true
  const host = req.headers.host ?? 'localhost'
  const url = new URL(req.url ?? '/', `${isTls ? 'https' : 'http'}://${host}`)
  const headers = new Headers()
  for (let index = 0; index < req.rawHeaders.length; index += 2) {
    const name = req.rawHeaders[index]
    const value = req.rawHeaders[index + 1]
    if (name !== undefined && value !== undefined) headers.append(name, value)
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  const init: RequestInit & { duplex?: 'half' } = { method: req.method ?? 'GET', headers }
  if (hasBody) {
    init.body = Readable.toWeb(req) as unknown as NonNullable<RequestInit['body']>
    init.duplex = 'half'
  }
  return new Request(url, init)
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {}
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') return
    headers[name] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  res.writeHead(response.status, response.statusText, headers)
  if (response.body === null) {
    res.end()
    return
  }
  const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>)
  await new Promise<void>((resolve, reject) => {
    body.on('error', reject)
    res.on('close', resolve)
    body.pipe(res)
  })
}

export function fetchListener(handler: FetchHandler, log: (line: string) => void): RequestListener {
  return (req, res) => {
    Promise.resolve()
      .then(() => handler(toRequest(req)))
      .then((response) => writeResponse(response, res))
      .catch((error: unknown) => {
        log(
          `fetch handler failed for ${req.method ?? ''} ${req.url ?? ''}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        )
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' })
          res.end('Internal Server Error\n')
        } else {
          res.destroy()
        }
      })
  }
}
