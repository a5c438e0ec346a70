// End to end, as root: nothing is dropped silently. With a ring buffer far too small for the
// traffic, the probes' failed reservations are counted per probe, the agent emits `loss` events
// as the counts grow, and the reassembler reports the resulting gaps instead of mis-pairing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventOf } from '../schema/event.js';
import { startCaptureFixture, type CaptureFixture } from './helpers/capture.js';
import { privileged, waitFor } from './helpers/privileged.js';
import { run } from './helpers/tls.js';

const gate = privileged('loss accounting end to end');

describe.runIf(gate.ok)('losses are counted and reported', () => {
  let fx: CaptureFixture;

  // One page of ring buffer: a 16 KiB chunk record can never fit.
  beforeAll(async () => {
    fx = await startCaptureFixture({ capture: { ring_buffer_bytes: 4096, max_bytes_per_call: 1 << 20 } });
  });

  afterAll(() => fx?.stop());

  it('a ring buffer overflow becomes loss events and per-probe loss counts', async () => {
    const file = join(fx.dir, 'body');
    writeFileSync(file, Buffer.alloc(512 * 1024, 'z'));
    const r = await run('curl', ['-sS', '--http1.1', '--cacert', fx.cert.cert, '--data-binary', `@${file}`, `https://localhost:${fx.server.port}/big`]);
    expect(r.code, r.stderr).toBe(0);
    const loss = await waitFor(
      () => fx.events.find((e): e is EventOf<'loss'> => e.kind === 'loss' && e.loss.probe === 'ssl_write'),
      'a loss event for ssl_write',
    );
    expect(loss.loss.reason).toBe('ringbuf_full');
    expect(loss.loss.count).toBeGreaterThan(0);
    expect(loss.loss.total).toBeGreaterThanOrEqual(loss.loss.count);
    expect(fx.agent.status().probes.lost.ssl_write).toBeGreaterThanOrEqual(loss.loss.total);
    // Every later loss event for the probe carries the running total, never less.
    const totals = fx.events.filter((e): e is EventOf<'loss'> => e.kind === 'loss' && e.loss.probe === 'ssl_write').map((e) => e.loss.total);
    expect([...totals].sort((a, b) => a - b)).toEqual(totals);
  });
});
