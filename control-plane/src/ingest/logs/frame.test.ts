import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameRecords } from './frame.js';

const values = (text: string) => frameRecords(text).records.map((r) => r.value);

describe('frameRecords', () => {
  it('reads one object, pretty-printed or compact', () => {
    expect(values('{"a":1}')).toEqual([{ a: 1 }]);
    expect(values('{\n  "a": 1,\n  "b": "x"\n}\n')).toEqual([{ a: 1, b: 'x' }]);
  });

  it('reads ndjson with blank lines and CRLF, numbering lines from 1', () => {
    const framed = frameRecords('{"a":1}\r\n\n{"a":2}\n');
    expect(framed.records.map((r) => [r.line, r.value])).toEqual([
      [1, { a: 1 }],
      [3, { a: 2 }],
    ]);
    expect(framed.errors).toEqual([]);
  });

  it('reads a JSON array (Fluentd json_array: "[rec\\n,rec\\n]")', () => {
    const framed = frameRecords('[{"a":1}\n,{"a":"]}"}\n]');
    expect(framed.records.map((r) => [r.line, r.value])).toEqual([
      [1, { a: 1 }],
      [2, { a: ']}' }],
    ]);
    expect(framed.errors).toEqual([]);
  });

  it('reads json_stream (objects back to back) and the [timestamp, record] event form', () => {
    expect(values('{"a":1}{"b":"}{"}{"c":3}')).toEqual([{ a: 1 }, { b: '}{' }, { c: 3 }]);
    expect(values('[1554141513.5,{"log":"x"}]')).toEqual([{ date: 1554141513.5, log: 'x' }]);
  });

  it('keeps the good records of a batch and reports each bad one by line', () => {
    const framed = frameRecords('{"a":1}\n{"a":\n42\n{"a":3}\n');
    expect(framed.records.map((r) => r.value)).toEqual([{ a: 1 }, { a: 3 }]);
    expect(framed.errors.map((e) => e.line)).toEqual([2, 3]);
    expect(framed.errors[0]!.message).toMatch(/^invalid JSON/);
    expect(framed.errors[1]!.message).toBe('a log record must be a JSON object, got a number');
  });

  it('reports a bad array element and an unclosed array without losing the others', () => {
    const framed = frameRecords('[{"a":1},\n{oops},\n{"a":3}');
    expect(framed.records.map((r) => r.value)).toEqual([{ a: 1 }, { a: 3 }]);
    expect(framed.errors.map((e) => e.line)).toEqual([2, 3]);
    expect(framed.errors[1]!.message).toMatch(/not closed/);
  });

  it('never throws and accounts for every non-empty ndjson line, whatever the text', () => {
    const line = fc
      .oneof(fc.json(), fc.string())
      .map((l) => l.replace(/[\r\n]/g, ' '));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), (lines) => {
        fc.pre(!/^\s*\[/.test(lines.join('\n')));
        const framed = frameRecords(lines.join('\n'));
        const nonEmpty = lines.filter((l) => l.trim().length > 0).length;
        const split = lines.some((l) => l.includes('}{'));
        const counted = framed.records.length + framed.errors.length;
        if (split) expect(counted).toBeGreaterThanOrEqual(nonEmpty);
        else expect(counted).toBe(nonEmpty);
      }),
      { numRuns: 300 },
    );
  });
});
