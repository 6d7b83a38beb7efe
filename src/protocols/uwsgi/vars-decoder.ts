// The incremental uwsgi request decoder: feed it the bytes of a connection as they arrive, in chunks of any
// size, and it returns the packet once the header and the whole vars block are in. Pure: no I/O.
//
// Vars block (reference §3.1): repeated `u16le key length, key, u16le value length, value`. Keys must be
// non-empty UTF-8. Values are read as Latin-1, one character per byte, so every byte survives unchanged:
// nginx sends PATH_INFO URL-decoded and REQUEST_URI raw, and neither need be UTF-8. This is the convention
// of Node's own HTTP parser (req.url, header values) and of PEP 3333's WSGI environ.
import { isUtf8 } from 'node:buffer'

import { invariant, makeError, TsgiError } from '../../errors/tsgi-error.js'
import { maxDatasize, packetHeaderBytes, readPacketHeader } from './packet-header.js'

/** One var as it came off the wire: key (UTF-8) and value (Latin-1). Order and duplicates are kept. */
export type UwsgiVar = [key: string, value: string]

export interface UwsgiPacket {
  readonly modifier1: number
  readonly modifier2: number
  readonly vars: UwsgiVar[]
  /** The bytes after the vars block in the last chunk: the start of the request body (shares its memory). */
  readonly bodyStart: Buffer
}

export interface VarsDecoderOptions {
  /** The instance's `buffer-size`: the largest vars block accepted. Default and maximum 65535. */
  readonly maxVarsBytes?: number
}

/**
 * The first 4 bytes of HTTP requests sent to a uwsgi socket by mistake (curl, a browser, `proxy_pass`).
 * Read as a header they are a plausible packet of 20-30 KB, and the decoder would wait for bytes that never
 * come; naming the mistake at once gives a useful log line instead of a timeout.
 */
const httpStarts = new Set(
  ['GET ', 'HEAD', 'POST', 'PUT ', 'DELE', 'PATC', 'OPTI', 'CONN', 'TRAC', 'PRI '].map((start) =>
    Buffer.from(start, 'latin1').readUInt32LE(0),
  ),
)

/**
 * Decodes one uwsgi request head. Every failure is a TsgiError with an ERR_PROTOCOL_* code; it is thrown by
 * `push()` as soon as the bytes show it (a too-large datasize as soon as the header is in), and again by
 * any later call. Memory held is at most 4 + `maxVarsBytes` bytes, whatever the client claims.
 */
export class VarsDecoder {
  readonly #maxVarsBytes: number
  /** Only when the header arrives split across chunks (nginx sends it whole): its bytes so far. */
  #header: Buffer | undefined
  #headerBytes = 0
  #modifier1 = 0
  #modifier2 = 0
  /** Undefined until the header is in; then the vars block, filled up to #varsBytes. */
  #vars: Buffer | undefined
  #varsBytes = 0
  #datasize = 0
  /**
   * 'header': reading the 4 header bytes; 'vars': reading datasize bytes of vars; 'done': the packet was
   * returned and the rest of the connection is body, not ours; 'failed': #error was thrown.
   */
  #state: 'header' | 'vars' | 'done' | 'failed' = 'header'
  /** Set with 'failed': the error every later call throws again. */
  #error: TsgiError | undefined

  constructor(options: VarsDecoderOptions = {}) {
    const { maxVarsBytes = maxDatasize } = options
    invariant(
      Number.isInteger(maxVarsBytes) && maxVarsBytes >= 0 && maxVarsBytes <= maxDatasize,
      'maxVarsBytes is an integer in 0..65535',
    )
    this.#maxVarsBytes = maxVarsBytes
  }

  /** Bytes consumed so far (header and vars; never body bytes). */
  get bytesReceived(): number {
    return this.#headerBytes + this.#varsBytes
  }

  get isDone(): boolean {
    return this.#state === 'done'
  }

  /** Takes the next chunk of the connection; returns the packet once complete, else undefined. */
  push(chunk: Buffer): UwsgiPacket | undefined {
    this.#throwIfFailed()
    invariant(this.#state !== 'done', 'VarsDecoder.push() after the packet was complete')
    try {
      return this.#consume(chunk)
    } catch (error) {
      throw this.#fail(
        error instanceof TsgiError
          ? error
          : makeError(
              'ERR_INTERNAL_ASSERTION',
              { what: 'VarsDecoder threw a non-TsgiError' },
              { cause: error },
            ),
      )
    }
  }

  /**
   * Call when the connection ends. A connection closed before sending anything is not an error (health
   * checks do it, and uWSGI ignores empty packets too); one closed mid-packet throws
   * ERR_PROTOCOL_TRUNCATED_PACKET.
   */
  end(): void {
    this.#throwIfFailed()
    if (this.#state === 'done' || this.bytesReceived === 0) return
    const expectedBytes = packetHeaderBytes + (this.#state === 'vars' ? this.#datasize : 0)
    throw this.#fail(
      makeError('ERR_PROTOCOL_TRUNCATED_PACKET', { receivedBytes: this.bytesReceived, expectedBytes }),
    )
  }

  #fail(error: TsgiError): TsgiError {
    this.#state = 'failed'
    this.#error = error
    this.#vars = undefined
    return error
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error
  }

