import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Event, EVENT_KINDS } from '../../../schema/event.js';
import { sampleEvent } from '../../../schema/fixtures/events.js';
import { JsonlSink } from './jsonl.js';
import { listSpoolFiles, readLossLedger, writeCheckpoint } from './spool.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-jsonl-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const readLines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
const ids = (path: string): string[] => readLines(path).map((l) => (JSON.parse(l) as { id: string }).id);

describe('JsonlSink', () => {
  it('writes one complete, schema-valid event per line', async () => {
    const path = join(dir, 'sub', 'events.jsonl');
    const sink = new JsonlSink({ path });
    for (let i = 0; i < 50; i++) sink.write(sampleEvent(i));
    await sink.close();
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = readLines(path);
    expect(lines).toHaveLength(50);
    lines.forEach((l, i) => expect(Event.parse(JSON.parse(l))).toEqual(sampleEvent(i)));
    expect(sink.stats()).toMatchObject({ written: 50, dropped: 0, buffered: 0 });
  });

  it('buffers until a flush, and flushes on its own interval', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = new JsonlSink({ path, flushIntervalMs: 30 });
    sink.write(sampleEvent(0));
    expect(readFileSync(path, 'utf8')).toBe('');
    expect(sink.stats().buffered).toBe(1);
    await new Promise((r) => setTimeout(r, 120));
    expect(ids(path)).toEqual(['evt-00000000']);
    sink.write(sampleEvent(1));
    await sink.flush();
    expect(ids(path)).toEqual(['evt-00000000', 'evt-00000001']);
    await sink.close();
  });

  it('rotates by size without splitting lines and keeps maxFiles rotated files', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = new JsonlSink({ path, maxBytes: 4096, maxFiles: 3 });
    for (let i = 0; i < 200; i++) {
      sink.write(sampleEvent(i));
      if (i % 10 === 9) await sink.flush();
    }
    await sink.close();
    const files = listSpoolFiles(path);
    expect(files.map((f) => f.path)).toEqual([`${path}.3`, `${path}.2`, `${path}.1`, path]);
    for (const f of files) {
      expect(f.size).toBeLessThanOrEqual(4096);
      expect(readFileSync(f.path, 'utf8').endsWith('\n')).toBe(true);
    }
    // Oldest to newest, the kept files hold the newest events, contiguous and in order.
    const kept = files.flatMap((f) => ids(f.path));
    const last = Number(kept.at(-1)!.slice(4));
    expect(last).toBe(199);
    expect(kept).toEqual(kept.map((_, i) => `evt-${String(last - kept.length + 1 + i).padStart(8, '0')}`));
    expect(existsSync(`${path}.4`)).toBe(false);
    expect(sink.stats().rotations).toBeGreaterThan(3);
    // No publisher follows this spool: deleting old files is plain retention, not loss.
    expect(sink.stats().spoolLost).toBe(0);
  });

  it('cuts away a torn last line on start and appends after the last whole line', async () => {
    const path = join(dir, 'events.jsonl');
    const whole = `${JSON.stringify(sampleEvent(0))}\n`;
    writeFileSync(path, whole + JSON.stringify(sampleEvent(1)).slice(0, 57));
    const sink = new JsonlSink({ path });
    expect(sink.stats().tornBytesRepaired).toBe(57);
    expect(readFileSync(path, 'utf8')).toBe(whole);
    sink.write(sampleEvent(2));
    await sink.close();
    expect(ids(path)).toEqual(['evt-00000000', 'evt-00000002']);
  });

  it('repairs a file holding only a torn line', async () => {
    const path = join(dir, 'events.jsonl');
    writeFileSync(path, '{"id":"half');
    const sink = new JsonlSink({ path });
    await sink.close();
    expect(readFileSync(path, 'utf8')).toBe('');
    expect(sink.stats().tornBytesRepaired).toBe(11);
  });

  it('counts events dropped when the buffer is full instead of growing', async () => {
    const path = join(dir, 'events.jsonl');
    const one = Buffer.byteLength(`${JSON.stringify(sampleEvent(0))}\n`);
    const sink = new JsonlSink({ path, maxBufferedBytes: one * 3 + 10, flushIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) sink.write(sampleEvent(i * EVENT_KINDS.length)); // same kind, same size
    expect(sink.stats()).toMatchObject({ buffered: 3, dropped: 7 });
    await sink.close();
    expect(readLines(path)).toHaveLength(3);
    sink.write(sampleEvent(1));
    expect(sink.stats().dropped).toBe(8);
  });

  it('records events deleted by rotation before a publisher acknowledged them', async () => {
    const path = join(dir, 'events.jsonl');
    appendFileSync(path, '');
    // A publisher that has acknowledged nothing of the current file.
    const [live] = listSpoolFiles(path);
    writeCheckpoint(path, { file: live!.id, offset: 0, lostSeen: 0 });
    const sink = new JsonlSink({ path, maxBytes: 2048, maxFiles: 1 });
    let n = 0;
    while (sink.stats().rotations < 3) {
      sink.write(sampleEvent(n++));
      await sink.flush();
    }
    await sink.close();
    // Rotation 2 deleted the checkpointed file; rotation 3 deleted the next one, also unread.
    const remaining = listSpoolFiles(path).flatMap((f) => ids(f.path)).length;
    expect(sink.stats().spoolLost).toBe(n - remaining);
    expect(readLossLedger(path)).toBe(n - remaining);
  });

  it('keeps lines a failing disk refused, in order ahead of newer ones, and writes them once it recovers', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = new JsonlSink({ path, flushIntervalMs: 60_000 });
    for (let i = 0; i < 3; i++) sink.write(sampleEvent(i));
    // Swap in a descriptor whose every write fails (ENOSPC), then back.
    const s = sink as unknown as { fd: number };
    const real = s.fd;
    s.fd = openSync('/dev/full', 'w');
    await sink.flush();
    expect(sink.stats()).toMatchObject({ written: 0, buffered: 3, writeErrors: 1 });
    expect(readFileSync(path, 'utf8')).toBe('');
    for (let i = 3; i < 5; i++) sink.write(sampleEvent(i));
    closeSync(s.fd);
    s.fd = real;
    await sink.close();
    expect(ids(path)).toEqual([0, 1, 2, 3, 4].map((i) => sampleEvent(i).id));
    expect(sink.stats()).toMatchObject({ written: 5, dropped: 0 });
  });

  it('encodes non-ASCII text as UTF-8', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = new JsonlSink({ path });
    const e = { ...sampleEvent(0), node: 'nœud-…-节点' };
    sink.write(e);
    await sink.close();
    expect(JSON.parse(readLines(path)[0]!)).toEqual(e);
    expect(sink.stats().bytesWritten).toBe(Buffer.byteLength(`${JSON.stringify(e)}\n`));
  });
});
