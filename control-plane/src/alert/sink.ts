import type { Redactor } from '../triage/types.js';
import type { SinkConfig } from './config.js';
import { postWithRetry } from './http.js';
import type { AlertMessage } from './message.js';

export interface AlertSink {
  readonly name: string;
  send(message: AlertMessage): Promise<void>;
}

const identity: Redactor = { redact: (s) => s };

/**
 * A sink that renders a message to a JSON body (plus headers) and POSTs it with retries. The body
 * is redacted once more as a whole: titles and messages come from sources we do not control.
 */
export function jsonSink(
  cfg: SinkConfig,
  url: string,
  render: (m: AlertMessage) => { body: unknown; headers?: (body: string) => Record<string, string> },
  redactor: Redactor = identity,
): AlertSink {
  return {
    name: cfg.name,
    async send(m) {
      const out = render(m);
      const body = redactor.redact(JSON.stringify(out.body));
      await postWithRetry(url, body, out.headers?.(body) ?? {}, { retries: cfg.retries, baseDelayMs: cfg.retry_base_ms, timeoutMs: cfg.timeout_ms });
    },
  };
}
