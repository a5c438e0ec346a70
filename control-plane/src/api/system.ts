// Overview and control: stats, the rules in force (and reload), runtime settings (dry-run only,
// apply mode; each change audited), and the live stream.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { APPROVAL_STATES } from '../store/state-store.js';
import { LIVE_TOPICS, type LiveTopic } from './live.js';
import { csvOf, route, ApiError } from './route.js';
import { RulesBody, SettingsBody, StatsBody } from './schemas.js';
import { auditAction, type ApiServices } from './services.js';

const HOUR = 3_600_000;

export const SettingsPatch = z
  .object({
    dryRunOnly: z.boolean().optional().describe('only ever run the server-side dry run'),
    applyMode: z.enum(['manual', 'auto']).optional().describe('auto applies inside autoApplyNamespaces without approval'),
  })
  .strict()
  .refine((p) => p.dryRunOnly !== undefined || p.applyMode !== undefined, 'change at least one of dryRunOnly, applyMode');

const StreamQuery = z
  .object({
    topics: csvOf(LIVE_TOPICS).optional().describe(`comma-separated subset of ${LIVE_TOPICS.join(', ')}; all by default`),
    access_token: z.string().optional().describe('for clients that cannot send an Authorization header (EventSource)'),
  })
  .strict();

async function stats(s: ApiServices) {
  const incidents = s.incidents.counts();
  const approvals = await s.store.approvals.list();
  const byState = Object.fromEntries(APPROVAL_STATES.map((st) => [st, 0])) as Record<string, number>;
  let lastRemediation: string | undefined;
  for (const a of approvals) {
    byState[a.state] = (byState[a.state] ?? 0) + 1;
    const at = a.decidedAt ?? a.proposedAt;
    if (!lastRemediation || at > lastRemediation) lastRemediation = at;
  }
  const { byNamespace, lastSeen, ...incidentCounts } = incidents;
  return {
    incidents: { ...incidentCounts, byNamespace },
    aiCalls: { ...s.aiCalls.totals(), stored: s.aiCalls.size, capacity: s.aiCalls.capacity, evicted: s.aiCalls.stats.evicted },
    remediations: { byState },
    live: { clients: s.stream.stats.clients, dropped: s.stream.stats.dropped },
    engine: s.engine.stats(),
    // Kube Sentinel's /api/stats, from the same numbers.
    TotalErrors: incidents.total,
    ErrorsByPriority: incidents.byPriority,
    ErrorsByNamespace: byNamespace,
    RemediationCount: approvals.length,
    SuccessfulActions: byState.applied ?? 0,
    FailedActions: byState.failed ?? 0,
    LastError: lastSeen ?? null,
    LastRemediation: lastRemediation ?? null,
  };
}

async function settings(s: ApiServices, req: FastifyRequest) {
  const r = s.config.remediation;
  const triage = s.config.incidents.triage;
  const since = new Date((s.now?.() ?? new Date()).getTime() - HOUR).toISOString();
  const applied = (await s.store.audit.list({ limit: 10_000 })).filter((e) => e.outcome === 'applied' && e.time >= since).length;
  return {
    applyMode: r.applyMode,
    dryRunOnly: r.dryRun,
    autoApplyNamespaces: r.autoApplyNamespaces,
    excludedNamespaces: r.excludedNamespaces,
    maxActionsPerHour: r.maxActionsPerHour,
    maxPodsPerAction: r.maxPodsPerAction,
    remediationEnabled: s.remediator !== undefined,
    triage: { mode: triage.mode, ...(triage.mode !== 'offline' && triage.llm ? { model: triage.llm.model } : {}) },
    auth: { enabled: req.actor !== undefined, ...(req.actor ? { actor: req.actor.name, role: req.actor.role } : {}) },
    aiCalls: { capacity: s.aiCalls.capacity },
    // Kube Sentinel's /api/settings fields.
    enabled: s.remediator !== undefined,
    dry_run: r.dryRun,
    actions_this_hour: applied,
  };
}

function rulesBody(s: ApiServices) {
  const set = s.rules.current();
  const err = s.rules.lastError;
  return {
    source: s.rules.path,
    loadedAt: s.rules.loadedAt.toISOString(),
    defaultPriority: set.file.default_priority,
    rules: set.file.rules,
    ...(err ? { errors: [{ rule: err.rule, field: err.field, message: err.message }] } : {}),
  };
}

export async function systemRoutes(app: FastifyInstance, s: ApiServices): Promise<void> {
  route(app, s.docs, {
    method: 'GET',
    url: '/api/stats',
    tag: 'overview',
    access: 'read',
    summary: "Counts of incidents, AI calls, remediations and live clients (also Kube Sentinel's /api/stats fields)",
    response: StatsBody,
    handler: () => stats(s),
  });

  route(app, s.docs, {
    method: 'GET',
    url: '/api/rules',
    tag: 'rules',
    access: 'read',
    summary: 'The rules in force, where they come from, and the last reload error if any',
    response: RulesBody,
    handler: async () => rulesBody(s),
  });

  route(app, s.docs, {
    method: 'POST',
    url: '/api/rules/reload',
    tag: 'rules',
    access: 'admin',
    summary: 'Reload the rules file now (it is also watched); a bad file keeps the previous rules and answers 422',
    response: RulesBody,
    async handler() {
      const r = await s.rules.reload();
      if (!r.ok) throw new ApiError(422, 'VIGIL_RULES_INVALID', `rules not reloaded, previous rules stay: ${r.error.message}`);
      return rulesBody(s);
    },
  });

  route(app, s.docs, {
    method: 'GET',
    url: '/api/settings',
    tag: 'settings',
    access: 'read',
    summary: "Remediation and triage settings in force (also Kube Sentinel's /api/settings fields)",
    response: SettingsBody,
    handler: ({ req }) => settings(s, req),
  });

  route(app, s.docs, {
    method: 'PATCH',
    url: '/api/settings',
    tag: 'settings',
    access: 'admin',
    summary: 'Change runtime toggles (dry-run only, apply mode); each change is written to the audit log. Not persisted: a restart reads the config again.',
    body: SettingsPatch,
    response: SettingsBody,
    async handler({ body, req }) {
      const r = s.config.remediation;
      const changes: string[] = [];
      if (body.dryRunOnly !== undefined && body.dryRunOnly !== r.dryRun) {
        changes.push(`dryRunOnly ${r.dryRun} → ${body.dryRunOnly}`);
        r.dryRun = body.dryRunOnly;
      }
      if (body.applyMode !== undefined && body.applyMode !== r.applyMode) {
        changes.push(`applyMode ${r.applyMode} → ${body.applyMode}`);
        r.applyMode = body.applyMode;
      }
      if (changes.length > 0) await auditAction(s, req, { incidentId: 'settings', outcome: 'settings-changed', note: changes.join(', ') });
      return settings(s, req);
    },
  });

  route(app, s.docs, {
    method: 'GET',
    url: '/api/stream',
    tag: 'live',
    access: 'read',
    summary: 'Server-Sent Events: `event: incident|ai_call|sensor|remediation|audit`, `data: <json>`; `: ping` every 15 s; `event: dropped` after a slow client lost messages',
    query: StreamQuery,
    produces: 'text/event-stream',
    async handler({ query, req, reply }) {
      s.stream.attach(req, reply, new Set<LiveTopic>(query.topics ?? LIVE_TOPICS));
      return reply;
    },
  });
}
