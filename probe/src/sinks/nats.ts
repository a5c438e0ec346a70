// Streams the JSONL spool to NATS JetStream. It reads forward from a checkpoint, publishes each
// event as protobuf with its id as the message id (JetStream drops repeats within the duplicate
// window), keeps a bounded window of publishes awaiting acks, and moves the checkpoint only over
// acknowledged lines. During an outage the agent keeps writing JSONL and this reader simply
// falls behind; memory does not grow with the outage, the file does.
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { NatsConnection, PubAck } from 'nats';
import { logger } from '../../../lib/log.js';
import { encodeEvent, eventFromJson } from '../../../schema/codec.js';
import type { Event } from '../../../schema/event.js';
import { AsyncJetStreamPublisher } from '../../../lib/nats/async-publish.js';
import { NatsConfig, type NatsConfigInput } from '../../../lib/nats/config.js';
import { backoff, connectNats } from '../../../lib/nats/connect.js';
import { ensureStream, subjectFor, subjectToken } from '../../../lib/nats/stream.js';
import { listSpoolFiles, readCheckpoint, readLossLedger, sameFile, writeCheckpoint } from './spool.js';
import { SpoolReader, type SpoolPosition } from './spool-reader.js';

const log = logger('nats-publisher');

export interface NatsPublisherOptions {
  /** The JSONL file the agent writes (JsonlSink's path). */
  spool: string;
  nc: NatsConnection;
  config: NatsConfig;
  /** This node's name, for the publisher's own loss events. */
  node: string;
  /** Fallback poll when file-change notifications are unavailable. */
  pollIntervalMs?: number;
}

export interface NatsPublisherStats {
  /** Messages sent, retries included. */
  published: number;
  /** Spool lines acknowledged by JetStream (or skipped as bad) this session. */
  acked: number;
  /** Acks saying JetStream already had the message (replays after a crash or an outage). */
  duplicates: number;
  /** Lines that were not valid events: skipped, logged, left in the file. */
  bad: number;
  /** Events deleted by rotation before they were published (from the spool's loss ledger). */
  lost: number;
  /** Publish rounds that failed and were replayed from the last acknowledged line. */
  retries: number;
  inFlight: number;
  backlogBytes: number;
  backlogEvents: number;
  connected: boolean;
  lastError?: string;
}

interface InFlight {
  ack: Promise<PubAck | undefined>;
  /** Spool position once acknowledged (absent for the publisher's own loss events). */
  end?: SpoolPosition;
  /** Loss-ledger total reported once acknowledged. */
  lostSeen?: number;
}

export class NatsPublisher {
  private readonly pub: AsyncJetStreamPublisher;
  private readonly cfg: NatsConfig;
  private reader: SpoolReader;
  private readonly scanner: SpoolReader;
  private acked: SpoolPosition | undefined;
  private savedAcked: SpoolPosition | undefined;
  private lostSeen: number;
  private savedLostSeen: number;
  private inflight: InFlight[] = [];
  private running: Promise<void> | undefined;
  private stopping = false;
  /** The spool changed since the last read. */
  private dirty = false;
  private wakeOnChange = false;
  private connected = true;
  private wake: (() => void) | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastLedgerCheck = 0;
  private failures = 0;
  private scanned = 0;
  private readonly counters = { published: 0, acked: 0, duplicates: 0, bad: 0, lost: 0, retries: 0, backlogBytes: 0, backlogEvents: 0 };
  private lastError: string | undefined;

  constructor(private readonly opts: NatsPublisherOptions) {
    this.cfg = opts.config;
    this.pub = new AsyncJetStreamPublisher(opts.nc, this.cfg.ack_timeout);
    const cp = readCheckpoint(opts.spool);
    this.acked = this.savedAcked = cp && { file: cp.file, offset: cp.offset };
    this.lostSeen = this.savedLostSeen = cp?.lostSeen ?? 0;
    this.counters.lost = this.lostSeen;
    this.reader = new SpoolReader(opts.spool, { start: this.acked ?? 'oldest' });
    this.scanner = new SpoolReader(opts.spool, { start: this.acked ?? 'oldest' });
    if (cp) log.info({ spool: opts.spool, offset: cp.offset }, 'resuming from the spool checkpoint');
  }

