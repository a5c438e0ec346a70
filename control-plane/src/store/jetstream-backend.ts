// The shared backend for several control-plane replicas: collections live in a JetStream KV
// bucket (revision-checked updates, create-if-absent for idempotency claims), logs in a
// stream whose message id is the entry id (JetStream's dedup drops a retried append).
import { createHash } from 'node:crypto';
import { AckPolicy, DeliverPolicy, JSONCodec, KvWatchInclude, type JetStreamClient, type KV, type NatsConnection } from 'nats';
import { logger } from '../../../lib/log.js';
import type { Backend } from './backend.js';

const codec = JSONCodec<unknown>();
const storeLog = logger('jetstream-store');
const MAX_CAS_ATTEMPTS = 20;

export interface JetStreamBackendOptions {
  /** KV bucket for collections. */
  bucket?: string;
  /** Stream for logs; subjects are `<prefix>.<log>` (prefix `vigil.state.<stream>` by default). */
  stream?: string;
  subjectPrefix?: string;
  /** How long JetStream remembers a log entry id for dedup. */
  dedupWindowMs?: number;
}

/** KV keys allow only [-/_=.a-zA-Z0-9]; ids are encoded so any id is a valid single token. */
const keyOf = (collection: string, id: string): string => `${collection}.${Buffer.from(id).toString('base64url') || '_'}`;

export class JetStreamBackend implements Backend {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly kv: KV,
    private readonly stream: string,
    private readonly prefix: string,
  ) {}

  static async open(nc: NatsConnection, opts: JetStreamBackendOptions = {}): Promise<JetStreamBackend> {
    const stream = opts.stream ?? 'VIGIL_AUDIT';
    // One subject space per stream: two streams may not claim the same subjects.
    const prefix = opts.subjectPrefix ?? `vigil.state.${stream.toLowerCase()}`;
    const jsm = await nc.jetstreamManager();
    const config = { name: stream, subjects: [`${prefix}.>`], duplicate_window: (opts.dedupWindowMs ?? 3_600_000) * 1_000_000 };
    // Exists already (another replica, a restart): bring its config up to date instead.
    await jsm.streams.add(config).catch((err: Error) =>
      jsm.streams.update(stream, config).catch(() => {
        throw err;
      }),
    );
    const js = nc.jetstream();
    const kv = await js.views.kv(opts.bucket ?? 'VIGIL_STATE', { history: 5 });
    return new JetStreamBackend(nc, js, kv, stream, prefix);
  }

  async get(collection: string, id: string): Promise<unknown> {
    const e = await this.kv.get(keyOf(collection, id));
    return e && e.operation === 'PUT' ? codec.decode(e.value) : undefined;
  }

  async put(collection: string, id: string, value: unknown): Promise<void> {
    await this.kv.put(keyOf(collection, id), codec.encode(value));
  }

  async create(collection: string, id: string, value: unknown): Promise<boolean> {
    const key = keyOf(collection, id);
    try {
      await this.kv.create(key, codec.encode(value));
      return true;
    } catch (err) {
      // Lost the race (or the key exists): only a present value means "already claimed".
      if ((await this.get(collection, id)) !== undefined) return false;
      throw err;
    }
  }

  async update(collection: string, id: string, change: (current: unknown) => unknown): Promise<unknown> {
    const key = keyOf(collection, id);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const e = await this.kv.get(key);
      const current = e && e.operation === 'PUT' ? codec.decode(e.value) : undefined;
      const next = change(current);
      if (next === undefined) return undefined;
      try {
        if (e) await this.kv.update(key, codec.encode(next), e.revision);
        else await this.kv.create(key, codec.encode(next));
        return next;
      } catch {
        // Another writer got there first: read again and reapply the change.
      }
    }
    throw new Error(`store: ${collection}/${id} kept changing under ${MAX_CAS_ATTEMPTS} attempts`);
  }

  async delete(collection: string, id: string): Promise<void> {
    await this.kv.delete(keyOf(collection, id));
  }

  async list(collection: string): Promise<unknown[]> {
    const keys: string[] = [];
    for await (const k of await this.kv.keys(`${collection}.>`)) keys.push(k);
    const out: unknown[] = [];
    for (const k of keys) {
      const e = await this.kv.get(k);
      if (e && e.operation === 'PUT') out.push(codec.decode(e.value));
    }
    return out;
  }

  watch(collection: string, onValue: (value: unknown) => void): () => void {
    let stopped = false;
    let stop = (): void => undefined;
    void this.kv
      .watch({ key: `${collection}.>`, include: KvWatchInclude.UpdatesOnly })
      .then(async (updates) => {
        stop = () => updates.stop();
        if (stopped) return stop();
        for await (const e of updates) if (e.operation === 'PUT') onValue(codec.decode(e.value));
      })
      .catch((err: Error) => storeLog.warn({ collection, err: err.message }, 'watching the shared store failed'));
    return () => {
      stopped = true;
      stop();
    };
  }

  async append(log: string, id: string, value: unknown): Promise<void> {
    await this.js.publish(`${this.prefix}.${log}`, codec.encode(value), { msgID: createHash('sha256').update(`${log}\0${id}`).digest('hex') });
  }

  async readLog(log: string): Promise<unknown[]> {
    const jsm = await this.nc.jetstreamManager();
    const subject = `${this.prefix}.${log}`;
    const info = await jsm.streams.info(this.stream, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    if (count === 0) return [];
    const name = `read-${createHash('sha256').update(`${log}${Date.now()}${Math.random()}`).digest('hex').slice(0, 16)}`;
    await jsm.consumers.add(this.stream, {
      name,
      filter_subject: subject,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
      inactive_threshold: 30_000_000_000,
    });
    try {
      const consumer = await this.js.consumers.get(this.stream, name);
      const out: unknown[] = [];
      while (out.length < count) {
        const batch = await consumer.fetch({ max_messages: Math.min(1000, count - out.length), expires: 2000 });
        let got = 0;
        for await (const m of batch) {
          out.push(codec.decode(m.data));
          got += 1;
        }
        if (got === 0) break;
      }
      return out;
    } finally {
      await jsm.consumers.delete(this.stream, name).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    // The connection is the caller's; nothing of ours stays open between calls.
  }
}
