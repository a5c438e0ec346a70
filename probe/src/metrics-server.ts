// The sensor's metrics endpoint: GET /metrics on its own small HTTP server (node:http; the
// sensor has no web framework). Anything else is 404. Listening fails loudly (port in use).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { logger } from '../../lib/log.js';

const log = logger('sensor-metrics');

export class MetricsListenError extends Error {
  override name = 'MetricsListenError';
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(registry: Registry, opts: { address: string; port: number }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the sensor serves GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: Error) => {
        log.error({ err: err.message }, 'collecting metrics failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed; see the sensor log\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new MetricsListenError(`metrics endpoint cannot listen on ${opts.address}:${opts.port}: ${err.message} (metrics.port, VIGIL_METRICS_PORT)`)));
    server.listen(opts.port, opts.address, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.address.includes(':') ? `[${opts.address}]` : opts.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/metrics`;
  log.info({ url }, 'serving sensor metrics');
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Prometheus keeps its connection open between scrapes; close() alone would wait for it.
        server.closeAllConnections();
      }),
  };
}
