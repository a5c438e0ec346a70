// Incidents, end to end in one process:
//  1. latency from a crash signal to its alert arriving at a local webhook receiver, offline
//     triage (p50/p99 over fresh incidents; floor p99 < 2 s);
//  2. LLM calls for a crash-loop storm of 1,000 signals on one workload (must be 1), against a
//     local OpenAI-compatible server.
import { readFile } from 'node:fs/promises';
import { AlertConfig } from '../control-plane/src/alert/config.js';
import { AlertRouter } from '../control-plane/src/alert/router.js';
import { createIncidentEngine } from '../control-plane/src/incidents.js';
import { parseRules } from '../control-plane/src/rules/engine.js';
import { Signal } from '../control-plane/src/signal.js';
import { TriageConfig } from '../control-plane/src/triage/config.js';
import { TriageService } from '../control-plane/src/triage/service.js';
import type { Redactor } from '../control-plane/src/triage/types.js';
import { FakeOpenAI } from '../test/helpers/fake-openai.js';
import { HttpReceiver } from '../test/helpers/http-receiver.js';

const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 500);
const STORM = 1_000;
const redactor: Redactor = { redact: (s) => s.replace(/sk-[A-Za-z0-9_-]{16,}/g, '[REDACTED]') };
const T0 = Date.parse('2026-11-27T10:00:00Z');

function crash(workload: string, n: number): Signal {
  return Signal.parse({
    id: `${workload}-${n}`,
    source: 'kubernetes',
    adapter: 'pod-watch',
    kind: 'crash',
    reason: 'CrashLoopBackOff',
    time: new Date(T0 + n * 100).toISOString(),
    title: `Back-off restarting failed container ${workload}`,
    resource: { cluster: 'bench', namespace: 'shop', pod: `${workload}-7c5ddbdf54-8xk2p`, container: 'app' },
    evidence: ['Traceback (most recent call last):', "KeyError: 'DATABASE_URL'"],
    attributes: { exit_code: 1 },
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function latency(rules: ReturnType<typeof parseRules>): Promise<void> {
  const receiver = await new HttpReceiver().start();
  const alerts = new AlertRouter(AlertConfig.parse({ sinks: [{ name: 'hook', type: 'webhook', url: receiver.url, secret: 'k', rate_per_minute: 1e6 }] }), { redactor });
  const engine = createIncidentEngine({ rules, triage: new TriageService({ config: TriageConfig.parse({}), redactor }), alerts });
  const ms: number[] = [];
  try {
    for (let i = 0; i < INCIDENTS; i += 1) {
      const t = performance.now();
      await engine.accept([crash(`svc${i}`, i)]);
      await receiver.waitFor(i + 1);
      ms.push(performance.now() - t);
    }
    await engine.idle();
  } finally {
    await receiver.close();
  }
  const p99 = pct(ms, 99);
  console.log(`signal → alert delivered (offline triage, ${INCIDENTS} incidents): p50 ${pct(ms, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${Math.max(...ms).toFixed(2)} ms`);
  console.log(`  floor p99 < 2000 ms: ${p99 < 2000 ? 'PASS' : 'FAIL'} (ratio p99/floor ${(p99 / 2000).toFixed(4)})`);
}

async function storm(rules: ReturnType<typeof parseRules>): Promise<void> {
  const fake = await new FakeOpenAI().start();
  try {
    const triage = new TriageService({
      config: TriageConfig.parse({ mode: 'llm-fallback', llm: { base_url: fake.baseURL, api_key: 'bench', max_retries: 0 } }),
      redactor,
    });
    const engine = createIncidentEngine({ rules, triage });
    const t = performance.now();
    for (let n = 0; n < STORM; n += 1) await engine.accept([crash('storm', n)]);
    await engine.idle();
    const elapsed = performance.now() - t;
    const calls = fake.requests.length;
    console.log(`crash-loop storm: ${STORM} signals on one workload → ${(await engine.list()).length} incident, ${calls} LLM call(s) in ${elapsed.toFixed(0)} ms (${((STORM / elapsed) * 1000).toFixed(0)} signals/s)`);
    console.log(`  LLM calls must be 1: ${calls === 1 ? 'PASS' : 'FAIL'} (calls per signal ${(calls / STORM).toFixed(4)})`);
  } finally {
    await fake.close();
  }
}

export async function run(): Promise<void> {
  const rules = parseRules(await readFile(new URL('../../control-plane/rules.default.yaml', import.meta.url), 'utf8'));
  await latency(rules);
  await storm(rules);
}
