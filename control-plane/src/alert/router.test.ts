import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpReceiver } from '../../../test/helpers/http-receiver.js';
import { sampleOf } from '../../../test/helpers/prom-text.js';
import { AlertMetrics } from '../metrics/alerts.js';
import type { Incident, IncidentChange } from '../correlate/types.js';
import { AlertConfig } from './config.js';
import { checkoutIncident } from './fixtures/incident.js';
import { AlertRouter } from './router.js';
import { sign } from './webhook.js';

const receivers: HttpReceiver[] = [];
async function receiver(): Promise<HttpReceiver> {
  const r = await new HttpReceiver().start();
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const change = (type: IncidentChange['type'], incident: Incident): IncidentChange => ({ type, incident });
const fast = { retry_base_ms: 10, rate_per_minute: 6000 };

describe('AlertRouter', () => {
  it('sends one trigger per incident, then escalation, acknowledgement and resolve that refer to it, and nothing for updates', async () => {
    const pd = await receiver();
    const hook = await receiver();
    const router = new AlertRouter(
      AlertConfig.parse({
        sinks: [
          { name: 'pd', type: 'pagerduty', routing_key: 'RK', url: `${pd.url}/v2/enqueue`, ...fast },
          { name: 'hook', type: 'webhook', url: `${hook.url}/hook`, secret: 'k3y', ...fast },
        ],
      }),
    );
    const incident = checkoutIncident();
    router.notify(change('opened', incident));
    router.notify(change('updated', incident));
    incident.analysis = { ...incident.analysis!, summary: 'a different wording' };
    router.notify(change('updated', incident));
    incident.priority = 'P1';
    router.notify(change('escalated', incident));
    incident.state = 'acknowledged';
    router.notify(change('acknowledged', incident));
    incident.state = 'resolved';
    incident.resolvedAt = '2026-11-27T10:30:00Z';
    router.notify(change('resolved', incident));
    router.notify(change('resolved', incident));
    await router.flush();

    expect(pd.requests.map((r) => (r.json as { event_action: string }).event_action)).toEqual(['trigger', 'trigger', 'acknowledge', 'resolve']);
    expect(new Set(pd.requests.map((r) => (r.json as { dedup_key: string }).dedup_key))).toEqual(new Set([incident.fingerprint]));
    expect((pd.requests[1]!.json as { payload: { severity: string } }).payload.severity).toBe('critical');
    const events = hook.requests.map((r) => r.headers['x-vigil-event']);
    expect(events).toEqual(['trigger', 'escalate', 'acknowledge', 'resolve']);
    for (const r of hook.requests) expect(r.headers['x-vigil-signature']).toBe(sign('k3y', r.body));
    expect((hook.requests[1]!.json as { incident: { previous_priority: string } }).incident.previous_priority).toBe('P2');
    expect(router.stats().pd).toMatchObject({ sent: 4, failed: 0, dropped: 0 });
  });

  it('counts deliveries and failures by sink, type and alert event (vigil_alerts_*_total)', async () => {
    const ok = await receiver();
    const broken = await receiver();
    broken.respondWith({ status: 400 }, { status: 400 });
    const registry = new Registry();
    const router = new AlertRouter(
      AlertConfig.parse({
        sinks: [
          { name: 'ok', type: 'webhook', url: `${ok.url}/hook`, ...fast },
          { name: 'broken', type: 'webhook', url: `${broken.url}/hook`, ...fast },
        ],
      }),
      { metrics: new AlertMetrics(registry) },
    );
    const incident = checkoutIncident();
    router.notify(change('opened', incident));
    incident.state = 'resolved';
    router.notify(change('resolved', incident));
    await router.flush();
    const text = await registry.metrics();
    expect(sampleOf(text, 'vigil_alerts_sent_total', { sink: 'ok', type: 'webhook', event: 'trigger' })).toBe(1);
    expect(sampleOf(text, 'vigil_alerts_sent_total', { sink: 'ok', type: 'webhook', event: 'resolve' })).toBe(1);
    expect(sampleOf(text, 'vigil_alerts_failed_total', { sink: 'broken', type: 'webhook', event: 'trigger' })).toBe(1);
    expect(sampleOf(text, 'vigil_alerts_failed_total', { sink: 'broken', type: 'webhook', event: 'resolve' })).toBe(1);
    expect(sampleOf(text, 'vigil_alerts_sent_total', { sink: 'broken' })).toBeUndefined();
  });

  it('retries 5xx and 429 with backoff, and gives up on other 4xx at once', async () => {
    const r = await receiver();
    const router = new AlertRouter(AlertConfig.parse({ sinks: [{ name: 'hook', type: 'webhook', url: r.url, ...fast, retries: 3 }] }));
    r.respondWith({ status: 500 }, { status: 429, headers: { 'retry-after': '0' } }, { status: 200 }, { status: 400 });
    router.notify(change('opened', checkoutIncident({ id: 'a-1' })));
    router.notify(change('opened', checkoutIncident({ id: 'b-1' })));
    await router.flush();
    expect(r.requests).toHaveLength(4);
    expect(r.requests.slice(0, 3).every((q) => (q.json as { incident: { id: string } }).incident.id === 'a-1')).toBe(true);
    expect(router.stats().hook).toMatchObject({ sent: 1, failed: 1 });
  });

  it('routes by priority and namespace; an escalation brings in the sinks that now match', async () => {
    const pager = await receiver();
    const chat = await receiver();
    const router = new AlertRouter(
      AlertConfig.parse({
        sinks: [
          { name: 'pager', type: 'pagerduty', routing_key: 'RK', url: pager.url, route: { priorities: ['P1'] }, ...fast },
          { name: 'chat', type: 'slack', webhook_url: chat.url, route: { exclude_namespaces: ['kube-system'] }, ...fast },
        ],
      }),
    );
    router.notify(change('opened', checkoutIncident({ id: 'sys-1', key: { ...checkoutIncident().key, namespace: 'kube-system' } })));
    const i = checkoutIncident();
    router.notify(change('opened', i));
    await router.flush();
    expect(pager.requests).toHaveLength(0);
    expect(chat.requests).toHaveLength(1);
    i.priority = 'P1';
    router.notify(change('escalated', i));
    await router.flush();
    expect((pager.requests[0]!.json as { event_action: string }).event_action).toBe('trigger');
    expect((chat.requests[1]!.json as { text: string }).text).toContain('Escalated (P2 → P1)');
  });

  it('rate-limits each sink', async () => {
    const r = await receiver();
    // 120/min with a burst of 20: the 21st and 22nd messages wait about half a second each.
    const router = new AlertRouter(AlertConfig.parse({ sinks: [{ name: 'hook', type: 'webhook', url: r.url, retry_base_ms: 10, rate_per_minute: 120 }] }));
    for (let n = 0; n < 22; n += 1) router.notify(change('opened', checkoutIncident({ id: `i-${n}` })));
    await router.flush();
    expect(r.requests).toHaveLength(22);
    expect(r.requests[21]!.at - r.requests[0]!.at).toBeGreaterThanOrEqual(800);
  });

  it('counts drops when a sink queue is full', async () => {
    const r = await receiver();
    const router = new AlertRouter(AlertConfig.parse({ sinks: [{ name: 'hook', type: 'webhook', url: r.url, queue_size: 2, ...fast }] }));
    for (let n = 0; n < 5; n += 1) router.notify(change('opened', checkoutIncident({ id: `i-${n}` })));
    await router.flush();
    // The first message is taken off the queue at once; two more fit; two are dropped.
    expect(router.stats().hook).toMatchObject({ sent: 3, dropped: 2 });
  });
});
