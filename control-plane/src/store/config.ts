// Where durable state lives: local files under a data directory (default), or JetStream when a
// NATS URL is given. Env: VIGIL_DATA_DIR (or --data-dir), VIGIL_STORE_NATS_URL.
import { z } from 'zod';

export const StoreSection = z.object({
  dataDir: z.string().min(1).default('./vigil-data'),
  /** fsync interval for ordinary writes; approvals, claims and audit are fsynced at once. */
  fsyncIntervalMs: z.coerce.number().int().min(10).max(10_000).default(100),
  nats: z
    .object({
      url: z.string().min(1),
      bucket: z.string().regex(/^[-\w]+$/).default('VIGIL_STATE'),
      stream: z.string().regex(/^[-\w]+$/).default('VIGIL_AUDIT'),
      leaderBucket: z.string().regex(/^[-\w]+$/).default('VIGIL_LEADER'),
      /** A leader that stops renewing loses the lease after this long. */
      leaseMs: z.coerce.number().int().min(1000).max(600_000).default(15_000),
    })
    .optional(),
});
export type StoreConfig = z.infer<typeof StoreSection>;

/** Environment overrides onto a raw `store` section; `--data-dir` is passed as `dataDir` by the CLI. */
export function storeEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (env.VIGIL_DATA_DIR) out.dataDir = env.VIGIL_DATA_DIR;
  if (env.VIGIL_STORE_NATS_URL) out.nats = { url: env.VIGIL_STORE_NATS_URL };
  return out;
}
