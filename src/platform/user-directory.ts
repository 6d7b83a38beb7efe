// Looks users and groups up the way libc does (NSS: files, LDAP, systemd-homed …), since Node has no
// getpwnam. When /etc/nsswitch.conf names `files` first for the database, glibc answers any lookup that
// /etc/passwd (or /etc/group) can satisfy from that file alone, so the file is read and parsed here: a
// vassal master's start then spawns no getent(1) for its uid, gid and %G. Anything else (no
// nsswitch.conf, `compat`/`sss`/`systemd` first, a name the file lacks, a line the parser doubts) goes to
// getent, which applies the whole configuration. Entries found are cached for the life of the process;
// misses are not, so a user created meanwhile is seen.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

import { isFilesFirst } from './nsswitch-conf.js'
import { findGroupEntry, findPasswdEntry, type GroupEntry, type UserEntry } from './user-database-files.js'

export type { GroupEntry, UserEntry } from './user-database-files.js'

/** Where the NSS configuration and the two databases are; tests point a directory at copies. */
export interface UserDatabasePaths {
  readonly nsswitch: string
  readonly passwd: string
  readonly group: string
}

const systemPaths: UserDatabasePaths = {
  nsswitch: '/etc/nsswitch.conf',
  passwd: '/etc/passwd',
  group: '/etc/group',
}

/** The file's text, or undefined when it cannot be read (then getent decides). */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/** getent's first line split on `:`, or undefined when it finds nothing (it exits 2) or fails. */
function getentFields(database: 'passwd' | 'group', key: string): string[] | undefined {
  try {
    const output = execFileSync('getent', [database, key], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    })
    return output.split('\n')[0]?.split(':')
  } catch {
    return undefined
  }
}

function userOf(fields: string[] | undefined): UserEntry | undefined {
  if (fields === undefined || fields.length < 7) return undefined
  return { name: fields[0] ?? '', uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '' }
}

function groupOf(fields: string[] | undefined): GroupEntry | undefined {
  if (fields === undefined || fields.length < 3) return undefined
  return { name: fields[0] ?? '', gid: Number(fields[2]) }
}

/** One view of the user and group databases, with its own cache of hits. */
export class UserDirectory {
  readonly #paths: UserDatabasePaths
  /** Key as given (a name or an id as text) → entry; only hits, as a miss may be created later. */
  readonly #users = new Map<string, UserEntry>()
  readonly #groups = new Map<string, GroupEntry>()

  constructor(paths: UserDatabasePaths = systemPaths) {
    this.#paths = paths
  }

  lookupUser(nameOrId: string | number): UserEntry | undefined {
    return this.#lookup('passwd', String(nameOrId), this.#users, findPasswdEntry, userOf)
  }

  lookupGroup(nameOrId: string | number): GroupEntry | undefined {
    return this.#lookup('group', String(nameOrId), this.#groups, findGroupEntry, groupOf)
  }

  #lookup<Entry extends UserEntry | GroupEntry>(
    database: 'passwd' | 'group',
    key: string,
    cache: Map<string, Entry>,
    findInFile: (text: string, key: string) => Entry | undefined,
    fromGetent: (fields: string[] | undefined) => Entry | undefined,
  ): Entry | undefined {
    const cached = cache.get(key)
    if (cached !== undefined) return cached
    const entry = this.#fromFile(database, key, findInFile) ?? fromGetent(getentFields(database, key))
    if (entry !== undefined) cache.set(key, entry)
    return entry
  }

  /** The entry from /etc/passwd or /etc/group when NSS consults that file first and it has the key. */
  #fromFile<Entry>(
    database: 'passwd' | 'group',
    key: string,
    findInFile: (text: string, key: string) => Entry | undefined,
  ): Entry | undefined {
    const nsswitch = readText(this.#paths.nsswitch)
    if (nsswitch === undefined || !isFilesFirst(nsswitch, database)) return undefined
    const text = readText(this.#paths[database])
    return text === undefined ? undefined : findInFile(text, key)
  }
}

const system = new UserDirectory()

/** The passwd entry of a user name or uid (a uid: the first entry with it), from the system's NSS. */
export const lookupUser = (nameOrId: string | number): UserEntry | undefined => system.lookupUser(nameOrId)

/** The group entry of a group name or gid (a gid: the first entry with it), from the system's NSS. */
export const lookupGroup = (nameOrId: string | number): GroupEntry | undefined => system.lookupGroup(nameOrId)
