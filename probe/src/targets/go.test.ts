// Go binary inspection: build-info and pclntab parsing on synthetic input, and on a real Go
// binary built here, cross-checked against `go tool objdump` (an independent disassembler):
// the probe plan names every RET of (*Conn).Read/Write, and a stripped build (symbols from
// .gopclntab only) yields the same plan.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../../lib/log.js';
import { buildGoClient, goBuild, haveGo } from '../../../test/helpers/go.js';
import { ElfFile } from './elf.js';
import { TargetManager, type Attacher } from './manager.js';
import { afterStackCheck, goMinor, goProbePlan, GoUnsupportedError, isGoBinary, parseBuildInfo, pclntabFuncs, returnSites } from './go.js';

const noDeref = () => Promise.reject(new Error('no pointers expected'));

describe('Go build info and versions', () => {
  const magic = Buffer.from('\xff Go buildinf:', 'latin1');

  it('reads the inline version string of Go 1.18+', async () => {
    const buf = Buffer.alloc(64);
    magic.copy(buf);
    buf[14] = 8;
    buf[15] = 2;
    buf[32] = 8;
    buf.write('go1.19.8', 33, 'latin1');
    expect(await parseBuildInfo(buf, noDeref)).toBe('go1.19.8');
  });

  it('follows the string pointer of older linkers', async () => {
    const buf = Buffer.alloc(32);
    magic.copy(buf);
    buf[14] = 8;
    buf.writeBigUInt64LE(0x5000n, 16);
    const mem = new Map<number, Buffer>();
    const hdr = Buffer.alloc(16);
    hdr.writeBigUInt64LE(0x6000n, 0);
    hdr.writeBigUInt64LE(9n, 8);
    mem.set(0x5000, hdr);
    mem.set(0x6000, Buffer.from('go1.16.15'));
    expect(await parseBuildInfo(buf, async (a) => mem.get(a)!)).toBe('go1.16.15');
  });

  it('rejects a section without the magic', async () => {
    await expect(parseBuildInfo(Buffer.alloc(64), noDeref)).rejects.toBeInstanceOf(GoUnsupportedError);
  });

  it.each([
    ['go1.19.8', [1, 19]],
    ['devel go1.22-abc123 Tue', [1, 22]],
    ['weird', undefined],
  ])('goMinor(%s)', (v, want) => expect(goMinor(v)).toEqual(want));

  it('recognises Go binaries by their sections', () => {
    expect(isGoBinary(['.text', '.gopclntab'])).toBe(true);
    expect(isGoBinary(['.text', '.go.buildinfo'])).toBe(true);
    expect(isGoBinary(['.text', '.dynsym'])).toBe(false);
  });

  it('says which pclntab it does not know', () => {
    const tab = Buffer.alloc(64);
    tab.writeUInt32LE(0xfffffffb, 0);
    tab[7] = 8;
    expect(() => pclntabFuncs(tab, 0, ['x'])).toThrow(/unknown .gopclntab magic 0xfffffffb/);
  });

  it('finds RET and RET imm16 by decoding, not by byte value', async () => {
    // mov eax, 0xc3c3c3c3 (C3 bytes inside an immediate); ret 8; nop; ret
    const code = Buffer.from([0xb8, 0xc3, 0xc3, 0xc3, 0xc3, 0xc2, 0x08, 0x00, 0x90, 0xc3]);
    expect(await returnSites(code, 0x1000)).toEqual([0x1005, 0x1009]);
  });

  it('finds the end of the stack check of a Go prologue, or keeps the entry without one', async () => {
    // LEAQ -0x68(SP), R12; CMPQ 0x10(R14), R12; JBE +0x764; SUBQ $0xe8, SP (crypto/tls.(*Conn).Write, Go 1.19)
    const prologue = Buffer.from('4c8d6424984d3b66100f86640700004881ece8000000', 'hex');
    expect(await afterStackCheck(prologue, 0x59c240)).toBe(0x59c24f);
    // CMPQ SP, 0x10(R14); JBE +0x20; PUSHQ BP (a small frame)
    expect(await afterStackCheck(Buffer.from('493b66107620' + '55', 'hex'), 0x2000)).toBe(0x2006);
    // NOSPLIT: MOVQ AX, BX; RET — no check, the entry stays
    expect(await afterStackCheck(Buffer.from('4889c3c3', 'hex'), 0x3000)).toBe(0x3000);
  });
});

const go = haveGo();
if (!go) {
  const reason = 'the Go toolchain is missing (scripts/setup.sh installs golang-go)';
  if (process.env.CI === 'true') it('a real Go binary: prerequisites', () => expect.fail(`${reason}; CI=true: may not be skipped`));
  else console.warn(`\n!!! SKIPPING the real Go binary tests: ${reason}\n`);
}

