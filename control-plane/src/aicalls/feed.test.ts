// The feed stores every ai_call event and publishes at most maxPerFlush rows per interval;
// the rest are announced as one {coalesced: n} message (they are in the store).
import { describe, expect, it } from 'vitest';
import type { Event } from '../../../schema/event.js';
import { LiveHub, type LiveMessage } from '../api/live.js';
import { AiCallFeed } from './feed.js';
import { AiCallStore } from './store.js';

const event = (n: number): Event => ({ id: `e${n}`, time: '2026-11-28T04:00:00Z', node: 'n', kind: 'ai_call', ai_call: { provider: 'openai' } });

describe('AiCallFeed', () => {
  it('stores all, publishes a bounded number per flush and coalesces the rest', () => {
    const hub = new LiveHub();
    const seen: LiveMessage[] = [];
    hub.subscribe((m) => seen.push(m));
    const feed = new AiCallFeed(new AiCallStore(1000), hub, { flushMs: 60_000, maxPerFlush: 3 });
    for (let n = 0; n < 10; n++) feed.accept(event(n));
    feed.accept({ id: 'x', time: '2026-11-28T04:00:00Z', node: 'n', kind: 'process_exit', process_exit: { exit_code: 1 } });
    expect(seen).toEqual([]);
    feed.flush();
    expect(seen.map((m) => m.data)).toEqual([expect.objectContaining({ id: 'e0' }), expect.objectContaining({ id: 'e1' }), expect.objectContaining({ id: 'e2' }), { coalesced: 7 }]);
    expect(seen.every((m) => m.topic === 'ai_call')).toBe(true);
    expect(feed.store.size).toBe(10);
    expect(feed.stats).toEqual({ rows: 10, coalesced: 7 });
    feed.close();
  });
});
