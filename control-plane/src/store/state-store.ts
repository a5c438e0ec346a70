// The control plane's durable state, typed: incidents (satisfying the incident engine's
// IncidentStore), analyses, approvals, the audit log and idempotency claims — one shape over
// either backend (local files or JetStream).
import type { Actor, AuditEntry } from '../audit/types.js';
import type { IncidentFilter, IncidentStore } from '../correlate/store.js';
import type { Incident } from '../correlate/types.js';
import type { Analysis, ProposedAction } from '../triage/types.js';
import type { Backend } from './backend.js';

export const APPROVAL_STATES = ['pending', 'approved', 'rejected', 'refused', 'applied', 'failed', 'dry-run', 'duplicate'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** A proposed remediation and what became of it. */
export interface Approval {
  id: string;
  incidentId: string;
  action: ProposedAction;
  proposedBy: Actor;
  proposedAt: string;
  kubectl?: string;
  /** What the action would do and how many pods it touches, as inspected when proposed. */
  summary: string;
  pods: number;
  idempotencyKey: string;
  /** The rule's cooldown for this target, when the rule set one. */
  cooldownMs?: number;
  state: ApprovalState;
  decidedBy?: string;
  decidedAt?: string;
  why?: string;
  result?: string;
  error?: string;
}

export interface StoredAnalysis {
  incidentId: string;
  time: string;
  analysis: Analysis;
}

export interface AuditFilter {
  incidentId?: string;
  limit?: number;
}

export interface StateStore {
  incidents: IncidentStore;
  analyses: {
    get(incidentId: string): Promise<StoredAnalysis | undefined>;
    put(incidentId: string, analysis: Analysis, time?: string): Promise<void>;
    list(limit?: number): Promise<StoredAnalysis[]>;
  };
  approvals: {
    get(id: string): Promise<Approval | undefined>;
    /** False when an approval with this id exists already. */
    create(approval: Approval): Promise<boolean>;
    /** Revision-checked read-modify-write; `change` returns undefined to leave it alone. */
    update(id: string, change: (current: Approval) => Approval | undefined): Promise<Approval | undefined>;
    list(filter?: { state?: ApprovalState; incidentId?: string }): Promise<Approval[]>;
  };
  audit: {
    append(entry: AuditEntry): Promise<void>;
    list(filter?: AuditFilter): Promise<AuditEntry[]>;
  };
  /** Idempotency: the first claim of a key wins; a released key may be claimed again (after a failure). */
  claims: {
    claim(key: string, owner: string): Promise<boolean>;
    release(key: string): Promise<void>;
  };
  close(): Promise<void>;
}

const newestFirst = <T>(items: T[], time: (t: T) => string): T[] => items.sort((a, b) => time(b).localeCompare(time(a)));

export function stateStoreOver(backend: Backend): StateStore {
  return {
    incidents: {
      get: async (id) => (await backend.get('incidents', id)) as Incident | undefined,
      put: (incident) => backend.put('incidents', incident.id, incident),
      ...(backend.watch ? { watch: (onChange: (i: Incident) => void) => backend.watch!('incidents', (v) => onChange(v as Incident)) } : {}),
      async list(filter: IncidentFilter = {}) {
        const all = ((await backend.list('incidents')) as Incident[])
          .filter((i) => !filter.state || i.state === filter.state)
          .filter((i) => filter.namespace === undefined || i.key.namespace === filter.namespace);
        const sorted = newestFirst(all, (i) => i.lastSeen);
        return filter.limit === undefined ? sorted : sorted.slice(0, filter.limit);
      },
    },
    analyses: {
      get: async (incidentId) => (await backend.get('analyses', incidentId)) as StoredAnalysis | undefined,
      put: (incidentId, analysis, time = new Date().toISOString()) => backend.put('analyses', incidentId, { incidentId, time, analysis }),
      async list(limit = 50) {
        return newestFirst((await backend.list('analyses')) as StoredAnalysis[], (a) => a.time).slice(0, limit);
      },
    },
    approvals: {
      get: async (id) => (await backend.get('approvals', id)) as Approval | undefined,
      create: (a) => backend.create('approvals', a.id, a),
      update: async (id, change) => (await backend.update('approvals', id, (cur) => (cur === undefined ? undefined : change(cur as Approval)))) as Approval | undefined,
      async list(filter = {}) {
        const all = ((await backend.list('approvals')) as Approval[])
          .filter((a) => !filter.state || a.state === filter.state)
          .filter((a) => !filter.incidentId || a.incidentId === filter.incidentId);
        return newestFirst(all, (a) => a.proposedAt);
      },
    },
    audit: {
      append: (entry) => backend.append('audit-log', entry.id, entry),
      async list(filter = {}) {
        const all = ((await backend.readLog('audit-log')) as AuditEntry[]).filter((e) => !filter.incidentId || e.incidentId === filter.incidentId);
        return filter.limit === undefined ? all : all.slice(-filter.limit);
      },
    },
    claims: {
      claim: (key, owner) => backend.create('claims', key, { key, owner, at: new Date().toISOString() }),
      release: (key) => backend.delete('claims', key),
    },
    close: () => backend.close(),
  };
}
