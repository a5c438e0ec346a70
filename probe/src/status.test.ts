import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from '../../schema/codec.js';
import { Event } from '../../schema/event.js';
import { sampleStatus } from './fixtures/status.js';
import { formatStatus, heartbeatEvent } from './status.js';

describe('heartbeatEvent', () => {
  it('carries version, targets, events by kind, losses by probe and stage, and the NATS backlog — through protobuf unchanged', () => {
    const e = heartbeatEvent(sampleStatus(), 30, new Date('2026-11-28T05:00:00.000Z'));
    expect(Event.parse(e)).toEqual(e);
    expect(e).toMatchObject({
      kind: 'sensor_status',
      node: 'node-a',
      time: '2026-11-28T05:00:00.000Z',
      sensor_status: {
        version: '0.1.0',
        interval_s: 30,
        uptime_s: 120,
        targets_attached: 1,
        events: { ai_call: 12, process_exit: 4 },
        losses: { ssl_write: 0, ssl_read: 3, decode: 1, http_gap: 0, sink: 2 },
        lost_total: 6,
        backlog: { events: 7, bytes: 3_145_728, connected: false, publish_failures: 4 },
      },
    });
    // Zero counts and `connected: false` survive the wire (explicit presence).
    expect(decodeEvent(encodeEvent(e))).toEqual(e);
  });

  it('has no backlog without NATS, and no backlog figures before the first connection (nothing measured them)', () => {
    expect(heartbeatEvent(sampleStatus({ nats: undefined }), 10).sensor_status.backlog).toBeUndefined();
    expect(heartbeatEvent(sampleStatus({ nats: { connected: false, state: 'connecting' } }), 10).sensor_status.backlog).toEqual({ connected: false });
  });
});

describe('formatStatus', () => {
  it('shows the NATS spool backlog (events and bytes not yet acknowledged) and publish failures', () => {
    const text = formatStatus(sampleStatus(), false);
    expect(text).toContain('NATS: NOT connected; backlog 7 events (3.0 MiB) not yet acknowledged, 9 acknowledged this session, 4 publish failures');
  });

  it('says NATS is still being reached, without a made-up backlog, before the first connection', () => {
    const text = formatStatus(sampleStatus({ nats: { connected: false, state: 'connecting' } }), false);
    expect(text).toContain('NATS: connecting (not reached yet)');
    expect(text).not.toContain('backlog');
  });

  it('lists the targets left unprobed with the pattern that excluded each', () => {
    const text = formatStatus(sampleStatus(), false);
    expect(text).toContain('Targets left unprobed:\n  /usr/bin/kubelet: capture.exclude_targets "kubelet"');
    const none = sampleStatus();
    none.targets.excluded = [];
    expect(formatStatus(none, false)).not.toContain('unprobed');
  });

  it('says nothing of NATS when it is not configured', () => {
    expect(formatStatus(sampleStatus({ nats: undefined }), false)).not.toContain('NATS');
  });
});
