// Event ⇄ protobuf (NATS payloads) and Event ⇄ JSON (JSONL lines, debugging subscribers).
// Decoding always validates with the zod mirror, so a consumer never sees a malformed event.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { z } from 'zod';
import { Event } from './event.js';

export class EventDecodeError extends Error {
  override readonly name = 'EventDecodeError';
}

/** events.proto sits beside this file in the source tree; the build leaves it in schema/. */
export function protoPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'events.proto'), join(here, '..', '..', 'schema', 'events.proto')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`events.proto not found (looked in ${candidates.join(', ')})`);
  return found;
}

let eventType: protobuf.Type | undefined;

/** The protobuf reflection of vigil.v1.Event, loaded once with the proto's own field names. */
export function protoEventType(): protobuf.Type {
  if (!eventType) {
    const root = new protobuf.Root().loadSync(protoPath(), { keepCase: true });
    root.resolveAll();
    eventType = root.lookupType('vigil.v1.Event');
  }
  return eventType;
}

export function encodeEvent(e: Event): Uint8Array {
  const type = protoEventType();
  // A typed Event already has the message's shape, so fromObject's conversion pass is skipped.
  // Every field that is set is written, zeros included: the proto's scalars are `optional`
  // (explicit presence), so `exit_code: 0` or `truncated: false` survive the trip.
  return type.encode(e).finish();
}

export function decodeEvent(bytes: Uint8Array): Event {
  const type = protoEventType();
  let obj: unknown;
  try {
    obj = type.toObject(type.decode(bytes), { longs: Number });
  } catch (err) {
    throw new EventDecodeError(`not a vigil.v1.Event protobuf: ${(err as Error).message}`);
  }
  return validate(obj);
}

/** The JSON form: the same field names as the protobuf, one line, no trailing newline. */
export function eventToJson(e: Event): string {
  return JSON.stringify(e);
}

export function eventFromJson(text: string): Event {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new EventDecodeError(`not JSON: ${(err as Error).message}`);
  }
  return validate(obj);
}

/** The JSON Schema of one event (what expected-events.json holds). */
export function eventJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(Event, { target: 'draft-2020-12' }) as Record<string, unknown>;
}

function validate(obj: unknown): Event {
  const parsed = Event.safeParse(obj);
  if (!parsed.success) throw new EventDecodeError(`invalid event: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
