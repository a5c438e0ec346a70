// The `alerts:` config section: one entry per sink, each with its own route, rate limit and retries.
import { z } from 'zod';
import { PRIORITIES } from '../rules/priority.js';

export const Route = z.object({
  priorities: z.array(z.enum(PRIORITIES)).optional(),
  namespaces: z.array(z.string()).optional(),
  exclude_namespaces: z.array(z.string()).optional(),
});
export type Route = z.output<typeof Route>;

const common = {
  name: z.string().min(1),
  route: Route.default({}),
  rate_per_minute: z.number().positive().default(30),
  retries: z.number().int().min(0).max(10).default(3),
  retry_base_ms: z.number().int().min(1).default(500),
  timeout_ms: z.number().int().positive().default(10_000),
  queue_size: z.number().int().min(1).default(1_000),
};

export const SinkConfig = z.discriminatedUnion('type', [
  z.object({ ...common, type: z.literal('slack'), webhook_url: z.url() }),
  z.object({ ...common, type: z.literal('teams'), webhook_url: z.url() }),
  z.object({
    ...common,
    type: z.literal('pagerduty'),
    routing_key: z.string().min(1),
    url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
  }),
  z.object({
    ...common,
    type: z.literal('webhook'),
    url: z.url(),
    /** HMAC-SHA256 key for the X-Vigil-Signature header. */
    secret: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).default({}),
  }),
]);
export type SinkConfig = z.output<typeof SinkConfig>;

export const AlertConfig = z.object({
  sinks: z.array(SinkConfig).default([]),
  /** Link to the incident in the dashboard: `{id}` is replaced. */
  dashboard_url: z.string().optional(),
});
export type AlertConfig = z.output<typeof AlertConfig>;
