// End to end, as root: real probes attached by the agent, a real HTTPS server, real clients
// (curl, python3 urllib, Node fetch and https). The plaintext the sensor captured must equal,
// byte for byte, what the server saw arrive and what it sent, attributed to the client's pid.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, EventOf } from '../schema/event.js';
import type { Agent } from '../probe/src/agent.js';
import { startCaptureFixture, type CaptureFixture } from './helpers/capture.js';
import { privileged, waitFor } from './helpers/privileged.js';
import { run, type Cert, type RawServer } from './helpers/tls.js';

const gate = privileged('TLS capture end to end');
const LIMIT = 256 * 1024;

type TlsEvent = EventOf<'tls_data'>;

/** Rebuilds one direction of one connection from captured chunks: bytes by position. */
function rebuild(events: TlsEvent[]): { bytes: Buffer; covered: number; truncatedCalls: number; maxCall: number } {
  const end = Math.max(0, ...events.map((e) => e.tls_data.stream_pos + Buffer.from(e.tls_data.data_base64, 'base64').length));
  const bytes = Buffer.alloc(end);
  let covered = 0;
  const truncated = new Set<number>();
  let maxCall = 0;
  for (const e of events) {
    const data = Buffer.from(e.tls_data.data_base64, 'base64');
    data.copy(bytes, e.tls_data.stream_pos);
    covered += data.length;
    maxCall = Math.max(maxCall, e.tls_data.call_len);
    if (e.tls_data.truncated) truncated.add(e.tls_data.stream_pos - (e.tls_data.chunk_offset ?? 0));
  }
  return { bytes, covered, truncatedCalls: truncated.size, maxCall };
}

