// The uWSGI ini dialect end to end, with real files: sections, repeats, placeholders, $(), @(), includes.
import assert from 'node:assert/strict'
import { symlinkSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { loadErrors, loadOk } from '../../helpers/load.js'
import { makeTempDir } from '../../helpers/temp-dir.js'

test('config reads a headerless file as [uwsgi]', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'processes = 3\nmaster = true\n')
  const { config } = loadOk([file])
  assert.equal(config.processes, 3)
  assert.equal(config.master, true)
})

test('config reads [uwsgi] then [tsgi], which overrides it, and ignores other sections', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write(
    'app.ini',
    '[tsgi]\nprocesses = 5\n[uwsgi]\nprocesses = 2\nchdir = /srv\n[other]\nprocesses = 9\n',
  )
  const { config } = loadOk([file])
  assert.equal(config.processes, 5)
  assert.equal(config.chdir, '/srv')
})

test('config reads only the section named with FILE:SECTION', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write(
    'multi.ini',
    '[uwsgi]\nprocesses = 2\n[app2]\nprocesses = 7\n[app2]\nmaster = true\n',
  )
  const { config } = loadOk(['--ini', `${file}:app2`])
  assert.equal(config.processes, 7)
  assert.equal(config.master, true)
})

test('config reports a named section that does not exist', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('multi.ini', '[uwsgi]\nprocesses = 2\n')
  const [error] = loadErrors(['--ini', `${file}:nope`])
  assert.equal(error?.code, 'ERR_CONFIG_SECTION_NOT_FOUND')
})

test('repeated keys accumulate for repeatable options and the last one wins for the others', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'env = A=1\nprocesses = 2\nenv = B=2\nprocesses = 4\n')
  const { config, codes } = loadOk([file])
  assert.deepEqual(config.env, [
    { key: 'A', value: '1' },
    { key: 'B', value: '2' },
  ])
  assert.equal(config.processes, 4)
  assert.ok(codes.includes('WARN_CONFIG_OVERRIDDEN'))
})

test('placeholders come from unknown keys, options and set-placeholder, and the first occurrence wins', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write(
    'app.ini',
    [
      'base = /srv/first',
      'base = /srv/second',
      'chdir = %(base)/app',
      'set-placeholder = sock=app.sock',
      'socket = %(base)/%(sock)',
      'pidfile = %(chdir)/pid',
      'logto = %(later)/log',
      'later = /var/log',
    ].join('\n'),
  )
  const { config } = loadOk([file])
  assert.equal(config.chdir, '/srv/first/app')
  assert.deepEqual(
    config.socket.map((s) => s.text),
    ['/srv/first/app.sock'],
  )
  assert.equal(config.pidfile, '/srv/first/app/pid')
  assert.equal(config.logto, '/var/log/log')
})

test('placeholder math is evaluated left to right', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'cores = 2\nprocesses = %(cores * 2 + 1)\n')
  assert.equal(loadOk([file]).config.processes, 5)
})

test('an undefined placeholder stays as written and is reported', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'chdir = %(nowhere)/app\n')
  const { config, codes } = loadOk([file])
  assert.equal(config.chdir, '%(nowhere)/app')
  assert.ok(codes.includes('WARN_CONFIG_UNDEFINED_PLACEHOLDER'))
})

test('a placeholder that refers to itself is an error, not a hang', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'a = %(b)\nb = %(a)\nchdir = %(a)\n')
  const codes = loadErrors([file]).map((e) => e.code)
  assert.ok(codes.includes('ERR_CONFIG_PLACEHOLDER_CYCLE'))
})

test('set-placeholder refuses the name of an option', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'set-placeholder = processes=4\n')
  assert.equal(loadErrors([file])[0]?.code, 'ERR_CONFIG_PLACEHOLDER_IS_OPTION')
})

test('set defines an option by name', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'set = processes=6\n')
  assert.equal(loadOk([file]).config.processes, 6)
})

test('$(ENV) expands from the environment and an unset variable stays as written', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'chdir = $(APP_HOME)/current\npidfile = $(NOT_SET_ANYWHERE)/pid\n')
  const { config, codes } = loadOk([file], { APP_HOME: '/home/app' })
  assert.equal(config.chdir, '/home/app/current')
  assert.equal(config.pidfile, '$(NOT_SET_ANYWHERE)/pid')
  assert.ok(codes.includes('WARN_CONFIG_UNSET_ENV'))
})

test('@(file) expands to the file content minus one trailing newline, relative to the config', (t) => {
  const dir = makeTempDir(t)
  dir.write('secrets/workers', '3\n\n')
  dir.write('secrets/dir', '/srv/app\n')
  const file = dir.write('app.ini', 'chdir = @(secrets/dir)\nenv = COUNT=@(secrets/workers)\n')
  const { config } = loadOk([file])
  assert.equal(config.chdir, '/srv/app')
  assert.deepEqual(config.env, [{ key: 'COUNT', value: '3\n' }])
})

