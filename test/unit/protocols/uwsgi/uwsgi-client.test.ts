// The test helper uwsgiRequest against a tiny net.Server on a real unix socket: it sends the packet and a
// streamed body, and parses a canned HTTP response read until close.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import net from 'node:net'
import path from 'node:path'
import { test, type TestContext } from 'node:test'

import { VarsDecoder, type UwsgiPacket } from '../../../../src/protocols/uwsgi/vars-decoder.js'
import { makeTempDir } from '../../../helpers/temp-dir.js'
import { uwsgiRequest } from '../../../helpers/uwsgi-client.js'

interface Received {
  readonly packet: UwsgiPacket
  readonly body: Buffer
}

/**
 * A uwsgi "server" that decodes the packet, reads `bodyBytes` of body, then writes `response` and closes.
 * Resolves `received` with what it got.
 */
async function startCannedServer(
  t: TestContext,
  bodyBytes: number,
  response: string,
): Promise<{ socketPath: string; received: Promise<Received> }> {
  const socketPath = path.join(makeTempDir(t).path, 'app.sock')
  let resolveReceived: (value: Received) => void = () => undefined
  const received = new Promise<Received>((resolve) => (resolveReceived = resolve))
  const server = net.createServer((socket) => {
    const decoder = new VarsDecoder()
    let packet: UwsgiPacket | undefined
    const body: Buffer[] = []
    let bodyLength = 0
    socket.on('data', (chunk: Buffer) => {
      const data = packet === undefined ? (packet = decoder.push(chunk))?.bodyStart : chunk
      if (packet === undefined || data === undefined) return
      body.push(data)
      bodyLength += data.length
      if (bodyLength < bodyBytes) return
      resolveReceived({ packet, body: Buffer.concat(body) })
      socket.end(response)
    })
  })
  t.after(() => new Promise((resolve) => server.close(resolve)))
  server.listen(socketPath)
  await once(server, 'listening')
  return { socketPath, received }
}

test('uwsgi client sends vars and a buffer body, and parses status, headers and body', async (t) => {
  const canned =
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhi\n'
  const { socketPath, received } = await startCannedServer(t, 5, canned)
  const response = await uwsgiRequest({
    path: socketPath,
    vars: [
      ['REQUEST_METHOD', 'POST'],
      ['CONTENT_LENGTH', '5'],
      ['PATH_INFO', Buffer.from('/ü')],
    ],
    body: Buffer.from('hello'),
  })
  assert.equal(response.status, 200)
  assert.equal(response.statusText, 'OK')
  assert.equal(response.headers['content-type'], 'text/plain')
  assert.equal(response.headers['set-cookie'], 'a=1, b=2')
  assert.deepEqual(response.rawHeaders[1], ['Set-Cookie', 'a=1'])
  assert.equal(response.body.toString(), 'hi\n')
  const { packet, body } = await received
  assert.deepEqual(packet.vars, [
    ['REQUEST_METHOD', 'POST'],
    ['CONTENT_LENGTH', '5'],
    ['PATH_INFO', Buffer.from('/ü').toString('latin1')],
  ])
  assert.equal(body.toString(), 'hello')
})

test('uwsgi client streams an async iterable body chunk by chunk', async (t) => {
  const chunkCount = 64
  const chunkBytes = 64 * 1024
  const { socketPath, received } = await startCannedServer(t, chunkCount * chunkBytes, 'HTTP/1.0 204\r\n\r\n')
  async function* chunks(): AsyncIterable<Buffer> {
    for (let index = 0; index < chunkCount; index++) yield Buffer.alloc(chunkBytes, index)
  }
  const response = await uwsgiRequest({
    path: socketPath,
    vars: [['CONTENT_LENGTH', String(chunkCount * chunkBytes)]],
    body: chunks(),
    modifier1: 0,
  })
  assert.equal(response.status, 204)
  assert.equal(response.statusText, '')
  assert.equal(response.body.length, 0)
  const { body } = await received
  assert.equal(body.length, chunkCount * chunkBytes)
  assert.equal(body[body.length - 1], chunkCount - 1)
})

test('uwsgi client rejects when the server closes without a response', async (t) => {
  const socketPath = path.join(makeTempDir(t).path, 'closing.sock')
  const server = net.createServer((socket) => socket.once('data', () => socket.end()))
  t.after(() => new Promise((resolve) => server.close(resolve)))
  server.listen(socketPath)
  await once(server, 'listening')
  await assert.rejects(uwsgiRequest({ path: socketPath, vars: [['A', '1']] }), /without a response/)
})
