// Capture benchmark (issue 2): the cost of the sensor on a keep-alive HTTPS client, and whether
// it keeps up. Four figures, measured in one run on this machine:
//  0. the ceiling any uprobe sensor has here: throughput with do-nothing uprobes and uretprobes
//     on node's SSL_write/SSL_read (tracefs uprobe_events: no BPF, no agent) ÷ without;
//  1. throughput with the sensor capturing ÷ without (floor 0.80), in the same rotated rounds as
//     the ceiling, and with the sensor's agent paused (the probes' share of the cost);
//  2. captured ÷ sent AI calls over a sustained run at the highest rate, with loss counters;
//  3. the agent's peak RSS and CPU during that run.
// The sensor is the real `vigil sensor` process (dist/), the server and client are separate
// Node processes, so all three compete for the same two cores as they would on a node.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ElfFile } from '../probe/src/targets/elf.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(root, 'dist/src/cli.js');
const PHASE_S = Number(process.env.BENCH_PHASE_S ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SUSTAIN_S = Number(process.env.BENCH_SUSTAIN_S ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

interface LoadResult {
  sent: number;
  ok: number;
  seconds: number;
  pid: number;
  cpu: number; // µs of the client's CPU
}

function sh(cmd: string, args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.once('exit', (code) => (code === 0 ? res(out) : rej(new Error(`${cmd} exited ${code}`))));
  });
}

async function load(url: string, ca: string, seconds: number): Promise<LoadResult> {
  const out = await sh(process.execPath, [join(root, 'bench/load-client.mjs'), url, ca, String(CONCURRENCY), String(seconds)]);
  return JSON.parse(out) as LoadResult;
}

