// rules.yaml: Kube Sentinel's format exactly (name, match.pattern / namespaces / labels, priority,
// remediation.action / cooldown, enabled) plus Vigil's structured matches on the signal.
import { z } from 'zod';
import { SEVERITIES, SIGNAL_SOURCES } from '../signal.js';
import { ACTION_TYPES } from '../triage/types.js';
import { GO_DURATION } from './duration.js';
import { PRIORITIES } from './priority.js';

/** A single value or a list of them; `kind: crash` and `kind: [crash, oom]` both work. */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);


export const RuleMatch = z
  .object({
    /** Regex over the signal's reason, title, message and evidence lines (Go's `(?i)` prefix is honoured). */
    pattern: z.string().min(1).optional(),
    namespaces: z.array(z.string()).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    kind: oneOrMany(z.string()).optional(),
    /** Regex over the signal's reason. */
    reason: z.string().min(1).optional(),
    severity: oneOrMany(z.enum(SEVERITIES)).optional(),
    source: oneOrMany(z.enum(SIGNAL_SOURCES)).optional(),
    adapter: oneOrMany(z.string()).optional(),
    failure_class: oneOrMany(z.string()).optional(),
  })
  .strict();

export const Rule = z
  .object({
    name: z.string().min(1),
    match: RuleMatch.default({}),
    priority: z.enum(PRIORITIES),
    remediation: z
      .object({
        action: z.enum(ACTION_TYPES).default('none'),
        cooldown: z.string().regex(GO_DURATION, 'a Go duration such as 5m or 1h30m').optional(),
      })
      .optional(),
    enabled: z.boolean().default(true),
    description: z.string().optional(),
  })
  .strict();

export const RulesFile = z.object({
  rules: z.array(Rule).default([]),
  /** Priority when no rule matches. */
  default_priority: z.enum(PRIORITIES).default('P3'),
});

export type RuleSpec = z.output<typeof Rule>;
export type RulesFile = z.output<typeof RulesFile>;
