// The Python runtime (issue #6) against real Python workers: the bundled WSGI worker run by a virtualenv over
// Debian's /usr/bin/python3, serving test/fixtures/python/validated_app.py (every request through
// wsgiref.validate.validator, whose warnings the app records) on a uwsgi and an HTTP unix socket. PEP 3333
// details, mounts, a thread pool proved by a barrier, py-autoreload, a rolling reload, load failures and a
// fuzz of malformed uwsgi packets.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { Readable } from 'node:stream'
import { test, type TestContext } from 'node:test'

import { assertNoFailure, keepAsking, waitForAnswers } from '../../helpers/emperor-harness.js'
import { httpRequest, keepAliveAgent, type HttpResponse } from '../../helpers/http-client.js'
import { identityArgs } from '../../helpers/instance-setup.js'
import { copyPythonApps, pythonSkipReason, pythonVenv } from '../../helpers/python-env.js'
import { seededRandom } from '../../helpers/seeded-random.js'
import { startTsgi, type RunningTsgi } from '../../helpers/start-tsgi.js'
import { makeTempDir } from '../../helpers/temp-dir.js'
import { nginxParams, sendRawBytes, uwsgiRequest, type UwsgiResponse } from '../../helpers/uwsgi-client.js'
import { waitFor } from '../../helpers/wait-for.js'

const skip = pythonSkipReason() ?? false
/** Bounds the waits: a Python worker starts in well under a second, but CI has 2 busy cores. */
const deadlineMs = 60_000

interface Served {
  readonly tsgi: RunningTsgi
  readonly dir: string
  readonly httpSocket: string
  readonly uwsgiSocket: string
}

/** tsgi serving the fixture apps (a copy in a 0755 temp dir) on an HTTP and a uwsgi unix socket. */
async function servePython(
  t: TestContext,
  extraArgs: readonly string[],
  options: { readyPattern?: RegExp | null; isAppOnPythonpath?: boolean } = {},
): Promise<Served> {
  const { isAppOnPythonpath = false, ...startOptions } = options
  const temp = makeTempDir(t)
  const dir = copyPythonApps(temp)
  // The app found through `pythonpath` only: the workers run in an empty directory.
  const workDir = isAppOnPythonpath ? makeTempDir(t).path : dir
  const httpSocket = path.join(dir, 'http.sock')
  const uwsgiSocket = path.join(dir, 'uwsgi.sock')
  const args = [
    '--http-socket',
    httpSocket,
    '--socket',
    uwsgiSocket,
    '--chmod-socket',
    '666',
    '--chdir',
    workDir,
    ...(isAppOnPythonpath ? ['--pythonpath', '/nonexistent-first', '--pythonpath', dir] : []),
    '--virtualenv',
    pythonVenv(),
    ...extraArgs,
    ...identityArgs(),
  ]
  const tsgi = await startTsgi(t, args, { cwd: dir, ...startOptions })
  return { tsgi, dir, httpSocket, uwsgiSocket }
}

const json = (body: Buffer): Record<string, unknown> =>
  JSON.parse(body.toString('utf8')) as Record<string, unknown>
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

/** A uwsgi request as nginx sends it, including its quirk of repeating the body's length as HTTP_CONTENT_LENGTH. */
function uwsgiGet(socket: string, uri: string, extra: readonly [string, string][] = [], body?: Buffer) {
  const params =
    body === undefined
      ? nginxParams(uri)
      : nginxParams(uri, {
          method: 'POST',
          contentType: 'application/octet-stream',
          contentLength: body.length,
        })
  const quirk: [string, string][] = body === undefined ? [] : [['HTTP_CONTENT_LENGTH', String(body.length)]]
  return uwsgiRequest({
    path: socket,
    vars: [...params, ...quirk, ...extra],
    ...(body === undefined ? {} : { body }),
    timeoutMs: 30_000,
  })
}

async function assertNoWarnings(served: Served): Promise<void> {
  const response = await httpRequest({ socketPath: served.httpSocket, path: '/warnings' })
  assert.equal(response.status, 200)
  assert.deepEqual(json(response.body).warnings, [], 'wsgiref.validate found nothing to warn about')
  assert.doesNotMatch(served.tsgi.output(), /WSGI WARNING/)
}

