import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Signal, type SignalInput } from '../signal.js';
import { parseRules, RuleError } from './engine.js';
import { RulesWatcher } from './watcher.js';

// Kube Sentinel's README example, verbatim in structure.
const KUBE_SENTINEL = `
rules:
  - name: crashloop-backoff
    match:
      pattern: "CrashLoopBackOff|Back-off restarting failed container"
    priority: P1
    remediation:
      action: restart-pod
      cooldown: 5m
    enabled: true

  - name: oom-killed
    match:
      pattern: "OOMKilled|Out of memory"
    priority: P1
    remediation:
      action: none  # Alert only, can't auto-fix
      cooldown: 10m
    enabled: true

  - name: image-pull-error
    match:
      pattern: "ImagePullBackOff|ErrImagePull"
    priority: P2
    remediation:
      action: none
      cooldown: 5m
    enabled: true
`;

const sig = (over: Partial<SignalInput>) =>
  Signal.parse({ id: 'x', source: 'kubernetes', adapter: 'pod-watch', kind: 'k8s', time: '2026-11-27T10:00:00Z', title: '', ...over });

describe('Kube Sentinel rules', () => {
  const rules = parseRules(KUBE_SENTINEL);
  it.each<[Partial<SignalInput>, string, string | undefined, string | undefined]>([
    [{ reason: 'CrashLoopBackOff' }, 'P1', 'crashloop-backoff', 'restart-pod'],
    [{ title: 'Back-off restarting failed container api in pod api-0' }, 'P1', 'crashloop-backoff', 'restart-pod'],
    [{ message: 'Out of memory: Killed process 4242 (java)' }, 'P1', 'oom-killed', 'none'],
    [{ evidence: ['Warning Failed ErrImagePull'] }, 'P2', 'image-pull-error', 'none'],
    [{ reason: 'FailedScheduling' }, 'P3', undefined, undefined],
  ])('%o → %s', (over, priority, rule, action) => {
    const v = rules.evaluate(sig(over));
    expect(v.priority).toBe(priority);
    expect(v.rule).toBe(rule);
    expect(v.remediation?.action).toBe(action);
  });

  it('keeps the cooldown as written', () => {
    expect(rules.evaluate(sig({ reason: 'OOMKilled' })).remediation).toEqual({ action: 'none', cooldown: '10m' });
  });
});

describe('structured matches and ordering', () => {
  const rules = parseRules(`
default_priority: P4
rules:
  - name: disabled
    match: { pattern: "." }
    priority: P1
    enabled: false
  - name: payments-crash
    match:
      pattern: "(?i)crashloop"
      namespaces: [payments]
      labels: { tier: backend }
    priority: P1
  - name: sensor-oom
    match: { kind: [oom_kill, oom], source: sensor }
    priority: P1
  - name: grafana-critical
    match: { adapter: grafana, severity: critical }
    priority: P2
  - name: ai-auth
    match: { failure_class: ai-auth, reason: "^40[13]$" }
    priority: P2
  - name: any-crash
    match: { pattern: "crashloop" }
    priority: P3
`);
  const key = (failureClass: 'ai-auth' | 'crash') => ({ cluster: '', namespace: '', workload: '', container: '', failureClass, detail: '' });

  it.each([
    ['namespace and labels both match', sig({ reason: 'CrashLoopBackOff', resource: { namespace: 'payments' }, labels: { tier: 'backend' } }), 'payments-crash'],
    ['(?i) makes the pattern case-insensitive; wrong label falls through', sig({ reason: 'CrashLoopBackOff', resource: { namespace: 'payments' }, labels: { tier: 'web' } }), undefined],
    ['case-sensitive pattern without (?i)', sig({ title: 'pod in crashloop', resource: { namespace: 'other' } }), 'any-crash'],
    ['kind list and source', sig({ kind: 'oom_kill', source: 'sensor' }), 'sensor-oom'],
    ['adapter and severity', sig({ source: 'webhook', adapter: 'grafana', severity: 'critical' }), 'grafana-critical'],
    ['severity mismatch', sig({ source: 'webhook', adapter: 'grafana', severity: 'warning' }), undefined],
  ])('%s', (_name, signal, rule) => {
    expect(rules.evaluate(signal).rule).toBe(rule);
  });

  it('matches the failure class the correlator computed', () => {
    expect(rules.evaluate(sig({ reason: '401' }), key('ai-auth')).rule).toBe('ai-auth');
    expect(rules.evaluate(sig({ reason: '401' }), key('crash')).rule).toBeUndefined();
  });

  it('applies the default priority when nothing matches', () => {
    expect(rules.evaluate(sig({})).priority).toBe('P4');
  });
});

