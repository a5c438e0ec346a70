// Turns incident changes into alert messages and delivers them: routing by priority and
// namespace, one bounded queue and worker per sink (so a sink's messages stay in order), rate
// limits, drops counted. One trigger per incident and sink; later messages only for escalation,
// reopening, acknowledgement and resolution — never because the analysis text changed.
import { logger } from '../../../lib/log.js';
import type { AlertMetrics } from '../metrics/alerts.js';
import type { Incident, IncidentChange } from '../correlate/types.js';
import type { Priority } from '../rules/priority.js';
import type { Redactor } from '../triage/types.js';
import { moreUrgent } from '../rules/priority.js';
import type { AlertConfig, Route, SinkConfig } from './config.js';
import { alertMessage, type AlertEvent, type AlertMessage } from './message.js';
import { pagerDutySink } from './pagerduty.js';
import { TokenBucket } from './rate-limit.js';
import type { AlertSink } from './sink.js';
import { slackSink } from './slack.js';
import { teamsSink } from './teams.js';
import { webhookSink } from './webhook.js';

const log = logger('alerts');

export function createSink(cfg: SinkConfig, redactor?: Redactor): AlertSink {
  switch (cfg.type) {
    case 'slack':
      return slackSink(cfg, redactor);
    case 'teams':
      return teamsSink(cfg, redactor);
    case 'pagerduty':
      return pagerDutySink(cfg, redactor);
    case 'webhook':
      return webhookSink(cfg, redactor);
  }
}

export function routeMatches(route: Route, incident: Pick<Incident, 'priority' | 'key'>): boolean {
  const ns = incident.key.namespace;
  if (route.priorities && !route.priorities.includes(incident.priority)) return false;
  if (route.namespaces && !route.namespaces.includes(ns)) return false;
  if (route.exclude_namespaces?.includes(ns)) return false;
  return true;
}

export interface SinkStats {
  sent: number;
  failed: number;
  dropped: number;
  queued: number;
}

class SinkWorker {
  private readonly queue: AlertMessage[] = [];
  private readonly bucket: TokenBucket;
  private running?: Promise<void>;
  readonly stats: SinkStats = { sent: 0, failed: 0, dropped: 0, queued: 0 };

  constructor(
    readonly cfg: SinkConfig,
    readonly sink: AlertSink,
    private readonly metrics?: AlertMetrics,
  ) {
    this.bucket = new TokenBucket(cfg.rate_per_minute);
  }

  enqueue(m: AlertMessage): void {
    if (this.queue.length >= this.cfg.queue_size) {
      this.stats.dropped += 1;
      this.metrics?.droppedOne(this.cfg);
      log.warn({ sink: this.cfg.name, incident: m.incident.id, event: m.event }, 'alert queue full; message dropped');
      return;
    }
    this.queue.push(m);
    this.stats.queued = this.queue.length;
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (let m = this.queue.shift(); m; m = this.queue.shift()) {
      this.stats.queued = this.queue.length;
      await this.bucket.take();
      try {
        await this.sink.send(m);
        this.stats.sent += 1;
        this.metrics?.delivered(this.cfg, m.event, true);
      } catch (err) {
        this.stats.failed += 1;
        this.metrics?.delivered(this.cfg, m.event, false);
        log.error({ sink: this.cfg.name, incident: m.incident.id, event: m.event, err: (err as Error).message }, 'alert delivery failed');
      }
    }
  }
}

interface Sent {
  priority: Priority;
  sinks: Set<string>;
  resolved: boolean;
}

export interface AlertRouterOptions {
  /** Applied to every message body before it leaves (defence in depth; analyses are already redacted). */
  redactor?: Redactor;
  /** Replaces the sink built from a config entry (tests, custom transports). */
  sinkFor?: (cfg: SinkConfig) => AlertSink;
  /** Bound on incidents whose alert state is remembered. */
  memory?: number;
  metrics?: AlertMetrics;
}

export class AlertRouter {
  private readonly workers: SinkWorker[];
  private readonly sent = new Map<string, Sent>();
  private readonly memory: number;

  constructor(
    private readonly cfg: AlertConfig,
    opts: AlertRouterOptions = {},
  ) {
    this.workers = cfg.sinks.map((s) => new SinkWorker(s, opts.sinkFor?.(s) ?? createSink(s, opts.redactor), opts.metrics));
    this.memory = opts.memory ?? 50_000;
  }

  notify(change: IncidentChange): void {
    const i = change.incident;
    const state = this.sent.get(i.id);
    const matching = this.workers.filter((w) => routeMatches(w.cfg.route, i));
    if (change.type === 'opened' || (!state && (change.type === 'escalated' || change.type === 'reopened'))) {
      this.start(i, matching);
      return;
    }
    if (!state) return;
    const fresh = matching.filter((w) => !state.sinks.has(w.cfg.name));
    if (change.type === 'escalated' && moreUrgent(i.priority, state.priority)) {
      this.send('escalate', i, this.known(state), state.priority);
      this.send('trigger', i, fresh);
      fresh.forEach((w) => state.sinks.add(w.cfg.name));
      state.priority = i.priority;
    } else if (change.type === 'reopened' && state.resolved) {
      this.send('reopen', i, this.known(state));
      this.send('trigger', i, fresh);
      fresh.forEach((w) => state.sinks.add(w.cfg.name));
      state.resolved = false;
    } else if (change.type === 'acknowledged' && !state.resolved) {
      this.send('acknowledge', i, this.known(state));
    } else if (change.type === 'resolved' && !state.resolved) {
      this.send('resolve', i, this.known(state));
      state.resolved = true;
    }
  }

  /** Waits until every queued message has been delivered or given up on. */
  async flush(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.idle()));
  }

  stats(): Record<string, SinkStats> {
    return Object.fromEntries(this.workers.map((w) => [w.cfg.name, { ...w.stats }]));
  }

  private start(i: Incident, workers: SinkWorker[]): void {
    // Not `i.state`: a resolve may already be queued behind this trigger and must still go out.
    this.sent.set(i.id, { priority: i.priority, sinks: new Set(workers.map((w) => w.cfg.name)), resolved: false });
    if (this.sent.size > this.memory) this.sent.delete(this.sent.keys().next().value!);
    this.send('trigger', i, workers);
  }

  private known(state: Sent): SinkWorker[] {
    return this.workers.filter((w) => state.sinks.has(w.cfg.name));
  }

  private send(event: AlertEvent, i: Incident, workers: SinkWorker[], previousPriority?: Priority): void {
    if (workers.length === 0) return;
    // A snapshot: the incident keeps changing while the message waits in the queue.
    const snapshot: Incident = { ...i, key: { ...i.key }, timeline: [], pods: [...i.pods], sourceFingerprints: [], openSources: [] };
    const dashboardUrl = this.cfg.dashboard_url?.replace('{id}', encodeURIComponent(i.id));
    const m = alertMessage(event, snapshot, { previousPriority, dashboardUrl });
    for (const w of workers) w.enqueue(m);
  }
}
