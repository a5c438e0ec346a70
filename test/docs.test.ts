// The README's sensor configuration reference is checked against the zod schema it documents:
// every documented key exists, every key of the documented sections is documented, and plain
// numeric or boolean defaults match the schema's.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseSensorConfig, SensorConfig } from '../probe/src/config.js';

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Control plane'));
const rows = section
  .split('\n')
  .filter((l) => l.startsWith('| `'))
  .map((l) => l.split('|').map((c) => c.trim()))
  .map(([, key, dflt]) => ({ keys: [...key!.matchAll(/`([a-z_.*]+)`/g)].map((m) => m[1]!), dflt: dflt! }));
const documented = rows.flatMap((r) => r.keys);

/** The object schema at a dotted path, unwrapping defaults and optionals. */
function at(path: string[]): z.ZodType | undefined {
  let cur: z.ZodType = SensorConfig;
  for (const key of path) {
    while (!(cur instanceof z.ZodObject)) {
      const inner = (cur as unknown as { _zod: { def: { innerType?: z.ZodType; in?: z.ZodType } } })._zod.def;
      const next = inner.innerType ?? inner.in;
      if (!next) return undefined;
      cur = next;
    }
    const shape = (cur as z.ZodObject).shape as Record<string, z.ZodType>;
    if (!(key in shape)) return undefined;
    cur = shape[key]!;
  }
  return cur;
}

describe('README configuration reference', () => {
  it('documents only keys the schema has', () => {
    for (const key of documented) expect(at(key.replace(/\.\*$/, '').split('.')), key).toBeDefined();
  });

  it.each(['output', 'filters', 'capture', 'content', 'debug', 'kubernetes'])('documents every key of %s', (name) => {
    const shape = (at([name]) as unknown as { _zod: { def: { innerType: z.ZodObject } } })._zod.def.innerType.shape;
    for (const key of Object.keys(shape)) expect(documented, `${name}.${key}`).toContain(`${name}.${key}`);
  });

  it('states the schema defaults', () => {
    const defaults = parseSensorConfig({}, {}) as unknown as Record<string, Record<string, unknown>>;
    for (const { keys, dflt } of rows) {
      if (keys.length !== 1 || !/^(`?(true|false)`?|\d+)$/.test(dflt)) continue;
      const [sec, leaf] = keys[0]!.split('.');
      expect(String(defaults[sec!]![leaf!]), keys[0]).toBe(dflt.replaceAll('`', ''));
    }
  });
});
