import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, fatalSignalMask, loadSensorConfig, parseSensorConfig } from './config.js';

describe('sensor config', () => {
  it("accepts OISP Sensor's example config", () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cfg-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'output:\n  format: jsonl\n  path: /output/events.jsonl\nfilters:\n  ai_only: true\n');
    const cfg = loadSensorConfig(file, {});
    expect(cfg.output).toMatchObject({ format: 'jsonl', path: '/output/events.jsonl' });
    expect(cfg.filters.ai_only).toBe(true);
    expect(cfg.capture.max_bytes_per_call).toBe(256 * 1024);
  });

  it('keeps redaction on unless a debug option really disables it', () => {
    expect(parseSensorConfig({ redaction: { enabled: false } }, {}).redaction.enabled).toBe(true);
    expect(parseSensorConfig({ redaction: { enabled: false }, debug: { unredacted: true } }, {}).redaction.enabled).toBe(false);
  });

  it('applies environment overrides over the file', () => {
    const cfg = parseSensorConfig({ output: { path: 'a.jsonl' } }, { VIGIL_OUTPUT_PATH: '/x/b.jsonl', VIGIL_AI_ONLY: 'false', NODE_NAME: 'n1' });
    expect(cfg.output.path).toBe('/x/b.jsonl');
    expect(cfg.filters.ai_only).toBe(false);
  });

  it('takes the metrics endpoint and heartbeat from the file, the environment overriding it', () => {
    expect(parseSensorConfig({}, {})).toMatchObject({ metrics: { enabled: false, address: '0.0.0.0', port: 9464 }, heartbeat: { interval_s: 30 } });
    const cfg = parseSensorConfig(
      { metrics: { enabled: false, port: 9000 }, heartbeat: { interval_s: 10 } },
      { VIGIL_METRICS_ENABLED: 'true', VIGIL_METRICS_PORT: '9102', VIGIL_HEARTBEAT_INTERVAL_S: '5' },
    );
    expect(cfg.metrics).toEqual({ enabled: true, address: '0.0.0.0', port: 9102 });
    expect(cfg.heartbeat.interval_s).toBe(5);
  });

  it.each([
    [{ metrics: { port: 70000 } }, /config: metrics\.port: /],
    [{}, /config: metrics\.port: /, { VIGIL_METRICS_PORT: 'ninety' }],
    [{ heartbeat: { interval: 5 } }, /config: heartbeat: .*interval/],
    [{ output: { format: 'csv' } }, /config: output\.format: /],
    [{ capture: { ring_buffer_bytes: 5000 } }, /config: capture\.ring_buffer_bytes: must be a power of two/],
    [{ capture: { fatal_signals: ['SIGNOPE'] } }, /config: capture\.fatal_signals\.0: unknown signal name/],
    [{ capture: { max_bytes_per_call: 0 } }, /config: capture\.max_bytes_per_call: /],
    [{ filters: { ai_only: 'yes' } }, /config: filters\.ai_only: /],
    [{ output: { paht: 'x' } }, /config: output: .*paht/],
  ] as Array<[Record<string, unknown>, RegExp, NodeJS.ProcessEnv?]>)('rejects %j naming the field', (raw, msg, env = {}) => {
    expect(() => parseSensorConfig(raw, env)).toThrow(ConfigError);
    expect(() => parseSensorConfig(raw, env)).toThrow(msg);
  });

  it('names the file when its YAML is broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'output: [unclosed\n');
    expect(() => loadSensorConfig(file, {})).toThrow(new RegExp(`${file}: invalid YAML`));
    expect(() => loadSensorConfig(join(dir, 'missing.yaml'), {})).toThrow(/cannot read config file/);
  });

  it('builds the fatal-signal mask', () => {
    expect(fatalSignalMask(['SIGSEGV', 'SIGKILL'])).toBe((1 << 11) | (1 << 9));
  });
});
