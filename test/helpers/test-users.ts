// The unix users the tests need, made once and idempotently with useradd (DESIGN.md "Testing"): never
// per-test user churn. Only root can make them; other runs skip the tests that need them, saying why.
import { execFileSync } from 'node:child_process'

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
