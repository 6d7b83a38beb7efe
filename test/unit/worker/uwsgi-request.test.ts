// A uwsgi request presented to a real http.Server over a real socket, as Node's own server would present
// it: the head, the body streamed, the response unchunked and closed, upgrades, aborts and timeouts.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import { test, type TestContext } from 'node:test'

import { readCgiEnvironment } from '../../../src/protocols/uwsgi/cgi-environment.js'
import { readRequestHead } from '../../../src/protocols/uwsgi/request-head.js'
import type { UwsgiVar } from '../../../src/protocols/uwsgi/vars-decoder.js'
import { emitUwsgiRequest } from '../../../src/worker/uwsgi-request.js'
import { decodePacketFixture } from '../../helpers/decode-uwsgi.js'

/**
 * A loopback listener that presents every connection's first chunk as the body start of a request with
 * `vars` to `app`, and a client that sends `sent` and collects the answer until the server closes.
 */
async function exchange(
  t: TestContext,
  app: http.Server,
  vars: readonly UwsgiVar[],
  sent: Buffer,
  options: { bodyStart?: Buffer; keepOpen?: boolean } = {},
): Promise<{ response: string; client: net.Socket }> {
  const environment = readCgiEnvironment(vars)
  const listener = net.createServer((socket) =>
    emitUwsgiRequest(
      app,
      socket,
      readRequestHead(environment),
      environment.contentLength,
      options.bodyStart ?? Buffer.alloc(0),
    ),
  )
  t.after(() => listener.close())
  listener.listen(0, '127.0.0.1')
  await once(listener, 'listening')
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1')
  t.after(() => client.destroy())
  const chunks: Buffer[] = []
  client.on('data', (chunk: Buffer) => chunks.push(chunk))
  client.write(sent)
  if (options.keepOpen === true) return { response: '', client }
  await once(client, 'close')
  return { response: Buffer.concat(chunks).toString('latin1'), client }
}

test('a uwsgi POST reaches the app as Node would parse it, and the answer is unchunked and closed', async (t) => {
  const { packet, body } = decodePacketFixture('nginx-post-form.hex')
  let seen: { req: http.IncomingMessage; body: string } | undefined
  const app = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      seen = { req, body: Buffer.concat(chunks).toString() }
      res.writeHead(201, { 'Content-Type': 'text/plain' })
      res.write('streamed ')
      res.end('reply')
    })
  })
  // Part of the body came with the vars; the rest follows on the socket, with bytes that are not the body's.
  const { response } = await exchange(
    t,
    app,
    packet.vars,
    Buffer.concat([body.subarray(4), Buffer.from('junk')]),
    {
      bodyStart: body.subarray(0, 4),
    },
  )
  assert.ok(seen !== undefined, 'the app saw no request')
  assert.equal(seen.req.method, 'POST')
  assert.equal(seen.req.url, '/p%20q/r?x=%20y')
  assert.equal(seen.req.httpVersion, '1.0')
  assert.equal(seen.req.headers.cookie, 'a=1; b=2')
  assert.equal(seen.req.headers['content-length'], '11')
  assert.equal(seen.req.complete, true)
  assert.equal(seen.body, 'hello=world')
  assert.match(response, /^HTTP\/1\.1 201 Created\r\n/)
  assert.doesNotMatch(response, /transfer-encoding/i)
  assert.match(response, /\r\nConnection: close\r\n/i)
  assert.ok(response.endsWith('\r\n\r\nstreamed reply'), response)
})

test('a uwsgi HEAD request gets the headers and no body', async (t) => {
  const app = http.createServer((req, res) => res.end('a body HEAD must not carry'))
  const { response } = await exchange(
    t,
    app,
    [
      ['REQUEST_METHOD', 'HEAD'],
      ['REQUEST_URI', '/'],
    ],
    Buffer.alloc(0),
  )
  assert.match(response, /^HTTP\/1\.1 200 OK\r\n/)
  assert.ok(response.endsWith('\r\n\r\n'), response)
})

