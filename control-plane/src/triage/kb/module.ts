// One failure class of the offline analyzer's knowledge base: matchers over the facts that
// produce a finding, or null when the class does not apply.
import type { Facts } from '../facts.js';
import type { ProposedAction } from '../types.js';

export interface Finding {
  failure_class: string;
  summary: string;
  root_cause: string;
  recommendation: string;
  evidence: string[];
  action: ProposedAction | null;
  confidence: number;
}

export interface KnowledgeModule {
  name: string;
  analyze(facts: Facts): Finding | null;
}

export function where(f: Pick<Facts, 'input'>): string {
  const r = f.input.resource;
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}${r.container ? ` (container ${r.container})` : ''}`;
}
