import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkoutIncident } from './fixtures/incident.js';
import { alertMessage } from './message.js';
import { pagerDutyPayload } from './pagerduty.js';
import { slackPayload } from './slack.js';
import { teamsPayload } from './teams.js';
import { sign, webhookPayload } from './webhook.js';

const KUBECTL = `kubectl patch deployment/checkout -n shop --type strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"checkout","resources":{"limits":{"memory":"384Mi"}}}]}}}}'`;

describe('Slack Block Kit', () => {
  it('shows the analysis, the proposed action and its kubectl command', () => {
    const p = slackPayload(alertMessage('trigger', checkoutIncident(), { dashboardUrl: 'https://vigil.example/i/1' }));
    expect(p.text).toBe('[P2] Incident: shop/checkout: container checkout OOMKilled');
    const blocks = p.blocks as { type: string; text?: { text: string }; fields?: unknown[]; elements?: { text: string }[] }[];
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    expect(blocks[2]!.text!.text).toContain('*Root cause*');
    expect(blocks[3]!.text!.text).toContain('k8s_patch Deployment/checkout in shop');
    expect(blocks[3]!.text!.text).toContain(KUBECTL);
    expect(blocks[4]!.elements![0]!.text).toContain('Incident 4f1c2b9a7e3d5c6b8a90-1');
  });

  it('an update names the incident it updates and skips the analysis on resolve', () => {
    const p = slackPayload(alertMessage('resolve', checkoutIncident({ state: 'resolved', resolvedAt: '2026-11-27T10:30:00Z' })));
    expect(p.text).toContain('Resolved');
    const blocks = p.blocks as { type: string; elements?: { text: string }[] }[];
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(blocks[2]!.elements![0]!.text).toContain('Update to incident 4f1c2b9a7e3d5c6b8a90-1');
  });
});

describe('Teams adaptive card', () => {
  it('wraps an AdaptiveCard in a message attachment', () => {
    const p = teamsPayload(alertMessage('escalate', checkoutIncident({ priority: 'P1' }), { previousPriority: 'P2' }));
    expect(p.type).toBe('message');
    const att = p.attachments[0]!;
    expect(att.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(att.content.type).toBe('AdaptiveCard');
    const texts = (att.content.body as { type: string; text?: string }[]).map((b) => b.text ?? '');
    expect(texts[0]).toBe('[P1] Escalated (P2 → P1): shop/checkout: container checkout OOMKilled');
    expect(texts).toContain(KUBECTL);
    expect(texts.at(-1)).toBe('Update to incident 4f1c2b9a7e3d5c6b8a90-1');
  });
});

describe('PagerDuty Events API v2', () => {
  it('triggers with dedup_key = fingerprint and severity from priority', () => {
    const p = pagerDutyPayload(alertMessage('trigger', checkoutIncident({ priority: 'P1' })), 'R0UTINGKEY');
    if (!('payload' in p)) throw new Error('a trigger has a payload');
    expect(p).toMatchObject({ routing_key: 'R0UTINGKEY', event_action: 'trigger', dedup_key: '4f1c2b9a7e3d5c6b8a90', client: 'Vigil' });
    expect(p.payload).toMatchObject({ severity: 'critical', source: 'prod-eu/shop/checkout/checkout', component: 'checkout', group: 'shop', class: 'oom-killed' });
    expect(p.payload.custom_details.kubectl).toBe(KUBECTL);
  });

  it('resolves with the same dedup_key and nothing else', () => {
    expect(pagerDutyPayload(alertMessage('resolve', checkoutIncident()), 'K')).toEqual({ routing_key: 'K', event_action: 'resolve', dedup_key: '4f1c2b9a7e3d5c6b8a90' });
  });
});

describe('generic webhook', () => {
  it('carries the incident, analysis, action and kubectl; the signature is HMAC-SHA256 of the body', () => {
    const body = JSON.stringify(webhookPayload(alertMessage('trigger', checkoutIncident())));
    const parsed = JSON.parse(body);
    expect(parsed).toMatchObject({ version: '1', event: 'trigger', incident: { id: '4f1c2b9a7e3d5c6b8a90-1', priority: 'P2', namespace: 'shop' }, kubectl: KUBECTL });
    expect(parsed.analysis.failure_class).toBe('oom-killed');
    expect(sign('s3cret', body)).toBe(`sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`);
  });
});