test(
  'the WSGI worker serves PEP 3333 requests on HTTP and uwsgi sockets with no validator warning',
  { skip },
  async (t) => {
    const served = await servePython(t, ['--module', 'validated_app'])
    const { httpSocket, uwsgiSocket, tsgi } = served
    assert.match(tsgi.output(), /python workers run \S+\/bin\/python \(from virtualenv /)

    const echo = json((await httpRequest({ socketPath: httpSocket, path: '/echo?a=1&b=%20' })).body)
    assert.deepEqual(
      [echo.method, echo.script_name, echo.path_info, echo.query, echo.scheme, echo.length],
      ['GET', '', '/echo', 'a=1&b=%20', 'http', 0],
    )
    await tsgi.waitForOutput(
      /\[pid: \d+\|app: 0\|req: \d+\/\d+\] {2}\(\) \{\d+ headers\} \[.+\] GET \/echo\?a=1&b=%20 => generated \d+ bytes in \d+ msecs \(HTTP\/1\.1 200\)/,
    )

    const body = randomBytes(3 * 1024 * 1024 + 17)
    const posted = json(
      (await httpRequest({ socketPath: httpSocket, path: '/echo' }, { method: 'POST', body })).body,
    )
    assert.deepEqual([posted.length, posted.sha256], [body.length, sha256(body)])
    const chunked = json(
      (
        await httpRequest(
          { socketPath: httpSocket, path: '/echo' },
          { method: 'POST', body: Readable.from([body.subarray(0, 1000), body.subarray(1000)]) },
        )
      ).body,
    )
    assert.deepEqual(
      [chunked.length, chunked.sha256],
      [body.length, sha256(body)],
      'a chunked body, de-chunked',
    )

    const viaUwsgi = await uwsgiGet(uwsgiSocket, '/echo', [['HTTPS', 'on']], body)
    assert.equal(viaUwsgi.status, 200)
    const uwsgiEcho = json(viaUwsgi.body)
    assert.deepEqual(
      [uwsgiEcho.length, uwsgiEcho.sha256, uwsgiEcho.scheme, uwsgiEcho.content_type],
      [body.length, sha256(body), 'https', 'application/octet-stream'],
    )
    const scheme = json((await uwsgiGet(uwsgiSocket, '/echo', [['UWSGI_SCHEME', 'https']])).body).scheme
    assert.equal(scheme, 'https', 'UWSGI_SCHEME sets wsgi.url_scheme')

    const lines = await httpRequest(
      { socketPath: httpSocket, path: '/lines' },
      { method: 'POST', body: 'one\ntwo\nthree' },
    )
    assert.deepEqual(json(lines.body).lines, ['one\n', 'two\n', 'three'])

    const written = await uwsgiGet(uwsgiSocket, '/write')
    assert.equal(written.body.toString(), 'written by write()\n')
    const streamed = await httpRequest({ socketPath: httpSocket, path: '/stream?4' })
    assert.equal(streamed.headers['transfer-encoding'], 'chunked')
    assert.equal(streamed.body.toString(), 'chunk 0\nchunk 1\nchunk 2\nchunk 3\n')
    const file = await httpRequest({ socketPath: httpSocket, path: '/file' })
    assert.equal(file.body.toString(), readFileSync(path.join(served.dir, 'validated_app.py'), 'utf8'))

    const head = await httpRequest({ socketPath: httpSocket, path: '/echo' }, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.body.length, 0)
    const headUwsgi = await uwsgiGet(uwsgiSocket, '/', [['REQUEST_METHOD', 'HEAD']])
    assert.equal(headUwsgi.status, 200)
    assert.equal(headUwsgi.body.length, 0, 'HEAD: no body on the uwsgi socket either')

    const failed = await uwsgiGet(uwsgiSocket, '/error')
    assert.equal(failed.status, 500)
    await tsgi.waitForOutput(/RuntimeError: this request fails on purpose/)
    const late = await httpRequest({ socketPath: httpSocket, path: '/late-error' })
    assert.deepEqual(
      [late.status, late.body.toString()],
      [500, 'recovered\n'],
      'start_response with exc_info',
    )
    assert.equal((await uwsgiGet(uwsgiSocket, '/nowhere')).status, 404)

    // Keep-alive: several requests over one connection, each answered by the same worker.
    const agent = keepAliveAgent(t, { maxSockets: 1 })
    const answers: HttpResponse[] = []
    for (let index = 0; index < 5; index++)
      answers.push(await httpRequest({ socketPath: httpSocket, path: '/' }, { agent }))
    assert.ok(answers.every((answer) => answer.status === 200 && answer.headers.connection !== 'close'))
    await assertNoWarnings(served)
  },
)

/** Writes `parts` to a unix socket one after another (each once the server has sent `waitFor`, if given)
 * and resolves with everything the server sent until it closed. */
function rawHttp(socketPath: string, parts: readonly { bytes: string; waitFor?: string }[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath)
    let received = ''
    let next = 0
    const pump = (): void => {
      for (let part = parts[next]; part !== undefined; part = parts[next]) {
        if (part.waitFor !== undefined && !received.includes(part.waitFor)) return
        socket.write(part.bytes)
        next++
      }
    }
    socket.setTimeout(30_000, () => socket.destroy(new Error(`no close within 30 s; got ${received}`)))
    socket.on('connect', pump)
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1')
      pump()
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(received))
  })
}

