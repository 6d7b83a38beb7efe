// User and group lookups read /etc/passwd and /etc/group themselves when nsswitch.conf names `files` first,
// and must then agree with getent(1) on every entry; anything the files lack still goes to getent.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { appendFileSync, readFileSync } from 'node:fs'
import { test } from 'node:test'

import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js'
import { ensureUsers, isRoot, securityUsers } from '../../helpers/test-users.js'
import { UserDirectory, type UserDatabasePaths } from '../../../src/platform/user-directory.js'

/** getent's answer as the fields lookups return, or undefined when it finds nothing. */
function getent(database: 'passwd' | 'group', key: string | number): Record<string, unknown> | undefined {
  let output: string
  try {
    output = execFileSync('getent', [database, String(key)], { encoding: 'utf8', stdio: 'pipe' })
  } catch {
    return undefined
  }
  const [name, , id, gid, , home] = output.split('\n')[0]?.split(':') ?? []
  return database === 'passwd' ? { name, uid: Number(id), gid: Number(gid), home } : { name, gid: Number(id) }
}

/** Name and id of every entry of a passwd or group file, skipping comments and NIS compat lines. */
function entriesOf(file: string): { name: string; id: number }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      const [name = '', , id] = line.split(':')
      return name.length === 0 || /^[#+-]/.test(name) ? [] : [{ name, id: Number(id) }]
    })
}

test('user lookups agree with getent for every /etc/passwd entry, by name and by uid', () => {
  const directory = new UserDirectory()
  const entries = entriesOf('/etc/passwd')
  assert.ok(entries.length > 0)
  for (const { name, id } of entries) {
    assert.deepEqual(directory.lookupUser(name), getent('passwd', name), name)
    assert.deepEqual(directory.lookupUser(id), getent('passwd', id), `uid ${id}`)
  }
})

test('group lookups agree with getent for every /etc/group entry, by name and by gid', () => {
  const directory = new UserDirectory()
  const entries = entriesOf('/etc/group')
  assert.ok(entries.length > 0)
  for (const { name, id } of entries) {
    assert.deepEqual(directory.lookupGroup(name), getent('group', name), name)
    assert.deepEqual(directory.lookupGroup(id), getent('group', id), `gid ${id}`)
  }
})

test(
  'user lookups see a user useradd makes after a miss',
  { skip: isRoot() ? false : 'needs root to run useradd' },
  () => {
    const directory = new UserDirectory()
    // The shared test users, made once (DESIGN.md "Testing"): on a fresh machine this test makes them and
    // sees the miss first; on later runs they exist and only the agreement with getent is checked.
    for (const { user, group } of securityUsers) {
      const wasMissing = directory.lookupUser(user) === undefined
      assert.equal(ensureUsers([{ user, group }]), undefined)
      const entry = directory.lookupUser(user)
      assert.ok(entry !== undefined, `${user} is seen${wasMissing ? ' after useradd' : ''}`)
      assert.deepEqual(entry, getent('passwd', user))
      assert.deepEqual(directory.lookupUser(entry.uid), getent('passwd', entry.uid))
      assert.deepEqual(directory.lookupGroup(group), getent('group', group))
    }
  },
)

/** A copy of the NSS configuration in a temp dir: nsswitch.conf as given, passwd and group as given. */
function fakeDatabases(
  dir: TempDir,
  files: { nsswitch?: string | undefined; passwd: string; group: string },
): UserDatabasePaths {
  return {
    nsswitch:
      files.nsswitch === undefined ? `${dir.path}/absent.conf` : dir.write('nsswitch.conf', files.nsswitch),
    passwd: dir.write('passwd', files.passwd),
    group: dir.write('group', files.group),
  }
}

// Names and ids no real NSS service knows (checked below), so only the files can give them.
const filesOnlyUser = { name: 'tsgi-files-only', uid: 4_000_042, gid: 4_000_043, home: '/nonexistent' }
const filesOnlyGroup = { name: 'tsgi-files-only', gid: 4_000_043 }
const passwdText = `tsgi-files-only:x:4000042:4000043::/nonexistent:/usr/sbin/nologin\n`
const groupText = `tsgi-files-only:x:4000043:\n`

test('lookups answer from the files when nsswitch.conf names files first', (t) => {
  assert.equal(getent('passwd', filesOnlyUser.name), undefined, 'NSS itself does not know the user')
  assert.equal(getent('group', filesOnlyGroup.gid), undefined, 'NSS itself does not know the group')
  const dir = makeTempDir(t)
  const nsswitch = '# test\npasswd:  files [NOTFOUND=continue] systemd\ngroup: files\n'
  const directory = new UserDirectory(fakeDatabases(dir, { nsswitch, passwd: passwdText, group: groupText }))
  assert.deepEqual(directory.lookupUser(filesOnlyUser.name), filesOnlyUser)
  assert.deepEqual(directory.lookupUser(filesOnlyUser.uid), filesOnlyUser)
  assert.deepEqual(directory.lookupGroup(filesOnlyGroup.name), filesOnlyGroup)
  assert.deepEqual(directory.lookupGroup(filesOnlyGroup.gid), filesOnlyGroup)
})

test('lookups of names and ids the files lack go to getent', (t) => {
  const dir = makeTempDir(t)
  const paths = fakeDatabases(dir, {
    nsswitch: 'passwd: files\ngroup: files\n',
    passwd: passwdText,
    group: groupText,
  })
  const directory = new UserDirectory(paths)
  // root is in the real databases, not in these files: only getent can have answered.
  assert.deepEqual(directory.lookupUser('root'), getent('passwd', 'root'))
  assert.deepEqual(directory.lookupUser(0), getent('passwd', 0))
  assert.deepEqual(directory.lookupGroup('root'), getent('group', 'root'))
  assert.ok(directory.lookupUser('root') !== undefined)
  assert.equal(directory.lookupUser('tsgi-absent-everywhere'), undefined)
  // A miss is not cached: an entry added to the file afterwards is seen.
  assert.equal(directory.lookupUser('tsgi-added-later'), undefined)
  appendFileSync(paths.passwd, 'tsgi-added-later:x:4000044:4000043::/nonexistent:/usr/sbin/nologin\n')
  assert.deepEqual(directory.lookupUser('tsgi-added-later')?.uid, 4_000_044)
})

test('lookups ignore the files when nsswitch.conf is missing or does not name files first', (t) => {
  const dir = makeTempDir(t)
  const configurations = [
    undefined,
    'passwd: systemd files\ngroup: systemd files\n',
    'passwd: compat\ngroup: compat\n',
    'passwd: files [SUCCESS=merge] systemd\ngroup: files [SUCCESS=merge] systemd\n',
    'hosts: files dns\n',
  ]
  for (const nsswitch of configurations) {
    const directory = new UserDirectory(
      fakeDatabases(dir, { nsswitch, passwd: passwdText, group: groupText }),
    )
    assert.equal(directory.lookupUser(filesOnlyUser.name), undefined, String(nsswitch))
    assert.equal(directory.lookupGroup(filesOnlyGroup.gid), undefined, String(nsswitch))
    assert.deepEqual(directory.lookupUser('root'), getent('passwd', 'root'), String(nsswitch))
  }
})
