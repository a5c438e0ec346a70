// Locating SSL_read/SSL_write in BoringSSL without symbols: the byte scans, .eh_frame_hdr and
// the per-function decoding on hand-assembled amd64, the fingerprint rules on the layouts real
// builds have, and the whole locator on Debian's android-libboringssl — a real BoringSSL whose
// exported symbols give the right answer, which the locator must find without reading them.
// (Bun, the symbol-less case, is captured end to end in test/capture-bun.test.ts.)
import { constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../../../test/helpers/require-tool.js';
import {
  alignedCallTargets,
  ehFrameHdrStarts,
  fileNameLoads,
  functionFacts,
  identify,
  locateBoringSsl,
  REASON,
  sourceFileStrings,
  StrippedTlsUnsupported,
  type FunctionFacts,
} from './boringssl.js';
import { ElfFile } from './elf.js';

const le32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return [...b];
};

describe('byte scans', () => {
  it('finds the ssl_lib.cc file-name strings, whole or as a merged tail', () => {
    const bytes = Buffer.from('\0x.c\0../../vendor/boringssl/ssl/ssl_lib.cc\0ssl/ssl_lib.c\0', 'latin1');
    expect(sourceFileStrings(bytes, 0x1000)).toEqual([[0x1005, 0x1005 + '../../vendor/boringssl/ssl/ssl_lib.cc'.length]]);
    expect(sourceFileStrings(Buffer.from('ssl/ssl_lib.c\0'), 0)).toEqual([]);
  });

  it('finds rcx loads of the file name: mov ecx imm32, mov rcx imm32, lea rcx [rip+disp]', () => {
    const str: Array<[number, number]> = [[0x29e59d, 0x29e5c2]];
    const code = Buffer.from([
      0xb9, ...le32(0x29e59d), // 0x400000 mov ecx, 0x29e59d
      0xb9, ...le32(0x123456), // 0x400005 mov ecx, elsewhere
      0x48, 0xc7, 0xc1, ...le32(0x29e5a0), // 0x40000a mov rcx, inside the string (tail-merged)
      0x48, 0x8d, 0x0d, ...le32(0x29e59d - (0x400011 + 7)), // 0x400011 lea rcx, [rip+…]
      0x48, 0x8d, 0x15, ...le32(0x29e59d - (0x400018 + 7)), // 0x400018 lea rdx: not the file argument
    ]);
    expect(fileNameLoads(code, 0x400000, str)).toEqual([0x400000, 0x40000a, 0x400011]);
  });

  it('collects 16-byte aligned direct call targets inside the range', () => {
    const code = Buffer.from([0xe8, ...le32(0x1000 - 5), 0xe8, ...le32(0x1008 - 10), 0xe8, ...le32(0x9000 - 15)]);
    const into = new Set<number>();
    alignedCallTargets(code, 0, 0, 0x8000, into);
    expect([...into]).toEqual([0x1000]);
  });

  it('reads function starts from a (pcrel, udata4, datarel sdata4) .eh_frame_hdr and refuses other encodings', () => {
    const hdr = Buffer.from([1, 0x1b, 0x03, 0x3b, ...le32(0x100), ...le32(2), ...le32(-0x50), ...le32(0x10), ...le32(0x30), ...le32(0x20)]);
    expect(ehFrameHdrStarts(hdr, 0x2000)).toEqual([0x2000 - 0x50, 0x2030]);
    const other = Buffer.from(hdr);
    other[3] = 0x1b;
    expect(ehFrameHdrStarts(other, 0x2000)).toBeUndefined();
  });
});

describe('decoding one function', () => {
  // push rbp; [site: mov ecx,file; mov edi,16; xor esi,esi; mov edx,66; mov r8d,931; call err]
  // [not ERR_LIB_SSL: mov ecx,file; mov edi,3; mov edx,66; call err] call impl; ret; int3
  const at = 0x401000;
  const site = [0xb9, ...le32(0x29e59d), 0xbf, ...le32(16), 0x31, 0xf6, 0xba, ...le32(66), 0x41, 0xb8, ...le32(931)];
  const other = [0xb9, ...le32(0x29e59d), 0xbf, ...le32(3), 0xba, ...le32(66)];
  const bytes: number[] = [0x55];
  const callTo = (target: number) => bytes.push(0xe8, ...le32(target - (at + bytes.length + 5)));
  bytes.push(...site);
  callTo(0x500000);
  const otherAt = at + bytes.length;
  bytes.push(...other);
  callTo(0x500000);
  callTo(0x402000);
  bytes.push(0xc3, 0xcc, 0x90, 0x90);

  it('reads each error site’s reason and line, and the direct calls', async () => {
    const facts = await functionFacts(Buffer.from(bytes), at, new Set([at + 1, otherAt]));
    expect(facts.sites).toEqual([{ at: at + 1, reason: 66, line: 931 }]);
    expect([...facts.calls].sort()).toEqual([0x402000, 0x500000]);
  });
});

