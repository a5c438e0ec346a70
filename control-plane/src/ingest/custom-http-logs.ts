// LogJedi's `custom_http` log backend: GET <url>?namespace=&pod=&since_minutes= answers a JSON
// array of strings or plain text, one line per line. Used for historical logs (fetchHistory,
// for triage) and, over configured targets, as a polled source. The shape carries no
// timestamps, so a line's identity is its text within its target: a repeat of the exact same
// line inside the dedup window is not a new Signal.
import { z } from 'zod';
import { logger } from '../../../lib/log.js';
import type { Resource, Signal } from '../signal.js';
import { stableId } from './ids.js';
import { classifyEntry, duration, intervalPoller, logLineSignal, type HistoryWindow, type LogHistory } from './loki.js';
import { redact } from './redact.js';
import type { SignalSink } from './sink.js';
import { compact, truncate } from './values.js';

const log = logger('custom-http-logs');

export const CustomHttpLogSection = z.object({
  /** LOG_BACKEND_URL. */
  url: z.url(),
  pollInterval: duration.default(60_000),
  /** What the polled source asks for each interval; empty = history only. */
  targets: z.array(z.object({ namespace: z.string().min(1), pod: z.string().min(1).optional() })).default([]),
  headers: z.record(z.string(), z.string()).default({}),
  timeout: duration.default(10_000),
  /** Lines remembered per process for dedup (oldest forgotten first). */
  dedupWindow: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Lines one answer may bring; more are cut (and counted). */
  maxLines: z.coerce.number().int().min(1).max(100_000).default(5000),
});
export type CustomHttpLogSection = z.infer<typeof CustomHttpLogSection>;

/** A JSON array of strings, or plain text with one line per line. */
export function parseLogLines(body: string, contentType: string | null): string[] {
  const trimmed = body.trimStart();
  if (contentType?.includes('json') || trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new Error(`custom_http log backend answered invalid JSON: ${truncate(trimmed, 120)}`);
    }
    if (!Array.isArray(parsed)) throw new Error('custom_http log backend must answer a JSON array of strings');
    return parsed.map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
  }
  return body.split(/\r?\n/).filter((l, i, all) => l !== '' || i < all.length - 1);
}

export class CustomHttpLogClient implements LogHistory {
  truncatedLines = 0;

  constructor(
    private readonly config: CustomHttpLogSection,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async lines(target: { namespace?: string; pod?: string }, sinceMinutes: number): Promise<string[]> {
    const url = new URL(this.config.url);
    if (target.namespace) url.searchParams.set('namespace', target.namespace);
    if (target.pod) url.searchParams.set('pod', target.pod);
    url.searchParams.set('since_minutes', String(Math.max(1, Math.ceil(sinceMinutes))));
    const res = await this.fetchImpl(url, { headers: this.config.headers, signal: AbortSignal.timeout(this.config.timeout) });
    const body = await res.text();
    if (!res.ok) throw new Error(`custom_http log backend answered ${res.status}: ${truncate(body.trim(), 300)}`);
    const lines = parseLogLines(body, res.headers.get('content-type'));
    if (lines.length > this.config.maxLines) this.truncatedLines += lines.length - this.config.maxLines;
    return lines.slice(-this.config.maxLines);
  }

  async fetchHistory(resource: Resource, window: HistoryWindow): Promise<string[]> {
    const end = window.end ?? new Date();
    const target: { namespace?: string; pod?: string } = {};
    if (resource.namespace) target.namespace = resource.namespace;
    if (resource.pod) target.pod = resource.pod;
    const lines = await this.lines(target, (end.getTime() - window.start.getTime()) / 60_000);
    return lines.map((l) => redact(l));
  }
}

export type CustomHttpStats = { polls: number; errors: number; lastError?: string; signals: number; duplicatesSkipped: number; truncatedLines: number };

export interface CustomHttpLogSource {
  start(): void;
  stop(): Promise<void>;
  pollOnce(): Promise<void>;
  stats(): CustomHttpStats;
}

export function createCustomHttpLogSource(
  config: CustomHttpLogSection,
  deps: { sink: SignalSink; fetch?: typeof fetch; now?: () => Date },
): CustomHttpLogSource {
  const client = new CustomHttpLogClient(config, deps.fetch);
  const now = deps.now ?? (() => new Date());
  const seen = new Set<string>();
  const stats = { polls: 0, errors: 0, signals: 0, duplicatesSkipped: 0 } as Omit<CustomHttpStats, 'truncatedLines'>;

  const remember = (id: string) => {
    seen.add(id);
    // A Set iterates in insertion order: the first entry is the oldest.
    if (seen.size > config.dedupWindow) seen.delete(seen.values().next().value!);
  };

  async function pollOnce(): Promise<void> {
    stats.polls++;
    // Ask a little further back than one interval so a late line is not missed; dedup absorbs the overlap.
    const sinceMinutes = config.pollInterval / 60_000 + 1;
    for (const target of config.targets) {
      try {
        const lines = await client.lines(target, sinceMinutes);
        const signals: Signal[] = [];
        const ids: string[] = [];
        for (const line of lines) {
          const id = stableId('custom-http', target.namespace, target.pod ?? '', line);
          if (seen.has(id)) {
            stats.duplicatesSkipped++;
            continue;
          }
          ids.push(id);
          const cls = classifyEntry(line, undefined, 'classify');
          if (!cls) continue;
          const resource = compact({ namespace: target.namespace, pod: target.pod }) as Resource;
          signals.push(logLineSignal({ id, source: 'logs', adapter: 'custom-http', line, time: now().toISOString(), cls, resource }));
        }
        if (signals.length) deps.sink.accept(signals);
        stats.signals += signals.length;
        ids.forEach(remember);
      } catch (err) {
        stats.errors++;
        stats.lastError = (err as Error).message;
        log.warn({ err: stats.lastError, namespace: target.namespace, pod: target.pod }, 'custom_http log poll failed; retrying next interval');
      }
    }
  }

  const poller = intervalPoller(config.pollInterval, pollOnce);
  return {
    start() {
      if (config.targets.length > 0) poller.start();
    },
    stop: poller.stop,
    pollOnce,
    stats: () => ({ ...stats, truncatedLines: client.truncatedLines }),
  };
}
