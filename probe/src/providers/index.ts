// Public surface of provider recognition: what aicall.ts and tests use.
export { FORMAT_NAMES, ProviderEndpoint, ProvidersConfig } from './config.js';
export { decodeEventStream, encodeEventStream, type EventStreamMessage } from './eventstream.js';
export { FORMATS, KNOWN_PROVIDERS, recognise } from './registry.js';
export { parseSse } from './sse.js';
export type { Endpoint, ExchangeView, Extracted, Format, FormatName, Recognised, Usage } from './types.js';
export { makeView, type ConnInfo } from './view.js';
