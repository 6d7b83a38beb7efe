// Reads the facts magic variables need from the machine: realpath, inode, host name, user names.
import { lstatSync, realpathSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import type { MagicFile, MagicProcess } from './magic-variables.js'
import { tsgiVersion } from '../../observe/version.js'
import { lookupGroup } from '../../platform/user-directory.js'

export function describeMagicFile(asGiven: string, filePath: string, section: string): MagicFile {
  let absolutePath = path.resolve(filePath)
  let inode = ''
  try {
    const stat = lstatSync(absolutePath)
    inode = String(stat.ino)
    // uWSGI keeps a symlink's own path (made absolute) so %d names the directory the link lives in.
    if (!stat.isSymbolicLink()) absolutePath = realpathSync(absolutePath)
  } catch {
    // The loader reports a missing file itself; magic variables then describe the path as given.
  }
  return { asGiven, absolutePath, section, inode }
}

export function describeMagicProcess(startedAtMs: number): MagicProcess {
  const uid = process.getuid?.() ?? -1
  const gid = process.getgid?.() ?? -1
  let userName = String(uid)
  try {
    userName = os.userInfo().username
  } catch {
    // No passwd entry for this uid (a container's arbitrary uid): uWSGI prints the number too.
  }
  return {
    cwd: process.cwd(),
    version: tsgiVersion,
    hostname: os.hostname(),
    startSeconds: String(Math.floor(startedAtMs / 1000)),
    startMicros: String(Math.floor(startedAtMs * 1000)),
    cpuCount: String(os.availableParallelism()),
    uid: String(uid),
    userName,
    gid: String(gid),
    groupName: lookupGroup(gid)?.name ?? String(gid),
    binaryPath: process.argv[1] ?? process.execPath,
  }
}
