// Logs under journald (DESIGN.md "Logs", issue #5): when JOURNAL_STREAM names the stream stderr really is,
// every line carries a `<N>` syslog priority and no date of tsgi's own; otherwise, and in a `logto` file, the
// normal format. The JOURNAL_STREAM value is computed from the very pipe the test reads the output from.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { deadlineMs, setUp, writeVassal } from '../../helpers/emperor-harness.js'
import { httpRequest } from '../../helpers/http-client.js'
import { appDir, identityArgs } from '../../helpers/instance-setup.js'
import { startTsgi } from '../../helpers/start-tsgi.js'
import { waitFor } from '../../helpers/wait-for.js'

/** Sets JOURNAL_STREAM to the dev:ino of its own stderr (the test's pipe), as systemd does, then execs tsgi. */
const asJournal = [
  'sh',
  '-c',
  'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2); export JOURNAL_STREAM; exec "$@"',
  'sh',
]
/** A JOURNAL_STREAM left over from a parent whose stderr was the journal: stderr is a different stream now. */
const staleJournal = ['sh', '-c', 'JOURNAL_STREAM=1:1; export JOURNAL_STREAM; exec "$@"', 'sh']

const dateFormat = '%Y-%m-%d'
const datePattern = /^\d{4}-\d\d-\d\d - /

function instanceArgs(dir: string, extra: readonly string[] = []): string[] {
  return [
    ...['--http-socket', path.join(dir, 'http.sock'), '--module', 'hello.mjs', '--log-date', dateFormat],
    // An option uWSGI has and tsgi ignores: a warning at start.
    ...['--enable-threads', 'true', ...identityArgs(), ...extra],
  ]
}

const linesOf = (text: string): string[] => text.split('\n').filter((line) => line !== '')

test('logs carry syslog priorities and no dates when stderr is the journal', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const tsgi = await startTsgi(t, instanceArgs(dir.path), { cwd: dir.path, launcher: asJournal })
  const response = await httpRequest({ socketPath: path.join(dir.path, 'http.sock'), path: '/journal' })
  assert.equal(response.status, 200)
  // The worker's request log line comes through the same stderr.
  await tsgi.waitForOutput(/^<6>.*GET \/journal/m)
  tsgi.signal('SIGTERM')
  assert.deepEqual(await tsgi.exited(), { code: 0, signal: null })
  const lines = linesOf(tsgi.output())
  assert.ok(lines.length > 3, tsgi.output())
  for (const line of lines) assert.match(line, /^<[346]>\S/, `every line has a priority: ${line}`)
  assert.ok(lines.includes('<6>goodbye to tsgi'), tsgi.output())
  assert.ok(
    lines.some((line) => line.startsWith('<4>') && line.includes('enable-threads')),
    tsgi.output(),
  )
})

test('logs keep the normal format when JOURNAL_STREAM names another stream', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const tsgi = await startTsgi(t, instanceArgs(dir.path), { cwd: dir.path, launcher: staleJournal })
  tsgi.signal('SIGTERM')
  assert.deepEqual(await tsgi.exited(), { code: 0, signal: null })
  const lines = linesOf(tsgi.output())
  assert.ok(
    lines.every((line) => !/^<\d>/.test(line)),
    tsgi.output(),
  )
  assert.ok(
    lines.some((line) => datePattern.test(line) && line.endsWith('goodbye to tsgi')),
    tsgi.output(),
  )
})

test('logto writes the normal format even when stderr is the journal', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const logFile = path.join(dir.path, 'app.log')
  const tsgi = await startTsgi(t, instanceArgs(dir.path, ['--logto', logFile]), {
    cwd: dir.path,
    launcher: asJournal,
    readyPattern: null,
  })
  await waitFor('the ready line in the logto file', () =>
    existsSync(logFile) && readFileSync(logFile, 'utf8').includes('tsgi is ready') ? true : undefined,
  )
  tsgi.signal('SIGTERM')
  assert.deepEqual(await tsgi.exited(), { code: 0, signal: null })
  const lines = linesOf(readFileSync(logFile, 'utf8'))
  assert.ok(
    lines.every((line) => !/^<\d>/.test(line)),
    lines.join('\n'),
  )
  assert.ok(
    lines.some((line) => datePattern.test(line) && line.endsWith('goodbye to tsgi')),
    lines.join('\n'),
  )
})

test('emperor lines about a vassal that needs the operator carry error and warning priorities under journald', async (t) => {
  const setup = setUp(t)
  writeVassal(setup, 'good')
  writeFileSync(path.join(setup.vassalDir, 'bad.ini'), 'processes = many\n')
  const tsgi = await startTsgi(t, ['--ini', setup.emperorIni], {
    cwd: setup.base,
    launcher: asJournal,
    readyPattern: null,
  })
  await tsgi.waitForOutput(/^<6>\[emperor\] vassal good\.ini: spawning → ready/m, { timeoutMs: deadlineMs })
  await tsgi.waitForOutput(/^<3>\[emperor\] vassal bad\.ini: config error: /m, { timeoutMs: deadlineMs })
  await tsgi.waitForOutput(/^<3>\[emperor\] vassal bad\.ini: \S+ → invalid /m, { timeoutMs: deadlineMs })
  tsgi.signal('SIGTERM')
  assert.deepEqual(await tsgi.exited(), { code: 0, signal: null })
  for (const line of linesOf(tsgi.output()))
    assert.match(line, /^<[346]>\S/, `every line has a priority: ${line}`)
})
