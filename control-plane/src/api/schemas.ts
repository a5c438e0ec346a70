// Response shapes of the API, for /openapi.json (requests are validated by each route's own
// schemas). Loose where they mirror a type owned elsewhere, so new fields there do not break them.
import { z } from 'zod';
import { APPROVAL_STATES } from '../store/state-store.js';
import { ACTOR_TYPES, OUTCOMES } from '../audit/types.js';
import { INCIDENT_STATES } from '../correlate/types.js';
import { PRIORITIES } from '../rules/priority.js';

export const ErrorBody = z.object({
  statusCode: z.number().int(),
  code: z.string(),
  error: z.string(),
  message: z.string(),
});

export const Analysis = z.looseObject({
  source: z.string(),
  summary: z.string(),
  root_cause: z.string(),
  recommendation: z.string(),
});

export const TimelineEntry = z.looseObject({
  id: z.string(),
  source: z.string(),
  kind: z.string(),
  time: z.string(),
  severity: z.string(),
  title: z.string(),
  related: z.boolean().optional(),
});

export const Incident = z.looseObject({
  id: z.string(),
  fingerprint: z.string(),
  key: z.looseObject({ cluster: z.string(), namespace: z.string(), workload: z.string(), container: z.string(), failureClass: z.string(), detail: z.string() }),
  state: z.enum(INCIDENT_STATES),
  title: z.string(),
  priority: z.enum(PRIORITIES),
  rule: z.string().optional(),
  severity: z.string(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  resolvedAt: z.string().optional(),
  reopenCount: z.number().int(),
  signalCount: z.number().int(),
  relatedCount: z.number().int(),
  timeline: z.array(TimelineEntry),
  timelineDropped: z.number().int(),
  pods: z.array(z.string()),
  analysis: Analysis.optional(),
});

export const Approval = z.looseObject({
  id: z.string(),
  incidentId: z.string(),
  action: z.looseObject({ type: z.string() }),
  proposedBy: z.looseObject({ type: z.string() }),
  proposedAt: z.string(),
  kubectl: z.string().optional(),
  summary: z.string(),
  state: z.enum(APPROVAL_STATES),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  why: z.string().optional(),
});

export const AuditEntry = z.looseObject({
  id: z.string(),
  time: z.string(),
  actor: z.object({ type: z.enum(ACTOR_TYPES), name: z.string().optional() }),
  incidentId: z.string(),
  remediationId: z.string().optional(),
  action: z.string(),
  outcome: z.enum(OUTCOMES),
  note: z.string().optional(),
});

export const IncidentDetail = Incident.extend({ remediations: z.array(Approval) });

export const Page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int().describe('matches before paging'), count: z.number().int().describe('items in this page') });

export const AiCallRow = z.object({
  id: z.string(),
  time: z.string(),
  node: z.string(),
  namespace: z.string().optional(),
  pod: z.string().optional(),
  container: z.string().optional(),
  workload: z.string().optional(),
  provider: z.string(),
  model: z.string().optional(),
  endpoint: z.string().optional(),
  method: z.string().optional(),
  path: z.string().optional(),
  status: z.number().int().optional(),
  error: z.string().optional(),
  latencyMs: z.number().optional(),
  ttftMs: z.number().optional(),
  tokensIn: z.number().int().optional(),
  tokensOut: z.number().int().optional(),
  costUsd: z.number().optional(),
  streaming: z.boolean().optional(),
});

export const SeriesBody = z.object({
  from: z.string(),
  to: z.string(),
  step: z.number().describe('seconds'),
  by: z.string(),
  series: z.array(
    z.object({
      key: z.string(),
      points: z.array(
        z.object({
          t: z.string().describe('bucket start'),
          calls: z.number(),
          errors: z.number(),
          tokensIn: z.number(),
          tokensOut: z.number(),
          costUsd: z.number(),
          latencyP50Ms: z.number().nullable().describe('approximate (±9 %)'),
          latencyP95Ms: z.number().nullable().describe('approximate (±9 %)'),
        }),
      ),
    }),
  ),
});

const counts = z.record(z.string(), z.number());

export const StatsBody = z.looseObject({
  incidents: z.object({ total: z.number(), byPriority: counts, byState: counts, byNamespace: counts }),
  aiCalls: z.object({ total: z.number(), errors: z.number(), tokensIn: z.number(), tokensOut: z.number(), costUsd: z.number(), stored: z.number(), capacity: z.number(), evicted: z.number() }),
  remediations: z.object({ byState: counts }),
  live: z.object({ clients: z.number(), dropped: z.number() }),
  // Kube Sentinel's /api/stats fields.
  TotalErrors: z.number(),
  ErrorsByPriority: counts,
  ErrorsByNamespace: counts,
  RemediationCount: z.number(),
  SuccessfulActions: z.number(),
  FailedActions: z.number(),
  LastError: z.string().nullable(),
  LastRemediation: z.string().nullable(),
});

export const RulesBody = z.object({
  source: z.string(),
  loadedAt: z.string(),
  defaultPriority: z.enum(PRIORITIES),
  rules: z.array(z.looseObject({ name: z.string(), priority: z.enum(PRIORITIES), enabled: z.boolean() })),
  errors: z.array(z.object({ rule: z.string(), field: z.string(), message: z.string() })).optional(),
});

export const SettingsBody = z.looseObject({
  applyMode: z.enum(['manual', 'auto']),
  dryRunOnly: z.boolean(),
  autoApplyNamespaces: z.array(z.string()),
  excludedNamespaces: z.array(z.string()),
  maxActionsPerHour: z.number(),
  remediationEnabled: z.boolean().describe('false without Kubernetes access'),
  triage: z.object({ mode: z.string(), model: z.string().optional() }),
  auth: z.object({ enabled: z.boolean(), actor: z.string().optional(), role: z.string().optional() }),
  // Kube Sentinel's /api/settings fields.
  enabled: z.boolean(),
  dry_run: z.boolean(),
  actions_this_hour: z.number(),
});
