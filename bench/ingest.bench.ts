// Control-plane ingest throughput: the real server (started as server.ts starts it) against a
// bare fastify route that only parses the same body, both driven by autocannon in one run.
//  - webhook alerts/s: Alertmanager bodies on POST /webhook (detection, parsing, Signals)
//  - log lines/s: 1,000-line ndjson batches on POST /logs (framing, classification, Signals)
// Ratios = Vigil / bare; floor 0.5, aim 0.8.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Fastify from 'fastify';
import { parseConfig } from '../control-plane/src/config.js';
import { startServer } from '../control-plane/src/server.js';

interface CannonResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
}
type Cannon = (opts: {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
}) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

// Short alternating rounds: the 2-core machine is shared, so load drifts; alternating puts
// the same drift on both sides of each ratio.
const ROUNDS = 6;
const ROUND_S = Number(process.env.BENCH_ROUND_SECONDS ?? 2);
const CONNECTIONS = 10;

/** A realistic Fluentd batch: Kubernetes-enriched records, 2% of them failures. */
function logBatch(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const failing = i % 50 === 0;
    out.push(
      JSON.stringify({
        log: failing ? `dial tcp 10.96.12.${i % 255}:5432: connect: connection refused\n` : `GET /api/cart/${i} 200 ${(i % 37) / 10}ms\n`,
        stream: failing ? 'stderr' : 'stdout',
        time: new Date(Date.UTC(2026, 2, 14, 9, 0, 0, i)).toISOString(),
        kubernetes: {
          namespace_name: 'shop',
          pod_name: `cart-5c7b9d8f4-${(i % 7).toString(36)}x2x9`,
          container_name: 'cart',
          host: 'node-a',
          labels: { app: 'cart', 'pod-template-hash': '5c7b9d8f4' },
        },
      }),
    );
  }
  return `${out.join('\n')}\n`;
}

async function bareServer() {
  const app = Fastify({ bodyLimit: 10 * 1024 * 1024 });
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/webhook', async (req, reply) => reply.code(202).send({ ok: typeof req.body === 'object' }));
  app.post('/logs', async (req, reply) => {
    let n = 0;
    for (const line of (req.body as string).split('\n')) if (line.length > 0 && JSON.parse(line)) n++;
    return reply.code(202).send({ accepted: n });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { app, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

async function requests(url: string, type: string, body: string): Promise<number> {
  const r = await autocannon({ url, method: 'POST', headers: { 'content-type': type }, body, connections: CONNECTIONS, duration: ROUND_S });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return r.requests.total;
}

/** Requests per second of [vigil, bare] over alternating rounds. */
async function paired(vigilUrl: string, bareUrl: string, type: string, body: string): Promise<[number, number]> {
  let vigil = 0;
  let bare = 0;
  for (let i = 0; i < ROUNDS; i++) {
    bare += await requests(bareUrl, type, body);
    vigil += await requests(vigilUrl, type, body);
  }
  const seconds = ROUNDS * ROUND_S;
  return [vigil / seconds, bare / seconds];
}

export async function run(): Promise<void> {
  let signals = 0;
  const vigil = await startServer({
    config: parseConfig({ server: { host: '127.0.0.1', port: 0 } }),
    sink: { accept: (batch) => void (signals += batch.length) },
  });
  const bare = await bareServer();
  const alert = readFileSync(new URL('../../control-plane/src/ingest/fixtures/webhooks/alertmanager_firing.json', import.meta.url), 'utf8');
  const batch = logBatch(1000);
  try {
    const [vigilAlerts, bareAlerts] = await paired(`${vigil.url}/webhook`, `${bare.url}/webhook`, 'application/json', alert);
    const [vigilBatches, bareBatches] = await paired(`${vigil.url}/logs`, `${bare.url}/logs`, 'application/x-ndjson', batch);
    const [vigilLines, bareLines] = [vigilBatches * 1000, bareBatches * 1000];
    const row = (what: string, v: number, b: number) =>
      console.log(`${what.padEnd(26)} vigil ${v.toFixed(0).padStart(9)}/s   bare ${b.toFixed(0).padStart(9)}/s   ratio ${(v / b).toFixed(2)}`);
    console.log(`autocannon: ${CONNECTIONS} connections, ${ROUNDS} alternating ${ROUND_S}s rounds per side; floors 0.5, aims 0.8`);
    row('webhook alerts (AM)', vigilAlerts, bareAlerts);
    row('log lines (1k ndjson)', vigilLines, bareLines);
    console.log(`signals handed to the sink: ${signals}`);
  } finally {
    await vigil.close();
    await bare.app.close();
  }
}
