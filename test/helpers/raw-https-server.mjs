// A raw HTTPS/1.1 server for capture tests: it records the exact plaintext bytes each request
// arrived as and each response left as (ground truth independent of the sensor), one JSON line
// per exchange on stdout. Usage: node raw-https-server.mjs CERT KEY  (prints {"port":N} first)
// GET/POST /size/<n> answers with an n-byte body; anything else with a small JSON body.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const [cert, key] = process.argv.slice(2);
const server = tls.createServer({ cert: readFileSync(cert), key: readFileSync(key), ALPNProtocols: ['http/1.1'] }, (sock) => {
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const total = end + 4 + (m ? Number(m[1]) : 0);
      if (buf.length < total) return;
      const req = buf.subarray(0, total);
      buf = buf.subarray(total);
      const path = head.split(' ')[1] ?? '/';
      const size = /^\/size\/(\d+)/.exec(path);
      const body = size ? Buffer.alloc(Number(size[1]), 'x') : Buffer.from(JSON.stringify({ ok: true, path, got: total }));
      const res = Buffer.concat([
        Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`),
        body,
      ]);
      // `Connection: close` asks the server to end the connection (clients that read to EOF).
      if (/\r\nconnection:\s*close/i.test(head)) sock.end(res);
      else sock.write(res);
      process.stdout.write(JSON.stringify({ path, req: req.toString('base64'), res: res.toString('base64') }) + '\n');
    }
  });
  sock.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
