import { describe, expect, it } from 'vitest';
import { CaptureConfig } from '../config.js';
import { targetExcluder } from './exclude.js';

describe('targetExcluder', () => {
  it('matches a bare pattern against the file name wherever the file lives', () => {
    const excluded = targetExcluder(['kubelet', 'containerd-shim*']);
    expect(excluded('/usr/bin/kubelet')).toBe('kubelet');
    expect(excluded('/usr/local/bin/kubelet')).toBe('kubelet');
    expect(excluded('/usr/bin/containerd-shim-runc-v2')).toBe('containerd-shim*');
    expect(excluded('/usr/bin/kubelet-helper')).toBeUndefined();
    expect(excluded('/usr/bin/node')).toBeUndefined();
  });

  it('matches a pattern with a slash against the whole path', () => {
    const excluded = targetExcluder(['/opt/ingress/**', '/usr/lib/*/libssl.so.3']);
    expect(excluded('/opt/ingress/bin/nginx')).toBe('/opt/ingress/**');
    expect(excluded('/usr/lib/x86_64-linux-gnu/libssl.so.3')).toBe('/usr/lib/*/libssl.so.3');
    expect(excluded('/srv/opt/ingress/bin/nginx')).toBeUndefined();
    expect(excluded('/usr/lib/libssl.so.3')).toBeUndefined();
  });

  it('excludes nothing without patterns, and the default list spares AI clients', () => {
    expect(targetExcluder([])('/usr/bin/kubelet')).toBeUndefined();
    const defaults = targetExcluder(CaptureConfig.parse({}).exclude_targets);
    for (const infra of ['/usr/bin/kubelet', '/usr/local/bin/containerd', '/usr/bin/containerd-shim-runc-v2', '/usr/local/bin/k3s', '/usr/local/bin/etcd']) {
      expect(defaults(infra), infra).toBeDefined();
    }
    for (const client of ['/usr/bin/node', '/usr/bin/python3.11', '/usr/lib/x86_64-linux-gnu/libssl.so.3', '/app/server', '/usr/local/bin/bun']) {
      expect(defaults(client), client).toBeUndefined();
    }
  });
});
