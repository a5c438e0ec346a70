import { describe, expect, it } from 'vitest';
import { parseSse } from './sse.js';

describe('parseSse', () => {
  it('splits events on blank lines, joins multi-line data, keeps event names and ids, skips comments', () => {
    const text = ': keep-alive\r\nevent: message_start\r\ndata: {"a":1}\r\n\r\nid: 7\ndata: line one\ndata:line two\n\ndata: [DONE]';
    expect(parseSse(text, 42)).toEqual([
      { event: 'message_start', data: '{"a":1}', tsNs: 42 },
      { id: '7', data: 'line one\nline two', tsNs: 42 },
      // The last event id carries over to later events, as in the WHATWG rules.
      { id: '7', data: '[DONE]', tsNs: 42 },
    ]);
  });

  it('ignores events without data and unknown fields', () => {
    expect(parseSse('event: ping\n\nretry: 100\nfoo: bar\n\n', 0)).toEqual([]);
  });
});
