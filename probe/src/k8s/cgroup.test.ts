import { describe, expect, it } from 'vitest';
import { containerIdFromCgroup, parseCgroupPath, stripRuntimeScheme } from './cgroup.js';

const ID = '4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b';
const UID = '0f6a2c1e-5b1d-4c55-9a0e-7f3f7e0c1a11';
const UID_ = UID.replaceAll('-', '_');

describe('containerIdFromCgroup on real cgroup path formats', () => {
  it.each([
    ['v2, systemd driver, containerd', `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`, 'containerd', UID],
    ['v2, systemd driver, CRI-O', `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-${ID}.scope`, 'cri-o', UID],
    ['v2, systemd driver, guaranteed QoS (no QoS slice)', `0::/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${ID}.scope`, 'containerd', UID],
    ['v2, cgroupfs driver, containerd', `0::/kubepods/burstable/pod${UID}/${ID}`, undefined, UID],
    ['v1, cgroupfs driver, memory controller line', `9:memory:/kubepods/besteffort/pod${UID}/${ID}`, undefined, UID],
    ['v1, systemd driver, dockershim', `11:cpu,cpuacct:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/docker-${ID}.scope`, 'docker', UID],
    ['v1, containerd systemd form (k3s, kind)', `1:name=systemd:/system.slice/containerd.service/kubepods-burstable-pod${UID_}.slice:cri-containerd:${ID}`, 'containerd', UID],
    ['v1, plain Docker cgroupfs', `4:pids:/docker/${ID}`, 'docker', undefined],
    ['v2, plain Docker systemd', `0::/system.slice/docker-${ID}.scope`, 'docker', undefined],
    ['v2, rootless Podman', `0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`, 'podman', undefined],
    ['bare path without the line prefix', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`, 'containerd', UID],
  ])('%s', (_name, path, runtime, podUid) => {
    const parsed = parseCgroupPath(path);
    expect(parsed?.containerId).toBe(ID);
    expect(parsed?.runtime).toBe(runtime);
    expect(parsed?.podUid).toBe(podUid);
  });

  it.each([
    ['the root cgroup', '0::/'],
    ['a host service', '0::/system.slice/sshd.service'],
    ['a user session', '0::/user.slice/user-1000.slice/session-3.scope'],
    ['the pod-level cgroup (pause has its own leaf)', `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`],
    ["CRI-O's conmon", `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-conmon-${ID}.scope`],
    ['a short id', '0::/docker/4f3c2b1a0e9d'],
    ["Podman's nested payload cgroup (below the scope)", `0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container`],
  ])('finds no container in %s', (_name, path) => {
    expect(containerIdFromCgroup(path)).toBeUndefined();
  });

  it('strips the runtime scheme Kubernetes puts on container ids', () => {
    expect(stripRuntimeScheme(`containerd://${ID}`)).toBe(ID);
    expect(stripRuntimeScheme(`cri-o://${ID}`)).toBe(ID);
    expect(stripRuntimeScheme(ID)).toBe(ID);
  });
});