  /** Creates the stream if needed, then publishes until stop(). */
  async start(): Promise<void> {
    await ensureStream(await this.opts.nc.jetstreamManager(), this.cfg.stream, this.cfg.subject_prefix);
    this.followConnection();
    this.watchSpool();
    this.saveAndMeasure();
    this.timer = setInterval(() => this.saveAndMeasure(), this.cfg.checkpoint_interval);
    this.running = this.loop().catch((err: unknown) => {
      this.lastError = (err as Error).message;
      log.error({ err }, 'NATS publisher stopped on an unexpected error');
    });
  }

  /** Waits for in-flight acks, saves the checkpoint and stops reading. The connection stays open. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    await this.settleAll();
    this.pub.close();
    clearInterval(this.timer);
    this.watcher?.close();
    this.saveAndMeasure();
  }

  stats(): NatsPublisherStats {
    return { ...this.counters, inFlight: this.inflight.length, connected: this.connected, lastError: this.lastError };
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      if (!this.connected) {
        await this.idle(this.cfg.reconnect_max_wait, false);
        continue;
      }
      const gapsBefore = this.reader.gaps;
      this.dirty = false;
      const lines = this.reader.read();
      if (this.reader.gaps !== gapsBefore || Date.now() - this.lastLedgerCheck > 1000) {
        if (!(await this.reportLosses())) {
          await this.recover();
          continue;
        }
      }
      if (lines.length === 0) {
        if (!(await this.settleAll())) await this.recover();
        else await this.idle(this.opts.pollIntervalMs ?? 250, true);
        continue;
      }
      // Synchronous except when the window is full: nats.js flushes its socket buffer on a
      // microtask, so awaiting per event would cost one write per message.
      for (const line of lines) {
        if (this.stopping) break;
        if (this.inflight.length >= this.cfg.max_in_flight && !(await this.room())) {
          await this.recover();
          break;
        }
        const event = this.parse(line.text, line.end.offset);
        if (event) this.publish(event, { end: line.end });
        else this.inflight.push({ ack: Promise.resolve(undefined), end: line.end });
      }
    }
  }

  /** A spool line as an event; a bad line is counted, logged and skipped (it stays in the file). */
  private parse(text: string, offset: number): Event | undefined {
    try {
      return eventFromJson(text);
    } catch (err) {
      this.counters.bad++;
      log.warn({ spool: this.opts.spool, offset, error: (err as Error).message }, 'skipping a spool line that is not a valid event');
      return undefined;
    }
  }

  private publish(event: Event, marks: Omit<InFlight, 'ack'>): void {
    const ack = this.pub.publish(subjectFor(this.cfg.subject_prefix, event.node, event.kind), encodeEvent(event), event.id);
    ack.catch(() => undefined); // settled in order by settleOldest; this only silences "unhandled"
    this.inflight.push({ ack, ...marks });
    this.counters.published++;
  }

  /** Waits until the window has room; false when an earlier publish failed. */
  private async room(): Promise<boolean> {
    while (this.inflight.length >= this.cfg.max_in_flight) if (!(await this.settleOldest())) return false;
    return true;
  }

  private async settleOldest(): Promise<boolean> {
    const head = this.inflight[0]!;
    try {
      const ack = await head.ack;
      if (ack?.duplicate) this.counters.duplicates++;
    } catch (err) {
      this.fail(err as Error);
      return false;
    }
    this.inflight.shift();
    if (head.end) {
      this.acked = head.end;
      this.counters.acked++;
    }
    if (head.lostSeen !== undefined) this.lostSeen = head.lostSeen;
    if (this.failures > 0) {
      log.info({ retries: this.counters.retries }, 'NATS publishing resumed');
      this.failures = 0;
    }
    return true;
  }

  private async settleAll(): Promise<boolean> {
    while (this.inflight.length > 0) if (!(await this.settleOldest())) return false;
    return true;
  }

  private fail(err: Error): void {
    this.lastError = err.message;
    this.counters.retries++;
    if (this.failures++ === 0) log.warn({ error: err.message }, 'NATS publish failed; replaying from the last acknowledged event');
  }

  /** Drops the window (its publishes may or may not be stored: replays are deduplicated) and rewinds. */
  private async recover(): Promise<void> {
    await Promise.allSettled(this.inflight.map((f) => f.ack));
    this.inflight = [];
    if (this.acked) this.reader.seek(this.acked);
    else this.reader = new SpoolReader(this.opts.spool, { start: 'oldest' });
    await this.idle(backoff(this.failures - 1, this.cfg.reconnect_wait, this.cfg.reconnect_max_wait), false);
  }

