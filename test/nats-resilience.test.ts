// Failures on the way to JetStream: the server killed mid-stream, the publisher SIGKILLed and
// restarted, rejected credentials, an unreachable server. Every event must land exactly once.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from 'nats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectNats, NatsAuthError, NatsConfigError, NatsUnreachableError, parseServers } from '../lib/nats/connect.js';
import { NatsConfig } from '../lib/nats/config.js';
import { JsonlSink } from '../probe/src/sinks/jsonl.js';
import { startEventStreaming, type EventStreaming } from '../probe/src/sinks/nats.js';
import { sampleEvent } from '../schema/fixtures/events.js';
import { findNatsServer, freePort, NatsServer, readStream, repoUrl, spawnTs, waitFor } from './helpers/nats-server.js';

const natsBin = findNatsServer();
/** How long nats-server stays down mid-stream: the 30 s in CI, shorter locally unless set. */
const OUTAGE_MS = Number(process.env.VIGIL_NATS_OUTAGE_MS ?? (process.env.CI === 'true' ? 30_000 : 3_000));

/** Writes a steady stream of events to the spool until stopped; returns how many it wrote. */
function steadyWriter(sink: JsonlSink, perTick = 5, tickMs = 10): { stop(): Promise<number>; count(): number } {
  let n = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) sink.write(sampleEvent(n++));
  }, tickMs);
  return {
    count: () => n,
    async stop() {
      clearInterval(timer);
      await sink.close();
      return n;
    },
  };
}

const expectedIds = (n: number): string[] => Array.from({ length: n }, (_, i) => sampleEvent(i).id);

