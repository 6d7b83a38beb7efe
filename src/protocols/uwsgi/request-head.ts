// Turns a uwsgi request into the HTTP request it stands for: the request line and the header list, as Node's
// HTTP parser would have produced them from the client's request (src/worker/uwsgi-request.ts presents
// them to the app as an http.IncomingMessage). Pure: no I/O.
//
// The app sees an HTTP/1.0 request on purpose: Node then answers without chunked framing and closes the
// connection when the response ends, which is exactly what nginx's uwsgi module needs (it reads the body
// until close and never reuses the connection; reference §3.4, §8 item 13). The client's real version
// stays in SERVER_PROTOCOL.
import { makeError, type TsgiError } from '../../errors/tsgi-error.js'
import type { CgiEnvironment } from './cgi-environment.js'
import { findVar } from './find-var.js'

/**
 * HTTP_* vars not passed on, with why. nginx sends the framing of the *client's* request, but the body that
 * follows the vars is always plain bytes of CONTENT_LENGTH length (nginx de-chunks), so these would tell
 * the app something false (reference §3.3): a second Content-Length, or Transfer-Encoding: chunked.
 * Connection and Keep-Alive are hop-by-hop; Connection is rebuilt below.
 */
const droppedHeaderVars = new Set([
  'HTTP_CONTENT_LENGTH',
  'HTTP_CONTENT_TYPE',
  'HTTP_TRANSFER_ENCODING',
  'HTTP_CONNECTION',
  'HTTP_KEEP_ALIVE',
])

/** An HTTP method is a token (RFC 9110 §5.6.2). */
const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** What may follow HTTP_ in a var that becomes a header: nginx sends A-Z, 0-9 and '_'. */
const headerVarName = /^HTTP_([A-Za-z0-9_-]+)$/
const badValueCharacter = /[\r\n\0]/
const connectionUpgrade = /(?:^|,)\s*upgrade\s*(?:,|$)/i

export interface RequestHead {
  readonly method: string
  /** The request target, as req.url has it. */
  readonly url: string
  /** Name, value, name, value…: what req.rawHeaders holds. */
  readonly rawHeaders: string[]
  /** `Connection: upgrade` and an Upgrade header: a WebSocket handshake, say. */
  readonly isUpgrade: boolean
}

/**
 * Returns the request head: the method and URI, then the headers Host (synthesised from SERVER_NAME and
 * SERVER_PORT when no HTTP_HOST came), Content-Length and Content-Type from CONTENT_LENGTH and CONTENT_TYPE
 * when not empty, one header per HTTP_* var in order (X-Foo-Bar for HTTP_X_FOO_BAR; duplicates kept, for
 * Node to join), and `Connection: upgrade` for an upgrade request.
 *
 * Throws ERR_PROTOCOL_BAD_REQUEST_LINE for a method that is not a token or a URI with whitespace or
 * control characters, ERR_PROTOCOL_BAD_HEADER_NAME and ERR_PROTOCOL_BAD_HEADER_VALUE (CR, LF, NUL) for a
 * var that cannot become a header line.
 */
export function readRequestHead(environment: CgiEnvironment): RequestHead {
  const { method, uri, vars, contentLength } = environment
  if (!token.test(method)) {
    throw makeError('ERR_PROTOCOL_BAD_REQUEST_LINE', {
      key: 'REQUEST_METHOD',
      expected: 'an HTTP token',
      value: method,
    })
  }
  if (uri === '' || hasSpaceOrControl(uri)) {
    throw makeError('ERR_PROTOCOL_BAD_REQUEST_LINE', {
      key: 'REQUEST_URI',
      expected: 'a request target without spaces or control characters',
      value: uri,
    })
  }
  // One pass over the vars: this runs for every request.
  let hasHost = false
  let hasUpgrade = false
  let isUpgrade = false
  let contentType = ''
  const headerVars: string[] = []
  /** The first HTTP_* var that cannot become a header line; thrown after the lines before it are checked. */
  let badVar: TsgiError | undefined
  for (const [key, value] of vars) {
    if (key === 'CONTENT_TYPE') contentType = value
    if (!key.startsWith('HTTP_')) continue
    if (key === 'HTTP_HOST') hasHost = true
    else if (key === 'HTTP_UPGRADE') hasUpgrade = true
    else if (key === 'HTTP_CONNECTION') isUpgrade ||= connectionUpgrade.test(value)
    if (droppedHeaderVars.has(key) || badVar !== undefined) continue
    const name = headerNameOf(key)
    if (name === undefined) badVar = makeError('ERR_PROTOCOL_BAD_HEADER_NAME', { key })
    else if (badValueCharacter.test(value)) badVar = makeError('ERR_PROTOCOL_BAD_HEADER_VALUE', { key })
    else headerVars.push(name, value)
  }
  const framing: string[] = []
  const add = (name: string, value: string, key: string): void => {
    if (badValueCharacter.test(value)) throw makeError('ERR_PROTOCOL_BAD_HEADER_VALUE', { key })
    framing.push(name, value)
  }
  if (!hasHost) {
    const host = synthesiseHost(environment)
    if (host !== undefined) add('Host', host, 'SERVER_NAME')
  }
  if (contentLength !== undefined) framing.push('Content-Length', String(contentLength))
  if (contentType !== '') add('Content-Type', contentType, 'CONTENT_TYPE')
  if (badVar !== undefined) throw badVar
  const rawHeaders = framing.concat(headerVars)
  // An upgrade (WebSocket) needs `Connection: upgrade` plus an Upgrade header, as Node's parser has it;
  // nginx tunnels the 101 answer (reference §3.4). Any other Connection value is dropped.
  isUpgrade &&= hasUpgrade
  if (isUpgrade) rawHeaders.push('Connection', 'upgrade')
  return { method, url: uri, rawHeaders, isUpgrade }
}

/**
 * Header names by var, for the few dozen vars nginx sends on every request: converting each anew was a
 * visible part of a hello-world request. Bounded, so a client inventing names cannot grow it.
 */
const headerNames = new Map<string, string>()
const maxCachedHeaderNames = 512

/** HTTP_X_FOO_BAR → X-Foo-Bar; undefined for a var that cannot be a header. */
function headerNameOf(key: string): string | undefined {
  let name = headerNames.get(key)
  if (name === undefined) {
    const match = headerVarName.exec(key)
    if (match?.[1] === undefined) return undefined
    name = toHeaderName(match[1])
    if (headerNames.size < maxCachedHeaderNames) headerNames.set(key, name)
  }
  return name
}

/** X_FOO_BAR → X-Foo-Bar. */
function toHeaderName(varName: string): string {
  return varName
    .split(/[_-]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase())
    .join('-')
}

/** SERVER_NAME, plus SERVER_PORT unless it is the scheme's default (PEP 3333's URL reconstruction). */
function synthesiseHost(environment: CgiEnvironment): string | undefined {
  const name = findVar(environment.vars, 'SERVER_NAME') ?? ''
  if (name === '' || hasSpaceOrControl(name)) return undefined
  const port = findVar(environment.vars, 'SERVER_PORT') ?? ''
  const defaultPort = environment.isHttps ? '443' : '80'
  return /^\d{1,5}$/.test(port) && port !== defaultPort ? `${name}:${port}` : name
}

/** A request target has no space or control character (0x00-0x20, 0x7F); bytes above 0x7F pass. */
function hasSpaceOrControl(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code <= 0x20 || code === 0x7f) return true
  }
  return false
}
