// What one uprobe hit costs the probed process on this machine, by the first instruction of the
// probed function — the floor under any uprobe-based sensor (see docs/BENCHMARKS.md, Capture).
// A C loop calls one of three tiny functions; tracefs uprobe_events puts a do-nothing entry
// probe, or an entry + return probe, on it. The kernel emulates some first instructions (node's
// SSL_write/SSL_read start with `push %rbp`), must single-step others out of line, a second trap
// (Debian's libssl.so.3 SSL_write starts with `sub $0x18,%rsp`), and since 6.18 (x86-64) turns a
// probe on a 5-byte nop into a call to a trampoline (no trap after the first hit). Prints µs per
// call: the median of 5 runs of 200,000 calls.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElfFile } from '../probe/src/targets/elf.js';

const TRACEFS = '/sys/kernel/tracing';
const CALLS = 200_000;
const RUNS = 5;

const SOURCE = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
__attribute__((noinline, naked)) int starts_push(int x) { __asm__ volatile("push %rbp\n mov %rsp, %rbp\n lea 1(%rdi), %eax\n pop %rbp\n ret\n"); }
__attribute__((noinline, naked)) int starts_sub(int x) { __asm__ volatile("sub $0x18, %rsp\n lea 1(%rdi), %eax\n add $0x18, %rsp\n ret\n"); }
__attribute__((noinline, naked)) int starts_nop5(int x) { __asm__ volatile(".byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n lea 1(%rdi), %eax\n ret\n"); }
int main(int argc, char **argv) {
  int (*f)(int) = argv[1][0] == 'p' ? starts_push : argv[1][0] == 's' ? starts_sub : starts_nop5;
  int n = atoi(argv[2]);
  volatile int sink = 0;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++) sink += f(i);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.4f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / 1e3);
  return 0;
}
`;

const FUNCTIONS = [
  ['starts_push', "push %rbp (emulated; how node's SSL_write and SSL_read start)"],
  ['starts_sub', 'sub $0x18,%rsp (single-stepped out of line; how Debian\'s libssl.so.3 SSL_write starts)'],
  ['starts_nop5', '5-byte nop (optimised into a call)'],
] as const;

function microsPerCall(binary: string, fn: string): number {
  const runs = Array.from({ length: RUNS }, () => Number(execFileSync(binary, [fn.slice('starts_'.length), String(CALLS)]).toString()));
  return runs.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

/** Runs `measure` with the given tracefs probe definitions in place. */
function withProbes<T>(defs: string[], measure: () => T): T {
  for (const d of defs) appendFileSync(`${TRACEFS}/uprobe_events`, `${d}\n`);
  writeFileSync(`${TRACEFS}/events/vigil_cost/enable`, '1');
  try {
    return measure();
  } finally {
    writeFileSync(`${TRACEFS}/events/vigil_cost/enable`, '0');
    for (const d of defs) appendFileSync(`${TRACEFS}/uprobe_events`, `-:${d.split(' ')[0]!.slice(2)}\n`);
  }
}

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the uprobe cost benchmark writes tracefs uprobe_events: run it as root');
  if (!existsSync(`${TRACEFS}/uprobe_events`)) throw new Error(`${TRACEFS} is not mounted: run scripts/setup.sh (it mounts tracefs)`);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-uprobe-cost-'));
  try {
    const binary = join(dir, 'calls');
    writeFileSync(`${binary}.c`, SOURCE);
    execFileSync('cc', ['-O2', '-fcf-protection=none', '-o', binary, `${binary}.c`]);
    const elf = await ElfFile.open(binary);
    const offsets = new Map<string, number>();
    try {
      for (const [name, sym] of await elf.symbols(FUNCTIONS.map(([f]) => f))) offsets.set(name, elf.fileOffset(sym.value)!);
    } finally {
      await elf.close();
    }
    console.log(`µs per call, median of ${RUNS} × ${CALLS.toLocaleString('en')} calls:`);
    for (const [fn, what] of FUNCTIONS) {
      const at = `${binary}:0x${offsets.get(fn)!.toString(16)}`;
      const bare = microsPerCall(binary, fn);
      const entry = withProbes([`p:vigil_cost/entry ${at}`], () => microsPerCall(binary, fn));
      const pair = withProbes([`p:vigil_cost/entry ${at}`, `r:vigil_cost/return ${at}`], () => microsPerCall(binary, fn));
      console.log(`  ${what}: no probe ${bare.toFixed(3)}, entry probe ${entry.toFixed(2)}, entry + return ${pair.toFixed(2)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
