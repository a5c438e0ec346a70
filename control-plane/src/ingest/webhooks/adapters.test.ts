import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Signal } from '../../signal.js';
import { detectAdapters, WEBHOOK_ADAPTER_NAMES, WEBHOOK_ADAPTERS, type WebhookAdapterName } from './index.js';

const fixture = (name: string): unknown => {
  const text = readFileSync(new URL(`../fixtures/webhooks/${name}`, import.meta.url), 'utf8');
  return name.endsWith('.form') ? Object.fromEntries(new URLSearchParams(text.trim())) : JSON.parse(text);
};
const received = new Date('2026-03-14T12:00:00.000Z');

function only(adapter: WebhookAdapterName, name: string): Signal[] {
  const body = fixture(name);
  expect(detectAdapters(body, WEBHOOK_ADAPTER_NAMES).map((a) => a.name)).toEqual([adapter]);
  const signals = WEBHOOK_ADAPTERS[adapter].parse(body, received);
  for (const s of signals) expect(Signal.safeParse(s).success).toBe(true);
  return signals;
}

describe('alertmanager adapter', () => {
  it('reads a firing KubePodCrashLooping alert with its Kubernetes labels', () => {
    const [s, ...rest] = only('alertmanager', 'alertmanager_firing.json');
    expect(rest).toEqual([]);
    expect(s).toMatchObject({
      source: 'webhook',
      adapter: 'alertmanager',
      kind: 'alert',
      reason: 'KubePodCrashLooping',
      status: 'firing',
      severity: 'critical',
      time: '2026-03-14T09:26:53.125Z',
      title: 'Pod is crash looping.',
      message: 'Pod shop/checkout-7d9f8b6c5-x2x9q (checkout) is in waiting state (reason: "CrashLoopBackOff").',
      sourceFingerprint: '5f2c3a9e1b7d4c60',
      resource: { cluster: 'prod-eu1', namespace: 'shop', pod: 'checkout-7d9f8b6c5-x2x9q', container: 'checkout', service: 'checkout' },
      links: [
        'http://prometheus.monitoring:9090/graph?g0.expr=max_over_time%28kube_pod_container_status_waiting_reason%5B5m%5D%29+%3E%3D+1',
        'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping',
      ],
    });
    expect(s!.labels.job).toBe('kube-state-metrics');
    expect(s!.annotations.runbook_url).toContain('kubepodcrashlooping');
    expect(s!.attributes).toMatchObject({ receiver: 'vigil', startsAt: '2026-03-14T09:26:53.125Z' });
    expect(s!.attributes.endsAt).toBeUndefined();
  });

  it('turns a resolved alert into a resolved signal timed at its end (offset normalised to UTC)', () => {
    const [s] = only('alertmanager', 'alertmanager_resolved.json');
    expect(s).toMatchObject({
      status: 'resolved',
      severity: 'warning',
      reason: 'KubeContainerWaiting',
      time: '2026-03-14T08:15:30.500Z',
      sourceFingerprint: '0a1b2c3d4e5f6071',
      resource: { namespace: 'payments', pod: 'ledger-0', container: 'ledger' },
    });
    expect(s!.attributes).toMatchObject({ startsAt: '2026-03-14T08:00:00.000Z', endsAt: '2026-03-14T08:15:30.500Z' });
  });

  it('gives the same record the same id and different records different ids', () => {
    const a = WEBHOOK_ADAPTERS.alertmanager.parse(fixture('alertmanager_firing.json'), received);
    const b = WEBHOOK_ADAPTERS.alertmanager.parse(fixture('alertmanager_firing.json'), new Date());
    const c = WEBHOOK_ADAPTERS.alertmanager.parse(fixture('alertmanager_resolved.json'), received);
    expect(a[0]!.id).toBe(b[0]!.id);
    expect(a[0]!.id).not.toBe(c[0]!.id);
  });
});

