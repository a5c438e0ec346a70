// What the API routes read and act on, handed in once by main.ts (tests build their own).
import type { AiCallStore } from '../aicalls/store.js';
import type { Actor as AuditActor, AuditEntry } from '../audit/types.js';
import type { ControlPlaneConfig } from '../config.js';
import type { IncidentEngine } from '../incidents.js';
import type { Remediator } from '../remediate/remediator.js';
import type { RulesWatcher } from '../rules/watcher.js';
import type { StateStore } from '../store/state-store.js';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncidentIndex } from './incident-index.js';
import type { LiveHub } from './live.js';
import type { ApiDocs } from './route.js';
import type { LiveStream } from './stream.js';

export interface ApiServices {
  engine: IncidentEngine;
  /** The engine's store, indexed for queries. */
  incidents: IncidentIndex;
  /** Approvals, analyses and the audit log (publishing to `live`). */
  store: StateStore;
  aiCalls: AiCallStore;
  live: LiveHub;
  stream: LiveStream;
  rules: RulesWatcher;
  /** Remediation settings are changed in place at runtime (the remediator reads this object). */
  config: ControlPlaneConfig;
  remediator?: Remediator;
  docs: ApiDocs;
  now?: () => Date;
}

/** Who is acting: the token's name, else a proxy's x-vigil-user, else "anonymous" (open API). */
export function actorOf(req: FastifyRequest): AuditActor {
  const header = req.headers['x-vigil-user'];
  const name = req.actor?.name ?? (typeof header === 'string' && header ? header : 'anonymous');
  return { type: 'user', name };
}

/** Records a person's action that is not a remediation (acknowledge, resolve, settings). */
export async function auditAction(
  s: ApiServices,
  req: FastifyRequest,
  entry: Pick<AuditEntry, 'incidentId' | 'outcome'> & { note?: string },
): Promise<void> {
  await s.store.audit.append({
    id: randomUUID(),
    time: (s.now?.() ?? new Date()).toISOString(),
    actor: actorOf(req),
    action: 'none',
    ...entry,
  });
}
