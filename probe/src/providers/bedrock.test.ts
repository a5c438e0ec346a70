import { describe, expect, it } from 'vitest';
import { defaultAiCallOptions } from '../aicall.js';
import { decodeEventStream, encodeEventStream, type EventStreamMessage } from './eventstream.js';
import { aiCall, eventStreamFixture, fixture, type ExchangeSpec } from './fixtures/exchange.js';

const opts = defaultAiCallOptions();
const conn = { sni: 'bedrock-runtime.us-east-1.amazonaws.com', port: 443 };
const STREAM = { 'content-type': 'application/vnd.amazon.eventstream' };

const call = (spec: ExchangeSpec) => aiCall(spec, conn, opts);

describe('AWS event stream framing', () => {
  it('round-trips frames and stops at a cut-off frame', () => {
    const frames: EventStreamMessage[] = [
      { headers: { ':event-type': 'a', ':message-type': 'event' }, payload: new TextEncoder().encode('{"x":1}') },
      { headers: { ':event-type': 'b' }, payload: new TextEncoder().encode('{"y":2}') },
    ];
    const bytes = encodeEventStream(frames);
    expect(decodeEventStream(bytes)).toEqual(frames);
    expect(decodeEventStream(bytes.subarray(0, bytes.length - 3))).toEqual([frames[0]]);
    expect(decodeEventStream(new Uint8Array([0, 0, 0, 1]))).toEqual([]);
  });
});

describe('Bedrock', () => {
  it('converse: model id from the path (URL-encoded), usage and stop reason', () => {
    const body = call({ path: '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse', reqBody: fixture('bedrock/converse_request.json'), resBody: fixture('bedrock/converse_response.json') });
    expect(body.provider).toBe('bedrock');
    expect(body.endpoint).toBe('converse');
    expect(body.gen_ai).toEqual({
      system: 'aws.bedrock',
      operation: { name: 'chat' },
      request: { model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', stream: false, max_tokens: 300, temperature: 0.5 },
      response: { finish_reasons: ['end_turn'] },
      usage: { input_tokens: 24, output_tokens: 38, total_tokens: 62 },
    });
    expect(body.cost?.usd).toBeCloseTo((24 * 3 + 38 * 15) / 1e6, 12);
  });

  it('converse-stream: usage from the metadata event, tool use counted', () => {
    const body = call({ path: '/model/us.anthropic.claude-sonnet-4-20250514-v1:0/converse-stream', reqBody: fixture('bedrock/converse_request.json'), resHeaders: STREAM, resBody: eventStreamFixture('bedrock/converse_stream_frames.json') });
    expect(body.endpoint).toBe('converse-stream');
    expect(body.gen_ai?.request).toEqual({ model: 'us.anthropic.claude-sonnet-4-20250514-v1:0', stream: true, max_tokens: 300, temperature: 0.5 });
    expect(body.gen_ai?.response).toEqual({ finish_reasons: ['tool_use'] });
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 402 + 1024, output_tokens: 56, cached_input_tokens: 1024, total_tokens: 1482 });
    expect(body.tool_calls).toBe(1);
    expect(body.timing?.first_token_ms).toBeUndefined();
  });

  it('invoke with a Claude body, token counts also in headers', () => {
    const body = call({
      path: '/model/anthropic.claude-3-5-sonnet-20240620-v1:0/invoke',
      reqBody: fixture('bedrock/invoke_claude_request.json'),
      resHeaders: { 'x-amzn-bedrock-input-token-count': '16', 'x-amzn-bedrock-output-token-count': '17', 'x-amzn-bedrock-invocation-latency': '873' },
      resBody: fixture('bedrock/invoke_claude_response.json'),
    });
    expect(body.gen_ai).toEqual({
      system: 'aws.bedrock',
      operation: { name: 'chat' },
      request: { model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', stream: false, max_tokens: 200, temperature: 0.7 },
      response: { model: 'claude-3-5-sonnet-20240620', id: 'msg_bdrk_01JtZkYV3yM8dQ1pD3ZyWbq5', finish_reasons: ['end_turn'] },
      usage: { input_tokens: 16, output_tokens: 17, total_tokens: 33 },
    });
  });

  it('invoke-with-response-stream: Anthropic events inside base64 chunks, invocation metrics', () => {
    const body = call({ path: '/model/anthropic.claude-3-haiku-20240307-v1:0/invoke-with-response-stream', reqBody: fixture('bedrock/invoke_claude_request.json'), resHeaders: STREAM, resBody: eventStreamFixture('bedrock/invoke_stream_claude_frames.json') });
    expect(body.gen_ai?.request?.stream).toBe(true);
    expect(body.gen_ai?.response).toEqual({ model: 'claude-3-haiku-20240307', id: 'msg_bdrk_01Strm', finish_reasons: ['end_turn'] });
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 14, output_tokens: 6, total_tokens: 20 });
    expect(body.cost?.usd).toBeCloseTo((14 * 0.25 + 6 * 1.25) / 1e6, 12);
  });

  it('errors: type from x-amzn-errortype, message from the body', () => {
    const body = call({ path: '/model/meta.llama3-70b-instruct-v1:0/invoke', status: 429, reqBody: '{"prompt":"hi","max_gen_len":64}', resHeaders: { 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/' }, resBody: fixture('bedrock/error_throttling.json') });
    expect(body.error).toEqual({ type: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' });
    expect(body.gen_ai?.operation).toEqual({ name: 'text_completion' });
    expect(body.gen_ai?.request).toEqual({ model: 'meta.llama3-70b-instruct-v1:0', stream: false, max_tokens: 64 });
  });

  it('exceptions inside a stream', () => {
    const body = call({ path: '/model/amazon.nova-pro-v1:0/converse-stream', reqBody: fixture('bedrock/converse_request.json'), resHeaders: STREAM, resBody: eventStreamFixture('bedrock/stream_exception_frames.json') });
    expect(body.error).toEqual({ type: 'modelStreamErrorException', message: 'The model stream was interrupted.' });
  });
});
