// The emperor's monitors on real files (issue #4, item 1): which vassal files exist and when each changed,
// through inotify, with uWSGI's traps (reference §1.4, §8 item 9) avoided. Most tests set a rescan period
// far beyond their deadlines, so only inotify can explain what they see; deadlines only bound hangs.
import assert from 'node:assert/strict'
import {
  closeSync,
  lchownSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import path from 'node:path'
import { test, type TestContext } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'

import { createMonitor } from '../../../src/emperor/monitors/create-monitor.js'
import { DirMonitor } from '../../../src/emperor/monitors/dir-monitor.js'
import { GlobMonitor } from '../../../src/emperor/monitors/glob-monitor.js'
import type { Monitor, MonitorOptions, VassalFile } from '../../../src/emperor/monitors/monitor.js'
import { TsgiError } from '../../../src/errors/tsgi-error.js'
import { makeTempDir } from '../../helpers/temp-dir.js'
import { waitFor } from '../../helpers/wait-for.js'

type FileSet = ReadonlyMap<string, VassalFile>

interface Recorder {
  readonly sets: FileSet[]
  readonly logs: string[]
  /** Waits for a reported set that satisfies `predicate`, and returns it. */
  until(what: string, predicate: (files: FileSet) => boolean): Promise<FileSet>
}

/** Options with a rescan period no test waits for: what a test sees came through inotify. */
function options(logs: string[], extra: Partial<MonitorOptions> = {}): MonitorOptions {
  return { freqMs: 600_000, log: (line) => logs.push(line), ...extra }
}

function record(
  t: TestContext,
  make: (options: MonitorOptions) => Monitor,
  extra: Partial<MonitorOptions> = {},
) {
  const logs: string[] = []
  const monitor = make(options(logs, extra))
  t.after(() => monitor.close())
  const sets: FileSet[] = []
  monitor.start((files) => sets.push(files))
  const recorder: Recorder = {
    sets,
    logs,
    until: (what, predicate) =>
      waitFor(what, () => {
        const latest = sets.at(-1)
        return latest !== undefined && predicate(latest) ? latest : undefined
      }),
  }
  return { monitor, recorder }
}

const names = (files: FileSet): string[] => [...files.keys()].sort()
const hasNames = (expected: string[]) => (files: FileSet) =>
  names(files).join() === [...expected].sort().join()
const stampOf = (files: FileSet, name: string): string | undefined => files.get(name)?.stamp

/** Counts of the handles and timers keeping the process alive, by kind. */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1)
  return counts
}

test('dir monitor reports vassal files only, with one watch, and releases everything on close', async (t) => {
  const dir = makeTempDir(t)
  for (const name of ['shop.ini', 'api.json', 'web.yaml', 'cron.yml', 'legacy.xml'])
    dir.write(name, '[uwsgi]\n')
  // Editor and tool leftovers, dotfiles, other extensions and directories are never vassals.
  for (const name of ['shop.ini~', '.#shop.ini', '.shop.ini.swp', '4913', 'shop.ini.tmp', '#shop.ini#'])
    dir.write(name, 'x')
  for (const name of ['.hidden.ini', 'notes.txt', 'app.js', 'ini']) dir.write(name, 'x')
  mkdirSync(path.join(dir.path, 'sub.ini'))
  const before = await waitFor('a first look at the resources', () => activeResources())

  const { monitor, recorder } = record(t, (o) => new DirMonitor(dir.path, o))
  // Files written just now are still settling: the first report waits for them, so it is complete.
  const files = await recorder.until('the initial report', () => true)
  assert.deepEqual(names(files), ['api.json', 'cron.yml', 'legacy.xml', 'shop.ini', 'web.yaml'])
  assert.deepEqual(
    names(files).map((name) => files.get(name)?.format),
    ['json', 'yaml', 'xml', 'ini', 'yaml'],
  )
  assert.equal(files.get('shop.ini')?.path, path.join(dir.path, 'shop.ini'))
  assert.equal(
    activeResources().get('FSEventWrap') ?? 0,
    (before.get('FSEventWrap') ?? 0) + 1,
    'one inotify watch for one directory',
  )

  monitor.close()
  monitor.close()
  const reports = recorder.sets.length
  await waitFor('every watcher and timer released', () => {
    const now = activeResources()
    return [...now].every(([kind, count]) => count <= (before.get(kind) ?? 0)) ? true : undefined
  })
  dir.write('late.ini', 'x')
  monitor.rescan()
  assert.equal(recorder.sets.length, reports, 'no report after close')
})

