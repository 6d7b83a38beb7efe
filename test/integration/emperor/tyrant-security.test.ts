// Tyrant mode as a security boundary (issue #4, privilege modes and Acceptance; DESIGN.md "Privileges"):
// the unprivileged emperor of seed 004's method (c), started as root with `cap` or by a supervisor with
// ambient capabilities, keeps only those capabilities; every vassal master and worker ends with empty
// capability sets and cannot become root; a hostile vassal file gains nothing (nothing outside its owner's
// reach is read, created, chowned or unlinked, and no secret text shows in logs or status); and seed 004's
// `chown-socket` pairing works with nginx in front. Real users (test/helpers/test-users.ts), real processes.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { test, type TestContext } from 'node:test'

import { capabilitySets, type CapabilityName } from '../../../src/platform/capabilities.js'
import { fixturePath } from '../../helpers/fixture-path.js'
import { httpRequest } from '../../helpers/http-client.js'
import { nginxSkipReason, startNginx } from '../../helpers/nginx.js'
import { runCli } from '../../helpers/run-cli.js'
import { startTsgi, type RunningTsgi } from '../../helpers/start-tsgi.js'
import { makeTempDir } from '../../helpers/temp-dir.js'
import { fingerprint } from '../../helpers/file-fingerprint.js'
import { asUser, isRoot, makeOwnedDir, securityCast, type Who } from '../../helpers/test-users.js'
import { waitFor } from '../../helpers/wait-for.js'

/** Bounds every wait: a vassal is two Node processes plus a config check, and CI has 2 cores. */
const deadlineMs = 60_000
const testTimeoutMs = 240_000
const skip = isRoot() ? false : 'needs root: tyrant mode changes users, makes test users and chowns files'

interface World {
  readonly base: string
  readonly vassalDir: string
  readonly emperorIni: string
}

/** A 0755 temp dir with the fixture apps, an empty vassal directory and emperor.ini. */
function makeWorld(t: TestContext, emperorLines: readonly string[]): World {
  const dir = makeTempDir(t)
  for (const app of ['hello.mjs', 'privilege-probe.mjs'])
    dir.write(path.join('apps', app), readFileSync(fixturePath('apps', app)))
  const vassalDir = path.join(dir.path, 'vassals')
  mkdirSync(vassalDir, { mode: 0o755 })
  const emperorIni = dir.write(
    'emperor.ini',
    ['; a tyrant emperor of a security test', `emperor = ${vassalDir}`, ...emperorLines, ''].join('\n'),
  )
  return { base: dir.path, vassalDir, emperorIni }
}

/** A vassal file owned by `owner`, with a hostile `uid = root` line unless the lines say otherwise. */
function writeVassal(world: World, stem: string, owner: Who, lines: readonly string[]): string {
  const file = path.join(world.vassalDir, `${stem}.ini`)
  writeFileSync(file, [`; vassal ${stem} of a tyrant security test`, ...lines, ''].join('\n'))
  chmodSync(file, 0o644)
  chownSync(file, owner.uid, owner.gid)
  return file
}

const app = (world: World, name = 'hello.mjs'): string => `module = ${path.join(world.base, 'apps', name)}`

async function startEmperor(
  t: TestContext,
  world: World,
  launcher?: readonly string[],
): Promise<RunningTsgi> {
  return startTsgi(t, ['--ini', world.emperorIni], {
    cwd: world.base,
    readyPattern: /The Emperor is governing/,
    ...(launcher === undefined ? {} : { launcher }),
  })
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function waitForState(tsgi: RunningTsgi, name: string, state: string): Promise<RegExpExecArray> {
  return tsgi.waitForOutput(new RegExp(`\\[emperor\\] vassal ${escapeRegExp(name)}: \\S+ → ${state} \\(.*`), {
    timeoutMs: deadlineMs,
  })
}

/** Parent pid, command line and ids of a live process, from /proc. */
function processInfo(pid: number): { ppid: number; cmdline: string; uids: number[]; gids: number[] } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
  const status = readFileSync(`/proc/${pid}/status`, 'latin1')
  const ids = (name: string): number[] =>
    (new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(status)?.[1] ?? '').split(/\s+/).map(Number)
  return {
    ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]),
    cmdline: readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' '),
    uids: ids('Uid'),
    gids: ids('Gid'),
  }
}

