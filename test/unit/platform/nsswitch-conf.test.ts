import assert from 'node:assert/strict'
import { test } from 'node:test'

import { isFilesFirst, parseNsswitchServices } from '../../../src/platform/nsswitch-conf.js'

test('nsswitch services parse in order with their actions, comments stripped', () => {
  const cases: { text: string; services: ReturnType<typeof parseNsswitchServices> }[] = [
    { text: 'passwd: files systemd', services: [s('files'), s('systemd')] },
    { text: 'passwd:files', services: [s('files')] },
    { text: '  passwd :\tfiles   sss  # then LDAP via sss', services: [s('files'), s('sss')] },
    {
      text: 'passwd: files [NOTFOUND=return] ldap',
      services: [s('files', 'notfound=return'), s('ldap')],
    },
    {
      text: 'passwd: files [ SUCCESS = merge  !UNAVAIL=continue ] systemd',
      services: [s('files', 'success=merge', '!unavail=continue'), s('systemd')],
    },
    { text: 'group: files\npasswd: compat', services: [s('compat')] },
    { text: '# passwd: files', services: undefined },
    { text: 'passwd:', services: undefined },
    { text: 'passwd: [NOTFOUND=return] files', services: undefined },
    { text: 'passwd: files [NOTFOUND=return', services: undefined },
    { text: 'passwd: files\npasswd: ldap', services: undefined },
    { text: 'passwdx: files\nshadow: files', services: undefined },
    { text: '', services: undefined },
  ]
  for (const { text, services } of cases)
    assert.deepEqual(parseNsswitchServices(text, 'passwd'), services, JSON.stringify(text))
})

function s(name: string, ...actions: string[]): { name: string; actions: string[] } {
  return { name, actions }
}

test('files are first when files leads the line and a success there still returns', () => {
  const cases: [line: string, isFirst: boolean][] = [
    ['passwd: files', true],
    ['passwd: files systemd', true],
    ['passwd:         files systemd   # Debian', true],
    ['passwd: files [NOTFOUND=return] ldap', true],
    ['passwd: files [SUCCESS=return] ldap', true],
    ['passwd: files [!SUCCESS=continue] ldap', true],
    ['passwd: files [UNAVAIL=continue TRYAGAIN=return] ldap', true],
    ['passwd: files [SUCCESS=continue] ldap', false],
    ['passwd: files [SUCCESS=merge] ldap', false],
    ['passwd: files [!NOTFOUND=continue] ldap', false],
    ['passwd: files [BOGUS=return] ldap', false],
    ['passwd: files [NOTFOUND=jump] ldap', false],
    ['passwd: compat', false],
    ['passwd: compat files', false],
    ['passwd: systemd files', false],
    ['passwd: sss files', false],
    ['passwd: ldap files', false],
    ['passwd: FILES', false],
    ['group: files', false],
    ['', false],
  ]
  for (const [line, isFirst] of cases) assert.equal(isFilesFirst(line, 'passwd'), isFirst, line)
  assert.equal(isFilesFirst('passwd: ldap\ngroup: files [SUCCESS=return]', 'group'), true)
})