test(
  'HTTP/1.1 details: 100-continue, pipelining, ambiguous framing, oversized heads',
  { skip },
  async (t) => {
    const served = await servePython(t, ['--module', 'validated_app', '--buffer-size', '4096'])
    const head = (lines: readonly string[]): string => `${lines.join('\r\n')}\r\n\r\n`
    const continued = await rawHttp(served.httpSocket, [
      {
        bytes: head([
          'POST /echo HTTP/1.1',
          'Host: x',
          'Content-Length: 5',
          'Expect: 100-continue',
          'Connection: close',
        ]),
      },
      { bytes: 'hello', waitFor: '100 Continue' },
    ])
    assert.match(continued, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/)
    assert.match(continued, /"length": 5/)

    const first = head(['GET /echo?1 HTTP/1.1', 'Host: x'])
    const second = head(['GET /echo?2 HTTP/1.1', 'Host: x', 'Connection: close'])
    const pipelined = await rawHttp(served.httpSocket, [{ bytes: first + second }])
    assert.deepEqual(pipelined.match(/"query": "\d"/g), ['"query": "1"', '"query": "2"'], 'both, in order')

    const ambiguous = head([
      'POST /echo HTTP/1.1',
      'Host: x',
      'Content-Length: 3',
      'Transfer-Encoding: chunked',
    ])
    assert.match(await rawHttp(served.httpSocket, [{ bytes: `${ambiguous}0\r\n\r\n` }]), /^HTTP\/1\.1 400 /)
    const gzipped = head(['POST /echo HTTP/1.1', 'Host: x', 'Transfer-Encoding: gzip'])
    assert.match(await rawHttp(served.httpSocket, [{ bytes: gzipped }]), /^HTTP\/1\.1 501 /)
    const oversized = head(['GET / HTTP/1.1', 'Host: x', `X-Big: ${'a'.repeat(5000)}`])
    assert.match(await rawHttp(served.httpSocket, [{ bytes: oversized }]), /^HTTP\/1\.1 431 /)
    assert.match(served.tsgi.output(), /http: closed a connection from unix socket: request head larger/)
    await assertNoWarnings(served)
  },
)

test(
  'post-buffering reads bodies first, in memory or in a temp file; pythonpath finds the app',
  { skip },
  async (t) => {
    const served = await servePython(t, ['--module', 'validated_app', '--post-buffering', '65536'], {
      isAppOnPythonpath: true,
    })
    for (const size of [1000, 3 * 1024 * 1024]) {
      const body = randomBytes(size)
      const response = await uwsgiGet(served.uwsgiSocket, '/echo', [], body)
      assert.equal(response.status, 200)
      const echo = json(response.body)
      assert.deepEqual([echo.length, echo.sha256], [size, sha256(body)], `a ${size}-byte body`)
    }
    await assertNoWarnings(served)
  },
)