/** The master started for vassal file `file` and its workers, among the emperor's descendants. */
function vassalPids(tsgi: RunningTsgi, file: string): number[] {
  const infos = tsgi.processes().map((pid) => ({ pid, info: processInfo(pid) }))
  const masters = infos.filter(({ info }) => info.cmdline.includes(` --config ${file} `))
  assert.equal(masters.length, 1, `one master runs for ${file}`)
  const master = masters[0]?.pid ?? -1
  return [master, ...infos.filter(({ info }) => info.ppid === master).map(({ pid }) => pid)]
}

/** Every capability set of `pid` but the bounding set is empty, and it runs as `owner` (all four ids). */
function assertUnprivileged(pid: number, owner: Who, what: string): void {
  const sets = capabilitySets(pid)
  for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapAmb'] as const)
    assert.deepEqual(sets[set], [], `${what} (pid ${pid}) has an empty ${set}`)
  const { uids, gids } = processInfo(pid)
  assert.deepEqual({ uids, gids }, { uids: Array(4).fill(owner.uid), gids: Array(4).fill(owner.gid) }, what)
}

interface Probe {
  readonly uid: number
  readonly setuidRoot: string
  readonly readShadow: string
}

async function probe(socketPath: string): Promise<Probe> {
  const response = await httpRequest({ socketPath, path: '/' }, { timeoutMs: 30_000 })
  assert.equal(response.status, 200, response.body.toString())
  return JSON.parse(response.body.toString()) as Probe
}

const sorted = (names: readonly CapabilityName[]): CapabilityName[] => [...names].sort()

test(
  'unprivileged tyrant emperor started as root keeps only setuid and setgid and still runs each vassal as its file owner',
  { timeout: testTimeoutMs, skip },
  async (t) => {
    const { alex, bob, emperor } = securityCast()
    const world = makeWorld(t, [
      'uid = tsgi-emperor',
      'gid = tsgi-emperor',
      'emperor-tyrant = true',
      'cap = setgid,setuid',
    ])
    const owners = { shop: alex, blog: bob }
    const files = new Map<string, string>()
    for (const [stem, owner] of Object.entries(owners)) {
      const run = makeOwnedDir(world.base, `run-${stem}`, owner)
      const lines = [
        `http-socket = ${run}/app.sock`,
        app(world, 'privilege-probe.mjs'),
        'uid = root',
        'gid = root',
      ]
      files.set(stem, writeVassal(world, stem, owner, lines))
    }
    const tsgi = await startEmperor(t, world)
    await waitForState(tsgi, 'shop.ini', 'ready')
    await waitForState(tsgi, 'blog.ini', 'ready')

    // The root process that was started re-started the emperor and took its uid: no root process remains.
    const emperors = tsgi.processes().filter((pid) => processInfo(pid).ppid === tsgi.pid)
    assert.equal(emperors.length, 1, 'the waiter has one child: the emperor')
    const emperorPid = emperors[0] ?? -1
    assert.deepEqual(
      processInfo(tsgi.pid).uids,
      Array(4).fill(emperor.uid),
      'the waiter runs as tsgi-emperor',
    )
    assert.deepEqual(capabilitySets(tsgi.pid).CapEff, [], 'the waiter holds no capability')
    assert.deepEqual(
      processInfo(emperorPid).uids,
      Array(4).fill(emperor.uid),
      'the emperor runs as tsgi-emperor',
    )
    const held = capabilitySets(emperorPid)
    for (const set of ['CapPrm', 'CapEff', 'CapAmb', 'CapBnd'] as const)
      assert.deepEqual(sorted(held[set]), ['setgid', 'setuid'], `the emperor's ${set} is setgid,setuid only`)

    for (const [stem, owner] of Object.entries(owners)) {
      const pids = vassalPids(tsgi, files.get(stem) ?? '')
      assert.equal(pids.length, 2, `${stem}.ini has a master and a worker`)
      for (const pid of pids) {
        assertUnprivileged(pid, owner, `${stem}.ini's process`)
        const bounding = capabilitySets(pid).CapBnd
        assert.ok(
          bounding.every((name) => name === 'setgid' || name === 'setuid'),
          `${stem}.ini's bounding set is within the emperor's: ${bounding.join(',')}`,
        )
      }
      const answer = await probe(path.join(world.base, `run-${stem}`, 'app.sock'))
      assert.equal(answer.uid, owner.uid, `${stem}.ini's worker answers as its owner`)
      assert.equal(answer.setuidRoot, 'EPERM', `${stem}.ini's worker cannot setuid(0)`)
      assert.equal(answer.readShadow, 'EACCES', `${stem}.ini's worker cannot read /etc/shadow`)
    }

    tsgi.signal('SIGTERM')
    assert.deepEqual(
      await tsgi.exited(deadlineMs),
      { code: 0, signal: null },
      'the waiter exits 0 after a graceful stop',
    )
    await waitFor(
      'every process of the emperor to exit',
      () => (tsgi.processes().length === 0 ? true : undefined),
      {
        timeoutMs: deadlineMs,
      },
    )
  },
)

