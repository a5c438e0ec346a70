// The Kubernetes clients the actions use, and one place that turns API errors into what an
// operator needs to read: 404 = the target is gone, 403 = which verb on which resource was
// refused, 409 = a conflicting write (the caller retries with a fresh read).
import { ApiException, AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';

export interface Kube {
  core: CoreV1Api;
  apps: AppsV1Api;
}

export function kubeFrom(kc: KubeConfig): Kube {
  return { core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api) };
}

export type PatchType = 'strategic' | 'merge' | 'json';

const CONTENT_TYPES = { strategic: PatchStrategy.StrategicMergePatch, merge: PatchStrategy.MergePatch, json: PatchStrategy.JsonPatch };

/** Request options that set the patch content type (client-node 1.x needs it per call). */
export function patchAs(type: PatchType) {
  return setHeaderOptions('Content-Type', CONTENT_TYPES[type]);
}

/** `dryRun=All` for the server-side rehearsal, nothing for the real call. */
export const dryRunParam = (dryRun: boolean): { dryRun?: string } => (dryRun ? { dryRun: 'All' } : {});

export type KubeErrorCode = 'TARGET_GONE' | 'CONFLICT' | 'FORBIDDEN' | 'INVALID' | 'KUBE_ERROR';

export class KubeActionError extends Error {
  override name = 'KubeActionError';
  constructor(
    readonly code: KubeErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

function serverMessage(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : undefined;
  } catch {
    return body.slice(0, 200) || undefined;
  }
}

/** Wraps one API call so its failure names the verb and resource. */
export async function call<T>(verb: string, resource: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw describe(err, verb, resource);
  }
}

export function describe(err: unknown, verb: string, resource: string): KubeActionError {
  if (err instanceof KubeActionError) return err;
  if (!(err instanceof ApiException)) {
    return new KubeActionError('KUBE_ERROR', `${verb} ${resource}: ${(err as Error).message}`);
  }
  const detail = serverMessage(err.body);
  const suffix = detail ? `: ${detail}` : '';
  switch (err.code) {
    case 404:
      return new KubeActionError('TARGET_GONE', `target gone: ${resource} not found${suffix}`, 404);
    case 403:
      return new KubeActionError('FORBIDDEN', `forbidden: the control plane may not ${verb} ${resource} (grant it in its Role)${suffix}`, 403);
    case 409:
      return new KubeActionError('CONFLICT', `conflict on ${verb} ${resource}${suffix}`, 409);
    case 400:
    case 422:
      return new KubeActionError('INVALID', `${verb} ${resource} rejected as invalid${suffix}`, err.code);
    default:
      return new KubeActionError('KUBE_ERROR', `${verb} ${resource} failed with HTTP ${err.code}${suffix}`, err.code);
  }
}
