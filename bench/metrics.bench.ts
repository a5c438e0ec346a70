// Metrics on the ingest path:
//  1. the cost of counting one ai_call event (SensorEventMetrics.observe: calls, tokens, cost by
//     provider/model/namespace/status class) against decoding the same event from protobuf,
//     which the NATS consumer does for every event anyway (ratio; floor: counting costs less
//     than decoding);
//  2. one scrape of the control plane's registry holding series for 200 models × 50 namespaces
//     (ms; floor < 1 s, well inside a 30 s scrape interval);
//  3. one scrape of the sensor's registry (ms).
import { Registry } from 'prom-client';
import { SensorEventMetrics } from '../control-plane/src/metrics/sensor-events.js';
import { sensorRegistry } from '../probe/src/metrics.js';
import { sampleStatus } from '../probe/src/fixtures/status.js';
import { decodeEvent, encodeEvent } from '../schema/codec.js';
import type { Event } from '../schema/event.js';
import { SAMPLE_EVENTS } from '../schema/fixtures/events.js';

const N = Number(process.env.BENCH_METRICS_EVENTS ?? 200_000);

function events(): Event[] {
  const base = SAMPLE_EVENTS.ai_call;
  return Array.from({ length: 10_000 }, (_, i) => ({
    ...base,
    id: `ai-${i}`,
    k8s: { namespace: `ns-${i % 50}` },
    ai_call: { ...base.ai_call, gen_ai: { ...base.ai_call.gen_ai, response: { model: `model-${i % 200}` } }, http: { status_code: i % 10 === 0 ? 429 : 200 } },
  }));
}

function perSecond(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < 2_000; i++) fn(i); // warm-up
  const t = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  return n / ((performance.now() - t) / 1000);
}

export async function run(): Promise<void> {
  const evs = events();
  const wire = evs.map((e) => encodeEvent(e));
  const registry = new Registry();
  const metrics = new SensorEventMetrics(registry);
  const decodeRate = perSecond(N, (i) => decodeEvent(wire[i % wire.length]!));
  const observeRate = perSecond(N, (i) => metrics.observe(evs[i % evs.length]!));
  console.log(`decode ai_call from protobuf: ${Math.round(decodeRate).toLocaleString('en')} events/s`);
  console.log(`count ai_call in metrics:     ${Math.round(observeRate).toLocaleString('en')} events/s`);
  const ratio = decodeRate / observeRate;
  console.log(`  counting costs ${(ratio * 100).toFixed(1)}% of decoding; floor < 100%: ${ratio < 1 ? 'PASS' : 'FAIL'}`);

  const t = performance.now();
  const text = await registry.metrics();
  const scrapeMs = performance.now() - t;
  const series = text.split('\n').filter((l) => l.startsWith('vigil_')).length;
  console.log(`control-plane scrape: ${series.toLocaleString('en')} series, ${(text.length / 1024).toFixed(0)} KiB, ${scrapeMs.toFixed(1)} ms; floor < 1000 ms: ${scrapeMs < 1000 ? 'PASS' : 'FAIL'}`);

  const sensor = sensorRegistry(() => sampleStatus(), { nats: true });
  await sensor.metrics();
  const t2 = performance.now();
  for (let i = 0; i < 100; i++) await sensor.metrics();
  console.log(`sensor scrape: ${((performance.now() - t2) / 100).toFixed(2)} ms`);
}
