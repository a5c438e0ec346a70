// Signals → incidents. Pure state machine over a working set (no I/O): the engine persists the
// incidents it returns. Same firing signals in any order within the grouping window give the same
// incidents; a replayed signal id is dropped.
import type { Severity, Signal } from '../signal.js';
import { SEVERITIES } from '../signal.js';
import type { RuleVerdict } from '../rules/priority.js';
import { moreUrgent } from '../rules/priority.js';
import { aiCallFacts } from './ai-call.js';
import { DEFAULT_BASELINE, SpikeDetector, type BaselineConfig } from './baseline.js';
import { BoundedSet } from './bounded-set.js';
import { failureClassOf, type FailureClass } from './failure-class.js';
import { fingerprintOf, incidentKey, workloadKeyOf } from './fingerprint.js';
import type { Incident, IncidentChange, IncidentKey, TimelineEntry } from './types.js';
import { workloadOf } from './workload.js';

export interface CorrelatorConfig {
  /** A firing signal joins an incident whose [firstSeen, lastSeen] is within this distance. */
  windowMs: number;
  timelineLimit: number;
  seenLimit: number;
  /** Bound on incidents kept in the working set (resolved ones are forgotten first). */
  workingSetLimit: number;
  baseline: BaselineConfig;
}

export const DEFAULT_CORRELATOR: CorrelatorConfig = {
  windowMs: 15 * 60_000,
  timelineLimit: 50,
  seenLimit: 100_000,
  workingSetLimit: 20_000,
  baseline: DEFAULT_BASELINE,
};

export type Prioritize = (signal: Signal, key: IncidentKey) => RuleVerdict;

const LIST_LIMIT = 20;

export class Correlator {
  private readonly cfg: CorrelatorConfig;
  private readonly latest = new Map<string, Incident>();
  private readonly seq = new Map<string, number>();
  private readonly byWorkload = new Map<string, Set<string>>();
  private readonly bySourceFingerprint = new Map<string, Set<string>>();
  private readonly seen: BoundedSet<string>;
  private readonly spikes: SpikeDetector;
  readonly stats = { duplicates: 0, unmatchedResolved: 0, unrelated: 0, forgotten: 0 };

  constructor(
    private readonly prioritize: Prioritize,
    cfg: Partial<CorrelatorConfig> = {},
  ) {
    this.cfg = { ...DEFAULT_CORRELATOR, ...cfg };
    this.seen = new BoundedSet(this.cfg.seenLimit);
    this.spikes = new SpikeDetector(this.cfg.baseline);
  }

  apply(signal: Signal): IncidentChange[] {
    if (this.seen.has(signal.id)) {
      this.stats.duplicates += 1;
      return [];
    }
    this.seen.add(signal.id);
    let cls = failureClassOf(signal);
    if (signal.kind === 'ai_call' && this.isSpike(signal) && !cls) cls = 'ai-spike';
    if (signal.status === 'resolved') return this.resolve(signal, cls);
    if (!cls) return this.relate(signal);
    return this.fire(signal, cls);
  }

  acknowledge(id: string): IncidentChange | undefined {
    const incident = this.find(id);
    if (!incident || incident.state !== 'open') return undefined;
    incident.state = 'acknowledged';
    return { type: 'acknowledged', incident };
  }

  /** A person closes the incident by hand; the next firing signal reopens it as usual. */
  resolveById(id: string, at: Date): IncidentChange | undefined {
    const incident = this.find(id);
    if (!incident || incident.state === 'resolved') return undefined;
    incident.state = 'resolved';
    incident.resolvedAt = at.toISOString();
    incident.openSources = [];
    return { type: 'resolved', incident };
  }

  find(id: string): Incident | undefined {
    const fp = id.slice(0, id.lastIndexOf('-'));
    const incident = this.latest.get(fp);
    return incident?.id === id ? incident : undefined;
  }

  /** Reload incidents from a store after a restart (their signal ids are not remembered). */
  restore(incidents: Incident[]): void {
    for (const incident of incidents) {
      const n = Number(incident.id.slice(incident.id.lastIndexOf('-') + 1));
      if (n >= (this.seq.get(incident.fingerprint) ?? 0)) {
        this.seq.set(incident.fingerprint, n);
        this.track(incident);
      }
    }
  }

