// The JSONL spool → JetStream path against a real nats-server: delivery, subjects, the stream's
// configured limits, rotation while behind, torn and bad lines.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nanos, type NatsConnection } from 'nats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NatsConfig, type NatsConfigInput } from '../lib/nats/config.js';
import { JsonlSink } from '../probe/src/sinks/jsonl.js';
import { startEventStreaming, type EventStreaming } from '../probe/src/sinks/nats.js';
import { readCheckpoint } from '../probe/src/sinks/spool.js';
import type { Event } from '../schema/event.js';
import { sampleEvent } from '../schema/fixtures/events.js';
import { findNatsServer, NatsServer, readStream, waitFor } from './helpers/nats-server.js';

const natsBin = findNatsServer();

describe.skipIf(!natsBin)('NATS streaming from the JSONL spool', () => {
  let dir: string;
  let server: NatsServer;
  let nc: NatsConnection;
  let streaming: EventStreaming | undefined;
  const spool = (): string => join(dir, 'events.jsonl');
  const config = (extra: Partial<NatsConfigInput> = {}): NatsConfigInput => ({ servers: [server.url], ...extra });
  const messages = async (): Promise<number> => (await (await nc.jetstreamManager()).streams.info('VIGIL_EVENTS')).state.messages;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-nats-'));
    server = await NatsServer.start();
    nc = await server.connect();
  });
  afterEach(async () => {
    await streaming?.stop();
    streaming = undefined;
    await nc.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers N events written to JSONL as exactly N messages that decode to the same events', async () => {
    const sink = new JsonlSink({ path: spool(), flushIntervalMs: 10 });
    streaming = await startEventStreaming({ spool: spool(), node: 'node-a', config: config() });
    const written: Event[] = [];
    for (let i = 0; i < 500; i++) {
      const e = sampleEvent(i, i % 2 ? 'node-a' : 'ip-10-0-3-17.ec2.internal');
      written.push(e);
      sink.write(e);
    }
    await sink.close();
    await waitFor(messages, (n) => n >= 500);
    await new Promise((r) => setTimeout(r, 300)); // room for any duplicate to show up
    const stored = await readStream(nc, 'VIGIL_EVENTS');
    expect(stored).toHaveLength(500);
    expect(stored.map((m) => m.event)).toEqual(written);
    for (const m of stored) {
      expect(m.msgId).toBe(m.event.id);
      const node = m.event.node === 'node-a' ? 'node-a' : 'ip-10-0-3-17_ec2_internal';
      expect(m.subject).toBe(`vigil.events.${node}.${m.event.kind}`);
    }
    await waitFor(() => streaming!.publisher.stats().backlogEvents, (n) => n === 0, 2_000);
    expect(streaming.publisher.stats()).toMatchObject({ acked: 500, bad: 0, lost: 0, backlogBytes: 0, backlogEvents: 0, inFlight: 0 });
  });

  it('creates the stream with the configured limits', async () => {
    new JsonlSink({ path: spool() }).close();
    streaming = await startEventStreaming({
      spool: spool(),
      node: 'node-a',
      config: config({ stream: { name: 'EV_TEST', max_age: '36h', max_bytes: 64 * 1024 * 1024, duplicate_window: '90s', replicas: 1 }, subject_prefix: 'acme.vigil' }),
    });
    const info = await (await nc.jetstreamManager()).streams.info('EV_TEST');
    expect(info.config).toMatchObject({
      subjects: ['acme.vigil.>'],
      max_age: nanos(36 * 3600_000),
      max_bytes: 64 * 1024 * 1024,
      duplicate_window: nanos(90_000),
      num_replicas: 1,
      retention: 'limits',
      storage: 'file',
    });
  });

  it('catches up across rotations that happened while it was behind', async () => {
    const sink = new JsonlSink({ path: spool(), maxBytes: 8 * 1024, maxFiles: 100, flushIntervalMs: 10 });
    for (let i = 0; i < 300; i++) sink.write(sampleEvent(i));
    await sink.flush();
    expect(sink.stats().rotations).toBeGreaterThan(5);
    streaming = await startEventStreaming({ spool: spool(), node: 'node-a', config: config() });
    for (let i = 300; i < 400; i++) sink.write(sampleEvent(i)); // and more rotations while catching up
    await sink.close();
    await waitFor(messages, (n) => n >= 400);
    const ids = (await readStream(nc, 'VIGIL_EVENTS')).map((m) => m.event.id);
    expect(ids).toEqual(Array.from({ length: 400 }, (_, i) => sampleEvent(i).id));
    expect(streaming.publisher.stats().lost).toBe(0);
  });

  it('counts and reports events that rotation deleted before they were published', async () => {
    // The publisher is set up (checkpoint at the start) but NATS refuses its first publishes: the
    // server is down while the writer rotates through more than maxFiles files.
    new JsonlSink({ path: spool() }).close();
    streaming = await startEventStreaming({ spool: spool(), node: 'node-a', config: config() });
    await streaming.stop();
    streaming = undefined;
    expect(readCheckpoint(spool())).toBeDefined();
    const sink = new JsonlSink({ path: spool(), maxBytes: 4 * 1024, maxFiles: 2, flushIntervalMs: 10 });
    for (let i = 0; i < 200; i++) {
      sink.write(sampleEvent(i));
      if (i % 5 === 4) await sink.flush();
    }
    await sink.close();
    const lost = sink.stats().spoolLost;
    expect(lost).toBeGreaterThan(0);
    streaming = await startEventStreaming({ spool: spool(), node: 'node-a', config: config() });
    await waitFor(messages, (n) => n >= 200 - lost + 1);
    const stored = await readStream(nc, 'VIGIL_EVENTS');
    const losses = stored.filter((m) => m.event.kind === 'loss' && m.event.loss.probe === 'nats_spool');
    expect(losses).toHaveLength(1);
    expect(losses[0]!.event).toMatchObject({ loss: { count: lost, total: lost, reason: 'rotated_before_publish' } });
    // What survived is the newest events, each once: nothing silently missing beyond the count.
    const ids = stored.filter((m) => m.event.kind !== 'loss' || m.event.loss.probe !== 'nats_spool').map((m) => m.event.id);
    expect(ids).toEqual(Array.from({ length: 200 - lost }, (_, i) => sampleEvent(lost + i).id));
    expect(streaming.publisher.stats().lost).toBe(lost);
  });

  it('publishes whole lines only: a torn tail is repaired and a bad line is counted, not sent', async () => {
    appendFileSync(spool(), `${JSON.stringify(sampleEvent(0))}\nnot json at all\n${JSON.stringify({ id: 'x', kind: 'signal' })}\n${JSON.stringify(sampleEvent(1))}\n{"id":"evt-torn","ti`);
    const sink = new JsonlSink({ path: spool(), flushIntervalMs: 10 });
    expect(sink.stats().tornBytesRepaired).toBe(20);
    sink.write(sampleEvent(2));
    await sink.close();
    streaming = await startEventStreaming({ spool: spool(), node: 'node-a', config: config() });
    await waitFor(() => streaming!.publisher.stats().acked, (n) => n >= 5);
    const ids = (await readStream(nc, 'VIGIL_EVENTS')).map((m) => m.event.id);
    expect(ids).toEqual([sampleEvent(0).id, sampleEvent(1).id, sampleEvent(2).id]);
    expect(streaming.publisher.stats().bad).toBe(2);
  });

  it('validates its configuration with clear messages', () => {
    expect(() => NatsConfig.parse({ servers: ['nats://x:4222'], stream: { max_age: 'forever' } })).toThrow(/duration/);
    expect(NatsConfig.parse({ servers: 'a:4222, b:4222' }).servers).toEqual(['a:4222', 'b:4222']);
    expect(NatsConfig.parse({ servers: ['a'] }).stream).toMatchObject({ name: 'VIGIL_EVENTS', max_age: 72 * 3600_000, duplicate_window: 120_000 });
  });
});
