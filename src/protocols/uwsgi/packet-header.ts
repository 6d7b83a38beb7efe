// The 4-byte uwsgi packet header (uWSGI Protocol.rst, proto/uwsgi.c). Pure: no I/O.
//
//   byte 0     modifier1  u8     which request handler ("plugin") the packet is for
//   bytes 1-2  datasize   u16 LE length of the vars block that follows (the request body is not counted)
//   byte 3     modifier2  u8     a sub-code for modifier1; 0 for requests
import { invariant } from '../../errors/tsgi-error.js'

export const packetHeaderBytes = 4

/** datasize is a u16: no vars block is larger, whatever `buffer-size` says. */
export const maxDatasize = 0xffff

/**
 * The modifier1 values that matter (reference §3.2), each name beside its byte as uWSGI spells it in
 * Protocol.rst. nginx sends `Wsgi` (0) unless `uwsgi_modifier1` says otherwise, and uWSGI sends a
 * modifier1 0 request to the default app whatever its language, so tsgi treats 0 as "a request".
 */
export const Modifier1 = {
  /** A request: the vars are CGI/WSGI variables. nginx's default. */
  Wsgi: 0,
  Psgi: 5,
  LuaWsapi: 6,
  Rack: 7,
  Jvm: 8,
  Cgi: 9,
  /** Management flag; modifier2 is the flag. */
  Management: 10,
  Php: 14,
  Mono: 15,
  Spooler: 17,
  /** Raw code evaluation; modifier2 picks the language. Never honoured by tsgi. */
  Eval: 22,
  /** A request whose SCRIPT_NAME must be stripped from PATH_INFO (deprecated in uWSGI's Nginx.rst). */
  WsgiStripScriptName: 30,
  ForkServer: 35,
  /** 'H': the bytes "HTTP" read as a header, which marks a raw HTTP response. */
  RawHttpResponse: 72,
  /** modifier2 0 = ping, 1 = pong. */
  Ping: 100,
  /** modifier2 is the uwsgi signal number. */
  Signal: 110,
  Cache: 111,
  EmperorConfig: 115,
  Rpc: 173,
  PersistentClose: 200,
  Subscription: 224,
  Response: 255,
} as const

export type Modifier1Name = keyof typeof Modifier1

export interface PacketHeader {
  readonly modifier1: number
  readonly datasize: number
  readonly modifier2: number
}

/** Reads the header from the first 4 bytes of `bytes`; the caller makes sure there are 4. */
export function readPacketHeader(bytes: Uint8Array): PacketHeader {
  invariant(bytes.length >= packetHeaderBytes, 'readPacketHeader needs 4 bytes')
  // Indexing, not destructuring: a Buffer's iterator costs more than the rest of this function.
  const byte = (index: number): number => bytes[index] ?? 0
  return { modifier1: byte(0), datasize: byte(1) | (byte(2) << 8), modifier2: byte(3) }
}

/** The 4 header bytes; every field must fit its width. */
export function writePacketHeader(header: PacketHeader): Buffer {
  const { modifier1, datasize, modifier2 } = header
  invariant(isUint(modifier1, 0xff) && isUint(modifier2, 0xff), 'modifiers are bytes')
  invariant(isUint(datasize, maxDatasize), 'datasize is a u16')
  return Buffer.from([modifier1, datasize & 0xff, datasize >> 8, modifier2])
}

const isUint = (value: number, max: number): boolean => Number.isInteger(value) && value >= 0 && value <= max
