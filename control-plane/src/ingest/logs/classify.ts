// Which log lines become Signals. A line is a Signal when its level says error or worse, or
// when its text matches a failure pattern below; an explicit info/debug level is trusted,
// except for the crash patterns (OOM, panic, segfault) that no level can make harmless.
import type { Severity } from '../../signal.js';

export type Level = 'critical' | 'error' | 'warning' | 'info' | 'debug';

export interface Classification {
  severity: Severity;
  /** Short failure name: OOM, Panic, Exception, ConnectionRefused, DNSFailure, ErrorLog... */
  reason: string;
}

interface Rule {
  reason: string;
  severity: Severity;
  pattern: RegExp;
  /** Fires even on lines whose structured level is info or debug. */
  crash?: boolean;
}

export const LOG_RULES: readonly Rule[] = [
  {
    reason: 'OOM',
    severity: 'critical',
    crash: true,
    pattern: /\bOOMKilled\b|\bout of memory\b|OutOfMemoryError|heap out of memory|Cannot allocate memory|\boom[-_ ]kill/i,
  },
  {
    reason: 'Panic',
    severity: 'critical',
    crash: true,
    pattern: /^panic: |goroutine \d+ \[running\]|^fatal error: |thread '[^']*' panicked at/m,
  },
  { reason: 'Segfault', severity: 'critical', crash: true, pattern: /segmentation fault|\bSIGSEGV\b|\bSIGABRT\b|core dumped/i },
  {
    reason: 'Exception',
    severity: 'error',
    pattern:
      /Traceback \(most recent call last\)|\bException in thread\b|\bUnhandled(?:Promise)?Rejection\b|uncaught exception|\b[A-Z][A-Za-z0-9]*(?:Exception|Error)\b(?::|\s+at\s)/,
  },
  { reason: 'ConnectionRefused', severity: 'error', pattern: /connection refused|\bECONNREFUSED\b/i },
  {
    reason: 'DNSFailure',
    severity: 'error',
    pattern: /no such host|\bENOTFOUND\b|\bEAI_AGAIN\b|Name or service not known|Temporary failure in name resolution|could not resolve host|\bNXDOMAIN\b|server misbehaving/i,
  },
  { reason: 'Timeout', severity: 'error', pattern: /context deadline exceeded|\bETIMEDOUT\b|i\/o timeout|\btimed out\b/i },
  { reason: 'ConnectionReset', severity: 'error', pattern: /connection reset by peer|\bECONNRESET\b|broken pipe|\bEPIPE\b/i },
  {
    reason: 'TLSError',
    severity: 'error',
    pattern: /x509: |certificate (?:has expired|verify failed|signed by unknown authority)|tls: handshake failure/i,
  },
  { reason: 'PermissionDenied', severity: 'error', pattern: /permission denied|\bEACCES\b/i },
];

// A level written into unstructured text: logfmt, embedded JSON, "ERROR" tokens, klog's E/F prefix.
const TEXT_LEVEL =
  /\b(?:level|lvl|severity)=["']?(error|err|fatal|panic|critical|crit)\b|"(?:level|severity)"\s*:\s*"(error|err|fatal|panic|critical)"|(?:^|[\s[|])(ERROR|FATAL|CRITICAL|SEVERE|PANIC)(?:[\]\s:|]|$)|^([EF])\d{4} \d\d:\d\d/;

const LEVEL_WORDS: Record<string, Level> = {
  fatal: 'critical', panic: 'critical', critical: 'critical', crit: 'critical', emerg: 'critical',
  emergency: 'critical', alert: 'critical', severe: 'error', error: 'error', err: 'error', e: 'error',
  warning: 'warning', warn: 'warning', w: 'warning', notice: 'info', info: 'info', information: 'info',
  i: 'info', debug: 'debug', trace: 'debug', verbose: 'debug', d: 'debug',
};

/** A level field's value (a word, a pino/bunyan number, or a syslog 0–7 number) as a Level. */
export function levelOf(value: unknown): Level | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (value >= 10) return value >= 60 ? 'critical' : value >= 50 ? 'error' : value >= 40 ? 'warning' : value >= 30 ? 'info' : 'debug';
    return value <= 2 ? 'critical' : value === 3 ? 'error' : value === 4 ? 'warning' : 'info';
  }
  if (typeof value !== 'string') return undefined;
  return LEVEL_WORDS[value.trim().toLowerCase()];
}

function textLevel(message: string): Level | undefined {
  const m = TEXT_LEVEL.exec(message);
  if (!m) return undefined;
  const word = (m[1] ?? m[2] ?? m[3] ?? m[4])!.toLowerCase();
  return word === 'f' ? 'critical' : LEVEL_WORDS[word] ?? 'error';
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2, critical: 3 };
const worse = (a: Severity, b: Severity): Severity => (RANK[a] >= RANK[b] ? a : b);

// Every pattern above in one pass: most lines match none, and then no rule needs trying.
const ANY_FAILURE = new RegExp([...LOG_RULES.map((r) => r.pattern.source), TEXT_LEVEL.source].join('|'), 'im');

/** Null when the line is not a failure; otherwise its severity and reason. */
export function classifyLogLine(message: string, level?: Level): Classification | null {
  if (!ANY_FAILURE.test(message)) {
    if (level === 'error' || level === 'critical') return { severity: level, reason: 'ErrorLog' };
    return null;
  }
  const rule = LOG_RULES.find((r) => r.pattern.test(message));
  if (level === 'info' || level === 'debug') {
    return rule?.crash ? { severity: rule.severity, reason: rule.reason } : null;
  }
  const effective = level ?? textLevel(message);
  if (effective === 'error' || effective === 'critical') {
    const base: Severity = effective === 'critical' ? 'critical' : 'error';
    return rule ? { severity: worse(base, rule.severity), reason: rule.reason } : { severity: base, reason: 'ErrorLog' };
  }
  if (!rule) return null;
  // The application called it a warning: believe it, unless the process is crashing.
  return { severity: effective === 'warning' && !rule.crash ? 'warning' : rule.severity, reason: rule.reason };
}
