// The CGI view of a uwsgi request: the handful of vars a runtime reads, parsed once, with nginx's quirks
// (reference §3.3, §8 item 14) smoothed over. Pure: no I/O.
import { makeError } from '../../errors/tsgi-error.js'
import { findVar } from './find-var.js'
import type { UwsgiVar } from './vars-decoder.js'

export interface CgiEnvironment {
  /** REQUEST_METHOD; 'GET' when absent or empty. */
  readonly method: string
  /** REQUEST_URI as sent (raw, not decoded), or rebuilt from SCRIPT_NAME + PATH_INFO + QUERY_STRING. */
  readonly uri: string
  /** SERVER_PROTOCOL: the client's HTTP version at nginx ('HTTP/1.1'); 'HTTP/1.0' when absent. */
  readonly serverProtocol: string
  /** REMOTE_ADDR; '' when absent. */
  readonly remoteAddr: string
  /** REMOTE_PORT; undefined when absent or not a port number. */
  readonly remotePort: number | undefined
  /** Whether the client reached nginx over TLS (UWSGI_SCHEME, else HTTPS, else REQUEST_SCHEME). */
  readonly isHttps: boolean
  /** SCRIPT_NAME (nginx never sends it; applyScriptName sets it); '' when absent. */
  readonly scriptName: string
  /** PATH_INFO: URL-decoded by nginx, in Latin-1 like every value; '' when absent. */
  readonly pathInfo: string
  /** QUERY_STRING; '' when absent. */
  readonly queryString: string
  /** CONTENT_LENGTH; undefined when absent or empty (nginx sends '' for a request without a body). */
  readonly contentLength: number | undefined
  readonly vars: readonly UwsgiVar[]
}

/**
 * Reads the CGI environment of `vars` (a repeated key: the last one wins). Throws
 * ERR_PROTOCOL_BAD_CONTENT_LENGTH for a CONTENT_LENGTH that is neither empty nor a decimal number.
 */
export function readCgiEnvironment(vars: readonly UwsgiVar[]): CgiEnvironment {
  const read = (key: string): string => findVar(vars, key) ?? ''
  const scriptName = read('SCRIPT_NAME')
  const pathInfo = read('PATH_INFO')
  const queryString = read('QUERY_STRING')
  const requestUri = read('REQUEST_URI')
  const path = encodePath(scriptName + pathInfo)
  return {
    method: read('REQUEST_METHOD') || 'GET',
    uri:
      requestUri !== ''
        ? requestUri
        : `${path.startsWith('/') ? path : `/${path}`}${queryString === '' ? '' : `?${queryString}`}`,
    serverProtocol: read('SERVER_PROTOCOL') || 'HTTP/1.0',
    remoteAddr: read('REMOTE_ADDR'),
    remotePort: parsePort(read('REMOTE_PORT')),
    isHttps: isHttps(vars),
    scriptName,
    pathInfo,
    queryString,
    contentLength: parseContentLength(read('CONTENT_LENGTH')),
    vars,
  }
}

/**
 * uWSGI's order (plugins/python/wsgi_subhandler.c): UWSGI_SCHEME when set, else HTTPS (`on` in any case, or
 * starting with '1'). REQUEST_SCHEME, which nginx's uwsgi_params sends as `$scheme`, comes last.
 */
function isHttps(vars: readonly UwsgiVar[]): boolean {
  const scheme = findVar(vars, 'UWSGI_SCHEME') ?? ''
  if (scheme !== '') return scheme.toLowerCase() === 'https'
  const https = findVar(vars, 'HTTPS') ?? ''
  if (https !== '') return https.toLowerCase().startsWith('on') || https.startsWith('1')
  return (findVar(vars, 'REQUEST_SCHEME') ?? '').toLowerCase() === 'https'
}

function parseContentLength(text: string): number | undefined {
  if (text === '') return undefined
  const value = Number(text)
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(value)) {
    throw makeError('ERR_PROTOCOL_BAD_CONTENT_LENGTH', { value: text })
  }
  return value
}

function parsePort(text: string): number | undefined {
  const value = Number(text)
  return /^\d{1,5}$/.test(text) && value <= 65535 ? value : undefined
}

/**
 * Percent-encodes the bytes of a decoded path (Latin-1, one character per byte) that cannot stand in a
 * request target as they are: controls, space, bytes above 0x7E, and the delimiters '%', '?', '#' and
 * the few others RFC 3986 excludes. Everything else, '/' included, stays.
 */
function encodePath(path: string): string {
  return path.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/g, (char) => {
    const hex = char.charCodeAt(0).toString(16).toUpperCase()
    return `%${hex.padStart(2, '0')}`
  })
}
