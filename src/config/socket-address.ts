// The socket address grammar of DESIGN.md decision 4 and uWSGI's `socket` option. Pure: no I/O.
import type { ParseResult, ValueType } from './value-types.js'

export type SocketAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly text: string }
  | { readonly kind: 'unix'; readonly path: string; readonly text: string }
  | { readonly kind: 'abstract'; readonly name: string; readonly text: string }
  /** `=N`: the N-th `shared-socket`, bound early as root (uWSGI's HTTPS.rst recipe). */
  | { readonly kind: 'shared'; readonly index: number; readonly text: string }
  /** `fd://N`: adopt an inherited file descriptor. */
  | { readonly kind: 'fd'; readonly fd: number; readonly text: string }

/** sun_path holds 108 bytes on Linux, one of them the terminating NUL. */
export const maxUnixPathBytes = 107

const expected =
  'a socket address: host:port, :port, [ipv6]:port, a unix socket path, @abstract-name, =N (shared socket) or fd://N'

export function parseSocketAddress(text: string): ParseResult<SocketAddress> {
  const fail: ParseResult<SocketAddress> = { ok: false, expected }
  if (text.length === 0 || text.includes('\0')) return fail
  if (text.startsWith('@')) {
    const name = text.slice(1)
    return name.length > 0 && Buffer.byteLength(name) < maxUnixPathBytes
      ? { ok: true, value: { kind: 'abstract', name, text } }
      : fail
  }
  if (text.startsWith('=')) {
    return /^=\d{1,4}$/.test(text)
      ? { ok: true, value: { kind: 'shared', index: Number(text.slice(1)), text } }
      : fail
  }
  if (text.startsWith('fd://')) {
    return /^fd:\/\/\d{1,6}$/.test(text)
      ? { ok: true, value: { kind: 'fd', fd: Number(text.slice(5)), text } }
      : fail
  }
  // uWSGI decides TCP against unix by the last ':', so a path with a ':' counts as TCP there too; a path that
  // starts with '/' or '.' is always a path here, which is what its author meant.
  const isPath =
    text.startsWith('/') || text.startsWith('./') || text.startsWith('../') || !text.includes(':')
  if (isPath) {
    if (Buffer.byteLength(text) > maxUnixPathBytes) {
      return {
        ok: false,
        expected: `a unix socket path of at most ${maxUnixPathBytes} bytes (the kernel's limit)`,
      }
    }
    return { ok: true, value: { kind: 'unix', path: text, text } }
  }
  const bracketed = /^\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]:(\d{1,5})$/.exec(text)
  const plain = /^([A-Za-z0-9_.*-]*):(\d{1,5})$/.exec(text)
  const match = bracketed ?? plain
  if (match === null) return fail
  const [, host = '', portText = ''] = match
  const port = Number(portText)
  if (port > 65535) return fail
  return { ok: true, value: { kind: 'tcp', host, port, text } }
}

export function socketAddress(): ValueType<SocketAddress> {
  return { name: 'socket address', expected, emptyValue: undefined, parse: parseSocketAddress }
}

const unixPathExpected =
  'a unix socket path (not an @abstract or TCP address: those have no file permissions to keep other users out)'

/** A unix socket path and nothing else: for a socket whose file permissions are its only access control. */
export function unixSocketPath(): ValueType<string> {
  return {
    name: 'unix socket path',
    expected: unixPathExpected,
    emptyValue: undefined,
    parse(text) {
      const parsed = parseSocketAddress(text)
      if (!parsed.ok) return parsed
      return parsed.value.kind === 'unix'
        ? { ok: true, value: parsed.value.path }
        : { ok: false, expected: unixPathExpected }
    },
  }
}
