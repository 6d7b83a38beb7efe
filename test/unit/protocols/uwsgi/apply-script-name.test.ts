// mount + manage-script-name: the longest mountpoint prefix of PATH_INFO becomes SCRIPT_NAME.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { applyScriptName } from '../../../../src/protocols/uwsgi/apply-script-name.js'
import { findVar } from '../../../../src/protocols/uwsgi/find-var.js'
import type { UwsgiVar } from '../../../../src/protocols/uwsgi/vars-decoder.js'

const mountpoints = ['/app', '/app/admin/', '/other', '/', '']
const managed = { manageScriptName: true }

test('manage-script-name picks the longest mountpoint on a "/" boundary and strips it from PATH_INFO', () => {
  const cases: ReadonlyArray<readonly [string, string | undefined, string | undefined, string]> = [
    // PATH_INFO, mountpoint, SCRIPT_NAME, PATH_INFO after
    ['/app/x', '/app', '/app', '/x'],
    ['/app', '/app', '/app', ''],
    ['/app/', '/app', '/app', '/'],
    ['/app/admin/users', '/app/admin/', '/app/admin', '/users'],
    ['/app/admin', '/app/admin/', '/app/admin', ''],
    ['/app/administrator', '/app', '/app', '/administrator'],
    ['/application', undefined, '', '/application'],
    ['/other/a/b', '/other', '/other', '/a/b'],
    ['/elsewhere', undefined, '', '/elsewhere'],
  ]
  for (const [pathInfo, mountpoint, scriptName, after] of cases) {
    const result = applyScriptName([['PATH_INFO', pathInfo]], mountpoints, managed)
    assert.equal(result.mountpoint, mountpoint, pathInfo)
    assert.equal(findVar(result.vars, 'SCRIPT_NAME'), scriptName, pathInfo)
    assert.equal(findVar(result.vars, 'PATH_INFO'), after, pathInfo)
  }
})

test('manage-script-name leaves a PATH_INFO of "/" or "" alone, as uWSGI does', () => {
  for (const pathInfo of ['/', '']) {
    const vars: UwsgiVar[] = [['PATH_INFO', pathInfo]]
    assert.deepEqual(applyScriptName(vars, mountpoints, managed), { vars, mountpoint: undefined })
  }
  assert.deepEqual(applyScriptName([], mountpoints, managed), { vars: [], mountpoint: undefined })
})

test('manage-script-name replaces a SCRIPT_NAME the client sent, and does not modify its input', () => {
  const vars: UwsgiVar[] = [
    ['SCRIPT_NAME', '/first'],
    ['PATH_INFO', '/app/x'],
    ['SCRIPT_NAME', '/wrong'],
  ]
  const before = structuredClone(vars)
  const result = applyScriptName(vars, mountpoints, managed)
  assert.deepEqual(vars, before)
  assert.deepEqual(result.vars, [
    ['SCRIPT_NAME', '/first'],
    ['PATH_INFO', '/x'],
    ['SCRIPT_NAME', '/app'],
  ])
})

test('without manage-script-name the vars are kept and the app is the one mounted at SCRIPT_NAME', () => {
  const options = { manageScriptName: false }
  const vars: UwsgiVar[] = [
    ['SCRIPT_NAME', '/app/admin'],
    ['PATH_INFO', '/app/admin/x'],
  ]
  const result = applyScriptName(vars, mountpoints, options)
  assert.deepEqual(result, { vars, mountpoint: '/app/admin/' })
  assert.equal(applyScriptName([['PATH_INFO', '/app/x']], mountpoints, options).mountpoint, undefined)
  assert.equal(applyScriptName([['SCRIPT_NAME', '/nope']], mountpoints, options).mountpoint, undefined)
})
