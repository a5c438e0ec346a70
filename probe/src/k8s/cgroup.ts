// Container id from a cgroup path, as the kernel reports it in /proc/<pid>/cgroup or as the
// probe records it. Pure. The runtimes and cgroup drivers name the leaf differently:
//   cgroupfs driver (v1 and v2):   /kubepods/burstable/pod<uid>/<id>
//   systemd driver:                /kubepods.slice/kubepods-burstable.slice/
//                                  kubepods-burstable-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope
//                                  (crio-<id>.scope for CRI-O, docker-<id>.scope for dockershim)
//   containerd's systemd form:     /system.slice/containerd.service/kubepods-…-pod<uid>.slice:cri-containerd:<id>
//   plain Docker / Podman:         /docker/<id>, /system.slice/docker-<id>.scope, libpod-<id>.scope
// CRI-O's conmon (crio-conmon-<id>.scope) is the monitor, not the container: no id.

export type Runtime = 'containerd' | 'cri-o' | 'docker' | 'podman';
export type CgroupIdentity = { containerId: string; runtime?: Runtime; podUid?: string };

const ID = '[0-9a-f]{64}';
const SCOPE = new RegExp(`(?:^|/)(cri-containerd|crio|docker|libpod)-(${ID})\\.scope$`);
const COLON = new RegExp(`:(cri-containerd|crio|docker):(${ID})$`);
// The probes record only the leaf name, with no slash before it.
const BARE = new RegExp(`(?:^|/)(${ID})$`);
const POD_UID = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/;

const RUNTIME: Record<string, Runtime> = { 'cri-containerd': 'containerd', crio: 'cri-o', docker: 'docker', libpod: 'podman' };

/** Accepts a path or a whole /proc/<pid>/cgroup line ("0::/kubepods/…", "4:memory:/docker/…"). */
export function parseCgroupPath(input: string): CgroupIdentity | undefined {
  const path = cgroupPathOf(input.trim());
  let runtime: Runtime | undefined;
  let id: string | undefined;
  const scoped = SCOPE.exec(path) ?? COLON.exec(path);
  if (scoped) {
    runtime = RUNTIME[scoped[1]!];
    id = scoped[2];
  } else {
    const bare = BARE.exec(path);
    if (!bare) return undefined;
    id = bare[1];
    if (/(?:^|\/)docker\//.test(path)) runtime = 'docker';
  }
  const out: CgroupIdentity = { containerId: id! };
  if (runtime) out.runtime = runtime;
  const uid = POD_UID.exec(path)?.[1];
  if (uid) out.podUid = uid.replaceAll('_', '-');
  return out;
}

export function containerIdFromCgroup(input: string): string | undefined {
  return parseCgroupPath(input)?.containerId;
}

/** "containerd://abc" (a pod's status.containerStatuses[].containerID) → "abc". */
export function stripRuntimeScheme(containerId: string): string {
  const i = containerId.indexOf('://');
  return i >= 0 ? containerId.slice(i + 3) : containerId;
}

function cgroupPathOf(s: string): string {
  // "hierarchy-id:controllers:path"; paths start with "/", so a line has a ":" before its first "/".
  const slash = s.indexOf('/');
  const colon = s.indexOf(':');
  if (colon >= 0 && slash > colon) {
    const second = s.indexOf(':', colon + 1);
    if (second >= 0 && second < slash) return s.slice(second + 1);
  }
  return s;
}
