import type { Signal } from '../../signal.js';
import type { WebhookAdapterName } from './names.js';

/** One alerting system: a pure shape test and a pure parser, both total on any JSON value. */
export interface WebhookAdapter {
  name: WebhookAdapterName;
  /** What the adapter looks for, quoted in the 422 answer to an unknown shape. */
  expects: string;
  detect(body: unknown): boolean;
  /** `receivedAt` stands in for a start time the payload does not carry. */
  parse(body: unknown, receivedAt?: Date): Signal[];
}
