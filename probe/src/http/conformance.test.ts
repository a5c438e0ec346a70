// Conformance: real provider payloads from the shared corpus (SSE streams recorded from the
// live APIs, JSON bodies from the official references), framed as HTTP/1.1 and h2 would carry
// them. Skips loudly when the corpus is absent; fails instead under CI=true.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as f from './fixtures/h1.js';
import { randomCuts, rng, run, toChunks } from './fixtures/feed.js';

const corpus = resolve(dirname(fileURLToPath(import.meta.url)), '../../..', '../shared/corpus/ai');
const present = existsSync(corpus);
if (!present) {
  if (process.env.CI === 'true') throw new Error(`conformance corpus missing at ${corpus} (CI=true)`);
  console.warn(`SKIPPING HTTP conformance tests: no corpus at ${corpus}`);
}
const files = present ? readdirSync(corpus) : [];

/** Events as the SSE spec counts them: blank-line separated blocks with at least one data line. */
function expectedEvents(text: string): Array<{ event?: string; data: string }> {
  return text
    .split(/\r\n\r\n|\n\n|\r\r/)
    .map((block) => block.split(/\r\n|\n|\r/))
    .filter((lines) => lines.some((l) => l.startsWith('data')))
    .map((lines) => {
      const data = lines.filter((l) => l.startsWith('data')).map((l) => l.replace(/^data: ?/, '')).join('\n');
      const event = lines.find((l) => l.startsWith('event:'))?.replace(/^event: ?/, '');
      return event === undefined ? { data } : { event, data };
    });
}

describe.skipIf(!present)('HTTP conformance on the real-payload corpus', () => {
  it.each(files.filter((n) => n.endsWith('.sse')))('conformance: %s as a chunked SSE response, split anywhere', (name) => {
    const body = readFileSync(join(corpus, name));
    const text = body.toString('utf8');
    // A stream cut without its final blank line loses its last event, as the spec says.
    const complete = /(\r\n\r\n|\n\n|\r\r)$/.test(text) ? text : text.slice(0, Math.max(text.lastIndexOf('\n\n'), 0));
    const expected = expectedEvents(complete);
    const response = Buffer.concat([f.enc('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n'), f.chunked(body, 97)]);
    const random = rng(body.length);
    for (let i = 0; i < 20; i++) {
      const { exchanges } = run(toChunks([['egress', f.openaiStreamRequest], ['ingress', response]], (len) => randomCuts(random, len, 30)));
      const sse = exchanges[0]!.response!.sse!;
      expect(sse.map(({ event, data }) => (event === undefined ? { data } : { event, data }))).toEqual(expected);
      expect(Buffer.from(exchanges[0]!.response!.body).equals(body)).toBe(true);
    }
  });

  it.each(files.filter((n) => n.endsWith('.json')))('conformance: %s as a gzip response and a request body', (name) => {
    const body = readFileSync(join(corpus, name));
    const gz = gzipSync(body);
    const { exchanges } = run(
      toChunks([
        ['egress', f.postJson('/v1/chat/completions', 'api.openai.com', body.toString('utf8'))],
        ['ingress', Buffer.concat([f.enc(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`), gz])],
      ]),
    );
    expect(Buffer.from(exchanges[0]!.request.body).equals(body)).toBe(true);
    expect(Buffer.from(exchanges[0]!.response!.body).equals(body)).toBe(true);
    expect(exchanges[0]!.response!.wireBytes).toBe(gz.length);
  });
});
