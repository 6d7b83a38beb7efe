// A small real uwsgi client for integration tests, speaking as nginx's uwsgi_pass does: one packet (header +
// vars), then the body, then it reads the raw HTTP response until the server closes (reference §3.1, §3.4).
// It never half-closes its side, as nginx does not: a server may not rely on seeing the end of the body.
import net from 'node:net'

import { encodeVars, type EncodableVar } from '../../src/protocols/uwsgi/vars-encoder.js'

export type UwsgiTarget = { readonly path: string } | { readonly host: string; readonly port: number }

export type UwsgiRequestOptions = UwsgiTarget & {
  /** The vars, in order; string values are Latin-1 (see EncodableVar), bytes are sent as they are. */
  readonly vars: readonly EncodableVar[]
  readonly body?: Buffer | AsyncIterable<Buffer>
  readonly modifier1?: number
  readonly modifier2?: number
  /** Sent instead of the encoded vars, for malformed-packet tests. */
  readonly packet?: Buffer
  /** Deadline for the whole exchange. Default 10 s. */
  readonly timeoutMs?: number
}

export interface UwsgiResponse {
  readonly status: number
  readonly statusText: string
  /** Lower-case names; a repeated header's values joined with ', '. */
  readonly headers: Readonly<Record<string, string>>
  /** Every header line in order, names as sent. */
  readonly rawHeaders: ReadonlyArray<readonly [name: string, value: string]>
  readonly body: Buffer
}

/** Sends one request and resolves with the response once the server closes the connection. */
export async function uwsgiRequest(options: UwsgiRequestOptions): Promise<UwsgiResponse> {
  const { timeoutMs = 10_000 } = options
  const packet =
    options.packet ??
    encodeVars(options.vars, {
      ...(options.modifier1 === undefined ? {} : { modifier1: options.modifier1 }),
      ...(options.modifier2 === undefined ? {} : { modifier2: options.modifier2 }),
    })
  const socket = 'path' in options ? net.connect(options.path) : net.connect(options.port, options.host)
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  const closed = new Promise<void>((resolve, reject) => {
    socket.on('error', reject)
    socket.on('close', (hadError) => {
      if (!hadError) resolve()
    })
  })
  // Awaited below; until then an early error (ECONNREFUSED) must not count as an unhandled rejection.
  closed.catch(() => undefined)
  const deadline = setTimeout(() => {
    socket.destroy(new Error(`uwsgi server did not close the connection within ${timeoutMs} ms`))
  }, timeoutMs)
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    await write(socket, packet)
    const { body } = options
    if (body !== undefined && Symbol.asyncIterator in body)
      for await (const chunk of body) await write(socket, chunk)
    else if (body !== undefined) await write(socket, body)
    await closed
  } finally {
    clearTimeout(deadline)
    socket.destroy()
  }
  return parseResponse(Buffer.concat(chunks))
}

/** Writes and waits for the kernel to take the bytes, so a large body streams instead of piling up. */
async function write(socket: net.Socket, bytes: Buffer): Promise<void> {
  if (socket.destroyed) throw new Error('uwsgi server closed the connection while the request was sent')
  await new Promise<void>((resolve, reject) => {
    socket.write(bytes, (error) => (error ? reject(error) : resolve()))
  })
}

function parseResponse(bytes: Buffer): UwsgiResponse {
  if (bytes.length === 0) throw new Error('uwsgi server closed the connection without a response')
  const end = bytes.indexOf('\r\n\r\n')
  if (end === -1)
    throw new Error(`response head has no blank line: ${JSON.stringify(bytes.toString('latin1', 0, 200))}`)
  const [statusLine = '', ...headerLines] = bytes.toString('latin1', 0, end).split('\r\n')
  const match = /^HTTP\/\d\.\d (\d{3})(?: (.*))?$/.exec(statusLine)
  if (match === null)
    throw new Error(`response does not start with a status line: ${JSON.stringify(statusLine)}`)
  const rawHeaders = headerLines.map((line): [string, string] => {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new Error(`response header line has no name: ${JSON.stringify(line)}`)
    return [line.slice(0, colon), line.slice(colon + 1).trim()]
  })
  const headers: Record<string, string> = {}
  for (const [name, value] of rawHeaders) {
    const key = name.toLowerCase()
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`
  }
  return {
    status: Number(match[1]),
    statusText: match[2] ?? '',
    headers,
    rawHeaders,
    body: bytes.subarray(end + 4),
  }
}

/** What nginx's uwsgi_params sends for a request to `uri` (path and query as the client wrote them). */
export function nginxParams(
  uri: string,
  options: { readonly method?: string; readonly contentType?: string; readonly contentLength?: number } = {},
): [string, string][] {
  const [pathPart = '/', query = ''] = uri.split('?', 2)
  return [
    ['QUERY_STRING', query],
    ['REQUEST_METHOD', options.method ?? 'GET'],
    ['CONTENT_TYPE', options.contentType ?? ''],
    ['CONTENT_LENGTH', options.contentLength === undefined ? '' : String(options.contentLength)],
    ['REQUEST_URI', uri],
    ['PATH_INFO', decodeURIComponent(pathPart)],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['REQUEST_SCHEME', 'http'],
    ['REMOTE_ADDR', '127.0.0.1'],
    ['REMOTE_PORT', '40000'],
    ['SERVER_PORT', '80'],
    ['SERVER_NAME', 'localhost'],
    ['HTTP_HOST', 'localhost'],
  ]
}

/** Sends raw bytes, half-closes, and resolves with whatever came back once the server closes. */
export function sendRawBytes(socketPath: string, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath)
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', () => resolve(Buffer.concat(chunks)))
    socket.on('close', () => resolve(Buffer.concat(chunks)))
    socket.end(bytes)
  })
}
