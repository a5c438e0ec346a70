// What a triager needs next to a Kubernetes signal, fetched once when it fires: the object's
// recent events and the container's current and previous logs. Every line is redacted; a
// failed fetch is noted in the context, never thrown.
import type { CoreV1Api, CoreV1Event } from '@kubernetes/client-node';
import { redact } from '../redact.js';
import { eventTime } from './detect.js';
import { messageOf } from '../../../../lib/kube-informer.js';

export type EventSummary = { type?: string; reason?: string; message: string; count?: number; lastSeen?: string; source?: string };
export type ContainerLogs = { container: string; current?: string[]; previous?: string[]; errors?: string[] };
export type ObjectRef = { kind: string; name: string; namespace?: string; uid?: string };

const MAX_LINE = 2000;

export class ContextGatherer {
  constructor(
    private readonly core: CoreV1Api,
    private readonly opts: { logTailLines: number; maxEvents: number },
  ) {}

  /** Events about the object, newest last, at most maxEvents. */
  async events(ref: ObjectRef): Promise<{ events: EventSummary[]; error?: string }> {
    if (this.opts.maxEvents === 0) return { events: [] };
    const fieldSelector = `involvedObject.kind=${ref.kind},involvedObject.name=${ref.name}`;
    try {
      const list = ref.namespace
        ? await this.core.listNamespacedEvent({ namespace: ref.namespace, fieldSelector })
        : await this.core.listEventForAllNamespaces({ fieldSelector });
      const events = list.items
        .filter((e) => !ref.uid || !e.involvedObject.uid || e.involvedObject.uid === ref.uid)
        .sort((a, b) => (eventTime(a) ?? '').localeCompare(eventTime(b) ?? ''))
        .slice(-this.opts.maxEvents)
        .map(summarizeEvent);
      return { events };
    } catch (err) {
      return { events: [], error: `events: ${messageOf(err)}` };
    }
  }

  /** The last lines of the container, and of its previous instance when it has restarted. */
  async logs(namespace: string, pod: string, container: string, restarted: boolean): Promise<ContainerLogs> {
    const out: ContainerLogs = { container };
    if (this.opts.logTailLines === 0) return out;
    const fetch = async (previous: boolean): Promise<string[] | undefined> => {
      try {
        const text = await this.core.readNamespacedPodLog({ name: pod, namespace, container, tailLines: this.opts.logTailLines, previous });
        return splitLog(text);
      } catch (err) {
        (out.errors ??= []).push(`${previous ? 'previous' : 'current'} log: ${messageOf(err)}`);
        return undefined;
      }
    };
    const current = await fetch(false);
    if (current) out.current = current;
    if (restarted) {
      const previous = await fetch(true);
      if (previous) out.previous = previous;
    }
    return out;
  }
}

export function summarizeEvent(e: CoreV1Event): EventSummary {
  const s: EventSummary = { message: redact(e.message ?? '').slice(0, MAX_LINE) };
  if (e.type) s.type = e.type;
  if (e.reason) s.reason = e.reason;
  if (e.count) s.count = e.count;
  const seen = eventTime(e);
  if (seen) s.lastSeen = seen;
  const source = e.source?.component ?? e.reportingComponent;
  if (source) s.source = source;
  return s;
}

export function splitLog(text: string): string[] {
  return text
    .split('\n')
    .filter((l, i, all) => l !== '' || i < all.length - 1)
    .map((l) => redact(l).slice(0, MAX_LINE));
}

/** Evidence lines, the form a person or an LLM reads first. */
export function evidenceLines(events: readonly EventSummary[], logs: readonly ContainerLogs[]): string[] {
  const lines = events.map((e) => `event ${e.type ?? ''} ${e.reason ?? ''}${e.count && e.count > 1 ? ` (x${e.count})` : ''}: ${e.message}`.replace(/\s+/g, ' '));
  for (const l of logs) {
    for (const line of l.previous ?? []) lines.push(`previous log [${l.container}] ${line}`);
    for (const line of l.current ?? []) lines.push(`log [${l.container}] ${line}`);
  }
  return lines;
}
