// The CGI view of a uwsgi request: the handful of vars a runtime reads, parsed once, with nginx's quirks
// (reference §3.3, §8 item 14) smoothed over. Pure: no I/O.
import { makeError } from '../../errors/tsgi-error.js'
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

/** The vars readCgiEnvironment reads, each '' when absent. */
const readKeys = [
  'REQUEST_METHOD',
  'REQUEST_URI',
  'SERVER_PROTOCOL',
  'REMOTE_ADDR',
  'REMOTE_PORT',
  'SCRIPT_NAME',
  'PATH_INFO',
  'QUERY_STRING',
  'CONTENT_LENGTH',
  'UWSGI_SCHEME',
  'HTTPS',
  'REQUEST_SCHEME',
] as const
type ReadKey = (typeof readKeys)[number]
const readKeySet: ReadonlySet<string> = new Set(readKeys)
const isReadKey = (key: string): key is ReadKey => readKeySet.has(key)

/**
 * Reads the CGI environment of `vars` (a repeated key: the last one wins, as findVar has it). Throws
 * ERR_PROTOCOL_BAD_CONTENT_LENGTH for a CONTENT_LENGTH that is neither empty nor a decimal number.
 */
export function readCgiEnvironment(vars: readonly UwsgiVar[]): CgiEnvironment {
  // One pass over the vars, not a findVar per key: this runs for every request.
  const read: Record<ReadKey, string> = {
    REQUEST_METHOD: '',
    REQUEST_URI: '',
    SERVER_PROTOCOL: '',
    REMOTE_ADDR: '',
    REMOTE_PORT: '',
    SCRIPT_NAME: '',
    PATH_INFO: '',
    QUERY_STRING: '',
    CONTENT_LENGTH: '',
    UWSGI_SCHEME: '',
    HTTPS: '',
    REQUEST_SCHEME: '',
  }
  for (const [key, value] of vars) if (isReadKey(key)) read[key] = value
  const scriptName = read.SCRIPT_NAME
  const pathInfo = read.PATH_INFO
  const queryString = read.QUERY_STRING
  return {
    method: read.REQUEST_METHOD || 'GET',
    uri: read.REQUEST_URI || rebuildUri(scriptName + pathInfo, queryString),
    serverProtocol: read.SERVER_PROTOCOL || 'HTTP/1.0',
    remoteAddr: read.REMOTE_ADDR,
    remotePort: parsePort(read.REMOTE_PORT),
    isHttps: isHttps(read),
    scriptName,
    pathInfo,
    queryString,
    contentLength: parseContentLength(read.CONTENT_LENGTH),
    vars,
  }
}

/** The request target for a request without REQUEST_URI. */
function rebuildUri(decodedPath: string, queryString: string): string {
  const path = encodePath(decodedPath)
  return `${path.startsWith('/') ? path : `/${path}`}${queryString === '' ? '' : `?${queryString}`}`
}

/**
 * uWSGI's order (plugins/python/wsgi_subhandler.c): UWSGI_SCHEME when set, else HTTPS (`on` in any case, or
 * starting with '1'). REQUEST_SCHEME, which nginx's uwsgi_params sends as `$scheme`, comes last.
 */
function isHttps(read: Readonly<Record<ReadKey, string>>): boolean {
  if (read.UWSGI_SCHEME !== '') return read.UWSGI_SCHEME.toLowerCase() === 'https'
  const https = read.HTTPS
  if (https !== '') return https.toLowerCase().startsWith('on') || https.startsWith('1')
  return read.REQUEST_SCHEME.toLowerCase() === 'https'
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
