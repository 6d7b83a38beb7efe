// The fallback load generator, used by run.mjs when wrk is not installed: N keep-alive HTTP/1.1
// connections, each sending one GET at a time (no pipelining, as wrk), for a fixed time and at most a
// fixed number of requests. Much slower than wrk (it is one JavaScript thread), so its numbers are only
// comparable with each other. Prints one JSON line: { requests, non2xx, errors, seconds, rps }.
//
// Usage: node loadgen.mjs URL CONNECTIONS SECONDS [MAX_REQUESTS]
import net from 'node:net'

const [urlText, connectionsText, secondsText, maxText] = process.argv.slice(2)
if (urlText === undefined || connectionsText === undefined || secondsText === undefined) {
  console.error('usage: node loadgen.mjs URL CONNECTIONS SECONDS [MAX_REQUESTS]')
  process.exit(2)
}
const url = new URL(urlText)
const connections = Number(connectionsText)
const seconds = Number(secondsText)
const maxRequests = maxText === undefined ? 10_000_000 : Number(maxText)
const port = Number(url.port || 80)
const request = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`)

let requests = 0
let non2xx = 0
let errors = 0
let stopped = false
const started = process.hrtime.bigint()
const open = new Set()

function finish() {
  if (stopped) return
  stopped = true
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9
  for (const socket of open) socket.destroy()
  process.stdout.write(
    JSON.stringify({ requests, non2xx, errors, seconds: elapsed, rps: requests / elapsed }) + '\n',
  )
  process.exit(0)
}
setTimeout(finish, seconds * 1_000)

/**
 * Parses one response at the start of `buf`: its length in bytes, its status and whether the server
 * closes after it; undefined while incomplete. Knows Content-Length and chunked bodies, which is all a
 * hello app behind node, tsgi or nginx sends.
 */
function parseResponse(buf) {
  const headEnd = buf.indexOf('\r\n\r\n')
  if (headEnd < 0) return undefined
  const head = buf.subarray(0, headEnd).toString('latin1')
  const status = Number(head.slice(9, 12))
  const close = /\r\nconnection:\s*close/i.test(head)
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)
  let end = headEnd + 4
  if (length !== null) {
    end += Number(length[1])
    return buf.length >= end ? { end, status, close } : undefined
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', end)
      if (lineEnd < 0) return undefined
      const size = parseInt(buf.subarray(end, lineEnd).toString('latin1'), 16)
      end = lineEnd + 2 + size + 2
      if (buf.length < end) return undefined
      if (size === 0) return { end, status, close }
    }
  }
  return { end, status, close: true } // No framing: the body ends at close; counted when it comes.
}

function connect() {
  if (stopped) return
  const socket = net.connect({ host: url.hostname, port, noDelay: true })
  open.add(socket)
  let buf = Buffer.alloc(0)
  socket.on('connect', () => socket.write(request))
  socket.on('data', (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
    for (;;) {
      const response = parseResponse(buf)
      if (response === undefined) return
      buf = buf.subarray(response.end)
      requests++
      if (response.status < 200 || response.status > 399) non2xx++
      if (requests >= maxRequests) return finish()
      if (response.close) {
        socket.destroy()
        return
      }
      socket.write(request)
    }
  })
  let failed = false
  socket.on('error', () => {
    failed = true
    if (!stopped) errors++
  })
  socket.on('close', () => {
    open.delete(socket)
    // After an error, wait a little: a server that refuses connections must not make this spin.
    if (!stopped) setTimeout(connect, failed ? 10 : 0)
  })
}

for (let i = 0; i < connections; i++) connect()