describe('grafana adapter', () => {
  it('reads a firing unified-alerting alert with its panel, dashboard and silence links', () => {
    const [s] = only('grafana', 'grafana_firing.json');
    expect(s).toMatchObject({
      adapter: 'grafana',
      reason: 'HighErrorRate',
      status: 'firing',
      severity: 'warning',
      time: '2026-03-14T08:00:00.000Z',
      title: '5xx ratio above 5% on cart',
      message: 'cart returns 7.2% 5xx over the last 5 minutes',
      sourceFingerprint: '9e8d7c6b5a403f21',
      resource: { namespace: 'shop', pod: 'cart-5c7b9d8f4-abcde' },
      links: [
        'https://grafana.example.com/alerting/grafana/cart5xx/view?orgId=1',
        'https://grafana.example.com/d/shop-cart?orgId=1',
        'https://grafana.example.com/d/shop-cart?orgId=1&viewPanel=4',
        'https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHighErrorRate',
      ],
    });
    expect(s!.attributes).toMatchObject({ orgId: 1, values: { A: 0.072, C: 1 } });
    expect(s!.labels.grafana_folder).toBe('Shop');
  });

  it('turns state ok / status resolved into a resolved signal', () => {
    const [s] = only('grafana', 'grafana_resolved.json');
    expect(s).toMatchObject({ status: 'resolved', time: '2026-03-14T08:20:00.000Z', sourceFingerprint: '9e8d7c6b5a403f21' });
    expect(s!.links).toEqual(['https://grafana.example.com/alerting/grafana/cart5xx/view?orgId=1']);
  });
});

describe('pagerduty adapter', () => {
  it('reads incident.triggered with custom details and priority', () => {
    const [s] = only('pagerduty', 'pagerduty_triggered.json');
    expect(s).toMatchObject({
      adapter: 'pagerduty',
      status: 'firing',
      severity: 'critical',
      reason: 'checkout OOMKilled repeatedly',
      time: '2026-03-14T09:30:00.000Z',
      sourceFingerprint: 'Q2K0XV7H5R1M9P',
      resource: { namespace: 'shop', pod: 'checkout-7d9f8b6c5-x2x9q', container: 'checkout', service: 'checkout' },
      links: [
        'https://acme.pagerduty.com/incidents/Q2K0XV7H5R1M9P',
        'https://prometheus.example.com/alerts',
        'https://acme.pagerduty.com/services/PSVC01',
      ],
    });
    expect(s!.attributes).toMatchObject({ eventType: 'incident.triggered', incidentNumber: 4821, incidentKey: 'checkout-oom', priority: 'P1' });
  });

  it('reads incident.resolved as resolved, keeping the incident id as fingerprint', () => {
    const [s] = only('pagerduty', 'pagerduty_resolved.json');
    expect(s).toMatchObject({
      status: 'resolved',
      severity: 'info',
      time: '2026-03-14T10:02:44.900Z',
      sourceFingerprint: 'Q2K0XV7H5R1M9P',
      resource: { service: 'Checkout API' },
    });
  });
});

describe('datadog adapter', () => {
  it('reads a triggered monitor with $TAGS as a comma-separated string', () => {
    const [s] = only('datadog', 'datadog_triggered.json');
    expect(s).toMatchObject({
      adapter: 'datadog',
      status: 'firing',
      severity: 'error',
      reason: 'Pod restarts high on shop/checkout',
      title: 'Pod restarts high on shop/checkout',
      time: '2026-03-14T09:30:00.000Z',
      sourceFingerprint: '99887766',
      resource: {
        cluster: 'prod-eu1',
        node: 'gke-prod-pool-1-abcd',
        namespace: 'shop',
        pod: 'checkout-7d9f8b6c5-x2x9q',
        container: 'checkout',
        service: 'checkout',
      },
      links: [
        'https://app.datadoghq.com/event/event?id=7412589630147852369',
        'https://app.datadoghq.com/monitors/99887766?group=pod_name%3Acheckout-7d9f8b6c5-x2x9q',
      ],
    });
    expect(s!.message).toContain('Restarts of checkout went above 5');
    expect(s!.message).not.toContain('%%%');
    expect(s!.labels.env).toBe('prod');
  });

  it('reads a recovered monitor (tags as an array) as resolved with the same fingerprint', () => {
    const [s] = only('datadog', 'datadog_recovered.json');
    expect(s).toMatchObject({
      status: 'resolved',
      severity: 'error',
      time: '2026-03-14T10:00:00.000Z',
      sourceFingerprint: '99887766',
      resource: { namespace: 'shop', pod: 'checkout-7d9f8b6c5-x2x9q', service: 'checkout' },
    });
  });

  it.each([
    ['[P1] [Triggered] CPU high', { priority: 'P1', transition: 'Triggered', name: 'CPU high' }],
    ['[Recovered on {host:a}] [] disk', { transition: 'Recovered on {host:a}', name: 'disk' }],
    ['plain title', { name: 'plain title' }],
  ])('splits the title %s', async (title, parts) => {
    const { splitDatadogTitle } = await import('./datadog.js');
    expect(splitDatadogTitle(title)).toEqual(parts);
  });
});

