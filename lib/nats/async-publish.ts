// JetStream publishing with one reply subscription for every ack, as the Go client's
// PublishAsync does. nats.js's js.publish() is a request per message, with its own timer and a
// pre-built timeout error (a stack trace each): at tens of thousands of events per second that
// costs more than everything else the publisher does. Acks are matched by reply token here,
// and one sweep expires those that never come.
import { createInbox, headers, type NatsConnection, type PubAck, type Subscription } from 'nats';

/** A publish JetStream refused, or whose ack never came. */
export class PublishError extends Error {
  constructor(
    message: string,
    readonly code: 'timeout' | 'no_responders' | 'jetstream' | 'closed',
  ) {
    super(message);
    this.name = 'PublishError';
  }
}

interface Pending {
  resolve: (ack: PubAck) => void;
  reject: (err: PublishError) => void;
  deadline: number;
}

interface AckBody {
  stream?: string;
  seq?: number;
  domain?: string;
  duplicate?: boolean;
  error?: { code?: number; err_code?: number; description?: string };
}

export class AsyncJetStreamPublisher {
  private readonly prefix = createInbox();
  private readonly sub: Subscription;
  private readonly pending = new Map<string, Pending>();
  private readonly sweep: NodeJS.Timeout;
  private seq = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.sub = nc.subscribe(`${this.prefix}.*`, {
      callback: (err, msg) => {
        if (err) return; // a subscription error ends the subscription; the sweep then times out
        this.settle(msg.subject.slice(this.prefix.length + 1), msg.headers?.code ?? 0, msg.data);
      },
    });
    this.sweep = setInterval(() => this.expire(), Math.min(1000, Math.max(50, timeoutMs / 4)));
    this.sweep.unref();
  }

  /** Publishes with a message id (JetStream's deduplication key); resolves on the stream's ack. */
  publish(subject: string, data: Uint8Array, msgID: string): Promise<PubAck> {
    const token = (this.seq++).toString(36);
    const h = headers();
    h.set('Nats-Msg-Id', msgID);
    return new Promise<PubAck>((resolve, reject) => {
      this.pending.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}.${token}`, headers: h });
      } catch (err) {
        this.pending.delete(token);
        reject(new PublishError((err as Error).message, 'closed'));
      }
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Stops listening; what is still waiting fails at once. */
  close(): void {
    clearInterval(this.sweep);
    this.sub.unsubscribe();
    for (const p of this.pending.values()) p.reject(new PublishError('publisher closed before the ack came', 'closed'));
    this.pending.clear();
  }

  private settle(token: string, status: number, data: Uint8Array): void {
    const p = this.pending.get(token);
    if (!p) return; // expired already
    this.pending.delete(token);
    if (status === 503) return p.reject(new PublishError('no JetStream stream takes this subject (503 no responders)', 'no_responders'));
    let ack: AckBody;
    try {
      ack = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8')) as AckBody;
    } catch {
      return p.reject(new PublishError('JetStream answered with something that is not an ack', 'jetstream'));
    }
    if (ack.error) return p.reject(new PublishError(`JetStream refused the message: ${ack.error.description ?? 'unknown error'} (${ack.error.err_code ?? ack.error.code})`, 'jetstream'));
    p.resolve({ stream: ack.stream ?? '', seq: ack.seq ?? 0, duplicate: ack.duplicate === true, ...(ack.domain ? { domain: ack.domain } : {}) });
  }

  private expire(): void {
    const now = Date.now();
    for (const [token, p] of this.pending) {
      if (p.deadline > now) break; // insertion order is deadline order
      this.pending.delete(token);
      p.reject(new PublishError(`no ack from JetStream within ${this.timeoutMs} ms`, 'timeout'));
    }
  }
}
