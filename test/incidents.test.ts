// End to end: signals → incidents (default rules) → triage (offline and LLM) → alerts at local receivers.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertConfig } from '../control-plane/src/alert/config.js';
import { AlertRouter } from '../control-plane/src/alert/router.js';
import { MemoryIncidentStore } from '../control-plane/src/correlate/store.js';
import { createIncidentEngine, IncidentsConfig, startIncidents } from '../control-plane/src/incidents.js';
import { parseRules } from '../control-plane/src/rules/engine.js';
import { Signal, type SignalInput } from '../control-plane/src/signal.js';
import { TriageConfig } from '../control-plane/src/triage/config.js';
import { testRedactor } from '../control-plane/src/triage/fixtures/redactor.js';
import { TriageService } from '../control-plane/src/triage/service.js';
import { FakeOpenAI } from './helpers/fake-openai.js';
import { HttpReceiver } from './helpers/http-receiver.js';

const rules = parseRules(await readFile(new URL('../control-plane/rules.default.yaml', import.meta.url), 'utf8'));
const T0 = Date.parse('2026-11-27T10:00:00Z');
const SECRET = 'sk-proj-LEAKleakLEAKleakLEAK0123456789';

function crash(n: number, over: Partial<SignalInput> = {}): Signal {
  return Signal.parse({
    id: `pod-watch-${n}`,
    source: 'kubernetes',
    adapter: 'pod-watch',
    kind: 'crash',
    reason: n % 3 === 0 ? 'OOMKilled' : 'CrashLoopBackOff',
    time: new Date(T0 + n * 1000).toISOString(),
    title: 'Back-off restarting failed container checkout',
    resource: { cluster: 'prod', namespace: 'shop', pod: `checkout-7c5ddbdf54-${['8xk2p', 'zz9qq'][n % 2]}`, container: 'checkout' },
    // A source that failed to redact: the engine must still keep the key out of alerts and prompts.
    evidence: [`connecting to payments with key ${SECRET}`, 'WARN heap usage increasing: 250Mi'],
    message: `Authorization: Bearer ${SECRET}`,
    attributes: {
      exit_code: 137,
      status: { containerStatuses: [{ name: 'checkout', restartCount: n, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] },
      spec: { containers: [{ name: 'checkout', resources: { limits: { memory: '256Mi' } } }] },
    },
    ...over,
  });
}

let hook: HttpReceiver;
let pd: HttpReceiver;
let fake: FakeOpenAI;
beforeAll(async () => {
  [hook, pd, fake] = await Promise.all([new HttpReceiver().start(), new HttpReceiver().start(), new FakeOpenAI().start()]);
});
afterAll(async () => {
  await Promise.all([hook.close(), pd.close(), fake.close()]);
});

function alerts() {
  return new AlertRouter(
    AlertConfig.parse({
      sinks: [
        { name: 'hook', type: 'webhook', url: hook.url, secret: 'k', retry_base_ms: 10, rate_per_minute: 6000 },
        { name: 'pd', type: 'pagerduty', routing_key: 'RK', url: pd.url, retry_base_ms: 10, rate_per_minute: 6000 },
      ],
    }),
    { redactor: testRedactor },
  );
}

describe('incident engine, offline triage', () => {
  it('turns a crash storm into one P1 incident with one alert, then resolves it', async () => {
    const h0 = hook.requests.length;
    const p0 = pd.requests.length;
    const engine = createIncidentEngine({ rules, triage: new TriageService({ config: TriageConfig.parse({}), redactor: testRedactor }), alerts: alerts() });
    for (let n = 1; n <= 200; n += 1) await engine.accept([crash(n)]);
    const again = await engine.accept([crash(5), crash(6)]);
    expect(again.duplicates).toBe(2);
    await engine.idle();

    const [incident] = await engine.list({ state: 'open' });
    expect(incident).toMatchObject({ priority: 'P1', signalCount: 200, key: { workload: 'checkout', failureClass: 'crash' } });
    expect(incident!.analysis?.failure_class).toBe('oom-killed');
    expect(incident!.analysis?.action?.type).toBe('k8s_patch');
    const sent = hook.requests.slice(h0);
    expect(sent).toHaveLength(1);
    const body = sent[0]!.json as { event: string; kubectl: string; incident: { id: string } };
    expect(body.event).toBe('trigger');
    expect(body.kubectl).toContain('kubectl patch deployment/checkout -n shop');
    expect(sent[0]!.body).not.toContain('sk-proj-');
    expect(JSON.stringify(incident!.analysis)).not.toContain('sk-proj-');

    await engine.accept([crash(300, { id: 'resolved-1', status: 'resolved' })]);
    await engine.idle();
    expect((await engine.get(body.incident.id))?.state).toBe('resolved');
    expect((hook.requests.at(-1)!.json as { event: string }).event).toBe('resolve');
    expect(pd.requests.slice(p0).map((r) => (r.json as { event_action: string; dedup_key: string }).event_action)).toEqual(['trigger', 'resolve']);
    expect(new Set(pd.requests.slice(p0).map((r) => (r.json as { dedup_key: string }).dedup_key)).size).toBe(1);
  });

  it('opens an AI rate-limit incident from ai_call signals and acknowledges it', async () => {
    const engine = createIncidentEngine({ rules, triage: new TriageService({ config: TriageConfig.parse({}), redactor: testRedactor }) });
    const calls = Array.from({ length: 5 }, (_, n) =>
      Signal.parse({
        id: `ai-${n}`,
        source: 'sensor',
        adapter: 'sensor',
        kind: 'ai_call',
        time: new Date(T0 + n * 100).toISOString(),
        title: 'POST api.openai.com/v1/chat/completions',
        resource: { namespace: 'rag', pod: 'answerer-7c5ddbdf54-8xk2p', container: 'app' },
        attributes: { ai_call: { provider: 'openai', gen_ai: { request: { model: 'gpt-4o' } }, http: { status_code: 429 } } },
      }),
    );
    await engine.accept(calls);
    await engine.idle();
    const [incident] = await engine.list();
    expect(incident).toMatchObject({ priority: 'P2', signalCount: 5, key: { failureClass: 'ai-rate-limit', detail: 'openai' } });
    expect(incident!.analysis?.summary).toContain('5 AI calls failing (rate-limit) on gpt-4o');
    expect((await engine.acknowledge(incident!.id))?.state).toBe('acknowledged');
  });
});

describe('incident engine, LLM triage', () => {
  it('asks the LLM once for a storm of 1,000 signals on one workload; the prompt carries no secret', async () => {
    const before = fake.requests.length;
    fake.answer({ content: JSON.stringify({ summary: 'LLM: OOM', root_cause: 'heap', recommendation: 'raise limit', decision: 'alert', reason: 'oom', confidence: 0.9, action: null }), delayMs: 100 });
    const triage = new TriageService({
      config: TriageConfig.parse({ mode: 'llm-fallback', llm: { base_url: fake.baseURL, api_key: 'x', max_retries: 0 } }),
      redactor: testRedactor,
    });
    const engine = createIncidentEngine({ rules, triage, settleMs: 20 });
    const storm = Array.from({ length: 1000 }, (_, n) => crash(n + 1000, { id: `storm-${n}`, time: new Date(T0 + n * 50).toISOString() }));
    for (let n = 0; n < storm.length; n += 100) await engine.accept(storm.slice(n, n + 100));
    await engine.idle();
    expect(fake.requests.length - before).toBe(1);
    expect(fake.promptOf(before)).not.toContain('sk-proj-');
    const [incident] = await engine.list();
    expect(incident!.analysis?.source).toBe('llm');
    expect(incident!.signalCount).toBe(1000);
  });
});

describe('incident engine, ordering and restart', () => {
  it('sends the trigger before the resolve even when the resolve arrives during a slow triage', async () => {
    const h0 = hook.requests.length;
    fake.answer({ content: JSON.stringify({ summary: 'slow', root_cause: 'r', recommendation: 'x', decision: 'alert' }), delayMs: 300 });
    const triage = new TriageService({
      config: TriageConfig.parse({ mode: 'llm-fallback', llm: { base_url: fake.baseURL, api_key: 'x', max_retries: 0 } }),
      redactor: testRedactor,
    });
    const engine = createIncidentEngine({ rules, triage, alerts: alerts() });
    await engine.accept([crash(1, { id: 'o-1', resource: { namespace: 'ord', pod: 'orders-7c5ddbdf54-8xk2p', container: 'orders' } })]);
    await engine.accept([crash(2, { id: 'o-2', status: 'resolved', resource: { namespace: 'ord', pod: 'orders-7c5ddbdf54-8xk2p', container: 'orders' } })]);
    await engine.idle();
    const events = hook.requests.slice(h0).map((r) => (r.json as { event: string; analysis: { summary: string } }).event);
    expect(events).toEqual(['trigger', 'resolve']);
    expect((hook.requests[h0]!.json as { analysis: { summary: string } }).analysis.summary).toBe('slow');
  });

  it('restores open incidents from the store: a signal after a restart joins the same incident', async () => {
    const store = new MemoryIncidentStore();
    const triage = new TriageService({ config: TriageConfig.parse({}), redactor: testRedactor });
    const first = createIncidentEngine({ rules, triage, store });
    await first.accept([crash(1, { id: 'r-1' })]);
    await first.idle();
    const [before] = await store.list();
    const second = createIncidentEngine({ rules, triage, store });
    await second.restore();
    const { changes } = await second.accept([crash(2, { id: 'r-2' })]);
    expect(changes[0]).toMatchObject({ type: 'updated' });
    expect(changes[0]!.incident.id).toBe(before!.id);
    expect((await store.get(before!.id))?.signalCount).toBe(2);
  });
});

describe('startIncidents (config → pipeline)', () => {
  it('builds rules, triage and alerts from one config section with the bundled rules', async () => {
    const h0 = hook.requests.length;
    const config = IncidentsConfig.parse({
      grouping_window: '10m',
      triage: { mode: 'offline' },
      alerts: { sinks: [{ name: 'hook', type: 'webhook', url: hook.url, retry_base_ms: 10 }] },
    });
    const incidents = await startIncidents(config, { redactor: testRedactor });
    try {
      expect(incidents.rules.current().size).toBeGreaterThan(5);
      await incidents.engine.accept([crash(1, { id: 'cfg-1', resource: { namespace: 'cfg', pod: 'api-7c5ddbdf54-8xk2p', container: 'api' } })]);
      await incidents.engine.idle();
      const body = hook.requests[h0]!.json as { incident: { priority: string; rule: string } };
      expect(body.incident).toMatchObject({ priority: 'P1', rule: 'crashloop-backoff' });
    } finally {
      await incidents.close();
    }
  });

  it('rejects a bad grouping window with the field named', () => {
    const r = IncidentsConfig.safeParse({ grouping_window: 'soon' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['grouping_window']);
  });
});
