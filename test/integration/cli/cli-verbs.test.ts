// The CLI verbs as users run them: help, version, check (text and JSON), print-config.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

import { optionDefs } from '../../../src/config/options/option-lookup.js'
import { builtMain, projectPath } from '../../helpers/fixture-path.js'
import { runCli } from '../../helpers/run-cli.js'
import { identityArgs } from '../../helpers/instance-setup.js'
import { makeTempDir } from '../../helpers/temp-dir.js'

test('tsgi --version prints the package version', () => {
  const version = (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string })
    .version
  const result = runCli(['--version'])
  assert.equal(result.status, 0)
  assert.equal(result.stdout, `tsgi ${version}\n`)
})

test('tsgi --help lists every option of the registry, grouped', () => {
  const result = runCli(['--help'])
  assert.equal(result.status, 0)
  for (const def of optionDefs) assert.match(result.stdout, new RegExp(`--${def.name}\\b`), def.name)
  assert.match(result.stdout, /^Sockets and protocols:$/m)
})

test('tsgi help OPTION explains an option found by an alias', () => {
  const result = runCli(['help', 'workers'])
  assert.equal(result.status, 0)
  assert.match(result.stdout, /^processes \(also: workers\)/)
  assert.match(result.stdout, /default: +1/)
  assert.match(result.stdout, /-p\b/)
})

test('tsgi help with an unknown topic suggests the closest option', () => {
  const result = runCli(['help', 'chmod-sockt'])
  assert.equal(result.status, 2)
  assert.match(result.stderr, /ERR_USAGE_UNKNOWN_HELP_TOPIC: .*did you mean "chmod-socket"/)
})

test('tsgi check exits 0 with warnings only and 1 with any error, over a directory', (t) => {
  const dir = makeTempDir(t)
  dir.write('good/a.ini', 'processes = 2\nsharedarea = 1\n')
  assert.equal(runCli(['check', `${dir.path}/good`]).status, 0)
  dir.write('good/b.yaml', 'uwsgi:\n  processes: zero\n')
  const result = runCli(['check', `${dir.path}/good`])
  assert.equal(result.status, 1)
  assert.match(result.stdout, /a\.ini: ok \(instance; 0 errors, \d+ warnings?\)/)
  assert.match(result.stdout, /b\.yaml: invalid/)
})

test('tsgi check --format json reports every target with its diagnostics', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'processes = four\nthreads = many\n')
  const result = runCli(['check', file, '--format', 'json'])
  assert.equal(result.status, 1)
  const report = JSON.parse(result.stdout) as {
    ok: boolean
    results: { ok: boolean; diagnostics: { code: string; line: number; column: number }[] }[]
  }
  assert.equal(report.ok, false)
  assert.deepEqual(
    report.results[0]?.diagnostics
      .filter((d) => d.code.startsWith('ERR_'))
      .map((d) => [d.code, d.line, d.column]),
    [
      ['ERR_CONFIG_INVALID_VALUE', 1, 13],
      ['ERR_CONFIG_INVALID_VALUE', 2, 11],
    ],
  )
})

test('tsgi check warns when an inline comment was cut from a command-like value', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'log-format = %%(method) %%(uri) ; not part of the format\n')
  const result = runCli(['check', file])
  assert.equal(result.status, 0)
  assert.match(result.stdout, /WARN_INI_COMMENT_CUT: Inline comment "; not part of the format"/)
})

test('tsgi check warns about an unknown magic variable such as log-date = %Y', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'log-date = %Y-%m\n')
  const result = runCli(['check', file])
  assert.equal(result.status, 0)
  assert.match(
    result.stdout,
    /app\.ini:1:12: warning WARN_CONFIG_UNKNOWN_MAGIC_VARIABLE: Magic variable "%Y"/,
  )
})

test('tsgi check warns about an option that the role does not read', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('emperor.ini', 'emperor = /etc/tsgi/vassals\nharakiri = 30\n')
  const result = runCli(['check', file])
  assert.match(
    result.stdout,
    /WARN_CONFIG_ROLE_MISMATCH: Option "harakiri" has no effect in the emperor role/,
  )
})