test('@(file) of a missing file is an error that names the line', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'master = 1\nchdir = @(missing.txt)\n')
  const [error] = loadErrors([file])
  assert.equal(error?.code, 'ERR_CONFIG_AT_FILE')
  assert.deepEqual(error?.where && 'file' in error.where ? error.where.line : 0, 2)
})

test('expansion order is $(), then @(), then %() as in uWSGI', (t) => {
  const dir = makeTempDir(t)
  dir.write('name.txt', 'shop')
  const file = dir.write(
    'app.ini',
    'name_file = $(DIR)/name.txt\napp = @(%(name_file))\nchdir = /srv/%(app)\n',
  )
  // @() sees the text before placeholders expand, so @(%(name_file)) reads a file literally named so:
  // uWSGI's order. A $() inside @() works because $() runs first.
  const errors = loadErrors([file], { DIR: dir.path })
  assert.equal(errors[0]?.code, 'ERR_CONFIG_AT_FILE')
  const direct = dir.write('direct.ini', 'chdir = /srv/@($(DIR)/name.txt)\n')
  assert.equal(loadOk([direct], { DIR: dir.path }).config.chdir, '/srv/shop')
})

test('ini includes splice the included options in place, relative to the including file', (t) => {
  const dir = makeTempDir(t)
  dir.write('conf.d/common.ini', 'processes = 2\nmaster = true\n')
  const file = dir.write('app.ini', 'processes = 1\nini = conf.d/common.ini\nchdir = %d\n')
  const { config } = loadOk([file])
  assert.equal(config.processes, 2)
  assert.equal(config.master, true)
  assert.equal(config.chdir, `${dir.path}/`)
})

test('an include cycle is an error naming the chain', (t) => {
  const dir = makeTempDir(t)
  dir.write('a.ini', 'ini = b.ini\n')
  dir.write('b.ini', 'master = 1\nini = a.ini\n')
  const [error] = loadErrors([path.join(dir.path, 'a.ini')])
  assert.equal(error?.code, 'ERR_CONFIG_INCLUDE_CYCLE')
  assert.match(error?.message ?? '', /a\.ini -> .*b\.ini -> .*a\.ini/)
})

test('a missing include is an error at the include line', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'master = 1\n\nini = nowhere.ini\n')
  const [error] = loadErrors([file])
  assert.equal(error?.code, 'ERR_CONFIG_FILE_NOT_FOUND')
  assert.equal(error?.where && 'file' in error.where ? error.where.line : 0, 3)
})

test('inherit applies its options last and without placeholder expansion', (t) => {
  const dir = makeTempDir(t)
  dir.write('base.ini', 'processes = 8\npidfile = %(name)/pid\nchdir = %d\n')
  const file = dir.write('app.ini', 'inherit = base.ini\nname = shop\nprocesses = 2\nlogto = %(name).log\n')
  const { config } = loadOk([file])
  assert.equal(config.processes, 8)
  assert.equal(config.pidfile, '%(name)/pid')
  assert.equal(config.logto, 'shop.log')
  assert.equal(config.chdir, `${dir.path}/`)
})

test('a file that inherits itself is an include cycle, not a hang', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'master = 1\ninherit = app.ini\n')
  assert.ok(loadErrors([file]).some((e) => e.code === 'ERR_CONFIG_INCLUDE_CYCLE'))
})

test('magic variables of an included file describe it, uppercase ones the first file', (t) => {
  const dir = makeTempDir(t)
  dir.write('tmpl/base.ini', 'chdir = %d|%n|%N\n')
  const file = dir.write('vassals/shop.ini', 'ini = ../tmpl/base.ini\n')
  assert.equal(loadOk([file]).config.chdir, `${dir.path}/tmpl/|base|shop`)
})

test('magic variables of a symlinked config describe the link, as uWSGI does', (t) => {
  const dir = makeTempDir(t)
  const target = dir.write('home/alex/vassal.ini', 'chdir = %d\npidfile = %n\n')
  symlinkSync(target, path.join(dir.path, 'shop.ini'))
  const { config } = loadOk([path.join(dir.path, 'shop.ini')])
  assert.equal(config.chdir, `${dir.path}/`)
  assert.equal(config.pidfile, 'shop')
})

