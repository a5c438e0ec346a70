// Composes the control plane from its config: durable state, the incident pipeline (rules,
// triage, alerts), guarded remediation, the HTTP app, and the sources it ingests from (sensor
// events over NATS or in-process, Kubernetes watches, Loki, custom HTTP logs). Wiring only.
import { hostname } from 'node:os';
import { resolveKubeAccess } from '../../lib/kube-config.js';
import { logger } from '../../lib/log.js';
import { redactText } from '../../lib/redact.js';
import type { Event } from '../../schema/event.js';
import { AiCallFeed } from './aicalls/feed.js';
import { AiCallStore } from './aicalls/store.js';
import { IncidentIndex } from './api/incident-index.js';
import { ApiDocs, apiRoutes } from './api/index.js';
import { publishingStore } from './api/live-store.js';
import { LiveStream } from './api/stream.js';
import { VERSION } from './api/version.js';
import { LiveHub } from './api/live.js';
import { auditRoutes } from './audit/routes.js';
import type { ControlPlaneConfig } from './config.js';
import { dashboardRoutes } from './dashboard.js';
import { startIncidents, type Incidents } from './incidents.js';
import { createCustomHttpLogSource } from './ingest/custom-http-logs.js';
import { createKubeSource, type KubeSource } from './ingest/kube/index.js';
import { createLokiSource } from './ingest/loki.js';
import { startSensorConsumer, type SensorConsumer } from './ingest/nats.js';
import { sensorEventToSignals } from './ingest/sensor.js';
import type { SignalSink } from './ingest/sink.js';
import { createMetrics, registerIncidentGauge, type ControlPlaneMetrics } from './metrics/index.js';
import { registerConsumerMetrics } from './metrics/consumer.js';
import { countingSink } from './metrics/signals.js';
import { remediateIncidents } from './remediate/from-incidents.js';
import { kubeFrom } from './remediate/kube.js';
import { createRemediator, type Remediator } from './remediate/remediator.js';
import { remediationRoutes } from './remediate/routes.js';
import { SensorHealthRegistry } from './sensors/health.js';
import { sensorRoutes } from './sensors/routes.js';
import { LeaderElection } from './store/leader.js';
import { openStateStore, type StateStoreHandle } from './store/open.js';
import { analyzeRoutes } from './triage/routes.js';
import { startServer, type RunningServer } from './server.js';

const log = logger('control-plane');

export interface ControlPlane {
  url: string;
  server: RunningServer;
  incidents: Incidents;
  remediator: Remediator | undefined;
  metrics: ControlPlaneMetrics;
  sensors: SensorHealthRegistry;
  /** Live updates (incidents, AI calls, sensor health...) for streaming clients. */
  live: LiveHub;
  /** Feeds one sensor event in (single-host mode, without a broker). */
  acceptEvent(event: Event): void;
  close(): Promise<void>;
}

