// The tyrant emperor's privileged chown (DESIGN.md "Privileges": only a socket the vassal itself bound, by a
// verified path, never through a symlink) against a hostile vassal master: a real process running as alex
// sends forged chown-socket requests over a real IPC channel to the emperor's own request handler. Each
// refusal is checked on disk: nothing outside alex's own socket changes owner.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chownSync, lchownSync, lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { test, type TestContext } from 'node:test'

import { chownVassalSocket, serveChownRequests } from '../../../src/emperor/chown-vassal-socket.js'
import type { SocketChownGrant } from '../../../src/emperor/socket-chown-grant.js'
import { fingerprint } from '../../helpers/file-fingerprint.js'
import { fixturePath } from '../../helpers/fixture-path.js'
import { makeTempDir } from '../../helpers/temp-dir.js'
import { asUser, isRoot, makeOwnedDir, securityCast, type Who } from '../../helpers/test-users.js'
import { waitForExit } from '../../helpers/wait-for.js'

const skip = isRoot() ? false : 'needs root: the emperor side chowns sockets of test users'

interface Answer {
  readonly type: string
  readonly path: string
  readonly refusal: string | null
}

/** A listening unix socket at `file`, owned by `owner` as if that user had bound it; closed after the test. */
async function socketOwnedBy(t: TestContext, file: string, owner: Who): Promise<string> {
  const server = net.createServer().listen(file)
  t.after(() => server.close())
  await new Promise((resolve) => server.once('listening', resolve))
  lchownSync(file, owner.uid, owner.gid)
  return file
}

test(
  'tyrant emperor chowns only the vassal’s own configured socket, whatever a forged request names',
  { timeout: 60_000, skip },
  async (t) => {
    const { alex, bob, nginx } = securityCast()
    const dir = makeTempDir(t)
    const forger = dir.write(
      'forge-chown-requests.mjs',
      readFileSync(fixturePath('tools', 'forge-chown-requests.mjs')),
    )
    const runAlex = makeOwnedDir(dir.path, 'run-alex', alex)
    const runBob = makeOwnedDir(dir.path, 'run-bob', bob)

    const own = await socketOwnedBy(t, path.join(runAlex, 'app.sock'), alex)
    const unlisted = await socketOwnedBy(t, path.join(runAlex, 'unlisted.sock'), alex)
    const bobs = await socketOwnedBy(t, path.join(runBob, 'bob.sock'), bob)
    const regular = path.join(runAlex, 'regular')
    writeFileSync(regular, 'not a socket\n')
    chownSync(regular, alex.uid, alex.gid)
    // alex's own symlinks: a socket path that points at /etc/passwd, and a directory that points at /etc.
    const fileLink = path.join(runAlex, 'link.sock')
    symlinkSync('/etc/passwd', fileLink)
    lchownSync(fileLink, alex.uid, alex.gid)
    const dirLink = path.join(runAlex, 'etc')
    symlinkSync('/etc', dirLink)
    lchownSync(dirLink, alex.uid, alex.gid)
    const throughDir = path.join(dirLink, 'passwd')

    // Everything but `unlisted` is "configured": the checks past the path list must refuse them too.
    const grant: SocketChownGrant = {
      paths: [own, bobs, regular, fileLink, throughDir],
      uid: nginx.uid,
      gid: nginx.gid,
      text: 'nginx:nginx',
    }
    const watched = ['/etc/passwd', '/etc/shadow', bobs, regular, unlisted]
    const before = new Map(watched.map((file) => [file, fingerprint(file)]))
    const requests = [
      '/etc/passwd',
      '/etc/shadow',
      'run-alex/app.sock',
      fileLink,
      throughDir,
      regular,
      bobs,
      unlisted,
      own,
      own,
    ]

    const [setpriv = 'setpriv', ...setprivArgs] = asUser(alex)
    const child = spawn(setpriv, [...setprivArgs, process.execPath, forger, JSON.stringify(requests)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      serialization: 'json',
    })
    t.after(() => child.kill('SIGKILL'))
    const log: string[] = []
    serveChownRequests(child, { grant, vassal: alex, log: (line) => log.push(line) })
    let stdout = ''
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    assert.deepEqual(await waitForExit(child, 'the forger to get its answers', 30_000), {
      code: 0,
      signal: null,
    })

    const answers = JSON.parse(stdout) as Answer[]
    assert.deepEqual(
      answers.map((answer) => answer.path),
      requests,
      'every request was answered, in order',
    )
    const refusals = answers.map((answer) => answer.refusal)
    assert.deepEqual(
      refusals.map((refusal) => refusal === null),
      [false, false, false, false, false, false, false, false, true, false],
      `only the first request for its own socket is done: ${JSON.stringify(refusals)}`,
    )
    assert.match(refusals[0] ?? '', /not one of the unix sockets/)
    assert.match(refusals[3] ?? '', /symbolic link/)
    assert.match(refusals[4] ?? '', /not a socket/)
    assert.match(refusals[5] ?? '', /not a socket/)
    assert.match(refusals[6] ?? '', /owned by uid/)
    assert.match(refusals[9] ?? '', /already answered/)
    assert.equal(log.length, requests.length, 'the emperor logged each decision')

    for (const [file, print] of before) assert.equal(fingerprint(file), print, `${file} is unchanged`)
    assert.deepEqual(
      [lstatSync(fileLink).uid, lstatSync(dirLink).uid],
      [alex.uid, alex.uid],
      'the links are alex’s',
    )
    const chowned = lstatSync(own)
    assert.deepEqual([chowned.uid, chowned.gid], [nginx.uid, nginx.gid], 'its own socket went to nginx:nginx')
  },
)

test('tyrant emperor never hands a vassal socket to root', { timeout: 60_000, skip }, async (t) => {
  const { alex } = securityCast()
  const dir = makeTempDir(t)
  const own = await socketOwnedBy(t, path.join(makeOwnedDir(dir.path, 'run', alex), 'app.sock'), alex)
  const refusal = chownVassalSocket(own, { paths: [own], uid: 0, gid: 0, text: 'root:root' }, alex)
  assert.match(refusal ?? '', /root/)
  assert.equal(lstatSync(own).uid, alex.uid)
})
