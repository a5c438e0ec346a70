// `vigil events [--nats URL] [--subject FILTER] [--file PATH] [--follow] [--durable NAME]`:
// prints events as JSON lines on stdout, from JetStream (decoded from protobuf) or by tailing
// the JSONL file across rotations. The CLI parses flags and calls runEventsCommand.
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import type { ConsumerMessages } from 'nats';
import { z } from 'zod';
import { logger } from '../../lib/log.js';
import { NatsConfig, type NatsConfigInput } from '../../lib/nats/config.js';
import { connectNats } from '../../lib/nats/connect.js';
import { openEventConsumer } from '../../lib/nats/consumer.js';
import { subjectFor } from '../../lib/nats/stream.js';
import { listSpoolFiles } from '../../probe/src/sinks/spool.js';
import { SpoolReader } from '../../probe/src/sinks/spool-reader.js';
import { decodeEvent, eventFromJson, eventToJson } from '../../schema/codec.js';
import type { Event } from '../../schema/event.js';

const log = logger('events');

export const DEFAULT_EVENTS_FILE = '/var/log/vigil/events.jsonl';

export const EventsOptions = z.object({
  /** NATS server URL(s); without it the JSONL file is read. */
  nats: z.string().optional(),
  /** NATS subject filter, e.g. vigil.events.*.oom_kill; applied to the file too. */
  subject: z.string().optional(),
  file: z.string().default(DEFAULT_EVENTS_FILE),
  follow: z.boolean().default(false),
  /** A durable consumer name: a restarted subscriber resumes where it stopped. */
  durable: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
  /** Other NATS settings (credentials, TLS, stream name, subject prefix). */
  natsConfig: z.custom<Partial<NatsConfigInput>>().optional(),
});
export type EventsOptions = z.input<typeof EventsOptions>;

/** Prints events to `out` until caught up (or, with follow, until `signal` aborts). Returns how many. */
export async function runEventsCommand(options: EventsOptions, out: Writable, signal?: AbortSignal): Promise<number> {
  const opts = EventsOptions.parse(options);
  return opts.nats ? fromNats(opts, out, signal) : fromFile(opts, out, signal);
}

/** NATS subject matching: `*` is one token, `>` the rest. */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}

async function fromNats(opts: z.output<typeof EventsOptions>, out: Writable, signal?: AbortSignal): Promise<number> {
  const cfg = NatsConfig.parse({ ...opts.natsConfig, servers: opts.nats });
  const filter = opts.subject ?? `${cfg.subject_prefix}.>`;
  const nc = await connectNats(cfg);
  try {
    const consumer = await openEventConsumer(nc, cfg.stream.name, filter, opts.durable);
    if (!opts.follow && (await consumer.info()).num_pending === 0) return 0;
    const messages: ConsumerMessages = await consumer.consume();
    // Not awaited: close() ends the loop below but never settles once it has ended (nats.js 2.29).
    const stop = (): void => void messages.close();
    signal?.addEventListener('abort', stop);
    let printed = 0;
    try {
      for await (const m of messages) {
        try {
          await print(out, decodeEvent(m.data));
          printed++;
        } catch (err) {
          log.warn({ subject: m.subject, seq: m.seq, error: (err as Error).message }, 'skipping a message that is not a valid event');
        }
        m.ack();
        if (!opts.follow && m.info.pending === 0) break;
      }
    } finally {
      signal?.removeEventListener('abort', stop);
    }
    return printed;
  } finally {
    await nc.drain();
  }
}

async function fromFile(opts: z.output<typeof EventsOptions>, out: Writable, signal?: AbortSignal): Promise<number> {
  const live = listSpoolFiles(opts.file).at(-1);
  if (!live && !opts.follow) throw new Error(`no event file at ${opts.file}`);
  // From the start of the live file, like `tail -n +1 -f`; rotated files are history.
  const reader = new SpoolReader(opts.file, live ? { start: { file: live.id, offset: 0 } } : {});
  const prefix = NatsConfig.shape.subject_prefix.parse(opts.natsConfig?.subject_prefix);
  let printed = 0;
  while (!signal?.aborted) {
    const lines = reader.read();
    if (lines.length === 0) {
      if (!opts.follow) break;
      await delay(200, undefined, { signal }).catch(() => undefined);
      continue;
    }
    for (const line of lines) {
      let event: Event;
      try {
        event = eventFromJson(line.text);
      } catch (err) {
        log.warn({ file: opts.file, offset: line.end.offset, error: (err as Error).message }, 'skipping a line that is not a valid event');
        continue;
      }
      if (opts.subject && !subjectMatches(opts.subject, subjectFor(prefix, event.node, event.kind))) continue;
      await print(out, event);
      printed++;
    }
  }
  return printed;
}

async function print(out: Writable, e: Event): Promise<void> {
  if (!out.write(`${eventToJson(e)}\n`)) await once(out, 'drain');
}
