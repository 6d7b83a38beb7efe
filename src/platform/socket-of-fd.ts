// What listening socket an inherited fd is, from /proc: its inode from /proc/self/fd, then its local address
// from /proc/net/unix, tcp or tcp6. Node cannot tell: an adopted unix fd has no address() at all, and asking
// a TCP one means creating a server handle on it. Used to match systemd's activated sockets to the config.
import { readFileSync, readlinkSync } from 'node:fs'

export type FdSocket =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'abstract'; readonly name: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }

function readProc(file: string): string[] {
  try {
    return readFileSync(file, 'latin1').split('\n').slice(1)
  } catch {
    return []
  }
}

/** /proc/net/tcp writes an address as 32-bit words in host order (little-endian here), each as 8 hex digits. */
function hostOf(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) => [...Buffer.from(word, 'hex').reverse()])
  if (bytes.length === 4) return bytes.join('.')
  const groups = Array.from({ length: 8 }, (_, index) =>
    (((bytes[index * 2] ?? 0) << 8) | (bytes[index * 2 + 1] ?? 0)).toString(16),
  )
  // Every group written out (0:0:0:0:0:0:0:1): expandIp() gives a configured address the same form.
  return groups.join(':')
}

/** The local address of the socket behind `fd`, or undefined when it is no unix or TCP socket. */
export function socketOfFd(fd: number): FdSocket | undefined {
  let link
  try {
    link = readlinkSync(`/proc/self/fd/${fd}`)
  } catch {
    return undefined
  }
  const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1]
  if (inode === undefined) return undefined
  // Num RefCount Protocol Flags Type St Inode Path
  for (const line of readProc('/proc/net/unix')) {
    const fields = line.trim().split(/\s+/)
    if (fields[6] !== inode) continue
    const name = fields.slice(7).join(' ')
    // The kernel shows NUL bytes of a name as '@': libuv binds an abstract name padded with NULs to the
    // full sun_path, so trailing ones are padding, not part of the name.
    if (name.startsWith('@')) return { kind: 'abstract', name: name.slice(1).replace(/@+$/, '') }
    return name === '' ? undefined : { kind: 'unix', path: name }
  }
  // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readProc(file)) {
      const fields = line.trim().split(/\s+/)
      if (fields[9] !== inode) continue
      const [hex = '', portHex = ''] = (fields[1] ?? '').split(':')
      return { kind: 'tcp', host: hostOf(hex), port: parseInt(portHex, 16) }
    }
  }
  return undefined
}

/** An IP literal in the form hostOf() writes: IPv4 as is, IPv6 with all eight groups and no leading zeros. */
export function expandIp(host: string): string {
  if (!host.includes(':')) return host
  const [head = '', tail] = host.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return groups.map((group) => parseInt(group, 16).toString(16)).join(':')
}
