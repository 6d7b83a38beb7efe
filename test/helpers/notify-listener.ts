// A real NOTIFY_SOCKET for tests: a unix datagram socket bound by python3 (Node has none), with SO_PASSCRED
// so that each datagram carries its sender's pid as systemd sees it. Every datagram is kept, in order.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { TestContext } from 'node:test'

import { waitFor } from './wait-for.js'

/** One sd_notify datagram: who sent it (SCM_CREDENTIALS) and its text, without the final newline. */
export interface Notification {
  readonly pid: number
  readonly text: string
}

export interface NotifyListener {
  /** The NOTIFY_SOCKET value: the socket's path, or `@name` for an abstract one. */
  readonly address: string
  /** Every datagram received so far. */
  messages(): readonly Notification[]
  /** Waits until some message after the first `from` ones satisfies `match`, and returns its index. */
  waitForMessage(what: string, match: (message: Notification) => boolean, from?: number): Promise<number>
}

const listenerScript = `
import json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
address = sys.argv[1]
s.bind('\\0' + address[1:] if address.startswith('@') else address)
if not address.startswith('@'):
    os.chmod(address, 0o777)  # as systemd's /run/systemd/notify: processes that dropped privileges send too
print(json.dumps({'bound': True}), flush=True)
while True:
    data, ancillary, flags, sender = s.recvmsg(65536, socket.CMSG_SPACE(12))
    pid = -1
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack('iII', payload[:12])[0]
    print(json.dumps({'pid': pid, 'text': data.decode('utf-8', 'replace').rstrip('\\n')}), flush=True)
`

/** Binds `address` (a path in the test's temp dir, or `@name`); the listener is stopped when the test ends. */
export async function startNotifyListener(t: TestContext, address: string): Promise<NotifyListener> {
  const child = spawn('python3', ['-c', listenerScript, address], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => {
    child.kill('SIGKILL')
  })
  const received: Notification[] = []
  let isBound = false
  createInterface({ input: child.stdout }).on('line', (line) => {
    const parsed = JSON.parse(line) as { bound?: boolean } & Partial<Notification>
    if (parsed.bound === true) isBound = true
    else received.push({ pid: parsed.pid ?? -1, text: parsed.text ?? '' })
  })
  await waitFor(`the notify listener to bind ${address}`, () => {
    if (child.exitCode !== null) throw new Error(`the notify listener exited (${child.exitCode})`)
    return isBound ? true : undefined
  })
  return {
    address,
    messages: () => received,
    waitForMessage: (what, match, from = 0) =>
      waitFor(
        `${what} on NOTIFY_SOCKET`,
        () => {
          const index = received.findIndex((message, at) => at >= from && match(message))
          return index < 0 ? undefined : index
        },
        { timeoutMs: 60_000 },
      ).catch((error: unknown) => {
        // What did arrive says what happened instead.
        const texts = JSON.stringify(received.map((message) => message.text))
        throw new Error(`${error instanceof Error ? error.message : String(error)}; received: ${texts}`)
      }),
  }
}
