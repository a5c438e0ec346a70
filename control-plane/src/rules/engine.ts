// Compiled rules: first enabled match wins, else the default priority.
import { parse as parseYaml } from 'yaml';
import type { Signal } from '../signal.js';
import type { IncidentKey } from '../correlate/types.js';
import type { RuleVerdict } from './priority.js';
import { RulesFile, type RuleSpec } from './schema.js';

/** A rule that cannot be used, named by rule and field so the author can find it. */
export class RuleError extends Error {
  constructor(
    readonly rule: string,
    readonly field: string,
    detail: string,
  ) {
    super(`rule "${rule}", field ${field}: ${detail}`);
    this.name = 'RuleError';
  }
}

type Predicate = (signal: Signal, key?: IncidentKey) => boolean;

interface CompiledRule {
  spec: RuleSpec;
  predicates: Predicate[];
}

/** Go's RE2 accepts a leading `(?i)`; JavaScript (Node 20) wants a flag instead. */
export function compileRegex(source: string, rule: string, field: string): RegExp {
  const insensitive = source.startsWith('(?i)');
  try {
    return new RegExp(insensitive ? source.slice(4) : source, insensitive ? 'i' : '');
  } catch (err) {
    throw new RuleError(rule, field, (err as Error).message);
  }
}

function compile(spec: RuleSpec): CompiledRule {
  const m = spec.match;
  const p: Predicate[] = [];
  if (m.pattern !== undefined) {
    const re = compileRegex(m.pattern, spec.name, 'match.pattern');
    p.push((s) => re.test([s.reason ?? '', s.title, s.message, ...s.evidence].join('\n')));
  }
  if (m.reason !== undefined) {
    const re = compileRegex(m.reason, spec.name, 'match.reason');
    p.push((s) => re.test(s.reason ?? ''));
  }
  if (m.namespaces) {
    const ns = new Set(m.namespaces);
    p.push((s) => ns.has(s.resource.namespace ?? ''));
  }
  if (m.labels) {
    const want = Object.entries(m.labels);
    p.push((s) => want.every(([k, v]) => s.labels[k] === v));
  }
  const inList = (list: string[] | undefined, pick: (s: Signal, key?: IncidentKey) => string | undefined) => {
    if (list) p.push((s, key) => list.includes(pick(s, key) ?? ''));
  };
  inList(m.kind, (s) => s.kind);
  inList(m.severity, (s) => s.severity);
  inList(m.source, (s) => s.source);
  inList(m.adapter, (s) => s.adapter);
  inList(m.failure_class, (_s, key) => key?.failureClass);
  return { spec, predicates: p };
}

export class RuleSet {
  private readonly compiled: CompiledRule[];

  constructor(readonly file: RulesFile) {
    this.compiled = file.rules.filter((r) => r.enabled).map(compile);
  }

  get size(): number {
    return this.compiled.length;
  }

  evaluate(signal: Signal, key?: IncidentKey): RuleVerdict {
    for (const { spec, predicates } of this.compiled) {
      if (predicates.every((pred) => pred(signal, key))) {
        return { priority: spec.priority, rule: spec.name, remediation: spec.remediation };
      }
    }
    return { priority: this.file.default_priority };
  }
}

/** Parses and compiles a rules.yaml text; throws RuleError naming the rule and field at fault. */
export function parseRules(text: string): RuleSet {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new RuleError('(file)', 'yaml', (err as Error).message);
  }
  const parsed = RulesFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [top, index, ...rest] = issue.path;
    let rule = '(file)';
    let field = issue.path.join('.');
    if (top === 'rules' && typeof index === 'number') {
      const name = (raw as { rules?: { name?: unknown }[] }).rules?.[index]?.name;
      rule = typeof name === 'string' ? name : `#${index + 1}`;
      field = rest.join('.') || '(rule)';
    }
    throw new RuleError(rule, field, issue.message);
  }
  const names = new Set<string>();
  for (const r of parsed.data.rules) {
    if (names.has(r.name)) throw new RuleError(r.name, 'name', 'duplicate rule name');
    names.add(r.name);
  }
  return new RuleSet(parsed.data);
}
