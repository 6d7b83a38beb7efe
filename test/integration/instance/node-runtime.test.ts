// The Node.js runtime of an instance (issue #3, Deliver 6): every app shape users bring — a request listener,
// an entry file that calls listen() itself, a fetch handler, Express/Koa/Fastify-style apps, CommonJS and a
// named export — served unchanged on an http-socket and on a uwsgi socket; and a module that cannot load is
// reported by file and reason, respawned with growing delays, or ends the instance with `need-app`.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import net from 'node:net'
import path from 'node:path'
import { test, type TestContext } from 'node:test'

import { httpRequest, type HttpResponse } from '../../helpers/http-client.js'
import { appDir, identityArgs } from '../../helpers/instance-setup.js'
import { startTsgi, type RunningTsgi } from '../../helpers/start-tsgi.js'
import { nginxParams, uwsgiRequest, type UwsgiResponse } from '../../helpers/uwsgi-client.js'
import { assertWebSocketEcho } from '../../helpers/websocket-client.js'

/** What hello.mjs answers: the request as the app saw it. */
interface Echo {
  readonly url: string
  readonly method: string
  readonly bytes: number
  readonly sha256: string
  readonly headers: Readonly<Record<string, string>>
}

interface TestRequest {
  readonly method?: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: Buffer
}

/** One answer, whichever protocol carried it. */
interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: string
}

/** An instance serving one module on an http-socket and a uwsgi socket at once. */
interface BothSockets {
  readonly tsgi: RunningTsgi
  readonly httpSocket: string
  readonly uwsgiSocket: string
  overHttp(request: TestRequest): Promise<Answer>
  overUwsgi(request: TestRequest): Promise<Answer>
}

async function serveOnBothSockets(
  t: TestContext,
  fixtures: readonly string[],
  module: string,
): Promise<BothSockets> {
  const dir = appDir(t, ...fixtures)
  const httpSocket = path.join(dir.path, 'http.sock')
  const uwsgiSocket = path.join(dir.path, 'uwsgi.sock')
  const tsgi = await startTsgi(
    t,
    ['--http-socket', httpSocket, '--socket', uwsgiSocket, '--module', module, ...identityArgs()],
    { cwd: dir.path },
  )
  return {
    tsgi,
    httpSocket,
    uwsgiSocket,
    overHttp: async (request) =>
      fromHttp(
        await httpRequest(
          { socketPath: httpSocket, path: request.path },
          {
            method: request.method ?? 'GET',
            headers: request.headers ?? {},
            ...(request.body === undefined ? {} : { body: request.body }),
          },
        ),
      ),
    overUwsgi: async (request) => fromUwsgi(await uwsgiRequest({ path: uwsgiSocket, ...uwsgiVars(request) })),
  }
}

function fromHttp(response: HttpResponse): Answer {
  return { status: response.status, headers: response.headers, body: response.body.toString('utf8') }
}

function fromUwsgi(response: UwsgiResponse): Answer {
  return { status: response.status, headers: response.headers, body: response.body.toString('utf8') }
}

/** The vars nginx's uwsgi_params would send for `request` (HTTP_* from the headers), and its body. */
function uwsgiVars(request: TestRequest): { vars: [string, string][]; body?: Buffer } {
  const vars = nginxParams(request.path, {
    method: request.method ?? 'GET',
    contentType: request.headers?.['content-type'] ?? '',
    ...(request.body === undefined ? {} : { contentLength: request.body.length }),
  })
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (name === 'content-type') continue
    vars.push([`HTTP_${name.toUpperCase().replaceAll('-', '_')}`, value])
  }
  return request.body === undefined ? { vars } : { vars, body: request.body }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function acceptsOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.setTimeout(5_000, () => socket.destroy())
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => undefined)
    socket.once('close', () => resolve(false))
  })
}

