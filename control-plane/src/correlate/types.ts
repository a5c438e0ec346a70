import type { Severity, Signal } from '../signal.js';
import type { Priority, Remediation } from '../rules/priority.js';
import type { Analysis } from '../triage/types.js';
import type { FailureClass } from './failure-class.js';
import type { Workload } from './workload.js';

export const INCIDENT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** The parts of the fingerprint, kept readable next to its hash. */
export interface IncidentKey {
  cluster: string;
  namespace: string;
  workload: string;
  container: string;
  failureClass: FailureClass;
  /** Alert name for alerts, provider for AI failures; empty otherwise. */
  detail: string;
}

/** One signal in an incident's timeline; `related` marks context (healthy AI calls) that did not fire it. */
export type TimelineEntry = Signal & { related?: boolean };

export interface Incident {
  /** `<fingerprint>-<n>`: the n-th incident with this fingerprint. */
  id: string;
  fingerprint: string;
  key: IncidentKey;
  workload?: Workload;
  state: IncidentState;
  title: string;
  priority: Priority;
  rule?: string;
  remediation?: Remediation;
  severity: Severity;
  firstSeen: string;
  lastSeen: string;
  resolvedAt?: string;
  reopenCount: number;
  /** Firing signals absorbed (duplicates by id are not counted). */
  signalCount: number;
  relatedCount: number;
  /** The newest signals, ordered by time; older ones beyond the bound are only counted. */
  timeline: TimelineEntry[];
  timelineDropped: number;
  pods: string[];
  sourceFingerprints: string[];
  /** Source fingerprints still firing: the incident resolves when the last one resolves. */
  openSources: string[];
  analysis?: Analysis;
}

export type ChangeType = 'opened' | 'updated' | 'escalated' | 'reopened' | 'resolved' | 'acknowledged' | 'related';

export interface IncidentChange {
  type: ChangeType;
  incident: Incident;
  signal?: Signal;
}
