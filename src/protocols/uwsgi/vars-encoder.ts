// Encodes vars into a uwsgi packet (header + vars block), the inverse of VarsDecoder: for tests,
// benchmarks and a future client. Pure: no I/O.
import { makeError } from '../../errors/tsgi-error.js'
import { Modifier1, maxDatasize, writePacketHeader } from './packet-header.js'

/**
 * A var to encode. Keys are written as UTF-8. A string value is written as Latin-1, one byte per character,
 * which is how VarsDecoder reads values back; bytes are written as they are (a UTF-8 path, say).
 */
export type EncodableVar = readonly [key: string, value: string | Uint8Array]

export interface EncodeVarsOptions {
  /** Default 0 (a request, as nginx sends). */
  readonly modifier1?: number
  /** Default 0. */
  readonly modifier2?: number
}

/** Latin-1 covers U+0000..U+00FF; anything above would be silently mangled by a 'latin1' encode. */
const beyondLatin1 = /[\u0100-\u{10ffff}]/u

/** Returns the packet bytes: the 4-byte header, then every var in order (duplicates kept). */
export function encodeVars(vars: readonly EncodableVar[], options: EncodeVarsOptions = {}): Buffer {
  const { modifier1 = Modifier1.Wsgi, modifier2 = 0 } = options
  for (const [name, value] of [
    ['modifier1', modifier1],
    ['modifier2', modifier2],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) {
      throw cannot(`${name} must be an integer in 0..255: it is ${value}`)
    }
  }
  const parts: Buffer[] = []
  let datasize = 0
  for (const [key, value] of vars) {
    const keyBytes = Buffer.from(key, 'utf8')
    if (keyBytes.length === 0) throw cannot('a key must not be empty')
    if (typeof value === 'string' && beyondLatin1.test(value)) {
      throw cannot(
        `the value of ${JSON.stringify(key)} must be Latin-1 text or bytes: it has wider characters`,
      )
    }
    const valueBytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value)
    datasize += 4 + keyBytes.length + valueBytes.length
    // Checked before the lengths are written, so no key or value length can overflow its u16 field.
    if (datasize > maxDatasize) {
      throw cannot(`the vars block must be at most ${maxDatasize} bytes: it has ${datasize} bytes or more`)
    }
    parts.push(lengthOf(keyBytes), keyBytes, lengthOf(valueBytes), valueBytes)
  }
  return Buffer.concat([writePacketHeader({ modifier1, datasize, modifier2 }), ...parts])
}

const lengthOf = (bytes: Buffer): Buffer => {
  const length = Buffer.allocUnsafe(2)
  length.writeUInt16LE(bytes.length)
  return length
}

const cannot = (reason: string) => makeError('ERR_PROTOCOL_CANNOT_ENCODE_VARS', { reason })
