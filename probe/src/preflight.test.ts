import { describe, expect, it } from 'vitest';
import { preflight, PreflightError } from './preflight.js';

describe('preflight', () => {
  it('refuses to run without root, saying which capabilities are needed', () => {
    expect(() => preflight({ uid: 1000 })).toThrow(PreflightError);
    expect(() => preflight({ uid: 1000 })).toThrow(/must run as root .*CAP_BPF/);
  });

  it('explains a missing kernel BTF', () => {
    expect(() => preflight({ uid: 0, btfPath: '/nonexistent/vmlinux' })).toThrow(/kernel BTF not found at \/nonexistent\/vmlinux.*CONFIG_DEBUG_INFO_BTF/);
  });

  it('explains a tracefs that cannot be mounted', () => {
    expect(() => preflight({ uid: 0, btfPath: '/proc/self/status', tracefs: '/nonexistent/tracing' })).toThrow(
      /tracefs is not mounted at \/nonexistent\/tracing/,
    );
  });
});