test('dir monitor sees a file added, modified and removed', async (t) => {
  const dir = makeTempDir(t)
  const { recorder } = record(t, (o) => new DirMonitor(dir.path, o))
  await recorder.until('the empty initial set', (set) => set.size === 0)
  dir.write('shop.ini', 'one\n')
  const added = await recorder.until('shop.ini added', hasNames(['shop.ini']))
  dir.write('shop.ini', 'two, longer\n')
  await recorder.until('shop.ini modified', (set) => stampOf(set, 'shop.ini') !== stampOf(added, 'shop.ini'))
  unlinkSync(path.join(dir.path, 'shop.ini'))
  await recorder.until('shop.ini removed', hasNames([]))
})

test('dir monitor sees an atomic rename-over as a change of the file', async (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('shop.ini', 'old\n')
  const { recorder } = record(t, (o) => new DirMonitor(dir.path, o))
  const first = await recorder.until('shop.ini', hasNames(['shop.ini']))
  // Same size, written then renamed over the original: only the inode tells them apart.
  writeFileSync(path.join(dir.path, '.shop.ini.tmp'), 'new\n')
  renameSync(path.join(dir.path, '.shop.ini.tmp'), file)
  const second = await recorder.until(
    'the renamed-over shop.ini',
    (set) => stampOf(set, 'shop.ini') !== stampOf(first, 'shop.ini'),
  )
  assert.deepEqual(names(second), ['shop.ini'])
})

test('dir monitor sees two edits within one second (uWSGI misses the second)', async (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('shop.ini', 'edit 1\n')
  const second = 1_700_000_000
  utimesSync(file, second, second)
  const { recorder } = record(t, (o) => new DirMonitor(dir.path, o))
  const first = await recorder.until('shop.ini', hasNames(['shop.ini']))
  // Same size, same inode, same whole second of mtime: only the nanoseconds differ.
  writeFileSync(file, 'edit 2\n')
  utimesSync(file, second, second + 0.5)
  const edited = await recorder.until(
    'the second edit',
    (set) => stampOf(set, 'shop.ini') !== stampOf(first, 'shop.ini'),
  )
  writeFileSync(file, 'edit 3\n')
  await recorder.until('the third edit', (set) => stampOf(set, 'shop.ini') !== stampOf(edited, 'shop.ini'))
})

/** A vassals/ directory whose shop.ini is a symlink to app/vassal.ini, the usual `ln -s` deployment. */
function symlinkedVassal(t: TestContext) {
  const root = makeTempDir(t)
  const target = root.write('app/vassal.ini', '[uwsgi]\n')
  const vassals = path.join(root.path, 'vassals')
  mkdirSync(vassals)
  const link = path.join(vassals, 'shop.ini')
  symlinkSync(target, link)
  return { root, target, vassals, link }
}

test('dir monitor follows symlinks into the directory and treats a dangling one as absent', async (t) => {
  const { root, target, vassals, link } = symlinkedVassal(t)
  symlinkSync(path.join(root.path, 'app/missing.ini'), path.join(vassals, 'gone.ini'))
  const { monitor, recorder } = record(t, (o) => new DirMonitor(vassals, o))
  const first = await recorder.until('the symlinked shop.ini', hasNames(['shop.ini']))
  assert.equal(first.get('shop.ini')?.path, link, 'the path stays the link')

  // Edited through its own path, outside the watched directory: its own watch sees it.
  writeFileSync(target, '[uwsgi]\nprocesses = 2\n')
  const edited = await recorder.until(
    'the edit of the target',
    (set) => stampOf(set, 'shop.ini') !== stampOf(first, 'shop.ini'),
  )

  if (process.getuid?.() === 0) {
    lchownSync(link, 1234, 4321)
    const chowned = await recorder.until(
      'the link owner change',
      (set) => set.get('shop.ini')?.linkOwner.uid === 1234,
    )
    assert.deepEqual(chowned.get('shop.ini')?.linkOwner, { uid: 1234, gid: 4321 })
    assert.deepEqual(
      chowned.get('shop.ini')?.owner,
      edited.get('shop.ini')?.owner,
      'the owner is the target’s',
    )
  }

  // The missing target appears, then the first target goes: symlinks count exactly while they resolve.
  // Nothing watches a dangling link's target-to-be: the rescan (emperor-freq, SIGHUP) finds it.
  writeFileSync(path.join(root.path, 'app/missing.ini'), '[uwsgi]\n')
  monitor.rescan()
  await recorder.until('gone.ini once its target exists', hasNames(['gone.ini', 'shop.ini']))
  unlinkSync(target)
  await recorder.until('shop.ini dangling', hasNames(['gone.ini']))
})

