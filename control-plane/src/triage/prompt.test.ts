import { describe, expect, it } from 'vitest';
import { testRedactor } from './fixtures/redactor.js';
import { buildContext, collapseLines, estimateTokens, fitLines, renderPrompt } from './prompt.js';

describe('prompt assembly', () => {
  it('collapses repeated lines (numbers ignored) with counts, in first-seen order', () => {
    const lines = ['10:00:01 retry 1 failed', 'starting', '10:00:02 retry 2 failed', '10:00:03 retry 3 failed'];
    expect(collapseLines(lines)).toEqual(['10:00:01 retry 1 failed  [×3]', 'starting']);
  });

  it('keeps first and last lines within the budget and says how many were left out', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i} ${'x'.repeat(30)}`);
    const out = fitLines(lines, 200);
    expect(estimateTokens(out.join('\n'))).toBeLessThanOrEqual(200);
    expect(out[0]).toContain('line 0 ');
    expect(out[out.length - 1]).toContain('line 999 ');
    expect(out.find((l) => l.includes('omitted'))).toMatch(/… \d+ lines omitted …/);
  });

  it('substitutes Seraph and Vigil variables and redacts the result', () => {
    const { vars } = buildContext(
      { resource: { kind: 'Pod', name: 'api-0', namespace: 'prod' }, reason: 'OOMKilled', events: [], logs: ['key=sk-proj-abcdefghijklmnopqrstuvwx'], historicalLogs: [], signals: [] },
      undefined,
      500,
    );
    const out = renderPrompt('{{RESOURCE_KIND}} {{ NAMESPACE }}/{{RESOURCE_NAME}} {{REASON}} {{UNKNOWN}}\n{{LOG_ENTRY}}', vars, testRedactor);
    expect(out.startsWith('Pod prod/api-0 OOMKilled \n')).toBe(true);
    expect(out).toContain('## Recent logs');
    expect(out).not.toContain('sk-proj-');
  });
});
