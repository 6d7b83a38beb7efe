// Closing a server that holds long-lived connections: server.close() alone waits for every client to hang up.
import type { Server, Socket } from 'node:net'

/** Stops accepting on `server` and destroys its open `connections`; resolves once the server is closed. */
export function closeServer(server: Server, connections: Iterable<Socket>): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    for (const socket of connections) socket.destroy()
  })
}