test('with emperor-nofollow a symlinked vassal changes when the link is replaced, not when its target is', async (t) => {
  const { root, target, vassals, link } = symlinkedVassal(t)
  const { monitor, recorder } = record(t, (o) => new DirMonitor(vassals, o), { isNofollow: true })
  const first = await recorder.until('the symlinked shop.ini', hasNames(['shop.ini']))

  // The target is edited; then a marker file comes, so a report after the edit surely happened.
  writeFileSync(target, '[uwsgi]\nprocesses = 2\n')
  monitor.rescan()
  root.write('vassals/marker.ini', '[uwsgi]\n')
  const afterEdit = await recorder.until('the marker', hasNames(['marker.ini', 'shop.ini']))
  assert.equal(stampOf(afterEdit, 'shop.ini'), stampOf(first, 'shop.ini'), "the target's edit does not count")

  // A new link renamed over the old one (how a deploy switches versions) is a change.
  const next = root.write('app/vassal-2.ini', '[uwsgi]\n')
  symlinkSync(next, path.join(vassals, '.shop.ini.tmp'))
  renameSync(path.join(vassals, '.shop.ini.tmp'), link)
  await recorder.until('the replaced link', (set) => stampOf(set, 'shop.ini') !== stampOf(first, 'shop.ini'))
})

test('dir monitor follows a ConfigMap-style ..data swap', async (t) => {
  const dir = makeTempDir(t)
  const at = (name: string) => path.join(dir.path, name)
  dir.write('..2026_11_21_10_00_00.1/shop.ini', '[uwsgi]\nprocesses = 1\n')
  symlinkSync('..2026_11_21_10_00_00.1', at('..data'))
  symlinkSync('..data/shop.ini', at('shop.ini'))
  const { recorder } = record(t, (o) => new DirMonitor(dir.path, o))
  const first = await recorder.until('shop.ini from the ConfigMap', hasNames(['shop.ini']))

  // kubelet's update: a new timestamped directory, links for new keys, an atomic swap of ..data, cleanup.
  dir.write('..2026_11_21_10_05_00.2/shop.ini', '[uwsgi]\nprocesses = 2\n')
  dir.write('..2026_11_21_10_05_00.2/blog.ini', '[uwsgi]\n')
  symlinkSync('..data/blog.ini', at('blog.ini'))
  symlinkSync('..2026_11_21_10_05_00.2', at('..data_tmp'))
  renameSync(at('..data_tmp'), at('..data'))
  rmSync(at('..2026_11_21_10_00_00.1'), { recursive: true })
  const swapped = await recorder.until(
    'the swapped ConfigMap',
    (set) =>
      hasNames(['blog.ini', 'shop.ini'])(set) && stampOf(set, 'shop.ini') !== stampOf(first, 'shop.ini'),
  )
  assert.equal(swapped.get('blog.ini')?.path, at('blog.ini'))
})

test('dir monitor never reports a half-written file', async (t) => {
  const dir = makeTempDir(t)
  // A settle time far beyond the writer's pause, so the pause cannot pass for the end of the write.
  const { monitor, recorder } = record(t, (o) => new DirMonitor(dir.path, o), { settleMs: 1000 })
  await recorder.until('the empty initial set', (set) => set.size === 0)
  const fd = openSync(path.join(dir.path, 'shop.ini'), 'w')
  writeSync(fd, '[uwsgi]\nsocket = /run/')
  monitor.rescan()
  // The slow writer's pause: part of the scenario, not a wait for an outcome.
  await delay(100)
  monitor.rescan()
  writeSync(fd, 'shop.sock\n')
  closeSync(fd)
  // A file written after the end of shop.ini settles no sooner than it: once it is reported, shop.ini's
  // complete content is too, and any report of the first half would be an earlier, different stamp.
  dir.write('marker.ini', '[uwsgi]\n')
  await recorder.until('the marker written after shop.ini', (set) => set.has('marker.ini'))
  const stamps = new Set(recorder.sets.map((set) => stampOf(set, 'shop.ini')).filter((s) => s !== undefined))
  assert.equal(stamps.size, 1, 'shop.ini was reported with one content only: the complete one')
})

/** Writes `name` under a temporary name and renames it into place, as deploy tools do; returns its path. */
function dropAtomically(dir: string, name: string, text: string): string {
  const file = path.join(dir, name)
  writeFileSync(path.join(dir, `.${name}.tmp`), text)
  renameSync(path.join(dir, `.${name}.tmp`), file)
  return file
}