test(
  'mounts route by prefix with SCRIPT_NAME and PATH_INFO split under manage-script-name',
  { skip },
  async (t) => {
    const served = await servePython(t, [
      '--module',
      'validated_app',
      '--mount',
      '/app1=mount_apps:app1',
      '--mount',
      '/app2=mount_apps:app2',
      '--mount',
      '/site=site/',
      '--manage-script-name',
    ])
    const ask = async (uri: string): Promise<Record<string, unknown>> => {
      const response = await uwsgiGet(served.uwsgiSocket, uri)
      assert.equal(response.status, 200, `${uri}: ${response.body.toString()}`)
      return json(response.body)
    }
    assert.deepEqual(await ask('/app1/a/b'), { app: 'app1', script_name: '/app1', path_info: '/a/b' })
    assert.deepEqual(await ask('/app2'), { app: 'app2', script_name: '/app2', path_info: '' })
    assert.deepEqual(await ask('/app2/'), { app: 'app2', script_name: '/app2', path_info: '/' })
    assert.deepEqual(await ask('/site/x'), { app: 'site', script_name: '/site', path_info: '/x' })
    assert.match(served.tsgi.output(), /mount = \/site=site\/: a directory; tsgi serves its wsgi\.py/)
    const rest = await uwsgiGet(served.uwsgiSocket, '/app10/echo')
    assert.equal(rest.status, 404, 'a prefix matches on a / boundary only: `module` answers')
    assert.equal(json(rest.body).path, '/app10/echo')
    const echo = json((await httpRequest({ socketPath: served.httpSocket, path: '/echo' })).body)
    assert.deepEqual([echo.script_name, echo.path_info], ['', '/echo'], 'the rest goes to `module`')
    const viaHttp = json((await httpRequest({ socketPath: served.httpSocket, path: '/app1/x' })).body)
    assert.deepEqual(viaHttp, { app: 'app1', script_name: '/app1', path_info: '/x' })
    await assertNoWarnings(served)
  },
)

/** 20 requests to /barrier at once over the uwsgi socket, each on its own connection. */
async function twentyAtBarrier(served: Served, timeoutS: number): Promise<UwsgiResponse[]> {
  return Promise.all(Array.from({ length: 20 }, () => uwsgiGet(served.uwsgiSocket, `/barrier?${timeoutS}`)))
}

test(
  'threads = 20 serves 20 requests at once in one worker: all meet at one Barrier(20)',
  { skip },
  async (t) => {
    const served = await servePython(t, ['--module', 'validated_app', '--threads', '20'])
    const answers = await twentyAtBarrier(served, 60)
    assert.deepEqual(
      answers.map((answer) => answer.status),
      Array.from({ length: 20 }, () => 200),
    )
    const threads = new Set(answers.map((answer) => json(answer.body).thread))
    assert.equal(threads.size, 20, 'twenty threads of one worker served them')
    await assertNoWarnings(served)
  },
)

test('with threads = 19 the same 20 requests cannot all meet: the barrier breaks', { skip }, async (t) => {
  const served = await servePython(t, ['--module', 'validated_app', '--threads', '19'])
  // A short barrier timeout ends the wait of the 19 that got a thread; the 20th waited for a free one.
  const answers = await twentyAtBarrier(served, 2)
  assert.ok(
    answers.some((answer) => answer.status === 503),
    `some requests found the barrier broken: ${answers.map((a) => a.status).join(',')}`,
  )
})