test('if-env and for blocks apply as uWSGI config logic', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write(
    'app.ini',
    [
      'if-env = DEPLOY_ENV=prod',
      'processes = 8',
      'endif',
      'if-not-env = DEPLOY_ENV',
      'processes = 1',
      'endif',
      'for = a b',
      'env = WORD_%(_)=%(_)',
      'endfor',
      'if-exists = %d',
      'chdir = %(_)',
      'endif',
    ].join('\n'),
  )
  const { config } = loadOk([file], { DEPLOY_ENV: 'prod' })
  assert.equal(config.processes, 8)
  assert.deepEqual(config.env, [
    { key: 'WORD_a', value: 'a' },
    { key: 'WORD_b', value: 'b' },
  ])
  assert.equal(config.chdir, `${dir.path}/`)
})

test('an if block without endif is an error', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'if-env = HOME\nprocesses = 2\n')
  assert.equal(loadErrors([file])[0]?.code, 'ERR_CONFIG_LOGIC')
})

test('JSON and YAML configs take the same keys, lists meaning repeated options', (t) => {
  const dir = makeTempDir(t)
  const json = dir.write(
    'app.json',
    JSON.stringify({ uwsgi: { processes: 3, master: true, env: ['A=1', 'B=2'], chdir: '%d' } }),
  )
  const yaml = dir.write(
    'app.yaml',
    'uwsgi:\n  processes: 3\n  master:\n  env:\n    - A=1\n    - B=2\n  chdir: "%d"\n',
  )
  for (const file of [json, yaml]) {
    const { config } = loadOk([file])
    assert.equal(config.processes, 3)
    assert.equal(config.master, true)
    assert.deepEqual(
      config.env.map((e) => e.key),
      ['A', 'B'],
    )
    assert.equal(config.chdir, `${dir.path}/`)
  }
})

test('a flat YAML mapping without a section is read as [uwsgi]', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.yml', 'processes: 2\nsocket: 127.0.0.1:3031\n')
  assert.equal(loadOk([file]).config.processes, 2)
})

test('command-line flags take values, repeat, negate booleans and follow files in order', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'processes = 2\nvacuum = true\nmaster = true\n')
  const { config } = loadOk([
    '--ini',
    file,
    '--processes',
    '4',
    '--no-vacuum',
    '--socket',
    ':1',
    '--socket=:2',
    '-p',
    '6',
    '-M',
  ])
  assert.equal(config.processes, 6)
  assert.equal(config.vacuum, false)
  assert.equal(config.master, true)
  assert.deepEqual(
    config.socket.map((s) => s.text),
    [':1', ':2'],
  )
  assert.equal(loadOk([file, '--master=false', '--processes=1']).config.master, false)
})

test('environment options come before the command line; TSGI_ wins over UWSGI_', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'chdir = /from/file\n')
  const env = {
    UWSGI_PROCESSES: '3',
    TSGI_PROCESSES: '5',
    UWSGI_CHDIR: '/from/env',
    TSGI__INTERNAL: 'x',
    UWSGI_VASSAL_PROCESSES: '9',
  }
  const { config, result } = loadOk([file], env)
  assert.equal(config.processes, 5)
  assert.equal(config.chdir, '/from/file')
  const processes = result.provenance.get('processes') ?? []
  assert.deepEqual(
    processes.map((p) => p.origin.kind === 'env' && p.origin.variable),
    ['UWSGI_PROCESSES', 'TSGI_PROCESSES'],
  )
})

test('a key that is neither an option nor a placeholder is an error with a suggestion', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'master = 1\nproceses = 4\n')
  const [error] = loadErrors([file])
  assert.equal(error?.code, 'ERR_CONFIG_UNKNOWN_OPTION')
  assert.match(error?.message ?? '', /did you mean "processes"/)
})

test('a uWSGI option tsgi does not implement is a warning, and an error under strict', (t) => {
  const dir = makeTempDir(t)
  const lenient = dir.write('lenient.ini', 'master = 1\nsharedarea = 4\n')
  assert.ok(loadOk([lenient]).codes.includes('WARN_CONFIG_UWSGI_OPTION'))
  const strict = dir.write('strict.ini', 'strict = true\nsharedarea = 4\n')
  assert.equal(loadErrors([strict])[0]?.code, 'ERR_CONFIG_UNSUPPORTED_OPTION')
})

test('a loaded config is deeply frozen', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'env = A=1\n')
  const { config } = loadOk([file])
  assert.ok(Object.isFrozen(config))
  assert.ok(Object.isFrozen(config.env))
  assert.ok(Object.isFrozen(config.env[0]))
})

test('master = false with several processes is an error: without a master tsgi runs one process', (t) => {
  const dir = makeTempDir(t)
  const file = dir.write('app.ini', 'processes = 4\nmaster = false\n')
  const [error] = loadErrors([file])
  assert.equal(error?.code, 'ERR_CONFIG_INCOMPATIBLE_OPTIONS')
  assert.equal(loadOk([dir.write('ok.ini', 'processes = 4\n')]).config.processes, 4)
})
