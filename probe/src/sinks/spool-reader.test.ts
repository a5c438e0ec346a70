import { appendFileSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpoolReader } from './spool-reader.js';

let dir: string;
let spool: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-spool-'));
  spool = join(dir, 'events.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const drain = (r: SpoolReader): string[] => {
  const out: string[] = [];
  for (let lines = r.read(); lines.length > 0; lines = r.read()) out.push(...lines.map((l) => l.text));
  return out;
};

describe('SpoolReader', () => {
  it('returns complete lines only and picks up the rest once written', () => {
    writeFileSync(spool, 'a\nb\nc-part');
    const r = new SpoolReader(spool);
    expect(drain(r)).toEqual(['a', 'b']);
    appendFileSync(spool, 'ial\nd\n');
    expect(drain(r)).toEqual(['c-partial', 'd']);
    expect(r.position()?.offset).toBe(16);
  });

  it('follows a rotation that happens while it is reading, by file identity', () => {
    writeFileSync(spool, '1\n2\n');
    const r = new SpoolReader(spool);
    expect(r.read().map((l) => l.text)).toEqual(['1', '2']);
    appendFileSync(spool, '3\n');
    renameSync(spool, `${spool}.1`);
    writeFileSync(spool, '4\n');
    expect(drain(r)).toEqual(['3', '4']);
  });

  it('reads rotated files oldest first from a saved position', () => {
    writeFileSync(`${spool}.2`, 'old1\nold2\n');
    writeFileSync(`${spool}.1`, 'mid\n');
    writeFileSync(spool, 'new\n');
    const first = new SpoolReader(spool);
    const [line] = first.read();
    expect(line!.text).toBe('old1');
    const resumed = new SpoolReader(spool, { start: line!.end });
    expect(drain(resumed)).toEqual(['old2', 'mid', 'new']);
  });

  it('counts a gap and goes on from the oldest file when its file was deleted', () => {
    writeFileSync(`${spool}.1`, 'x\n');
    writeFileSync(spool, 'y\n');
    const r = new SpoolReader(spool);
    r.read(); // x
    unlinkSync(`${spool}.1`);
    renameSync(spool, `${spool}.1`);
    writeFileSync(spool, 'z\n');
    const pos = r.position()!;
    const again = new SpoolReader(spool, { start: { ...pos, file: { ...pos.file, ino: pos.file.ino + 987654 } } });
    expect(drain(again)).toEqual(['y', 'z']);
    expect(again.gaps).toBe(1);
  });

  it('counts lines without building them, and stays caught up', () => {
    writeFileSync(`${spool}.1`, 'a\nb\n');
    writeFileSync(spool, 'c\nd\ne');
    const r = new SpoolReader(spool);
    let n = 0;
    for (let c = r.count(); c > 0; c = r.count()) n += c;
    expect(n).toBe(4);
    expect(r.count()).toBe(0);
  });

  it('skips a line longer than maxLineBytes instead of buffering it', () => {
    writeFileSync(spool, `${'x'.repeat(5000)}\nok\n`);
    const r = new SpoolReader(spool, { chunkBytes: 1024, maxLineBytes: 2048 });
    const lines = drain(r);
    expect(lines.at(-1)).toBe('ok');
    expect(lines.every((l) => l.length < 5000)).toBe(true);
    expect(r.skippedBytes).toBeGreaterThanOrEqual(2048);
  });

  it('starts at the end of the live file when asked', () => {
    writeFileSync(spool, 'history\n');
    const r = new SpoolReader(spool, { start: 'live-end' });
    expect(r.read()).toEqual([]);
    appendFileSync(spool, 'fresh\n');
    expect(drain(r)).toEqual(['fresh']);
  });
});
