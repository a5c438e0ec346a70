import { describe, expect, it } from 'vitest';
import type { ConnCloseRecord, ConnDataRecord, TlsSniRecord } from './abi/decode.js';
import { ConnectionTable, type ConnMeta } from './connections.js';
import type { StreamChunk } from './http/types.js';

interface Seen {
  meta: ConnMeta;
  chunks: string[];
  closed: boolean;
}

function table(maxConnections = 100, idleMs = 60_000) {
  const parsers: Seen[] = [];
  const losses: string[] = [];
  const t = new ConnectionTable({
    maxConnections,
    idleMs,
    newParser: (meta) => {
      const seen: Seen = { meta, chunks: [], closed: false };
      parsers.push(seen);
      return {
        push: (c: StreamChunk) => seen.chunks.push(Buffer.from(c.data).toString()),
        close: () => {
          seen.closed = true;
        },
      };
    },
    onLoss: (stage, n) => losses.push(`${stage}:${n}`),
  });
  return { t, parsers, losses };
}

const conn = { tgid: 100, connPtr: 0x7f00_1234_5678, connStartNs: 5_000_000 };

function data(text: string, over: Partial<ConnDataRecord> = {}): ConnDataRecord {
  return {
    type: 'conn_data',
    direction: 'egress',
    library: 'openssl',
    truncated: false,
    lastChunk: true,
    pid: 100,
    fd: 7,
    callLen: text.length,
    chunkOffset: 0,
    streamPos: 0,
    tsNs: 1,
    cgroupId: 1,
    comm: 'client',
    data: Buffer.from(text),
    ...conn,
    ...over,
  };
}

const close = (over: Partial<ConnCloseRecord> = {}): ConnCloseRecord => ({ type: 'conn_close', library: 'openssl', tsNs: 2, ...conn, ...over });
const sni = (name: string, over: Partial<TlsSniRecord> = {}): TlsSniRecord => ({ type: 'tls_sni', library: 'openssl', tsNs: 0, name, ...conn, ...over });

describe('ConnectionTable', () => {
  it('feeds one parser per connection and names it by process, pointer and start time', () => {
    const { t, parsers } = table();
    t.data(data('a'), undefined);
    t.data(data('b', { direction: 'ingress' }), undefined);
    expect(parsers).toHaveLength(1);
    expect(parsers[0]!.chunks).toEqual(['a', 'b']);
    expect(parsers[0]!.meta.connId).toBe(`100-${(0x7f00_1234_5678).toString(16)}-${(5_000_000).toString(36)}`);
  });

  it('keeps connections apart that share a pointer value in different processes or lifetimes', () => {
    const { t, parsers } = table();
    t.data(data('p1'), undefined);
    t.data(data('p2', { tgid: 200, pid: 200 }), undefined);
    t.data(data('p1 again'), undefined);
    t.data(data('p1 reused', { connStartNs: 9_000_000 }), undefined);
    t.data(data('p2 again', { tgid: 200, pid: 200 }), undefined);
    expect(parsers.map((p) => [p.meta.tgid, p.chunks])).toEqual([
      [100, ['p1', 'p1 again']],
      [200, ['p2', 'p2 again']],
      [100, ['p1 reused']],
    ]);
    expect(t.size()).toBe(3);
  });

  it('a closed connection ends its parser; the same pointer later starts a new one', () => {
    const { t, parsers } = table();
    t.data(data('first'), undefined);
    t.close(close());
    expect(parsers[0]!.closed).toBe(true);
    expect(t.size()).toBe(0);
    t.data(data('second'), undefined);
    expect(parsers).toHaveLength(2);
    expect(parsers[1]!.chunks).toEqual(['second']);
  });

  it('closing one of two connections sharing a pointer leaves the other reachable', () => {
    const { t, parsers } = table();
    t.data(data('a'), undefined);
    t.data(data('b', { tgid: 200, pid: 200 }), undefined);
    t.close(close({ tgid: 200 }));
    t.data(data('a2'), undefined);
    expect(parsers[0]!.chunks).toEqual(['a', 'a2']);
    expect(parsers[1]!.closed).toBe(true);
    expect(parsers).toHaveLength(2);
  });

  it('attaches an SNI seen before the first data', () => {
    const { t, parsers } = table();
    t.sni(sni('api.openai.com'));
    t.data(data('x'), undefined);
    expect(parsers[0]!.meta.sni).toBe('api.openai.com');
    expect(t.sniOf(data(''))).toBe('api.openai.com');
  });

  it('evicts the least recently used connection past the limit and counts it', () => {
    const { t, parsers, losses } = table(2);
    t.data(data('1', { connPtr: 1 }), undefined);
    t.data(data('2', { connPtr: 2 }), undefined);
    t.data(data('1 again', { connPtr: 1 }), undefined);
    t.data(data('3', { connPtr: 3 }), undefined);
    expect(parsers.map((p) => p.closed)).toEqual([false, true, false]);
    expect(losses).toEqual(['evicted_connection:1']);
    // The evicted connection's next record starts a new parser rather than reaching the old one.
    t.data(data('2 again', { connPtr: 2 }), undefined);
    expect(parsers).toHaveLength(4);
    expect(parsers[1]!.chunks).toEqual(['2']);
  });

  it('sweeps idle connections only', () => {
    const { t, parsers } = table(100, 1000);
    t.data(data('old', { connPtr: 1 }), undefined);
    t.data(data('new', { connPtr: 2 }), undefined);
    t.sweep(Date.now() + 500);
    expect(parsers.map((p) => p.closed)).toEqual([false, false]);
    t.sweep(Date.now() + 5000);
    expect(parsers.map((p) => p.closed)).toEqual([true, true]);
    expect(t.size()).toBe(0);
    t.data(data('after', { connPtr: 1 }), undefined);
    expect(parsers).toHaveLength(3);
  });
});
