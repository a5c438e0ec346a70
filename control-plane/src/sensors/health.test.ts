import { describe, expect, it } from 'vitest';
import type { Event, EventOf } from '../../../schema/event.js';
import { SAMPLE_EVENTS } from '../../../schema/fixtures/events.js';
import { SensorHealthRegistry, type SensorHealth } from './health.js';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');

function beat(node: string, atMs: number, over: Partial<EventOf<'sensor_status'>['sensor_status']> = {}): Event {
  return { id: `hb-${node}-${atMs}`, time: new Date(atMs).toISOString(), kind: 'sensor_status', node, sensor_status: { ...SAMPLE_EVENTS.sensor_status.sensor_status, interval_s: 10, ...over } };
}

function loss(node: string, probe: string, total: number): Event {
  return { id: `loss-${node}-${probe}-${total}`, time: new Date(T0).toISOString(), kind: 'loss', node, loss: { probe, count: 1, total } };
}

function setup() {
  let now = T0;
  const changes: SensorHealth[] = [];
  const reg = new SensorHealthRegistry({ now: () => now, onChange: (s) => changes.push(s), maxNodes: 3 });
  return { reg, changes, advance: (ms: number) => (now += ms) };
}

describe('SensorHealthRegistry', () => {
  it('keeps the latest heartbeat per node with its counters, losses and backlog, and reports the change', () => {
    const { reg, changes } = setup();
    reg.observe(beat('node-a', T0 - 1000, { events: { ai_call: 5 }, losses: { ssl_read: 2, decode: 1 }, backlog: { events: 4, bytes: 900, connected: false, publish_failures: 3 }, targets_attached: 2 }));
    expect(reg.list()).toEqual([
      {
        node: 'node-a',
        lastSeen: new Date(T0 - 1000).toISOString(),
        version: '0.1.0',
        intervalS: 10,
        uptimeS: 3600.5,
        events: { ai_call: 5 },
        losses: { ssl_read: 2, decode: 1 },
        lostTotal: 3,
        backlog: { events: 4, bytes: 900, connected: false, publishFailures: 3 },
        targets: 2,
        healthy: true,
      },
    ]);
    expect(changes).toHaveLength(1);
  });

  it('is healthy for three intervals after the last heartbeat, then the sweep reports it unhealthy once', () => {
    const { reg, changes, advance } = setup();
    reg.observe(beat('node-a', T0));
    advance(30_000);
    reg.sweep();
    expect(reg.get('node-a')?.healthy).toBe(true);
    expect(changes).toHaveLength(1);
    advance(1);
    reg.sweep();
    reg.sweep();
    expect(changes.map((c) => c.healthy)).toEqual([true, false]);
    reg.observe(beat('node-a', T0 + 30_001));
    expect(changes.map((c) => c.healthy)).toEqual([true, false, true]);
  });

  it('ignores a heartbeat older than the one it has (replays), and a clock ahead of ours counts as now', () => {
    const { reg } = setup();
    reg.observe(beat('node-a', T0 + 60_000, { events: { ai_call: 9 } }));
    expect(reg.get('node-a')?.lastSeen).toBe(new Date(T0).toISOString());
    reg.observe(beat('node-a', T0 - 5_000, { events: { ai_call: 1 } }));
    expect(reg.get('node-a')?.events).toEqual({ ai_call: 9 });
    expect(reg.stats.stale).toBe(1);
  });

  it('raises a known node\'s loss totals from loss events between heartbeats; unknown nodes are not created', () => {
    const { reg, changes } = setup();
    reg.observe(beat('node-a', T0, { losses: { ssl_read: 2 } }));
    reg.observe(loss('node-a', 'ssl_read', 7));
    reg.observe(loss('node-a', 'ssl_read', 5));
    reg.observe(loss('node-z', 'ssl_read', 7));
    expect(reg.get('node-a')).toMatchObject({ losses: { ssl_read: 7 }, lostTotal: 7 });
    expect(reg.get('node-z')).toBeUndefined();
    expect(changes).toHaveLength(2);
  });

  it('remembers at most maxNodes, forgetting the one heard from longest ago', () => {
    const { reg } = setup();
    for (const [i, node] of ['n1', 'n2', 'n3', 'n4'].entries()) reg.observe(beat(node, T0 - 10_000 + i));
    expect(reg.list().map((s) => s.node)).toEqual(['n2', 'n3', 'n4']);
    expect(reg.stats.forgotten).toBe(1);
  });
});
