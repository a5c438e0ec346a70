import { describe, expect, it } from 'vitest';
import { pickCgroupPath } from './proc.js';

const ID = 'a3f5c2d1e0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3';

describe('pickCgroupPath', () => {
  it('takes the memory controller on cgroup v1', () => {
    expect(pickCgroupPath(`12:pids:/\n4:memory:/kubepods/burstable/pod1234/${ID}\n0::/\n`)).toBe(`/kubepods/burstable/pod1234/${ID}`);
  });
  it('takes the unified hierarchy on cgroup v2', () => {
    expect(pickCgroupPath(`0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-${ID}.scope\n`)).toBe(
      `/kubepods.slice/kubepods-pod1.slice/cri-containerd-${ID}.scope`,
    );
  });
});

