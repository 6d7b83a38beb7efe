// The example app: a plain Node request listener, served by tsgi's workers.
export default function hello(req, res) {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
  res.end(`${process.env.GREETING ?? 'hello'} from ${req.url}\n`)
}
