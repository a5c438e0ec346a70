// The incident engine: signals → correlation (with rules for priority) → triage → alerts, with
// every incident written through to the store. Per incident, work is chained so its alerts go
// out in order (trigger before escalation before resolution) even while triage is slow.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { logger } from '../../lib/log.js';
import { AlertConfig } from './alert/config.js';
import { AlertRouter } from './alert/router.js';
import { Correlator, DEFAULT_CORRELATOR, type CorrelatorConfig } from './correlate/correlator.js';
import { MemoryIncidentStore, type IncidentFilter, type IncidentStore } from './correlate/store.js';
import type { Incident, IncidentChange } from './correlate/types.js';
import type { AlertMetrics } from './metrics/alerts.js';
import type { TriageMetrics } from './metrics/triage.js';
import { GO_DURATION, parseDuration } from './rules/duration.js';
import type { RuleSet } from './rules/engine.js';
import { RulesWatcher } from './rules/watcher.js';
import type { Signal } from './signal.js';
import { TriageConfig } from './triage/config.js';
import { inputFromIncident } from './triage/from-incident.js';
import { TriageService } from './triage/service.js';
import type { Redactor } from './triage/types.js';

const log = logger('incidents');

export interface IncidentEngineDeps {
  /** The rules in force; a RulesWatcher (hot reload) or a fixed RuleSet. */
  rules: { current(): RuleSet } | RuleSet;
  triage: TriageService;
  alerts?: AlertRouter;
  store?: IncidentStore;
  correlation?: Partial<CorrelatorConfig>;
  /** Wait this long after an incident opens before triage, so a burst's signals are analysed together. */
  settleMs?: number;
}

export interface AcceptResult {
  received: number;
  duplicates: number;
  changes: IncidentChange[];
}

export type ChangeListener = (change: IncidentChange) => void;

export interface IncidentEngine {
  accept(signals: Signal[]): Promise<AcceptResult>;
  acknowledge(id: string): Promise<Incident | undefined>;
  /** Resolves by hand (open or acknowledged); an already resolved incident is returned as is. */
  resolve(id: string): Promise<Incident | undefined>;
  get(id: string): Promise<Incident | undefined>;
  list(filter?: IncidentFilter): Promise<Incident[]>;
  /** Called after triage for opened/reopened incidents and at once for other changes. */
  subscribe(listener: ChangeListener): () => void;
  /** Resolves when pending triage and alert deliveries are done (tests, shutdown). */
  idle(): Promise<void>;
  /** Reload open incidents from the store (after a restart). */
  restore(): Promise<void>;
  stats(): Record<string, unknown>;
}

