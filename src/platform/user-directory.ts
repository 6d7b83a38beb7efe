// Looks users and groups up the way libc does (NSS: files, LDAP, systemd-homed …) through getent(1),
// since Node has no getpwnam. Entries found are cached for the life of the process; misses are not, so a
// user created meanwhile is seen.
import { execFileSync } from 'node:child_process'

export interface UserEntry {
  readonly name: string
  readonly uid: number
  readonly gid: number
  readonly home: string
}

export interface GroupEntry {
  readonly name: string
  readonly gid: number
}

const cache = new Map<string, string[]>()

function getent(database: 'passwd' | 'group', key: string): string[] | undefined {
  const cacheKey = `${database}:${key}`
  const cached = cache.get(cacheKey)
  if (cached !== undefined) return cached
  let fields: string[] | undefined
  try {
    const output = execFileSync('getent', [database, key], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    })
    fields = output.split('\n')[0]?.split(':')
  } catch {
    // getent exits 2 when the key is not found.
    fields = undefined
  }
  if (fields !== undefined) cache.set(cacheKey, fields)
  return fields
}

export function lookupUser(nameOrId: string | number): UserEntry | undefined {
  const fields = getent('passwd', String(nameOrId))
  if (fields === undefined || fields.length < 7) return undefined
  return { name: fields[0] ?? '', uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '' }
}

export function lookupGroup(nameOrId: string | number): GroupEntry | undefined {
  const fields = getent('group', String(nameOrId))
  if (fields === undefined || fields.length < 3) return undefined
  return { name: fields[0] ?? '', gid: Number(fields[2]) }
}