  active(): Incident[] {
    return [...this.latest.values()].filter((i) => i.state !== 'resolved');
  }

  private isSpike(signal: Signal): boolean {
    const ai = aiCallFacts(signal);
    const base = `${workloadKeyOf(incidentKey(signal, 'ai-spike'))}|${ai.model ?? ''}`;
    let spike = false;
    if (ai.totalTokens !== undefined) spike = this.spikes.observe(`${base}|tokens`, ai.totalTokens).spike || spike;
    if (ai.costUsd !== undefined) spike = this.spikes.observe(`${base}|cost`, ai.costUsd).spike || spike;
    return spike;
  }

  private fire(signal: Signal, cls: FailureClass): IncidentChange[] {
    const key = incidentKey(signal, cls);
    const fingerprint = fingerprintOf(key);
    const cur = this.latest.get(fingerprint);
    const t = ms(signal.time);
    if (cur && this.distance(cur, t) <= this.cfg.windowMs) {
      if (cur.state === 'resolved' && t > ms(cur.resolvedAt ?? cur.lastSeen)) {
        cur.state = 'open';
        cur.resolvedAt = undefined;
        cur.openSources = [];
        cur.reopenCount += 1;
        this.absorb(cur, signal, key);
        return [{ type: 'reopened', incident: cur, signal }];
      }
      return [{ type: this.absorb(cur, signal, key) ? 'escalated' : 'updated', incident: cur, signal }];
    }
    const changes: IncidentChange[] = [];
    if (cur && cur.state !== 'resolved') {
      // Quiet for longer than the window: the old incident is over, a new one starts.
      cur.state = 'resolved';
      cur.resolvedAt = cur.lastSeen;
      changes.push({ type: 'resolved', incident: cur });
    }
    changes.push({ type: 'opened', incident: this.open(signal, key, fingerprint), signal });
    return changes;
  }

  private open(signal: Signal, key: IncidentKey, fingerprint: string): Incident {
    const n = (this.seq.get(fingerprint) ?? 0) + 1;
    this.seq.set(fingerprint, n);
    const verdict = this.prioritize(signal, key);
    const workload = workloadOf(signal.resource);
    const incident: Incident = {
      id: `${fingerprint}-${n}`,
      fingerprint,
      key,
      workload,
      state: 'open',
      title: titleOf(signal, key),
      priority: verdict.priority,
      rule: verdict.rule,
      remediation: verdict.remediation,
      severity: signal.severity,
      firstSeen: signal.time,
      lastSeen: signal.time,
      reopenCount: 0,
      signalCount: 0,
      relatedCount: 0,
      timeline: [],
      timelineDropped: 0,
      pods: [],
      sourceFingerprints: [],
      openSources: [],
    };
    this.absorb(incident, signal, key);
    this.track(incident);
    return incident;
  }

  /** Adds a firing signal; returns true when it escalated the priority. */
  private absorb(incident: Incident, signal: Signal, key: IncidentKey): boolean {
    incident.signalCount += 1;
    if (ms(signal.time) < ms(incident.firstSeen)) {
      incident.firstSeen = signal.time;
      incident.title = titleOf(signal, key);
    }
    if (ms(signal.time) > ms(incident.lastSeen)) incident.lastSeen = signal.time;
    if (SEVERITIES.indexOf(signal.severity) < SEVERITIES.indexOf(incident.severity)) incident.severity = signal.severity as Severity;
    this.addToTimeline(incident, signal);
    if (signal.resource.pod) addBounded(incident.pods, signal.resource.pod);
    if (signal.sourceFingerprint) {
      addBounded(incident.sourceFingerprints, signal.sourceFingerprint);
      addBounded(incident.openSources, signal.sourceFingerprint);
      let set = this.bySourceFingerprint.get(signal.sourceFingerprint);
      if (!set) this.bySourceFingerprint.set(signal.sourceFingerprint, (set = new Set()));
      set.add(incident.fingerprint);
    }
    if (incident.signalCount === 1) return false;
    const verdict = this.prioritize(signal, key);
    if (!moreUrgent(verdict.priority, incident.priority)) return false;
    incident.priority = verdict.priority;
    incident.rule = verdict.rule;
    incident.remediation = verdict.remediation;
    return true;
  }

