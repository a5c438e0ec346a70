// The `vigil sensor` / `vigil status` commands as a person uses them, as root: the built CLI in
// its own process, a TLS binary that appears after the agent started, and a clean shutdown
// that leaves no probe behind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privileged, waitFor } from './helpers/privileged.js';
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

      // A new file (new inode) that exports the TLS symbols: only exec() discovery can find it.
      const fresh = join(dir, 'fresh-node');
      copyFileSync(process.execPath, fresh);
      chmodSync(fresh, 0o755);
      // Attaching to a new binary races its first TLS call (the agent reads its ELF after the
      // exec), so the client keeps calling until one request is captured: the claim under test
      // is that a binary unknown at start-up gets probed, not that attach beats Node's start.
      const script = `const ca=require('node:fs').readFileSync(${JSON.stringify(cert.cert)});let n=0;const go=()=>require('node:https').get({host:'localhost',port:${server.port},path:'/fresh',ca},(r)=>{r.resume();r.on('end',()=>{if(++n<100)setTimeout(go,200)})});go()`;
      const client = spawn(fresh, ['-e', script], { stdio: 'ignore' });
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

  it('detaches every probe on SIGINT too', async () => {
    const output = join(dir, 'int/events.jsonl');
    const sensor = startSensor(output);
    await waitFor(() => (existsSync(join(dir, 'int/status.json')) ? true : undefined), 'the sensor to start', 20_000);
    expect(bpfPrograms()).toMatch(PROBE_PROGRAMS);
    sensor.kill('SIGINT');
    expect(await exited(sensor)).toBe(0);
    expect(bpfPrograms()).not.toMatch(PROBE_PROGRAMS);
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
