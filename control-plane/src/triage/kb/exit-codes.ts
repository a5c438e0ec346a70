// What a container exit code means. 128+n is "killed by signal n" (shell convention the
// container runtimes follow).
const SIGNALS: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE',
  9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM',
};

const MEANINGS: Record<number, string> = {
  0: 'the process exited normally (a container that must keep running returned)',
  1: 'the application exited with a generic error (see its last log lines)',
  2: 'misuse of a shell builtin or invalid command-line arguments',
  126: 'the command was found but is not executable (permissions or wrong architecture)',
  127: 'the command or entrypoint was not found in the image',
  137: 'killed by SIGKILL (128+9): the OOM killer, a failed liveness probe or a forced stop',
  139: 'segmentation fault, SIGSEGV (128+11): the process accessed invalid memory',
  143: 'terminated by SIGTERM (128+15): asked to stop, often during shutdown or a probe restart',
};

export function signalName(n: number): string {
  return SIGNALS[n] ?? `signal ${n}`;
}

export function exitCodeMeaning(code: number): string {
  const known = MEANINGS[code];
  if (known) return known;
  if (code > 128 && code < 160) return `killed by ${signalName(code - 128)} (128+${code - 128})`;
  return `the application exited with code ${code}`;
}
