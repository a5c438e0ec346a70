/** The webhook adapters, in detection order (the most specific shapes first). */
export const WEBHOOK_ADAPTER_NAMES = [
  'alertmanager',
  'grafana',
  'pagerduty',
  'datadog',
  'opsgenie',
  'victorops',
  'newrelic',
] as const;

export type WebhookAdapterName = (typeof WEBHOOK_ADAPTER_NAMES)[number];

export function isWebhookAdapterName(name: string): name is WebhookAdapterName {
  return (WEBHOOK_ADAPTER_NAMES as readonly string[]).includes(name);
}