export function createIncidentEngine(deps: IncidentEngineDeps): IncidentEngine {
  const store = deps.store ?? new MemoryIncidentStore();
  const rules = () => ('current' in deps.rules ? deps.rules.current() : deps.rules);
  const correlator = new Correlator((signal, key) => rules().evaluate(signal, key), deps.correlation);
  const chains = new Map<string, Promise<void>>();
  const listeners = new Set<ChangeListener>();
  const counters = { received: 0, triageErrors: 0 };

  function emit(change: IncidentChange): void {
    deps.alerts?.notify(change);
    for (const l of listeners) {
      try {
        l(change);
      } catch (err) {
        log.error({ err: (err as Error).message }, 'incident listener failed');
      }
    }
  }

  async function triage(incident: Incident): Promise<void> {
    if (deps.settleMs) await new Promise((r) => setTimeout(r, deps.settleMs));
    try {
      incident.analysis = await deps.triage.analyze(inputFromIncident(incident), incident.fingerprint);
    } catch (err) {
      counters.triageErrors += 1;
      log.error({ incident: incident.id, err: (err as Error).message }, 'triage failed; alerting without analysis');
    }
    await store.put(incident);
  }

  /** Runs `step` after everything already queued for this incident. */
  function chain(id: string, step: () => Promise<void> | void): void {
    const prev = chains.get(id) ?? Promise.resolve();
    const next = prev.then(step).catch((err: Error) => log.error({ incident: id, err: err.message }, 'incident step failed'));
    chains.set(id, next);
    void next.finally(() => {
      if (chains.get(id) === next) chains.delete(id);
    });
  }

  function handle(change: IncidentChange): void {
    const { incident } = change;
    switch (change.type) {
      case 'opened':
      case 'reopened':
        chain(incident.id, async () => {
          await triage(incident);
          emit(change);
        });
        break;
      case 'escalated':
      case 'resolved':
      case 'acknowledged':
        chain(incident.id, () => emit(change));
        break;
      default:
        for (const l of listeners) l(change);
    }
  }

  return {
    async accept(signals) {
      counters.received += signals.length;
      const before = correlator.stats.duplicates;
      const changes: IncidentChange[] = [];
      const touched = new Map<string, Incident>();
      for (const signal of signals) {
        for (const change of correlator.apply(signal)) {
          changes.push(change);
          touched.set(change.incident.id, change.incident);
          handle(change);
        }
      }
      for (const incident of touched.values()) await store.put(incident);
      return { received: signals.length, duplicates: correlator.stats.duplicates - before, changes };
    },
    async acknowledge(id) {
      const change = correlator.acknowledge(id);
      if (!change) return store.get(id);
      await store.put(change.incident);
      handle(change);
      return change.incident;
    },
    async resolve(id) {
      const change = correlator.resolveById(id, new Date());
      if (!change) return store.get(id);
      await store.put(change.incident);
      handle(change);
      return change.incident;
    },
    get: (id) => store.get(id),
    list: (filter) => store.list(filter),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async idle() {
      while (chains.size > 0) await Promise.all([...chains.values()]);
      await deps.alerts?.flush();
    },
    async restore() {
      correlator.restore([...(await store.list({ state: 'open' })), ...(await store.list({ state: 'acknowledged' }))]);
    },
    stats() {
      return { ...counters, correlation: { ...correlator.stats }, triage: { ...deps.triage.stats }, alerts: deps.alerts?.stats() ?? {} };
    },
  };
}

/** The `incidents:` config section (triage and alerts have their own sections inside it). */
export const IncidentsConfig = z.object({
  /** Kube Sentinel rules.yaml; the bundled control-plane/rules.default.yaml when absent. */
  rules_file: z.string().optional(),
  rules_reload_debounce_ms: z.number().int().min(0).default(200),
  grouping_window: z.string().regex(GO_DURATION, 'a Go duration such as 15m').default('15m'),
  timeline_limit: z.number().int().min(1).max(10_000).default(DEFAULT_CORRELATOR.timelineLimit),
  settle_ms: z.number().int().min(0).max(60_000).default(0),
  triage: TriageConfig.default(TriageConfig.parse({})),
  alerts: AlertConfig.default(AlertConfig.parse({})),
});
export type IncidentsConfig = z.output<typeof IncidentsConfig>;

/** The bundled default rules, from the source tree or from dist/ (tsc does not copy YAML). */
export function defaultRulesPath(): string {
  const candidates = ['../rules.default.yaml', '../../../control-plane/rules.default.yaml'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

export interface Incidents {
  engine: IncidentEngine;
  rules: RulesWatcher;
  triage: TriageService;
  alerts: AlertRouter;
  close(): Promise<void>;
}

/** Builds the whole incident pipeline from config: rules (hot reload), triage, alerts, engine. */
export async function startIncidents(
  config: IncidentsConfig,
  deps: { redactor: Redactor; store?: IncidentStore; metrics?: { triage?: TriageMetrics; alerts?: AlertMetrics } },
): Promise<Incidents> {
  const rules = await RulesWatcher.open(config.rules_file ?? defaultRulesPath(), config.rules_reload_debounce_ms);
  rules.start();
  const triage = new TriageService({ config: config.triage, redactor: deps.redactor, ...(deps.metrics?.triage ? { metrics: deps.metrics.triage } : {}) });
  const alerts = new AlertRouter(config.alerts, { redactor: deps.redactor, ...(deps.metrics?.alerts ? { metrics: deps.metrics.alerts } : {}) });
  const engine = createIncidentEngine({
    rules,
    triage,
    alerts,
    store: deps.store,
    settleMs: config.settle_ms,
    correlation: { windowMs: parseDuration(config.grouping_window), timelineLimit: config.timeline_limit },
  });
  return {
    engine,
    rules,
    triage,
    alerts,
    async close() {
      rules.close();
      await engine.idle();
    },
  };
}
