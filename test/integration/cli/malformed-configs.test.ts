// Malformed configs through the built CLI, as users meet them: each gives exactly one clear error that
// names the file and line, the exit code of DESIGN.md's table, and never a stack trace.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { test } from 'node:test'

import { runCli } from '../../helpers/run-cli.js'
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js'

interface Case {
  readonly name: string
  /** Writes the files; returns the config argument to check. */
  readonly setup: (dir: TempDir) => string
  readonly code: string
  /** The file the error must name (relative to the temp dir) and its line. */
  readonly at: { readonly file: string; readonly line: number }
}

const ini = (text: string) => (dir: TempDir) => dir.write('app.ini', text)

const cases: readonly Case[] = [
  {
    name: 'a section header without its bracket',
    setup: ini('[uwsgi\nmaster = 1\n'),
    code: 'ERR_INI_BAD_SECTION_HEADER',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'an empty section header',
    setup: ini('master = 1\n[]\n'),
    code: 'ERR_INI_BAD_SECTION_HEADER',
    at: { file: 'app.ini', line: 2 },
  },
  {
    name: 'a key with spaces',
    setup: ini('master = 1\nthe processes = 4\n'),
    code: 'ERR_INI_BAD_KEY',
    at: { file: 'app.ini', line: 2 },
  },
  {
    name: 'an unknown option',
    setup: ini('master = 1\nproceses = 4\n'),
    code: 'ERR_CONFIG_UNKNOWN_OPTION',
    at: { file: 'app.ini', line: 2 },
  },
  {
    name: 'a word for an integer',
    setup: ini('processes = four\n'),
    code: 'ERR_CONFIG_INVALID_VALUE',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a negative integer',
    setup: ini('master = 1\nprocesses = -2\n'),
    code: 'ERR_CONFIG_INVALID_VALUE',
    at: { file: 'app.ini', line: 2 },
  },
  {
    name: 'an integer with trailing junk',
    setup: ini('processes = 4k\n'),
    code: 'ERR_CONFIG_INVALID_VALUE',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a bad octal mode',
    setup: ini('chmod-socket = 800\n'),
    code: 'ERR_CONFIG_INVALID_VALUE',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a malformed uid',
    setup: ini('uid = al ex\n'),
    code: 'ERR_CONFIG_INVALID_VALUE',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a uid naming no user',
    setup: ini('uid = no_such_user_tsgi\n'),
    code: 'ERR_CONFIG_UNKNOWN_USER',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a gid naming no group',
    setup: ini('gid = no_such_group_tsgi\n'),
    code: 'ERR_CONFIG_UNKNOWN_GROUP',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a bad boolean',
    setup: ini('master = maybe\n'),
    code: 'ERR_CONFIG_INVALID_VALUE',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a port out of range',
    setup: ini('socket = 127.0.0.1:99999\n'),
    code: 'ERR_CONFIG_INVALID_VALUE',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a bad size',
    setup: ini('buffer-size = 64X\n'),
    code: 'ERR_CONFIG_INVALID_VALUE',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a buffer-size over the protocol maximum',
    setup: ini('buffer-size = 1M\n'),
    code: 'ERR_CONFIG_INVALID_VALUE',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a bad duration',
    setup: ini('worker-reload-mercy = soon\n'),
    code: 'ERR_CONFIG_INVALID_VALUE',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a bad env assignment',
    setup: ini('env = 1A=b\n'),
    code: 'ERR_CONFIG_INVALID_VALUE',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'an empty value for a path',
    setup: ini('master = 1\nchdir =\n'),
    code: 'ERR_CONFIG_MISSING_VALUE',
    at: { file: 'app.ini', line: 2 },
  },
  {
    name: 'an unterminated placeholder',
    setup: ini('base = /srv\nchdir = %(base\n'),
    code: 'ERR_CONFIG_UNTERMINATED_EXPANSION',
    at: { file: 'app.ini', line: 2 },
  },
  {
    name: 'an unterminated $(',
    setup: ini('chdir = $(HOME\n'),
    code: 'ERR_CONFIG_UNTERMINATED_EXPANSION',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a placeholder cycle',
    setup: ini('a = %(b)\nb = %(a)\n'),
    code: 'ERR_CONFIG_PLACEHOLDER_CYCLE',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a missing @(file)',
    setup: ini('master = 1\nchdir = @(nothing-here)\n'),
    code: 'ERR_CONFIG_AT_FILE',
    at: { file: 'app.ini', line: 2 },
  },
  {
    name: 'an include cycle',
    setup: (dir) => {
      dir.write('b.ini', 'master = 1\nini = app.ini\n')
      return dir.write('app.ini', 'ini = b.ini\n')
    },
    code: 'ERR_CONFIG_INCLUDE_CYCLE',
    at: { file: 'b.ini', line: 2 },
  },
  {
    name: 'a missing include',
    setup: ini('master = 1\nini = missing.ini\n'),
    code: 'ERR_CONFIG_FILE_NOT_FOUND',
    at: { file: 'app.ini', line: 2 },
  },
  {
    name: 'an if block never closed',
    setup: ini('if-env = HOME\nmaster = 1\n'),
    code: 'ERR_CONFIG_LOGIC',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'an endif without if',
    setup: ini('master = 1\nendif\n'),
    code: 'ERR_CONFIG_LOGIC',
    at: { file: 'app.ini', line: 2 },
  },
  {
    name: 'binary garbage',
    setup: (dir) =>
      dir.write(
        'app.ini',
        Buffer.concat([
          Buffer.from('master = 1\n'),
          Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1]),
          randomBytes(512),
        ]),
      ),
    code: 'ERR_CONFIG_NOT_TEXT',
    at: { file: 'app.ini', line: 2 },
  },
  {
    name: 'a byte that is not UTF-8',
    setup: (dir) => dir.write('app.ini', Buffer.from('master = 1\nchdir = /srv/caf\xe9\n', 'latin1')),
    code: 'ERR_CONFIG_NOT_TEXT',
    at: { file: 'app.ini', line: 2 },
  },
  {
    name: 'a 2 MB file',
    setup: (dir) =>
      dir.write('app.ini', `master = 1\n${'; padding padding padding padding\n'.repeat(64 * 1024)}`),
    code: 'ERR_CONFIG_FILE_TOO_LARGE',
    at: { file: 'app.ini', line: 1 },
  },
  { name: 'an empty file', setup: ini(''), code: 'ERR_CONFIG_EMPTY_FILE', at: { file: 'app.ini', line: 1 } },
  {
    name: 'a file of comments only',
    setup: ini('; nothing\n# here\n'),
    code: 'ERR_CONFIG_EMPTY_FILE',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'a section that is not there',
    setup: ini('[app1]\nmaster = 1\n'),
    code: 'ERR_CONFIG_SECTION_NOT_FOUND',
    at: { file: 'app.ini', line: 1 },
  },
  {
    name: 'JSON with a syntax error',
    setup: (dir) => dir.write('app.json', '{\n  "uwsgi": {\n    "master": true,\n  }\n}\n'),
    code: 'ERR_CONFIG_SYNTAX',
    at: { file: 'app.json', line: 4 },
  },
  {
    name: 'JSON with a nested object',
    setup: (dir) => dir.write('app.json', '{"uwsgi": {\n"socket": {"a": 1}}}\n'),
    code: 'ERR_CONFIG_BAD_STRUCTURE',
    at: { file: 'app.json', line: 2 },
  },
  {
    name: 'YAML with a syntax error',
    setup: (dir) => dir.write('app.yaml', 'uwsgi:\n  master: true\n    processes: [4\n'),
    code: 'ERR_CONFIG_SYNTAX',
    at: { file: 'app.yaml', line: 2 },
  },
  {
    name: 'an XML config',
    setup: (dir) => dir.write('app.ini', 'ini = legacy.xml\n'),
    code: 'ERR_CONFIG_XML_UNSUPPORTED',
    at: { file: 'app.ini', line: 1 },
  },
]

