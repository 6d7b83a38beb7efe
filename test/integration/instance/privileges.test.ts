// An instance's privileges and its failures at start (issue #3, Deliver 1-2 and Acceptance): workers run as
// the configured user with empty capability sets and die with their master, app code never runs as root by
// accident, sockets get the asked owner, and an address in use is one clear line with exit code 3.
import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { test, type TestContext } from 'node:test'

import { appDir, identityArgs } from '../../helpers/instance-setup.js'
import { startTsgi, type RunningTsgi } from '../../helpers/start-tsgi.js'
import { ensureSeedUsers, isRoot } from '../../helpers/test-users.js'
import { waitFor, waitForEvent } from '../../helpers/wait-for.js'
import { lookupGroup, lookupUser } from '../../../src/platform/user-directory.js'

const needsRoot = isRoot() ? false : 'needs root: changing users and owners is what is tested'
const eventDeadlineMs = 10_000

/** The `Name:\tvalue` lines of /proc/PID/status. */
function procStatus(pid: number): Map<string, string> {
  const lines = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')
  return new Map(
    lines.flatMap((line) => {
      const colon = line.indexOf(':')
      return colon === -1 ? [] : [[line.slice(0, colon), line.slice(colon + 1).trim()] as const]
    }),
  )
}

/** CPU time (user + system, in clock ticks) the process has used: fields 14 and 15 of /proc/PID/stat. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  return Number(fields[11]) + Number(fields[12])
}

function errorLines(output: string): string[] {
  return output.split('\n').filter((line) => /\berror\b/i.test(line))
}

test(
  'instance processes run as the uid and gid user with empty capability sets',
  { skip: needsRoot },
  async (t) => {
    assert.equal(ensureSeedUsers(), undefined)
    const user = lookupUser('alex')
    const group = lookupGroup('users')
    assert.ok(user !== undefined && group !== undefined, 'the seed users exist')
    const dir = appDir(t, 'hello.mjs')
    const tsgi = await startTsgi(
      t,
      [
        '--http-socket',
        path.join(dir.path, 'http.sock'),
        '--module',
        'hello.mjs',
        '--processes',
        '2',
        '--uid',
        'alex',
        '--gid',
        'users',
      ],
      { cwd: dir.path },
    )
    assert.equal(tsgi.workerPids().length, 2)

    for (const pid of tsgi.processes()) {
      const role = pid === tsgi.pid ? `master ${pid}` : `worker ${pid}`
      const status = procStatus(pid)
      // Real, effective, saved and filesystem ids.
      assert.deepEqual(status.get('Uid')?.split(/\s+/).map(Number), Array(4).fill(user.uid), role)
      assert.deepEqual(status.get('Gid')?.split(/\s+/).map(Number), Array(4).fill(group.gid), role)
      // initgroups for alex: only the groups alex is in, never root's.
      const groups = status.get('Groups')?.split(/\s+/).filter(Boolean).map(Number) ?? []
      assert.ok(!groups.includes(0), `${role} keeps no root group: ${groups.join(' ')}`)
      for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapAmb'])
        assert.equal(BigInt(`0x${status.get(set) ?? 'missing'}`), 0n, `${role} ${set}`)
    }
  },
)

test(
  'instance refuses to run app code as root without uid, naming allow-root',
  { skip: needsRoot },
  async (t) => {
    const dir = appDir(t, 'hello.mjs')
    const tsgi = await startTsgi(
      t,
      ['--http-socket', path.join(dir.path, 'http.sock'), '--module', 'hello.mjs'],
      {
        cwd: dir.path,
        readyPattern: null,
      },
    )

    assert.deepEqual(await tsgi.exited(), { code: 1, signal: null }, tsgi.output())
    assert.match(tsgi.output(), /allow-root/)
    assert.doesNotMatch(tsgi.output(), /spawned tsgi worker/)
    assert.doesNotMatch(tsgi.output(), /^\s+at /m, 'no stack trace')
    assert.deepEqual(tsgi.processes(), [])
  },
)

/** Owners asked with chown-socket: the workers' own user, and a user that is neither root nor the workers. */
const socketOwners = [
  { owner: 'nobody:nogroup', user: 'nobody', group: 'nogroup' },
  { owner: 'alex:users', user: 'alex', group: 'users' },
] as const

