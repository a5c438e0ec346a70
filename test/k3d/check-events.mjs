#!/usr/bin/env node
// Checks a sensor's events.jsonl against expectations (kinds with minimum counts and field
// matchers) and the event JSON Schema (expected-events.json). Like Tetragon's event checker it
// tells "not arrived yet" from "wrong": an invalid line or a forbidden string fails at once,
// missing events are waited for (the source is read again) until the timeout.
//
//   node test/k3d/check-events.mjs --schema expected-events.json --expectations test/k3d/expectations.json \
//        (--file events.jsonl | --command 'kubectl exec ... -- cat /output/events.jsonl') [--timeout 240] [--interval 5]
//
// Exit codes: 0 all expectations met; 1 wrong (invalid line, forbidden content, bad input);
// 2 timed out waiting (the report says which expectations fell short and what was seen).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** The value at a dotted path ("ai_call.http.status_code"), or undefined. */
export function getPath(obj, path) {
  let node = obj;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[key];
  }
  return node;
}

/**
 * One matcher against one value: a plain value must be equal; an object names an operator:
 * {"regex": "^ai-test-app-"}, {"gte": 1}, {"lte": 10}, {"exists": true|false}, {"oneOf": [..]}.
 */
export function matchValue(value, matcher) {
  if (matcher === null || typeof matcher !== 'object' || Array.isArray(matcher)) return value === matcher;
  const ops = Object.entries(matcher);
  if (ops.length === 0) throw new Error('empty matcher object');
  return ops.every(([op, arg]) => {
    switch (op) {
      case 'regex':
        return typeof value === 'string' && new RegExp(arg).test(value);
      case 'gte':
        return typeof value === 'number' && value >= arg;
      case 'lte':
        return typeof value === 'number' && value <= arg;
      case 'exists':
        return (value !== undefined) === arg;
      case 'oneOf':
        return Array.isArray(arg) && arg.includes(value);
      default:
        throw new Error(`unknown matcher operator "${op}"`);
    }
  });
}

export function matchesEvent(event, expectation) {
  if (expectation.kind && event.kind !== expectation.kind) return false;
  return Object.entries(expectation.match ?? {}).every(([path, m]) => matchValue(getPath(event, path), m));
}

/** Validates the expectations file itself, so a typo is "wrong", never "waiting forever". */
export function loadExpectations(raw) {
  if (!raw || !Array.isArray(raw.expect) || raw.expect.length === 0) throw new Error('expectations: "expect" must be a non-empty array');
  for (const [i, e] of raw.expect.entries()) {
    if (typeof e.name !== 'string' || !e.name) throw new Error(`expectations: expect[${i}] needs a name`);
    if (!Number.isInteger(e.min) || e.min < 1) throw new Error(`expectations: "${e.name}": min must be a positive integer`);
    for (const m of Object.values(e.match ?? {})) matchValue(undefined, m); // throws on unknown operators
  }
  for (const f of raw.forbid ?? []) {
    if (typeof f.contains !== 'string' || !f.contains) throw new Error('expectations: every forbid entry needs "contains"');
  }
  return { expect: raw.expect, forbid: raw.forbid ?? [], timeout_s: raw.timeout_s ?? 240 };
}

export function schemaValidator(schema) {
  const ajv = new Ajv2020({ allErrors: false, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (event) => (validate(event) ? undefined : ajv.errorsText(validate.errors, { dataVar: 'event' }));
}

/**
 * Checks one snapshot of the JSONL text. A last line without its newline is still being
 * written: it is left for the next read, not judged.
 * @returns {{ status: 'ok' | 'pending' | 'wrong', problems: string[], counts: Record<string, number>, kinds: Record<string, number>, lines: number }}
 */
export function checkSnapshot(text, expectations, validate) {
  const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  const problems = [];
  const counts = Object.fromEntries(expectations.expect.map((e) => [e.name, 0]));
  const kinds = {};
  let lines = 0;
  complete.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    lines++;
    for (const f of expectations.forbid) {
      if (line.includes(f.contains)) problems.push(`line ${i + 1}: forbidden content (${f.name ?? f.contains})`);
    }
    let event;
    try {
      event = JSON.parse(line);
    } catch (err) {
      problems.push(`line ${i + 1}: not JSON: ${err.message}`);
      return;
    }
    const invalid = validate(event);
    if (invalid) problems.push(`line ${i + 1}: does not match the event schema: ${invalid}`);
    kinds[event.kind] = (kinds[event.kind] ?? 0) + 1;
    for (const e of expectations.expect) if (matchesEvent(event, e)) counts[e.name]++;
  });
  if (problems.length) return { status: 'wrong', problems, counts, kinds, lines };
  const short = expectations.expect.filter((e) => counts[e.name] < e.min);
  return {
    status: short.length ? 'pending' : 'ok',
    problems: short.map((e) => `${e.name}: ${counts[e.name]} of at least ${e.min}`),
    counts,
    kinds,
    lines,
  };
}

/** Reads the source again every interval until ok, wrong, or the deadline. */
export async function waitForEvents({ read, expectations, validate, timeoutMs, intervalMs, log = () => {} }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    let text;
    try {
      text = read();
    } catch (err) {
      // The pod may be restarting or the file not created yet: that is "not arrived".
      last = { status: 'pending', problems: [`source not readable yet: ${err.message.split('\n')[0]}`], counts: {}, kinds: {}, lines: 0 };
    }
    if (text !== undefined) last = checkSnapshot(text, expectations, validate);
    if (last.status !== 'pending') return last;
    if (Date.now() >= deadline) return { ...last, status: 'timeout' };
    log(`waiting: ${last.lines} lines, ${last.problems.join('; ')}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      schema: { type: 'string' },
      expectations: { type: 'string' },
      file: { type: 'string' },
      command: { type: 'string' },
      timeout: { type: 'string' },
      interval: { type: 'string', default: '5' },
    },
  });
  if (!values.schema || !values.expectations || (!values.file) === (!values.command)) {
    throw new Error('usage: check-events.mjs --schema FILE --expectations FILE (--file JSONL | --command CMD) [--timeout S] [--interval S]');
  }
  const expectations = loadExpectations(JSON.parse(readFileSync(values.expectations, 'utf8')));
  const validate = schemaValidator(JSON.parse(readFileSync(values.schema, 'utf8')));
  const read = values.file
    ? () => readFileSync(values.file, 'utf8')
    : () => execFileSync('sh', ['-c', values.command], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  const timeoutMs = Number(values.timeout ?? expectations.timeout_s) * 1000;
  const result = await waitForEvents({ read, expectations, validate, timeoutMs, intervalMs: Number(values.interval) * 1000, log: (m) => console.error(`check-events: ${m}`) });
  const seen = Object.entries(result.kinds).map(([k, n]) => `${k}=${n}`).join(' ') || 'none';
  if (result.status === 'ok') {
    console.log(`check-events: ok: ${result.lines} events (${seen}); ${Object.entries(result.counts).map(([k, n]) => `${k}: ${n}`).join('; ')}`);
    return 0;
  }
  const what = result.status === 'wrong' ? 'WRONG' : 'TIMED OUT waiting';
  console.error(`check-events: ${what}: ${result.lines} events seen (${seen})`);
  for (const p of result.problems.slice(0, 20)) console.error(`  - ${p}`);
  return result.status === 'wrong' ? 1 : 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(`check-events: ${err.message}`);
      process.exit(1);
    },
  );
}
