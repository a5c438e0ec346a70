// expected-events.json (repo root) is the JSON Schema emitted from the zod mirror; the harness
// validates JSONL against it. Regenerate: VIGIL_UPDATE_SCHEMA=1 npx vitest run schema/json-schema.test.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventJsonSchema } from './codec.js';

const file = join(import.meta.dirname, '..', 'expected-events.json');
const emitted = `${JSON.stringify(eventJsonSchema(), null, 2)}\n`;

describe('expected-events.json', () => {
  it('matches the schema emitted from schema/event.ts (regenerate with VIGIL_UPDATE_SCHEMA=1)', () => {
    if (process.env.VIGIL_UPDATE_SCHEMA === '1') writeFileSync(file, emitted);
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      // Missing counts as stale.
    }
    expect(committed, 'expected-events.json is stale: run VIGIL_UPDATE_SCHEMA=1 npx vitest run schema/json-schema.test.ts').toBe(emitted);
  });

  it('describes every event kind with its required body', () => {
    const schema = eventJsonSchema() as { oneOf?: Array<{ properties: { kind: { const: string } }; required: string[] }> };
    const kinds = (schema.oneOf ?? []).map((o) => [o.properties.kind.const, o.required.includes(o.properties.kind.const)]);
    expect(kinds).toEqual(['ai_call', 'http_call', 'process_exit', 'signal', 'oom_kill', 'loss', 'tls_data', 'sensor_status'].map((k) => [k, true]));
  });
});
