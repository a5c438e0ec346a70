// The LLM proposes, policy disposes. A proposal is validated (allowlisted type, zod-checked
// params), checked against the target's current state and the guards, audited, and then
// waits for approval or — in auto mode inside an auto-apply namespace — is executed by the
// leader: idempotency claim, fresh read, server-side dry run, then the real call.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { logger } from '../../../lib/log.js';
import { kubectlFor } from '../alert/kubectl.js';
import type { RemediationMetrics } from '../metrics/remediation.js';
import type { Actor, AuditEntry, Outcome } from '../audit/types.js';
import { redact } from '../ingest/redact.js';
import type { Approval, ApprovalState, StateStore } from '../store/state-store.js';
import { ACTION_TYPES, ProposedAction } from '../triage/types.js';
import { inspectAction, type ActionLimits, type Inspection } from './actions/index.js';
import type { RemediationConfig } from './config.js';
import { parseGoDuration } from './duration.js';
import { KubeActionError, type Kube } from './kube.js';
import { evaluatePolicy, isExcludedNamespace } from './policy.js';

const log = logger('remediate');
const CONFLICT_RETRIES = 3;
const HOUR_MS = 3_600_000;

export interface RemediatorDeps {
  config: RemediationConfig;
  store: StateStore;
  kube: Kube;
  /** Only the leader executes; true when omitted (a single replica). */
  isLeader?: () => boolean;
  now?: () => Date;
  /** Scrubs secrets from parameters and commands before they are stored. */
  redact?: (text: string) => string;
  metrics?: RemediationMetrics;
}

export interface Proposal {
  incidentId: string;
  action: unknown;
  actor: Actor;
  /** The rule's cooldown (Go duration), when it set one. */
  cooldown?: string;
}

export interface RemediationResult {
  remediationId?: string;
  outcome: Outcome;
  reasons: string[];
  kubectl?: string;
  error?: string;
}

export interface Remediator {
  propose(p: Proposal): Promise<RemediationResult>;
  approve(id: string, who: string, why?: string): Promise<RemediationResult>;
  reject(id: string, who: string, why?: string): Promise<RemediationResult>;
  /** Executes approved actions (the leader's job); returns how many were executed. */
  executeApproved(): Promise<number>;
  get(id: string): Promise<Approval | undefined>;
  list(filter?: { state?: ApprovalState; incidentId?: string }): Promise<Approval[]>;
  /** Rebuilds cooldowns and the hourly window from the audit log (after a restart). */
  restore(): Promise<void>;
  /** Runs executeApproved on an interval; returns the stopper. */
  start(): () => void;
  readonly stats: Record<'proposed' | 'refused' | 'pending' | 'applied' | 'dryRuns' | 'failed' | 'duplicates' | 'dropped', number>;
}

export class RemediationError extends Error {
  override name = 'RemediationError';
  constructor(
    readonly code: 'NOT_FOUND' | 'NOT_PENDING',
    message: string,
  ) {
    super(message);
  }
}

const keyOfTarget = (t: ProposedAction['target']): string => `${t.kind}/${t.namespace}/${t.name}`;
const targetKey = (a: ProposedAction): string => keyOfTarget(a.target);
export const idempotencyKey = (incidentId: string, a: ProposedAction): string => `${incidentId}|${a.type}|${targetKey(a)}`;

