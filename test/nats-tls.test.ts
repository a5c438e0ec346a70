// TLS with a private CA and client certificates (mutual TLS), against a real nats-server.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { NatsConfig } from '../lib/nats/config.js';
import { connectNats, NatsUnreachableError } from '../lib/nats/connect.js';
import { JsonlSink } from '../probe/src/sinks/jsonl.js';
import { startEventStreaming } from '../probe/src/sinks/nats.js';
import { sampleEvent } from '../schema/fixtures/events.js';
import { findNatsServer, NatsServer, readStream, waitFor } from './helpers/nats-server.js';

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCertificates(dir: string): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string> {
  const f = (name: string): string => join(dir, name);
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=vigil-test-ca', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const who of ['server', 'client']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${who}`, '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`));
    const ext = who === 'server' ? ['-extfile', f('server.ext')] : [];
    ssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-out', f(`${who}.pem`), ...ext);
  }
  return { ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

it.skipIf(!findNatsServer())('streams over mutual TLS and refuses a client without a certificate', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-nats-tls-'));
  const certs = makeCertificates(dir);
  const server = await NatsServer.start({ tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca } });
  const url = `tls://127.0.0.1:${server.port}`;
  const config = NatsConfig.parse({ servers: [url], tls: { ca_file: certs.ca, cert_file: certs.clientCert, key_file: certs.clientKey } });
  const spool = join(dir, 'events.jsonl');
  const sink = new JsonlSink({ path: spool });
  for (let i = 0; i < 20; i++) sink.write(sampleEvent(i));
  await sink.close();
  const streaming = await startEventStreaming({ spool, node: 'node-a', config });
  try {
    await waitFor(() => streaming.publisher.stats().acked, (n) => n >= 20);
    const nc = await connectNats(config);
    expect((await readStream(nc, 'VIGIL_EVENTS')).map((m) => m.event.id)).toEqual(Array.from({ length: 20 }, (_, i) => sampleEvent(i).id));
    await nc.close();
    const noCert = connectNats(NatsConfig.parse({ servers: [url], tls: { ca_file: certs.ca }, connect_timeout: '1s' }));
    await expect(noCert).rejects.toThrow(NatsUnreachableError);
    await expect(noCert).rejects.toThrow(`cannot reach NATS server ${url}`);
  } finally {
    await streaming.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
