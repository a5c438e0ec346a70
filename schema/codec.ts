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
    trackPresence(root);
    eventType = root.lookupType('vigil.v1.Event');
  }
  return eventType;
}

/**
 * proto3 drops zero scalars on the wire, which would turn `exit_code: 0` or `truncated: false`
 * into "absent". Explicit presence writes a field whenever it is set; the wire format is
 * unchanged, so other decoders read the zeros as values. protobufjs only exposes this through
 * resolved features, so it is set there, before the first encode generates the codec. Marking
 * the fields `optional` in events.proto would make this a no-op.
 */
function trackPresence(ns: protobuf.NamespaceBase): void {
  for (const obj of ns.nestedArray) {
    if (obj instanceof protobuf.Type) {
      for (const field of obj.fieldsArray) {
        if (!field.repeated && !field.map) (field as unknown as { _features: Record<string, unknown> })._features.field_presence = 'EXPLICIT';
      }
    }
    if (obj instanceof protobuf.Namespace) trackPresence(obj);
  }
}

export function encodeEvent(e: Event): Uint8Array {
  const type = protoEventType();
  // A typed Event already has the message's shape, so fromObject's conversion pass is skipped.
  // Every field that is set is written, zeros included (see trackPresence).
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
