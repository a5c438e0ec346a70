// The set-up shared by capture suites: a temporary output folder, a test certificate, the raw
// HTTPS server, and the agent running in this process with the given config, collecting events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../schema/event.js';
import type { Agent } from '../../probe/src/agent.js';
import { parseSensorConfig } from '../../probe/src/config.js';
import { makeCert, startRawServer, type Cert, type RawServer } from './tls.js';

export interface CaptureFixture {
  agent: Agent;
  cert: Cert;
  server: RawServer;
  dir: string;
  events: Event[];
  stop(): Promise<void>;
}

/** Starts everything; `config` is the sensor config without its output path. */
export async function startCaptureFixture(config: Record<string, unknown>): Promise<CaptureFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-capture-'));
  const cert = makeCert();
  const server = await startRawServer(cert);
  const events: Event[] = [];
  const { Agent } = await import('../../probe/src/agent.js');
  const agent = await Agent.start({
    config: parseSensorConfig({ ...config, output: { path: join(dir, 'events.jsonl') } }),
    onEvent: (e) => events.push(e),
  });
  return {
    agent,
    cert,
    server,
    dir,
    events,
    async stop() {
      await agent.stop();
      server.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(cert.dir, { recursive: true, force: true });
    },
  };
}
