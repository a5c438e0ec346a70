// The set-up shared by the AI-call capture suites: the local AI server (its own process,
// test/helpers/ai-server.mjs, HTTPS and plain HTTP) with a fresh certificate, and the agent
// running in this process writing JSONL and collecting events.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { Event as EventSchema, type Event, type EventOf } from '../../schema/event.js';
import type { Agent } from '../../probe/src/agent.js';
import { parseSensorConfig } from '../../probe/src/config.js';
import { waitFor } from './privileged.js';
import { makeCert, type Cert } from './tls.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export type AiEvent = EventOf<'ai_call'>;
export interface AiServerPorts {
  https: number;
  http: number;
}

export interface AiCapture {
  agent: Agent;
  cert: Cert;
  ports: AiServerPorts;
  events: Event[];
  /** The JSONL file the agent writes. */
  output: string;
  /** The ai_call events of one process once `n` have arrived, after a pause in which a duplicate would show. */
  callsOf(pid: number, n?: number): Promise<AiEvent[]>;
  /**
   * The JSONL file's lines after a pause for the last flush, once each is checked to be a valid
   * event and none contains any of `secrets` (fragments of planted API keys).
   */
  writtenLines(secrets: string[]): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts the server and the agent; `config` (given the server's ports) is the sensor config without its output. */
export async function startAiCapture(config: (ports: AiServerPorts) => Record<string, unknown> = () => ({})): Promise<AiCapture> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ai-capture-'));
  const cert = makeCert();
  const server = spawn(process.execPath, [join(root, 'test/helpers/ai-server.mjs'), cert.cert, cert.key], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise<AiServerPorts>((res) => createInterface({ input: server.stdout! }).once('line', (l) => res(JSON.parse(l))));
  const output = join(dir, 'events.jsonl');
  const events: Event[] = [];
  const { Agent } = await import('../../probe/src/agent.js');
  const agent = await Agent.start({
    config: parseSensorConfig({ ...config(ports), output: { path: output, flush_interval_ms: 50 } }),
    onEvent: (e) => events.push(e),
  });
  const of = (pid: number) => events.filter((e): e is AiEvent => e.kind === 'ai_call' && e.process?.tgid === pid);
  return {
    agent,
    cert,
    ports,
    events,
    output,
    async callsOf(pid, n = 1) {
      await waitFor(() => (of(pid).length >= n ? true : undefined), `${n} ai_call event(s) from pid ${pid}`).catch((e: Error) => {
        const seen = events.filter((x) => x.process?.tgid === pid).map((x) => x.kind);
        throw new Error(`${e.message}; events from the pid: ${seen.join(', ') || 'none'}`);
      });
      await new Promise((r) => setTimeout(r, 300));
      return of(pid);
    },
    async writtenLines(secrets) {
      await new Promise((r) => setTimeout(r, 300));
      const text = readFileSync(output, 'utf8');
      for (const secret of secrets) expect(text).not.toContain(secret);
      const lines = text.trim().split('\n');
      for (const l of lines) expect(EventSchema.safeParse(JSON.parse(l)).success, l).toBe(true);
      return lines;
    },
    async stop() {
      await agent.stop();
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      rmSync(cert.dir, { recursive: true, force: true });
    },
  };
}