const noStackTrace = (text: string): void => {
  assert.doesNotMatch(text, /^\s+at .+\(.*:\d+:\d+\)$/m, 'printed a stack trace')
  assert.doesNotMatch(text, /node:internal|TypeError|ReferenceError/, 'leaked an internal error')
}

test('malformed configs: there are at least 25 cases', () => {
  assert.ok(cases.length >= 25)
})

for (const c of cases) {
  test(`tsgi check reports ${c.name} as one ${c.code} at its file and line`, (t) => {
    const dir = makeTempDir(t)
    const target = c.setup(dir)
    const json = runCli(['check', target, '--format', 'json'])
    noStackTrace(json.stdout + json.stderr)
    assert.equal(json.status, 1, json.stdout + json.stderr)
    const report = JSON.parse(json.stdout) as {
      results: { diagnostics: { severity: string; code: string; file?: string; line?: number }[] }[]
    }
    const errors = report.results.flatMap((r) => r.diagnostics).filter((d) => d.severity === 'error')
    assert.equal(errors.length, 1, JSON.stringify(errors))
    assert.equal(errors[0]?.code, c.code)
    assert.equal(path.resolve(dir.path, errors[0]?.file ?? ''), path.join(dir.path, c.at.file))
    assert.equal(errors[0]?.line, c.at.line)

    const text = runCli(['check', target])
    noStackTrace(text.stdout + text.stderr)
    assert.match(
      text.stdout,
      new RegExp(`${c.at.file.replace('.', '\\.')}:${c.at.line}(:\\d+)?: error ${c.code}: `),
    )

    // Starting it (the file loaded by its extension) is refused the same way, with the config-error exit code.
    const run = runCli([target])
    noStackTrace(run.stdout + run.stderr)
    assert.equal(run.status, 1, run.stderr)
    assert.match(run.stderr, new RegExp(`error ${c.code}: `))
  })
}

test('tsgi reports an unknown command-line flag as a usage error (exit 2) with a suggestion', () => {
  const result = runCli(['--procesess', '4'])
  assert.equal(result.status, 2)
  assert.match(result.stderr, /argv\[0\]: error ERR_USAGE_UNKNOWN_FLAG: .*did you mean "--processes"/)
  noStackTrace(result.stderr)
})

test('tsgi reports a flag without its value as a usage error', () => {
  const result = runCli(['--chdir'])
  assert.equal(result.status, 2)
  assert.match(result.stderr, /ERR_USAGE_MISSING_ARGUMENT/)
})

test('tsgi with nothing to do is a usage error', () => {
  assert.equal(runCli([]).status, 2)
  assert.equal(runCli(['check']).status, 2)
})
