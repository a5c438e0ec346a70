// Sensor health per node, from the sensors' sensor_status heartbeats (and loss events between
// them): last heartbeat, version, events by kind, losses by probe, backlog, attached targets. A
// node is healthy while its last heartbeat is younger than three of its intervals. Changes go
// to a listener (the LiveHub topic 'sensor'); a periodic sweep reports nodes that went silent.
import type { Event, EventOf } from '../../../schema/event.js';

/** How many heartbeat intervals may pass before a node counts as unhealthy. */
export const MISSED_INTERVALS = 3;

export interface SensorBacklog {
  events?: number;
  bytes?: number;
  connected?: boolean;
  publishFailures?: number;
}

/** One node's sensor as GET /api/sensors shows it. */
export interface SensorHealth {
  node: string;
  /** Time of the newest heartbeat (the sensor's clock, never later than ours). */
  lastSeen: string;
  version?: string;
  intervalS: number;
  uptimeS?: number;
  events: Record<string, number>;
  losses: Record<string, number>;
  lostTotal: number;
  backlog?: SensorBacklog;
  targets?: number;
  healthy: boolean;
}

interface Entry {
  node: string;
  seenMs: number;
  version?: string;
  intervalS: number;
  uptimeS?: number;
  events: Record<string, number>;
  losses: Record<string, number>;
  backlog?: SensorBacklog;
  targets?: number;
  /** Health as last reported to the listener. */
  reportedHealthy?: boolean;
}

export interface SensorHealthOptions {
  /** Nodes remembered; past it the one heard from longest ago is forgotten. */
  maxNodes?: number;
  /** Interval assumed when a heartbeat does not say (interval_s 0). */
  defaultIntervalS?: number;
  now?: () => number;
  onChange?: (sensor: SensorHealth) => void;
}

function sum(values: Record<string, number>): number {
  return Object.values(values).reduce((a, b) => a + b, 0);
}

export class SensorHealthRegistry {
  private readonly nodes = new Map<string, Entry>();
  private readonly maxNodes: number;
  private readonly defaultIntervalS: number;
  private readonly now: () => number;
  readonly stats = { heartbeats: 0, stale: 0, forgotten: 0 };

  constructor(private readonly opts: SensorHealthOptions = {}) {
    this.maxNodes = opts.maxNodes ?? 5000;
    this.defaultIntervalS = opts.defaultIntervalS ?? 30;
    this.now = opts.now ?? Date.now;
  }

  /** Takes any sensor event; heartbeats and loss events change the node's health. */
  observe(e: Event): void {
    if (e.kind === 'sensor_status') this.heartbeat(e);
    else if (e.kind === 'loss') this.loss(e);
  }

  list(): SensorHealth[] {
    return [...this.nodes.values()].sort((a, b) => a.node.localeCompare(b.node)).map((e) => this.view(e));
  }

  get(node: string): SensorHealth | undefined {
    const e = this.nodes.get(node);
    return e && this.view(e);
  }

  /** Reports nodes whose health changed since they were last reported (call periodically). */
  sweep(): void {
    for (const e of this.nodes.values()) {
      if (this.isHealthy(e) !== e.reportedHealthy) this.report(e);
    }
  }

  /** Runs sweep() every `ms`; returns the stopper. */
  start(ms = 5000): () => void {
    const t = setInterval(() => this.sweep(), ms);
    t.unref();
    return () => clearInterval(t);
  }

  private heartbeat(e: EventOf<'sensor_status'>): void {
    const s = e.sensor_status;
    const seenMs = Math.min(Date.parse(e.time), this.now());
    const prev = this.nodes.get(e.node);
    // Replays and a second replica's share of the stream may deliver an older heartbeat late.
    if (prev && seenMs < prev.seenMs) {
      this.stats.stale++;
      return;
    }
    this.stats.heartbeats++;
    const backlog = s.backlog && {
      ...(s.backlog.events !== undefined ? { events: s.backlog.events } : {}),
      ...(s.backlog.bytes !== undefined ? { bytes: s.backlog.bytes } : {}),
      ...(s.backlog.connected !== undefined ? { connected: s.backlog.connected } : {}),
      ...(s.backlog.publish_failures !== undefined ? { publishFailures: s.backlog.publish_failures } : {}),
    };
    this.put({
      node: e.node,
      seenMs,
      version: s.version,
      intervalS: s.interval_s > 0 ? s.interval_s : this.defaultIntervalS,
      ...(s.uptime_s !== undefined ? { uptimeS: s.uptime_s } : {}),
      events: { ...s.events },
      losses: { ...s.losses },
      ...(backlog ? { backlog } : {}),
      ...(s.targets_attached !== undefined ? { targets: s.targets_attached } : {}),
      ...(prev?.reportedHealthy !== undefined ? { reportedHealthy: prev.reportedHealthy } : {}),
    });
  }

  /**
   * A loss event carries the probe's total since the agent started: the larger total wins, so
   * a node's losses show before its next heartbeat. Nodes are known from heartbeats only.
   */
  private loss(e: EventOf<'loss'>): void {
    const entry = this.nodes.get(e.node);
    if (!entry || e.loss.total <= (entry.losses[e.loss.probe] ?? 0)) return;
    entry.losses[e.loss.probe] = e.loss.total;
    this.report(entry);
  }

  private put(entry: Entry): void {
    this.nodes.delete(entry.node);
    this.nodes.set(entry.node, entry);
    if (this.nodes.size > this.maxNodes) this.forgetOldest();
    this.report(entry);
  }

  private forgetOldest(): void {
    let oldest: Entry | undefined;
    for (const e of this.nodes.values()) if (!oldest || e.seenMs < oldest.seenMs) oldest = e;
    if (oldest) {
      this.nodes.delete(oldest.node);
      this.stats.forgotten++;
    }
  }

  private isHealthy(e: Entry): boolean {
    return this.now() - e.seenMs <= MISSED_INTERVALS * e.intervalS * 1000;
  }

  private report(e: Entry): void {
    e.reportedHealthy = this.isHealthy(e);
    this.opts.onChange?.(this.view(e));
  }

  private view(e: Entry): SensorHealth {
    return {
      node: e.node,
      lastSeen: new Date(e.seenMs).toISOString(),
      ...(e.version !== undefined ? { version: e.version } : {}),
      intervalS: e.intervalS,
      ...(e.uptimeS !== undefined ? { uptimeS: e.uptimeS } : {}),
      events: { ...e.events },
      losses: { ...e.losses },
      lostTotal: sum(e.losses),
      ...(e.backlog ? { backlog: { ...e.backlog } } : {}),
      ...(e.targets !== undefined ? { targets: e.targets } : {}),
      healthy: this.isHealthy(e),
    };
  }
}