  /** Publishes a loss event when rotation deleted events before they were sent. */
  private async reportLosses(): Promise<boolean> {
    this.lastLedgerCheck = Date.now();
    const total = readLossLedger(this.opts.spool);
    this.counters.lost = total;
    const pending = this.inflight.reduce((max, f) => Math.max(max, f.lostSeen ?? 0), this.lostSeen);
    if (total <= pending) return true;
    const node = this.opts.node;
    log.warn({ lost: total - pending, total }, 'events were rotated out of the spool before they reached NATS');
    const event: Event = {
      id: `spool-loss-${subjectToken(node)}-${total}`,
      time: new Date().toISOString(),
      kind: 'loss',
      node,
      loss: { probe: 'nats_spool', count: total - pending, total, reason: 'rotated_before_publish' },
    };
    if (!(await this.room())) return false;
    this.publish(event, { lostSeen: total });
    return true;
  }

  private saveAndMeasure(): void {
    try {
      // Without a checkpoint the writer would not count what rotation deletes: start one at once.
      const oldest = this.acked ? undefined : listSpoolFiles(this.opts.spool)[0];
      if (oldest) this.acked = { file: oldest.id, offset: 0 };
      if (this.acked && (this.acked !== this.savedAcked || this.lostSeen !== this.savedLostSeen)) {
        writeCheckpoint(this.opts.spool, { file: this.acked.file, offset: this.acked.offset, lostSeen: this.lostSeen });
        this.savedAcked = this.acked;
        this.savedLostSeen = this.lostSeen;
      }
      this.measureBacklog();
    } catch (err) {
      log.error({ err }, 'cannot save the spool checkpoint');
    }
  }

  private measureBacklog(): void {
    const files = listSpoolFiles(this.opts.spool);
    const at = this.acked;
    const idx = at ? files.findIndex((f) => sameFile(f.id, at.file)) : 0;
    this.counters.backlogBytes = files.slice(Math.max(0, idx)).reduce((sum, f) => sum + f.size, 0) - (at && idx !== -1 ? at.offset : 0);
    // The scanner counts lines once each, incrementally, a bounded amount per tick.
    for (let i = 0; i < 256; i++) {
      const lines = this.scanner.count();
      if (lines === 0) break;
      this.scanned += lines;
    }
    this.counters.backlogEvents = Math.max(0, this.scanned - this.counters.acked);
  }

  private followConnection(): void {
    void (async () => {
      for await (const s of this.opts.nc.status()) {
        if (s.type === 'disconnect') this.connected = false;
        else if (s.type === 'reconnect') {
          this.connected = true;
          this.wake?.();
        }
      }
    })();
  }

  private watchSpool(): void {
    try {
      this.watcher = watch(dirname(this.opts.spool), () => {
        this.dirty = true;
        if (this.wakeOnChange) this.wake?.();
      });
      this.watcher.on('error', () => undefined);
    } catch (err) {
      log.debug({ err }, 'no file-change notifications; polling the spool');
    }
  }

  /** Waits `ms`, or less when stopping, reconnected or (if asked) when the spool changes. */
  private idle(ms: number, wakeOnChange: boolean): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping || (wakeOnChange && this.dirty)) return resolve();
      this.wakeOnChange = wakeOnChange;
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}

export interface EventStreaming {
  publisher: NatsPublisher;
  stop(): Promise<void>;
}

/**
 * What the agent calls when NATS is configured: connects (retrying while the server is
 * unreachable, failing at once on rejected credentials or a bad URL) and starts publishing.
 */
export async function startEventStreaming(opts: { spool: string; node: string; config: NatsConfigInput; signal?: AbortSignal }): Promise<EventStreaming> {
  const config = NatsConfig.parse(opts.config);
  const nc = await connectNats(config, { retryForever: true, signal: opts.signal });
  const publisher = new NatsPublisher({ spool: opts.spool, nc, config, node: opts.node });
  try {
    await publisher.start();
  } catch (err) {
    await nc.close();
    throw err;
  }
  return {
    publisher,
    async stop() {
      await publisher.stop();
      // Every publish has settled; draining a dead connection would wait for it to come back.
      if (publisher.stats().connected) await nc.drain();
      else await nc.close();
    },
  };
}
