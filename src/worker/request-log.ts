// One log line per request, in the shape of uWSGI's default request log (an anchor users' log parsers know):
// [pid: 1234|app: 0|req: 5/5] 127.0.0.1 () {34 vars in 432 bytes} [Sat Nov 21 22:20:56 2026] GET / =>
// generated 190 bytes in 3 msecs (HTTP/1.1 200). The byte count includes the response head.
import type { IncomingMessage, ServerResponse } from 'node:http'

import { formatDate } from '../observe/format-date.js'
import { uwsgiInfoOf } from './serve-uwsgi.js'

const uwsgiDateFormat = '%a %b %e %H:%M:%S %Y'

export class RequestLog {
  readonly #write: (line: string) => void
  #count = 0

  constructor(write: (line: string) => void) {
    this.#write = write
  }

  /** Starts timing `req`; the line is written when the response is done (or the connection dropped). */
  track(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint()
    const startedAt = new Date()
    const { socket } = req
    const bytesBefore = socket.bytesWritten
    res.once('close', () => {
      this.#count++
      const msecs = Number((process.hrtime.bigint() - started) / 1_000_000n)
      const info = uwsgiInfoOf(socket)
      const vars =
        info === undefined
          ? `{${req.rawHeaders.length / 2} headers}`
          : `{${info.varCount} vars in ${info.varBytes} bytes}`
      const protocol = info?.serverProtocol ?? `HTTP/${req.httpVersion}`
      const bytes = socket.bytesWritten - bytesBefore
      this.#write(
        `[pid: ${process.pid}|app: 0|req: ${this.#count}/${this.#count}] ${socket.remoteAddress ?? ''} () ${vars} ` +
          `[${formatDate(uwsgiDateFormat, startedAt)}] ${req.method ?? ''} ${req.url ?? ''} => generated ${bytes} bytes ` +
          `in ${msecs} msecs (${protocol} ${res.statusCode})`,
      )
    })
  }
}
