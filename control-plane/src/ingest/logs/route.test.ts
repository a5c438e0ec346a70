import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Signal } from '../../signal.js';
import { ingestLogText } from './route.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/logs/${name}`, import.meta.url), 'utf8');
const received = new Date('2026-03-14T12:00:00.000Z');
const ingest = (name: string) => ingestLogText(fixture(name), received, 1000);

describe('ingestLogText', () => {
  it('Fluentd ndjson with kubernetes_metadata_filter fields: error lines become signals', () => {
    const { result, signals } = ingest('fluentd_ndjson.ndjson');
    expect(result).toEqual({ accepted: 3, rejected: 0, signals: 2, errors: [] });
    for (const s of signals) expect(Signal.safeParse(s).success).toBe(true);
    expect(signals[0]).toMatchObject({
      source: 'logs',
      adapter: 'fluentd',
      kind: 'log',
      reason: 'ConnectionRefused',
      severity: 'error',
      status: 'firing',
      time: '2026-03-14T09:26:52.884Z',
      title: 'ConnectionRefused: dial tcp 10.96.12.7:5432: connect: connection refused',
      resource: { namespace: 'shop', pod: 'checkout-7d9f8b6c5-x2x9q', container: 'checkout', node: 'node-a' },
      labels: { app: 'checkout' },
      evidence: ['dial tcp 10.96.12.7:5432: connect: connection refused'],
      attributes: { stream: 'stderr', containerId: '7c1f0e9b2a3d' },
    });
    // A JSON application log inside the container log line: its level and message are used.
    expect(signals[1]).toMatchObject({
      reason: 'ErrorLog',
      severity: 'error',
      message: 'payment provider returned 502',
      time: '2026-03-14T09:26:53.011Z',
      attributes: { level: 'error' },
    });
  });

  it('Fluent Bit format json: an array of records with a float date', () => {
    const { result, signals } = ingest('fluentbit_json.json');
    expect(result.accepted).toBe(2);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({
      adapter: 'fluentbit',
      reason: 'Panic',
      severity: 'critical',
      time: '2026-03-14T09:26:53.125Z',
      resource: { namespace: 'shop', pod: 'cart-5c7b9d8f4-abcde', container: 'cart', node: 'node-b' },
      attributes: { containerId: 'aa11bb22cc33', stream: 'stderr' },
    });
  });

  it('Fluent Bit json_lines and json_stream', () => {
    const lines = ingest('fluentbit_json_lines.ndjson');
    expect(lines.result).toMatchObject({ accepted: 2, rejected: 0, signals: 1 });
    expect(lines.signals[0]).toMatchObject({ reason: 'OOM', severity: 'critical', time: '2026-03-14T09:28:20.000Z', resource: { namespace: 'payments', pod: 'ledger-0' } });
    const stream = ingest('fluentbit_json_stream.txt');
    expect(stream.result).toMatchObject({ accepted: 2, rejected: 0, signals: 1 });
    expect(stream.signals[0]).toMatchObject({ reason: 'DNSFailure', time: '2026-03-14T09:30:00.250Z', resource: { pod: 'api-6b8c' } });
  });

  it('one pretty-printed Fluentd record with a multi-line traceback', () => {
    const { result, signals } = ingest('fluentd_single.json');
    expect(result).toMatchObject({ accepted: 1, signals: 1 });
    expect(signals[0]).toMatchObject({ reason: 'Exception', resource: { namespace: 'jobs', pod: 'report-28512345-7xk2p' } });
    expect(signals[0]!.title).toBe('Exception: Traceback (most recent call last):');
  });

  it('a batch with malformed lines: good ones are kept, bad ones reported by line, secrets redacted', () => {
    const { result, signals } = ingest('batch_with_malformed.ndjson');
    expect(result.accepted).toBe(3);
    expect(result.rejected).toBe(2);
    expect(result.errors.map((e) => e.line)).toEqual([2, 4]);
    expect(result.errors[1]!.message).toBe('a log record must be a JSON object, got an array');
    expect(signals.map((s) => [s.reason, s.severity])).toEqual([
      ['ErrorLog', 'critical'],
      ['Timeout', 'warning'],
    ]);
    expect(JSON.stringify(signals)).not.toContain('hunter2');
    expect(signals[0]!.message).toContain('password=hu…[REDACTED]');
  });

  it('gives a resent record the same id and falls back to the receive time', () => {
    const a = ingestLogText('{"log":"panic: x"}', received, 10).signals[0]!;
    const b = ingestLogText('{"log":"panic: x"}', new Date(), 10).signals[0]!;
    expect(a.id).toBe(b.id);
    expect(a.time).toBe('2026-03-14T12:00:00.000Z');
  });

  it('refuses a batch over the record limit', () => {
    expect(() => ingestLogText('{"a":1}\n{"a":2}\n{"a":3}', received, 2)).toThrow(/3 records; the limit is 2/);
  });
});
