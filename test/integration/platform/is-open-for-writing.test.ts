// isOpenForWriting on real files (issue #4: the emperor waits for a vassal file's write to finish): the read
// lease answers for fds in this process and in others, and everything it cannot vouch for is `undefined`:
// what is not a regular file (a directory, a FIFO), a missing file, a file that is no longer the version the
// caller statted, and a file a process neither owns nor may lease (an emperor without CAP_LEASE).
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import {
  chownSync,
  closeSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'

import { isOpenForWriting } from '../../../src/platform/is-open-for-writing.js'
import { makeTempDir } from '../../helpers/temp-dir.js'
import { asUser, isRoot, whoIs } from '../../helpers/test-users.js'
import { tsgiRoot } from '../../helpers/tsgi-install.js'
import { waitForExit } from '../../helpers/wait-for.js'

test('isOpenForWriting tells a file open for writing here from one closed or open only for reading', async (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('shop.ini', '[uwsgi]\n')
  assert.equal(await isOpenForWriting(file), false, 'nobody has it open')
  const reader = openSync(file, 'r')
  t.after(() => closeSync(reader))
  assert.equal(await isOpenForWriting(file), false, 'a reader is not a writer')
  const writer = openSync(file, 'a')
  let isWriterOpen = true
  t.after(() => {
    if (isWriterOpen) closeSync(writer)
  })
  assert.equal(await isOpenForWriting(file), true, 'open for appending in this process')
  writeSync(writer, 'socket = /run/shop.sock\n')
  closeSync(writer)
  isWriterOpen = false
  assert.equal(await isOpenForWriting(file), false, 'closed by its writer')
})

test('isOpenForWriting sees a writer in another process, until that process exits', async (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('shop.ini', '[uwsgi]\n')
  const fd = openSync(file, 'a')
  // The child's stdout is the file: once spawn returns, the child holds it, and then only the child does.
  const child = spawn('sleep', ['60'], { stdio: ['ignore', fd, 'ignore'] })
  closeSync(fd)
  t.after(() => child.kill('SIGKILL'))
  assert.equal(await isOpenForWriting(file), true, 'open for writing in the child')
  child.kill('SIGTERM')
  await waitForExit(child, 'sleep', 10_000)
  assert.equal(await isOpenForWriting(file), false, 'the child is gone')
})

test('isOpenForWriting cannot tell for a directory, a FIFO, a missing file or a swapped one', async (t) => {
  const dir = makeTempDir(t)
  mkdirSync(path.join(dir.path, 'sub.ini'))
  assert.equal(await isOpenForWriting(path.join(dir.path, 'sub.ini')), undefined, 'a directory')
  const fifo = path.join(dir.path, 'pipe.ini')
  await promisify(execFile)('mkfifo', [fifo])
  assert.equal(await isOpenForWriting(fifo), undefined, 'a FIFO (never opened: a writer would block here)')
  assert.equal(await isOpenForWriting(path.join(dir.path, 'gone.ini')), undefined, 'a missing file')

  const file = dir.write('shop.ini', 'one\n')
  const version = statSync(file, { bigint: true })
  assert.equal(await isOpenForWriting(file, { version }), false, 'the version statted')
  // Same size, new inode: what a rename-over between the caller's stat and the lease looks like.
  writeFileSync(path.join(dir.path, '.shop.ini.tmp'), 'two\n')
  renameSync(path.join(dir.path, '.shop.ini.tmp'), file)
  assert.equal(await isOpenForWriting(file, { version }), undefined, 'another file at that path now')
  const link = path.join(dir.path, 'link.ini')
  symlinkSync(file, link)
  assert.equal(await isOpenForWriting(link), false, 'a symlink is followed')
  assert.equal(await isOpenForWriting(link, { isNofollow: true }), undefined, 'unless told not to')
})

test('isOpenForWriting tells its own files to an unprivileged process, and cannot tell others', async (t) => {
  if (!isRoot()) {
    t.skip('needs root to run a process as nobody and give it a file')
    return
  }
  const nobody = whoIs('nobody')
  const dir = makeTempDir(t)
  const rootsFile = dir.write('root.ini', '[uwsgi]\n')
  const ownFile = dir.write('own.ini', '[uwsgi]\n')
  chownSync(ownFile, nobody.uid, nobody.gid)
  // The module as an emperor running as nobody loads it, from a build every user can read.
  const module = path.join(tsgiRoot(), 'dist', 'src', 'platform', 'is-open-for-writing.js')
  const script = `const { isOpenForWriting } = await import(process.argv[1])
const answers = await Promise.all(process.argv.slice(2).map((file) => isOpenForWriting(file)))
console.log(JSON.stringify(answers.map(String)))`
  const [setpriv = 'setpriv', ...setprivArgs] = asUser(nobody)
  const { stdout } = await promisify(execFile)(
    setpriv,
    [...setprivArgs, process.execPath, '--input-type=module', '-e', script, module, ownFile, rootsFile],
    { timeout: 30_000 },
  )
  assert.deepEqual(JSON.parse(stdout), ['false', 'undefined'], "its own file: told; root's: cannot tell")
})