describe('opsgenie adapter', () => {
  it('reads Create with details carrying the Kubernetes identity', () => {
    const [s] = only('opsgenie', 'opsgenie_create.json');
    expect(s).toMatchObject({
      adapter: 'opsgenie',
      status: 'firing',
      severity: 'critical',
      reason: 'ledger-0 CrashLoopBackOff',
      message: 'Back-off restarting failed container ledger in pod ledger-0',
      time: '2026-03-14T09:30:00.123Z',
      sourceFingerprint: 'payments-ledger-crashloop',
      resource: { cluster: 'prod-eu1', namespace: 'payments', pod: 'ledger-0', container: 'ledger', service: 'ledger' },
    });
    expect(s!.attributes).toMatchObject({ action: 'Create', tinyId: '417', tags: ['k8s', 'payments'] });
  });

  it('reads Close as resolved at updatedAt (nanoseconds)', () => {
    const [s] = only('opsgenie', 'opsgenie_close.json');
    expect(s).toMatchObject({ status: 'resolved', time: '2026-03-14T10:30:00.456Z', sourceFingerprint: 'payments-ledger-crashloop' });
  });
});

describe('victorops adapter', () => {
  it('reads the form-encoded escalation webhook, unquoting its values', () => {
    const [s] = only('victorops', 'victorops_critical.form');
    expect(s).toMatchObject({
      adapter: 'victorops',
      status: 'firing',
      severity: 'critical',
      reason: 'checkout crash looping',
      message: 'Pod shop/checkout-7d9f8b6c5-x2x9q restarted 6 times',
      time: '2026-03-14T09:30:00.500Z',
      sourceFingerprint: 'shop/checkout/KubePodCrashLooping',
      resource: { namespace: 'shop', pod: 'checkout-7d9f8b6c5-x2x9q' },
    });
    expect(s!.attributes).toMatchObject({ messageType: 'CRITICAL', incident: '512', monitoringTool: 'prometheus' });
  });

  it('reads the outbound webhook with flattened ALERT.* keys; RECOVERY resolves', () => {
    const [s] = only('victorops', 'victorops_recovery.json');
    expect(s).toMatchObject({
      status: 'resolved',
      severity: 'info',
      time: '2026-03-14T10:30:00.000Z',
      sourceFingerprint: 'shop/checkout/KubePodCrashLooping',
      resource: { namespace: 'shop', pod: 'checkout-7d9f8b6c5-x2x9q' },
      links: ['https://portal.victorops.com/ui/acme/incident/512/details'],
    });
    expect(s!.attributes.startsAt).toBe('2026-03-14T09:30:00.500Z');
  });
});

describe('newrelic adapter', () => {
  it('reads an ACTIVATED workflow issue; custom fields carry the pod', () => {
    const [s] = only('newrelic', 'newrelic_activated.json');
    expect(s).toMatchObject({
      adapter: 'newrelic',
      status: 'firing',
      severity: 'error',
      reason: 'Checkout errors',
      title: "checkout error rate > 5% for 5 minutes on 'Checkout errors'",
      time: '2026-03-14T09:30:00.000Z',
      sourceFingerprint: '5b1f3c9e-8d2a-4f6b-9c0e-7a1d2b3c4e5f',
      resource: { namespace: 'shop', pod: 'checkout-7d9f8b6c5-x2x9q', service: 'checkout' },
      links: ['https://radar-api.service.newrelic.com/accounts/1234567/issues/5b1f3c9e-8d2a-4f6b-9c0e-7a1d2b3c4e5f?notifier=WEBHOOK'],
    });
  });

  it('reads CLOSED as resolved at updatedAt', () => {
    const [s] = only('newrelic', 'newrelic_closed.json');
    expect(s).toMatchObject({ status: 'resolved', time: '2026-03-14T10:00:00.000Z', resource: { service: 'checkout' } });
  });
});

describe('detection', () => {
  it.each([null, 42, 'text', [[]], {}, { alerts: 'no' }, { event: {} }, { action: 'Create' }, { title: 'x' }])(
    'no adapter claims %j',
    (body) => {
      expect(detectAdapters(body, WEBHOOK_ADAPTER_NAMES)).toEqual([]);
      for (const name of WEBHOOK_ADAPTER_NAMES) expect(() => WEBHOOK_ADAPTERS[name].parse(body, received)).not.toThrow();
    },
  );

  it('only considers enabled adapters', () => {
    expect(detectAdapters(fixture('grafana_firing.json'), ['alertmanager'])).toEqual([]);
  });
});
