import { describe, expect, it } from 'vitest';
import type { Event } from '../../schema/event.js';
import type { ConnDataRecord } from './abi/decode.js';
import { parseSensorConfig } from './config.js';
import { Clock } from './events/build.js';
import { openaiJsonRequest, openaiJsonResponse } from './http/fixtures/h1.js';
import { CapturePipeline } from './pipeline.js';
import { ProcessCache } from './proc.js';

const conn = { library: 'openssl', tgid: 4242, connPtr: 0x55d0_1234_5000, connStartNs: 7_000 };

function record(direction: 'egress' | 'ingress', data: Buffer, streamPos: number, tsNs: number): ConnDataRecord {
  return {
    type: 'conn_data',
    direction,
    truncated: false,
    lastChunk: true,
    pid: 4243,
    fd: 31,
    peer: '10.0.0.9:8443',
    callLen: data.length,
    chunkOffset: 0,
    streamPos,
    tsNs,
    cgroupId: 99,
    comm: 'python3',
    data,
    ...conn,
  };
}

function pipeline(raw: Record<string, unknown> = {}) {
  const events: Event[] = [];
  const losses: Record<string, number> = {};
  const procs = new ProcessCache();
  procs.remember(conn.tgid, { exe: '/usr/bin/python3' });
  const p = new CapturePipeline({
    config: parseSensorConfig({ node: 'node-a', ...raw }, {}),
    clock: new Clock(),
    procs,
    emit: (e) => events.push(e),
    countLoss: (stage, n) => (losses[stage] = (losses[stage] ?? 0) + n),
  });
  return { p, events, losses };
}

describe('CapturePipeline', () => {
  it('turns the records of one connection into one ai_call per exchange, with SNI, port and process', () => {
    const { p, events, losses } = pipeline();
    p.handle({ type: 'tls_sni', name: 'api.openai.com', tsNs: 1, ...conn });
    for (let i = 0; i < 2; i++) {
      p.handle(record('egress', openaiJsonRequest, i * openaiJsonRequest.length, 1e9 + i * 1e7));
      p.handle(record('ingress', openaiJsonResponse, i * openaiJsonResponse.length, 1e9 + i * 1e7 + 4e5));
    }
    p.handle({ type: 'conn_close', tsNs: 2e9, ...conn });
    expect(events).toHaveLength(2);
    const e = events[0]!;
    if (e.kind !== 'ai_call') throw new Error(`got ${e.kind}`);
    expect(e).toMatchObject({ node: 'node-a', process: { pid: 4243, tgid: 4242, comm: 'python3', exe: '/usr/bin/python3' } });
    expect(e.ai_call).toMatchObject({
      provider: 'openai',
      server: { address: 'api.openai.com', port: 8443, peer: '10.0.0.9:8443' },
      tls: { library: 'openssl', sni: 'api.openai.com', fd: 31 },
      http: { status_code: 200, request_headers: { authorization: expect.stringContaining('[REDACTED]') } },
      timing: { ttfb_ms: 0.4 },
    });
    expect(events[1]!.id).not.toBe(e.id);
    expect(losses).toEqual({});
    expect(p.conns.size()).toBe(0);
  });

  it('counts bytes lost inside a connection when it ends, and flags the call they cut', () => {
    const { p, events, losses } = pipeline();
    const [req, res] = [openaiJsonRequest, openaiJsonResponse];
    p.handle(record('egress', req, 0, 1e9));
    p.handle(record('ingress', res, 0, 1e9 + 4e5));
    p.handle(record('egress', req, req.length, 2e9));
    // The second response's first 10 bytes never arrived.
    p.handle(record('ingress', res.subarray(10), res.length + 10, 2e9 + 4e5));
    p.conns.closeAll();
    expect(losses.http_gap).toBe(1);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ kind: 'ai_call', ai_call: { http: { status_code: 200 } } });
    expect(events[0]).not.toMatchObject({ ai_call: { incomplete: true } });
    expect(events[1]).toMatchObject({ kind: 'ai_call', ai_call: { incomplete: true } });
  });

  it('ignores a connection on which this process is the server, and emits raw chunks when asked', () => {
    const server = pipeline();
    server.p.handle(record('ingress', openaiJsonRequest, 0, 1e9));
    server.p.handle(record('egress', openaiJsonResponse, 0, 1e9 + 4e5));
    server.p.conns.closeAll();
    expect(server.events).toEqual([]);

    const raw = pipeline({ debug: { raw_tls: true } });
    raw.p.handle(record('egress', openaiJsonRequest, 0, 1e9));
    expect(raw.events).toMatchObject([{ kind: 'tls_data', tls_data: { direction: 'egress', data_base64: openaiJsonRequest.toString('base64') } }]);
  });
});
