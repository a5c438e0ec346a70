import { describe, expect, it } from 'vitest';
import { Budget } from './body.js';
import { SseCollector, SseParser } from './sse.js';
import type { SseEvent } from './types.js';
import { randomCuts, rng } from './fixtures/feed.js';

function parse(parts: string[], maxEventBytes = 1024): { events: SseEvent[]; cut: number } {
  const events: SseEvent[] = [];
  const parser = new SseParser({ maxEventBytes }, new Budget(1 << 20), (e) => events.push(e));
  parts.forEach((p, i) => parser.push(Buffer.from(p, 'utf8'), i + 1));
  return { events, cut: parser.cut };
}

const stream = 'event: message_start\r\ndata: {"a":1}\r\n\r\n: comment\n\nid: 7\ndata: line one\ndata: line two\n\ndata:no-space\rdata: second\r\rretry: 10\nevent: end\ndata: \u00e9t\u00e9\n\nevent: orphan\n\n';

describe('SSE parser', () => {
  it('handles named events, multi-line data, ids, comments and LF / CRLF / CR line ends', () => {
    const { events } = parse([stream]);
    expect(events.map(({ tsNs: _t, ...e }) => e)).toEqual([
      { event: 'message_start', data: '{"a":1}' },
      { id: '7', data: 'line one\nline two' },
      { data: 'no-space\nsecond' },
      { event: 'end', data: 'été' },
    ]);
  });

  it('gives the same events for every split of the stream into two and three pushes', () => {
    const bytes = Buffer.from(stream, 'utf8');
    const expected = parse([stream]).events.map((e) => ({ ...e, tsNs: 0 }));
    for (let a = 1; a < bytes.length; a++) {
      for (const b of [a + 1, a + 7, bytes.length - 1]) {
        if (b <= a || b >= bytes.length) continue;
        const events: SseEvent[] = [];
        const parser = new SseParser({ maxEventBytes: 1024 }, new Budget(1 << 20), (e) => events.push({ ...e, tsNs: 0 }));
        for (const part of [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]) parser.push(part, 1);
        expect(events).toEqual(expected);
      }
    }
  });

  it('gives the same events and times from held bytes in batches of pieces, and after the holder stops', () => {
    const random = rng(7);
    for (const text of [stream, stream.replace('\u00e9t\u00e9', 'ete')]) {
      const bytes = Buffer.from(text, 'utf8');
      for (let round = 0; round < 200; round++) {
        const cuts = [...new Set(randomCuts(random, bytes.length, 12))].sort((a, b) => a - b).concat(bytes.length);
        const copied: SseEvent[] = [];
        const reference = new SseParser({ maxEventBytes: 1024 }, new Budget(1 << 20), (e) => copied.push(e));
        cuts.reduce((from, end, k) => (reference.push(bytes.subarray(from, end), k + 1), end), 0);
        // The same pieces, parsed from the buffer that holds them in random batches; the holder
        // may stop keeping before the end, and the parser then copies what is left.
        const held: SseEvent[] = [];
        const parser = new SseParser({ maxEventBytes: 1024 }, new Budget(1 << 20), (e) => held.push(e));
        const stopAt = random() < 0.5 ? cuts.length : Math.floor(random() * cuts.length);
        let parsed = 0;
        let ends: number[] = [];
        let times: number[] = [];
        cuts.forEach((end, k) => {
          if (k >= stopAt) return parser.push(bytes.subarray(k === 0 ? 0 : cuts[k - 1], end), k + 1);
          ends.push(end);
          times.push(k + 1);
          if (random() < 0.3 || k === stopAt - 1) {
            parser.pushHeld(bytes, parsed, ends, times);
            parsed = end;
            ends = [];
            times = [];
          }
        });
        expect(held).toEqual(copied);
      }
    }
  });

  it('stamps each event with the time of the push that completed it', () => {
    const { events } = parse(['data: a\n', '\ndata: b\n\n', 'data: c', '\n\n']);
    expect(events.map((e) => [e.data, e.tsNs])).toEqual([
      ['a', 2],
      ['b', 2],
      ['c', 4],
    ]);
  });

  it('cuts and counts a line longer than the cap', () => {
    const { events, cut } = parse([`data: ${'x'.repeat(500)}\n\n`], 100);
    expect(cut).toBe(1);
    expect(events[0]!.data.length).toBeLessThanOrEqual(100);
  });

  it('holds a bounded amount for an event that never ends, and gives it back on release', () => {
    const budget = new Budget(1 << 20);
    const parser = new SseParser({ maxEventBytes: 64 }, budget, () => undefined);
    for (let i = 0; i < 10_000; i++) parser.push(Buffer.from(i % 2 ? 'data:\n' : 'data: abcdefgh\ndata'), i);
    expect(budget.used).toBeLessThanOrEqual(2 * 64);
    expect(parser.cut).toBeGreaterThan(0);
    parser.release();
    expect(budget.used).toBe(0);
  });
});

describe('SSE collector', () => {
  const ev = (i: number): SseEvent => ({ data: String(i), tsNs: i });

  it('keeps the first and last events and counts the middle', () => {
    const c = new SseCollector(3, 2, new Budget(1 << 20));
    for (let i = 0; i < 10; i++) c.add(ev(i));
    expect(c.take().map((e) => e.data)).toEqual(['0', '1', '2', '8', '9']);
    expect(c.dropped).toBe(5);
  });

  it('stays within its byte budget and returns it on take', () => {
    const budget = new Budget(100);
    const c = new SseCollector(100, 4, budget);
    for (let i = 0; i < 50; i++) c.add({ data: 'y'.repeat(20), tsNs: i });
    expect(budget.used).toBeLessThanOrEqual(100);
    const kept = c.take();
    expect(kept.length + c.dropped).toBe(50);
    expect(budget.used).toBe(0);
  });
});