for (const isNofollow of [false, true]) {
  test(`dir monitor reports a file written and renamed in one timestamp tick at once${isNofollow ? ' with emperor-nofollow' : ''}`, async (t) => {
    const dir = makeTempDir(t)
    // A settle time no wait here reaches: by its times alone (the write and the rename share one tick, so
    // ctime == mtime) the file would wait 60 s, and the 10 s deadline below would fail. Only the kernel's
    // word that no process has it open for writing (the read lease) makes it final sooner.
    const { recorder } = record(t, (o) => new DirMonitor(dir.path, o), { settleMs: 60_000, isNofollow })
    await recorder.until('the empty initial set', (set) => set.size === 0)
    // Most drops fall in one tick (200 of 200 measured); one that crossed a tick is final by its ctime, so
    // it would not show the lease at work: try again under another name.
    let dropped: string | undefined
    for (let attempt = 0; attempt < 20 && dropped === undefined; attempt++) {
      const file = dropAtomically(dir.path, `shop${attempt}.ini`, '[uwsgi]\nsocket = /run/shop.sock\n')
      const { ctimeNs, mtimeNs } = statSync(file, { bigint: true })
      if (ctimeNs === mtimeNs) dropped = path.basename(file)
    }
    assert.ok(dropped !== undefined, 'a write and rename within one timestamp tick')
    await recorder.until(`${dropped} reported`, (set) => set.has(dropped))
  })
}

test('dir monitor does not report a file while a process has it open for writing, and does once it is closed', async (t) => {
  const dir = makeTempDir(t)
  const { recorder } = record(t, (o) => new DirMonitor(dir.path, o), { settleMs: 60_000 })
  await recorder.until('the empty initial set', (set) => set.size === 0)
  // Complete content, but its writer still holds it: the write is not over until it closes it.
  const fd = openSync(path.join(dir.path, 'shop.ini'), 'w')
  let isOpen = true
  t.after(() => {
    if (isOpen) closeSync(fd)
  })
  writeSync(fd, '[uwsgi]\nsocket = /run/shop.sock\n')
  // Created after shop.ini, so every scan that sees the marker has seen shop.ini too, open.
  dropAtomically(dir.path, 'marker.ini', '[uwsgi]\n')
  await recorder.until('the marker dropped after shop.ini', (set) => set.has('marker.ini'))
  assert.ok(
    recorder.sets.every((set) => !set.has('shop.ini')),
    'shop.ini is not reported while its writer has it open',
  )
  closeSync(fd)
  isOpen = false
  // Nothing but the close happens to shop.ini: no inotify event, and 60 s of settle time; the poll of
  // files open for writing is what sees it.
  await recorder.until('shop.ini, closed by its writer', (set) => set.has('shop.ini'))
})

test('dir monitor coalesces a burst of 200 adds and removes into a few reports of the exact final set', async (t) => {
  const dir = makeTempDir(t)
  const { recorder } = record(t, (o) => new DirMonitor(dir.path, o))
  await recorder.until('the empty initial set', (set) => set.size === 0)
  const expected: string[] = []
  for (let index = 0; index < 200; index++) dir.write(`v${index}.ini`, `[uwsgi]\n; ${index}\n`)
  for (let index = 0; index < 200; index++) {
    if (index % 2 === 1) unlinkSync(path.join(dir.path, `v${index}.ini`))
    else expected.push(`v${index}.ini`)
  }
  await recorder.until('the 100 files left', hasNames(expected))
  assert.ok(recorder.sets.length < 50, `coalesced into ${recorder.sets.length} reports`)
})

test('dir monitor reports a vanished directory as empty, with one log line, and picks it up again', async (t) => {
  const root = makeTempDir(t)
  const vassals = path.join(root.path, 'vassals')
  root.write('vassals/shop.ini', '[uwsgi]\n')
  // Here the rescan is the only way back: the watched directory itself is gone.
  const { recorder } = record(t, (o) => new DirMonitor(vassals, o), { freqMs: 200 })
  await recorder.until('shop.ini', hasNames(['shop.ini']))
  rmSync(vassals, { recursive: true })
  await recorder.until('the empty set', (set) => set.size === 0)
  assert.equal(
    recorder.logs.filter((line) => line.includes('cannot read')).length,
    1,
    recorder.logs.join('\n'),
  )
  root.write('vassals/blog.ini', '[uwsgi]\n')
  await recorder.until('blog.ini in the re-created directory', hasNames(['blog.ini']))
  assert.equal(
    recorder.logs.filter((line) => line.includes('cannot read')).length,
    1,
    recorder.logs.join('\n'),
  )
  // The new directory is watched: a file added now needs no rescan.
  root.write('vassals/shop.ini', '[uwsgi]\n')
  await recorder.until('shop.ini back', hasNames(['blog.ini', 'shop.ini']))
})