describe.runIf(gate.ok)('TLS plaintext capture (real probes, real clients)', () => {
  let fx: CaptureFixture;
  let agent: Agent;
  let cert: Cert;
  let server: RawServer;
  let dir: string;
  let events: Event[];

  beforeAll(async () => {
    fx = await startCaptureFixture({ debug: { raw_tls: true }, capture: { max_bytes_per_call: LIMIT } });
    ({ agent, cert, server, dir, events } = fx);
  });

  afterAll(() => fx?.stop());

  const tlsOf = (pid: number) => events.filter((e): e is TlsEvent => e.kind === 'tls_data' && e.process?.tgid === pid);

  async function check(name: string, comm: string, path: string, body: Buffer, client: () => Promise<{ pid: number; code: number | null; stderr: string }>) {
    const r = await client();
    expect(r.code, `${name} failed: ${r.stderr}`).toBe(0);
    const truth = await waitFor(() => server.exchanges.find((x) => x.path === path), `the server to log ${path}`);
    // Not arrived yet → retry; complete → compare.
    const egressLen = truth.req.length;
    const ingressLen = truth.res.length;
    await waitFor(() => {
      const mine = tlsOf(r.pid);
      const out = mine.filter((e) => e.tls_data.direction === 'egress');
      const inn = mine.filter((e) => e.tls_data.direction === 'ingress');
      const outEnd = Math.max(0, ...out.map((e) => e.tls_data.stream_pos + e.tls_data.call_len - (e.tls_data.chunk_offset ?? 0)));
      const inEnd = Math.max(0, ...inn.map((e) => e.tls_data.stream_pos + e.tls_data.call_len - (e.tls_data.chunk_offset ?? 0)));
      return outEnd >= egressLen && inEnd >= ingressLen ? true : undefined;
    }, `${name}'s traffic to be captured`);

    const mine = tlsOf(r.pid);
    expect(new Set(mine.map((e) => e.process?.comm))).toEqual(new Set([comm]));
    const egress = rebuild(mine.filter((e) => e.tls_data.direction === 'egress'));
    const ingress = rebuild(mine.filter((e) => e.tls_data.direction === 'ingress'));

    // Responses here are small: captured whole.
    expect(ingress.truncatedCalls).toBe(0);
    expect(ingress.bytes.equals(truth.res)).toBe(true);

    if (egress.maxCall <= LIMIT) {
      expect(egress.truncatedCalls).toBe(0);
      expect(egress.covered).toBe(truth.req.length);
      expect(egress.bytes.equals(truth.req)).toBe(true);
    } else {
      // A call longer than the limit: flagged, and every byte that was captured is right.
      expect(egress.truncatedCalls).toBeGreaterThan(0);
      expect(egress.covered).toBeLessThan(truth.req.length);
      for (const e of mine.filter((x) => x.tls_data.direction === 'egress')) {
        const data = Buffer.from(e.tls_data.data_base64, 'base64');
        expect(data.equals(truth.req.subarray(e.tls_data.stream_pos, e.tls_data.stream_pos + data.length))).toBe(true);
      }
    }
    // The request's head and body are both there in order.
    expect(egress.bytes.subarray(0, 5).toString()).toBe('POST ');
    expect(truth.req.subarray(truth.req.length - body.length).equals(body)).toBe(true);
    return { mine, egress };
  }

  const bodies = { '1k': Buffer.alloc(1024, 'a'), '1m': Buffer.alloc(1024 * 1024, 'b') };

  for (const [size, body] of Object.entries(bodies)) {
    it(`curl, ${size} request body`, async () => {
      const file = join(dir, `body-${size}`);
      writeFileSync(file, body);
      const path = `/curl/${size}`;
      const { mine } = await check('curl', 'curl', path, body, () =>
        run('curl', ['-sS', '--http1.1', '--cacert', cert.cert, '--data-binary', `@${file}`, `https://localhost:${server.port}${path}`]),
      );
      // curl drives OpenSSL's socket I/O inside SSL_write/SSL_read: fd, peer and SNI are known.
      const first = mine[0]!.tls_data;
      expect(first.fd).toBeGreaterThan(2);
      expect(first.peer).toBe(`127.0.0.1:${server.port}`);
      expect(first.sni).toBe('localhost');
    });

    it(`python3 urllib, ${size} request body`, async () => {
      const path = `/python/${size}`;
      const script = `
import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[1])
body = open(sys.argv[3], 'rb').read()
urllib.request.urlopen(urllib.request.Request(sys.argv[2], data=body), context=ctx).read()`;
      const file = join(dir, `py-${size}`);
      writeFileSync(file, body);
      await check('python3', 'python3', path, body, () =>
        run('python3', ['-c', script, cert.cert, `https://localhost:${server.port}${path}`, file]),
      );
    });

    it(`node https, ${size} request body`, async () => {
      const path = `/node-https/${size}`;
      const script = `
const https = require('node:https'); const fs = require('node:fs');
const body = fs.readFileSync(process.argv[2]);
const req = https.request({ host: 'localhost', port: Number(process.argv[1]), path: process.argv[3], method: 'POST', ca: fs.readFileSync(process.argv[4]), headers: { 'content-length': body.length } }, (res) => { res.resume(); res.on('end', () => process.exit(0)); });
req.end(body);`;
      const file = join(dir, `nh-${size}`);
      writeFileSync(file, body);
      await check('node https', 'node', path, body, () => run(process.execPath, ['-e', script, String(server.port), file, path, cert.cert]));
    });

    it(`node fetch, ${size} request body`, async () => {
      const path = `/node-fetch/${size}`;
      const script = `
const body = require('node:fs').readFileSync(process.argv[2]);
fetch(process.argv[1], { method: 'POST', body }).then((r) => r.arrayBuffer()).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
      const file = join(dir, `nf-${size}`);
      writeFileSync(file, body);
      await check('node fetch', 'node', path, body, () =>
        run(process.execPath, ['-e', script, `https://localhost:${server.port}${path}`, file], { NODE_EXTRA_CA_CERTS: cert.cert }),
      );
    });
  }

  it('gnutls-cli (GnuTLS), 1k request body', async () => {
    const body = bodies['1k'];
    const path = '/gnutls/1k';
    const head = `POST ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { mine } = await check('gnutls-cli', 'gnutls-cli', path, body, () =>
      run('gnutls-cli', [`--x509cafile=${cert.cert}`, '-p', String(server.port), 'localhost', '--logfile=/dev/null'], {}, {
        input: Buffer.concat([Buffer.from(head), body]),
      }),
    );
    expect(mine[0]!.tls_data.library).toBe('gnutls');
    expect(mine[0]!.tls_data.peer).toBe(`127.0.0.1:${server.port}`);
    expect(mine[0]!.tls_data.sni).toBe('localhost'); // gnutls_server_name_set
  });

  it('reports per-probe counts and the attached targets in its status', () => {
    const s = agent.status();
    expect(s.targets.attached.map((t) => t.path)).toEqual(
      expect.arrayContaining([expect.stringMatching(/libssl\.so/), expect.stringMatching(/libgnutls\.so/), process.execPath]),
    );
    expect(s.probes.events.ssl_write).toBeGreaterThan(0);
    expect(s.probes.events.ssl_read).toBeGreaterThan(0);
    expect(s.probes.lost.ssl_write).toBe(0);
  });

  it('flagged the 1 MiB single-call writes (python3, node) as truncated with their original length', () => {
    const truncated = events.filter((e): e is TlsEvent => e.kind === 'tls_data' && e.tls_data.truncated === true);
    expect(new Set(truncated.map((e) => e.process?.comm))).toEqual(new Set(['python3', 'node']));
    for (const e of truncated) expect(e.tls_data.call_len).toBeGreaterThan(LIMIT);
  });

  it('drops the server side of a connection in the kernel: the Node server answering every client above left no event', () => {
    expect(server.exchanges.length).toBeGreaterThanOrEqual(6);
    expect(events.filter((e) => e.process?.tgid === server.pid)).toEqual([]);
  });

  it('never captures its own process', () => {
    expect(events.filter((e) => e.process?.tgid === process.pid)).toEqual([]);
  });
});
