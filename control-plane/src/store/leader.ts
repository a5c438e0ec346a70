// One leader among control-plane replicas executes actions. The lease is a KV key in a bucket
// whose TTL expires it; the leader renews it with a revision-checked update, so a replica that
// was paused past the lease cannot renew over a newer leader.
import { JSONCodec, type KV, type NatsConnection } from 'nats';
import { logger } from '../../../lib/log.js';

const log = logger('leader');
const codec = JSONCodec<{ id: string }>();
const KEY = 'leader';

export interface LeaderOptions {
  id: string;
  bucket?: string;
  leaseMs?: number;
}

export class LeaderElection {
  private revision: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly kv: KV,
    readonly id: string,
    private readonly leaseMs: number,
  ) {}

  static async start(nc: NatsConnection, opts: LeaderOptions): Promise<LeaderElection> {
    const leaseMs = opts.leaseMs ?? 15_000;
    const kv = await nc.jetstream().views.kv(opts.bucket ?? 'VIGIL_LEADER', { ttl: leaseMs, history: 1 });
    const election = new LeaderElection(kv, opts.id, leaseMs);
    await election.tick();
    return election;
  }

  isLeader(): boolean {
    return this.revision !== undefined;
  }

  /** Renews the lease when held, tries to take it when free; then schedules the next try. */
  private async tick(): Promise<void> {
    const was = this.isLeader();
    try {
      this.revision = this.revision === undefined ? await this.kv.create(KEY, codec.encode({ id: this.id })) : await this.kv.update(KEY, codec.encode({ id: this.id }), this.revision);
    } catch {
      this.revision = undefined;
    }
    if (was !== this.isLeader()) log.info({ id: this.id, leader: this.isLeader() }, this.isLeader() ? 'became leader' : 'lost leadership');
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), Math.max(100, Math.floor(this.leaseMs / 3)));
      this.timer.unref();
    }
  }

  /** Stops renewing and frees the lease at once so another replica takes over quickly. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.revision !== undefined) await this.kv.delete(KEY, { previousSeq: this.revision }).catch(() => undefined);
    this.revision = undefined;
  }
}