test(
  'py-autoreload: editing a module of the app makes the next requests see the change',
  { skip },
  async (t) => {
    const served = await servePython(t, [
      '--module',
      'validated_app',
      '--py-autoreload',
      '1',
      '--processes',
      '2',
    ])
    const version = async (): Promise<unknown> =>
      json((await httpRequest({ socketPath: served.httpSocket, path: '/version' })).body).version
    assert.equal(await version(), 'one')
    const from = served.tsgi.output().length
    writeFileSync(path.join(served.dir, 'app_version.py'), 'VERSION = "two"\n')
    await served.tsgi.waitForOutput(/py-autoreload: \S+app_version\.py changed/, {
      from,
      timeoutMs: deadlineMs,
    })
    await served.tsgi.waitForOutput(/reload done: generation 2 serves with 2 workers/, {
      from,
      timeoutMs: deadlineMs,
    })
    for (let index = 0; index < 10; index++) assert.equal(await version(), 'two')
    await assertNoWarnings(served)
  },
)

test('SIGHUP rolls the Python workers over without losing a request', { skip }, async (t) => {
  const served = await servePython(t, ['--module', 'validated_app', '--processes', '2', '--threads', '2'])
  const before = new Set(served.tsgi.workerPids())
  const asker = keepAsking(t, served.httpSocket, 4)
  await waitForAnswers(asker, 50, 'before the reload')
  const from = served.tsgi.output().length
  served.tsgi.signal('SIGHUP')
  await served.tsgi.waitForOutput(/reload done: generation 2/, { from, timeoutMs: deadlineMs })
  const atReload = asker.tally().ok
  await waitForAnswers(asker, atReload + 50, 'after the reload')
  const tally = await asker.stop()
  assertNoFailure(tally, 'during a rolling reload')
  const after = served.tsgi.workerPids()
  assert.ok(after.length > 0 && after.every((pid) => !before.has(pid)), 'every worker is new')
  await assertNoWarnings(served)
})

test(
  'SIGTERM drains a Python worker: the request in flight is answered, then everything exits',
  { skip },
  async (t) => {
    const served = await servePython(t, ['--module', 'validated_app'])
    // A keep-alive client: the Connection: close must come from the draining worker.
    const agent = keepAliveAgent(t)
    const inFlight = httpRequest({ socketPath: served.httpSocket, path: '/gate?open-gate' }, { agent })
    await served.tsgi.waitForOutput(/gate: waiting for /)
    served.tsgi.signal('SIGTERM')
    await served.tsgi.waitForOutput(/graceful stop: draining workers/)
    writeFileSync(path.join(served.dir, 'open-gate'), '')
    const response = await inFlight
    assert.equal(response.status, 200)
    assert.equal(response.headers.connection, 'close', 'a draining worker closes the connection after it')
    assert.equal((await served.tsgi.exited(deadlineMs)).code, 0)
    assert.deepEqual(served.tsgi.processes(), [], 'no process of the instance is left')
  },
)

test('a Python worker whose master is killed exits too: no orphan', { skip }, async (t) => {
  const served = await servePython(t, ['--module', 'validated_app', '--processes', '2'])
  assert.equal(served.tsgi.workerPids().length, 2)
  served.tsgi.signal('SIGKILL')
  await served.tsgi.exited(deadlineMs)
  await waitFor(
    'the workers to exit after their master',
    () => (served.tsgi.processes().length === 0 ? true : undefined),
    { timeoutMs: deadlineMs },
  )
})

test('an app that fails to import: its traceback is logged once, respawns back off', { skip }, async (t) => {
  const served = await servePython(t, ['--module', 'broken_app'], { readyPattern: null })
  const { tsgi } = served
  await tsgi.waitForOutput(/the app still fails to load: RuntimeError: this app is broken on purpose/, {
    timeoutMs: deadlineMs,
  })
  assert.equal(tsgi.output().match(/Traceback \(most recent call last\)/g)?.length, 1, tsgi.output())
  assert.match(tsgi.output(), /died \(exit code 4\), respawning in \d+ms/)
  tsgi.signal('SIGTERM')
  assert.equal((await tsgi.exited(deadlineMs)).code, 0)
})

test('with need-app, an app that fails to import makes the instance exit 4', { skip }, async (t) => {
  const served = await servePython(t, ['--module', 'broken_app', '--need-app'], { readyPattern: null })
  const exit = await served.tsgi.exited(deadlineMs)
  assert.equal(exit.code, 4, served.tsgi.output())
  assert.match(served.tsgi.output(), /GAME OVER/)
})

