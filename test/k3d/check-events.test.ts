// The k3d harness's event checker on sample JSONL: "not arrived yet" waits, "wrong" fails at
// once, and every line is held to the event JSON Schema (expected-events.json).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSnapshot, loadExpectations, matchValue, schemaValidator, waitForEvents } from './check-events.mjs';

const here = (rel: string) => new URL(rel, import.meta.url);
const SCRIPT = here('./check-events.mjs').pathname;
const SCHEMA_FILE = here('../../expected-events.json').pathname;
const EXPECTATIONS_FILE = here('./expectations.json').pathname;
const COMPLETE = readFileSync(here('./fixtures/events-complete.jsonl'), 'utf8');
const expectations = loadExpectations(JSON.parse(readFileSync(EXPECTATIONS_FILE, 'utf8')));
const validate = schemaValidator(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));

const lines = COMPLETE.trimEnd().split('\n');
const without = (kind: string) => lines.filter((l) => JSON.parse(l).kind !== kind).join('\n') + '\n';
const withLine = (line: string) => COMPLETE + line + '\n';

describe('checkSnapshot', () => {
  it('accepts the complete sample and counts every expectation', () => {
    const r = checkSnapshot(COMPLETE, expectations, validate);
    expect(r.status, r.problems.join('\n')).toBe('ok');
    expect(r.lines).toBe(12);
    expect(r.counts['rejected calls (wrong key) from ai-test-app']).toBe(3);
    expect(r.kinds).toEqual({ ai_call: 9, process_exit: 1, signal: 1, oom_kill: 1 });
  });

  it('a missing kind is "not arrived yet", naming what fell short', () => {
    const r = checkSnapshot(without('oom_kill'), expectations, validate);
    expect(r.status).toBe('pending');
    expect(r.problems).toEqual(['crasher-oom is OOM-killed: 0 of at least 1']);
  });

  it('too few matching events is pending, not wrong: an exit with another code does not count', () => {
    const exit = lines.find((l) => l.includes('"process_exit"'))!;
    const text = without('process_exit') + exit.replace('"exit_code":3', '"exit_code":1') + '\n';
    const r = checkSnapshot(text, expectations, validate);
    expect(r.status).toBe('pending');
    expect(r.problems.join()).toMatch(/crasher-exit exits with status 3: 0 of at least 1/);
  });

  it.each([
    ['a secret in clear', lines[0]!.replace('Bearer [REDACTED]', 'Bearer sk-vigil-demo-4f1b9c2d7e6a5b3c8d9e0f1a2b3c4d5e'), /forbidden content \(the demo API key in clear\)/],
    ['a line that is not JSON', '{"id":"x","kind":"ai_call",', /line 13: not JSON/],
    ['an event without its node', JSON.stringify({ ...JSON.parse(lines[9]!), node: undefined }), /line 13: does not match the event schema/],
    ['an unknown kind', JSON.stringify({ ...JSON.parse(lines[9]!), kind: 'teleport' }), /does not match the event schema/],
    ['a non-ISO time', JSON.stringify({ ...JSON.parse(lines[9]!), time: 'yesterday' }), /does not match the event schema/],
  ])('%s is wrong at once, even when every expectation is met', (_name, line, problem) => {
    const r = checkSnapshot(withLine(line), expectations, validate);
    expect(r.status).toBe('wrong');
    expect(r.problems.join('\n')).toMatch(problem);
  });

  it('a last line still being written is left for the next read, not judged', () => {
    const r = checkSnapshot(without('oom_kill') + lines.at(-1)!.slice(0, 40), expectations, validate);
    expect(r.status).toBe('pending');
    expect(r.lines).toBe(11);
  });
});

describe('matchers and the expectations file', () => {
  it.each([
    ['ai-test-app-abc', { regex: '^ai-test-app-' }, true],
    ['crasher-oom-abc', { regex: '^ai-test-app-' }, false],
    [37, { gte: 1 }, true],
    [0, { gte: 1 }, false],
    ['37', { gte: 1 }, false],
    [undefined, { exists: false }, true],
    [undefined, { exists: true }, false],
    [401, { oneOf: [401, 403] }, true],
    [200, 200, true],
    ['200', 200, false],
  ])('%j against %j is %s', (value, matcher, expected) => {
    expect(matchValue(value, matcher)).toBe(expected);
  });

  it('rejects an unknown operator or a zero minimum up front, instead of waiting forever', () => {
    expect(() => loadExpectations({ expect: [{ name: 'x', min: 1, match: { a: { regexp: 'y' } } }] })).toThrow(/unknown matcher operator "regexp"/);
    expect(() => loadExpectations({ expect: [{ name: 'x', min: 0 }] })).toThrow(/min must be a positive integer/);
    expect(() => loadExpectations({ expect: [] })).toThrow(/non-empty/);
  });
});

describe('waitForEvents', () => {
  it('reads again until the events arrive: missing file, then partial, then complete', async () => {
    const reads = [() => { throw new Error('cat: /output/events.jsonl: No such file or directory'); }, () => without('oom_kill'), () => COMPLETE];
    let n = 0;
    const log: string[] = [];
    const r = await waitForEvents({ read: () => reads[Math.min(n++, 2)]!(), expectations, validate, timeoutMs: 10_000, intervalMs: 1, log: (m) => log.push(m) });
    expect(r.status).toBe('ok');
    expect(n).toBe(3);
    expect(log[0]).toMatch(/source not readable yet: cat: \/output\/events.jsonl/);
    expect(log[1]).toMatch(/crasher-oom is OOM-killed: 0 of at least 1/);
  });

  it('stops at the first wrong read without waiting for the timeout', async () => {
    let n = 0;
    const started = Date.now();
    const r = await waitForEvents({ read: () => (n++, withLine('not json')), expectations, validate, timeoutMs: 60_000, intervalMs: 1_000 });
    expect(r.status).toBe('wrong');
    expect(n).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('times out when the events never arrive, reporting what is short', async () => {
    const r = await waitForEvents({ read: () => without('signal'), expectations, validate, timeoutMs: 30, intervalMs: 5 });
    expect(r.status).toBe('timeout');
    expect(r.problems).toEqual(['crasher-segv dies of SIGSEGV: 0 of at least 1']);
  });
});

describe('check-events.mjs command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-check-events-'));
  const run = (file: string) => {
    try {
      const out = execFileSync('node', [SCRIPT, '--schema', SCHEMA_FILE, '--expectations', EXPECTATIONS_FILE, '--file', file, '--timeout', '0'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { code: 0, out };
    } catch (err) {
      const e = err as { status: number; stderr: string };
      return { code: e.status, out: e.stderr };
    }
  };

  it('exits 0 on the complete sample, 2 when events are missing, 1 when a line is wrong', { timeout: 90_000 }, () => {
    const missing = join(dir, 'missing.jsonl');
    const wrong = join(dir, 'wrong.jsonl');
    writeFileSync(missing, without('process_exit'));
    writeFileSync(wrong, withLine('{"kind":'));
    expect(run(here('./fixtures/events-complete.jsonl').pathname)).toMatchObject({ code: 0, out: expect.stringMatching(/^check-events: ok: 12 events/) });
    const m = run(missing);
    expect(m.code).toBe(2);
    expect(m.out).toMatch(/TIMED OUT waiting[\s\S]*crasher-exit exits with status 3: 0 of at least 1/);
    const w = run(wrong);
    expect(w.code).toBe(1);
    expect(w.out).toMatch(/WRONG[\s\S]*line 13: not JSON/);
  });
});
