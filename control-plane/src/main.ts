// Composes the control plane from its config: durable state, the incident pipeline (rules,
// triage, alerts), guarded remediation, the HTTP app, and the sources it ingests from (sensor
// events over NATS or in-process, Kubernetes watches, Loki, custom HTTP logs). Wiring only.
import { hostname } from 'node:os';
import { Registry } from 'prom-client';
import { resolveKubeAccess } from '../../lib/kube-config.js';
import { logger } from '../../lib/log.js';
import { redactText } from '../../lib/redact.js';
import type { Event } from '../../schema/event.js';
import { incidentRoutes } from './api/incidents.js';
import { auditRoutes } from './audit/routes.js';
import type { ControlPlaneConfig } from './config.js';
import { startIncidents, type Incidents } from './incidents.js';
import { createCustomHttpLogSource } from './ingest/custom-http-logs.js';
import { createKubeSource, type KubeSource } from './ingest/kube/index.js';
import { createLokiSource } from './ingest/loki.js';
import { startSensorConsumer, type SensorConsumer } from './ingest/nats.js';
import { sensorEventToSignals } from './ingest/sensor.js';
import type { SignalSink } from './ingest/sink.js';
import { remediateIncidents } from './remediate/from-incidents.js';
import { kubeFrom } from './remediate/kube.js';
import { createRemediator, type Remediator } from './remediate/remediator.js';
import { remediationRoutes } from './remediate/routes.js';
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
    const incidents = await startIncidents(config.incidents, { redactor, store: state.incidents });
    stoppers.push(() => incidents.close());
    await incidents.engine.restore();

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
        store: state,
        kube: kubeFrom(access.kubeConfig),
        redact: (s) => redactText(s),
        ...(isLeader ? { isLeader } : {}),
      });
      await remediator.restore();
      const stopExecuting = remediator.start();
      stoppers.push(stopExecuting);
      stoppers.push(remediateIncidents(incidents.engine, remediator, state));
    } else {
      log.info('no Kubernetes access: remediation is off (proposals are still shown with their kubectl command)');
    }

    const registry = new Registry();
    // Ready once the Kubernetes informers have listed (at once without a cluster).
    let kubeSynced = false;
    const server = await startServer({
      config,
      sink,
      registry,
      ready: () => kubeSynced,
      plugins: async (app) => {
        await app.register(incidentRoutes, { engine: incidents.engine });
        await app.register(analyzeRoutes, { triage: incidents.triage, redactor });
        await app.register(auditRoutes, { store: state });
        if (remediator) await app.register(remediationRoutes, { remediator });
      },
    });
    stoppers.push(() => server.close());

    const kube: KubeSource = createKubeSource(config.kubernetes, { sink, ...(access ? { kubeConfig: access.kubeConfig } : {}) });
    await kube.start();
    stoppers.push(() => kube.stop());
    void kube.synced().then(() => (kubeSynced = true));
    if (config.loki) {
      const loki = createLokiSource(config.loki, { sink });
      loki.start();
      stoppers.push(() => loki.stop());
    }
    if (config.customHttpLogs) {
      const custom = createCustomHttpLogSource(config.customHttpLogs, { sink });
      custom.start();
      stoppers.push(() => custom.stop());
    }
    let consumer: SensorConsumer | undefined;
    if (config.nats) {
      consumer = await startSensorConsumer(config.nats, sink);
      stoppers.push(() => consumer!.stop());
    }

    return {
      url: server.url,
      server,
      incidents,
      remediator,
      acceptEvent: (event) => sink.accept(sensorEventToSignals(event)),
      close: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
