// NATS settings as they appear in the sensor's YAML (snake_case), validated at the edge.
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "250ms", "30s", "2m", "72h", "7d" or a number of milliseconds. */
export const Duration = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 500ms, 30s, 2m, 72h or 7d')
    .transform((s) => {
      const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(s)!;
      return Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
    }),
]);

export const StreamConfig = z.object({
  name: z.string().regex(/^[^.*>\s]+$/, 'a stream name without dots, wildcards or spaces').default('VIGIL_EVENTS'),
  /** Messages older than this are removed (0: no limit). */
  max_age: Duration.default(72 * UNIT_MS.h),
  /** The stream's size limit in bytes; the oldest messages go first (-1: no limit). */
  max_bytes: z.number().int().min(-1).default(1024 ** 3),
  replicas: z.number().int().min(1).max(5).default(1),
  /** A message id seen within this window is stored once. */
  duplicate_window: Duration.default(2 * UNIT_MS.m),
  storage: z.enum(['file', 'memory']).default('file'),
});
export type StreamConfig = z.output<typeof StreamConfig>;

export const NatsConfig = z.object({
  /** nats://host:port or tls://host:port; a bare host:port means nats://. */
  servers: z.union([z.string().min(1).transform((s) => s.split(',').map((x) => x.trim())), z.array(z.string().min(1)).min(1)]),
  name: z.string().default('vigil'),
  user: z.string().optional(),
  password: z.string().optional(),
  token: z.string().optional(),
  /** An NKey seed (SU…) or a file holding one. */
  nkey_seed: z.string().optional(),
  nkey_seed_file: z.string().optional(),
  /** A .creds file (JWT + NKey seed). */
  creds_file: z.string().optional(),
  tls: z
    .object({ ca_file: z.string().optional(), cert_file: z.string().optional(), key_file: z.string().optional() })
    .optional(),
  /** How long one connection attempt (TCP, TLS, auth) may take. */
  connect_timeout: Duration.default(5 * UNIT_MS.s),
  /** Reconnect forever, waiting from reconnect_wait up to reconnect_max_wait between attempts. */
  reconnect_wait: Duration.default(250),
  reconnect_max_wait: Duration.default(5 * UNIT_MS.s),
  subject_prefix: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/).default('vigil.events'),
  stream: StreamConfig.prefault({}),
  /** Publishes awaiting an acknowledgement at once. */
  max_in_flight: z.number().int().min(1).max(65_536).default(512),
  ack_timeout: Duration.default(5 * UNIT_MS.s),
  /** How often the acknowledged position is saved. Replays after a crash repeat at most this much (deduplicated). */
  checkpoint_interval: Duration.default(250),
});
export type NatsConfig = z.output<typeof NatsConfig>;
export type NatsConfigInput = z.input<typeof NatsConfig>;
