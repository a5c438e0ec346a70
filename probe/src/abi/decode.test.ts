import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeBatch, decodeRecord, DecodeError, formatPeer, type ProbeRecord } from './decode.js';
import { frameBatch } from './fixtures/frame.js';
import { LAYOUTS, RECORD_TYPE } from './layout.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/batches.bin');

describe('decoder on batches recorded from the real probes', () => {
  // Recorded by scripts/record-batches.mjs: curl GET https://localhost:18443/recorded against
  // `openssl s_server`, then `sh -c 'exit 3'`.
  const records: ProbeRecord[] = [];
  const errors: Error[] = [];
  decodeBatch(readFileSync(fixture), (r) => records.push(r), (e) => errors.push(e));

  it('decodes every record', () => {
    expect(errors).toEqual([]);
    expect(records.length).toBeGreaterThan(5);
  });

  it("finds curl's request with its socket, peer, position and SNI", () => {
    const req = records.find((r) => r.type === 'conn_data' && r.comm === 'curl' && r.direction === 'egress');
    expect(req).toBeDefined();
    if (req?.type !== 'conn_data') throw new Error('unreachable');
    expect(req.data.toString('latin1')).toMatch(/^GET \/recorded HTTP\/1\.1\r\nHost: localhost:18443\r\n/);
    expect(req.streamPos).toBe(0);
    expect(req.callLen).toBe(req.data.length);
    expect(req.truncated).toBe(false);
    expect(req.lastChunk).toBe(true);
    expect(req.fd).toBeGreaterThan(2);
    expect(req.peer).toBe('127.0.0.1:18443');
    const sni = records.find((r) => r.type === 'tls_sni' && r.tgid === req.tgid);
    expect(sni).toMatchObject({ type: 'tls_sni', name: 'localhost', connPtr: req.connPtr, connStartNs: req.connStartNs });
  });

  it("finds the response curl read, after the request in time", () => {
    const req = records.find((r) => r.type === 'conn_data' && r.comm === 'curl' && r.direction === 'egress');
    const res = records.find((r) => r.type === 'conn_data' && r.comm === 'curl' && r.direction === 'ingress');
    if (req?.type !== 'conn_data' || res?.type !== 'conn_data') throw new Error('records missing');
    expect(res.data.toString('latin1')).toMatch(/^HTTP\/1\.0 200 ok\r\n/);
    expect(res.tsNs).toBeGreaterThan(req.tsNs);
    expect(res.connPtr).toBe(req.connPtr);
    expect(records).toContainEqual(expect.objectContaining({ type: 'conn_close', tgid: req.tgid, connPtr: req.connPtr }));
  });

  it('decodes the exec of curl and the exit of sh', () => {
    expect(records).toContainEqual(expect.objectContaining({ type: 'exec', comm: 'curl', filename: expect.stringMatching(/curl$/) }));
    expect(records).toContainEqual(expect.objectContaining({ type: 'exit', reason: 'exit_code', exitCode: 3, comm: 'sh' }));
  });
});

describe('decoder errors', () => {
  it('rejects an unknown record type', () => {
    expect(() => decodeRecord(Buffer.from([99, 0, 0, 0]))).toThrow(/unknown record type 99/);
  });

  it('rejects a short record, naming the struct and size', () => {
    const b = Buffer.alloc(20);
    b[0] = RECORD_TYPE.EXIT;
    expect(() => decodeRecord(b)).toThrow(/exit record of 20 bytes, expected at least 216/);
  });

  it('rejects a data length past the record', () => {
    const b = Buffer.alloc(LAYOUTS.vigil_conn_data.size + 4);
    b[0] = RECORD_TYPE.CONN_DATA;
    b.writeUInt32LE(100, LAYOUTS.vigil_conn_data.fields.data_len!.offset);
    expect(() => decodeRecord(b)).toThrow(DecodeError);
  });

  it('reports a bad record and keeps decoding the batch', () => {
    const good = Buffer.alloc(LAYOUTS.vigil_conn_close.size);
    good[0] = RECORD_TYPE.CONN_CLOSE;
    good.writeUInt32LE(42, LAYOUTS.vigil_conn_close.fields.tgid!.offset);
    const out: ProbeRecord[] = [];
    const errs: Error[] = [];
    const n = decodeBatch(frameBatch([Buffer.from([77]), good]), (r) => out.push(r), (e) => errs.push(e));
    expect(n).toBe(1);
    expect(errs).toHaveLength(1);
    expect(out).toEqual([expect.objectContaining({ type: 'conn_close', tgid: 42 })]);
  });

  it('formats IPv4 and IPv6 peers', () => {
    expect(formatPeer(2, Buffer.from([10, 0, 0, 7, ...new Array(12).fill(0)]), 443)).toBe('10.0.0.7:443');
    const v6 = Buffer.alloc(16);
    v6[15] = 1;
    expect(formatPeer(10, v6, 8443)).toBe('[::1]:8443');
    expect(formatPeer(0, Buffer.alloc(16), 0)).toBeUndefined();
  });
});

describe('conn_data fields', () => {
  const L = LAYOUTS.vigil_conn_data;
  const at = (name: string) => L.fields[name]!.offset;
  function record(fill: (b: Buffer) => void, data = 'hi'): Buffer {
    const b = Buffer.alloc(L.size + data.length);
    b[0] = RECORD_TYPE.CONN_DATA;
    b.writeUInt32LE(data.length, at('data_len'));
    b.write(data, at('data'));
    fill(b);
    return b;
  }
  const decode = (b: Buffer) => {
    const r = decodeRecord(b);
    if (r.type !== 'conn_data') throw new Error(`decoded ${r.type}`);
    return r;
  };

  it('reads full-width, signed and 64-bit fields', () => {
    const r = decode(
      record((b) => {
        b.writeUInt32LE(0xfedc_ba98, at('pid'));
        b.writeInt32LE(-1, at('fd'));
        b.writeUInt32LE(0x8000_0001, at('call_len'));
        b.writeBigUInt64LE(0x7fff_1234_5678n, at('conn_ptr'));
        b.writeBigUInt64LE(2n ** 52n + 3n, at('ts_ns'));
        b.write('worker\0junk', at('comm'));
      }),
    );
    expect(r).toMatchObject({ pid: 0xfedc_ba98, fd: -1, callLen: 0x8000_0001, connPtr: 0x7fff_1234_5678, tsNs: 2 ** 52 + 3, comm: 'worker' });
    expect(r.data.toString()).toBe('hi');
    expect(r.peer).toBeUndefined();
  });

  it('tells peers apart by address and port, and copies the data out of the batch', () => {
    const peer = (addr: number[], port: number, family = 2) =>
      record((b) => {
        b.writeUInt16LE(family, at('family'));
        b.writeUInt16LE(port, at('dport'));
        Buffer.from(addr).copy(b, at('daddr'));
      });
    expect(decode(peer([10, 0, 0, 7], 443)).peer).toBe('10.0.0.7:443');
    expect(decode(peer([10, 0, 0, 7], 8443)).peer).toBe('10.0.0.7:8443');
    expect(decode(peer([10, 0, 0, 8], 443)).peer).toBe('10.0.0.8:443');
    expect(decode(peer([10, 0, 0, 7], 443)).peer).toBe('10.0.0.7:443');
    expect(decode(peer([...new Array(15).fill(0), 1], 443, 10)).peer).toBe('[::1]:443');
    const b = peer([10, 0, 0, 7], 443);
    const r = decode(b);
    b.fill(0);
    expect(r.data.toString()).toBe('hi');
  });
});
