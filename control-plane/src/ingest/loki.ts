// Loki as a log backend: a poller on /loki/api/v1/query_range with a LogQL query, poll
// interval and lookback (Kube Sentinel's `loki:` section, whose snake_case keys are accepted),
// that turns each returned line into a Signal and resumes from the last seen timestamp without
// duplicates; and `fetchHistory`, the recent lines of one pod for triage.
import { z } from 'zod';
import { logger } from '../../../lib/log.js';
import { Signal, type Resource } from '../signal.js';
import { stableId } from './ids.js';
import { classifyLogLine, levelOf, type Classification } from './logs/classify.js';
import { redact } from './redact.js';
import type { SignalSink } from './sink.js';
import { compact, toIso, truncate } from './values.js';

const log = logger('loki');

/** "30s", "5m", "1h30m", "250ms" or a number of milliseconds. */
export const duration = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^(\d+(ms|s|m|h))+$/, 'a duration such as 30s, 5m or 1h30m')
    .transform((s) => {
      let ms = 0;
      for (const [, n, unit] of s.matchAll(/(\d+)(ms|s|m|h)/g)) ms += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
      return ms;
    }),
]);

/** Kube Sentinel writes poll_interval; this project writes pollInterval: both are read. */
const snakeToCamel = (v: unknown) =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), x]))
    : v;

export const LokiSection = z.preprocess(
  snakeToCamel,
  z.object({
    url: z.url(),
    query: z.string().min(1).default('{namespace=~".+"} |~ "(?i)(error|fatal|panic|exception|fail)"'),
    pollInterval: duration.default(30_000),
    lookback: duration.default(300_000),
    /** Entries per request; a full page is followed by another, up to maxPages per poll. */
    limit: z.coerce.number().int().min(1).max(5000).default(1000),
    maxPages: z.coerce.number().int().min(1).max(100).default(10),
    /** X-Scope-OrgID for multi-tenant Loki. */
    tenant: z.string().min(1).optional(),
    /** Extra request headers (Authorization...). Never logged. */
    headers: z.record(z.string(), z.string()).default({}),
    timeout: duration.default(10_000),
    /** query: every line the query returns is a Signal (Kube Sentinel); classify: only lines the log classifier calls failures. */
    filter: z.enum(['query', 'classify']).default('query'),
    /** Stream label names that carry the Kubernetes identity (promtail/alloy conventions differ). */
    labels: z
      .object({ namespace: z.string().default('namespace'), pod: z.string().default('pod'), container: z.string().default('container'), node: z.string().default('node_name') })
      .prefault({}),
    /** Recent lines one fetchHistory call returns at most. */
    historyLimit: z.coerce.number().int().min(1).max(5000).default(500),
  }),
);
export type LokiSection = z.infer<typeof LokiSection>;

// ---- the query_range answer (pure) ----

const QueryRangeAnswer = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('streams'),
    result: z.array(z.object({ stream: z.record(z.string(), z.string()), values: z.array(z.tuple([z.string().regex(/^\d+$/), z.string()])) })),
  }),
});

export type LokiEntry = { ts: bigint; line: string; labels: Record<string, string> };

/** Flattens a query_range answer into entries in time order; a malformed answer throws a clear error. */
export function parseQueryRange(body: unknown): LokiEntry[] {
  const parsed = QueryRangeAnswer.safeParse(body);
  if (!parsed.success) throw new Error(`unexpected Loki query_range answer: ${z.prettifyError(parsed.error).split('\n').slice(0, 3).join('; ')}`);
  const entries: LokiEntry[] = [];
  for (const s of parsed.data.data.result) for (const [ts, line] of s.values) entries.push({ ts: BigInt(ts), line, labels: s.stream });
  return entries.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
}

/** Where the poller stands: the newest timestamp seen and which entries carried it (Loki's start
 * is inclusive, so the next query repeats that instant and these are skipped). */
export type Cursor = { ts: bigint; seenAtTs: Set<string> };

