// The protobuf and the zod mirror must describe the same event: same field names, same nesting,
// same kind of value. A field added to one and not the other fails here.
import protobuf from 'protobufjs';
import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { protoEventType } from './codec.js';
import { Event } from './event.js';

type Shape = 'string' | 'number' | 'boolean' | { object: Record<string, Shape> } | { array: Shape } | { record: Shape };

const PROTO_SCALARS: Record<string, Shape> = {
  string: 'string',
  bool: 'boolean',
  ...Object.fromEntries(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64'].map((t) => [t, 'number' as const])),
};

function protoShape(type: protobuf.Type): Shape {
  const object: Record<string, Shape> = {};
  for (const f of type.fieldsArray) {
    const value = f.resolvedType instanceof protobuf.Type ? protoShape(f.resolvedType) : PROTO_SCALARS[f.type];
    if (!value) throw new Error(`unhandled proto type ${f.type} for ${f.name}`);
    object[f.name] = f.map ? { record: value } : f.repeated ? { array: value } : value;
  }
  return { object };
}

function zodShape(schema: z.ZodType): Shape {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'optional':
    case 'default':
      return zodShape(def.innerType as z.ZodType);
    case 'string':
    case 'enum':
      return 'string';
    case 'literal':
      return typeof (def.values as unknown[])[0] === 'string' ? 'string' : 'number';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return { array: zodShape(def.element as z.ZodType) };
    case 'record':
      return { record: zodShape(def.valueType as z.ZodType) };
    case 'object':
      return { object: Object.fromEntries(Object.entries(def.shape as Record<string, z.ZodType>).map(([k, v]) => [k, zodShape(v)])) };
    case 'union': {
      // A discriminated union: every option's fields, merged; a field shared by options must agree.
      const merged: Record<string, Shape> = {};
      for (const option of def.options as z.ZodType[]) {
        const shape = zodShape(option);
        if (typeof shape !== 'object' || !('object' in shape)) throw new Error('union of non-objects');
        for (const [k, v] of Object.entries(shape.object)) {
          if (k in merged) expect(v, `field ${k} differs between event kinds`).toEqual(merged[k]);
          merged[k] = v;
        }
      }
      return { object: merged };
    }
    default:
      throw new Error(`unhandled zod type ${def.type}`);
  }
}

describe('events.proto and schema/event.ts', () => {
  it('declare the same fields, nesting and value kinds', () => {
    expect(zodShape(Event)).toEqual(protoShape(protoEventType()));
  });

  it('have a body field for every event kind', () => {
    const fields = protoEventType().fieldsArray.map((f) => f.name);
    for (const option of Event.options) expect(fields).toContain(option.shape.kind.value);
  });
});
