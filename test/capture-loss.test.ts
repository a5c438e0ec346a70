// End to end, as root: nothing is dropped silently. With a ring buffer far too small for the
// traffic, the probes' failed reservations are counted per probe, the agent emits `loss` events
// as the counts grow, and the reassembler reports the resulting gaps instead of mis-pairing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, EventOf } from '../schema/event.js';
import type { Agent } from '../probe/src/agent.js';
import { parseSensorConfig } from '../probe/src/config.js';
import { privileged, waitFor } from './helpers/privileged.js';
import { makeCert, run, startRawServer, type Cert, type RawServer } from './helpers/tls.js';

const gate = privileged('loss accounting end to end');

describe.runIf(gate.ok)('losses are counted and reported', () => {
  let agent: Agent;
  let cert: Cert;
  let server: RawServer;
  let dir: string;
  const events: Event[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-loss-'));
    cert = makeCert();
    server = await startRawServer(cert);
    const { Agent } = await import('../probe/src/agent.js');
    // One page of ring buffer: a 16 KiB chunk record can never fit.
    const config = parseSensorConfig({
      output: { path: join(dir, 'events.jsonl') },
      capture: { ring_buffer_bytes: 4096, max_bytes_per_call: 1 << 20 },
    });
    agent = await Agent.start({ config, onEvent: (e) => events.push(e) });
  });

  afterAll(async () => {
    await agent?.stop();
    server?.stop();
    rmSync(dir, { recursive: true, force: true });
    if (cert) rmSync(cert.dir, { recursive: true, force: true });
  });

  it('a ring buffer overflow becomes loss events and per-probe loss counts', async () => {
    const file = join(dir, 'body');
    writeFileSync(file, Buffer.alloc(512 * 1024, 'z'));
    const r = await run('curl', ['-sS', '--http1.1', '--cacert', cert.cert, '--data-binary', `@${file}`, `https://localhost:${server.port}/big`]);
    expect(r.code, r.stderr).toBe(0);
    const loss = await waitFor(
      () => events.find((e): e is EventOf<'loss'> => e.kind === 'loss' && e.loss.probe === 'ssl_write'),
      'a loss event for ssl_write',
    );
    expect(loss.loss.reason).toBe('ringbuf_full');
    expect(loss.loss.count).toBeGreaterThan(0);
    expect(loss.loss.total).toBeGreaterThanOrEqual(loss.loss.count);
    expect(agent.status().probes.lost.ssl_write).toBeGreaterThanOrEqual(loss.loss.total);
    // Every later loss event for the probe carries the running total, never less.
    const totals = events.filter((e): e is EventOf<'loss'> => e.kind === 'loss' && e.loss.probe === 'ssl_write').map((e) => e.loss.total);
    expect([...totals].sort((a, b) => a - b)).toEqual(totals);
  });
});