export function createRemediator(deps: RemediatorDeps): Remediator {
  const { config, store, kube } = deps;
  const now = deps.now ?? (() => new Date());
  const scrub = deps.redact ?? redact;
  const isLeader = deps.isLeader ?? (() => true);
  const lastAction = new Map<string, number>();
  let recent: number[] = [];
  const stats = { proposed: 0, refused: 0, pending: 0, applied: 0, dryRuns: 0, failed: 0, duplicates: 0, dropped: 0 };
  // Evaluation and execution run one at a time, so two proposals cannot both pass a limit
  // that only one of them fits under; the queue in front is bounded.
  let chain: Promise<unknown> = Promise.resolve();
  let queued = 0;
  const limits = (): ActionLimits => ({ minReplicas: config.minReplicas, maxReplicas: config.maxReplicas, now });

  function serial<T>(step: () => Promise<T>): Promise<T> {
    const run = chain.then(step);
    chain = run.catch(() => undefined);
    return run;
  }

  const scrubbed = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(scrub(JSON.stringify(v))));

  async function audit(e: Omit<AuditEntry, 'id' | 'time'>): Promise<void> {
    const entry: AuditEntry = { id: randomUUID(), time: now().toISOString(), ...e };
    if (entry.params !== undefined) entry.params = scrubbed(entry.params);
    if (entry.kubectl) entry.kubectl = scrub(entry.kubectl);
    if (entry.note) entry.note = scrub(entry.note);
    await store.audit.append(entry);
    deps.metrics?.observe(entry.action, entry.outcome);
  }

  const entryFor = (a: Approval, actor: Actor) => ({
    actor,
    incidentId: a.incidentId,
    remediationId: a.id,
    action: a.action.type,
    target: a.action.target,
    params: a.action.params,
    ...(a.kubectl ? { kubectl: a.kubectl } : {}),
  });

  async function refuse(incidentId: string, actor: Actor, reasons: string[], action?: ProposedAction, raw?: unknown): Promise<RemediationResult> {
    stats.refused += 1;
    const rawType = (raw as { type?: unknown } | undefined)?.type;
    const type = action?.type ?? ACTION_TYPES.find((t) => t === rawType) ?? 'none';
    await audit({
      actor,
      incidentId,
      action: type,
      ...(action ? { target: action.target, params: action.params } : { params: raw }),
      verdict: { allowed: false, reasons },
      outcome: 'refused',
    });
    return { outcome: 'refused', reasons };
  }

  function cooldownOf(ms: number | undefined): number {
    return ms ?? config.cooldown;
  }

  function guards(action: ProposedAction, pods: number, cooldownMs: number) {
    const t = now().getTime();
    recent = recent.filter((x) => x > t - HOUR_MS);
    return evaluatePolicy({
      mode: config.applyMode,
      autoNamespaces: config.autoApplyNamespaces,
      excludedNamespaces: config.excludedNamespaces,
      namespace: action.target.namespace,
      now: t,
      lastActionAt: lastAction.get(targetKey(action)),
      cooldownMs,
      recentActions: recent,
      maxActionsPerHour: config.maxActionsPerHour,
      pods,
      maxPodsPerAction: config.maxPodsPerAction,
    });
  }

  async function inspect(action: ProposedAction): Promise<Inspection | KubeActionError> {
    try {
      return await inspectAction(kube, action, limits());
    } catch (err) {
      if (err instanceof KubeActionError) return err;
      throw err;
    }
  }

  async function evaluate(p: Proposal): Promise<RemediationResult> {
    stats.proposed += 1;
    const parsed = ProposedAction.safeParse(p.action);
    if (!parsed.success) return refuse(p.incidentId, p.actor, [`invalid action: ${z.prettifyError(parsed.error)}`], undefined, p.action);
    const action = parsed.data;
    if (action.type === 'none') return refuse(p.incidentId, p.actor, ['action none: alert only'], action);
    // What is stored and shown is redacted, so what runs must have nothing to redact.
    if (scrub(JSON.stringify(action)) !== JSON.stringify(action)) {
      return refuse(p.incidentId, p.actor, ['the action carries a secret in clear; reference a Secret (valueFrom.secretKeyRef) instead'], action);
    }
    if (isExcludedNamespace(action.target.namespace, config.excludedNamespaces)) {
      return refuse(p.incidentId, p.actor, [`namespace ${action.target.namespace} is excluded from remediation`], action);
    }
    const cooldownMs = p.cooldown === undefined ? undefined : parseGoDuration(p.cooldown);
    // The cheap guards first: in a storm, refused proposals cost no API call.
    const early = guards(action, 0, cooldownOf(cooldownMs));
    if (!early.allowed) return refuse(p.incidentId, p.actor, early.reasons, action);
    const inspection = await inspect(action);
    const kubectl = kubectlFor(action);
    if (inspection instanceof KubeActionError) {
      stats.failed += 1;
      await audit({ actor: p.actor, incidentId: p.incidentId, action: action.type, target: action.target, params: action.params, outcome: 'failed', error: inspection.message, ...(kubectl ? { kubectl } : {}) });
      return { outcome: 'failed', reasons: [inspection.message], error: inspection.message };
    }
    if (!inspection.ok) return refuse(p.incidentId, p.actor, [inspection.reason], action);
    const verdict = guards(action, inspection.plan.pods, cooldownOf(cooldownMs));
    if (!verdict.allowed) return refuse(p.incidentId, p.actor, verdict.reasons, action);
    if (verdict.needsApproval && (await store.approvals.list({ state: 'pending' })).length >= config.maxPending) {
      stats.dropped += 1;
      return refuse(p.incidentId, p.actor, [`approval queue full (${config.maxPending} waiting)`], action);
    }
    const approval: Approval = {
      id: randomUUID(),
      incidentId: p.incidentId,
      action,
      proposedBy: p.actor,
      proposedAt: now().toISOString(),
      ...(kubectl ? { kubectl: scrub(kubectl) } : {}),
      summary: scrub(inspection.plan.summary),
      pods: inspection.plan.pods,
      idempotencyKey: idempotencyKey(p.incidentId, action),
      ...(cooldownMs !== undefined ? { cooldownMs } : {}),
      state: verdict.needsApproval ? 'pending' : 'approved',
      ...(verdict.needsApproval ? {} : { decidedBy: `policy (${p.actor.type})`, decidedAt: now().toISOString() }),
    };
    await store.approvals.create(approval);
    const outcome: Outcome = verdict.needsApproval ? 'pending-approval' : 'approved';
    await audit({ ...entryFor(approval, p.actor), verdict: { allowed: true, reasons: verdict.reasons }, outcome });
    if (verdict.needsApproval) {
      stats.pending += 1;
      return { remediationId: approval.id, outcome, reasons: verdict.reasons, ...(kubectl ? { kubectl: approval.kubectl } : {}) };
    }
    if (!isLeader()) return { remediationId: approval.id, outcome, reasons: [...verdict.reasons, 'the leader replica executes it'] };
    return execute(approval, p.actor, action);
  }

  /** Claims the idempotency key, re-reads the target, dry-runs, applies. */
  async function execute(approval: Approval, actor: Actor, action: ProposedAction): Promise<RemediationResult> {
    const base = entryFor(approval, actor);
    const finish = async (state: ApprovalState, outcome: Outcome, extra: Partial<AuditEntry>, reasons: string[]): Promise<RemediationResult> => {
      await store.approvals.update(approval.id, (a) => ({ ...a, state, ...(extra.error ? { error: extra.error } : {}), ...(extra.note ? { result: extra.note } : {}) }));
      await audit({ ...base, outcome, ...extra });
      return { remediationId: approval.id, outcome, reasons, ...(approval.kubectl ? { kubectl: approval.kubectl } : {}), ...(extra.error ? { error: extra.error } : {}) };
    };
    if (!(await store.claims.claim(approval.idempotencyKey, approval.id))) {
      stats.duplicates += 1;
      return finish('duplicate', 'duplicate', { note: `already executed (idempotency key ${approval.idempotencyKey})` }, ['already executed']);
    }
    let lastError: KubeActionError | undefined;
    for (let attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
      const inspection = await inspect(action);
      if (inspection instanceof KubeActionError) {
        lastError = inspection;
        break;
      }
      if (!inspection.ok) {
        await store.claims.release(approval.idempotencyKey);
        stats.refused += 1;
        return finish('refused', 'refused', { verdict: { allowed: false, reasons: [inspection.reason] } }, [inspection.reason]);
      }
      const verdict = guards(action, inspection.plan.pods, cooldownOf(approval.cooldownMs));
      if (!verdict.allowed) {
        await store.claims.release(approval.idempotencyKey);
        stats.refused += 1;
        return finish('refused', 'refused', { verdict: { allowed: false, reasons: verdict.reasons } }, verdict.reasons);
      }
      let dryRun: { ok: boolean; message: string };
      try {
        dryRun = { ok: true, message: await inspection.plan.apply(true) };
      } catch (err) {
        lastError = err instanceof KubeActionError ? err : new KubeActionError('KUBE_ERROR', (err as Error).message);
        if (lastError.code === 'CONFLICT') continue;
        await store.claims.release(approval.idempotencyKey);
        stats.failed += 1;
        return finish('failed', 'failed', { dryRun: { ok: false, message: lastError.message }, error: lastError.message }, [lastError.message]);
      }
      const t = now().getTime();
      if (config.dryRun) {
        lastAction.set(targetKey(action), t);
        recent.push(t);
        await store.claims.release(approval.idempotencyKey);
        stats.dryRuns += 1;
        return finish('dry-run', 'dry-run', { dryRun, note: 'DRY_RUN mode: nothing applied' }, ['dry-run mode']);
      }
      try {
        const result = await inspection.plan.apply(false);
        lastAction.set(targetKey(action), t);
        recent.push(t);
        stats.applied += 1;
        log.info({ remediation: approval.id, incident: approval.incidentId, action: action.type, target: targetKey(action) }, result);
        return finish('applied', 'applied', { dryRun, note: result }, [result]);
      } catch (err) {
        lastError = err instanceof KubeActionError ? err : new KubeActionError('KUBE_ERROR', (err as Error).message);
        if (lastError.code !== 'CONFLICT') break;
      }
    }
    await store.claims.release(approval.idempotencyKey);
    stats.failed += 1;
    const message = lastError?.code === 'CONFLICT' ? `${lastError.message} (still conflicting after ${CONFLICT_RETRIES} fresh reads)` : (lastError?.message ?? 'unknown error');
    return finish('failed', 'failed', { error: message }, [message]);
  }

  async function decide(id: string, who: string, why: string | undefined, approve: boolean): Promise<RemediationResult> {
    const current = await store.approvals.get(id);
    if (!current) throw new RemediationError('NOT_FOUND', `no remediation ${id}`);
    let won = false;
    const decided = await store.approvals.update(id, (a) => {
      won = a.state === 'pending';
      if (!won) return undefined;
      return { ...a, state: approve ? 'approved' : 'rejected', decidedBy: who, decidedAt: now().toISOString(), ...(why ? { why } : {}) };
    });
    if (!won || !decided) throw new RemediationError('NOT_PENDING', `remediation ${id} is ${current.state}, not pending`);
    const actor: Actor = { type: 'user', name: who };
    await audit({ ...entryFor(decided, actor), outcome: approve ? 'approved' : 'rejected', ...(why ? { note: why } : {}) });
    if (!approve) return { remediationId: id, outcome: 'rejected', reasons: [why ?? 'rejected'] };
    if (!isLeader()) return { remediationId: id, outcome: 'approved', reasons: ['the leader replica executes it'] };
    return serial(() => execute(decided, actor, decided.action));
  }

  const remediator: Remediator = {
    stats,
    propose(p) {
      if (queued >= config.maxQueued) {
        stats.dropped += 1;
        return Promise.resolve({ outcome: 'refused', reasons: [`remediation queue full (${config.maxQueued})`] });
      }
      queued += 1;
      return serial(() => evaluate(p)).finally(() => (queued -= 1));
    },
    approve: (id, who, why) => decide(id, who, why, true),
    reject: (id, who, why) => decide(id, who, why, false),
    async executeApproved() {
      if (!isLeader()) return 0;
      const ready = await store.approvals.list({ state: 'approved' });
      for (const a of ready.reverse()) {
        const actor: Actor = a.decidedBy?.startsWith('policy') ? a.proposedBy : { type: 'user', name: a.decidedBy ?? 'unknown' };
        // Re-read inside the queue: the proposer may have executed it meanwhile.
        await serial(async () => ((await store.approvals.get(a.id))?.state === 'approved' ? execute(a, actor, a.action) : undefined));
      }
      return ready.length;
    },
    get: (id) => store.approvals.get(id),
    list: (filter) => store.approvals.list(filter),
    async restore() {
      for (const e of await store.audit.list()) {
        if (e.outcome !== 'applied' && e.outcome !== 'dry-run') continue;
        const t = Date.parse(e.time);
        if (e.target) lastAction.set(keyOfTarget(e.target), Math.max(t, lastAction.get(keyOfTarget(e.target)) ?? 0));
        if (t > now().getTime() - HOUR_MS) recent.push(t);
      }
    },
    start() {
      const timer = setInterval(() => void remediator.executeApproved().catch((err: Error) => log.error({ err: err.message }, 'executing approved actions failed')), config.executeIntervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
  return remediator;
}
