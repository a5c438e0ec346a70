// k8s_patch may only touch the fields a remediation legitimately needs: container image,
// resources, env, probes, and replicas. Every other path in a patch is named and refused.

const CONTAINER_FIELDS = new Set(['name', 'image', 'resources', 'env', 'livenessProbe', 'readinessProbe', 'startupProbe']);
const CONTAINER_LISTS = new Set(['containers', 'initContainers']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function podSpecPaths(spec: unknown, at: string, out: string[]): void {
  if (!isObject(spec)) return void out.push(at);
  for (const [key, value] of Object.entries(spec)) {
    const path = `${at}.${key}`;
    if (!CONTAINER_LISTS.has(key) || !Array.isArray(value)) {
      out.push(path);
      continue;
    }
    value.forEach((c, i) => {
      if (!isObject(c) || typeof c.name !== 'string') return void out.push(`${path}[${i}] (a container needs its name)`);
      for (const field of Object.keys(c)) if (!CONTAINER_FIELDS.has(field)) out.push(`${path}[${i}].${field}`);
    });
  }
}

/** The paths in `patch` outside the allowlist for a Pod (spec.…) or a workload (spec.template.spec.…). */
export function disallowedPatchPaths(patch: Json, kind: string): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key !== 'spec' || !isObject(value)) {
      out.push(key);
      continue;
    }
    if (kind === 'Pod') {
      podSpecPaths(value, 'spec', out);
      continue;
    }
    for (const [field, inner] of Object.entries(value)) {
      if (field === 'replicas' && kind !== 'DaemonSet') continue;
      if (field !== 'template' || !isObject(inner)) {
        out.push(`spec.${field}`);
        continue;
      }
      for (const [tk, tv] of Object.entries(inner)) {
        if (tk === 'spec') podSpecPaths(tv, 'spec.template.spec', out);
        else out.push(`spec.template.${tk}`);
      }
    }
  }
  return out;
}

/** Every container (name, image) a patch sets, wherever it sits. */
export function patchedContainers(patch: Json, kind: string): { name: string; image?: unknown }[] {
  const spec = isObject(patch.spec) ? patch.spec : {};
  const podSpec = kind === 'Pod' ? spec : isObject(spec.template) && isObject(spec.template.spec) ? spec.template.spec : {};
  return [...CONTAINER_LISTS].flatMap((list) => {
    const items = podSpec[list];
    return Array.isArray(items) ? items.filter(isObject).map((c) => ({ name: String(c.name), ...('image' in c ? { image: c.image } : {}) })) : [];
  });
}

export function patchedReplicas(patch: Json): number | undefined {
  const spec = isObject(patch.spec) ? patch.spec : {};
  return typeof spec.replicas === 'number' ? spec.replicas : undefined;
}