test('glob monitor matches two levels and names vassals by their path under the fixed prefix', async (t) => {
  const root = makeTempDir(t)
  root.write('shop/conf/vassal.ini', '[uwsgi]\n')
  root.write('shop/conf/extra.json', '{}')
  root.write('blog/conf/vassal.yaml', 'uwsgi: {}\n')
  root.write('.hidden/conf/vassal.ini', '[uwsgi]\n')
  root.write('shop/other/vassal.ini', '[uwsgi]\n')
  const { recorder } = record(t, (o) => createMonitor(path.join(root.path, '*/conf/*.*'), o))
  const first = await recorder.until(
    'the initial matches',
    hasNames(['blog_conf_vassal.yaml', 'shop_conf_extra.json', 'shop_conf_vassal.ini']),
  )
  assert.equal(first.get('shop_conf_vassal.ini')?.path, path.join(root.path, 'shop/conf/vassal.ini'))
  // A new directory on each level is watched as it appears.
  root.write('api/conf/vassal.ini', '[uwsgi]\n')
  await recorder.until(
    'the new api vassal',
    hasNames([
      'api_conf_vassal.ini',
      'blog_conf_vassal.yaml',
      'shop_conf_extra.json',
      'shop_conf_vassal.ini',
    ]),
  )
  rmSync(path.join(root.path, 'shop'), { recursive: true })
  await recorder.until('shop gone', hasNames(['api_conf_vassal.ini', 'blog_conf_vassal.yaml']))
})

test('glob monitor matches ? and [...] classes, and keeps the first of two paths with one name', async (t) => {
  const root = makeTempDir(t)
  for (const file of ['a1/v.ini', 'b2/v.ini', 'x1/v.ini', 'a12/v.ini', '.a/v.ini']) root.write(file, 'x')
  for (const file of ['same/a_b/c.ini', 'same/a/b_c.ini']) root.write(file, 'x')
  const classes = record(t, (o) => createMonitor(`glob://${root.path}/[a-c]?/v.ini`, o)).recorder
  await classes.until('the class matches', hasNames(['a1_v.ini', 'b2_v.ini']))

  const { monitor, recorder } = record(t, (o) => createMonitor(`${root.path}/same/*/*.ini`, o))
  const files = await recorder.until('the colliding names', (set) => set.has('a_b_c.ini'))
  // "a/b_c.ini" sorts before "a_b/c.ini": it wins, and the other is logged once, not on every scan.
  assert.equal(files.get('a_b_c.ini')?.path, path.join(root.path, 'same/a/b_c.ini'))
  monitor.rescan()
  root.write('same/a/d_e.ini', 'x')
  await recorder.until('a later file', (set) => set.has('a_d_e.ini'))
  assert.equal(recorder.logs.filter((line) => line.includes('a_b/c.ini')).length, 1, recorder.logs.join('\n'))
})

test('createMonitor picks the monitor from the scheme, the magic and what exists', async (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('only.ini', '[uwsgi]\n')
  const quiet = options([])
  const made = [
    createMonitor(`dir://${dir.path}`, quiet),
    createMonitor(`glob://${dir.path}/*.ini`, quiet),
    createMonitor(dir.path, quiet),
    createMonitor(path.join(dir.path, 'missing'), quiet),
    createMonitor(`${dir.path}/*.ini`, quiet),
  ]
  for (const monitor of made) t.after(() => monitor.close())
  const kindOf = (monitor: Monitor) =>
    monitor instanceof DirMonitor ? 'dir' : monitor instanceof GlobMonitor ? 'glob' : 'other'
  assert.deepEqual(made.map(kindOf), ['dir', 'glob', 'dir', 'dir', 'glob'])
  assert.throws(
    () => createMonitor('pg://dbname=tsgi;SELECT name, config, ts FROM vassals', quiet),
    (error: unknown) => error instanceof TsgiError && error.code === 'ERR_CONFIG_INVALID_VALUE',
  )
  // uWSGI's rule: one existing file is a glob that matches that file.
  const { recorder } = record(t, (o) => createMonitor(file, o))
  const files = await recorder.until('the one file', hasNames(['only.ini']))
  assert.equal(files.get('only.ini')?.path, file)
})
