// Records real ring-buffer batches for the decoder's fixture tests: loads the probes, runs a
// curl HTTPS request against a local server and a process that exits 3, and writes the raw
// batches the shim returned. Usage (root, after ./scripts/setup.sh):
//   node scripts/record-batches.mjs probe/src/abi/fixtures/batches.bin
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Probe } from '../dist/probe/src/ffi/probe.js';

const out = process.argv[2] ?? 'batches.bin';
const probe = Probe.open({ ringBufferBytes: 1 << 22, maxCaptureBytes: 1 << 18, selfTgid: process.pid, fatalSignalMask: 1 << 11 });
probe.attachTracepoints();
probe.attachTls('/lib/x86_64-linux-gnu/libssl.so.3', 'openssl');
const server = spawnSync('sh', ['-c', `
  openssl req -x509 -newkey rsa:2048 -nodes -keyout /tmp/rb-key.pem -out /tmp/rb-cert.pem -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
  (openssl s_server -quiet -key /tmp/rb-key.pem -cert /tmp/rb-cert.pem -accept 18443 -www >/dev/null 2>&1 & echo $! > /tmp/rb-server.pid)
  sleep 0.5
  curl -s --cacert /tmp/rb-cert.pem https://localhost:18443/recorded -o /dev/null
  sh -c 'exit 3'
  kill $(cat /tmp/rb-server.pid)`], { stdio: 'inherit' });
if (server.status !== 0) throw new Error('recording run failed');
const chunks = [];
for (let i = 0; i < 20; i++) {
  const b = probe.poll();
  if (b.length) chunks.push(Buffer.from(b));
  await new Promise((r) => setTimeout(r, 50));
}
await probe.close();
writeFileSync(out, Buffer.concat(chunks));
console.log(`wrote ${out}: ${chunks.reduce((n, c) => n + c.length, 0)} bytes`);
