// POST with retries: exponential backoff with jitter on network errors, 429 and 5xx, honouring
// Retry-After (capped). 4xx other than 429 is final: retrying cannot fix the payload.
export interface PostOptions {
  retries: number;
  baseDelayMs: number;
  timeoutMs: number;
  maxDelayMs?: number;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly attempts = 1,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function retryAfterMs(res: Response): number | undefined {
  const v = res.headers.get('retry-after');
  if (!v) return undefined;
  const s = Number(v);
  return Number.isFinite(s) ? s * 1000 : Math.max(0, Date.parse(v) - Date.now());
}

export async function postWithRetry(url: string, body: string, headers: Record<string, string>, opts: PostOptions): Promise<Response> {
  const maxDelay = opts.maxDelayMs ?? 30_000;
  let lastError = '';
  let lastStatus: number | undefined;
  for (let attempt = 0; attempt <= opts.retries; attempt += 1) {
    let wait = Math.min(maxDelay, opts.baseDelayMs * 2 ** attempt * (0.5 + Math.random() / 2));
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      if (res.ok) return res;
      lastStatus = res.status;
      lastError = `HTTP ${res.status}`;
      await res.body?.cancel();
      if (res.status !== 429 && res.status < 500) throw new DeliveryError(lastError, res.status, attempt + 1);
      wait = Math.min(maxDelay, retryAfterMs(res) ?? wait);
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      lastError = (err as Error).message;
    }
    if (attempt < opts.retries) await sleep(wait);
  }
  throw new DeliveryError(`gave up after ${opts.retries + 1} attempts: ${lastError}`, lastStatus, opts.retries + 1);
}
