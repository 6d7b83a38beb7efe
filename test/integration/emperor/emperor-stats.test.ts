// The emperor's stats server and `tsgi status` (issue #4, item 4): uWSGI's emperor-stats keys in uWSGI's
// order plus tsgi's vassal states and config errors; `stats-http` and `stats-minified`; the status table, its
// JSON form, and one clear line (exit 3) when nothing answers. Every wait is on a log line or a socket event.
import assert from 'node:assert/strict'
import { chownSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { connect } from 'node:net'
import path from 'node:path'
import { test, type TestContext } from 'node:test'

import { fixturePath } from '../../helpers/fixture-path.js'
import { runCli } from '../../helpers/run-cli.js'
import { startTsgi, type RunningTsgi } from '../../helpers/start-tsgi.js'
import { makeTempDir } from '../../helpers/temp-dir.js'
import { isRoot } from '../../helpers/test-users.js'

const deadlineMs = 60_000
const testTimeoutMs = 180_000
const nobody = 65534

const topKeys = [
  'version',
  'pid',
  'uid',
  'gid',
  'cwd',
  'emperor',
  'emperor_tyrant',
  'throttle_level',
  'vassals',
  'blacklist',
]
const vassalKeys = [
  'id',
  'pid',
  'born',
  'last_mod',
  'last_heartbeat',
  'loyal',
  'ready',
  'accepting',
  'last_loyal',
  'last_ready',
  'last_accepting',
  'first_run',
  'last_run',
  'cursed',
  'zerg',
  'on_demand',
  'uid',
  'gid',
  'monitor',
  'respawns',
  'state',
  'last_exit',
  'config_error',
  'throttle_ms',
]

interface StatsVassal {
  readonly id: string
  readonly pid: number
  readonly ready: number
  readonly state: string
  readonly config_error: string | null
  readonly monitor: string
  readonly uid: number
}

interface StatsDocument {
  readonly pid: number
  readonly emperor: readonly string[]
  readonly vassals: readonly StatsVassal[]
  readonly blacklist: readonly unknown[]
}

interface Setup {
  readonly base: string
  readonly vassalDir: string
  readonly statsSocket: string
  readonly emperorIni: string
}

/** A temp dir with the hello app, a good vassal, a vassal with a config error, and emperor.ini. */
function setUp(t: TestContext, emperorLines: readonly string[] = []): Setup {
  const dir = makeTempDir(t)
  dir.write(path.join('apps', 'hello.mjs'), readFileSync(fixturePath('apps', 'hello.mjs')))
  const vassalDir = path.join(dir.path, 'vassals')
  mkdirSync(vassalDir, { mode: 0o755 })
  const runDir = path.join(dir.path, 'run')
  mkdirSync(runDir, { mode: 0o755 })
  if (isRoot()) chownSync(runDir, nobody, nobody)
  const identity = isRoot() ? ['uid = nobody', 'gid = nogroup'] : []
  const vassal = (stem: string, lines: readonly string[]): string =>
    [
      `http-socket = ${path.join(runDir, `${stem}.sock`)}`,
      `module = ${path.join(dir.path, 'apps', 'hello.mjs')}`,
      'vacuum = true',
      ...identity,
      ...lines,
      '',
    ].join('\n')
  dir.write(path.join('vassals', 'good.ini'), vassal('good', []))
  dir.write(path.join('vassals', 'bad.ini'), vassal('bad', ['processes = many']))
  const statsSocket = path.join(dir.path, 'stats.sock')
  const emperorIni = dir.write(
    'emperor.ini',
    [`emperor = ${vassalDir}`, `emperor-stats = ${statsSocket}`, ...emperorLines, ''].join('\n'),
  )
  return { base: dir.path, vassalDir, statsSocket, emperorIni }
}

/** Starts the emperor and waits until good.ini serves and bad.ini is invalid. */
async function startEmperor(t: TestContext, setup: Setup): Promise<RunningTsgi> {
  const tsgi = await startTsgi(t, ['--ini', setup.emperorIni], {
    cwd: setup.base,
    readyPattern: /\[emperor\] stats server on /,
  })
  await tsgi.waitForOutput(/vassal good\.ini: \S+ → ready \(/, { timeoutMs: deadlineMs })
  await tsgi.waitForOutput(/vassal bad\.ini: \S+ → invalid \(/, { timeoutMs: deadlineMs })
  return tsgi
}

/** Everything the stats server sends on one connection (after `request`, if given) until it closes. */
function readStats(socketPath: string, request?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath)
    const chunks: Buffer[] = []
    socket.on('connect', () => {
      if (request !== undefined) socket.write(request)
    })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.once('error', reject)
    socket.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

const vassalNamed = (document: StatsDocument, id: string): StatsVassal => {
  const vassal = document.vassals.find((v) => v.id === id)
  assert.ok(vassal !== undefined, `vassal ${id} in ${JSON.stringify(document)}`)
  return vassal
}

test(
  'emperor-stats serves uWSGI keys in order plus vassal states and config errors; tsgi status shows them',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUp(t)
    const tsgi = await startEmperor(t, setup)
    assert.equal(statSync(setup.statsSocket).mode & 0o777, 0o660)

    const text = await readStats(setup.statsSocket)
    assert.match(text, /^\{\n\t"version": /, 'pretty-printed with tabs')
    const document = JSON.parse(text) as StatsDocument
    assert.deepEqual(Object.keys(document), topKeys)
    assert.equal(document.pid, tsgi.pid)
    assert.deepEqual(document.emperor, [setup.vassalDir])
    const good = vassalNamed(document, 'good.ini')
    const bad = vassalNamed(document, 'bad.ini')
    assert.deepEqual(Object.keys(good), vassalKeys)
    assert.equal(good.state, 'ready')
    assert.equal(good.ready, 1)
    assert.ok(good.pid > 0)
    assert.equal(good.config_error, null)
    assert.equal(good.monitor, setup.vassalDir)
    if (isRoot()) assert.equal(good.uid, nobody, 'the uid its process runs as')
    assert.equal(bad.state, 'invalid')
    assert.equal(bad.pid, -1)
    assert.equal(bad.ready, 0)
    assert.match(bad.config_error ?? '', /processes/)
    assert.deepEqual(document.blacklist, [])

    const table = runCli(['status', setup.statsSocket])
    assert.equal(table.status, 0, table.stderr)
    const lines = table.stdout.trimEnd().split('\n')
    assert.match(lines[1] ?? '', /^NAME\s+STATE\s+PID\s+RESPAWNS\s+LAST EXIT\s+ERROR$/)
    assert.ok(
      lines.some((line) => new RegExp(`^good\\.ini\\s+ready\\s+${good.pid}\\s+0\\s+-$`).test(line)),
      table.stdout,
    )
    assert.ok(
      lines.some((line) => /^bad\.ini\s+invalid\s+-\s+0\s+-\s+line 6: ERR_CONFIG_\w+/.test(line)),
      table.stdout,
    )

    const json = runCli(['status', setup.statsSocket, '--format', 'json'])
    assert.equal(json.status, 0, json.stderr)
    const parsed = JSON.parse(json.stdout) as StatsDocument
    assert.deepEqual(
      parsed.vassals.map((v) => [v.id, v.state]),
      [
        ['bad.ini', 'invalid'],
        ['good.ini', 'ready'],
      ],
    )

    const viaIni = runCli(['status', '--ini', setup.emperorIni])
    assert.equal(viaIni.status, 0, viaIni.stderr)
    assert.match(viaIni.stdout, /good\.ini\s+ready/)
  },
)

test(
  'emperor-stats with stats-http reads the request and answers with an HTTP/1.0 head; stats-minified',
  { timeout: testTimeoutMs },
  async (t) => {
    const setup = setUp(t, ['stats-http = true', 'stats-minified = true'])
    await startEmperor(t, setup)
    const text = await readStats(setup.statsSocket, 'GET / HTTP/1.0\r\n\r\n')
    const headEnd = text.indexOf('\r\n\r\n')
    assert.ok(headEnd > 0, text)
    assert.deepEqual(text.slice(0, headEnd).split('\r\n'), [
      'HTTP/1.0 200 OK',
      'Connection: close',
      'Access-Control-Allow-Origin: *',
      'Content-Type: application/json',
    ])
    const body = text.slice(headEnd + 4)
    assert.doesNotMatch(body.trimEnd(), /\n|\t/, 'minified')
    const document = JSON.parse(body) as StatsDocument
    assert.equal(vassalNamed(document, 'bad.ini').state, 'invalid')

    // --ini knows the server speaks HTTP.
    const viaIni = runCli(['status', '--ini', setup.emperorIni])
    assert.equal(viaIni.status, 0, viaIni.stderr)
    assert.match(viaIni.stdout, /bad\.ini\s+invalid/)
  },
)

test('tsgi status on an address nobody serves exits 3 with one line', (t) => {
  const dir = makeTempDir(t)
  const result = runCli(['status', path.join(dir.path, 'nobody-here.sock')])
  assert.equal(result.status, 3)
  assert.equal(result.stdout, '')
  const lines = result.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, result.stderr)
  assert.match(lines[0] ?? '', /ERR_EMPEROR_STATS_UNREACHABLE: .*nobody-here\.sock.*no such socket/)
})