describe.runIf(go)('a real Go binary (golang-go)', () => {
  let dir: string;
  let full: string;
  let stripped: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-go-'));
    full = buildGoClient(dir);
    stripped = buildGoClient(dir, { stripped: true });
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function plan(path: string) {
    const elf = await ElfFile.open(path);
    try {
      return { plan: await goProbePlan(elf), elf };
    } finally {
      await elf.close();
    }
  }

  /** One function per `go tool objdump`: [address, mnemonic] per instruction. */
  function objdump(path: string, fn: string): Array<[number, string]> {
    const re = fn.replace(/[().*]/g, (c) => `\\${c}`) + '$';
    const text = execFileSync('go', ['tool', 'objdump', '-s', re, path], { maxBuffer: 64 << 20 }).toString();
    return [...text.matchAll(/^\s+\S+\s+0x([0-9a-f]+)\s+\S+\s+([A-Z]\w*)/gm)].map((m) => [parseInt(m[1]!, 16), m[2]!]);
  }

  it('plans Write after its stack check, Read at entry and at every RET, from .symtab', async () => {
    const { plan: p, elf } = await plan(full);
    expect(p).toBeDefined();
    expect(p!.goVersion).toMatch(/^go1\.\d+/);
    expect(p!.symbolSource).toBe('.symtab');
    const offs = (prog: string) => p!.probes.filter((x) => x.program === prog).map((x) => x.fileOffset).sort();
    expect(offs('go_tls_read_enter')).toHaveLength(1);
    expect(offs('go_tls_close_enter')).toHaveLength(1);
    const read = objdump(full, 'crypto/tls.(*Conn).Read');
    const readRets = read.filter(([, m]) => m === 'RET').map(([a]) => elf.fileOffset(a)!).sort();
    expect(readRets.length).toBeGreaterThan(1);
    expect(offs('go_tls_read_ret')).toEqual(readRets);
    expect(offs('go_tls_read_enter')).toEqual([elf.fileOffset(read[0]![0])]);
    // Write: the instruction after the prologue's conditional jump to morestack (JBE/JLS).
    const write = objdump(full, 'crypto/tls.(*Conn).Write');
    const jump = write.findIndex(([, m]) => m === 'JBE' || m === 'JLS');
    expect(jump).toBeGreaterThan(0);
    expect(jump).toBeLessThan(4);
    expect(offs('go_tls_write')).toEqual([elf.fileOffset(write[jump + 1]![0])]);
    // SNI: makeClientHello and hostnameInSNI, each past its stack check.
    for (const [prog, fn] of [['go_tls_hello', 'crypto/tls.(*Conn).makeClientHello'], ['go_tls_sni', 'crypto/tls.hostnameInSNI']] as const) {
      const code = objdump(full, fn);
      const j = code.findIndex(([, m]) => m === 'JBE' || m === 'JLS');
      expect(j, fn).toBeGreaterThan(0);
      expect(offs(prog)).toEqual([elf.fileOffset(code[j + 1]![0])]);
    }
  });

  it('a stripped build has no .symtab, and .gopclntab gives the same plan', async () => {
    const a = await plan(full);
    const b = await plan(stripped);
    expect(b.elf.section('.symtab')).toBeUndefined();
    expect(b.plan!.symbolSource).toBe('.gopclntab');
    // Same code, same layout: -s -w drops only symbols and DWARF.
    expect(b.plan!.probes).toEqual(a.plan!.probes);
  });

  /** Records what the manager attaches; optionally fails the nth uprobe. */
  function fakeAttacher(failAt?: number) {
    const made: Array<{ program: string; path: string; fileOffset: number }> = [];
    const detached: number[] = [];
    const a: Attacher = {
      attachTls: () => {
        throw new Error('not a shared library');
      },
      attachUprobe: (path, { program, fileOffset }) => {
        if (made.length === failAt) throw new Error(`refused ${program}`);
        made.push({ program, path, fileOffset });
        return made.length - 1;
      },
      detachUprobe: (l) => void detached.push(l),
    };
    return { a, made, detached };
  }

  it('the target manager attaches every planned probe of a Go binary and says what it did', async () => {
    const { a, made } = fakeAttacher();
    const t = await new TargetManager(a, logger('test')).addFile(stripped);
    expect(t).toMatchObject({ state: 'attached', library: 'go' });
    expect(t!.detail).toMatch(/^go1\.\d+.*, symbols from \.gopclntab, \d+ probes$/);
    const { plan: p } = await plan(stripped);
    expect(made.map(({ program, fileOffset }) => ({ program, fileOffset }))).toEqual(p!.probes);
    // Attached through the manager's own descriptor, which outlives a short-lived process.
    expect(made[0]!.path).toMatch(/^\/proc\/self\/fd\/\d+$/);
  });

  it('a probe that cannot be attached undoes the others: all or nothing, reported as failed', async () => {
    const { a, made, detached } = fakeAttacher(3);
    const t = await new TargetManager(a, logger('test')).addFile(full);
    expect(t).toMatchObject({ state: 'failed', library: 'go' });
    expect(t!.reason).toMatch(/^refused go_tls_\w+$/);
    expect(made).toHaveLength(3);
    expect(detached.sort()).toEqual([0, 1, 2]);
  });

  it('a Go binary older than 1.17 is reported as failed with the reason', async () => {
    const old = join(dir, 'go-old');
    copyFileSync(full, old);
    const bytes = readFileSync(old);
    const { elf } = await plan(full);
    const bi = elf.section('.go.buildinfo')!;
    const at = bytes.indexOf('go1.', bi.offset, 'latin1');
    expect(at).toBeGreaterThan(bi.offset);
    bytes.write('go1.16', at, 'latin1'); // the same length as "go1.1N"
    writeFileSync(old, bytes);
    const { a, made } = fakeAttacher();
    const t = await new TargetManager(a, logger('test')).addFile(old);
    expect(t).toMatchObject({ state: 'failed', library: 'go' });
    expect(t!.reason).toMatch(/^go1\.16.*needs Go 1\.17 or later/);
    expect(made).toHaveLength(0);
  });

  it('a Go binary without crypto/tls is inspected and left alone', async () => {
    const src = join(dir, 'hello.go');
    writeFileSync(src, 'package main\n\nfunc main() { println("hi") }\n');
    const bin = join(dir, 'hello');
    goBuild(src, bin);
    const { a, made } = fakeAttacher();
    const t = await new TargetManager(a, logger('test')).addFile(bin);
    expect(t).toMatchObject({ state: 'no_symbols', library: 'go', reason: 'Go binary without crypto/tls' });
    expect(made).toHaveLength(0);
  });
});
