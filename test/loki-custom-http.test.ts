// LogJedi's custom_http log backend against a local server: GET ?namespace=&pod=&since_minutes=
// answering a JSON array of strings or plain text.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCustomHttpLogSource, CustomHttpLogClient, CustomHttpLogSection } from '../control-plane/src/ingest/custom-http-logs.js';
import type { Signal } from '../control-plane/src/signal.js';
import { loggedLines } from './helpers/kube-api.js';

vi.mock('../lib/log.js', async () => ({ logger: (await import('./helpers/kube-api.js')).recordingLogger }));

describe('custom_http log backend (LogJedi shape)', () => {
  let server: Server;
  let url: string;
  let requests: URLSearchParams[];
  let answer: { status: number; type: string; body: string };

  beforeEach(async () => {
    requests = [];
    loggedLines.length = 0;
    answer = { status: 200, type: 'application/json', body: '[]' };
    server = createServer((req, res) => {
      requests.push(new URL(req.url ?? '/', 'http://x').searchParams);
      res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/logs`;
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  it('fetches history with namespace, pod and since_minutes, from a JSON array', async () => {
    answer.body = JSON.stringify(['2026-11-28T02:59:01Z starting', '2026-11-28T02:59:03Z fatal: token=ghp_abcdefghijklmnopqrstuvwxyz0123456789 rejected']);
    const client = new CustomHttpLogClient(CustomHttpLogSection.parse({ url }));
    const end = new Date('2026-11-28T03:00:00Z');
    const lines = await client.fetchHistory({ namespace: 'shop', pod: 'checkout-api-7d9c6b8f5-x2kqp' }, { start: new Date(end.getTime() - 15 * 60_000), end });
    expect(Object.fromEntries(requests[0]!)).toEqual({ namespace: 'shop', pod: 'checkout-api-7d9c6b8f5-x2kqp', since_minutes: '15' });
    expect(lines[0]).toBe('2026-11-28T02:59:01Z starting');
    expect(lines[1]).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
  });

  it('reads a plain-text answer one line per line', async () => {
    answer = { status: 200, type: 'text/plain', body: 'line one\nline two\n' };
    const client = new CustomHttpLogClient(CustomHttpLogSection.parse({ url }));
    expect(await client.fetchHistory({ namespace: 'shop' }, { start: new Date(Date.now() - 60_000) })).toEqual(['line one', 'line two']);
  });

  it('fails clearly on a bad answer', async () => {
    const client = new CustomHttpLogClient(CustomHttpLogSection.parse({ url }));
    answer = { status: 200, type: 'application/json', body: '{"lines":[]}' };
    await expect(client.fetchHistory({ pod: 'p' }, { start: new Date() })).rejects.toThrow(/JSON array of strings/);
    answer = { status: 502, type: 'text/plain', body: 'upstream down' };
    await expect(client.fetchHistory({ pod: 'p' }, { start: new Date() })).rejects.toThrow(/answered 502: upstream down/);
  });

  it('as a polled source, emits each failing line once per target and counts the rest', async () => {
    const signals: Signal[] = [];
    const source = createCustomHttpLogSource(CustomHttpLogSection.parse({ url, pollInterval: '1m', targets: [{ namespace: 'shop', pod: 'checkout-api-7d9c6b8f5-x2kqp' }] }), {
      sink: { accept: (s) => signals.push(...s) },
      now: () => new Date('2026-11-28T03:00:00Z'),
    });
    answer.body = JSON.stringify(['GET /healthz 200', 'ERROR cannot connect to postgres: connection refused']);
    await source.pollOnce();
    answer.body = JSON.stringify(['ERROR cannot connect to postgres: connection refused', 'panic: runtime error: index out of range [3] with length 3']);
    await source.pollOnce();
    expect(Object.fromEntries(requests[0]!)).toEqual({ namespace: 'shop', pod: 'checkout-api-7d9c6b8f5-x2kqp', since_minutes: '2' });
    expect(signals.map((s) => [s.reason, s.source, s.adapter, s.resource.pod])).toEqual([
      ['ConnectionRefused', 'logs', 'custom-http', 'checkout-api-7d9c6b8f5-x2kqp'],
      ['Panic', 'logs', 'custom-http', 'checkout-api-7d9c6b8f5-x2kqp'],
    ]);
    expect(source.stats()).toMatchObject({ polls: 2, signals: 2, duplicatesSkipped: 1 });

    answer = { status: 500, type: 'text/plain', body: 'boom' };
    await source.pollOnce();
    expect(source.stats()).toMatchObject({ errors: 1, lastError: expect.stringContaining('500') });
    expect(loggedLines.some((l) => l.level === 'warn' && l.component === 'custom-http-logs')).toBe(true);
  });
});
