// Go client benchmark (issue 10): the cost of the sensor on a Go crypto/tls client, measured as
// in the capture benchmark — throughput with the sensor capturing ÷ without, alternating
// phases in one run — plus captured ÷ sent AI calls over the capturing phases. The client is
// test/helpers/go-client built here with Debian's golang-go; BENCH_GO_PROTO (h1|h2),
// BENCH_CONCURRENCY, BENCH_ROUNDS and BENCH_PHASE_S tune it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildGoClient } from '../test/helpers/go.js';
import { startAiServer, startSensor, stopSensor } from './capture.bench.js';

const PHASE_S = Number(process.env.BENCH_PHASE_S ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PROTO = process.env.BENCH_GO_PROTO ?? 'h1';

interface GoRun {
  calls: number;
  ns: number;
  pid: number;
}

function goClient(bin: string, url: string, ca: string, args: string[]): Promise<GoRun> {
  return new Promise((res, rej) => {
    const c = spawn(bin, ['-url', url, '-ca', ca, '-key', 'sk-bench', '-proto', PROTO, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.once('exit', (code) => (code === 0 ? res({ ...(JSON.parse(out) as { calls: number; ns: number }), pid: c.pid! }) : rej(new Error(`go client exited ${code}`))));
  });
}

async function waitAttached(statusFile: string, bin: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (existsSync(statusFile)) {
      const s = JSON.parse(readFileSync(statusFile, 'utf8')) as { targets: { attached: Array<{ path: string }> } };
      if (s.targets.attached.some((t) => t.path === bin)) return;
    }
    if (Date.now() > deadline) throw new Error(`the sensor did not attach to ${bin}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the Go capture benchmark loads eBPF probes: run it as root');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-go-'));
  const bin = buildGoClient(dir);
  const { url, cert, server } = await startAiServer(dir);
  const timed = ['-d', String(PHASE_S), '-c', String(CONCURRENCY)];
  try {
    await goClient(bin, url, cert, ['-d', '2', '-c', String(CONCURRENCY)]); // warm-up
    const off: number[] = [];
    const on: number[] = [];
    let sent = 0;
    let captured = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const a = await goClient(bin, url, cert, timed);
      off.push(a.calls / (a.ns / 1e9));
      const output = join(dir, `phase${i}/events.jsonl`);
      const sensor = await startSensor(output);
      await goClient(bin, url, cert, ['-n', '1']); // the sensor attaches on the binary's exec
      await waitAttached(join(dirname(output), 'status.json'), bin);
      const b = await goClient(bin, url, cert, timed);
      on.push(b.calls / (b.ns / 1e9));
      await new Promise((r) => setTimeout(r, 1500)); // let the agent drain and flush
      await stopSensor(sensor);
      const needle = `"tgid":${b.pid},`;
      captured += readFileSync(output, 'utf8').split('\n').filter((l) => l.includes('"kind":"ai_call"') && l.includes(needle)).length;
      sent += b.calls;
      console.log(`round ${i + 1}: without ${off[i]!.toFixed(0)} calls/s, with sensor ${on[i]!.toFixed(0)} calls/s`);
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    console.log(`Go client (${PROTO}, ${CONCURRENCY} workers) throughput ratio (with ÷ without, ${ROUNDS}×${PHASE_S}s alternating): ${(mean(on) / mean(off)).toFixed(3)}  [floor 0.80, aim 0.90]`);
    console.log(`captured ÷ sent over the capturing phases: ${captured} / ${sent} = ${(captured / sent).toFixed(4)}`);
  } finally {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
