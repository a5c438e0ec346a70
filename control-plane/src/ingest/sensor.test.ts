import { describe, expect, it } from 'vitest';
import { Event } from '../../../schema/event.js';
import { Signal } from '../signal.js';
import { aiCallOutcome, exitCodeMeaning, sensorEventToSignals } from './sensor.js';

const k8s = { namespace: 'shop', pod: 'checkout-7d9f8b6c5-x2x9q', container: 'checkout', labels: { app: 'checkout' }, owner_kind: 'Deployment', owner_name: 'checkout' };
const base = { time: '2026-03-14T09:26:53.125Z', node: 'node-a', process: { pid: 4242, comm: 'checkout', exe: '/app/checkout', container_id: '7c1f0e9b2a3d' }, k8s };

function one(event: unknown): Signal {
  const signals = sensorEventToSignals(Event.parse(event));
  expect(signals).toHaveLength(1);
  expect(Signal.safeParse(signals[0]).success).toBe(true);
  return signals[0]!;
}

describe('sensorEventToSignals', () => {
  it('process_exit: exit code and its meaning, pod and workload from the k8s fields', () => {
    const s = one({ ...base, id: 'e1', kind: 'process_exit', process_exit: { exit_code: 137 } });
    expect(s).toMatchObject({
      id: 'sensor:e1',
      source: 'sensor',
      adapter: 'sensor',
      kind: 'exit',
      reason: 'ExitCode137',
      severity: 'error',
      time: '2026-03-14T09:26:53.125Z',
      resource: { node: 'node-a', namespace: 'shop', pod: 'checkout-7d9f8b6c5-x2x9q', container: 'checkout', workload: { kind: 'Deployment', name: 'checkout' } },
      labels: { app: 'checkout' },
      attributes: { exitCode: 137, pid: 4242, comm: 'checkout', containerId: '7c1f0e9b2a3d' },
    });
    expect(s.attributes.exitMeaning).toMatch(/^terminated by SIGKILL \(128\+9\)/);
    expect(s.title).toBe(`shop/checkout-7d9f8b6c5-x2x9q (checkout) exited with code 137: ${exitCodeMeaning(137)}`);
  });

  it('signal: a fault is critical and says what the signal means', () => {
    const s = one({ ...base, id: 'e2', kind: 'signal', signal: { signal: 11, signal_name: 'SIGSEGV', core_dumped: true } });
    expect(s).toMatchObject({ kind: 'crash', reason: 'SIGSEGV', severity: 'critical', attributes: { signal: 11, exitCode: 139, coreDumped: true } });
    expect(s.attributes.signalMeaning).toMatch(/segmentation fault/);
    const term = one({ ...base, id: 'e3', kind: 'signal', signal: { signal: 15, signal_name: 'SIGTERM' } });
    expect(term.severity).toBe('warning');
  });

  it('oom_kill: critical OOMKilled with memory figures', () => {
    const s = one({ ...base, id: 'e4', kind: 'oom_kill', oom_kill: { total_vm_kb: 1048576, anon_rss_kb: 524288, oom_score_adj: 1000 } });
    expect(s).toMatchObject({ kind: 'oom', reason: 'OOMKilled', severity: 'critical', attributes: { exitCode: 137, anonRssKb: 524288, oomScoreAdj: 1000 } });
  });

  it('ai_call: provider, model, status, usage, latency and cost in attributes', () => {
    const s = one({
      ...base,
      id: 'e5',
      kind: 'ai_call',
      ai_call: {
        provider: 'openai',
        endpoint: '/v1/chat/completions',
        gen_ai: { system: 'openai', operation: { name: 'chat' }, request: { model: 'gpt-4o', stream: true }, response: { model: 'gpt-4o-2024-08-06' }, usage: { input_tokens: 120, output_tokens: 48, total_tokens: 168 } },
        http: { status_code: 429, host: 'api.openai.com' },
        timing: { duration_ms: 812.5, ttfb_ms: 230 },
        cost: { usd: 0.00078 },
        error: { type: 'rate_limit_exceeded', message: 'Rate limit reached' },
      },
    });
    expect(s).toMatchObject({
      kind: 'ai_call',
      reason: '429',
      severity: 'error',
      attributes: {
        provider: 'openai',
        endpoint: '/v1/chat/completions',
        operation: 'chat',
        model: 'gpt-4o-2024-08-06',
        requestModel: 'gpt-4o',
        statusCode: 429,
        stream: true,
        inputTokens: 120,
        outputTokens: 48,
        totalTokens: 168,
        latencyMs: 812.5,
        ttfbMs: 230,
        costUsd: 0.00078,
        errorType: 'rate_limit_exceeded',
        server: 'api.openai.com',
      },
    });
  });

  it.each([
    [200, undefined, false, 'info', undefined],
    [401, undefined, false, 'error', '401'],
    [403, undefined, false, 'error', '403'],
    [429, undefined, false, 'error', '429'],
    [503, undefined, false, 'error', '503'],
    [400, undefined, false, 'warning', '400'],
    [undefined, 'timeout', true, 'error', 'Timeout'],
    [undefined, undefined, true, 'error', 'Incomplete'],
    [undefined, undefined, false, 'info', undefined],
  ] as const)('ai_call outcome of status %s / error %s', (status, errorType, incomplete, severity, reason) => {
    expect(aiCallOutcome(status, errorType, incomplete)).toEqual(reason ? { severity, reason } : { severity });
  });

  it('loss is a warning; tls_data and http_call are not signals', () => {
    const s = one({ ...base, id: 'e6', kind: 'loss', loss: { probe: 'ssl', count: 12, total: 40, reason: 'ringbuf full' } });
    expect(s).toMatchObject({ kind: 'loss', severity: 'warning', attributes: { probe: 'ssl', lost: 12, lostTotal: 40, lossReason: 'ringbuf full' } });
    const tls = Event.parse({ ...base, id: 'e7', kind: 'tls_data', tls_data: { library: 'openssl', conn_id: 'c', direction: 'egress', stream_pos: 0, call_len: 1, data_base64: 'AA==' } });
    expect(sensorEventToSignals(tls)).toEqual([]);
  });

  it('a sensor_status heartbeat, even one reporting losses, is sensor health, not an incident signal', () => {
    const beat = Event.parse({ ...base, id: 'e8', kind: 'sensor_status', sensor_status: { version: '0.1.0', interval_s: 30, losses: { ssl_read: 9 }, lost_total: 9 } });
    expect(sensorEventToSignals(beat)).toEqual([]);
  });

  it('works without Kubernetes fields (a bare host process)', () => {
    const s = one({ id: 'e8', time: base.time, node: 'laptop', kind: 'process_exit', process: { comm: 'worker' }, process_exit: { exit_code: 1 } });
    expect(s.resource).toEqual({ node: 'laptop' });
    expect(s.title).toBe('worker on laptop exited with code 1: general error');
  });
});
