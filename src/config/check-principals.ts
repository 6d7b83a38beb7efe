// Users and groups named in a config must exist on this machine: a typo in `uid` is a config error with
// its file and line, not a failure at privilege-drop time.
import { lookupGroup, lookupUser } from '../platform/user-directory.js'
import type { DiagnosticList } from './diagnostic.js'
import type { RawSetting } from './raw-setting.js'
import { whereOf } from './raw-setting.js'
import { findOption } from './options/option-lookup.js'
import type { Ownership, Principal } from './value-types.js'

interface Item {
  readonly kind: string
  readonly setting: RawSetting
}

function isPrincipal(value: unknown): value is Principal {
  return (
    typeof value === 'object' &&
    value !== null &&
    'kind' in value &&
    (value.kind === 'name' || value.kind === 'id')
  )
}

function isOwnership(value: unknown): value is Ownership {
  return typeof value === 'object' && value !== null && 'user' in value && isPrincipal(value.user)
}

export function checkPrincipals(
  items: readonly Item[],
  values: ReadonlyMap<string, unknown>,
  diagnostics: DiagnosticList,
): void {
  const checkUser = (option: string, principal: Principal, setting: RawSetting): void => {
    if (principal.kind === 'name' && lookupUser(principal.name) === undefined) {
      diagnostics.add('ERR_CONFIG_UNKNOWN_USER', { option, user: principal.name }, whereOf(setting.origin))
    }
  }
  const checkGroup = (option: string, principal: Principal, setting: RawSetting): void => {
    if (principal.kind === 'name' && lookupGroup(principal.name) === undefined) {
      diagnostics.add('ERR_CONFIG_UNKNOWN_GROUP', { option, group: principal.name }, whereOf(setting.origin))
    }
  }
  for (const item of items) {
    if (item.kind !== 'option') continue
    const def = findOption(item.setting.key)
    if (def === undefined || !values.has(def.name)) continue
    const typeName = def.spec.type.name
    if (typeName !== 'user' && typeName !== 'group' && typeName !== 'owner') continue
    const parsed = def.spec.type.parse(item.setting.value)
    if (!parsed.ok) continue
    const value: unknown = parsed.value
    if (isOwnership(value)) {
      checkUser(def.name, value.user, item.setting)
      if (value.group !== undefined) checkGroup(def.name, value.group, item.setting)
    } else if (isPrincipal(value)) {
      if (typeName === 'user') checkUser(def.name, value, item.setting)
      else checkGroup(def.name, value, item.setting)
    }
  }
}
