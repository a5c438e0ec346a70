// The offline analyzer: every knowledge module looks at the facts; the most confident finding
// wins. Deterministic and local, so it is the default triage and the LLM's fallback.
import { extractFacts } from './facts.js';
import type { AnalysisInput } from './input.js';
import { aiProviderModule } from './kb/ai-provider.js';
import { configMissingModule } from './kb/config-missing.js';
import { crashLoopModule } from './kb/crashloop.js';
import { evictionModule } from './kb/eviction.js';
import { imagePullModule } from './kb/image-pull.js';
import { jobModule } from './kb/job.js';
import type { Finding, KnowledgeModule } from './kb/module.js';
import { where } from './kb/module.js';
import { networkModule } from './kb/network.js';
import { oomModule } from './kb/oom.js';
import { probesModule } from './kb/probes.js';
import { rolloutModule } from './kb/rollout.js';
import { unschedulableModule } from './kb/unschedulable.js';
import type { Analysis } from './types.js';

export const KNOWLEDGE_BASE: readonly KnowledgeModule[] = [
  oomModule,
  probesModule,
  crashLoopModule,
  imagePullModule,
  configMissingModule,
  unschedulableModule,
  evictionModule,
  jobModule,
  rolloutModule,
  networkModule,
  aiProviderModule,
];

function unknownFinding(input: AnalysisInput, lines: string[]): Finding {
  return {
    failure_class: input.failureClass ?? 'unknown',
    summary: `${where({ input })}: ${input.reason ?? 'failure'} (no known pattern matched)`,
    root_cause: 'The offline knowledge base has no pattern for these signals.',
    recommendation: 'Inspect the events and logs below; consider enabling LLM triage for unfamiliar failures.',
    evidence: lines.slice(-5),
    action: null,
    confidence: 0.2,
  };
}

export function analyzeOffline(input: AnalysisInput, modules: readonly KnowledgeModule[] = KNOWLEDGE_BASE): Analysis {
  const facts = extractFacts(input);
  let best: Finding | null = null;
  for (const m of modules) {
    const finding = m.analyze(facts);
    if (finding && (!best || finding.confidence > best.confidence)) best = finding;
  }
  const f = best ?? unknownFinding(input, facts.lines);
  return { ...f, decision: 'alert', reason: f.root_cause, source: 'offline' };
}
