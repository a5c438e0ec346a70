// The sensor agent: wiring only. Probes → batches → decoded records → events → sinks.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { findKubeAccess } from '../../lib/kube-access.js';
import { logger } from '../../lib/log.js';
import type { Event } from '../../schema/event.js';
import { decodeBatch, type ExitRecord, type ProbeRecord } from './abi/decode.js';
import { fatalSignalMask, type SensorConfig } from './config.js';
import { Clock, exitEvent, lossEvent } from './events/build.js';
import { Probe } from './ffi/probe.js';
import { CapturePipeline } from './pipeline.js';
import { preflight } from './preflight.js';
import { ProcessCache } from './proc.js';
import type { PodAttributor } from './k8s/attribution.js';
import { sensorRegistry } from './metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { JsonlSink } from './sinks/jsonl.js';
import type { EventStreaming } from './sinks/nats.js';
import { heartbeatEvent, statusPath, writeStatus, type AgentStatus } from './status.js';
import { targetExcluder } from './targets/exclude.js';
import { TargetManager } from './targets/manager.js';

const log = logger('agent');
const VERSION = '0.1.0';

export interface AgentOptions {
  config: SensorConfig;
  /** Every event also goes here (single-host mode feeds the control plane in-process). */
  onEvent?: (event: Event) => void;
  /** Path of libvigilprobe.so (default: the build folder). */
  probeLibrary?: string;
}

export class Agent {
  private running = true;
  private loop: Promise<void> | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly clock = new Clock();
  private readonly procs = new ProcessCache();
  private readonly eventCounts: Record<string, number> = {};
  private readonly userLosses: Record<string, number> = { decode: 0 };
  private readonly reportedLost: Record<string, number> = {};
  private readonly startedAt = new Date();
  private readonly capture: CapturePipeline;
  private lastStatus: AgentStatus | undefined;
  private streaming: EventStreaming | undefined;
  private attributor: PodAttributor | undefined;
  private readonly streamingAbort = new AbortController();
  private metricsServer: MetricsServer | undefined;
  private readonly pollStats = { batches: 0, bytes: 0 };

  private constructor(
    private readonly config: SensorConfig,
    private readonly probe: Probe,
    private readonly sink: JsonlSink,
    private readonly targets: TargetManager,
    private readonly onEvent: ((e: Event) => void) | undefined,
  ) {
    this.capture = new CapturePipeline({
      config,
      clock: this.clock,
      procs: this.procs,
      emit: (e) => this.emit(e),
      countLoss: (stage, n) => this.countLoss(stage, n),
    });
  }

  static async start(opts: AgentOptions): Promise<Agent> {
    const { config } = opts;
    preflight();
    const probe = Probe.open({
      ringBufferBytes: config.capture.ring_buffer_bytes,
      maxCaptureBytes: config.capture.max_bytes_per_call,
      selfTgid: process.pid,
      fatalSignalMask: fatalSignalMask(config.capture.fatal_signals),
      serverSide: config.filters.include_server_side,
      ...(opts.probeLibrary ? { libraryPath: opts.probeLibrary } : {}),
    });
    let agent: Agent | undefined;
    try {
      probe.attachTracepoints();
      for (const port of config.capture.plaintext_ports) probe.watchPort(port);
      const output = resolve(config.output.path);
      mkdirSync(dirname(output), { recursive: true });
      const sink = new JsonlSink({
        path: output,
        maxBytes: config.output.max_bytes,
        maxFiles: config.output.max_files,
        flushIntervalMs: config.output.flush_interval_ms,
      });
      const targets = new TargetManager(probe, log, targetExcluder(config.capture.exclude_targets));
      agent = new Agent(config, probe, sink, targets, opts.onEvent);
      agent.loop = agent.pollLoop();
      for (const lib of config.capture.libraries) {
        const t = await targets.addFile(lib);
        if (!t || t.state !== 'attached') log.warn({ path: lib, reason: t?.reason ?? 'not found' }, 'configured TLS library not attached');
      }
      if (config.nats) await agent.startStreaming(output);
      await agent.startAttribution();
      await targets.addSystemLibraries();
      await targets.scanAll();
      agent.startTimers();
      agent.heartbeat();
      if (config.metrics.enabled) agent.metricsServer = await startMetricsServer(sensorRegistry(() => agent!.status(), { nats: config.nats !== undefined }), config.metrics);
      log.info({ output, targets: targets.attachedCount(), node: config.node }, 'sensor running');
      return agent;
    } catch (e) {
      if (agent) await agent.stop();
      else await probe.close();
      throw e;
    }
  }

