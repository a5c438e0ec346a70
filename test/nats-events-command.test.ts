// `vigil events`: from JetStream (durable and ephemeral consumers, subject filters) and from the
// JSONL file (tail -f across rotations).
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonlSink } from '../probe/src/sinks/jsonl.js';
import { startEventStreaming, type EventStreaming } from '../probe/src/sinks/nats.js';
import { runEventsCommand, subjectMatches } from '../src/commands/events.js';
import { Event, EVENT_KINDS } from '../schema/event.js';
import { sampleEvent } from '../schema/fixtures/events.js';
import { findNatsServer, NatsServer, waitFor } from './helpers/nats-server.js';

const natsBin = findNatsServer();

/** Collects what the command prints, parsed back into events. */
function capture(): { out: PassThrough; events: () => Event[] } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { out, events: () => text.split('\n').filter(Boolean).map((l) => Event.parse(JSON.parse(l))) };
}

describe('vigil events: subject filters', () => {
  it.each([
    ['vigil.events.>', 'vigil.events.node-a.signal', true],
    ['vigil.events.*.signal', 'vigil.events.node-a.signal', true],
    ['vigil.events.*.signal', 'vigil.events.node-a.oom_kill', false],
    ['vigil.events.node-a.>', 'vigil.events.node-b.signal', false],
    ['vigil.events.>', 'vigil.events', false],
    ['vigil.events.*', 'vigil.events.node-a.signal', false],
  ])('%s matches %s: %s', (filter, subject, expected) => {
    expect(subjectMatches(filter, subject)).toBe(expected);
  });
});

describe('vigil events from the JSONL file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-events-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the live file, then follows it across rotations until stopped', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = new JsonlSink({ path, maxBytes: 6 * 1024, maxFiles: 50, flushIntervalMs: 5 });
    for (let i = 0; i < 3; i++) sink.write(sampleEvent(i));
    await sink.flush();
    const { out, events } = capture();
    const stop = new AbortController();
    const done = runEventsCommand({ file: path, follow: true }, out, stop.signal);
    for (let i = 3; i < 120; i++) {
      sink.write(sampleEvent(i));
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 30));
    }
    await sink.close();
    expect(sink.stats().rotations).toBeGreaterThan(5);
    await waitFor(() => events().length, (n) => n >= 120, 5_000);
    stop.abort();
    expect(await done).toBe(120);
    expect(events().map((e) => e.id)).toEqual(Array.from({ length: 120 }, (_, i) => sampleEvent(i).id));
  });

  it('without --follow prints what is there, filtered by subject, skipping bad lines', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = new JsonlSink({ path });
    for (let i = 0; i < 21; i++) sink.write(sampleEvent(i));
    await sink.close();
    appendFileSync(path, '{"id":"broken"\n');
    const { out, events } = capture();
    expect(await runEventsCommand({ file: path, subject: 'vigil.events.*.signal' }, out)).toBe(3);
    expect(events().map((e) => e.kind)).toEqual(['signal', 'signal', 'signal']);
  });

  it('says so when the file does not exist', async () => {
    await expect(runEventsCommand({ file: join(dir, 'nope.jsonl') }, new PassThrough())).rejects.toThrow(/no event file/);
  });
});

describe.skipIf(!natsBin)('vigil events --nats', () => {
  let dir: string;
  let server: NatsServer;
  let streaming: EventStreaming;
  let sink: JsonlSink;
  const stored = async (): Promise<number> => {
    const nc = await server.connect();
    const n = (await (await nc.jetstreamManager()).streams.info('VIGIL_EVENTS')).state.messages;
    await nc.close();
    return n;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-events-'));
    server = await NatsServer.start();
    sink = new JsonlSink({ path: join(dir, 'events.jsonl'), flushIntervalMs: 5 });
    streaming = await startEventStreaming({ spool: join(dir, 'events.jsonl'), node: 'node-a', config: { servers: [server.url] } });
  });
  afterEach(async () => {
    await sink.close();
    await streaming.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a late durable subscriber receives the backlog, then only what is new', async () => {
    for (let i = 0; i < 100; i++) sink.write(sampleEvent(i));
    await waitFor(stored, (n) => n >= 100);
    const first = capture();
    expect(await runEventsCommand({ nats: server.url, durable: 'late' }, first.out)).toBe(100);
    expect(first.events()).toEqual(Array.from({ length: 100 }, (_, i) => sampleEvent(i)));

    for (let i = 100; i < 120; i++) sink.write(sampleEvent(i));
    await waitFor(stored, (n) => n >= 120);
    const second = capture();
    expect(await runEventsCommand({ nats: server.url, durable: 'late' }, second.out)).toBe(20);
    expect(second.events().map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => sampleEvent(100 + i).id));
  });

  it('an ephemeral subscriber filters by subject and follows until stopped', async () => {
    const { out, events } = capture();
    const stop = new AbortController();
    const done = runEventsCommand({ nats: server.url, subject: 'vigil.events.*.oom_kill', follow: true }, out, stop.signal);
    const kinds = EVENT_KINDS.length;
    const oom = EVENT_KINDS.indexOf('oom_kill');
    for (let i = 0; i < 10 * kinds; i++) sink.write(sampleEvent(i));
    await waitFor(() => events().length, (n) => n >= 10, 10_000);
    stop.abort();
    await done;
    expect(events().map((e) => e.id)).toEqual(Array.from({ length: 10 }, (_, i) => sampleEvent(i * kinds + oom).id));
  });

  it('fails fast with the server named when it cannot connect', async () => {
    await server.kill();
    await expect(runEventsCommand({ nats: server.url }, new PassThrough())).rejects.toThrow(`cannot reach NATS server ${server.url}`);
  });
});
