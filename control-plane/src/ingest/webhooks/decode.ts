// Turns a webhook request body into the JSON value the adapters read: JSON, or a form body
// (VictorOps escalation webhooks post application/x-www-form-urlencoded).
import { badRequest } from '../errors.js';
import { nestsDeeperThan } from '../body.js';

export const WEBHOOK_MEDIA_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain'] as const;

export function decodeWebhookBody(text: string, mediaType: string, maxDepth: number): Record<string, unknown> {
  if (mediaType === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(text));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest('INVALID_JSON', `webhook body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    throw badRequest('BODY_NOT_OBJECT', `webhook body must be a JSON object, got ${kind}`);
  }
  if (nestsDeeperThan(value, maxDepth)) {
    throw badRequest('NESTING_TOO_DEEP', `webhook body nests deeper than ${maxDepth} levels`);
  }
  return value as Record<string, unknown>;
}
