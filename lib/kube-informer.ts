// A client-node informer that never gives up. The library relists by itself on 410 Gone, but on
// any other error (a 500 or 403 on list, a refused connection) it reports once and stops; this
// wrapper logs a clear line and starts it again with exponential backoff.
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from './log.js';

export type InformerStats = { name: string; synced: boolean; errors: number; lastError?: string; lastErrorStatus?: number };
export type Retry = { initialMs: number; maxMs: number };

export type ResourceInformerOptions<T extends KubernetesObject> = {
  kubeConfig: KubeConfig;
  /** Names the informer in logs and stats: "pods", "pods(shop)". */
  name: string;
  /** The watch path, e.g. /api/v1/pods or /apis/apps/v1/namespaces/shop/deployments. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  fieldSelector?: string;
  retry: Retry;
  log: Logger;
};

export class ResourceInformer<T extends KubernetesObject> {
  private readonly lw: ListWatch<T>;
  private readonly stats_: InformerStats;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private markSynced!: () => void;
  /** Resolves after the first successful list. */
  readonly synced = new Promise<void>((resolve) => (this.markSynced = resolve));

  constructor(private readonly opts: ResourceInformerOptions<T>) {
    this.stats_ = { name: opts.name, synced: false, errors: 0 };
    const list = async () => {
      const result = await opts.list();
      this.attempt = 0;
      this.stats_.synced = true;
      this.markSynced();
      return result;
    };
    this.lw = new ListWatch<T>(opts.path, new Watch(opts.kubeConfig), list, false, opts.labelSelector, opts.fieldSelector);
    this.lw.on('error', (err: unknown) => this.onError(err));
  }

  on(verb: 'add' | 'update' | 'delete', cb: (obj: T) => void): void {
    this.lw.on(verb, cb);
  }

  list(namespace?: string): readonly T[] {
    return this.lw.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.lw.get(name, namespace);
  }

  start(): void {
    this.stopped = false;
    void this.lw.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.lw.stop();
  }

  stats(): InformerStats {
    return { ...this.stats_ };
  }

  private onError(err: unknown): void {
    if (this.stopped) return;
    const status = statusOf(err);
    this.stats_.errors++;
    this.stats_.lastError = messageOf(err);
    if (status !== undefined) this.stats_.lastErrorStatus = status;
    const delay = Math.min(this.opts.retry.maxMs, this.opts.retry.initialMs * 2 ** this.attempt++);
    this.opts.log.warn({ informer: this.opts.name, status, err: this.stats_.lastError, retryInMs: delay }, `Kubernetes API error on ${this.opts.name}; retrying`);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.stopped) void this.lw.start();
    }, delay);
  }
}

export function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown } | undefined;
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** The API's own Status message when there is one, else the error's; one line, bounded. */
export function messageOf(err: unknown): string {
  const body = (err as { body?: unknown } | undefined)?.body;
  let text: string | undefined;
  if (typeof body === 'string') {
    try {
      text = (JSON.parse(body) as { message?: string }).message;
    } catch {
      text = body;
    }
  } else if (body && typeof body === 'object') text = (body as { message?: string }).message;
  text ||= err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').slice(0, 300);
}
