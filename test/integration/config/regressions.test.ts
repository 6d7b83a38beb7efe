// Regression tests for config bugs found in review (issue #2), each named by the behaviour it pins down.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'

import { builtMain } from '../../helpers/fixture-path.js'
import { loadErrors, loadOk } from '../../helpers/load.js'
import { runCli } from '../../helpers/run-cli.js'
import { makeTempDir } from '../../helpers/temp-dir.js'

test('a bare key followed by a comment holding "=" is still a bare key', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', '[uwsgi]\nmaster ; x = 1\n')
  assert.equal(loadOk([file]).config.master, true)
})

test('a section that holds only comments exists and is not "no sections"', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', '[uwsgi]\n; nothing yet\n[other]\nprocesses = 2\n')
  assert.equal(loadOk([file]).config.processes, 1)
})

test('strict = off and strict = no leave strict mode off; the last value wins', (t) => {
  const dir = makeTempDir(t)
  for (const text of [
    'strict = off\nsharedarea = 1\n',
    'strict = no\nsharedarea = 1\n',
    'strict\nstrict = 0\nsharedarea = 1\n',
  ]) {
    assert.ok(loadOk([dir.write('app.ini', text)]).codes.includes('WARN_CONFIG_UWSGI_OPTION'), text)
  }
  assert.equal(
    loadErrors([dir.write('app.ini', 'strict = 0\nstrict = yes\nsharedarea = 1\n')])[0]?.code,
    'ERR_CONFIG_UNSUPPORTED_OPTION',
  )
})

test('flags whose empty value means something still take a following value', () => {
  const { config } = loadOk(['--log-date', '%Y', '--chmod-socket', '660', '--processes', '2'])
  assert.equal(config.logDate, '%Y')
  assert.equal(config.chmodSocket, 0o660)
  const bare = loadOk(['--chmod-socket', '--processes', '2']).config
  assert.equal(bare.chmodSocket, 0o666)
})

test('an ignored uWSGI option on the command line takes its value instead of loading it as a file', () => {
  const { codes } = loadOk(['--offload-threads', '4', '--processes', '2'])
  assert.ok(codes.includes('WARN_CONFIG_IGNORED_OPTION'))
})

test('bare --endif and --endfor close blocks on the command line', () => {
  const { config } = loadOk(['--if-env', 'PATH', '--processes', '3', '--endif'], { PATH: '/bin' })
  assert.equal(config.processes, 3)
})

test('tsgi check DIR skips a Node app entry file (.js is not a config format)', (t) => {
  const dir = makeTempDir(t)
  dir.write('app.js', 'export default () => {}\n')
  dir.write('app.ini', 'processes = 2\n')
  const result = runCli(['check', dir.path])
  assert.equal(result.status, 0, result.stdout)
  assert.doesNotMatch(result.stdout, /app\.js/)
})

test('YAML numbers are taken as written: a 0-prefixed umask stays octal, 0o660 is refused', (t) => {
  const dir = makeTempDir(t)
  assert.equal(loadOk([dir.write('a.yaml', 'uwsgi:\n  umask: 022\n')]).config.umask, 0o22)
  assert.equal(
    loadErrors([dir.write('b.yaml', 'uwsgi:\n  chmod-socket: 0o660\n')])[0]?.code,
    'ERR_CONFIG_INVALID_VALUE',
  )
})

test('print-config --format json never shows text read through @(file)', (t) => {
  const dir = makeTempDir(t)
  dir.write('secret', 'hunter2')
  const file = dir.write('app.ini', 'chdir = /srv/@(secret)\n')
  const result = runCli(['print-config', file, '--format', 'json'])
  assert.equal(result.status, 0)
  assert.doesNotMatch(result.stdout, /hunter2/)
})

test('tsgi check piped into a reader that stops early exits without a stack trace', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', Array.from({ length: 3000 }, (_, i) => `p${i} = x\n`).join(''))
  // A real pipe into head(1), which closes it after the first line while tsgi is still writing.
  const result = spawnSync('sh', ['-c', `"${process.execPath}" "${builtMain()}" check "${file}" | head -1`], {
    encoding: 'utf8',
  })
  assert.equal(result.stdout.split('\n').length, 2)
  assert.doesNotMatch(result.stderr, /EPIPE|Error|at .*:\d+:\d+/)
})

test('tsgi check of a directory without configs is a usage error', (t) => {
  const dir = makeTempDir(t)
  const result = runCli(['check', dir.path])
  assert.equal(result.status, 2)
  assert.match(result.stderr + result.stdout, /ERR_USAGE_NO_CONFIG_FILES/)
})

test('[tsgi] overriding [uwsgi] is not reported as an overridden option', (t) => {
  const dir = makeTempDir(t)
  const { codes } = loadOk([dir.write('app.ini', '[uwsgi]\nprocesses = 2\n[tsgi]\nprocesses = 4\n')])
  assert.ok(!codes.includes('WARN_CONFIG_OVERRIDDEN'))
})

test('JSON and YAML: keys outside the section are reported, a flat file has [uwsgi], {} is empty', (t) => {
  const dir = makeTempDir(t)
  const outside = loadOk([dir.write('a.json', '{"processes": 3, "uwsgi": {"master": true}}')])
  assert.ok(outside.codes.includes('WARN_INI_OUTSIDE_SECTION'))
  assert.equal(loadOk(['--json', `${dir.write('flat.json', '{"processes": 3}')}:uwsgi`]).config.processes, 3)
  assert.equal(loadErrors([dir.write('empty.json', '{}')])[0]?.code, 'ERR_CONFIG_EMPTY_FILE')
})

test('an unknown flag with a value is one error, not two', () => {
  const result = runCli(['--procesess', '4'])
  assert.equal(result.status, 2)
  assert.equal(result.stderr.match(/ error /g)?.length, 1, result.stderr)
})

test('TSGI_PLUGINS sets the plugins option', () => {
  assert.deepEqual(loadOk([], { TSGI_PLUGINS: 'node', TSGI_PROCESSES: '1' }).config.plugin, [['node']])
})

test('a unix socket path over the kernel limit says what the limit is', () => {
  const [error] = loadErrors(['--socket', `/${'x'.repeat(120)}`])
  assert.match(error?.message ?? '', /at most 107 bytes/)
})
