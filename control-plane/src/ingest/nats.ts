// Sensor events from NATS JetStream: a durable consumer shared by the control-plane replicas,
// each message decoded, handed on (signals, metrics, sensor health) and acknowledged after, so
// a restart resumes from the last acknowledged event. An unreachable server is retried forever.
import type { NatsConnection } from 'nats';
import { logger } from '../../../lib/log.js';
import { NatsConfig, type NatsConfigInput } from '../../../lib/nats/config.js';
import { connectNats } from '../../../lib/nats/connect.js';
import { openEventConsumer } from '../../../lib/nats/consumer.js';
import { ensureStream } from '../../../lib/nats/stream.js';
import { decodeEvent } from '../../../schema/codec.js';
import type { Event } from '../../../schema/event.js';

const log = logger('nats-ingest');

export const DURABLE = 'vigil-control-plane';

export interface SensorConsumerStats {
  connected: boolean;
  received: number;
  /** Messages that were not valid events: logged and acknowledged (never redelivered forever). */
  bad: number;
  lastError?: string;
}

export interface SensorConsumer {
  stats(): SensorConsumerStats;
  stop(): Promise<void>;
}

/** `accept` takes each valid event (main.ts turns it into Signals, metrics and sensor health). */
export async function startSensorConsumer(input: NatsConfigInput, accept: (event: Event) => void, durable = DURABLE): Promise<SensorConsumer> {
  const cfg = NatsConfig.parse(input);
  const abort = new AbortController();
  const stats: SensorConsumerStats = { connected: false, received: 0, bad: 0 };
  let nc: NatsConnection | undefined;
  let stopMessages: (() => void) | undefined;

  const run = async () => {
    nc = await connectNats(cfg, { retryForever: true, signal: abort.signal });
    stats.connected = true;
    await ensureStream(await nc.jetstreamManager(), cfg.stream, cfg.subject_prefix);
    const consumer = await openEventConsumer(nc, cfg.stream.name, `${cfg.subject_prefix}.>`, durable);
    const messages = await consumer.consume();
    stopMessages = () => void messages.close();
    log.info({ stream: cfg.stream.name, durable }, 'consuming sensor events');
    for await (const m of messages) {
      try {
        accept(decodeEvent(m.data));
        stats.received++;
      } catch (err) {
        stats.bad++;
        log.warn({ subject: m.subject, seq: m.seq, err: (err as Error).message }, 'skipping a message that is not a valid event');
      }
      m.ack();
    }
  };
  const running = run().catch((err: Error) => {
    stats.connected = false;
    stats.lastError = err.message;
    if (!abort.signal.aborted) log.error({ err: err.message }, 'sensor event consumer stopped');
  });

  return {
    stats: () => ({ ...stats }),
    async stop() {
      abort.abort();
      stopMessages?.();
      await nc?.drain().catch(() => undefined);
      await running;
    },
  };
}