test('node runtime serves the same request listener unchanged on an http-socket and a uwsgi socket', async (t) => {
  const served = await serveOnBothSockets(t, ['hello.mjs'], 'hello.mjs')
  const body = randomBytes(256 * 1024)
  const request = {
    method: 'POST',
    path: '/same/app?x=1',
    headers: { 'content-type': 'application/octet-stream', 'x-custom': 'both ways' },
    body,
  }

  const viaHttp = await served.overHttp(request)
  const viaUwsgi = await served.overUwsgi(request)

  for (const [protocol, answer] of [
    ['http', viaHttp],
    ['uwsgi', viaUwsgi],
  ] as const) {
    assert.equal(answer.status, 200, protocol)
    assert.equal(answer.headers['content-type'], 'application/json', protocol)
    const echo = JSON.parse(answer.body) as Echo
    assert.equal(echo.method, 'POST', protocol)
    assert.equal(echo.url, '/same/app?x=1', protocol)
    assert.equal(echo.bytes, body.length, protocol)
    assert.equal(echo.sha256, createHash('sha256').update(body).digest('hex'), protocol)
    assert.equal(echo.headers['x-custom'], 'both ways', protocol)
    assert.equal(echo.headers['content-type'], 'application/octet-stream', protocol)
  }
})

/** Entry files that call listen(3000) themselves when imported, and what they answer. */
const listeningEntries = [
  {
    name: 'a plain http.Server',
    fixtures: ['listens-itself.mjs'],
    module: 'listens-itself.mjs',
    path: '/where',
    expected: 'listened-itself /where',
    logLine: /app says it listens on 3000/,
  },
  {
    name: 'an Express-style app.listen(3000)',
    fixtures: ['express-style.mjs', 'express-listens.mjs'],
    module: 'express-listens.mjs',
    path: '/hello',
    expected: 'express-style hello /hello',
    logLine: /express-style app listening on port 3000/,
  },
] as const

for (const entry of listeningEntries) {
  test(`node runtime serves an entry file's own listen(3000) on the instance's sockets when it is ${entry.name}`, async (t) => {
    // If another program on this machine holds port 3000, "nothing binds it" cannot be told apart.
    if (await acceptsOn(3000)) {
      t.skip('another program listens on 127.0.0.1:3000 here')
      return
    }
    const served = await serveOnBothSockets(t, entry.fixtures, entry.module)

    const viaHttp = await served.overHttp({ path: entry.path })
    const viaUwsgi = await served.overUwsgi({ path: entry.path })

    assert.equal(viaHttp.status, 200)
    assert.equal(viaHttp.body, entry.expected)
    assert.equal(viaUwsgi.status, 200)
    assert.equal(viaUwsgi.body, entry.expected)
    // The app's listen callback ran, and address() answered with the port it asked for.
    await served.tsgi.waitForOutput(entry.logLine)
    assert.equal(await acceptsOn(3000), false, 'nothing may bind port 3000')
  })
}

test('node runtime serves a fetch-style handler for GET and a POST body', async (t) => {
  const served = await serveOnBothSockets(t, ['fetch-handler.mjs'], 'fetch-handler.mjs')

  for (const send of [served.overHttp, served.overUwsgi]) {
    const get = await send({ path: '/thing?q=1' })
    assert.equal(get.status, 200)
    assert.equal(get.headers['x-handler'], 'fetch')
    assert.equal(get.body, 'fetch GET /thing ')

    const post = await send({
      method: 'POST',
      path: '/submit',
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from('posted body ✓'),
    })
    assert.equal(post.status, 200)
    assert.equal(post.body, 'fetch POST /submit posted body ✓')
  }
})

/** App shapes users export, without their frameworks, and what each answers. */
const appShapes = [
  {
    name: 'an Express-style (req, res, next) function',
    fixture: 'express-style.mjs',
    module: 'express-style.mjs',
    path: '/hello',
    expected: 'express-style hello /hello',
    header: ['x-middleware', 'ran'],
  },
  {
    name: 'a Koa-style object with callback()',
    fixture: 'koa-style.mjs',
    module: 'koa-style.mjs',
    path: '/koa?x=1',
    expected: 'koa-style GET /koa?x=1',
    header: ['x-koa-style', 'yes'],
  },
  {
    name: 'a Fastify-style object with ready() and server',
    fixture: 'fastify-style.mjs',
    module: 'fastify-style.mjs',
    path: '/ping',
    expected: 'fastify-style pong',
    header: undefined,
  },
  {
    name: 'CommonJS module.exports = fn in a .cjs file',
    fixture: 'commonjs.cjs',
    module: 'commonjs.cjs',
    path: '/cjs',
    expected: 'commonjs GET /cjs function',
    header: undefined,
  },
  {
    name: 'a named export given as module file.mjs:api',
    fixture: 'named-export.mjs',
    module: 'named-export.mjs:api',
    path: '/v1',
    expected: 'named export api /v1',
    header: undefined,
  },
] as const

