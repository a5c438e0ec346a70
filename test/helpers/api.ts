// The control-plane API assembled from real parts for tests: the app (auth, CORS, headers),
// a file-backed state store, the incident engine with the default rules and offline triage,
// the AI-call store, the live hub and, when asked, a remediator against the Kubernetes stand-in.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AiCallStore } from '../../control-plane/src/aicalls/store.js';
import { IncidentIndex } from '../../control-plane/src/api/incident-index.js';
import { ApiDocs, apiRoutes } from '../../control-plane/src/api/index.js';
import { LiveHub } from '../../control-plane/src/api/live.js';
import { publishingStore } from '../../control-plane/src/api/live-store.js';
import type { ApiServices } from '../../control-plane/src/api/services.js';
import { LiveStream, type LiveStreamOptions } from '../../control-plane/src/api/stream.js';
import { buildApp } from '../../control-plane/src/app.js';
import { auditRoutes } from '../../control-plane/src/audit/routes.js';
import { parseConfig, type ControlPlaneConfigInput } from '../../control-plane/src/config.js';
import type { IncidentStore } from '../../control-plane/src/correlate/store.js';
import { createIncidentEngine, defaultRulesPath } from '../../control-plane/src/incidents.js';
import { kubeFrom } from '../../control-plane/src/remediate/kube.js';
import { createRemediator, type Remediator } from '../../control-plane/src/remediate/remediator.js';
import { remediationRoutes } from '../../control-plane/src/remediate/routes.js';
import { RulesWatcher } from '../../control-plane/src/rules/watcher.js';
import { Signal, type SignalInput } from '../../control-plane/src/signal.js';
import { FileBackend } from '../../control-plane/src/store/file-backend.js';
import { stateStoreOver } from '../../control-plane/src/store/state-store.js';
import { TriageConfig } from '../../control-plane/src/triage/config.js';
import { testRedactor } from '../../control-plane/src/triage/fixtures/redactor.js';
import { analyzeRoutes } from '../../control-plane/src/triage/routes.js';
import { TriageService } from '../../control-plane/src/triage/service.js';
import { startKubeApi, type KubeApiStandIn } from './kube-api.js';
import { withActions } from './kube-api-actions.js';

export const READ_TOKEN = 'read-token-0123456789abcdef';
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
export const TOKENS = [
  { name: 'viewer', role: 'read', token: READ_TOKEN },
  { name: 'alice', role: 'admin', token: ADMIN_TOKEN },
];

/** The app and the services behind it, as the API sees them. */
export interface TestApi extends Omit<ApiServices, 'docs' | 'now'> {
  app: FastifyInstance;
  rulesFile: string;
  kube?: KubeApiStandIn;
  dir: string;
  close(): Promise<void>;
}

export interface TestApiOptions {
  config?: ControlPlaneConfigInput;
  /** Remediation against the Kubernetes stand-in. */
  remediation?: boolean;
  stream?: LiveStreamOptions;
  aiCallCapacity?: number;
  /** Behind the index instead of the file store's incidents (the API benchmark's 100,000). */
  incidentStore?: IncidentStore;
}

export async function startTestApi(opts: TestApiOptions = {}): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-api-'));
  const rulesFile = join(dir, 'rules.yaml');
  copyFileSync(defaultRulesPath(), rulesFile);
  const config = parseConfig(opts.config ?? {});
  const state = stateStoreOver(new FileBackend({ dir: join(dir, 'state') }));
  const live = new LiveHub();
  const store = publishingStore(state, live);
  const incidents = await IncidentIndex.over(opts.incidentStore ?? state.incidents);
  const rules = await RulesWatcher.open(rulesFile, 50);
  const triage = new TriageService({ config: TriageConfig.parse({}), redactor: testRedactor });
  const engine = createIncidentEngine({ rules, triage, store: incidents });
  const aiCalls = new AiCallStore(opts.aiCallCapacity ?? 10_000);
  const stream = new LiveStream(live, opts.stream);
  let kube: KubeApiStandIn | undefined;
  let remediator: Remediator | undefined;
  if (opts.remediation) {
    kube = withActions(await startKubeApi());
    remediator = createRemediator({ config: config.remediation, store, kube: kubeFrom(kube.kubeConfig()) });
  }
  const app = await buildApp({
    config,
    sink: { accept: (signals) => void engine.accept(signals) },
    plugins: async (a) => {
      await a.register(apiRoutes, { engine, incidents, store, aiCalls, live, stream, rules, config, docs: new ApiDocs(), version: 'test', ...(remediator ? { remediator } : {}) });
      await a.register(analyzeRoutes, { triage, redactor: testRedactor });
      await a.register(auditRoutes, { store });
      if (remediator) await a.register(remediationRoutes, { remediator });
    },
  });
  return {
    app,
    config,
    engine,
    incidents,
    store,
    aiCalls,
    live,
    stream,
    rules,
    rulesFile,
    ...(remediator ? { remediator } : {}),
    ...(kube ? { kube } : {}),
    dir,
    async close() {
      await app.close();
      rules.close();
      await engine.idle();
      await state.close();
      await kube?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const T0 = Date.parse('2026-11-28T04:00:00Z');

/** A crash of one pod (default rules: CrashLoopBackOff is P1, OOMKilled P1, ImagePull P2…). */
export function crash(n: number, over: Partial<SignalInput> & { namespace?: string; workload?: string } = {}): Signal {
  const { namespace = 'shop', workload = 'checkout', ...rest } = over;
  return Signal.parse({
    id: `crash-${namespace}-${workload}-${n}`,
    source: 'kubernetes',
    adapter: 'pod-watch',
    kind: 'crash',
    reason: 'CrashLoopBackOff',
    time: new Date(T0 + n * 1000).toISOString(),
    title: `Back-off restarting failed container ${workload}`,
    message: `container ${workload} keeps crashing`,
    resource: { cluster: 'prod', namespace, pod: `${workload}-7c5ddbdf54-8xk2p`, container: workload },
    ...rest,
  });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
