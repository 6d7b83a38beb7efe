// The anchor server: the hello app under raw Node, `http.createServer(app).listen(...)` and nothing else.
// Usage: node node-server.mjs APP.mjs HOST:PORT|/path/to.sock
// Prints "node is ready" on stdout once listening; SIGTERM closes the server and exits.
import http from 'node:http'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const [appFile, address] = process.argv.slice(2)
if (appFile === undefined || address === undefined) {
  console.error('usage: node node-server.mjs APP.mjs HOST:PORT|/path/to.sock')
  process.exit(2)
}
const { default: app } = await import(pathToFileURL(path.resolve(appFile)).href)
const server = http.createServer(app)
const tcp = /^(.*):(\d+)$/.exec(address)
const onListening = () => console.log('node is ready')
if (tcp !== null && !address.startsWith('/')) server.listen(Number(tcp[2]), tcp[1], onListening)
else server.listen(address, onListening)

process.once('SIGTERM', () => {
  server.close(() => process.exit(0))
  server.closeIdleConnections()
  setTimeout(() => process.exit(0), 2_000).unref()
})
