// cookbook/nats-subscriber runs as documented against a real nats-server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { JsonlSink } from '../probe/src/sinks/jsonl.js';
import { startEventStreaming } from '../probe/src/sinks/nats.js';
import { sampleEvent } from '../schema/fixtures/events.js';
import { findNatsServer, NatsServer, repoUrl, spawnTs, waitFor } from './helpers/nats-server.js';

it.skipIf(!findNatsServer())('the cookbook subscriber prints every event with its subject', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cookbook-'));
  const server = await NatsServer.start();
  const spool = join(dir, 'events.jsonl');
  const sink = new JsonlSink({ path: spool });
  const streaming = await startEventStreaming({ spool, node: 'node-a', config: { servers: [server.url] } });
  const child = spawnTs(`await import(${JSON.stringify(repoUrl('cookbook/nats-subscriber/subscriber.ts'))});`, { NATS_URL: server.url });
  try {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 14; i++) sink.write(sampleEvent(i));
    await sink.flush();
    const lines = await waitFor(() => out.split('\n').filter(Boolean), (l) => l.length >= 14);
    expect(lines).toHaveLength(14);
    lines.forEach((line, i) => {
      const { subject, ...event } = JSON.parse(line) as { subject: string };
      // events.proto's scalars are optional: a plain decoder keeps zeros and false (see docs/events.md).
      expect(event).toEqual(sampleEvent(i));
      expect(subject).toBe(`vigil.events.node-a.${sampleEvent(i).kind}`);
    });
  } finally {
    child.kill('SIGKILL');
    await sink.close();
    await streaming.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
