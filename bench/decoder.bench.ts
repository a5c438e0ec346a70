// HTTP decoder throughput on one core: MB/s of plaintext and calls/s through
// createConnectionParser, for a non-streaming and a streaming (SSE) mix, over h1 and h2.
// The h2 bytes are recorded once from a real node:http2 client/server pair, then replayed.
import * as f from '../probe/src/http/fixtures/h1.js';
import { toChunks, type Turn } from '../probe/src/http/fixtures/feed.js';
import { captureH2, type H2Call } from '../probe/src/http/fixtures/h2-capture.js';
import { createConnectionParser } from '../probe/src/http/stitch.js';
import type { StreamChunk } from '../probe/src/http/types.js';

const FLOOR_MBPS = 100;
const FLOOR_CALLS = 10_000;
const SECONDS = 2;
const opts = {};

/** A keep-alive connection carrying `rounds` copies of the given request/response pairs. */
function h1Connection(pairs: Array<[Buffer, Buffer]>, rounds: number): StreamChunk[] {
  const turns: Turn[] = [];
  for (let r = 0; r < rounds; r++) for (const [req, res] of pairs) turns.push(['egress', req], ['ingress', res]);
  return toChunks(turns, (len) => Array.from({ length: Math.floor(len / 16384) }, (_, i) => (i + 1) * 16384));
}

/** CPU seconds this process used: the machine is shared, so wall time would understate one core. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

function measure(name: string, chunks: StreamChunk[]): void {
  const bytesPerConn = chunks.reduce((n, c) => n + c.data.length, 0);
  let calls = 0;
  let events = 0;
  let bytes = 0;
  const start = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < SECONDS) {
    const parser = createConnectionParser(opts, (exchange) => {
      calls++;
      events += exchange.response?.sse?.length ?? 0;
    });
    for (const chunk of chunks) parser.push(chunk);
    parser.close();
    bytes += bytesPerConn;
    elapsed = cpuSeconds(start);
  }
  const mbps = bytes / 1e6 / elapsed;
  const cps = calls / elapsed;
  const sse = events > 0 ? `  ${Math.round(events / elapsed)} SSE events/s` : '';
  console.log(
    `${name.padEnd(24)} ${mbps.toFixed(1).padStart(6)} MB/s (${(mbps / FLOOR_MBPS).toFixed(2)}x floor) ${Math.round(cps).toString().padStart(6)} calls/s (${(cps / FLOOR_CALLS).toFixed(2)}x floor)  ${(bytes / calls).toFixed(0)} B/call${sse}`,
  );
}

async function h2Connection(calls: H2Call[]): Promise<StreamChunk[]> {
  return toChunks(await captureH2(calls));
}

export async function run(): Promise<void> {
  // Realistic sizes: prompts carry history (~6 KB), streams ~200 token events (~25 KB).
  const prompt = f.chatRequestWithHistory(16);
  const openaiReq = f.postJson('/v1/chat/completions', 'api.openai.com', prompt);
  const anthropicReq = f.postJson('/v1/messages', 'api.anthropic.com', prompt);
  const sseBody = f.sseStreamBody(200);
  const sseRes = Buffer.concat([f.enc('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n'), f.chunked(sseBody, 180)]);
  const plain: H2Call = { method: 'POST', path: '/v1/chat/completions', body: prompt };
  const gzip: H2Call = { method: 'POST', path: '/v1/messages', body: prompt };
  const stream: H2Call = { method: 'POST', path: '/v1/chat/completions?stream=1&deltas=200', body: prompt };
  const h2Plain = await h2Connection(Array.from({ length: 30 }, (_, i) => [plain, gzip][i % 2]!));
  const h2Stream = await h2Connection(Array.from({ length: 10 }, () => stream));
  console.log(`one core, ${SECONDS} CPU-seconds per mix; floors ${FLOOR_MBPS} MB/s and ${FLOOR_CALLS} calls/s`);
  measure('h1 non-streaming mix', h1Connection([[openaiReq, f.openaiJsonResponse], [anthropicReq, f.anthropicGzipChunkedResponse], [openaiReq, f.brotliResponse]], 10));
  measure('h1 streaming (SSE) mix', h1Connection([[openaiReq, sseRes], [anthropicReq, f.anthropicSseResponse]], 10));
  measure('h2 non-streaming mix', h2Plain);
  measure('h2 streaming (SSE) mix', h2Stream);
}
