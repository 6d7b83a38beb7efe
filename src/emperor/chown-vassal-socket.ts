// The one thing a tyrant emperor does with privilege for a vassal (DESIGN.md "Privileges"): give the unix
// socket the vassal just bound the owner its `chown-socket` asks for (seed 004's `chown-socket = nginx:nginx`
// on a vassal that runs as alex). The vassal's process runs as the file's owner and may be hostile (its app
// code runs as that same user and can drive its master), so every request is checked here:
//   - the path must be one of the vassal's configured unix sockets (from the config the emperor validated);
//   - the path is opened with O_PATH|O_NOFOLLOW, which pins one inode without opening it (no device or FIFO
//     side effect) and does not follow a final symlink; that inode must be a socket with one link, owned by
//     the vassal's uid;
//   - the chown goes through /proc/self/fd/N, i.e. to that pinned inode, never to whatever the path names a
//     moment later, so swapping the path (or a directory on it) for a symlink cannot redirect it;
//   - afterwards the path must still name that inode; if it does not, the chown is undone and refused.
// Nothing else is ever done with privilege: no unlink, no chmod (the vassal did those as itself).
import type { ChildProcess } from 'node:child_process'
import { chownSync, closeSync, fstatSync, lstatSync, openSync, constants } from 'node:fs'
import path from 'node:path'

import { isChownSocketRequest, type ChownSocketDone } from '../control/messages.js'

import type { SocketChownGrant } from './socket-chown-grant.js'

/** Linux's O_PATH (asm-generic value, used by x86-64 and arm64); Node's fs.constants does not export it. */
const O_PATH = 0o10000000

/** A path for a message: quoted (no line breaks from a hostile vassal), and short. */
const q = (text: string): string => JSON.stringify(text.length > 256 ? `${text.slice(0, 256)}…` : text)

/**
 * Chowns `requested` as `grant` says if every check passes; returns undefined when done, else why it was
 * refused (one line, for both the emperor's log and the vassal's error).
 */
export function chownVassalSocket(
  requested: string,
  grant: SocketChownGrant,
  vassal: { readonly uid: number },
): string | undefined {
  if (!path.isAbsolute(requested) || !grant.paths.includes(path.normalize(requested)))
    return `${q(requested)} is not one of the unix sockets its config declares`
  if (grant.uid === 0 || grant.gid === 0)
    return `chown-socket = ${grant.text} would hand a socket to root, which a tyrant vassal never may`
  let fd: number
  try {
    // libuv adds O_CLOEXEC itself: no child of the emperor inherits this fd.
    fd = openSync(requested, O_PATH | constants.O_NOFOLLOW)
  } catch (error) {
    return `cannot open ${q(requested)}: ${String((error as NodeJS.ErrnoException).code ?? error)}`
  }
  try {
    const pinned = fstatSync(fd)
    if (pinned.isSymbolicLink()) return `${q(requested)} is a symbolic link, not the socket it bound`
    if (!pinned.isSocket()) return `${q(requested)} is not a socket`
    if (pinned.uid !== vassal.uid)
      return `${q(requested)} is owned by uid ${pinned.uid}, not by the vassal's uid ${vassal.uid}`
    if (pinned.nlink !== 1) return `${q(requested)} has ${pinned.nlink} hard links`
    const inode = `/proc/self/fd/${fd}`
    try {
      chownSync(inode, grant.uid, grant.gid)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      return code === 'EPERM'
        ? 'the emperor may not chown (it needs CAP_CHOWN: add chown to its cap)'
        : `chown failed: ${String(code ?? error)}`
    }
    const now = lstatSync(requested, { throwIfNoEntry: false })
    if (now === undefined || now.dev !== pinned.dev || now.ino !== pinned.ino) {
      chownSync(inode, pinned.uid, pinned.gid)
      return `${q(requested)} changed while it was being chowned; the chown was undone`
    }
    return undefined
  } finally {
    closeSync(fd)
  }
}

/**
 * A vassal process's requests are few (one per socket it binds, once): more than this is a vassal that is
 * probing, and the rest are refused without a log line each.
 */
const maxRequestsPerProcess = 32

/** Answers the chown requests of one vassal process (tyrant mode), logging each decision. */
export function serveChownRequests(
  child: ChildProcess,
  options: {
    readonly grant: SocketChownGrant | undefined
    readonly vassal: { readonly uid: number }
    readonly log: (line: string) => void
  },
): void {
  let requests = 0
  const done = new Set<string>()
  child.on('message', (message: unknown) => {
    if (!isChownSocketRequest(message)) return
    requests++
    let refusal: string | undefined
    if (requests > maxRequestsPerProcess) refusal = 'too many chown requests from one vassal process'
    else if (options.grant === undefined) refusal = 'its config sets no chown-socket'
    else if (done.has(message.path)) refusal = `${q(message.path)} was already answered`
    else refusal = chownVassalSocket(message.path, options.grant, options.vassal)
    done.add(message.path)
    if (requests <= maxRequestsPerProcess)
      options.log(
        refusal === undefined
          ? `chowned its socket ${message.path} to ${options.grant?.text ?? '?'}`
          : `refused to chown ${q(message.path)}: ${refusal}`,
      )
    const answer: ChownSocketDone = {
      type: 'chown-socket-done',
      path: message.path,
      refusal: refusal ?? null,
    }
    if (child.connected) child.send(answer, () => undefined)
  })
}