  private addToTimeline(incident: Incident, entry: TimelineEntry): void {
    const tl = incident.timeline;
    let i = tl.length;
    while (i > 0 && compareEntries(tl[i - 1]!, entry) > 0) i -= 1;
    tl.splice(i, 0, entry);
    if (tl.length > this.cfg.timelineLimit) {
      tl.shift();
      incident.timelineDropped += 1;
    }
  }

  private resolve(signal: Signal, cls: FailureClass | null): IncidentChange[] {
    const fingerprints = new Set<string>(this.bySourceFingerprint.get(signal.sourceFingerprint ?? '') ?? []);
    if (fingerprints.size === 0 && cls) fingerprints.add(fingerprintOf(incidentKey(signal, cls)));
    const changes: IncidentChange[] = [];
    for (const fp of fingerprints) {
      const incident = this.latest.get(fp);
      if (!incident || incident.state === 'resolved') continue;
      const open = incident.openSources;
      if (signal.sourceFingerprint && open.includes(signal.sourceFingerprint)) open.splice(open.indexOf(signal.sourceFingerprint), 1);
      if (signal.sourceFingerprint && open.length > 0) {
        // Another pod (or alert) of this incident is still failing.
        this.addToTimeline(incident, signal);
        changes.push({ type: 'updated', incident, signal });
        continue;
      }
      incident.state = 'resolved';
      incident.resolvedAt = ms(signal.time) > ms(incident.lastSeen) ? signal.time : incident.lastSeen;
      this.addToTimeline(incident, signal);
      changes.push({ type: 'resolved', incident, signal });
    }
    if (changes.length === 0) this.stats.unmatchedResolved += 1;
    return changes;
  }

  /** A healthy AI call: context for the newest open incident of its workload, if any. */
  private relate(signal: Signal): IncidentChange[] {
    const wk = workloadKeyOf(incidentKey(signal, 'other'));
    let target: Incident | undefined;
    for (const fp of this.byWorkload.get(wk) ?? []) {
      const i = this.latest.get(fp);
      if (i && i.state !== 'resolved' && (!target || ms(i.lastSeen) > ms(target.lastSeen))) target = i;
    }
    if (!target) {
      this.stats.unrelated += 1;
      return [];
    }
    target.relatedCount += 1;
    this.addToTimeline(target, { ...signal, related: true });
    return [{ type: 'related', incident: target, signal }];
  }

  private distance(incident: Incident, t: number): number {
    const first = ms(incident.firstSeen);
    const last = ms(incident.resolvedAt ?? incident.lastSeen);
    return t < first ? first - t : t > last ? t - last : 0;
  }

  private track(incident: Incident): void {
    this.latest.delete(incident.fingerprint);
    this.latest.set(incident.fingerprint, incident);
    const wk = workloadKeyOf(incident.key);
    let set = this.byWorkload.get(wk);
    if (!set) this.byWorkload.set(wk, (set = new Set()));
    set.add(incident.fingerprint);
    if (this.latest.size > this.cfg.workingSetLimit) this.forgetOne();
  }

  private forgetOne(): void {
    let victim: Incident | undefined;
    for (const i of this.latest.values()) {
      if (i.state === 'resolved') {
        victim = i;
        break;
      }
      victim ??= i;
    }
    if (!victim) return;
    this.latest.delete(victim.fingerprint);
    this.byWorkload.get(workloadKeyOf(victim.key))?.delete(victim.fingerprint);
    for (const sfp of victim.sourceFingerprints) this.bySourceFingerprint.get(sfp)?.delete(victim.fingerprint);
    this.stats.forgotten += 1;
  }
}

function titleOf(signal: Signal, key: IncidentKey): string {
  const where = [key.namespace, key.workload].filter(Boolean).join('/');
  return where ? `${where}: ${signal.title}` : signal.title;
}

// Timestamps are compared as instants: "…00Z" and "…00.5Z" do not sort as strings.
const ms = (iso: string): number => Date.parse(iso);

function compareEntries(a: TimelineEntry, b: TimelineEntry): number {
  const d = ms(a.time) - ms(b.time);
  return d !== 0 ? d : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function addBounded(list: string[], item: string): void {
  if (!list.includes(item) && list.length < LIST_LIMIT) list.push(item);
}
