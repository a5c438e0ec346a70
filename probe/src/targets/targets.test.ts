import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logger } from '../../../lib/log.js';
import { ElfFile, NotElfError } from './elf.js';
import { isCandidate, parseLdconfig, parseMaps, TargetManager } from './manager.js';

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

describe('TargetManager.onExec', () => {
  const attacher = { attachTls: () => 1, attachUprobe: () => 1, detachUprobe: () => {} };
  /** A fake /proc with one process whose maps read as given (missing: the process is gone). */
  function fakeProc(maps: string | undefined): string {
    const root = mkdtempSync(join(tmpdir(), 'vigil-proc-'));
    mkdirSync(join(root, '42'));
    if (maps !== undefined) writeFileSync(join(root, '42/maps'), maps);
    return root;
  }
  const until = async <T>(f: () => T | undefined): Promise<T> => {
    for (let i = 0; i < 100; i++) {
      const v = f();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('timed out');
  };

  // A short-lived client can exit before the agent reads its maps; unreaped, it is a zombie whose
  // /proc entry stays with nothing mapped. Its binary must still be attached for its next run.
  it.each([
    ['a zombie (empty maps)', ''],
    ['gone (its maps unreadable)', undefined],
  ])('attaches the exec() path of a process already %s', async (_, maps) => {
    const m = new TargetManager(attacher, logger('test'), () => undefined, fakeProc(maps));
    m.onExec(42, process.execPath);
    const t = await until(() => m.list().find((x) => x.path === process.execPath));
    expect(t).toMatchObject({ state: 'attached', library: 'openssl', firstPid: 42 });
    m.stop();
  });

  it('does not take the exec() path of a live process for its own (it may be inside a container)', async () => {
    const m = new TargetManager(attacher, logger('test'), () => undefined, fakeProc('00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/dbus-daemon\n'));
    m.onExec(42, process.execPath);
    await new Promise((r) => setTimeout(r, 300));
    expect(m.list().find((x) => x.path === process.execPath)).toBeUndefined();
    m.stop();
  });
});