test('malformed uwsgi packets never crash the Python worker', { skip }, async (t) => {
  const served = await servePython(t, ['--module', 'validated_app'])
  const processes = served.tsgi.processes().sort()
  const named: readonly [string, Buffer, RegExp][] = [
    ['a truncated header', Buffer.from([0, 10]), /inside the uwsgi header/],
    ['a key length past the end', Buffer.from([0, 6, 0, 0, 200, 0, 65, 66, 67, 68]), /truncated uwsgi var/],
    ['a zero-length key', Buffer.from([0, 4, 0, 0, 0, 0, 0, 0]), /empty uwsgi var key/],
    ['a vars block cut short', Buffer.from([0, 200, 0, 0, 1, 0]), /inside the uwsgi vars/],
  ]
  for (const [name, bytes, log] of named) {
    const from = served.tsgi.output().length
    assert.equal((await sendRawBytes(served.uwsgiSocket, bytes)).length, 0, `${name}: no response bytes`)
    await served.tsgi.waitForOutput(new RegExp(`uwsgi: closed a connection .*${log.source}`), { from })
  }
  const next = seededRandom(6)
  for (let round = 0; round < 300; round++) {
    const length = 1 + Math.floor(next() * 96)
    await sendRawBytes(
      served.uwsgiSocket,
      Buffer.from(Array.from({ length }, () => Math.floor(next() * 256))),
    )
  }
  const ok = await uwsgiGet(served.uwsgiSocket, '/')
  assert.equal(ok.status, 200)
  assert.deepEqual(
    served.tsgi.processes().sort(),
    processes,
    'the master and the worker are the same processes',
  )
  assert.doesNotMatch(served.tsgi.output(), /unexpected/)
  await assertNoWarnings(served)
})

test(
  'wsgi.file_wrapper sends a whole file, its size as Content-Length (by sendfile)',
  { skip },
  async (t) => {
    const served = await servePython(t, ['--wsgi-file', 'file_app.py'])
    const content = randomBytes(2 * 1024 * 1024)
    writeFileSync(path.join(served.dir, 'payload.bin'), content)
    const agent = keepAliveAgent(t, { maxSockets: 1 })
    for (let index = 0; index < 2; index++) {
      const response = await httpRequest({ socketPath: served.httpSocket, path: '/' }, { agent })
      assert.equal(response.headers['content-length'], String(content.length))
      assert.equal(sha256(response.body), sha256(content))
    }
  },
)

test(
  'harakiri kills a Python worker whose request runs too long, and its slot serves again',
  { skip },
  async (t) => {
    const served = await servePython(t, ['--module', 'validated_app', '--processes', '1', '--harakiri', '2'])
    const [stuck] = served.tsgi.workerPids()
    assert.equal((await httpRequest({ socketPath: served.httpSocket, path: '/' })).status, 200)
    // The gate file is never created: the request stays in flight until harakiri ends it.
    const held = httpRequest(
      { socketPath: served.httpSocket, path: '/gate?never-opened' },
      { timeoutMs: deadlineMs },
    ).then(
      () => 'answered',
      () => 'failed',
    )
    await served.tsgi.waitForOutput(
      /\*\*\* HARAKIRI ON WORKER 1 \(pid: \d+\): a request has run for [\d.]+ s/,
      {
        timeoutMs: deadlineMs,
      },
    )
    assert.equal(await held, 'failed')
    await served.tsgi.waitForOutput(
      new RegExp(`worker 1 \\(pid: ${stuck}\\) died \\(signal SIGKILL\\) after 2 requests`),
    )
    await waitFor(
      'a new worker',
      () => (served.tsgi.workerPids().some((pid) => pid !== stuck) ? true : undefined),
      {
        timeoutMs: deadlineMs,
      },
    )
    assert.equal((await httpRequest({ socketPath: served.httpSocket, path: '/' })).status, 200)
  },
)