for (const { owner, user, group } of socketOwners) {
  test(
    `instance gives its unix socket the owner ${owner} and mode 660 when chown-socket asks`,
    { skip: needsRoot },
    async (t) => {
      assert.equal(ensureSeedUsers(), undefined)
      const dir = appDir(t, 'hello.mjs')
      const socketPath = path.join(dir.path, 'uwsgi.sock')
      await startTsgi(
        t,
        [
          '--socket',
          socketPath,
          '--chown-socket',
          owner,
          '--chmod-socket',
          '660',
          '--module',
          'hello.mjs',
          ...identityArgs(),
        ],
        { cwd: dir.path },
      )

      const stat = statSync(socketPath)
      assert.ok(stat.isSocket())
      assert.equal(stat.uid, lookupUser(user)?.uid)
      assert.equal(stat.gid, lookupGroup(group)?.gid)
      assert.equal(stat.mode & 0o777, 0o660)
    },
  )
}

/** Sends GET /spin, which blocks the worker's event loop forever; the request is destroyed when the test ends. */
async function spin(t: TestContext, socketPath: string): Promise<void> {
  const req = http.request({ socketPath, path: '/spin', agent: false })
  t.after(() => req.destroy())
  req.on('error', () => undefined) // The worker never answers; it dies with its master.
  req.end()
  await waitForEvent(req, 'finish', 'GET /spin to be written', eventDeadlineMs)
}

async function waitUntilSpinning(tsgi: RunningTsgi, pid: number): Promise<void> {
  // An idle worker burns no CPU; one in the busy loop burns it continuously. 50 ticks (half a second of CPU
  // at the usual 100 Hz) after the request was sent means it is in the loop.
  const before = cpuTicks(pid)
  await waitFor(`worker ${pid} to spin on /spin:\n${tsgi.output()}`, () =>
    cpuTicks(pid) - before >= 50 ? true : undefined,
  )
}

test('instance worker dies with its master when the master is SIGKILLed while the worker is in a busy loop', async (t) => {
  const dir = appDir(t, 'busy-loop.mjs')
  const socketPath = path.join(dir.path, 'http.sock')
  const tsgi = await startTsgi(
    t,
    ['--http-socket', socketPath, '--module', 'busy-loop.mjs', ...identityArgs()],
    {
      cwd: dir.path,
    },
  )
  const [worker] = tsgi.workerPids()
  assert.ok(worker !== undefined, 'one worker runs')

  await spin(t, socketPath)
  await waitUntilSpinning(tsgi, worker)
  tsgi.signal('SIGKILL')

  assert.deepEqual(await tsgi.exited(), { code: null, signal: 'SIGKILL' })
  // Deadline: the parent-death signal is immediate; 10 s only bounds a hang.
  await waitFor(`worker ${worker} to die after its master was SIGKILLed`, () =>
    tsgi.processes().length === 0 ? true : undefined,
  )
})

/** Listens on `address` (a unix path or 127.0.0.1:0) until the test ends; returns the address as tsgi writes it. */
async function occupy(t: TestContext, unixPath: string | undefined): Promise<string> {
  const server = net.createServer((socket) => socket.destroy())
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  if (unixPath === undefined) server.listen(0, '127.0.0.1')
  else server.listen(unixPath)
  await waitForEvent(server, 'listening', 'the test server to occupy the address', eventDeadlineMs)
  const address = server.address()
  if (unixPath !== undefined) return unixPath
  assert.ok(address !== null && typeof address === 'object')
  return `127.0.0.1:${address.port}`
}

// The TCP case is a regression test: libuv keeps a TCP bind's EADDRINUSE until listen(), and the master once
// went on to let its workers listen on a random port of every interface.
const occupiedAddresses = [
  { kind: 'unix socket', option: '--socket' },
  { kind: 'TCP port', option: '--http-socket' },
] as const

for (const { kind, option } of occupiedAddresses) {
  test(`instance exits with code 3 and one error line naming the address when its ${kind} is in use`, async (t) => {
    const dir = appDir(t, 'hello.mjs')
    const address = await occupy(t, kind === 'unix socket' ? path.join(dir.path, 'taken.sock') : undefined)
    const tsgi = await startTsgi(t, [option, address, '--module', 'hello.mjs', ...identityArgs()], {
      cwd: dir.path,
      readyPattern: null,
    })

    assert.deepEqual(await tsgi.exited(15_000), { code: 3, signal: null }, tsgi.output())
    const errors = errorLines(tsgi.output())
    assert.equal(errors.length, 1, tsgi.output())
    assert.ok(errors[0]?.includes(address), `the error names ${address}: ${errors[0] ?? ''}`)
    assert.doesNotMatch(tsgi.output(), /^\s+at /m, 'no stack trace')
    assert.doesNotMatch(tsgi.output(), /spawned tsgi worker/)
    assert.deepEqual(tsgi.processes(), [])
  })
}
