// What the analyzers look at: one failing resource with its events, logs, status and spec, and
// the signals of its incident. Built from an incident (incidents.ts) or a LogJedi request (routes.ts).
import type { Signal } from '../signal.js';
import type { Workload } from '../correlate/workload.js';
import type { Priority } from '../rules/priority.js';

export interface AnalysisInput {
  resource: { kind: string; name: string; namespace: string; container?: string; pod?: string; workload?: Workload };
  reason?: string;
  /** Kubernetes events as lines ("Warning BackOff: Back-off restarting failed container"). */
  events: string[];
  logs: string[];
  historicalLogs: string[];
  /** Pod / Deployment / Job status object, as the API returns it. */
  status?: unknown;
  spec?: unknown;
  signals: Signal[];
  priority?: Priority;
  /** Failure class the correlator grouped by, a hint for the analyzers. */
  failureClass?: string;
}
