// The benchmark's app: a plain Node request listener answering a short text body. The same file runs
// under raw Node (apps/node-server.mjs) and under tsgi (`--module hello.mjs`), so only the server differs.
const body = Buffer.from('Hello, World!\n')

export default function hello(req, res) {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length })
  res.end(body)
}
