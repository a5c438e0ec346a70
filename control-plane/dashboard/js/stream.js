// @ts-check
// The live stream: GET /api/stream read with fetch() and a ReadableStream (EventSource cannot
// send the bearer header), re-dispatched on `live` as CustomEvents named by topic. Reconnects
// with backoff; `live` also fires `state` (connecting | live | reconnecting).
import { authHeaders, signIn, token } from './api.js';

export const live = new EventTarget();

/**
 * Splits SSE text into complete messages; the incomplete tail is returned to be continued.
 * Comments (`: ping`) are skipped; multi-line data is joined with newlines.
 * @param {string} text
 * @returns {{messages: {event: string, data: string}[], rest: string}}
 */
export function parseSse(text) {
  const blocks = text.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  const messages = [];
  for (const block of blocks) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) messages.push({ event, data: data.join('\n') });
  }
  return { messages, rest };
}

/** @param {string} state */
function setState(state) {
  live.dispatchEvent(new CustomEvent('state', { detail: state }));
}

/** @type {AbortController | undefined} */
let current;

/** (Re)starts the stream, e.g. after signing in with another token. */
export function startStream() {
  current?.abort();
  const ctl = new AbortController();
  current = ctl;
  void run(ctl.signal);
}

/** @param {AbortSignal} signal */
async function run(signal) {
  let backoff = 1000;
  while (!signal.aborted) {
    setState('connecting');
    try {
      const res = await fetch('/api/stream', { headers: { accept: 'text/event-stream', ...authHeaders() }, signal, cache: 'no-store' });
      if (res.status === 401) {
        await signIn(token() ? 'That token was not accepted. Try another.' : 'This control plane needs an API token.');
        continue;
      }
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      setState('live');
      backoff = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const { messages, rest } = parseSse(buffer + value);
        buffer = rest;
        for (const m of messages) {
          let data;
          try {
            data = JSON.parse(m.data);
          } catch {
            continue;
          }
          live.dispatchEvent(new CustomEvent(m.event, { detail: data }));
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      console.warn('live stream:', err);
    }
    if (signal.aborted) return;
    setState('reconnecting');
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Math.min(backoff * 2, 30_000);
  }
}
