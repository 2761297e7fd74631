// A reverse-proxy front for the cache-tests suite: every request it gets is sent on to
// https-proxy in absolute form (GET http://ORIGIN/path HTTP/1.1), and the answer comes back as it
// came. It stores nothing: whatever the suite sees cached, https-proxy cached.
//
//   node adapter.mjs LISTEN_PORT PROXY_PORT ORIGIN_HOST:PORT
import http from 'node:http'

const [listenPort, proxyPort, origin] = process.argv.slice(2)
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade'])

function pairs (raw) {
  const out = []
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1])
  }
  return out
}

http.createServer((req, res) => {
  const headers = pairs(req.rawHeaders).map((v, i, a) =>
    i % 2 === 1 && a[i - 1].toLowerCase() === 'host' ? origin : v)
  const up = http.request({
    host: '127.0.0.1',
    port: proxyPort,
    method: req.method,
    path: `http://${origin}${req.url}`,
    headers,
    agent
  }, answer => {
    res.writeHead(answer.statusCode, answer.statusMessage, pairs(answer.rawHeaders))
    answer.pipe(res)
  })
  up.on('error', err => {
    res.writeHead(599, { 'content-type': 'text/plain' })
    res.end(`adapter: ${err.message}\n`)
  })
  req.pipe(up)
}).listen(listenPort, '127.0.0.1', () => console.log(`adapter on ${listenPort} -> proxy ${proxyPort} -> ${origin}`))
