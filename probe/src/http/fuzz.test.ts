// Fuzz: a million random and mutated byte streams through the connection parser. Nothing may
// throw, and what a connection holds must stay under the ceiling its options imply.
import { beforeAll, describe, expect, it } from 'vitest';
import * as f from './fixtures/h1.js';
import { rng, toChunks, type Turn } from './fixtures/feed.js';
import { captureH2 } from './fixtures/h2-capture.js';
import { resolveParserOptions, retainedBytesCeiling } from './options.js';
import { createConnectionParser } from './stitch.js';
import type { StreamChunk } from './types.js';

const STREAMS = 1_000_000;
const BATCHES = 4;
const opts = { bodyCap: 512, maxHeaderBytes: 1024, sseMaxEvents: 8, sseTailEvents: 2, sseMaxEventBytes: 256, maxPending: 4, maxRetainedBytes: 4096, hpackTableMax: 4096 };
const ceiling = retainedBytesCeiling(resolveParserOptions(opts));

const h1Seeds: Turn[][] = [
  [['egress', f.openaiJsonRequest], ['ingress', f.openaiJsonResponse]],
  [['egress', f.anthropicRequest], ['ingress', f.anthropicGzipChunkedResponse]],
  [['egress', f.openaiStreamRequest], ['ingress', f.openaiSseResponse]],
  [['egress', Buffer.concat([f.headRequest, f.deleteRequest])], ['ingress', Buffer.concat([f.headResponse, f.noContentResponse])]],
  [['ingress', f.anthropicRequest], ['egress', f.anthropicSseResponse]],
];
let seeds: Turn[][];

beforeAll(async () => {
  const h2 = await captureH2([{ method: 'POST', path: '/v1/chat/completions?stream=1', body: '{}' }]);
  seeds = [...h1Seeds, h2, h2];
});

function randomBytes(random: () => number, n: number): Buffer {
  const bytes = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

function mutate(random: () => number, out: StreamChunk[]): StreamChunk[] {
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits && out.length > 0; e++) {
    const i = Math.floor(random() * out.length);
    const c = (out[i] = { ...out[i]!, data: Buffer.from(out[i]!.data) });
    const at = Math.floor(random() * (c.data.length + 1));
    switch (Math.floor(random() * 7)) {
      case 0: // flip a byte
        if (c.data.length > 0) c.data[Math.min(at, c.data.length - 1)]! ^= 1 << Math.floor(random() * 8);
        break;
      case 1: // insert random bytes
        c.data = Buffer.concat([c.data.subarray(0, at), randomBytes(random, 1 + Math.floor(random() * 8)), c.data.subarray(at)]);
        break;
      case 2: // cut the chunk short (a gap follows)
        c.data = c.data.subarray(0, at);
        break;
      case 3: // the call was longer than captured
        c.truncatedBytes = 1 + Math.floor(random() * 64);
        break;
      case 4: // lose a chunk
        out.splice(i, 1);
        break;
      case 5: // re-deliver a chunk (overlap)
        out.splice(i, 0, { ...c });
        break;
      default: // a position jump
        c.pos += Math.floor(random() * 32);
    }
  }
  return out;
}

function randomStream(random: () => number): StreamChunk[] {
  const data = randomBytes(random, Math.floor(random() * 64));
  return [{ direction: random() < 0.5 ? 'egress' : 'ingress', pos: 0, data, tsNs: 1 }];
}

/** A prefix of a seed conversation of at most a few hundred bytes, split at random. */
function seedStream(random: () => number): StreamChunk[] {
  const seed = seeds[Math.floor(random() * seeds.length)]!;
  let budget = 40 + Math.floor(random() * 400);
  const prefix: Turn[] = [];
  for (const [direction, bytes] of seed) {
    if (budget <= 0) break;
    prefix.push([direction, bytes.subarray(0, budget)]);
    budget -= bytes.length;
  }
  return toChunks(prefix, (len) => (random() < 0.5 ? [] : [Math.floor(random() * len), Math.floor(random() * len)]));
}

describe('HTTP parser fuzz (h1 and h2)', () => {
  for (let batch = 0; batch < BATCHES; batch++) {
    it(`feeds ${STREAMS / BATCHES} random and mutated streams without a throw, within memory bounds (batch ${batch + 1})`, () => {
      const random = rng(1000 + batch);
      let exchanges = 0;
      let maxRetained = 0;
      const outcomes = new Map<string, number>();
      for (let n = 0; n < STREAMS / BATCHES; n++) {
        const roll = random();
        const chunks = roll < 0.1 ? randomStream(random) : roll < 0.3 ? seedStream(random) : mutate(random, seedStream(random));
        const parser = createConnectionParser(opts, () => exchanges++);
        for (const chunk of chunks) {
          parser.push(chunk);
          const held = parser.retainedBytes();
          if (held > maxRetained) maxRetained = held;
        }
        parser.close();
        const stats = parser.stats();
        const key = `${stats.protocol}:${stats.gaveUp ?? 'ok'}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        if (stats.retainedBytes !== 0 && stats.gaveUp === undefined) expect.fail(`a closed connection still holds bytes: ${JSON.stringify(stats)}`);
      }
      expect(maxRetained).toBeLessThanOrEqual(ceiling);
      // The fuzz reached deep: exchanges came out of both protocols and streams were refused.
      expect(exchanges).toBeGreaterThan(STREAMS / BATCHES / 10);
      expect(outcomes.get('http/1.1:ok')).toBeGreaterThan(0);
      expect(outcomes.get('h2:ok') ?? 0).toBeGreaterThan(0);
      expect(outcomes.get('unknown:not-http')).toBeGreaterThan(0);
    }, 120_000);
  }
});
