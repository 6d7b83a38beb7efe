// The shipped units (contrib/systemd/) and `tsgi systemd-unit` (issue #5): the shipped files are exactly
// what the renderer makes, and `systemd-analyze verify` accepts each of them with nothing at all on stderr
// (it exits 0 on unknown keys, so only its silence proves anything). Verified copies run the built tsgi.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, readFileSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import {
  renderServiceUnit,
  renderSocketUnit,
  serviceTypeFor,
  systemdVersionOf,
} from '../../src/cli/commands/render-systemd-unit.js'
import { builtMain, projectPath } from '../helpers/fixture-path.js'
import { hasCommand } from '../helpers/has-command.js'
import { runCli } from '../helpers/run-cli.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const hasAnalyze = hasCommand('systemd-analyze')
const skip = hasAnalyze ? false : 'needs systemd-analyze (Debian package systemd; .ci/run installs it)'
const mainJs = builtMain()
const shipped = (...parts: string[]): string =>
  readFileSync(projectPath('contrib', 'systemd', ...parts), 'utf8')
const emperorUnit = {
  tsgiCommand: '/usr/bin/tsgi',
  iniPath: '/etc/tsgi/emperor.ini',
  role: 'emperor',
} as const

/** systemd-analyze verify on `files`; returns its stderr (empty means accepted without a remark). */
function verify(files: readonly string[]): string {
  const result = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8', timeout: 60_000 })
  return `${result.stderr}${result.status === 0 ? '' : `(exit ${result.status})`}`
}

/** A copy of a unit whose ExecStart runs the built tsgi (verify checks that the program exists). */
function withBuiltTsgi(unit: string): string {
  return unit.replace('ExecStart=/usr/bin/tsgi', `ExecStart=${process.execPath} ${mainJs}`)
}

test('shipped units are what the renderer makes', () => {
  assert.equal(
    shipped('emperor.tsgi.service'),
    renderServiceUnit({ ...emperorUnit, isUnprivileged: false, type: 'notify' }),
  )
  assert.equal(
    shipped('unprivileged', 'emperor.tsgi.service'),
    renderServiceUnit({ ...emperorUnit, isUnprivileged: true, type: 'notify' }),
  )
  assert.equal(shipped('emperor.tsgi.socket'), renderSocketUnit())
  // The README installs tsgi with npm -g: Debian's nodejs puts the link in /usr/bin.
  assert.match(shipped('emperor.tsgi.service'), /^ExecStart=\/usr\/bin\/tsgi --ini /m)
})

test('systemd unit type is notify-reload only from systemd 253', () => {
  assert.equal(systemdVersionOf('systemd 252 (252.38-1~deb12u1)\n+PAM +AUDIT'), 252)
  assert.equal(serviceTypeFor(252), 'notify')
  assert.equal(serviceTypeFor(253), 'notify-reload')
  assert.equal(serviceTypeFor(undefined), 'notify')
  assert.doesNotMatch(
    renderServiceUnit({ ...emperorUnit, isUnprivileged: false, type: 'notify-reload' }),
    /ExecReload/,
  )
})

test('systemd-analyze verify accepts every shipped unit without a remark', { skip }, (t) => {
  const dir = makeTempDir(t)
  // It does speak up: an unknown Type= is reported on stderr (and still exits 0).
  const bad = dir.write(
    'bad.service',
    withBuiltTsgi(shipped('emperor.tsgi.service')).replace('Type=notify', 'Type=bogus'),
  )
  assert.notEqual(verify([bad]), '')
  for (const variant of [[], ['unprivileged']]) {
    const variantDir = path.join(dir.path, variant.join('') || 'root')
    const service = dir.write(
      path.join(path.basename(variantDir), 'emperor.tsgi.service'),
      withBuiltTsgi(shipped(...variant, 'emperor.tsgi.service')),
    )
    const socket = path.join(variantDir, 'emperor.tsgi.socket')
    copyFileSync(projectPath('contrib', 'systemd', 'emperor.tsgi.socket'), socket)
    assert.equal(verify([service, socket]), '', `${variant.join('') || 'root'} units`)
  }
})

test('tsgi systemd-unit prints a unit for the running tsgi that verify accepts', { skip }, (t) => {
  const dir = makeTempDir(t)
  const ini = dir.write('emperor.ini', `emperor = ${path.join(dir.path, 'vassals')}\n`)
  for (const flags of [[], ['--unprivileged']]) {
    const result = runCli(['systemd-unit', '--ini', ini, ...flags])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, new RegExp(`^ExecStart=${process.execPath} ${mainJs} --ini ${ini}$`, 'm'))
    assert.equal(/User=tsgi/.test(result.stdout), flags.length > 0)
    const unit = dir.write(`emperor${flags.join('')}.service`, result.stdout)
    assert.equal(verify([unit]), '', result.stdout)
  }
  // Installed as `tsgi` (npm's link): ExecStart names that link.
  const link = path.join(dir.path, 'tsgi')
  symlinkSync(mainJs, link)
  const viaLink = spawnSync(process.execPath, [link, 'systemd-unit', '--ini', ini], { encoding: 'utf8' })
  assert.match(viaLink.stdout, new RegExp(`^ExecStart=${link} --ini ${ini}$`, 'm'))
})

test('tsgi systemd-unit refuses a missing config and a wrong usage', () => {
  assert.equal(runCli(['systemd-unit', '--ini', '/nonexistent/emperor.ini']).status, 1)
  const usage = runCli(['systemd-unit'])
  assert.equal(usage.status, 2)
  assert.match(usage.stderr, /ERR_USAGE_UNEXPECTED_ARGUMENT/)
})
