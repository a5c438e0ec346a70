// End to end, as root: real crash signals from tracepoints. Each bad ending — a non-zero exit,
// a segfault, a SIGKILL, an OOM kill inside a memory cgroup with a small limit — yields exactly
// one correct event for that process.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '../schema/event.js';
import type { Agent } from '../probe/src/agent.js';
import { parseSensorConfig } from '../probe/src/config.js';
import { privileged, waitFor } from './helpers/privileged.js';
import { run } from './helpers/tls.js';

const gate = privileged('crash signal capture');
const MEMCG_ROOT = '/sys/fs/cgroup/memory';

describe.runIf(gate.ok)('crash signals (real tracepoints)', () => {
  let agent: Agent;
  let dir: string;
  const events: Event[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-crash-'));
    const { Agent } = await import('../probe/src/agent.js');
    agent = await Agent.start({ config: parseSensorConfig({ output: { path: join(dir, 'events.jsonl') } }), onEvent: (e) => events.push(e) });
  });

  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Waits a little past the first event so a duplicate would have arrived too. */
  async function eventsOf(pid: number): Promise<Event[]> {
    await waitFor(() => (events.some((e) => e.process?.tgid === pid) ? true : undefined), `an event for pid ${pid}`);
    await new Promise((r) => setTimeout(r, 300));
    return events.filter((e) => e.process?.tgid === pid);
  }

  it('a process that exits 3', async () => {
    const r = await run('sh', ['-c', 'exit 3']);
    expect(r.code).toBe(3);
    const mine = await eventsOf(r.pid);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'process_exit', process_exit: { exit_code: 3 }, process: { pid: r.pid, comm: 'sh' } });
  });

  it('a process that segfaults', async () => {
    const r = await run('python3', ['-c', 'import ctypes; ctypes.string_at(0)']);
    expect(r.signal).toBe('SIGSEGV');
    const mine = await eventsOf(r.pid);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'signal', signal: { signal: 11, signal_name: 'SIGSEGV' }, process: { comm: 'python3' } });
    expect(mine[0]!.process?.exe).toMatch(/python3/);
  });

  it('a multi-threaded process killed with SIGKILL reports once', async () => {
    const script = `const { Worker } = require('node:worker_threads');
new Worker('setInterval(() => {}, 1000)', { eval: true }).on('online', () => console.log('ready'));
setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    // Kill only once the worker thread runs, so the process really has several threads.
    await new Promise((r) => child.stdout!.once('data', r));
    child.kill('SIGKILL');
    const mine = await eventsOf(child.pid!);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'signal', signal: { signal: 9, signal_name: 'SIGKILL' }, process: { comm: 'node' } });
  });

  it('a process OOM-killed in a memory cgroup with a small limit', async () => {
    if (!existsSync(`${MEMCG_ROOT}/memory.limit_in_bytes`)) throw new Error(`no cgroup v1 memory controller at ${MEMCG_ROOT}`);
    const cg = join(MEMCG_ROOT, `vigil-test-oom-${process.pid}`);
    mkdirSync(cg, { recursive: true });
    try {
      writeFileSync(join(cg, 'memory.limit_in_bytes'), String(32 << 20));
      const r = await run('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec python3 -c 'a = b"x" * (256 << 20)'`]);
      expect(r.signal ?? r.code).toBe('SIGKILL');
      const mine = await eventsOf(r.pid);
      expect(mine).toHaveLength(1);
      const e = mine[0]!;
      expect(e).toMatchObject({ kind: 'oom_kill', process: { comm: 'python3', cgroup: `vigil-test-oom-${process.pid}` } });
      if (e.kind !== 'oom_kill') throw new Error('unreachable');
      // mark_victim's figures: the victim held about the 32 MiB limit in anonymous memory.
      expect(e.oom_kill.anon_rss_kb).toBeGreaterThan(16 * 1024);
      expect(e.oom_kill.anon_rss_kb).toBeLessThanOrEqual(40 * 1024);
    } finally {
      rmdirSync(cg);
    }
  });

  it('a clean exit reports nothing', async () => {
    const r = await run('sh', ['-c', 'exit 0']);
    await new Promise((res) => setTimeout(res, 500));
    expect(events.filter((e) => e.process?.tgid === r.pid)).toEqual([]);
  });
});