export function entryKey(e: LokiEntry): string {
  return stableId('loki', canonicalLabels(e.labels), e.ts.toString(), e.line);
}

/** Entries not yet seen, and the cursor after them. */
export function advance(cursor: Cursor | undefined, entries: readonly LokiEntry[]): { fresh: LokiEntry[]; cursor: Cursor | undefined } {
  let next = cursor ? { ts: cursor.ts, seenAtTs: new Set(cursor.seenAtTs) } : undefined;
  const fresh: LokiEntry[] = [];
  for (const e of entries) {
    if (next && e.ts < next.ts) continue;
    const key = entryKey(e);
    if (next && e.ts === next.ts && next.seenAtTs.has(key)) continue;
    if (!next || e.ts > next.ts) next = { ts: e.ts, seenAtTs: new Set() };
    next.seenAtTs.add(key);
    fresh.push(e);
  }
  return { fresh, cursor: next };
}

export function resourceFromLabels(labels: Record<string, string>, names: LokiSection['labels']): Resource {
  return compact({ namespace: labels[names.namespace], pod: labels[names.pod], container: labels[names.container], node: labels[names.node] }) as Resource;
}

/** One log line as a Signal; shared by the Loki and custom_http backends. */
export function logLineSignal(args: {
  id: string;
  source: 'loki' | 'logs';
  adapter: string;
  line: string;
  time: string;
  cls: Classification;
  resource: Resource;
  labels?: Record<string, string>;
  attributes?: Record<string, unknown>;
}): Signal {
  const text = redact(args.line);
  return Signal.parse({
    id: args.id,
    source: args.source,
    adapter: args.adapter,
    kind: 'log',
    reason: args.cls.reason,
    time: args.time,
    severity: args.cls.severity,
    title: truncate(`${args.cls.reason}: ${text.split('\n', 1)[0]}`, 200),
    message: truncate(text, 4096),
    resource: args.resource,
    labels: args.labels ?? {},
    evidence: [truncate(text, 4096)],
    attributes: args.attributes ?? {},
  });
}

/** The classifier's verdict, or (filter "query") a plain error when the query alone chose it. */
export function classifyEntry(line: string, level: string | undefined, filter: LokiSection['filter']): Classification | null {
  const cls = classifyLogLine(line, levelOf(level));
  if (cls || filter === 'classify') return cls;
  return { severity: 'error', reason: 'ErrorLog' };
}

export function entrySignal(e: LokiEntry, config: LokiSection): Signal | undefined {
  const cls = classifyEntry(e.line, e.labels.level ?? e.labels.detected_level, config.filter);
  if (!cls) return undefined;
  return logLineSignal({
    id: entryKey(e),
    source: 'loki',
    adapter: 'loki',
    line: e.line,
    time: toIso(e.ts.toString()) ?? new Date(0).toISOString(),
    cls,
    resource: resourceFromLabels(e.labels, config.labels),
    labels: e.labels,
    attributes: { lokiTimestampNs: e.ts.toString() },
  });
}

/** A LogQL stream selector for one resource (values quoted and escaped). */
export function selectorFor(resource: Resource, names: LokiSection['labels']): string {
  const q = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const parts = (['namespace', 'pod', 'container'] as const).filter((k) => resource[k]).map((k) => `${names[k]}=${q(resource[k]!)}`);
  if (parts.length === 0) throw new Error('fetchHistory needs at least a namespace or a pod');
  return `{${parts.join(', ')}}`;
}

// ---- I/O ----

export type HistoryWindow = { start: Date; end?: Date };

/** What triage calls for the recent lines of a pod, whatever the backend. */
export interface LogHistory {
  fetchHistory(resource: Resource, window: HistoryWindow): Promise<string[]>;
}

export type LokiStats = { polls: number; errors: number; lastError?: string; signals: number; duplicatesSkipped: number; ignored: number };

