// The curated surface of the webhook adapters: the registry and shape detection.
import { alertmanager } from './alertmanager.js';
import { datadog } from './datadog.js';
import { grafana } from './grafana.js';
import type { WebhookAdapterName } from './names.js';
import { newrelic } from './newrelic.js';
import { opsgenie } from './opsgenie.js';
import { pagerduty } from './pagerduty.js';
import type { WebhookAdapter } from './types.js';
import { victorops } from './victorops.js';

export { WEBHOOK_ADAPTER_NAMES, isWebhookAdapterName, type WebhookAdapterName } from './names.js';
export type { WebhookAdapter } from './types.js';

export const WEBHOOK_ADAPTERS: Readonly<Record<WebhookAdapterName, WebhookAdapter>> = {
  alertmanager,
  grafana,
  pagerduty,
  datadog,
  opsgenie,
  victorops,
  newrelic,
};

/** Every enabled adapter whose shape test accepts the body (more than one means ambiguous). */
export function detectAdapters(body: unknown, enabled: readonly WebhookAdapterName[]): WebhookAdapter[] {
  return enabled.map((name) => WEBHOOK_ADAPTERS[name]).filter((adapter) => adapter.detect(body));
}

/** The first enabled adapter (in WEBHOOK_ADAPTER_NAMES order) whose shape test accepts the body. */
export function detectAdapter(body: unknown, enabled: readonly WebhookAdapterName[]): WebhookAdapter | undefined {
  for (const name of enabled) if (WEBHOOK_ADAPTERS[name].detect(body)) return WEBHOOK_ADAPTERS[name];
  return undefined;
}