describe.skipIf(!natsBin)('NATS streaming under failure', () => {
  let dir: string;
  let server: NatsServer | undefined;
  let streaming: EventStreaming | undefined;
  let child: ChildProcess | undefined;
  const spool = (): string => join(dir, 'events.jsonl');
  const stored = async (s: NatsServer): Promise<string[]> => {
    const nc = await s.connect();
    try {
      return (await readStream(nc, 'VIGIL_EVENTS')).map((m) => m.event.id);
    } finally {
      await nc.close();
    }
  };
  const count = async (s: NatsServer): Promise<number> => {
    const nc = await s.connect();
    try {
      return (await (await nc.jetstreamManager()).streams.info('VIGIL_EVENTS')).state.messages;
    } catch {
      return -1;
    } finally {
      await nc.close();
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-nats-'));
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    await streaming?.stop();
    streaming = undefined;
    await server?.stop();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    `delivers every event exactly once when nats-server is killed for ${OUTAGE_MS} ms mid-stream`,
    async () => {
      server = await NatsServer.start();
      const sink = new JsonlSink({ path: spool(), flushIntervalMs: 10 });
      streaming = await startEventStreaming({ spool: spool(), node: 'node-a', config: { servers: [server.url] } });
      const writer = steadyWriter(sink);
      await waitFor(() => count(server!), (n) => n > 100);
      await server.kill('SIGKILL');
      const before = writer.count();
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      // Capture went on; the events wait in the file, not in memory.
      expect(writer.count()).toBeGreaterThan(before);
      const during = streaming.publisher.stats();
      expect(during.connected).toBe(false);
      expect(during.backlogEvents).toBeGreaterThan(0);
      expect(during.backlogBytes).toBeGreaterThan(0);
      expect(during.inFlight).toBeLessThanOrEqual(512);
      await server.launch();
      await new Promise((r) => setTimeout(r, 500));
      const total = await writer.stop();
      const n = await waitFor(() => count(server!), (c) => c >= total, 30_000);
      expect(n).toBe(total);
      const ids = await stored(server);
      expect(new Set(ids).size).toBe(total);
      expect([...ids].sort()).toEqual(expectedIds(total));
      await waitFor(() => streaming!.publisher.stats().backlogEvents, (b) => b === 0, 3_000);
      expect(streaming.publisher.stats().backlogEvents).toBe(0);
    },
    OUTAGE_MS + 90_000,
  );

  it('delivers every event exactly once when the publisher is SIGKILLed and restarted', async () => {
    server = await NatsServer.start();
    const sink = new JsonlSink({ path: spool(), flushIntervalMs: 10 });
    const startPublisher = async (): Promise<ChildProcess> => {
      const proc = spawnTs(
        `import { startEventStreaming } from ${JSON.stringify(repoUrl('probe/src/sinks/nats.js'))};
await startEventStreaming({ spool: process.env.SPOOL!, node: 'node-a', config: { servers: [process.env.NATS_URL!] } });
console.log('publishing');
setInterval(() => undefined, 1000);`,
        { SPOOL: spool(), NATS_URL: server!.url, VIGIL_LOG_LEVEL: 'warn' },
      );
      let out = '';
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve, reject) => {
        proc.stdout!.on('data', (d: Buffer) => d.toString().includes('publishing') && resolve());
        proc.once('exit', (code) => reject(new Error(`publisher exited with ${code}: ${out}`)));
      });
      return proc;
    };
    const writer = steadyWriter(sink);
    child = await startPublisher();
    await waitFor(() => count(server!), (n) => n > 300);
    child.kill('SIGKILL');
    const atKill = await count(server);
    await new Promise((r) => setTimeout(r, 500));
    child = await startPublisher();
    await new Promise((r) => setTimeout(r, 500));
    const total = await writer.stop();
    expect(atKill).toBeLessThan(total);
    const n = await waitFor(() => count(server!), (c) => c >= total, 30_000);
    expect(n).toBe(total);
    const ids = await stored(server);
    expect([...ids].sort()).toEqual(expectedIds(total));
    // The checkpoint on disk is a position inside the spool, written atomically.
    expect(JSON.parse(readFileSync(`${spool()}.checkpoint`, 'utf8'))).toMatchObject({ offset: expect.any(Number) });
  }, 60_000);

  it('rejects bad credentials with a clear error, keeps the events, and delivers them once allowed', async () => {
    server = await NatsServer.start({ user: 'vigil', password: 's3cret' });
    const sink = new JsonlSink({ path: spool(), flushIntervalMs: 10 });
    for (let i = 0; i < 50; i++) sink.write(sampleEvent(i));
    await sink.flush();
    const attempt = startEventStreaming({ spool: spool(), node: 'node-a', config: { servers: [server.url], user: 'vigil', password: 'wrong' } });
    await expect(attempt).rejects.toThrow(NatsAuthError);
    await expect(attempt).rejects.toThrow(`NATS server ${server.url} rejected credentials (authorization violation)`);
    await attempt.catch((err: Error) => expect(err.message).not.toContain('wrong'));
    for (let i = 50; i < 100; i++) sink.write(sampleEvent(i));
    await sink.close();
    streaming = await startEventStreaming({ spool: spool(), node: 'node-a', config: { servers: [server.url], user: 'vigil', password: 's3cret' } });
    await waitFor(() => count(server!), (c) => c >= 100);
    expect(await stored(server)).toEqual(expectedIds(100));
  });

  it('authenticates with an NKey seed file', async () => {
    const user = nkeys.createUser();
    server = await NatsServer.start({ conf: `authorization { users = [ { nkey: "${user.getPublicKey()}" } ] }\n` });
    writeFileSync(join(dir, 'user.nk'), user.getSeed());
    const config = NatsConfig.parse({ servers: [server.url], nkey_seed_file: join(dir, 'user.nk') });
    const sink = new JsonlSink({ path: spool() });
    for (let i = 0; i < 10; i++) sink.write(sampleEvent(i));
    await sink.close();
    streaming = await startEventStreaming({ spool: spool(), node: 'node-a', config });
    await waitFor(() => streaming!.publisher.stats().acked, (n) => n >= 10);
    const nc = await connectNats(config);
    expect((await readStream(nc, 'VIGIL_EVENTS')).map((m) => m.event.id)).toEqual(expectedIds(10));
    await nc.close();
    await expect(connectNats(NatsConfig.parse({ servers: [server.url], nkey_seed: new TextDecoder().decode(nkeys.createUser().getSeed()) }))).rejects.toThrow(NatsAuthError);
  });

  it('says which server is unreachable, and delivers everything once it comes up', async () => {
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    await expect(connectNats(NatsConfig.parse({ servers: [url] }))).rejects.toThrow(NatsUnreachableError);
    await expect(connectNats(NatsConfig.parse({ servers: [url] }))).rejects.toThrow(`cannot reach NATS server ${url}`);

    const sink = new JsonlSink({ path: spool(), flushIntervalMs: 10 });
    const writer = steadyWriter(sink);
    const pending = startEventStreaming({ spool: spool(), node: 'node-a', config: { servers: [url], reconnect_max_wait: '500ms' } });
    await new Promise((r) => setTimeout(r, 1_000));
    server = await NatsServer.start({ port });
    streaming = await pending;
    await new Promise((r) => setTimeout(r, 300));
    const total = await writer.stop();
    await waitFor(() => count(server!), (c) => c >= total);
    expect([...(await stored(server))].sort()).toEqual(expectedIds(total));
  });

  it('rejects malformed server URLs before connecting', () => {
    expect(() => parseServers(['http://nats:4222'])).toThrow(NatsConfigError);
    expect(() => parseServers(['http://nats:4222'])).toThrow('scheme must be nats:// or tls://');
    expect(() => parseServers(['nats://exa mple:4222'])).toThrow('invalid NATS server URL "nats://exa mple:4222"');
    expect(parseServers(['127.0.0.1:4222', 'tls://nats.example:4443'])).toEqual(['nats://127.0.0.1:4222', 'tls://nats.example:4443']);
  });
});
