// Keep-alive HTTPS load for the capture benchmark, in its own process (its own pid): C requests
// in flight over a keep-alive agent, POSTing an OpenAI chat completion, for D seconds or N calls.
// Usage: node load-client.mjs URL CA CONCURRENCY SECONDS [RATE]
//   → prints {"sent":N,"ok":N,"seconds":S,"pid":P,"cpu":µs of CPU used, user + system}
import https from 'node:https';
import { readFileSync } from 'node:fs';

const [url, caFile, conc, secs, rate] = process.argv.slice(2);
const target = new URL(url);
const agent = new https.Agent({ keepAlive: true, maxSockets: Number(conc) });
const ca = readFileSync(caFile);
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'benchmark call' }] });
const deadline = Date.now() + Number(secs) * 1000;
// Optional rate limit (calls/s): each worker waits for its next slot.
const interval = rate ? (1000 * Number(conc)) / Number(rate) : 0;
let sent = 0;
let ok = 0;

function once() {
  return new Promise((resolve) => {
    sent++;
    const req = https.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, ca, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer sk-bench' } },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) ok++;
          resolve();
        });
      },
    );
    req.on('error', () => resolve());
    req.end(body);
  });
}

async function worker() {
  let next = Date.now();
  while (Date.now() < deadline) {
    await once();
    if (interval) {
      next += interval;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
}

const t0 = Date.now();
const cpu0 = process.cpuUsage();
await Promise.all(Array.from({ length: Number(conc) }, worker));
agent.destroy();
process.stdout.write(JSON.stringify({ sent, ok, seconds: (Date.now() - t0) / 1000, pid: process.pid, cpu: ((u) => u.user + u.system)(process.cpuUsage(cpu0)) }) + '\n');
