// Conformance: the rules block of Kube Sentinel's README (seed 004) parses and behaves as documented.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Signal } from '../signal.js';
import { parseRules } from './engine.js';

const seeds = resolve(import.meta.dirname, '../../../../shared/seeds');
const file = existsSync(seeds) ? readdirSync(seeds).find((f) => f.startsWith('004_')) : undefined;
if (!file) {
  if (process.env.CI === 'true') throw new Error(`conformance seed 004 missing under ${seeds}`);
  console.warn(`SKIPPING Kube Sentinel conformance: no 004_* seed under ${seeds}`);
}

describe.runIf(file)('conformance: Kube Sentinel rules.yaml from seed 004', () => {
  const text = file ? readFileSync(join(seeds, file), 'utf8') : '';
  const block = /### rules\.yaml\s+```yaml\n([\s\S]*?)```/.exec(text)?.[1] ?? '';

  it('finds the rules block and parses every rule', () => {
    const rules = parseRules(block);
    expect(rules.size).toBe((block.match(/- name:/g) ?? []).length);
    expect(rules.size).toBeGreaterThan(0);
  });

  it('prioritises the documented failures', () => {
    const rules = parseRules(block);
    const s = (reason: string) => Signal.parse({ id: reason, source: 'loki', adapter: 'loki', kind: 'log', time: '2026-11-27T10:00:00Z', title: reason });
    expect(rules.evaluate(s('CrashLoopBackOff')).priority).toBe('P1');
    expect(rules.evaluate(s('OOMKilled')).priority).toBe('P1');
    expect(rules.evaluate(s('ImagePullBackOff')).priority).toBe('P2');
  });
});
