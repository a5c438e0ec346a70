// Builds the control plane's fastify app; only server.ts listens (tests use inject()).
// Shared services are decorated once (`app.ingest`) and errors answer with a stable code.
import { STATUS_CODES } from 'node:http';
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { logger } from '../../lib/log.js';
import { installApiSecurity } from './api/auth.js';
import type { ControlPlaneConfig } from './config.js';
import { IngestError } from './ingest/errors.js';
import { IngestMetrics } from './ingest/metrics.js';
import { ingestRoutes } from './ingest/plugin.js';
import { metricsRoute } from './metrics/route.js';
import type { SignalSink } from './ingest/sink.js';

export interface AppOptions {
  config: ControlPlaneConfig;
  sink: SignalSink;
  /** Where ingest counters are registered (a fresh registry when omitted). */
  registry?: Registry;
  /** Readiness of the parts behind the sink (incident engine, bus); ready when omitted. */
  ready?: () => boolean;
  /** Further routes (API, triage, audit...), registered after ingest in their own context. */
  plugins?: (app: FastifyInstance) => Promise<void>;
}

export interface IngestServices {
  config: ControlPlaneConfig;
  sink: SignalSink;
  metrics: IngestMetrics;
  registry: Registry;
}

declare module 'fastify' {
  interface FastifyInstance {
    ingest: IngestServices;
  }
}

const log = logger('http');

function errorBody(statusCode: number, code: string, message: string, details?: Record<string, unknown>) {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message, ...details };
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const app = Fastify({
    loggerInstance: log,
    // Per-request lines would dominate the log at ingest rates; rejections are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    // No per-request child logger: at ingest rates its allocation shows; rejections log the url.
    childLoggerFactory: (parent) => parent,
    // The largest route limit; each route sets its own below it.
    bodyLimit: Math.max(config.logs.maxBodyBytes, config.webhooks.maxBodyBytes),
  }) as unknown as FastifyInstance;
  const registry = opts.registry ?? new Registry();
  const metrics = new IngestMetrics(registry);
  app.decorate('ingest', { config, sink: opts.sink, metrics, registry });
  // Before any route: auth, CORS and secure headers cover everything registered after.
  await installApiSecurity(app, { auth: config.server.auth, cors: config.server.cors });

  app.setErrorHandler((err: FastifyError | IngestError, req, reply) => {
    const endpoint = req.url.startsWith('/logs') ? 'logs' : req.url.startsWith('/webhook') ? 'webhook' : 'other';
    if (err instanceof IngestError) {
      metrics.requests.inc({ endpoint, code: err.code });
      req.log.debug({ code: err.code, url: req.url }, err.message);
      return reply.code(err.statusCode).send(errorBody(err.statusCode, err.code, err.message, err.details));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = err.code ?? 'BAD_REQUEST';
      metrics.requests.inc({ endpoint, code });
      return reply.code(status).send(errorBody(status, code, err.message));
    }
    req.log.error({ err, url: req.url }, 'request failed');
    metrics.requests.inc({ endpoint, code: 'INTERNAL' });
    return reply.code(500).send(errorBody(500, 'INTERNAL', 'internal error; see the control-plane log'));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody(404, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?', 1)[0]}`)),
  );

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    const ready = opts.ready?.() ?? true;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  await app.register(metricsRoute, { registry });
  await app.register(ingestRoutes);
  if (opts.plugins) await app.register(opts.plugins);
  return app;
}
