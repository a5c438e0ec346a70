// The API's query latency with a full store: 100,000 incidents and 1,000,000 AI calls, each
// query over HTTP to the real app listening on loopback (auth, validation, handler,
// serialization, transfer), one request at a time with keep-alive, body read in full, after 10
// untimed warm-up requests per query.
// Floor: p99 < 100 ms for the incident list and the AI-call queries.
import Fastify from 'fastify';
import { MemoryIncidentStore } from '../control-plane/src/correlate/store.js';
import type { Incident } from '../control-plane/src/correlate/types.js';
import { PRIORITIES } from '../control-plane/src/rules/priority.js';
import { READ_TOKEN, startTestApi, TOKENS } from '../test/helpers/api.js';

const INCIDENTS = Number(process.env.BENCH_API_INCIDENTS ?? 100_000);
const AI_CALLS = Number(process.env.BENCH_API_AI_CALLS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_API_RUNS ?? 300);
const WARMUP = 10;
const FLOOR_MS = 100;
const T0 = Date.parse('2026-11-27T00:00:00Z');
const DAY = 86_400_000;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

function incident(n: number): Incident {
  const ns = `ns-${n % 50}`;
  const workload = `svc-${n % 2000}`;
  const first = T0 + Math.floor((n / INCIDENTS) * DAY);
  const entry = {
    id: `sig-${n}`,
    source: 'kubernetes' as const,
    adapter: 'pod-watch',
    kind: 'crash',
    reason: 'CrashLoopBackOff',
    status: 'firing' as const,
    time: new Date(first).toISOString(),
    severity: 'critical' as const,
    title: `Back-off restarting failed container ${workload}`,
    message: 'exit code 1',
    resource: { namespace: ns, pod: `${workload}-7c5ddbdf54-8xk2p`, container: 'app' },
    labels: {},
    evidence: [],
    attributes: {},
  };
  return {
    id: `fp${n}-1`,
    fingerprint: `fp${n}`,
    key: { cluster: 'bench', namespace: ns, workload, container: 'app', failureClass: 'crash', detail: '' },
    state: (['open', 'acknowledged', 'resolved'] as const)[n % 3]!,
    title: `${ns}/${workload}: Back-off restarting failed container`,
    priority: PRIORITIES[n % 4]!,
    severity: 'critical',
    firstSeen: entry.time,
    lastSeen: new Date(first + (n % 600) * 1000).toISOString(),
    reopenCount: 0,
    signalCount: 8,
    relatedCount: 0,
    timeline: Array.from({ length: 8 }, () => entry),
    timelineDropped: 0,
    pods: [`${workload}-7c5ddbdf54-8xk2p`],
    sourceFingerprints: [],
    openSources: [],
  } as unknown as Incident;
}

