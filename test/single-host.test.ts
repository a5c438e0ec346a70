// The quick start's main job, as root: `vigil` with no subcommand runs the sensor and the
// control plane in one process. A real crash on this host becomes an incident the API shows,
// with its offline analysis; webhooks and on-demand analysis answer on the same server.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privileged, waitFor } from './helpers/privileged.js';
import { run } from './helpers/tls.js';
import { crashLoopAlert } from './helpers/alerts.js';

const gate = privileged('single-host vigil');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist/src/cli.js');

interface IncidentView {
  id: string;
  state: string;
  priority: string;
  title: string;
  timeline: Array<{ source: string; kind: string; attributes: Record<string, unknown> }>;
  analysis?: { failure_class?: string; summary?: string };
}

describe.runIf(gate.ok)('vigil (sensor + control plane in one process)', () => {
  let dir: string;
  let vigil: ChildProcess;
  let url: string;
  let stderr = '';

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: run ./scripts/setup.sh`);
    dir = mkdtempSync(join(tmpdir(), 'vigil-single-'));
    vigil = spawn(process.execPath, [CLI, '--output', join(dir, 'events.jsonl'), '--data-dir', join(dir, 'state'), '--port', '0'], {
      env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', KUBECONFIG: join(dir, 'no-kubeconfig') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    vigil.stderr!.on('data', (d) => (stderr += d));
    url = await waitFor(() => /control plane on (http:\/\/\S+)/.exec(stderr)?.[1], `vigil to start (stderr: ${stderr})`, 30_000);
  });

  afterAll(async () => {
    if (vigil && vigil.exitCode === null) {
      vigil.kill('SIGTERM');
      await new Promise((r) => vigil.once('exit', r));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => (await fetch(url + path)).json() as Promise<unknown>;

  it('serves health on the loopback interface', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get('/health')).toEqual({ status: 'ok' });
  });

  it('shows this host’s sensor as healthy from its start-up heartbeat, and counts its events in /metrics', async () => {
    const { items } = (await get('/api/sensors')) as { items: Array<{ node: string; healthy: boolean; version: string; targets: number }> };
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ healthy: true, version: '0.1.0' });
    expect(items[0]!.targets).toBeGreaterThan(0);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`vigil_sensor_events_total\\{kind="sensor_status",node="${items[0]!.node}"\\} [1-9]`));
  });

  it('turns a segfault on this host into an incident with its analysis', async () => {
    const r = await run('python3', ['-c', 'import ctypes; ctypes.string_at(0)']);
    expect(r.signal).toBe('SIGSEGV');
    const found = await (async () => {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        // The list carries only each incident's latest timeline entries: read the details.
        const { items } = (await get('/api/incidents')) as { items: IncidentView[] };
        for (const item of items) {
          const mine = (await get(`/api/incidents/${encodeURIComponent(item.id)}`)) as IncidentView;
          if (mine.analysis && mine.timeline.some((t) => t.source === 'sensor' && t.attributes.pid === r.pid)) return mine;
        }
        await new Promise((res) => setTimeout(res, 200));
      }
      throw new Error(`no analysed incident for pid ${r.pid}; stderr: ${stderr}`);
    })();
    expect(found.state).toBe('open');
    expect(found.priority).toMatch(/^P[1-4]$/);
    expect(found.analysis?.summary).toBeTruthy();
    const detail = (await get(`/api/incidents/${found.id}`)) as IncidentView;
    expect(detail.id).toBe(found.id);
  });

  it('takes an Alertmanager webhook on the same server', async () => {
    const body = crashLoopAlert('cart-5c9f7d6b8d-abcde');
    const res = await fetch(`${url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBeLessThan(300);
    const deadline = Date.now() + 10_000;
    let items: IncidentView[] = [];
    while (Date.now() < deadline) {
      items = ((await get('/api/incidents?namespace=shop')) as { items: IncidentView[] }).items;
      if (items.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(items).toHaveLength(1);
    expect(items[0]!.timeline[0]).toMatchObject({ source: 'webhook' });
  });

  it('answers LogJedi-style on-demand analysis', async () => {
    const res = await fetch(`${url}/analyze`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resource_kind: 'Pod',
        resource_name: 'api-6d4cf56db6-x2k9p',
        namespace: 'shop',
        reason: 'OOMKilled',
        events: ['Back-off restarting failed container api in pod api-6d4cf56db6-x2k9p'],
        recent_logs: 'java.lang.OutOfMemoryError: Java heap space',
      }),
    });
    expect(res.status).toBe(200);
    const a = (await res.json()) as { summary: string; failure_class: string; action: unknown };
    expect(a.failure_class).toMatch(/oom/i);
    expect(a.summary).toBeTruthy();
  });

  it('stops cleanly on SIGTERM', async () => {
    vigil.kill('SIGTERM');
    const code = await new Promise((r) => vigil.once('exit', r));
    expect(code).toBe(0);
  });
});