describe('bad rules are reported with rule name and field', () => {
  it.each([
    ['rules:\n  - name: bad-re\n    match: { pattern: "(" }\n    priority: P1\n', 'bad-re', 'match.pattern'],
    ['rules:\n  - name: bad-prio\n    priority: P9\n', 'bad-prio', 'priority'],
    ['rules:\n  - name: bad-action\n    priority: P1\n    remediation: { action: reboot-node }\n', 'bad-action', 'remediation.action'],
    ['rules:\n  - name: bad-cooldown\n    priority: P1\n    remediation: { action: none, cooldown: soon }\n', 'bad-cooldown', 'remediation.cooldown'],
    ['rules:\n  - name: typo\n    match: { namespace: [a] }\n    priority: P1\n', 'typo', 'match'],
    ['rules:\n  - priority: P1\n', '#1', 'name'],
    ['rules:\n  - name: a\n    priority: P1\n  - name: a\n    priority: P2\n', 'a', 'name'],
    ['rules: [\n', '(file)', 'yaml'],
  ])('%#', (text, rule, field) => {
    try {
      parseRules(text);
      expect.unreachable('should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(RuleError);
      expect((err as RuleError).rule).toBe(rule);
      expect((err as RuleError).field).toBe(field);
      expect((err as RuleError).message).toContain(rule);
    }
  });
});

describe('the shipped default rules', () => {
  it('parse and prioritise the main failure classes', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const rules = parseRules(await readFile(join(here, '../../rules.default.yaml'), 'utf8'));
    const k = (failureClass: 'crash' | 'ai-auth' | 'ai-spike') => ({ cluster: '', namespace: '', workload: '', container: '', failureClass, detail: '' });
    expect(rules.evaluate(sig({ reason: 'OOMKilled' }), k('crash')).rule).toBe('oom-killed');
    expect(rules.evaluate(sig({ kind: 'exit' }), k('crash')).priority).toBe('P2');
    expect(rules.evaluate(sig({ kind: 'ai_call' }), k('ai-auth')).priority).toBe('P1');
    expect(rules.evaluate(sig({ kind: 'ai_call' }), k('ai-spike')).priority).toBe('P3');
  });
});

describe('RulesWatcher', () => {
  let dir = '';
  afterEach(async () => dir && rm(dir, { recursive: true, force: true }));

  it('hot-reloads on change, keeps the previous rules when the new file is bad, and reloads on demand', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-rules-'));
    const path = join(dir, 'rules.yaml');
    await writeFile(path, 'rules:\n  - name: one\n    match: { pattern: boom }\n    priority: P1\n');
    const w = await RulesWatcher.open(path, 20);
    const reloads: boolean[] = [];
    w.start((r) => reloads.push(r.ok));
    try {
      expect(w.current().evaluate(sig({ title: 'boom' })).rule).toBe('one');
      await writeFile(path, 'rules:\n  - name: two\n    match: { pattern: boom }\n    priority: P2\n');
      await expect.poll(() => w.current().evaluate(sig({ title: 'boom' })).rule, { timeout: 3000 }).toBe('two');
      await writeFile(path, 'rules:\n  - name: broken\n    match: { pattern: "[" }\n    priority: P1\n');
      await expect.poll(() => w.lastError?.rule, { timeout: 3000 }).toBe('broken');
      expect(w.current().evaluate(sig({ title: 'boom' })).rule).toBe('two');
      expect(reloads).toContain(false);
      await writeFile(path, 'rules:\n  - name: three\n    match: { pattern: boom }\n    priority: P3\n');
      const r = await w.reload();
      expect(r.ok).toBe(true);
      expect(w.current().evaluate(sig({ title: 'boom' })).priority).toBe('P3');
    } finally {
      w.close();
    }
  });
});