test(
  'tyrant emperor started unprivileged with ambient setuid and setgid spawns vassals as owners and refuses a chown-socket it cannot do',
  { timeout: testTimeoutMs, skip },
  async (t) => {
    const { alex, emperor } = securityCast()
    const world = makeWorld(t, ['emperor-tyrant = true'])
    const run = makeOwnedDir(world.base, 'run-alex', alex)
    writeVassal(world, 'own-group', alex, [
      `http-socket = ${run}/own.sock`,
      app(world),
      'chown-socket = alex:users',
    ])
    writeVassal(world, 'to-nginx', alex, [
      `http-socket = ${run}/nginx.sock`,
      app(world),
      'chown-socket = nginx:nginx',
    ])
    writeVassal(world, 'emperors-own', emperor, [`http-socket = ${run}/mine.sock`, app(world)])
    // What systemd does with User=, Group= and AmbientCapabilities=CAP_SETUID CAP_SETGID.
    const launcher = asUser(emperor, '--inh-caps=+setuid,+setgid', '--ambient-caps=+setuid,+setgid')
    const tsgi = await startEmperor(t, world, launcher)
    assert.deepEqual(sorted(capabilitySets(tsgi.pid).CapEff), ['setgid', 'setuid'])

    // A chown to the owner's own group needs no privilege: the vassal does it itself.
    await waitForState(tsgi, 'own-group.ini', 'ready')
    const own = lstatSync(path.join(run, 'own.sock'))
    assert.deepEqual([own.uid, own.gid], [alex.uid, alex.gid], 'own.sock is alex:users')
    for (const pid of vassalPids(tsgi, path.join(world.vassalDir, 'own-group.ini')))
      assertUnprivileged(pid, alex, "own-group.ini's process")

    const refused = await waitForState(tsgi, 'to-nginx.ini', 'refused')
    assert.match(refused[0], /CAP_CHOWN/, 'the refusal names the missing capability')
    assert.equal(existsSync(path.join(run, 'nginx.sock')), false, 'the refused vassal never started')
    await waitForState(tsgi, 'emperors-own.ini', 'refused')
    assert.match(tsgi.output(), /refusing vassal emperors-own\.ini: owned by uid \d+, the emperor's own user/)
  },
)

test(
  'unprivileged tyrant emperor holding CAP_CHOWN gives a vassal socket to nginx as chown-socket asks',
  { timeout: testTimeoutMs, skip },
  async (t) => {
    const { alex, emperor, nginx } = securityCast()
    const world = makeWorld(t, ['emperor-tyrant = true'])
    const socketPath = path.join(makeOwnedDir(world.base, 'run-alex', alex), 'app.sock')
    writeVassal(world, 'app', alex, [`http-socket = ${socketPath}`, app(world), 'chown-socket = nginx:nginx'])
    const caps = '+setuid,+setgid,+chown'
    const tsgi = await startEmperor(t, world, asUser(emperor, `--inh-caps=${caps}`, `--ambient-caps=${caps}`))
    await waitForState(tsgi, 'app.ini', 'ready')
    const socket = lstatSync(socketPath)
    assert.deepEqual([socket.uid, socket.gid], [nginx.uid, nginx.gid], 'the socket is nginx:nginx')
    for (const pid of vassalPids(tsgi, path.join(world.vassalDir, 'app.ini')))
      assertUnprivileged(pid, alex, "app.ini's process")
  },
)

test(
  'tyrant emperor without CAP_SETUID and CAP_SETGID exits 3 with ERR_PRIVILEGE_CAPABILITY_MISSING',
  { timeout: testTimeoutMs, skip },
  async (t) => {
    const { alex, emperor } = securityCast()
    const startWith = async (lines: readonly string[], launcher?: readonly string[]): Promise<string> => {
      const world = makeWorld(t, lines)
      writeVassal(world, 'app', alex, [
        `http-socket = ${makeOwnedDir(world.base, 'run', alex)}/app.sock`,
        app(world),
      ])
      const tsgi = await startTsgi(t, ['--ini', world.emperorIni], {
        cwd: world.base,
        readyPattern: null,
        ...(launcher === undefined ? {} : { launcher }),
      })
      assert.deepEqual(await tsgi.exited(deadlineMs), { code: 3, signal: null }, tsgi.output())
      assert.doesNotMatch(tsgi.output(), /vassal app\.ini/, 'no vassal was started')
      return tsgi.output()
    }
    // A plain unprivileged user, as a unit without AmbientCapabilities would start it.
    const plain = await startWith(['emperor-tyrant = true'], asUser(emperor))
    assert.match(plain, /ERR_PRIVILEGE_CAPABILITY_MISSING[^\n]*"setuid,setgid"[^\n]*"empty"/)
    // Root with uid/gid but no `cap`: the emperor drops everything and says what it lacks.
    const dropped = await startWith(['uid = tsgi-emperor', 'gid = tsgi-emperor', 'emperor-tyrant = true'])
    assert.match(dropped, /ERR_PRIVILEGE_CAPABILITY_MISSING/)
  },
)

test(
  "tyrant emperor gives a vassal's socket seed 004's chown-socket and chmod-socket and nginx serves through it",
  { timeout: testTimeoutMs, skip: skip || nginxSkipReason() || false },
  async (t) => {
    const { alex, www } = securityCast()
    const world = makeWorld(t, ['emperor-tyrant = true'])
    const run = makeOwnedDir(world.base, 'run-alex', alex)
    const socketPath = path.join(run, 'uwsgi.sock')
    // Seed 004's vassal lines (its runtime adapted to the Node fixture), with nginx running as www-data.
    writeVassal(world, 'django', alex, [
      'uid = alex                      ; user id under which the instance should run.',
      'gid = users',
      `socket = ${socketPath}  ; the socket for communicating with the front end web server`,
      'chown-socket = www-data:www-data      ; only the web server process may access the socket',
      'chmod-socket = 700              ; see above',
      'master = 1',
      'processes = 1',
      app(world),
      'vacuum = true',
    ])
    const tsgi = await startEmperor(t, world)
    await waitForState(tsgi, 'django.ini', 'ready')
    const socket = lstatSync(socketPath)
    assert.ok(socket.isSocket())
    assert.deepEqual([socket.uid, socket.gid, socket.mode & 0o777], [www.uid, www.gid, 0o700])
    assert.match(tsgi.output(), /vassal django\.ini: chowned its socket [^\n]* to www-data:www-data/)
    const nginx = await startNginx(t, { upstream: { kind: 'uwsgi', unixPath: socketPath } })
    assert.ok(nginx !== undefined)
    const response = await fetch(`${nginx.url}/through-nginx`)
    assert.equal(response.status, 200, await response.clone().text())
    const body = (await response.json()) as { pid: number; url: string }
    assert.equal(body.url, '/through-nginx')
    assert.deepEqual(vassalPids(tsgi, path.join(world.vassalDir, 'django.ini')).slice(1), [body.pid])
    assertUnprivileged(body.pid, alex, 'the worker behind nginx')
    // A root emperor can also empty the bounding set: no set-uid program can give these processes anything.
    for (const pid of vassalPids(tsgi, path.join(world.vassalDir, 'django.ini')))
      assert.deepEqual(capabilitySets(pid).CapBnd, [], `vassal process ${pid} has an empty bounding set`)
  },
)

test(
  'tyrant vassal file gains nothing outside its owner’s reach: nothing read, created, chowned or unlinked, no secret shown',
  { timeout: testTimeoutMs, skip },
  async (t) => {
    const { alex, bob } = securityCast()
    const statsPath = `${makeTempDir(t).path}/stats.sock`
    const world = makeWorld(t, [
      'emperor-tyrant = true',
      `emperor-stats = ${statsPath}`,
      'emperor-throttle = 500',
    ])
    const runAlex = makeOwnedDir(world.base, 'run-alex', alex)
    const runBob = makeOwnedDir(world.base, 'run-bob', bob)
    // A root-only secret (mkdtemp's 0700 directory) and /etc/shadow's text must never show anywhere.
    const secretDir = makeTempDir(t).path
    chmodSync(secretDir, 0o700)
    const secret = `tsgi-secret-${randomUUID()}`
    writeFileSync(path.join(secretDir, 'secret.ini'), `env = SECRET=${secret}\n`, { mode: 0o600 })
    const shadowLines = readFileSync('/etc/shadow', 'utf8')
      .split('\n')
      .filter((line) => line.includes(':'))
    const tag = randomUUID().slice(0, 8)
    const etcFiles = [`/etc/tsgi-test-${tag}.log`, `/etc/tsgi-test-${tag}.pid`, `/etc/tsgi-test-${tag}.sock`]
    const passwdBefore = fingerprint('/etc/passwd')

    // tsgi-bob's live vassal, whose socket alex's vassal tries to take over.
    const bobSocket = path.join(runBob, 'bob.sock')
    writeVassal(world, 'bob', bob, [`http-socket = ${bobSocket}`, app(world)])
    // A stale socket of bob's (bound, never served: its process is gone), which alex's vassal would unlink.
    const stale = path.join(runBob, 'stale.sock')
    const [setpriv = 'setpriv', ...setprivArgs] = asUser(bob)
    const bind = 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])'
    execFileSync(setpriv, [...setprivArgs, '/usr/bin/python3', '-c', bind, stale])

    const hostile: Record<string, readonly string[]> = {
      shadow: [`http-socket = ${runAlex}/shadow.sock`, app(world), 'env = SECRET=@(/etc/shadow)'],
      include: [`http-socket = ${runAlex}/include.sock`, app(world), `ini = ${secretDir}/secret.ini`],
      logto: [`http-socket = ${runAlex}/logto.sock`, app(world), `logto = ${etcFiles[0] ?? ''}`],
      pidfile: [`http-socket = ${runAlex}/pidfile.sock`, app(world), `pidfile = ${etcFiles[1] ?? ''}`],
      'etc-link': [`http-socket = ${runAlex}/etc/${path.basename(etcFiles[2] ?? '')}`, app(world)],
      theft: [`http-socket = ${bobSocket}`, app(world), 'vacuum = true'],
      'stale-theft': [`http-socket = ${stale}`, app(world), 'vacuum = true'],
      'passwd-link': [`http-socket = ${runAlex}/passwd`, app(world), 'chown-socket = nginx:nginx'],
      'to-root': [`http-socket = ${runAlex}/to-root.sock`, app(world), 'chown-socket = root:root'],
    }
    // The owner's own doings: a directory symlink into /etc, a socket path that is a symlink to /etc/passwd.
    symlinkSync('/etc', path.join(runAlex, 'etc'))
    lchownSync(path.join(runAlex, 'etc'), alex.uid, alex.gid)
    symlinkSync('/etc/passwd', path.join(runAlex, 'passwd'))
    lchownSync(path.join(runAlex, 'passwd'), alex.uid, alex.gid)
    for (const [stem, lines] of Object.entries(hostile)) writeVassal(world, stem, alex, lines)
    // A vassal file that is alex's symlink to a root-owned file: the target's owner counts, so it is refused.
    const rootOwned = path.join(world.base, 'root-owned.ini')
    writeFileSync(rootOwned, `http-socket = ${runAlex}/linked.sock\n${app(world)}\n`)
    symlinkSync(rootOwned, path.join(world.vassalDir, 'linked.ini'))
    lchownSync(path.join(world.vassalDir, 'linked.ini'), alex.uid, alex.gid)

    const tsgi = await startEmperor(t, world)
    await waitForState(tsgi, 'bob.ini', 'ready')
    const bobInode = lstatSync(bobSocket).ino
    const expected: Record<string, { state: string; says: RegExp }> = {
      'shadow.ini': { state: 'invalid', says: /\/etc\/shadow/ },
      'include.ini': { state: 'invalid', says: /secret\.ini/ },
      'logto.ini': { state: 'throttled', says: /exit code 3/ },
      'pidfile.ini': { state: 'throttled', says: /exit code 3/ },
      'etc-link.ini': { state: 'throttled', says: /exit code 3/ },
      'theft.ini': { state: 'throttled', says: /exit code 3/ },
      'stale-theft.ini': { state: 'throttled', says: /exit code 3/ },
      'passwd-link.ini': { state: 'throttled', says: /exit code 3/ },
      'to-root.ini': { state: 'throttled', says: /exit code 3/ },
      'linked.ini': { state: 'refused', says: /tyrant mode refuses it/ },
    }
    for (const [name, { state, says }] of Object.entries(expected)) {
      const line = await waitForState(tsgi, name, state)
      const configError = new RegExp(`vassal ${escapeRegExp(name)}: config error: [^\\n]*`).exec(
        tsgi.output(),
      )
      assert.match(`${line[0]} ${configError?.[0] ?? ''}`, says, `${name} is ${state} for the right reason`)
    }
    const output = tsgi.output()
    const says = (code: string, file: string): RegExp => new RegExp(`${code}[^\\n]*${escapeRegExp(file)}`)
    assert.match(output, says('ERR_INSTANCE_FILE', etcFiles[0] ?? ''))
    assert.match(output, says('ERR_INSTANCE_FILE', etcFiles[1] ?? ''))
    assert.match(output, says('ERR_SOCKET_BIND', path.basename(etcFiles[2] ?? '')))
    assert.match(output, says('ERR_SOCKET_(?:BIND|IN_USE)', bobSocket))
    assert.match(output, says('ERR_SOCKET_BIND', stale))
    assert.match(output, says('ERR_SOCKET_NOT_A_SOCKET', path.join(runAlex, 'passwd')))
    assert.match(output, /vassal to-root\.ini: refused to chown [^\n]*root/)
    assert.match(output, /\[emperor-tyrant\] invalid permissions for vassal linked\.ini: owned by uid 0/)

    // Nothing outside alex's reach changed: no file in /etc, /etc/passwd as it was, bob's sockets in place.
    for (const file of etcFiles) assert.equal(existsSync(file), false, `${file} was not created`)
    assert.equal(fingerprint('/etc/passwd'), passwdBefore, '/etc/passwd is unchanged')
    assert.equal(lstatSync(bobSocket).ino, bobInode, "bob's socket is the one bob bound")
    assert.equal(lstatSync(stale).uid, bob.uid, "bob's stale socket is still there, still bob's")
    const toRoot = lstatSync(path.join(runAlex, 'to-root.sock'), { throwIfNoEntry: false })
    assert.ok(toRoot === undefined || toRoot.uid === alex.uid, 'no socket was handed to root')
    const bobAnswer = await httpRequest({ socketPath: bobSocket, path: '/' }, { timeoutMs: 30_000 })
    assert.equal(bobAnswer.status, 200, "bob's vassal still answers")

    // No secret text in any log line or in the status document.
    const status = runCli(['status', '--format', 'json', statsPath])
    assert.equal(status.status, 0, status.stderr)
    assert.match(
      status.stdout,
      /"config_error":\s*"[^"]*\/etc\/shadow/,
      'status shows why shadow.ini is invalid',
    )
    for (const text of [output, status.stdout]) {
      assert.equal(text.includes(secret), false, 'the root-only secret never shows')
      for (const line of shadowLines) assert.equal(text.includes(line), false, 'no /etc/shadow line shows')
    }
  },
)

