import { describe, expect, it } from 'vitest';
import { exitCodeMeaning, signalName } from './exit-codes.js';

describe('exit codes', () => {
  it.each([
    [1, 'generic error'],
    [2, 'shell builtin'],
    [126, 'not executable'],
    [127, 'not found'],
    [137, 'SIGKILL'],
    [139, 'SIGSEGV'],
    [143, 'SIGTERM'],
    [134, 'killed by SIGABRT (128+6)'],
    [135, 'killed by SIGBUS (128+7)'],
    [42, 'exited with code 42'],
  ])('%i → %s', (code, words) => {
    expect(exitCodeMeaning(code)).toContain(words);
  });

  it('names unknown signals by number', () => expect(signalName(31)).toBe('signal 31'));
});