export async function startSensor(output: string): Promise<ChildProcess> {
  // One file for the whole run (no rotation), so every captured call can be counted.
  const config = join(dirname(output), 'config.yaml');
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(config, `output:\n  max_bytes: ${8 * 1024 ** 3}\n`);
  // Run as an installed `vigil` runs: through the file's shebang, with its V8 flags.
  const child = spawn(CLI, ['sensor', '--config', config, '--output', output], {
    stdio: 'ignore',
    env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' },
  });
  const status = join(dirname(output), 'status.json');
  const deadline = Date.now() + 30_000;
  while (!existsSync(status)) {
    if (Date.now() > deadline) throw new Error('sensor did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

export async function stopSensor(child: ChildProcess): Promise<void> {
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (USER_HZ 100)
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** The local OpenAI-compatible HTTPS server (its own process) with a fresh certificate in `dir`. */
export async function startAiServer(dir: string): Promise<{ url: string; cert: string; server: ChildProcess }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await sh('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost']);
  const server = spawn(process.execPath, [join(root, 'test/helpers/ai-server.mjs'), cert, key], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise<{ https: number }>((res) => createInterface({ input: server.stdout! }).once('line', (l) => res(JSON.parse(l))));
  return { url: `https://localhost:${ports.https}/v1/chat/completions`, cert, server };
}

const TRACEFS = '/sys/kernel/tracing';

/**
 * Do-nothing uprobe + uretprobe pairs on SSL_write and SSL_read of this node binary (the client's
 * and the server's), as tracefs uprobe events: the trap cost alone. Returns the remover.
 */
async function attachBareUprobes(): Promise<() => void> {
  if (!existsSync(`${TRACEFS}/uprobe_events`)) throw new Error(`${TRACEFS} is not mounted: run scripts/setup.sh (it mounts tracefs)`);
  const node = realpathSync(process.execPath);
  const elf = await ElfFile.open(node);
  const defs: string[] = [];
  try {
    const syms = await elf.symbols(['SSL_write', 'SSL_read']);
    for (const [name, sym] of syms) {
      const at = `${node}:0x${elf.fileOffset(sym.value)!.toString(16)}`;
      defs.push(`p:vigil_bench/${name}_entry ${at}`, `r:vigil_bench/${name}_return ${at}`);
    }
  } finally {
    await elf.close();
  }
  if (defs.length !== 4) throw new Error(`${node} does not export SSL_write and SSL_read`);
  for (const d of defs) appendFileSync(`${TRACEFS}/uprobe_events`, `${d}\n`);
  writeFileSync(`${TRACEFS}/events/vigil_bench/enable`, '1');
  return () => {
    writeFileSync(`${TRACEFS}/events/vigil_bench/enable`, '0');
    for (const d of defs) appendFileSync(`${TRACEFS}/uprobe_events`, `-:${d.split(' ')[0]!.slice(2)}\n`);
  };
}

type Mode = 'without' | 'ceiling' | 'sensor' | 'paused';

/**
 * Throughput per mode, ROUNDS rounds of PHASE_S phases; each round runs the baseline, the
 * do-nothing ceiling and the sensor (then the same sensor paused) in a rotated order, so a drift
 * of the machine's speed lands on every mode alike. The sensor is warmed up with calls before its
 * phase (it runs for days on a node: its start-up is not the cost in question). "paused" is the
 * sensor's probes with its agent stopped (SIGSTOP): the probes' cost without the agent's (once
 * the ring buffer is full its reservations fail fast and are counted, so it reads slightly high).
 */
async function measureModes(url: string, cert: string, dir: string): Promise<Record<Mode, number[]>> {
  const rates: Record<Mode, number[]> = { without: [], ceiling: [], sensor: [], paused: [] };
  const clientCpu: Record<Mode, number[]> = { without: [], ceiling: [], sensor: [], paused: [] };
  const phase = async (mode: Mode) => {
    const r = await load(url, cert, PHASE_S);
    rates[mode].push(r.ok / r.seconds);
    clientCpu[mode].push(r.cpu / r.ok);
  };
  const blocks: Array<() => Promise<void>> = [
    () => phase('without'),
    async () => {
      const detach = await attachBareUprobes();
      try {
        await phase('ceiling');
      } finally {
        detach();
      }
    },
    async () => {
      const sensor = await startSensor(join(dir, `phase${rates.sensor.length}/events.jsonl`));
      try {
        await load(url, cert, 2);
        await phase('sensor');
        sensor.kill('SIGSTOP');
        try {
          await phase('paused');
        } finally {
          sensor.kill('SIGCONT');
        }
      } finally {
        await stopSensor(sensor);
      }
    },
  ];
  for (let i = 0; i < ROUNDS; i++) {
    for (let b = 0; b < blocks.length; b++) await blocks[(b + i) % blocks.length]!();
    const last = (m: Mode) => rates[m][i]!.toFixed(0);
    console.log(`round ${i + 1}: without ${last('without')} req/s, do-nothing uprobes ${last('ceiling')}, sensor ${last('sensor')}, sensor with its agent paused ${last('paused')}`);
  }
  const cpu = (m: Mode) => `${mean(clientCpu[m]).toFixed(0)} µs`;
  console.log(`client CPU per call: without ${cpu('without')}, do-nothing uprobes ${cpu('ceiling')}, sensor ${cpu('sensor')}, agent paused ${cpu('paused')}`);
  return rates;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Ratio of means over the rounds, with the median and range of the rounds' own ratios. */
function ratio(rates: Record<Mode, number[]>, mode: Mode, base: Mode = 'without'): string {
  const perRound = rates[mode].map((r, i) => r / rates[base][i]!);
  const lo = Math.min(...perRound).toFixed(3);
  const hi = Math.max(...perRound).toFixed(3);
  return `${(mean(rates[mode]) / mean(rates[base])).toFixed(3)} (rounds: median ${median(perRound).toFixed(3)}, ${lo}–${hi})`;
}

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the capture benchmark loads eBPF probes: run it as root');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const { url, cert, server } = await startAiServer(dir);
  try {
    await load(url, cert, 2); // warm-up
    const rates = await measureModes(url, cert, dir);
    console.log(`ceiling: do-nothing uprobe+uretprobe on SSL_write/SSL_read ÷ without: ${ratio(rates, 'ceiling')}`);
    console.log(`throughput ratio (sensor ÷ without, ${ROUNDS}×${PHASE_S}s rotated): ${ratio(rates, 'sensor')}  [floor 0.80, aim 0.90]`);
    console.log(`sensor ÷ ceiling (the sensor's cost beyond the traps): ${ratio(rates, 'sensor', 'ceiling')}`);
    console.log(`sensor with its agent paused ÷ without (probes and BPF programs alone): ${ratio(rates, 'paused')}`);

    // Sustained: every call must become an event, with every loss counted.
    const output = join(dir, 'sustained/events.jsonl');
    const sensor = await startSensor(output);
    const cpu0 = cpuSeconds(sensor.pid!);
    const t0 = Date.now();
    const r = await load(url, cert, SUSTAIN_S);
    await new Promise((res) => setTimeout(res, 2000)); // let the agent drain and flush
    const cpu = (cpuSeconds(sensor.pid!) - cpu0) / ((Date.now() - t0) / 1000);
    const rss = peakRssMiB(sensor.pid!);
    const status = JSON.parse(readFileSync(join(dirname(output), 'status.json'), 'utf8'));
    await stopSensor(sensor);
    const needle = `"tgid":${r.pid},`;
    const captured = readFileSync(output, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"kind":"ai_call"') && l.includes(needle)).length;
    const lost = Object.values(status.probes.lost as Record<string, number>).reduce((s, n) => s + n, 0);
    console.log(
      `sustained ${SUSTAIN_S}s at ${(r.ok / r.seconds).toFixed(0)} calls/s (concurrency ${CONCURRENCY}): sent ${r.ok}, captured ${captured} ai_call events, ratio ${(captured / r.ok).toFixed(4)}; kernel losses ${lost}, user-space losses ${JSON.stringify(status.userLosses)}`,
    );
    console.log(`agent peak RSS ${rss.toFixed(1)} MiB, CPU ${(cpu * 100).toFixed(0)}% of one core  [floor RSS 128 MiB, aim 64 MiB]`);
  } finally {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