export async function startControlPlane(config: ControlPlaneConfig): Promise<ControlPlane> {
  const redactor = { redact: (s: string) => redactText(s) };
  const stoppers: Array<() => unknown> = [];
  let stopping: Promise<void> | undefined;
  // Stops in reverse order of start, once however often it is called.
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const stop of [...stoppers].reverse()) await stop();
    })());
  try {
    const state: StateStoreHandle = await openStateStore(config.store);
    stoppers.push(() => state.close());
    // One registry for every counter; GET /metrics serves it.
    const metrics = createMetrics();
    const live = new LiveHub();
    // Audit entries and remediations are published live wherever they are written.
    const store = publishingStore(state, live);
    const incidentIndex = await IncidentIndex.over(state.incidents);
    // Replicas sharing a JetStream store see the incidents the others open or change.
    const unfollow = incidentIndex.follow();
    if (unfollow) stoppers.push(unfollow);
    const aiCalls = new AiCallFeed(new AiCallStore(config.aiCalls.capacity), live);
    stoppers.push(() => aiCalls.close());
    const incidents = await startIncidents(config.incidents, {
      redactor,
      store: incidentIndex,
      metrics: { triage: metrics.triage, alerts: metrics.alerts },
    });
    stoppers.push(() => incidents.close());
    await incidents.engine.restore();
    registerIncidentGauge(metrics.registry, () => incidents.engine.list());
    const sensors = new SensorHealthRegistry({ onChange: (sensor) => live.publish('sensor', sensor) });
    stoppers.push(sensors.start());

    const sink: SignalSink = { accept: (signals) => void incidents.engine.accept(signals) };
    const access = config.kubernetes.enabled === false ? undefined : resolveKubeAccess(config.kubernetes);

    let remediator: Remediator | undefined;
    if (access) {
      let isLeader: (() => boolean) | undefined;
      if (state.nc && config.store.nats) {
        const election = await LeaderElection.start(state.nc, {
          id: `${hostname()}-${process.pid}`,
          bucket: config.store.nats.leaderBucket,
          leaseMs: config.store.nats.leaseMs,
        });
        stoppers.push(() => election.stop());
        isLeader = () => election.isLeader();
      }
      remediator = createRemediator({
        config: config.remediation,
        store,
        kube: kubeFrom(access.kubeConfig),
        redact: (s) => redactText(s),
        metrics: metrics.remediation,
        ...(isLeader ? { isLeader } : {}),
      });
      await remediator.restore();
      const stopExecuting = remediator.start();
      stoppers.push(stopExecuting);
      stoppers.push(remediateIncidents(incidents.engine, remediator, store));
    } else {
      log.info('no Kubernetes access: remediation is off (proposals are still shown with their kubectl command)');
    }

    // Ready once the Kubernetes informers have listed (at once without a cluster).
    let kubeSynced = false;
    const server = await startServer({
      config,
      sink,
      registry: metrics.registry,
      ready: () => kubeSynced,
      plugins: async (app) => {
        await app.register(apiRoutes, {
          engine: incidents.engine,
          incidents: incidentIndex,
          store,
          aiCalls: aiCalls.store,
          live,
          stream: new LiveStream(live),
          rules: incidents.rules,
          config,
          ...(remediator ? { remediator } : {}),
          docs: new ApiDocs(),
          version: VERSION,
        });
        await app.register(analyzeRoutes, { triage: incidents.triage, redactor });
        await app.register(auditRoutes, { store });
        await app.register(sensorRoutes, { sensors });
        await app.register(dashboardRoutes);
        if (remediator) await app.register(remediationRoutes, { remediator });
      },
    });
    stoppers.push(() => server.close());
    // Sources without a route of their own count their Signals here.
    const counted = countingSink(sink, server.app.ingest.metrics.signals);
    const acceptEvent = (event: Event): void => {
      metrics.sensorEvents.observe(event);
      sensors.observe(event);
      aiCalls.accept(event);
      counted.accept(sensorEventToSignals(event));
    };

    const kube: KubeSource = createKubeSource(config.kubernetes, { sink: counted, ...(access ? { kubeConfig: access.kubeConfig } : {}) });
    await kube.start();
    stoppers.push(() => kube.stop());
    void kube.synced().then(() => (kubeSynced = true));
    if (config.loki) {
      const loki = createLokiSource(config.loki, { sink: counted });
      loki.start();
      stoppers.push(() => loki.stop());
    }
    if (config.customHttpLogs) {
      const custom = createCustomHttpLogSource(config.customHttpLogs, { sink: counted });
      custom.start();
      stoppers.push(() => custom.stop());
    }
    let consumer: SensorConsumer | undefined;
    if (config.nats) {
      consumer = await startSensorConsumer(config.nats, acceptEvent);
      stoppers.push(() => consumer!.stop());
      const running = consumer;
      registerConsumerMetrics(metrics.registry, () => running.stats());
    }

    return {
      url: server.url,
      server,
      incidents,
      remediator,
      metrics,
      sensors,
      live,
      acceptEvent,
      close: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