for (const shape of appShapes) {
  test(`node runtime serves ${shape.name}`, async (t) => {
    const served = await serveOnBothSockets(t, [shape.fixture], shape.module)

    for (const [protocol, send] of [
      ['http', served.overHttp],
      ['uwsgi', served.overUwsgi],
    ] as const) {
      const answer = await send({ path: shape.path })
      assert.equal(answer.status, 200, `${protocol}: ${answer.body}`)
      assert.equal(answer.body, shape.expected, protocol)
      if (shape.header !== undefined) assert.equal(answer.headers[shape.header[0]], shape.header[1], protocol)
    }
  })
}

/** Modules that cannot load, and what the log must say about each. */
const unloadable = [
  {
    name: 'a module that throws while it loads',
    fixtures: ['broken.mjs'],
    module: 'broken.mjs',
    reason: /broken on purpose: the database is not configured/,
    names: /broken\.mjs/,
  },
  {
    name: 'a module path that does not exist',
    fixtures: [],
    module: 'missing-app.mjs',
    reason: /does not exist/,
    names: /missing-app\.mjs/,
  },
] as const

for (const app of unloadable) {
  test(`node runtime names the file and the reason and respawns with growing delays for ${app.name}`, async (t) => {
    const dir = appDir(t, ...app.fixtures)
    const tsgi = await startTsgi(
      t,
      ['--http-socket', path.join(dir.path, 'http.sock'), '--module', app.module, ...identityArgs()],
      { cwd: dir.path, readyPattern: /spawned tsgi worker/ },
    )

    const failure = await tsgi.waitForOutput(/Cannot load app .*/)
    assert.match(failure[0], app.names)
    assert.match(tsgi.output(), app.reason)
    // Two respawns are enough to see the delay grow; the default first delay (forkbomb-delay) is 2 s.
    const respawns = await tsgi.waitForOutput(/respawning in (\d+)ms[\s\S]*?respawning in (\d+)ms/, {
      timeoutMs: 30_000,
    })
    const [first, second] = [Number(respawns[1]), Number(respawns[2])]
    assert.ok(first > 0, `the first respawn waits: ${respawns[0]}`)
    assert.ok(second > first, `the second respawn waits longer than the first: ${respawns[0]}`)
  })

  test(`node runtime ends the instance with exit code 4 for ${app.name} when need-app is set`, async (t) => {
    const dir = appDir(t, ...app.fixtures)
    const tsgi = await startTsgi(
      t,
      [
        '--http-socket',
        path.join(dir.path, 'http.sock'),
        '--module',
        app.module,
        '--need-app',
        ...identityArgs(),
      ],
      { cwd: dir.path, readyPattern: null },
    )

    assert.deepEqual(await tsgi.exited(), { code: 4, signal: null }, tsgi.output())
    const failure = /Cannot load app .*/.exec(tsgi.output())
    assert.ok(failure !== null, tsgi.output())
    assert.match(failure[0], app.names)
    assert.match(tsgi.output(), app.reason)
    assert.doesNotMatch(tsgi.output(), /respawning/)
    assert.deepEqual(tsgi.processes(), [], 'no worker outlives the master')
  })
}

test('node runtime serves a WebSocket echo directly on an http-socket', async (t) => {
  const dir = appDir(t, 'websocket-echo.mjs')
  const sock = path.join(dir.path, 'ws.sock')
  const tsgi = await startTsgi(
    t,
    ['--http-socket', sock, '--module', 'websocket-echo.mjs', ...identityArgs()],
    { cwd: dir.path },
  )
  await assertWebSocketEcho(t, { socketPath: sock, path: '/echo' }, () => tsgi.output())
})
