import { describe, expect, it } from 'vitest';
import { classifyLogLine, levelOf, type Level } from './classify.js';

describe('classifyLogLine', () => {
  it.each<[string, Level | undefined, ReturnType<typeof classifyLogLine>]>([
    // structured level decides when there is no pattern
    ['payment failed', 'error', { severity: 'error', reason: 'ErrorLog' }],
    ['shutting down', 'critical', { severity: 'critical', reason: 'ErrorLog' }],
    ['cache warm', 'info', null],
    ['slow query 2.1s', 'warning', null],
    // failure patterns without a level
    ['dial tcp 10.0.0.1:5432: connect: connection refused', undefined, { severity: 'error', reason: 'ConnectionRefused' }],
    ['Error: connect ECONNREFUSED 127.0.0.1:6379', undefined, { severity: 'error', reason: 'ConnectionRefused' }],
    ['dial tcp: lookup redis on 10.96.0.10:53: no such host', undefined, { severity: 'error', reason: 'DNSFailure' }],
    ['getaddrinfo EAI_AGAIN api.openai.com', undefined, { severity: 'error', reason: 'DNSFailure' }],
    ['panic: runtime error: index out of range [3] with length 3', undefined, { severity: 'critical', reason: 'Panic' }],
    ['goroutine 1 [running]:', undefined, { severity: 'critical', reason: 'Panic' }],
    ["thread 'main' panicked at src/main.rs:4:5", undefined, { severity: 'critical', reason: 'Panic' }],
    ['java.lang.OutOfMemoryError: Java heap space', undefined, { severity: 'critical', reason: 'OOM' }],
    ['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', undefined, { severity: 'critical', reason: 'OOM' }],
    ['Segmentation fault (core dumped)', undefined, { severity: 'critical', reason: 'Segfault' }],
    ['Traceback (most recent call last):', undefined, { severity: 'error', reason: 'Exception' }],
    ['Exception in thread "main" java.lang.NullPointerException', undefined, { severity: 'error', reason: 'Exception' }],
    ['TypeError: Cannot read properties of undefined', undefined, { severity: 'error', reason: 'Exception' }],
    ['context deadline exceeded', undefined, { severity: 'error', reason: 'Timeout' }],
    ['read tcp 10.1.2.3:443: connection reset by peer', undefined, { severity: 'error', reason: 'ConnectionReset' }],
    ['x509: certificate signed by unknown authority', undefined, { severity: 'error', reason: 'TLSError' }],
    ['open /data/db.lock: permission denied', undefined, { severity: 'error', reason: 'PermissionDenied' }],
    // a level written in the text
    ['time="2026-03-14" level=error msg="sync failed"', undefined, { severity: 'error', reason: 'ErrorLog' }],
    ['2026-03-14 09:00:00 ERROR [main] job failed', undefined, { severity: 'error', reason: 'ErrorLog' }],
    ['E0314 09:00:00.123456       1 controller.go:114] sync failed', undefined, { severity: 'error', reason: 'ErrorLog' }],
    ['F0314 09:00:00.123456       1 main.go:50] cannot start', undefined, { severity: 'critical', reason: 'ErrorLog' }],
    // not failures
    ['GET /healthz 200 0.4ms', undefined, null],
    ['level=info msg="0 errors found"', undefined, null],
    ['retrying after connection refused', 'info', null],
    ['user clicked error-page link', undefined, null],
    // a warning with a failure pattern stays a warning; crashes are never downgraded
    ['upstream request timed out, retrying', 'warning', { severity: 'warning', reason: 'Timeout' }],
    ['container killed: OOMKilled', 'info', { severity: 'critical', reason: 'OOM' }],
    ['panic: boom', 'error', { severity: 'critical', reason: 'Panic' }],
  ])('%s (level %s)', (message, level, expected) => {
    expect(classifyLogLine(message, level)).toEqual(expected);
  });
});

describe('levelOf', () => {
  it.each<[unknown, Level | undefined]>([
    ['ERROR', 'error'],
    [' warn ', 'warning'],
    ['fatal', 'critical'],
    ['Information', 'info'],
    ['trace', 'debug'],
    [50, 'error'],
    [60, 'critical'],
    [40, 'warning'],
    [30, 'info'],
    [3, 'error'],
    [6, 'info'],
    ['nonsense', undefined],
    [null, undefined],
    [{}, undefined],
  ])('%j → %s', (value, level) => {
    expect(levelOf(value)).toBe(level);
  });
});
