import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, enabledAdapters, loadConfig, parseConfig } from './config.js';

describe('control-plane config', () => {
  it('has working defaults', () => {
    const c = parseConfig({});
    expect(c.server).toMatchObject({ port: 8080, host: '0.0.0.0' });
    // No API tokens (an open API, warned about at start) and no CORS origins.
    expect(c.server.auth.tokens).toEqual([]);
    expect(c.server.cors.origins).toEqual([]);
    expect(c.aiCalls.capacity).toBe(1_000_000);
    expect(c.webhooks.enabledAdapters).toEqual(['alertmanager', 'grafana', 'pagerduty', 'datadog', 'opsgenie', 'victorops', 'newrelic']);
    expect(c.logs.maxBodyBytes).toBe(10 * 1024 * 1024);
  });

  it('reads a YAML file and lets the environment override it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
    const file = join(dir, 'vigil.yaml');
    writeFileSync(file, 'server:\n  port: 9000\nwebhooks:\n  enabledAdapters: [grafana]\n  auth:\n    grafana:\n      token: from-file\n');
    const c = loadConfig({ file, env: { PORT: '9100', ENABLED_ADAPTERS: ' AlertManager, PagerDuty ', PAGERDUTY_WEBHOOK_SECRET: 'pd-secret' } });
    expect(c.server.port).toBe(9100);
    expect(enabledAdapters(c)).toEqual(['alertmanager', 'pagerduty']);
    expect(c.webhooks.auth.grafana?.token).toBe('from-file');
    expect(c.webhooks.auth.pagerduty?.hmacSecret).toBe('pd-secret');
  });

  it('names every problem with its path', () => {
    expect(() => parseConfig({ server: { port: 70000 }, webhooks: { enabledAdapters: 'alertmanager,splunk' } })).toThrow(ConfigError);
    try {
      parseConfig({ server: { port: 70000 }, webhooks: { enabledAdapters: 'alertmanager,splunk' } });
    } catch (err) {
      expect((err as Error).message).toMatch(/server\.port/);
      expect((err as Error).message).toMatch(/webhooks\.enabledAdapters/);
    }
  });

  it('rejects an unreadable or non-mapping file clearly', () => {
    expect(() => loadConfig({ file: '/nonexistent/vigil.yaml', env: {} })).toThrow(/cannot read control-plane config/);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
    writeFileSync(join(dir, 'list.yaml'), '- a\n- b\n');
    expect(() => loadConfig({ file: join(dir, 'list.yaml'), env: {} })).toThrow(/must be a mapping/);
  });
});
