// A small HTTP/1.1 client for tests, on node:http: one request, the whole response body as a Buffer.
import http from 'node:http'
import type { TestContext } from 'node:test'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export type HttpTarget = string | URL | { readonly socketPath: string; readonly path: string }

export interface HttpRequestOptions {
  readonly method?: string
  readonly headers?: http.OutgoingHttpHeaders
  /** A stream is sent as it comes (chunked unless a content-length header is given) and never retried. */
  readonly body?: string | Uint8Array | Readable
  /** Without one, each request opens and closes its own connection. */
  readonly agent?: http.Agent
  /** Bounds a hang: the request is abandoned with an error after this long; 30 s unless told. */
  readonly timeoutMs?: number
}

export interface HttpResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
}

const defaultTimeoutMs = 30_000

/**
 * Sends one request and reads the whole response. A request that fails on a reused keep-alive connection
 * before any response byte arrived is sent again on a fresh one, as nginx and browsers do (DESIGN.md
 * "Testing"): the server may close an idle connection just as the request is written to it.
 */
export async function httpRequest(
  target: HttpTarget,
  options: HttpRequestOptions = {},
): Promise<HttpResponse> {
  const replayable = !(options.body instanceof Readable)
  for (;;) {
    const attempt = sendOnce(target, options)
    try {
      return await attempt.response
    } catch (error) {
      if (!(replayable && attempt.reusedSocket() && attempt.noResponseYet() && isConnectionLoss(error))) {
        throw error
      }
    }
  }
}

/** A keep-alive agent that is destroyed, closing its sockets, when the test ends. */
export function keepAliveAgent(t: TestContext, options: http.AgentOptions = {}): http.Agent {
  const agent = new http.Agent({ keepAlive: true, ...options })
  t.after(() => agent.destroy())
  return agent
}

interface Attempt {
  readonly response: Promise<HttpResponse>
  reusedSocket(): boolean
  noResponseYet(): boolean
}

function sendOnce(target: HttpTarget, options: HttpRequestOptions): Attempt {
  const method = options.method ?? 'GET'
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs
  const base: http.RequestOptions = {
    method,
    headers: options.headers ?? {},
    agent: options.agent ?? false,
  }
  const req =
    typeof target === 'string' || target instanceof URL
      ? http.request(target, base)
      : http.request({ ...base, socketPath: target.socketPath, path: target.path })
  let gotResponse = false
  const describe = `${method} ${describeTarget(target)}`
  const response = new Promise<HttpResponse>((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${timeoutMs}ms waiting for the response to ${describe}`))
    }, timeoutMs)
    req.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    req.once('response', (res) => {
      gotResponse = true
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.once('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      res.once('end', () => {
        clearTimeout(timer)
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
      })
    })
    const body = options.body
    if (body instanceof Readable) {
      // A failed upload also fails the request ('error' above), which carries the more useful error.
      pipeline(body, req).catch(() => undefined)
    } else {
      req.end(body)
    }
  })
  return { response, reusedSocket: () => req.reusedSocket, noResponseYet: () => !gotResponse }
}

function isConnectionLoss(error: unknown): boolean {
  const code = error instanceof Error && 'code' in error ? error.code : undefined
  return code === 'ECONNRESET' || code === 'EPIPE'
}

function describeTarget(target: HttpTarget): string {
  if (typeof target === 'string') return target
  if (target instanceof URL) return target.href
  return `unix:${target.socketPath}:${target.path}`
}
