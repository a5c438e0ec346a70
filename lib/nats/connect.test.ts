import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { NatsConfig } from './config.js';
import { backoff, connectionOptions, NatsConfigError, parseServers } from './connect.js';
import { subjectFor, subjectToken } from './stream.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-nats-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const opts = (extra: Record<string, unknown>) => connectionOptions(NatsConfig.parse({ servers: ['nats://n:4222'], ...extra }));

describe('NATS connection options', () => {
  it('passes user/password and token through', () => {
    expect(opts({ user: 'u', password: 'p' })).toMatchObject({ user: 'u', pass: 'p' });
    expect(opts({ token: 't0k' })).toMatchObject({ token: 't0k' });
  });

  it('builds an NKey authenticator from a seed or a seed file', () => {
    const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
    expect(typeof opts({ nkey_seed: seed }).authenticator).toBe('function');
    writeFileSync(join(dir, 'seed'), `${seed}\n`);
    expect(typeof opts({ nkey_seed_file: join(dir, 'seed') }).authenticator).toBe('function');
  });

  it('names the setting and the path when a credentials file cannot be read', () => {
    expect(() => opts({ creds_file: join(dir, 'missing.creds') })).toThrow(NatsConfigError);
    expect(() => opts({ creds_file: join(dir, 'missing.creds') })).toThrow(`nats.creds_file: cannot read ${join(dir, 'missing.creds')}`);
  });

  it('maps TLS files and reconnects forever', () => {
    expect(opts({ tls: { ca_file: '/ca.pem', cert_file: '/c.pem', key_file: '/k.pem' } })).toMatchObject({
      tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' },
      maxReconnectAttempts: -1,
      servers: ['nats://n:4222'],
    });
  });

  it('backs off exponentially within ±20% and never beyond the cap', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const ms = backoff(attempt, 250, 5_000);
      const base = Math.min(5_000, 250 * 2 ** attempt);
      expect(ms).toBeGreaterThanOrEqual(base * 0.8 - 1);
      expect(ms).toBeLessThanOrEqual(base * 1.2 + 1);
    }
  });

  it.each([
    ['ftp://n:21', 'scheme must be nats:// or tls://'],
    ['nats://', 'invalid NATS server URL "nats://"'],
  ])('rejects %s', (url, message) => {
    expect(() => parseServers([url])).toThrow(message);
  });
});

describe('subjects', () => {
  it.each([
    ['node-a', 'node-a'],
    ['ip-10-0-3-17.ec2.internal', 'ip-10-0-3-17_ec2_internal'],
    ['we*ird >node', 'we_ird__node'],
    ['', '_'],
  ])('node %j becomes the token %j', (node, token) => {
    expect(subjectToken(node)).toBe(token);
  });

  it('is prefix.node.kind', () => {
    expect(subjectFor('vigil.events', 'a.b', 'oom_kill')).toBe('vigil.events.a_b.oom_kill');
  });
});
