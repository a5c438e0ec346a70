import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfFile, NotElfError } from './elf.js';
import { isCandidate, parseLdconfig, parseMaps } from './manager.js';

describe('parseMaps', () => {
  const maps = [
    '55d0c0a00000-55d0c0a27000 r--p 00000000 fd:01 1311005                    /usr/bin/curl',
    '55d0c0a27000-55d0c0a9b000 r-xp 00027000 fd:01 1311005                    /usr/bin/curl',
    '7f1c2a000000-7f1c2a05d000 r-xp 00000000 fd:01 1315000                    /usr/lib/x86_64-linux-gnu/libssl.so.3',
    '7f1c2a200000-7f1c2a221000 rw-p 00000000 00:00 0                          [heap]',
    '7f1c2a300000-7f1c2a301000 r--p 00000000 fd:01 1316000                    /usr/share/locale/locale-archive',
    '7f1c2a400000-7f1c2a401000 r-xp 00000000 fd:01 1317000                    /tmp/gone.so (deleted)',
    '7ffd1a000000-7ffd1a021000 rw-p 00000000 00:00 0                          [stack]',
  ].join('\n');

  it('lists each mapped file once, with whether it is executable', () => {
    expect(parseMaps(maps)).toEqual([
      { path: '/usr/bin/curl', executable: true },
      { path: '/usr/lib/x86_64-linux-gnu/libssl.so.3', executable: true },
      { path: '/usr/share/locale/locale-archive', executable: false },
    ]);
  });

  it.each([
    [{ path: '/usr/lib/x86_64-linux-gnu/libssl.so.3', executable: true }, undefined, true],
    [{ path: '/opt/app/libboringssl.so', executable: true }, undefined, true],
    [{ path: '/usr/lib/x86_64-linux-gnu/libgnutls.so.30', executable: true }, undefined, true],
    [{ path: '/usr/bin/node', executable: true }, '/usr/bin/node', true],
    [{ path: '/usr/lib/libcrypto.so.3', executable: true }, '/usr/bin/node', false],
    [{ path: '/usr/lib/libssl.so.3', executable: false }, undefined, false],
  ])('isCandidate(%j, exe %s) is %s', (file, exe, want) => {
    expect(isCandidate(file, exe)).toBe(want);
  });
});

describe('parseLdconfig', () => {
  it('keeps OpenSSL and GnuTLS libraries only, once per path', () => {
    const text = [
      '\tlibxmlsec1-openssl.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libxmlsec1-openssl.so.1',
      '\tlibssl3.so (libc6,x86-64) => /lib/x86_64-linux-gnu/libssl3.so',
      '\tlibssl.so.3 (libc6,x86-64) => /lib/x86_64-linux-gnu/libssl.so.3',
      '\tlibssl.so.3 (libc6,x86-64) => /lib/x86_64-linux-gnu/libssl.so.3',
      '\tlibgnutls.so.30 (libc6,x86-64) => /lib/x86_64-linux-gnu/libgnutls.so.30',
    ].join('\n');
    expect(parseLdconfig(text)).toEqual([
      '/lib/x86_64-linux-gnu/libssl3.so',
      '/lib/x86_64-linux-gnu/libssl.so.3',
      '/lib/x86_64-linux-gnu/libgnutls.so.30',
    ]);
  });
});

/** The defined symbols among `wanted`, from a file opened for the purpose. */
async function symbolsOf(path: string, wanted: readonly string[]) {
  const elf = await ElfFile.open(path);
  try {
    return await elf.symbols(wanted);
  } finally {
    await elf.close();
  }
}

describe('ElfFile.symbols (real binaries)', () => {
  it("finds the TLS functions Node's own binary exports", async () => {
    const syms = await symbolsOf(process.execPath, ['SSL_write', 'SSL_read', 'SSL_write_ex', 'no_such_symbol']);
    expect([...syms.keys()].sort()).toEqual(['SSL_read', 'SSL_write', 'SSL_write_ex']);
    expect(syms.get('SSL_write')!.value).toBeGreaterThan(0);
  });

  it('finds none in a binary without TLS', async () => {
    expect((await symbolsOf('/bin/true', ['SSL_write'])).size).toBe(0);
  });

  it('rejects a file that is not ELF', async () => {
    const f = join(tmpdir(), `vigil-not-elf-${process.pid}`);
    writeFileSync(f, '#!/bin/sh\necho hi\n');
    await expect(symbolsOf(f, ['SSL_write'])).rejects.toBeInstanceOf(NotElfError);
  });
});
