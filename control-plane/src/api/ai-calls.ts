// AI calls over HTTP: the filtered, paged list (newest first) and per-key time series.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MAX_SERIES_BUCKETS, SERIES_KEYS } from '../aicalls/store.js';
import { ApiError, isoMs, route } from './route.js';
import { AiCallRow, Page, SeriesBody } from './schemas.js';
import type { ApiServices } from './services.js';

const Status = z
  .string()
  .regex(/^(ok|error|[1-5]\d\d)$/, 'ok, error or an HTTP status code such as 429')
  .transform((s) => (s === 'ok' || s === 'error' ? s : Number(s)));

export const AiCallListQuery = z
  .object({
    namespace: z.string().min(1).optional(),
    pod: z.string().min(1).optional(),
    provider: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    status: Status.optional().describe('ok, error, or an HTTP status code'),
    since: isoMs.optional(),
    until: isoMs.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  })
  .strict();

export const SeriesQuery = z
  .object({
    since: isoMs.optional().describe('default: an hour before until'),
    until: isoMs.optional().describe('default: now'),
    step: z.coerce.number().int().min(1).max(86_400).optional().describe('bucket width in seconds; default: the range in 60 buckets'),
    by: z.enum(SERIES_KEYS).default('model'),
  })
  .strict();

export async function aiCallRoutes(app: FastifyInstance, s: ApiServices): Promise<void> {
  route(app, s.docs, {
    method: 'GET',
    url: '/api/ai-calls',
    tag: 'ai-calls',
    access: 'read',
    summary: 'AI calls seen by the sensors, newest first, filtered and paged',
    query: AiCallListQuery,
    response: Page(AiCallRow),
    async handler({ query }) {
      const { limit, offset, ...filter } = query;
      const { items, total } = s.aiCalls.list(filter, limit, offset);
      return { items, total, count: items.length };
    },
  });

  route(app, s.docs, {
    method: 'GET',
    url: '/api/ai-calls/series',
    tag: 'ai-calls',
    access: 'read',
    summary: 'AI calls per time bucket and key (namespace, model or provider): calls, errors, tokens, cost, latency p50/p95',
    description: `At most ${MAX_SERIES_BUCKETS} buckets; the 20 busiest keys get their own series, the rest are summed as "(other)".`,
    query: SeriesQuery,
    response: SeriesBody,
    async handler({ query }) {
      const until = query.until ?? (s.now?.() ?? new Date()).getTime();
      const since = query.since ?? until - 3_600_000;
      if (since >= until) throw new ApiError(400, 'VIGIL_API_INVALID', 'invalid query: since must be before until');
      const stepMs = (query.step ?? Math.max(1, Math.ceil((until - since) / 60_000))) * 1000;
      const buckets = Math.ceil((until - since) / stepMs);
      if (buckets > MAX_SERIES_BUCKETS) {
        throw new ApiError(400, 'VIGIL_API_INVALID', `invalid query: ${buckets} buckets asked for, at most ${MAX_SERIES_BUCKETS}; widen step or narrow since..until`);
      }
      return s.aiCalls.series({ since, until, stepMs, by: query.by });
    },
  });
}