export class LokiClient implements LogHistory {
  constructor(
    private readonly config: LokiSection,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async queryRange(query: string, start: bigint, end: bigint, direction: 'forward' | 'backward', limit: number): Promise<LokiEntry[]> {
    const url = new URL('/loki/api/v1/query_range', this.config.url);
    url.search = new URLSearchParams({ query, start: start.toString(), end: end.toString(), limit: String(limit), direction }).toString();
    const headers: Record<string, string> = { accept: 'application/json', ...this.config.headers };
    if (this.config.tenant) headers['X-Scope-OrgID'] = this.config.tenant;
    const res = await this.fetchImpl(url, { headers, signal: AbortSignal.timeout(this.config.timeout) });
    const text = await res.text();
    if (!res.ok) throw new Error(`Loki query_range answered ${res.status}: ${truncate(text.trim(), 300)}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`Loki query_range answered non-JSON: ${truncate(text.trim(), 120)}`);
    }
    return parseQueryRange(body);
  }

  async fetchHistory(resource: Resource, window: HistoryWindow): Promise<string[]> {
    const end = window.end ?? new Date();
    const entries = await this.queryRange(selectorFor(resource, this.config.labels), msToNs(window.start.getTime()), msToNs(end.getTime()), 'backward', this.config.historyLimit);
    return entries.map((e) => redact(e.line));
  }
}

export interface LokiSource {
  start(): void;
  stop(): Promise<void>;
  /** One poll (what the timer runs); exported for tests and manual runs. */
  pollOnce(): Promise<void>;
  stats(): LokiStats;
}

export function createLokiSource(config: LokiSection, deps: { sink: SignalSink; fetch?: typeof fetch; now?: () => number }): LokiSource {
  const client = new LokiClient(config, deps.fetch);
  const now = deps.now ?? Date.now;
  const stats: LokiStats = { polls: 0, errors: 0, signals: 0, duplicatesSkipped: 0, ignored: 0 };
  let cursor: Cursor | undefined;

  async function poll(): Promise<void> {
    stats.polls++;
    const end = msToNs(now());
    for (let page = 0; page < config.maxPages; page++) {
      const start = cursor?.ts ?? msToNs(now() - config.lookback);
      const entries = await client.queryRange(config.query, start, end, 'forward', config.limit);
      const step = advance(cursor, entries);
      stats.duplicatesSkipped += entries.length - step.fresh.length;
      const signals: Signal[] = [];
      for (const e of step.fresh) {
        const s = entrySignal(e, config);
        if (s) signals.push(s);
        else stats.ignored++;
      }
      if (signals.length) deps.sink.accept(signals);
      stats.signals += signals.length;
      // The cursor moves only once the sink took the page: a failure repeats it, never skips it.
      cursor = step.cursor;
      if (entries.length < config.limit || step.fresh.length === 0) return;
    }
  }

  async function pollOnce(): Promise<void> {
    try {
      await poll();
    } catch (err) {
      stats.errors++;
      stats.lastError = (err as Error).message;
      log.warn({ err: stats.lastError, url: config.url }, 'Loki poll failed; next poll resumes from the last seen timestamp');
    }
  }

  const poller = intervalPoller(config.pollInterval, pollOnce);
  return {
    start() {
      log.info({ url: config.url, query: config.query, pollIntervalMs: config.pollInterval }, 'Loki source polling');
      poller.start();
    },
    stop: poller.stop,
    pollOnce,
    stats: () => ({ ...stats }),
  };
}

/** Runs `poll` now and then `intervalMs` after each run ends, until stopped; `poll` never throws. */
export function intervalPoller(intervalMs: number, poll: () => Promise<void>): { start(): void; stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  const tick = () => {
    running = poll().finally(() => {
      running = undefined;
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  return {
    start() {
      if (!stopped) return;
      stopped = false;
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

function msToNs(ms: number): bigint {
  return BigInt(Math.floor(ms)) * 1_000_000n;
}

function canonicalLabels(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}