const handshake: UwsgiVar[] = [
  ['REQUEST_URI', '/ws'],
  ['HTTP_HOST', 'example.org'],
  ['HTTP_UPGRADE', 'websocket'],
  ['HTTP_CONNECTION', 'Upgrade'],
]

test('a uwsgi upgrade request goes to the upgrade listener with the socket and the bytes after the head', async (t) => {
  const app = http.createServer(() => assert.fail('a request event instead of upgrade'))
  app.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.once('data', (more: Buffer) =>
      socket.end(
        `HTTP/1.1 101 Switching Protocols\r\nX-Saw: ${String(req.headers.upgrade)} ${head.toString()}${more.toString()}\r\n\r\n`,
      ),
    )
  })
  const { response } = await exchange(t, app, handshake, Buffer.from(' then'), {
    bodyStart: Buffer.from('first'),
  })
  assert.equal(response, 'HTTP/1.1 101 Switching Protocols\r\nX-Saw: websocket first then\r\n\r\n')
})

test('a uwsgi upgrade request with no upgrade listener is an ordinary request', async (t) => {
  const app = http.createServer((req, res) =>
    res.end(`plain ${String((req as { upgrade?: boolean }).upgrade)}`),
  )
  const { response } = await exchange(t, app, handshake, Buffer.alloc(0))
  assert.ok(response.endsWith('\r\n\r\nplain false'), response)
})

test('a uwsgi request whose connection closes before the answer is aborted', async (t) => {
  const events: string[] = []
  const closed = new Promise<void>((resolve) => {
    const app = http.createServer((req, res) => {
      req.on('aborted', () => events.push('aborted'))
      req.on('error', (error: NodeJS.ErrnoException) => events.push(`error ${error.code ?? ''}`))
      res.on('close', () => {
        events.push('response closed')
        resolve()
      })
      client.destroy()
    })
    const vars: UwsgiVar[] = [
      ['REQUEST_METHOD', 'POST'],
      ['REQUEST_URI', '/'],
      ['CONTENT_LENGTH', '100'],
    ]
    let client: net.Socket
    void exchange(t, app, vars, Buffer.from('part of the body'), { keepOpen: true }).then((sent) => {
      client = sent.client
    })
  })
  await closed
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(events.sort(), ['aborted', 'error ECONNRESET', 'response closed'])
})

test('a uwsgi request honours req.setTimeout, and an unheard socket timeout closes the connection', async (t) => {
  let timedOut = false
  const app = http.createServer((req, res) => {
    req.setTimeout(20, () => {
      timedOut = true
      res.end('timed out')
    })
  })
  const vars: UwsgiVar[] = [
    ['REQUEST_METHOD', 'POST'],
    ['REQUEST_URI', '/'],
    ['CONTENT_LENGTH', '100'],
  ]
  const { response } = await exchange(t, app, vars, Buffer.from('never all of it'))
  assert.equal(timedOut, true)
  assert.ok(response.endsWith('\r\n\r\ntimed out'), response)

  const silent = http.createServer(() => undefined)
  silent.timeout = 20
  const { response: nothing } = await exchange(t, silent, vars, Buffer.from('never all of it'))
  assert.equal(nothing, '', 'closed without an answer')
})

test('a uwsgi request is built with the IncomingMessage and ServerResponse classes of the server', async (t) => {
  class Incoming extends http.IncomingMessage {}
  class Response extends http.ServerResponse {}
  const app = http.createServer({ IncomingMessage: Incoming, ServerResponse: Response }, (req, res) =>
    res.end(`${String(req instanceof Incoming)} ${String(res instanceof Response)}`),
  )
  const { response } = await exchange(t, app, [['REQUEST_URI', '/']], Buffer.alloc(0))
  assert.ok(response.endsWith('\r\n\r\ntrue true'), response)
})
