// The cluster path end to end, as root: the sensor streams its events to a real nats-server
// (JetStream), the control plane consumes them with a durable consumer and opens incidents; a
// restarted control plane resumes from its last acknowledged event instead of starting over.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../probe/src/agent.js';
import { parseSensorConfig } from '../probe/src/config.js';
import { parseConfig } from '../control-plane/src/config.js';
import { startControlPlane, type ControlPlane } from '../control-plane/src/main.js';
import { NatsServer } from './helpers/nats-server.js';
import { privileged, waitFor } from './helpers/privileged.js';
import { run } from './helpers/tls.js';

const gate = privileged('sensor → NATS → control plane');

interface IncidentView {
  id: string;
  timeline: Array<{ source: string; attributes: Record<string, unknown> }>;
}

describe.runIf(gate.ok)('sensor → NATS JetStream → control plane', () => {
  let nats: NatsServer;
  let agent: Agent;
  let dir: string;

  const controlPlane = (stateDir: string) =>
    startControlPlane(
      parseConfig({
        server: { host: '127.0.0.1', port: 0 },
        store: { dataDir: stateDir },
        kubernetes: { enabled: false },
        nats: { servers: nats.url },
      }),
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cluster-'));
    nats = await NatsServer.start();
    const { Agent } = await import('../probe/src/agent.js');
    agent = await Agent.start({
      config: parseSensorConfig({ node: 'node-a', output: { path: join(dir, 'events.jsonl') }, nats: { servers: nats.url } }),
    });
  });

  afterAll(async () => {
    await agent?.stop();
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The list carries only the latest timeline entries (other exits on this host join too): read each detail. */
  async function incidentFor(cp: ControlPlane, pid: number): Promise<IncidentView | undefined> {
    const { items } = (await (await fetch(`${cp.url}/api/incidents`)).json()) as { items: Array<{ id: string }> };
    for (const { id } of items) {
      const detail = (await (await fetch(`${cp.url}/api/incidents/${encodeURIComponent(id)}`)).json()) as IncidentView;
      if (detail.timeline.some((t) => t.source === 'sensor' && t.attributes.pid === pid)) return detail;
    }
    return undefined;
  }

  async function waitIncident(cp: ControlPlane, pid: number): Promise<IncidentView> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = await incidentFor(cp, pid);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no incident for pid ${pid}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('a crash captured on the node becomes an incident in the control plane, and a restart resumes', async () => {
    const first = await controlPlane(join(dir, 'state'));
    let second: ControlPlane | undefined;
    try {
      const a = await run('sh', ['-c', 'exit 7']);
      expect(a.code).toBe(7);
      const incident = await waitIncident(first, a.pid);
      expect(incident.timeline.find((t) => t.attributes.pid === a.pid)!.attributes).toMatchObject({ exitCode: 7 });
      await first.close();

      // While the control plane is down the sensor keeps publishing; the durable consumer
      // delivers what it missed once it is back, and nothing twice.
      const b = await run('python3', ['-c', 'import ctypes; ctypes.string_at(0)']);
      expect(b.signal).toBe('SIGSEGV');
      await waitFor(() => (Number((agent.status().nats as { acked?: number } | undefined)?.acked ?? 0) >= 2 ? true : undefined), 'the sensor to publish both events', 15_000);
      second = await controlPlane(join(dir, 'state'));
      await waitIncident(second, b.pid);
      const restored = await incidentFor(second, a.pid);
      expect(restored?.timeline.filter((t) => t.attributes.pid === a.pid)).toHaveLength(1);
    } finally {
      await first.close();
      await second?.close();
    }
  });
});
