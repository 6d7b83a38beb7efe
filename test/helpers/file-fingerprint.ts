// What a security test compares before and after: a file's owner, group, mode, size, inode and times
// (following links), so that "nothing changed" is a real check and not just "it still exists".
import { statSync } from 'node:fs'

export function fingerprint(file: string): string {
  const stat = statSync(file, { throwIfNoEntry: false, bigint: true })
  return stat === undefined
    ? 'absent'
    : [stat.uid, stat.gid, stat.mode, stat.size, stat.ino, stat.mtimeNs, stat.ctimeNs].join(':')
}
