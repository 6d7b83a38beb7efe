// Malformed uwsgi packets against a running instance: each gets a closed connection and a log line, and
// neither a worker nor the master dies (issue #3 acceptance). The parser's own fuzz test is in
// test/unit/protocols/uwsgi; this one proves the serving path holds up with real sockets.
import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'

import { appDir, identityArgs } from '../../helpers/instance-setup.js'
import { startTsgi } from '../../helpers/start-tsgi.js'
import { sendRawBytes, uwsgiRequest } from '../../helpers/uwsgi-client.js'
import { seededRandom } from '../../helpers/seeded-random.js'

const cases: readonly { name: string; bytes: Buffer; log: RegExp }[] = [
  { name: 'a truncated header', bytes: Buffer.from([0, 10]), log: /ERR_PROTOCOL_TRUNCATED_PACKET/ },
  {
    name: 'a datasize beyond buffer-size',
    bytes: Buffer.from([0, 0xff, 0xff, 0]),
    log: /ERR_PROTOCOL_VARS_TOO_LARGE/,
  },
  // datasize 6: key length 200 overruns the 6-byte block.
  {
    name: 'a key length past the end',
    bytes: Buffer.from([0, 6, 0, 0, 200, 0, 65, 66, 67, 68]),
    log: /ERR_PROTOCOL_VAR_OVERRUN/,
  },
  // datasize 4: a zero-length key, then a value length of 0.
  {
    name: 'a zero-length key',
    bytes: Buffer.from([0, 4, 0, 0, 0, 0, 0, 0]),
    log: /ERR_PROTOCOL_EMPTY_VAR_KEY/,
  },
  {
    name: 'HTTP sent to a uwsgi socket',
    bytes: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    log: /ERR_PROTOCOL_HTTP_ON_UWSGI_SOCKET/,
  },
]

test('instance closes each malformed uwsgi packet with a log line and no process dies', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'uwsgi.sock')
  const tsgi = await startTsgi(
    t,
    ['--socket', sock, '--module', 'hello.mjs', '--buffer-size', '4096', ...identityArgs()],
    { cwd: dir.path },
  )
  const processes = tsgi.processes().sort()
  for (const { name, bytes, log } of cases) {
    const from = tsgi.output().length
    const answer = await sendRawBytes(sock, bytes)
    assert.equal(answer.length, 0, `${name}: no response bytes`)
    await tsgi.waitForOutput(new RegExp(`uwsgi: closed a connection .*${log.source}`), { from })
  }
  const next = seededRandom(3)
  for (let round = 0; round < 300; round++) {
    const bytes = Buffer.from(
      Array.from({ length: 1 + Math.floor(next() * 64) }, () => Math.floor(next() * 256)),
    )
    await sendRawBytes(sock, bytes)
  }
  const ok = await uwsgiRequest({
    path: sock,
    vars: [
      ['REQUEST_METHOD', 'GET'],
      ['REQUEST_URI', '/still-alive'],
    ],
  })
  assert.equal(ok.status, 200)
  assert.deepEqual(tsgi.processes().sort(), processes, 'the master and every worker are the same processes')
})