test('tsgi check reads a file only, not the TSGI_ environment', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'processes = 2\n')
  const result = runCli(['check', file, '--format', 'json'], { env: { TSGI_PROCESSES: 'bad' } })
  assert.equal(result.status, 0, result.stdout)
})

test('tsgi print-config shows each value with where it came from', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'processes = 2\nenv = A=1\n')
  const result = runCli(['print-config', file, '--env', 'B=2'], { env: { TSGI_CHDIR: '/srv' } })
  assert.equal(result.status, 0, result.stderr)
  assert.match(result.stdout, /^; role: instance$/m)
  assert.match(result.stdout, /^processes = 2 ; .*app\.ini:1$/m)
  assert.match(result.stdout, /^env = A=1 ; .*app\.ini:2$/m)
  assert.match(result.stdout, /^env = B=2 ; command line argument 2$/m)
  assert.match(result.stdout, /^chdir = \/srv ; environment TSGI_CHDIR$/m)
})

test('tsgi print-config --format json gives typed values and sources', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'chmod-socket = 660\nsocket = :3031\n')
  const result = runCli(['print-config', file, '--format', 'json'])
  const report = JSON.parse(result.stdout) as {
    options: Record<string, { value: unknown; sources: { from: string }[] }>
  }
  assert.equal(report.options['chmod-socket']?.value, 0o660)
  assert.deepEqual(report.options.socket?.value, [{ kind: 'tcp', host: '', port: 3031, text: ':3031' }])
  assert.match(report.options.socket?.sources[0]?.from ?? '', /app\.ini:2$/)
})

test('text read through @(file) is never echoed in errors or print-config', (t) => {
  const dir = makeTempDir(t)
  dir.write('secret', 'hunter2-not-a-number\n')
  const file = dir.write('app.ini', 'token = @(secret)\nprocesses = %(token)\n')
  const check = runCli(['check', file])
  assert.equal(check.status, 1)
  assert.doesNotMatch(check.stdout, /hunter2/)
  assert.match(check.stdout, /current value is "%\(token\)"/)
  const ok = dir.write('ok.ini', 'chdir = /srv/@(secret)\n')
  const printed = runCli(['print-config', ok])
  assert.equal(printed.status, 0)
  assert.doesNotMatch(printed.stdout, /hunter2/)
  assert.match(printed.stdout, /^chdir = \/srv\/@\(secret\)/m)
})

test('tsgi colours its output on a terminal only, and never with NO_COLOR', (t) => {
  const escape = '\x1b['
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'processes = four\n')
  assert.ok(!runCli(['check', file]).stdout.includes(escape))
  // script(1) from util-linux runs the CLI on a pseudo-terminal.
  const onTty = (env: NodeJS.ProcessEnv) =>
    spawnSync('script', ['-qec', `${process.execPath} ${builtMain()} check ${file}`, '/dev/null'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...env },
    })
  const coloured = onTty({})
  if (coloured.error !== undefined) return t.skip('script(1) is not installed')
  assert.ok(coloured.stdout.includes(`${escape}31merror`), coloured.stdout)
  assert.ok(!onTty({ NO_COLOR: '1' }).stdout.includes(escape))
})

test('tsgi help OPTION --format json describes the option for programs', () => {
  const result = runCli(['help', 'chmod-socket', '--format', 'json'])
  assert.equal(result.status, 0)
  const option = JSON.parse(result.stdout) as { name: string; repeatable: boolean; roles: string[] }
  assert.equal(option.name, 'chmod-socket')
  assert.equal(option.repeatable, false)
  assert.deepEqual(option.roles, ['instance'])
})

test('tsgi exits 3 naming the interpreter when the Python app has none it may run', (t) => {
  const dir = makeTempDir(t)
  const result = runCli([
    '--http-socket',
    `${dir.path}/x.sock`,
    '--plugin',
    'python3',
    '--module',
    'mysite.wsgi:application',
    '--python-bin',
    `${dir.path}/no-such-python`,
    ...identityArgs(),
  ])
  assert.equal(result.status, 3, result.stderr)
  assert.match(result.stderr, /ERR_RUNTIME_PYTHON_NOT_FOUND: Cannot run Python workers with .*no-such-python/)
})