  status(): AgentStatus {
    return this.lastStatus ?? this.refreshStatus();
  }

  /** Stops polling, detaches every probe, flushes the sink. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.targets.stop();
    await this.loop?.catch((e) => log.error({ err: (e as Error).message }, 'poll loop failed'));
    this.checkCounters();
    this.capture.conns.closeAll();
    this.refreshStatus();
    await this.probe.close();
    await this.sink.close();
    await this.attributor?.stop();
    this.streamingAbort.abort();
    await this.streaming?.stop();
    await this.metricsServer?.close();
    log.info('sensor stopped; probes detached');
  }

  /**
   * Publishes the JSONL spool to NATS JetStream. A bad URL or rejected credentials fail the
   * start; an unreachable server does not — the agent captures on and catches up later.
   */
  private async startStreaming(spool: string): Promise<void> {
    const { startEventStreaming } = await import('./sinks/nats.js');
    const pending = startEventStreaming({ spool, node: this.config.node, config: this.config.nats!, signal: this.streamingAbort.signal });
    const first = await Promise.race([pending.then(() => 'connected' as const), new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), 2000).unref())]);
    if (first === 'waiting') {
      log.warn({ servers: this.config.nats!.servers }, 'NATS unreachable; capturing to the spool and retrying');
      pending.then(
        (s) => {
          this.streaming = s;
          log.info('NATS connected; publishing the spool');
        },
        (e: Error) => {
          if (!this.streamingAbort.signal.aborted) log.error({ err: e.message }, 'NATS streaming failed');
        },
      );
    } else {
      this.streaming = await pending;
    }
  }

  /**
   * Reads the ring buffer back to back while records keep coming (yielding to timers and I/O in
   * between) and every poll_timeout_ms while it is empty: the probes send no wake-ups, because a
   * blocking wait would need a thread per call.
   */
  private async pollLoop(): Promise<void> {
    const idleMs = this.config.capture.poll_timeout_ms;
    while (this.running) {
      const batch = this.probe.poll();
      if (batch.length === 0) {
        await new Promise((r) => setTimeout(r, idleMs));
        continue;
      }
      this.pollStats.batches++;
      this.pollStats.bytes += batch.length;
      decodeBatch(
        batch,
        (r) => this.handle(r),
        (e) => {
          this.countLoss('decode', 1);
          log.warn({ err: e.message }, 'undecodable record');
        },
      );
      await new Promise(setImmediate);
    }
  }

  private handle(r: ProbeRecord): void {
    switch (r.type) {
      case 'exec':
        // The path exec() was given, until /proc tells the resolved one (short-lived processes
        // are often gone before it can be read).
        this.procs.remember(r.tgid, { exe: r.filename });
        void this.procs.learn(r.tgid);
        this.targets.onExec(r.tgid, r.filename);
        break;
      case 'exit':
        void this.onExit(r);
        break;
      default:
        this.capture.handle(r);
    }
  }

  private async onExit(r: ExitRecord): Promise<void> {
    const f = this.config.filters;
    if (r.reason === 'exit_code' && f.ignore_exit_codes.includes(r.exitCode)) return;
    if (f.ignore_comms.includes(r.comm)) return;
    const facts = await this.procs.lookup(r.tgid);
    this.procs.forget(r.tgid);
    this.emit(exitEvent(r, this.clock, { node: this.config.node, facts }));
  }

  /**
   * Maps container ids to pods on this node; off (said once) without Kubernetes access. The
   * Kubernetes client is imported only then: it costs ~80 MiB of memory.
   */
  private async startAttribution(): Promise<void> {
    const k = this.config.kubernetes;
    if (!k.attribution) return;
    const access = findKubeAccess(k.kubeconfig ? { kubeconfig: k.kubeconfig } : {});
    if (!access) {
      log.info('no Kubernetes access (no in-cluster service account, no kubeconfig): events carry container ids, not pods');
      return;
    }
    const [{ resolveKubeAccess }, { AttributionConfig, PodAttributor }] = await Promise.all([
      import('../../lib/kube-config.js'),
      import('./k8s/attribution.js'),
    ]);
    const loaded = resolveKubeAccess(k.kubeconfig ? { kubeconfig: k.kubeconfig } : {})!;
    this.attributor = new PodAttributor(loaded.kubeConfig, AttributionConfig.parse({ nodeName: this.config.node }));
    this.attributor.start();
    log.info({ via: access.via, node: this.config.node }, 'attributing events to pods on this node');
  }

  private emit(e: Event): void {
    const cid = e.process?.container_id;
    if (cid && !e.k8s && this.attributor) {
      const k8s = this.attributor.attribute(cid);
      if (k8s) e.k8s = k8s;
    }
    this.sink.write(e);
    this.eventCounts[e.kind] = (this.eventCounts[e.kind] ?? 0) + 1;
    this.onEvent?.(e);
  }

  private countLoss(stage: string, n: number): void {
    this.userLosses[stage] = (this.userLosses[stage] ?? 0) + n;
  }

  private startTimers(): void {
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(1000, () => {
      this.checkCounters();
      this.refreshStatus();
    });
    every(this.config.capture.rescan_interval_s * 1000, () => void this.targets.scanAll());
    every(5000, () => this.capture.conns.sweep());
    if (this.config.heartbeat.interval_s > 0) every(this.config.heartbeat.interval_s * 1000, () => this.heartbeat());
  }

  /** Refreshes the status and, unless turned off, emits it as a sensor_status event. */
  private heartbeat(): void {
    const status = this.refreshStatus();
    if (this.config.heartbeat.interval_s > 0) this.emit(heartbeatEvent(status, this.config.heartbeat.interval_s));
  }

  /** Emits a loss event for every probe and user-space stage whose loss count grew. */
  private checkCounters(): void {
    const { lost } = this.probe.readCounters();
    const all: Record<string, number> = { ...lost };
    for (const [stage, n] of Object.entries(this.userLosses)) all[`user:${stage}`] = n;
    all['user:sink'] = this.sink.stats().dropped;
    for (const [name, total] of Object.entries(all)) {
      const before = this.reportedLost[name] ?? 0;
      if (total > before) {
        this.reportedLost[name] = total;
        const reason = name.startsWith('user:') ? 'user_space' : 'ringbuf_full';
        this.emit(lossEvent(name.replace(/^user:/, ''), total - before, total, reason, this.clock, this.config.node));
        log.warn({ probe: name, lost: total - before, total }, 'events lost');
      }
    }
  }

  private refreshStatus(): AgentStatus {
    const counters = this.probe.readCounters();
    const all = this.targets.list();
    const mem = process.memoryUsage();
    const output = resolve(this.config.output.path);
    const status: AgentStatus = {
      node: this.config.node,
      pid: process.pid,
      version: VERSION,
      startedAt: this.startedAt.toISOString(),
      updatedAt: new Date().toISOString(),
      uptimeS: (Date.now() - this.startedAt.getTime()) / 1000,
      output,
      probes: { events: counters.events, lost: counters.lost },
      targets: {
        attached: all.filter((t) => t.state === 'attached'),
        failed: all.filter((t) => t.state === 'failed'),
        excluded: all.filter((t) => t.state === 'excluded'),
        inspected: all.length,
      },
      events: { ...this.eventCounts },
      userLosses: { ...this.userLosses },
      connections: this.capture.conns.size(),
      poll: { ...this.pollStats },
      sink: { ...this.sink.stats() },
      ...(this.config.nats ? { nats: this.streaming ? { ...this.streaming.publisher.stats() } : { connected: false, state: 'connecting' } } : {}),
      memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
    };
    this.lastStatus = status;
    try {
      writeStatus(statusPath(output), status);
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'writing status failed');
    }
    return status;
  }
}
