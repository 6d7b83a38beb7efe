// A minimal WebSocket client for tests (RFC 6455 handshake and frames, node:http and node:crypto only), and
// the echo check that the nginx and http-socket tests share.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import type { Duplex } from 'node:stream'
import type { TestContext } from 'node:test'

import { waitFor, waitForEvent } from './wait-for.js'

const eventDeadlineMs = 20_000

/** A WebSocket client frame: FIN set, masked as RFC 6455 §5.3 requires of clients. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length
  let head: Buffer
  if (length < 126) head = Buffer.from([0x80 | opcode, 0x80 | length])
  else if (length < 65536) head = Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff])
  else {
    head = Buffer.alloc(10)
    head[0] = 0x80 | opcode
    head[1] = 0x80 | 127
    head.writeBigUInt64BE(BigInt(length), 2)
  }
  const mask = randomBytes(4)
  const masked = Buffer.from(payload)
  for (let i = 0; i < masked.length; i++) masked[i] = (masked[i] ?? 0) ^ (mask[i % 4] ?? 0)
  return Buffer.concat([head, mask, masked])
}

interface Frame {
  readonly opcode: number
  readonly payload: Buffer
}

/** Collects the server's (unmasked) frames from an upgraded socket; next() waits for the next one. */
function frameReader(socket: Duplex, head: Buffer): { next(what: string): Promise<Frame> } {
  let buffered = Buffer.from(head)
  socket.on('data', (chunk: Buffer) => (buffered = Buffer.concat([buffered, chunk])))
  const take = (): Frame | undefined => {
    if (buffered.length < 2) return undefined
    const first = buffered[0] ?? 0
    const second = buffered[1] ?? 0
    assert.equal(second & 0x80, 0, 'a server frame is never masked')
    let length = second & 0x7f
    let at = 2
    if (length === 126) {
      if (buffered.length < 4) return undefined
      length = buffered.readUInt16BE(2)
      at = 4
    } else if (length === 127) {
      if (buffered.length < 10) return undefined
      length = Number(buffered.readBigUInt64BE(2))
      at = 10
    }
    if (buffered.length < at + length) return undefined
    const frame = { opcode: first & 0x0f, payload: Buffer.from(buffered.subarray(at, at + length)) }
    buffered = buffered.subarray(at + length)
    return frame
  }
  return { next: (what) => waitFor(what, take, { timeoutMs: eventDeadlineMs }) }
}

/** Where to open the WebSocket: a URL, or a unix socket and a path. */
export type WebSocketTarget = URL | { readonly socketPath: string; readonly path: string }

/**
 * Opens a WebSocket to `target`, checks the 101 handshake, then a text message, a 70,000-byte binary
 * message and a close frame each come back unchanged (the fixture websocket-echo.mjs echoes).
 */
export async function assertWebSocketEcho(
  t: TestContext,
  target: WebSocketTarget,
  context: () => string = () => '',
): Promise<void> {
  const key = randomBytes(16).toString('base64')
  const headers = {
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-key': key,
    'sec-websocket-version': '13',
  }
  const req =
    target instanceof URL
      ? http.request(target, { agent: false, headers })
      : http.request({ socketPath: target.socketPath, path: target.path, agent: false, headers })
  t.after(() => req.destroy())
  req.end()
  const [res, socket, head] = (await waitForEvent(
    req,
    'upgrade',
    'the server to answer 101',
    eventDeadlineMs,
  )) as [http.IncomingMessage, Duplex, Buffer]
  t.after(() => socket.destroy())
  socket.on('error', () => socket.destroy())
  assert.equal(res.statusCode, 101, context())
  assert.equal(res.headers.upgrade?.toLowerCase(), 'websocket')
  assert.equal(
    res.headers['sec-websocket-accept'],
    createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64'),
  )
  const frames = frameReader(socket, head)
  const text = 'héllo over a WebSocket ✓'
  socket.write(clientFrame(0x1, Buffer.from(text)))
  const echoed = await frames.next('the echo of a text message')
  assert.equal(echoed.opcode, 0x1)
  assert.equal(echoed.payload.toString('utf8'), text)
  const binary = randomBytes(70_000)
  socket.write(clientFrame(0x2, binary))
  const echoedBinary = await frames.next('the echo of a 70,000-byte binary message')
  assert.equal(echoedBinary.opcode, 0x2)
  assert.ok(echoedBinary.payload.equals(binary), 'the binary message comes back unchanged')
  const normalClosure = Buffer.from([0x03, 0xe8])
  socket.write(clientFrame(0x8, normalClosure))
  const close = await frames.next('the close frame answering ours')
  assert.equal(close.opcode, 0x8)
  assert.ok(close.payload.equals(normalClosure))
}
