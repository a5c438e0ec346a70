// Fallback SSE parsing for when the reassembler handed over a raw text/event-stream body without
// events (older callers, tests, captured transcripts). Follows the WHATWG event-stream rules.
import type { SseEvent } from '../http/types.js';

export function parseSse(text: string, tsNs: number): SseEvent[] {
  const events: SseEvent[] = [];
  let data: string[] = [];
  let event: string | undefined;
  let id: string | undefined;
  const dispatch = (): void => {
    if (data.length > 0) events.push({ data: data.join('\n'), tsNs, ...(event ? { event } : {}), ...(id ? { id } : {}) });
    data = [];
    event = undefined;
  };
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      dispatch();
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  }
  dispatch();
  return events;
}