  #consume(chunk: Buffer): UwsgiPacket | undefined {
    let offset = 0
    if (this.#state === 'header') {
      // Nearly always the whole header is at the start of the first chunk: read it where it is.
      const taken = Math.min(packetHeaderBytes - this.#headerBytes, chunk.length)
      if (taken === packetHeaderBytes) this.#startVars(chunk)
      else {
        this.#header ??= Buffer.alloc(packetHeaderBytes)
        chunk.copy(this.#header, this.#headerBytes, 0, taken)
        if (this.#headerBytes + taken === packetHeaderBytes) this.#startVars(this.#header)
      }
      this.#headerBytes += taken
      offset = taken
      if (this.#headerBytes < packetHeaderBytes) return undefined
    }
    const wanted = this.#datasize - this.#varsBytes
    const available = chunk.length - offset
    // The whole block in this chunk, as nginx usually sends it: decode in place, no copy.
    if (this.#vars === undefined && available >= wanted) {
      return this.#finish(chunk.subarray(offset, offset + wanted), chunk.subarray(offset + wanted))
    }
    // Allocated once, at the datasize the header announced, which #startVars checked against the limit.
    this.#vars ??= Buffer.allocUnsafe(this.#datasize)
    const taken = Math.min(wanted, available)
    chunk.copy(this.#vars, this.#varsBytes, offset, offset + taken)
    this.#varsBytes += taken
    if (this.#varsBytes < this.#datasize) return undefined
    return this.#finish(this.#vars, chunk.subarray(offset + taken))
  }

  /** Checks the 4 header bytes at the start of `header`. */
  #startVars(header: Buffer): void {
    if (httpStarts.has(header.readUInt32LE(0))) {
      throw makeError('ERR_PROTOCOL_HTTP_ON_UWSGI_SOCKET', { start: header.toString('latin1', 0, 4) })
    }
    const { modifier1, datasize, modifier2 } = readPacketHeader(header)
    if (datasize > this.#maxVarsBytes) {
      throw makeError('ERR_PROTOCOL_VARS_TOO_LARGE', { sizeBytes: datasize, limitBytes: this.#maxVarsBytes })
    }
    this.#modifier1 = modifier1
    this.#modifier2 = modifier2
    this.#datasize = datasize
    this.#state = 'vars'
  }

  #finish(block: Buffer, bodyStart: Buffer): UwsgiPacket {
    const vars = decodeVarsBlock(block)
    this.#varsBytes = block.length
    this.#vars = undefined
    this.#state = 'done'
    return { modifier1: this.#modifier1, modifier2: this.#modifier2, vars, bodyStart }
  }
}

/**
 * Splits a complete vars block into vars, checking every length against the bytes that remain.
 *
 * The block is turned into one Latin-1 string and every key and value is a slice of it: two native calls
 * per var (a string and a UTF-8 check per key, a string per value) were most of a hello-world request's
 * decoding time. A key with a byte above 0x7F, which nginx never sends, takes the UTF-8 way.
 */
function decodeVarsBlock(block: Buffer): UwsgiVar[] {
  const text = block.toString('latin1')
  const vars: UwsgiVar[] = []
  let offset = 0
  while (offset < block.length) {
    const varOffset = offset
    checkLength(block, varOffset, offset, 'key length field', 2)
    const keyLength = readLength(block, offset)
    offset += 2
    if (keyLength === 0) throw makeError('ERR_PROTOCOL_EMPTY_VAR_KEY', { offset: varOffset })
    checkLength(block, varOffset, offset, 'key', keyLength)
    const key = isAscii(block, offset, offset + keyLength)
      ? text.slice(offset, offset + keyLength)
      : utf8Key(block.subarray(offset, offset + keyLength), varOffset)
    offset += keyLength
    checkLength(block, varOffset, offset, 'value length field', 2)
    const valueLength = readLength(block, offset)
    offset += 2
    checkLength(block, varOffset, offset, 'value', valueLength)
    vars.push([key, text.slice(offset, offset + valueLength)])
    offset += valueLength
  }
  return vars
}

/** Throws ERR_PROTOCOL_VAR_OVERRUN unless `lengthBytes` bytes remain at `offset`. */
function checkLength(
  block: Buffer,
  varOffset: number,
  offset: number,
  part: string,
  lengthBytes: number,
): void {
  const remainingBytes = block.length - offset
  if (lengthBytes > remainingBytes) {
    throw makeError('ERR_PROTOCOL_VAR_OVERRUN', { offset: varOffset, part, lengthBytes, remainingBytes })
  }
}

/** A u16le length field (the caller checked that both bytes are there). */
const readLength = (block: Buffer, offset: number): number =>
  (block[offset] ?? 0) | ((block[offset + 1] ?? 0) << 8)

function isAscii(block: Buffer, start: number, end: number): boolean {
  for (let index = start; index < end; index++) if ((block[index] ?? 0) > 0x7f) return false
  return true
}

function utf8Key(keyBytes: Buffer, varOffset: number): string {
  if (!isUtf8(keyBytes)) {
    throw makeError('ERR_PROTOCOL_VAR_KEY_NOT_UTF8', {
      offset: varOffset,
      hex: keyBytes.subarray(0, 32).toString('hex'),
    })
  }
  return keyBytes.toString('utf8')
}
