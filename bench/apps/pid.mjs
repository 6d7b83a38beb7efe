// The emperor benchmark's app: answers with the pid of the worker that served, so a reload is visible as
// a new pid. The same app as apps/pid.py for uWSGI's emperor.
export default function pid(req, res) {
  const body = `${process.pid}\n`
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}