describe('telling SSL_read and SSL_write apart', () => {
  const { shouldNotHaveBeenCalled: Q, uninitialized: U, sslHandshakeFailure: H } = REASON;
  const fn = (start: number, sites: Array<[number, number]>, calls: number[] = []): FunctionFacts => ({
    start,
    sites: sites.map(([reason, line], i) => ({ at: start + 16 * (i + 1), reason, line })),
    calls: new Set(calls),
  });
  // As in Bun 1.4.5: SSL_peek inlined into SSL_read, ssl_read_impl out of line.
  const impl = fn(0x100, [[U, 837], [H, 870]]);
  const read = fn(0x200, [[Q, 931]], [0x100, 0x900]);
  const write = fn(0x300, [[Q, 953], [U, 958], [H, 973], [111, 979]]);
  const shutdown = fn(0x400, [[U, 1021], [0x123, 1069]], [0x100]);
  const keyUpdate = fn(0x500, [[U, 990], [Q, 995], [0x88, 1000]]);
  const hostName = fn(0x700, [[REASON.ssl3ExtInvalidServername, 2386]]);

  it('the layout of Bun 1.4.5', () => {
    expect(identify([impl, read, write, shutdown, keyUpdate, hostName])).toEqual({ read: 0x200, write: 0x300, sni: 0x700 });
    // The SNI setter is optional: without it (or with two lookalikes) there is no SNI probe.
    expect(identify([impl, read, write])).toEqual({ read: 0x200, write: 0x300 });
    expect(identify([impl, read, write, hostName, fn(0x800, [[REASON.ssl3ExtInvalidServername, 2400]])])).toEqual({ read: 0x200, write: 0x300 });
  });

  it('SSL_peek also out of line (android-libboringssl): SSL_read is the one calling more', () => {
    const peek = fn(0x280, [[Q, 931]], [0x100]);
    expect(identify([impl, peek, read, write])).toEqual({ read: 0x200, write: 0x300 });
  });

  it('ssl_read_impl inlined into SSL_read', () => {
    const inlined = fn(0x200, [[U, 837], [H, 870], [Q, 931]]);
    expect(identify([inlined, write, shutdown])).toEqual({ read: 0x200, write: 0x300 });
  });

  it('refuses to guess: two indistinguishable reads, or no SSL_write', () => {
    const twin = fn(0x600, [[Q, 931]], [0x100, 0x900]);
    expect(() => identify([impl, read, twin, write])).toThrow(StrippedTlsUnsupported);
    expect(() => identify([impl, read])).toThrow(/0 functions match SSL_write/);
  });

  it('an SSL_write lookalike with its checks in another order is not SSL_write', () => {
    const reordered = fn(0x300, [[U, 950], [Q, 953], [H, 973]]);
    expect(() => identify([impl, read, reordered])).toThrow(/SSL_write/);
  });
});

const ANDROID_LIBSSL = '/usr/lib/x86_64-linux-gnu/android/libssl.so.0';
const gate = requireTool('BoringSSL locator on a real build', ANDROID_LIBSSL, 'scripts/setup.sh installs android-libboringssl', constants.R_OK);

describe.runIf(gate.ok)('on a real BoringSSL build (Debian android-libboringssl)', () => {
  it('finds the functions its exported symbols name, without reading them', async () => {
    const elf = await ElfFile.open(ANDROID_LIBSSL);
    try {
      const truth = await elf.symbols(['SSL_read', 'SSL_write', 'SSL_set_tlsext_host_name']);
      const found = await locateBoringSsl(elf);
      expect(found).toMatchObject({
        read: truth.get('SSL_read')!.value,
        write: truth.get('SSL_write')!.value,
        sni: truth.get('SSL_set_tlsext_host_name')!.value,
      });
      expect(found!.detail).toMatch(/function starts from \.eh_frame_hdr/);
    } finally {
      await elf.close();
    }
  });

  it('OpenSSL (the system libssl.so.3, read as if it had no symbols) is recognised, not taken for BoringSSL', async () => {
    const elf = await ElfFile.open('/usr/lib/x86_64-linux-gnu/libssl.so.3');
    try {
      await expect(locateBoringSsl(elf)).rejects.toThrow(/^OpenSSL linked in without symbols: .* BoringSSL only/);
    } finally {
      await elf.close();
    }
  });
});
