import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent, EventDecodeError, eventFromJson, eventToJson, protoEventType, protoPath } from './codec.js';
import { EVENT_KINDS, type Event } from './event.js';
import { SAMPLE_EVENTS, sampleEvent } from './fixtures/events.js';

describe('event codec', () => {
  it.each(EVENT_KINDS)('round-trips a %s event through protobuf unchanged', (kind) => {
    const e = SAMPLE_EVENTS[kind];
    const bytes = encodeEvent(e);
    expect(bytes.length).toBeGreaterThan(0);
    expect(decodeEvent(bytes)).toEqual(e);
  });

  it.each(EVENT_KINDS)('round-trips a %s event through JSON unchanged', (kind) => {
    const e = SAMPLE_EVENTS[kind];
    expect(eventFromJson(eventToJson(e))).toEqual(e);
  });

  it('keeps zero values that mean something (exit code 0, not core dumped, no tokens)', () => {
    const exit: Event = { ...SAMPLE_EVENTS.process_exit, process_exit: { exit_code: 0 } };
    expect(decodeEvent(encodeEvent(exit))).toEqual(exit);
    const sig: Event = { ...SAMPLE_EVENTS.signal, signal: { signal: 9, signal_name: 'SIGKILL', core_dumped: false } };
    expect(decodeEvent(encodeEvent(sig))).toEqual(sig);
  });

  it('a decoder generated from events.proto alone tells a zero from an absent field (optional scalars)', () => {
    const root = new protobuf.Root().loadSync(protoPath(), { keepCase: true });
    const Plain = root.lookupType('vigil.v1.Event');
    const sig = (core_dumped?: boolean): Event => ({ ...SAMPLE_EVENTS.signal, signal: { signal: 9, signal_name: 'SIGKILL', ...(core_dumped === undefined ? {} : { core_dumped }) } });
    const read = (e: Event) => (Plain.toObject(Plain.decode(encodeEvent(e))) as { signal: Record<string, unknown> }).signal;
    expect(read(sig(false))).toEqual({ signal: 9, signal_name: 'SIGKILL', core_dumped: false });
    expect(read(sig())).toEqual({ signal: 9, signal_name: 'SIGKILL' });
  });

  it('keeps negative and 64-bit values', () => {
    const oom: Event = { ...SAMPLE_EVENTS.oom_kill, oom_kill: { total_vm_kb: 2 ** 42 + 3, oom_score_adj: -999 } };
    const exit: Event = { ...SAMPLE_EVENTS.process_exit, process_exit: { exit_code: -11 } };
    expect(decodeEvent(encodeEvent(oom))).toEqual(oom);
    expect(decodeEvent(encodeEvent(exit))).toEqual(exit);
  });

  it('round-trips arbitrary strings and numbers in every field it touches', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.double({ noNaN: true, noDefaultInfinity: true }), (id, pod, code, ms) => {
        const e: Event = {
          ...SAMPLE_EVENTS.ai_call,
          id,
          k8s: { pod },
          ai_call: { timing: { duration_ms: ms }, http: { status_code: Math.abs(code) } },
        };
        expect(decodeEvent(encodeEvent(e))).toEqual(e);
      }),
      { numRuns: 200 },
    );
  });

  it('encodes an event smaller than its JSON line', () => {
    const e = sampleEvent(0);
    expect(encodeEvent(e).length).toBeLessThan(Buffer.byteLength(eventToJson(e)));
  });

  it('rejects garbage bytes with a clear error', () => {
    expect(() => decodeEvent(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(EventDecodeError);
  });

  it('rejects a well-formed protobuf that is not a valid event, naming the field', () => {
    const type = protoEventType();
    const bytes = type.encode(type.fromObject({ id: 'x', kind: 'signal', node: 'n', time: 'yesterday' })).finish();
    expect(() => decodeEvent(bytes)).toThrow(/time/);
  });

  it('rejects JSON that is not an event, naming the field', () => {
    expect(() => eventFromJson('{"id":"x","kind":"oom_kill","node":"n","time":"2026-11-27T09:00:00Z"}')).toThrow(/oom_kill/);
    expect(() => eventFromJson('{"id":')).toThrow(/not JSON/);
  });
});
