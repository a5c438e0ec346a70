// The `vigil sensor` / `vigil status` commands as a person uses them, as root: the built CLI in
// its own process, a TLS binary that appears after the agent started, and a clean shutdown
// that leaves no probe behind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNatsServer, freePort, NatsServer } from './helpers/nats-server.js';
import { privileged, waitFor } from './helpers/privileged.js';
import { sampleOf } from './helpers/prom-text.js';
import { makeCert, run, startRawServer, type Cert, type RawServer } from './helpers/tls.js';

const gate = privileged('vigil sensor command');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist/src/cli.js');
const PROBE_PROGRAMS = /\b(ssl_write_enter|ssl_read_return|handle_exit|handle_exec)\b/;

function bpfPrograms(): string {
  return execFileSync('bpftool', ['prog', 'show']).toString();
}

function startSensor(output: string): ChildProcess {
  return spawn(process.execPath, [CLI, 'sensor', '--output', output], {
    env: { ...process.env, VIGIL_RAW_TLS: '1', VIGIL_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
}

describe.runIf(gate.ok)('vigil sensor, status and shutdown (built CLI)', () => {
  let dir: string;
  let cert: Cert;
  let server: RawServer;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: run ./scripts/setup.sh (it builds dist/)`);
    dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
    cert = makeCert();
    server = await startRawServer(cert);
  });

  /**
   * A new copy of node (a new inode that exports the TLS symbols: only exec() discovery can find
   * it) GETting `path` from the test server every `intervalMs`, up to 100 times.
   */
  function freshNodeClient(name: string, path: string, intervalMs: number): { bin: string; child: ChildProcess } {
    const bin = join(dir, name);
    copyFileSync(process.execPath, bin);
    chmodSync(bin, 0o755);
    const script = `const ca=require('node:fs').readFileSync(${JSON.stringify(cert.cert)});let n=0;const go=()=>require('node:https').get({host:'localhost',port:${server.port},path:${JSON.stringify(path)},ca},(r)=>{r.resume();r.on('end',()=>{if(++n<100)setTimeout(go,${intervalMs})})});go()`;
    return { bin, child: spawn(bin, ['-e', script], { stdio: 'ignore' }) };
  }

  afterAll(() => {
    server?.stop();
    rmSync(dir, { recursive: true, force: true });
    if (cert) rmSync(cert.dir, { recursive: true, force: true });
  });

  it('captures a TLS binary that first runs after the agent started, shows it in status, and detaches on SIGTERM', async () => {
    const output = join(dir, 'out/events.jsonl');
    const sensor = startSensor(output);
    let stderr = '';
    sensor.stderr!.on('data', (d) => (stderr += d));
    try {
      const statusArgs = [CLI, 'status', '--output', output];
      await waitFor(() => (existsSync(join(dir, 'out/status.json')) ? true : undefined), `the sensor to start (stderr: ${stderr})`, 20_000);

      // Attaching to a new binary races its first TLS call (the agent reads its ELF after the
      // exec), so the client keeps calling until one request is captured: the claim under test
      // is that a binary unknown at start-up gets probed, not that attach beats Node's start.
      const { bin: fresh, child: client } = freshNodeClient('fresh-node', '/fresh', 200);
      const captured = await waitFor(() => {
        const lines = existsSync(output) ? readFileSync(output, 'utf8').trim().split('\n').filter(Boolean) : [];
        const mine = lines.map((l) => JSON.parse(l)).filter((e) => e.kind === 'tls_data' && e.process?.tgid === client.pid);
        return mine.some((e) => Buffer.from(e.tls_data.data_base64, 'base64').toString().startsWith('GET /fresh ')) ? mine : undefined;
      }, 'the fresh binary’s request in events.jsonl', 15_000).finally(() => client.kill('SIGKILL'));
      expect(captured[0].process.exe).toBe(fresh);

      // The status snapshot is rewritten every second: wait for the one after the attach.
      let status = await run(process.execPath, statusArgs);
      for (let i = 0; i < 20 && !status.stdout.includes(fresh); i++) {
        await new Promise((r) => setTimeout(r, 250));
        status = await run(process.execPath, statusArgs);
      }
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain(fresh);
      expect(status.stdout).toMatch(/libssl\.so\.3/);
      expect(status.stdout).toMatch(/ssl_write\s+\d+\s+0/);
      const json = JSON.parse((await run(process.execPath, [...statusArgs, '--json'])).stdout);
      expect(json.running).toBe(true);
      expect(json.probes.events.ssl_write).toBeGreaterThan(0);
      expect(bpfPrograms()).toMatch(PROBE_PROGRAMS);
    } finally {
      sensor.kill('SIGTERM');
    }
    expect(await exited(sensor)).toBe(0);
    expect(bpfPrograms()).not.toMatch(PROBE_PROGRAMS);
    const after = await run(process.execPath, [CLI, 'status', '--output', output]);
    expect(after.code).toBe(3);
    expect(after.stdout).toContain('NOT RUNNING');
  });

  it('leaves a binary matched by capture.exclude_targets unprobed, lists it in status, and still probes the rest', async () => {
    const output = join(dir, 'excl/events.jsonl');
    mkdirSync(dirname(output), { recursive: true });
    const config = join(dir, 'excl/config.yaml');
    writeFileSync(config, 'capture:\n  exclude_targets: ["skipped-*"]\n');
    const sensor = spawn(process.execPath, [CLI, 'sensor', '--config', config, '--output', output], {
      env: { ...process.env, VIGIL_RAW_TLS: '1', VIGIL_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const clients: ChildProcess[] = [];
    try {
      await waitFor(() => (existsSync(join(dir, 'excl/status.json')) ? true : undefined), 'the sensor to start', 20_000);
      // Two new copies of node, calling the same server.
      const start = (name: string) => {
        const { bin, child } = freshNodeClient(name, `/${name}`, 100);
        clients.push(child);
        return { bin, pid: child.pid! };
      };
      const skipped = start('skipped-node');
      const probed = start('probed-node');
      const events = () =>
        (existsSync(output) ? readFileSync(output, 'utf8').trim().split('\n').filter(Boolean) : []).map((l) => JSON.parse(l));
      await waitFor(() => (events().some((e) => e.kind === 'tls_data' && e.process?.tgid === probed.pid) ? true : undefined), 'the probed copy’s traffic', 15_000);
      const statusArgs = [CLI, 'status', '--output', output];
      // The status snapshot is rewritten every second.
      let listed = (await run(process.execPath, statusArgs)).stdout;
      for (let i = 0; i < 40 && !listed.includes('Targets left unprobed'); i++) {
        await new Promise((r) => setTimeout(r, 250));
        listed = (await run(process.execPath, statusArgs)).stdout;
      }
      expect(listed).toContain(`${skipped.bin}: capture.exclude_targets "skipped-*"`);
      await new Promise((r) => setTimeout(r, 1000)); // ten more calls from each copy
      expect(events().filter((e) => e.process?.tgid === skipped.pid && e.kind === 'tls_data')).toEqual([]);
      const json = JSON.parse((await run(process.execPath, [...statusArgs, '--json'])).stdout);
      expect(json.targets.attached.map((t: { path: string }) => t.path)).toContain(probed.bin);
      expect(json.targets.attached.map((t: { path: string }) => t.path)).not.toContain(skipped.bin);
    } finally {
      for (const c of clients) c.kill('SIGKILL');
      sensor.kill('SIGTERM');
      await exited(sensor);
    }
  }, 60_000);

  it('detaches every probe on SIGINT too', async () => {
    const output = join(dir, 'int/events.jsonl');
    const sensor = startSensor(output);
    await waitFor(() => (existsSync(join(dir, 'int/status.json')) ? true : undefined), 'the sensor to start', 20_000);
    expect(bpfPrograms()).toMatch(PROBE_PROGRAMS);
    sensor.kill('SIGINT');
    expect(await exited(sensor)).toBe(0);
    expect(bpfPrograms()).not.toMatch(PROBE_PROGRAMS);
  });

  // The verifier abandons a load with EAGAIN whenever a signal is pending; a profiler's SIGPROF
  // used to defeat every retry ("loading BPF programs failed: Resource temporarily unavailable").
  it('loads its probes while a profiler signals it every 100 µs', async () => {
    const output = join(dir, 'prof/events.jsonl');
    const profiles = join(dir, 'prof/cpu');
    const sensor = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', profiles, CLI, 'sensor', '--output', output], {
      env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    sensor.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => (existsSync(join(dir, 'prof/status.json')) || sensor.exitCode !== null ? true : undefined), 'the sensor to start', 30_000);
    expect(stderr).not.toMatch(/loading BPF programs failed/);
    expect(sensor.exitCode).toBeNull();
    expect(bpfPrograms()).toMatch(PROBE_PROGRAMS);
    sensor.kill('SIGTERM');
    expect(await exited(sensor)).toBe(0);
    expect(readdirSync(profiles).some((f) => f.endsWith('.cpuprofile'))).toBe(true); // the profiler did run
  });

  it.runIf(findNatsServer())('serves its metrics, sends heartbeats, and shows the NATS backlog in status during an outage', async () => {
    const nats = await NatsServer.start();
    const metricsPort = await freePort();
    const output = join(dir, 'nats/events.jsonl');
    const sensor = spawn(process.execPath, [CLI, 'sensor', '--output', output, '--nats', nats.url], {
      env: {
        ...process.env,
        VIGIL_LOG_LEVEL: 'error',
        VIGIL_METRICS_ENABLED: '1',
        VIGIL_METRICS_ADDRESS: '127.0.0.1',
        VIGIL_METRICS_PORT: String(metricsPort),
        VIGIL_HEARTBEAT_INTERVAL_S: '1',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    sensor.stderr!.on('data', (d) => (stderr += d));
    const status = () => run(process.execPath, [CLI, 'status', '--output', output]);
    /** Polls `vigil status` until its output matches. */
    const statusMatching = async (re: RegExp, what: string) => {
      for (let i = 0; i < 80; i++) {
        const r = await status();
        const m = re.exec(r.stdout);
        if (m) return m;
        await new Promise((res) => setTimeout(res, 250));
      }
      throw new Error(`timed out waiting for ${what}; last status:\n${(await status()).stdout}\nstderr: ${stderr}`);
    };
    const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    try {
      await statusMatching(/NATS: connected; backlog 0 events .*, [1-9]\d* acknowledged/, 'heartbeats to be published');
      // The snapshot behind the metrics is refreshed every second: wait for one after a heartbeat.
      let up = await scrape();
      for (let i = 0; i < 40 && sampleOf(up, 'vigil_sensor_events_total', { kind: 'sensor_status' }) === undefined; i++) {
        await new Promise((res) => setTimeout(res, 100));
        up = await scrape();
      }
      expect(sampleOf(up, 'vigil_sensor_nats_connected')).toBe(1);
      expect(sampleOf(up, 'vigil_sensor_events_total', { kind: 'sensor_status' })).toBeGreaterThanOrEqual(1);
      expect(sampleOf(up, 'vigil_sensor_probe_lost_total', { probe: 'ssl_write' })).toBe(0);
      expect(sampleOf(up, 'vigil_sensor_targets_attached')).toBeGreaterThan(0);
      expect(sampleOf(up, 'vigil_sensor_jsonl_bytes_written_total')).toBeGreaterThan(0);

      await nats.kill();
      // Heartbeats go on every second and wait in the spool.
      const during = await statusMatching(/NATS: NOT connected; backlog ([1-9]\d*) events \(\d/, 'a backlog while NATS is down');
      expect(Number(during[1])).toBeGreaterThan(0);
      const down = await scrape();
      expect(sampleOf(down, 'vigil_sensor_nats_connected')).toBe(0);
      expect(sampleOf(down, 'vigil_sensor_nats_backlog_events')).toBeGreaterThan(0);
      expect(sampleOf(down, 'vigil_sensor_nats_backlog_bytes')).toBeGreaterThan(0);

      await nats.launch();
      await statusMatching(/NATS: connected; backlog 0 events/, 'the backlog to drain after NATS is back');
      const nc = await nats.connect();
      const stored = await (await nc.jetstreamManager()).streams.info('VIGIL_EVENTS');
      await nc.close();
      expect(stored.state.messages).toBeGreaterThan(Number(during[1]));
    } finally {
      sensor.kill('SIGTERM');
      await exited(sensor);
      await nats.stop();
    }
  });

  it('fails clearly on a missing config file', async () => {
    const r = await run(process.execPath, [CLI, 'sensor', '--config', join(dir, 'nope.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read config file .*nope\.yaml/);
  });

  it('status says when no sensor runs', async () => {
    const r = await run(process.execPath, [CLI, 'status', '--output', join(dir, 'none/events.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no agent status at .*status\.json/);
  });
});
