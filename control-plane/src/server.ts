// Starts the control plane's HTTP server: the only module that listens.
import type { FastifyInstance } from 'fastify';
import { logger } from '../../lib/log.js';
import { buildApp, type AppOptions } from './app.js';

const log = logger('server');

export interface RunningServer {
  app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}

/**
 * Builds the app and listens on config.server.host:port (port 0 picks a free one). The caller
 * (the `vigil` command) owns process signals and calls close().
 */
export async function startServer(opts: AppOptions): Promise<RunningServer> {
  const app = await buildApp(opts);
  const { host, port } = opts.config.server;
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  log.info({ url }, 'control plane listening');
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= app.close());
  return { app, url, close };
}
