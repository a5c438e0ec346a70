// NATS streaming: events/s from the JSONL spool to acknowledged JetStream storage, beside a bare
// nats.js publisher of the same protobuf messages (with message ids, same window, same server,
// same run), and the latency from JsonlSink.write to a JetStream subscriber at 1,000 events/s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { NatsConnection, PubAck } from 'nats';
import { AsyncJetStreamPublisher } from '../lib/nats/async-publish.js';
import { JsonlSink } from '../probe/src/sinks/jsonl.js';
import { startEventStreaming } from '../probe/src/sinks/nats.js';
import { decodeEvent, encodeEvent } from '../schema/codec.js';
import { sampleEvent } from '../schema/fixtures/events.js';
import { NatsServer } from '../test/helpers/nats-server.js';

const EVENTS = Number(process.env.BENCH_NATS_EVENTS ?? 50_000);
const WINDOW = 512;
const RATE = 1_000;
const LATENCY_SECONDS = Number(process.env.BENCH_NATS_LATENCY_SECONDS ?? 10);

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-nats-'));
  const server = await NatsServer.start();
  const nc = await server.connect();
  try {
    const bare = await barePublisher(nc);
    const bareAsync = await barePublisher(nc, true);
    const spool = await spoolPublisher(server, join(dir, 'throughput.jsonl'));
    console.log(`events: ${EVENTS} (kinds cycled, ${bytesPerEvent()} protobuf bytes on average), window ${WINDOW}`);
    console.log(`bare nats.js publisher : ${bare.toFixed(0)} events/s`);
    console.log(`JSONL spool → JetStream: ${spool.toFixed(0)} events/s`);
    console.log(`ratio spool/bare       : ${(spool / bare).toFixed(2)} (floor 0.70, aim 0.90)`);
    // The agent publishes through one ack inbox (lib/nats/async-publish.ts); the same technique
    // from memory shows what reading, validating and encoding the spool still costs.
    console.log(`bare one-inbox publisher: ${bareAsync.toFixed(0)} events/s; spool ÷ it ${(spool / bareAsync).toFixed(2)}`);
    const lat = await latency(server, nc, join(dir, 'latency.jsonl'));
    console.log(`latency write → subscriber at ${RATE} events/s over ${lat.n} events: p50 ${lat.p50.toFixed(1)} ms, p99 ${lat.p99.toFixed(1)} ms, max ${lat.max.toFixed(1)} ms (floor p99 < 50 ms)`);
  } finally {
    await nc.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function bytesPerEvent(): number {
  let total = 0;
  for (let i = 0; i < 700; i++) total += encodeEvent(sampleEvent(i)).length;
  return Math.round(total / 700);
}

/** The same messages the publisher sends, published straight from memory. */
async function barePublisher(nc: NatsConnection, oneInbox = false): Promise<number> {
  const name = oneInbox ? 'BAREASYNC' : 'BARE';
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name, subjects: [`${name.toLowerCase()}.>`], duplicate_window: 120e9 });
  const payloads = Array.from({ length: EVENTS }, (_, i) => {
    const e = sampleEvent(i);
    return { subject: `${name.toLowerCase()}.${e.node}.${e.kind}`, data: encodeEvent(e), id: e.id };
  });
  const js = nc.jetstream();
  const inbox = new AsyncJetStreamPublisher(nc, 5000);
  const t0 = performance.now();
  const window: Promise<PubAck>[] = [];
  for (const p of payloads) {
    if (window.length >= WINDOW) await window.shift();
    window.push(oneInbox ? inbox.publish(p.subject, p.data, p.id) : js.publish(p.subject, p.data, { msgID: p.id }));
  }
  await Promise.all(window);
  const rate = EVENTS / ((performance.now() - t0) / 1000);
  inbox.close();
  return rate;
}

/** Events already in the spool, from publisher start to the last acknowledgement. */
async function spoolPublisher(server: NatsServer, path: string): Promise<number> {
  const sink = new JsonlSink({ path, maxBytes: 1024 ** 3 });
  for (let i = 0; i < EVENTS; i++) {
    sink.write(sampleEvent(i));
    if (i % 5_000 === 0) await sink.flush();
  }
  await sink.close();
  const t0 = performance.now();
  const streaming = await startEventStreaming({ spool: path, node: 'bench', config: { servers: [server.url], max_in_flight: WINDOW } });
  while (streaming.publisher.stats().acked < EVENTS) await delay(2);
  const seconds = (performance.now() - t0) / 1000;
  await streaming.stop();
  return EVENTS / seconds;
}

async function latency(server: NatsServer, nc: NatsConnection, path: string): Promise<{ n: number; p50: number; p99: number; max: number }> {
  await (await nc.jetstreamManager()).streams.purge('VIGIL_EVENTS');
  const sink = new JsonlSink({ path });
  const streaming = await startEventStreaming({ spool: path, node: 'bench', config: { servers: [server.url] } });
  const written = new Map<string, number>();
  const samples: number[] = [];
  const consumer = await nc.jetstream().consumers.get('VIGIL_EVENTS', { filterSubjects: 'vigil.events.>' });
  const messages = await consumer.consume();
  const total = RATE * LATENCY_SECONDS;
  const receiving = (async () => {
    for await (const m of messages) {
      const t = written.get(decodeEvent(m.data).id);
      if (t !== undefined) samples.push(performance.now() - t);
      if (samples.length >= total) break;
    }
  })();
  // 1,000 events/s as 10 events every 10 ms, each stamped when handed to the sink.
  const start = performance.now();
  for (let i = 0; i < total; ) {
    const due = Math.floor(((performance.now() - start) / 1000) * RATE);
    for (; i < Math.min(due, total); i++) {
      const e = { ...sampleEvent(i), id: `lat-${i}` };
      written.set(e.id, performance.now());
      sink.write(e);
    }
    await delay(10);
  }
  await Promise.race([receiving, delay(30_000)]);
  void messages.close();
  await sink.close();
  await streaming.stop();
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN;
  return { n: samples.length, p50: at(0.5), p99: at(0.99), max: samples.at(-1) ?? NaN };
}