export async function run(): Promise<void> {
  const t = await startTestApi({
    config: { server: { auth: { tokens: TOKENS } } },
    aiCallCapacity: AI_CALLS,
    incidentStore: new MemoryIncidentStore(INCIDENTS * 2),
  });
  try {
    let started = performance.now();
    for (let n = 0; n < INCIDENTS; n++) await t.incidents.put(incident(n));
    console.log(`filled ${INCIDENTS.toLocaleString('en-US')} incidents in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const before = process.memoryUsage();
    started = performance.now();
    const models = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'gemini-2.0-flash', 'llama-3.1-70b', 'mistral-large'];
    const providers = ['openai', 'openai', 'anthropic', 'gemini', 'bedrock', 'mistral'];
    for (let n = 0; n < AI_CALLS; n++) {
      const m = n % models.length;
      t.aiCalls.add({
        id: `ev-${n}`,
        time: new Date(T0 + Math.floor((n / AI_CALLS) * DAY)).toISOString(),
        node: `node-${n % 20}`,
        namespace: `ns-${n % 50}`,
        pod: `agent-${n % 5000}-7c5ddbdf54-8xk2p`,
        container: 'agent',
        workload: `Deployment/agent-${n % 5000}`,
        provider: providers[m]!,
        model: models[m]!,
        endpoint: 'api.example.com',
        method: 'POST',
        path: '/v1/chat/completions',
        status: n % 50 === 0 ? 429 : 200,
        ...(n % 50 === 0 ? { error: 'rate_limit_exceeded' } : {}),
        latencyMs: 100 + (n % 2000),
        ttftMs: 50 + (n % 300),
        tokensIn: 500 + (n % 1000),
        tokensOut: 100 + (n % 400),
        costUsd: 0.0001 * (1 + (n % 10)),
        streaming: n % 2 === 0,
      });
    }
    const after = process.memoryUsage();
    // Columns are allocated up front; the heap grows by the row ids and interned strings.
    const columns = t.aiCalls.columnBytes / 1e6;
    const heap = (after.heapUsed - before.heapUsed) / 1e6;
    console.log(
      `filled ${AI_CALLS.toLocaleString('en-US')} AI calls in ${((performance.now() - started) / 1000).toFixed(1)} s; columns ${columns.toFixed(0)} MB + ids/strings ≈${heap.toFixed(0)} MB (≈${(((columns + heap) * 1e6) / AI_CALLS).toFixed(0)} B/row)`,
    );

    const headers = { authorization: `Bearer ${READ_TOKEN}` };
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const hour = (h: number) => new Date(T0 + h * 3_600_000).toISOString();
    const queries: [string, string][] = [
      ['incidents', '/api/incidents'],
      ['incidents', '/api/incidents?priority=P1,P2&state=open,acknowledged'],
      ['incidents', '/api/incidents?namespace=ns-7&sort=priority&limit=50'],
      ['incidents', '/api/incidents?q=svc-1234'],
      ['incidents', `/api/incidents?since=${hour(20)}&sort=priority`],
      ['incidents', '/api/incidents?offset=5000&limit=100'],
      ['ai-calls', '/api/ai-calls'],
      ['ai-calls', '/api/ai-calls?namespace=ns-3&limit=100'],
      ['ai-calls', '/api/ai-calls?model=claude-sonnet-4&status=error'],
      ['ai-calls', '/api/ai-calls?pod=agent-123-7c5ddbdf54-8xk2p'],
      ['ai-calls', `/api/ai-calls?since=${hour(23)}&until=${hour(24)}&provider=openai`],
      ['ai-calls', `/api/ai-calls/series?since=${hour(23)}&until=${hour(24)}&step=60&by=model`],
      ['ai-calls', `/api/ai-calls/series?since=${hour(0)}&until=${hour(24)}&step=600&by=namespace`],
    ];
    const measure = async (origin: string, url: string) => {
      const ms: number[] = [];
      let first = '';
      // Untimed first requests: the JIT and connection set-up are not what is measured.
      for (let i = 0; i < WARMUP; i++) await (await fetch(`${origin}${url}`, { headers })).text();
      for (let i = 0; i < RUNS; i++) {
        const s = performance.now();
        const res = await fetch(`${origin}${url}`, { headers });
        const body = await res.text();
        ms.push(performance.now() - s);
        if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body.slice(0, 200)}`);
        if (i === 0) first = body;
      }
      return { ms, first };
    };
    const worst: Record<string, number> = {};
    let largest = '';
    for (const [group, url] of queries) {
      const { ms, first } = await measure(base, url);
      if (first.length > largest.length) largest = first;
      const total = (JSON.parse(first) as { total?: number }).total ?? -1;
      const p99 = pct(ms, 99);
      worst[group] = Math.max(worst[group] ?? 0, p99);
      console.log(`  ${url.padEnd(96)} p50 ${pct(ms, 50).toFixed(2).padStart(7)} ms  p99 ${p99.toFixed(2).padStart(7)} ms${total >= 0 ? `  (total ${total.toLocaleString('en-US')})` : ''}`);
    }
    // Reference: a bare fastify route sending the largest answer above as a ready-made string,
    // over the same loopback HTTP path: what serving that many bytes costs on this machine.
    const bare = Fastify();
    bare.get('/bare', async (_req, reply) => reply.type('application/json').send(largest));
    await bare.listen({ host: '127.0.0.1', port: 0 });
    const bareAddress = bare.server.address();
    const { ms: bareMs } = await measure(`http://127.0.0.1:${typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0}`, '/bare');
    await bare.close();
    console.log(`  bare fastify, same ${(largest.length / 1024).toFixed(0)} KiB body: p50 ${pct(bareMs, 50).toFixed(2)} ms  p99 ${pct(bareMs, 99).toFixed(2)} ms`);
    for (const [group, p99] of Object.entries(worst)) {
      console.log(`${group}: worst p99 ${p99.toFixed(2)} ms — floor p99 < ${FLOOR_MS} ms: ${p99 < FLOOR_MS ? 'PASS' : 'FAIL'} (ratio ${(p99 / FLOOR_MS).toFixed(3)})`);
    }
  } finally {
    await t.close();
  }
}
