// Turns a uwsgi request into the bytes of an HTTP/1.0 request head, for a Node http.Server to parse as if a
// client had sent it. Pure: no I/O.
//
// HTTP/1.0 on purpose: Node then answers without chunked framing and closes the connection when the response
// ends, which is exactly what nginx's uwsgi module needs (it reads the body until close and never reuses the
// connection; reference §3.4, §8 item 13). The client's real version stays in SERVER_PROTOCOL.
import { makeError, type TsgiError } from '../../errors/tsgi-error.js'
import type { CgiEnvironment } from './cgi-environment.js'
import { findVar } from './find-var.js'

/**
 * HTTP_* vars not passed on, with why. nginx sends the framing of the *client's* request, but the body that
 * follows the vars is always plain bytes of CONTENT_LENGTH length (nginx de-chunks), so these would make
 * Node misread it (reference §3.3): a second Content-Length, or Transfer-Encoding: chunked. Connection and
 * Keep-Alive are hop-by-hop and would make Node keep the connection open; Connection is rebuilt below.
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

/**
 * Returns the request head: `METHOD URI HTTP/1.0`, then Host (synthesised from SERVER_NAME and SERVER_PORT
 * when no HTTP_HOST came), Content-Length and Content-Type from CONTENT_LENGTH and CONTENT_TYPE when not
 * empty, one header per HTTP_* var in order (X-Foo-Bar for HTTP_X_FOO_BAR; duplicates kept for Node to
 * join), `Connection: upgrade` for an upgrade request, and the blank line.
 *
 * Throws ERR_PROTOCOL_BAD_REQUEST_LINE for a method that is not a token or a URI with whitespace or
 * control characters, ERR_PROTOCOL_BAD_HEADER_NAME and ERR_PROTOCOL_BAD_HEADER_VALUE (CR, LF, NUL) for a
 * var that cannot become a header line.
 */
export function buildRequestHead(environment: CgiEnvironment): Buffer {
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
  // One pass over the vars, and the head built as one string: this runs for every request.
  let hasHost = false
  let hasUpgrade = false
  let isUpgrade = false
  let contentType = ''
  let headerLines = ''
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
    else headerLines += `${name}: ${value}\r\n`
  }
  const line = (name: string, value: string, key: string): string => {
    if (badValueCharacter.test(value)) throw makeError('ERR_PROTOCOL_BAD_HEADER_VALUE', { key })
    return `${name}: ${value}\r\n`
  }
  let head = `${method} ${uri} HTTP/1.0\r\n`
  if (!hasHost) {
    const host = synthesiseHost(environment)
    if (host !== undefined) head += line('Host', host, 'SERVER_NAME')
  }
  if (contentLength !== undefined) head += `Content-Length: ${contentLength}\r\n`
  if (contentType !== '') head += line('Content-Type', contentType, 'CONTENT_TYPE')
  if (badVar !== undefined) throw badVar
  head += headerLines
  // Node emits 'upgrade' (WebSocket) only for `Connection: upgrade` plus an Upgrade header; nginx tunnels
  // the 101 answer (reference §3.4). Any other Connection value is dropped: HTTP/1.0 means close.
  if (isUpgrade && hasUpgrade) head += 'Connection: upgrade\r\n'
  return Buffer.from(`${head}\r\n`, 'latin1')
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
