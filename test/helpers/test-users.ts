// The unix users the tests need, made once and idempotently with useradd (DESIGN.md "Testing"): never
// per-test user churn. Only root can make them; other runs skip the tests that need them, saying why.
import { execFileSync } from 'node:child_process'
import { chownSync, mkdirSync } from 'node:fs'
import path from 'node:path'

import { lookupGroup, lookupUser } from '../../src/platform/user-directory.js'

/** The users of seed 004's vassal (alex in group users; nginx:nginx), and nobody/nogroup of its emperor. */
export const seedUsers = [
  { user: 'alex', group: 'users' },
  { user: 'nginx', group: 'nginx' },
] as const

/**
 * The users of the tyrant security tests: a second vassal owner, and the dedicated user an unprivileged
 * emperor runs as (method (c) of seed 004).
 */
export const securityUsers = [
  { user: 'tsgi-bob', group: 'tsgi-bob' },
  { user: 'tsgi-emperor', group: 'tsgi-emperor' },
] as const

export function isRoot(): boolean {
  return process.getuid?.() === 0
}

/** Makes the seed users if missing; returns a reason to skip when that is impossible. */
export function ensureSeedUsers(): string | undefined {
  return ensureUsers(seedUsers)
}

/** Makes `users` (each with its primary group) if missing; returns a reason to skip when that is impossible. */
export function ensureUsers(users: readonly { user: string; group: string }[]): string | undefined {
  const missing = users.filter(({ user }) => lookupUser(user) === undefined)
  if (missing.length === 0) return undefined
  if (!isRoot())
    return `needs root to create test users ${missing.map((m) => m.user).join(', ')} with useradd`
  for (const { user, group } of missing) {
    if (lookupGroup(group) === undefined) execFileSync('groupadd', ['--system', group])
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      '--gid',
      group,
      '--shell',
      '/usr/sbin/nologin',
      user,
    ])
  }
  return undefined
}

/** A user's ids, as a test runs a process or owns a file as that user. */
export interface Who {
  readonly uid: number
  readonly gid: number
}

/** The ids of existing user `name` (with its primary group). */
export function whoIs(name: string): Who {
  const user = lookupUser(name)
  if (user === undefined) throw new Error(`test user ${name} does not exist`)
  return { uid: user.uid, gid: user.gid }
}

/** setpriv's command line that runs a program as `who` with no supplementary groups, plus `extra`. */
export const asUser = (who: Who, ...extra: string[]): string[] => [
  'setpriv',
  `--reuid=${who.uid}`,
  `--regid=${who.gid}`,
  '--clear-groups',
  ...extra,
  '--',
]

/**
 * Every user of the tyrant security tests, made if missing: alex (seed 004's vassal owner, group users),
 * tsgi-bob (another owner), tsgi-emperor (method (c)'s emperor), nginx and www-data (socket owners).
 */
export function securityCast(): Record<'alex' | 'bob' | 'emperor' | 'nginx' | 'www', Who> {
  const problem = ensureSeedUsers() ?? ensureUsers(securityUsers)
  if (problem !== undefined) throw new Error(problem)
  return {
    alex: whoIs('alex'),
    bob: whoIs('tsgi-bob'),
    emperor: whoIs('tsgi-emperor'),
    nginx: whoIs('nginx'),
    www: whoIs('www-data'),
  }
}

/** A 0755 directory `name` under `parent` owned by `owner`, where that user's processes bind sockets. */
export function makeOwnedDir(parent: string, name: string, owner: Who): string {
  const dir = path.join(parent, name)
  mkdirSync(dir, { mode: 0o755 })
  chownSync(dir, owner.uid, owner.gid)
  return dir
}