test(
  'tyrant emperor with emperor-tyrant-nofollow runs a symlinked vassal as the link owner, who cannot read a root-only target',
  { timeout: testTimeoutMs, skip },
  async (t) => {
    const { alex } = securityCast()
    const world = makeWorld(t, ['emperor-tyrant = true', 'emperor-tyrant-nofollow = true'])
    const run = makeOwnedDir(world.base, 'run-alex', alex)
    const secret = `tsgi-secret-${randomUUID()}`
    // Root's own vassal file, readable by root only; alex links it into the vassal directory.
    const target = path.join(world.base, 'root-only.ini')
    writeFileSync(target, `http-socket = ${run}/app.sock\n${app(world)}\nenv = SECRET=${secret}\n`, {
      mode: 0o600,
    })
    const link = path.join(world.vassalDir, 'linked.ini')
    symlinkSync(target, link)
    lchownSync(link, alex.uid, alex.gid)
    const tsgi = await startEmperor(t, world)
    const line = await waitForState(tsgi, 'linked.ini', 'invalid')
    assert.match(tsgi.output(), /vassal linked\.ini: config error: [^\n]*permission denied/, line[0])
    assert.equal(tsgi.output().includes(secret), false, 'the root-only text never shows')
    assert.equal(existsSync(path.join(run, 'app.sock')), false, 'nothing was started from the root-only file')
  },
)
