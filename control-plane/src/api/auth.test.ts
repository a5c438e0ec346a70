// Auth through the real app (fastify inject): roles, bad tokens, the failure rate limit, what
// stays open, CORS, secure headers, token files and the environment form.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bearer, crash, READ_TOKEN, startTestApi, TOKENS, type TestApi } from '../../../test/helpers/api.js';
import { applyEnv, parseConfig } from '../config.js';
import { FailureLimiter, findToken, loadTokens, parseTokenList } from './auth.js';

let t: TestApi | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const withTokens = (extra: Record<string, unknown> = {}) => startTestApi({ config: { server: { auth: { tokens: TOKENS, ...extra } } } });

describe('roles', () => {
  it('lets a read token GET but not change anything; an admin token may', async () => {
    t = await withTokens();
    await t.engine.accept([crash(1)]);
    await t.engine.idle();
    const [incident] = t.incidents.query({ limit: 1 }).items;

    const read = await t.app.inject({ url: '/api/incidents', headers: bearer(READ_TOKEN) });
    expect(read.statusCode).toBe(200);
    expect(read.json().total).toBe(1);

    const denied = await t.app.inject({ method: 'POST', url: `/api/incidents/${incident!.id}/acknowledge`, headers: bearer(READ_TOKEN) });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ statusCode: 403, code: 'VIGIL_AUTH_FORBIDDEN', error: 'Forbidden' });
    expect(denied.json().message).toContain('admin');
    expect((await t.incidents.get(incident!.id))!.state).toBe('open');

    for (const [method, url] of [['PATCH', '/api/settings'], ['POST', '/api/rules/reload'], ['POST', '/report-outcome'], ['POST', '/analyze']] as const) {
      const r = await t.app.inject({ method, url, headers: bearer(READ_TOKEN), payload: {} });
      expect(r.statusCode, `${method} ${url}`).toBe(403);
    }

    const ok = await t.app.inject({ method: 'POST', url: `/api/incidents/${incident!.id}/acknowledge`, headers: bearer(ADMIN_TOKEN) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().state).toBe('acknowledged');
    // The token's name is who acted.
    const audit = await t.store.audit.list({ incidentId: incident!.id });
    expect(audit.at(-1)).toMatchObject({ outcome: 'acknowledged', actor: { type: 'user', name: 'alice' } });
  });

  it('answers 401 without a token or with a wrong one, on every protected route', async () => {
    t = await withTokens();
    for (const url of ['/api/incidents', '/api/ai-calls', '/api/stats', '/api/audit', '/analyses', '/reports', '/api/errors']) {
      const none = await t.app.inject({ url });
      expect(none.statusCode, url).toBe(401);
      expect(none.json()).toMatchObject({ code: 'VIGIL_AUTH_REQUIRED', error: 'Unauthorized' });
      expect(none.headers['www-authenticate']).toContain('Bearer');
    }
    const wrong = await t.app.inject({ url: '/api/incidents', headers: bearer(`${READ_TOKEN}x`) });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().message).toBe('invalid token');
    const notBearer = await t.app.inject({ url: '/api/incidents', headers: { authorization: `Basic ${READ_TOKEN}` } });
    expect(notBearer.statusCode).toBe(401);
  });

  it('accepts ?access_token= on the stream only', async () => {
    t = await withTokens();
    const r = await t.app.inject({ url: `/api/incidents?access_token=${READ_TOKEN}` });
    expect(r.statusCode).toBe(401);
  });

  it('keeps health, readiness, metrics, the OpenAPI and the docs open', async () => {
    t = await withTokens();
    for (const url of ['/health', '/ready', '/metrics', '/openapi.json', '/docs', '/docs/docs.js', '/docs/docs.css']) {
      const r = await t.app.inject({ url });
      expect(r.statusCode, url).toBe(200);
    }
  });

  it('is open when no token is configured, and says who acted from x-vigil-user or anonymous', async () => {
    t = await startTestApi();
    await t.engine.accept([crash(1)]);
    await t.engine.idle();
    const [incident] = t.incidents.query({ limit: 1 }).items;
    expect((await t.app.inject({ url: '/api/incidents' })).statusCode).toBe(200);
    const r = await t.app.inject({ method: 'POST', url: `/api/incidents/${incident!.id}/resolve` });
    expect(r.statusCode).toBe(200);
    expect((await t.store.audit.list()).at(-1)).toMatchObject({ outcome: 'resolved', actor: { name: 'anonymous' } });
  });
});

describe('failed-authentication rate limit', () => {
  it('answers 429 after maxFailures from one address, even with a good token, until the window passes', async () => {
    t = await withTokens({ maxFailures: 3, failureWindowMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await t.app.inject({ url: '/api/stats', headers: bearer('wrong-token-wrong-token') })).statusCode).toBe(401);
    const blocked = await t.app.inject({ url: '/api/stats', headers: bearer(READ_TOKEN) });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().code).toBe('VIGIL_AUTH_RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected.
    const other = await t.app.inject({ url: '/api/stats', headers: bearer(READ_TOKEN), remoteAddress: '10.9.8.7' });
    expect(other.statusCode).toBe(200);
    // Open routes stay open for the blocked address.
    expect((await t.app.inject({ url: '/health' })).statusCode).toBe(200);
  });

  it('forgets an address once its window has passed, and stays bounded', () => {
    let now = 0;
    const limiter = new FailureLimiter(2, 1000, 3, () => now);
    limiter.fail('a');
    limiter.fail('a');
    expect(limiter.blockedFor('a')).toBe(1000);
    now = 1000;
    expect(limiter.blockedFor('a')).toBe(0);
    for (const ip of ['b', 'c', 'd', 'e']) {
      limiter.fail(ip);
      limiter.fail(ip);
    }
    // Capacity 3: the oldest address (b) was forgotten.
    expect(limiter.blockedFor('b')).toBe(0);
    expect(limiter.blockedFor('e')).toBeGreaterThan(0);
  });
});

describe('browser guards', () => {
  it('sends no CORS headers by default, and allows only the listed origins when configured', async () => {
    t = await withTokens();
    const closed = await t.app.inject({ url: '/api/stats', headers: { ...bearer(READ_TOKEN), origin: 'https://evil.example' } });
    expect(closed.headers['access-control-allow-origin']).toBeUndefined();
    await t.close();

    t = await startTestApi({ config: { server: { auth: { tokens: TOKENS }, cors: { origins: ['https://vigil.example.com'] } } } });
    const allowed = await t.app.inject({ url: '/api/stats', headers: { ...bearer(READ_TOKEN), origin: 'https://vigil.example.com' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://vigil.example.com');
    const other = await t.app.inject({ url: '/api/stats', headers: { ...bearer(READ_TOKEN), origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/settings',
      headers: { origin: 'https://vigil.example.com', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toContain('PATCH');
  });

  it('sets secure headers with a self-only content security policy', async () => {
    t = await withTokens();
    const r = await t.app.inject({ url: '/docs' });
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
  });
});

describe('token configuration', () => {
  it('reads VIGIL_API_TOKENS and a token file', async () => {
    const config = parseConfig(applyEnv({}, { VIGIL_API_TOKENS: `ci:read:${READ_TOKEN},ops:admin:${ADMIN_TOKEN}`, VIGIL_CORS_ORIGINS: 'https://a.example,https://b.example' }));
    expect(config.server.auth.tokens.map((x) => `${x.name}:${x.role}`)).toEqual(['ci:read', 'ops:admin']);
    expect(config.server.cors.origins).toEqual(['https://a.example', 'https://b.example']);

    t = await startTestApi();
    const file = join(t.dir, 'tokens');
    writeFileSync(file, `# one per line\nbot:read:${'b'.repeat(20)}\n`);
    const secretFile = join(t.dir, 'secret');
    writeFileSync(secretFile, `${'s'.repeat(24)}\n`);
    const tokens = loadTokens(parseConfig({ server: { auth: { tokensFile: file, tokens: [{ name: 'carol', role: 'admin', tokenFile: secretFile }] } } }).server.auth);
    expect(findToken(tokens, 'b'.repeat(20))).toMatchObject({ name: 'bot', role: 'read' });
    expect(findToken(tokens, 's'.repeat(24))).toMatchObject({ name: 'carol', role: 'admin' });
    expect(findToken(tokens, 's'.repeat(23))).toBeUndefined();
  });

  it('rejects weak, unknown-role and duplicate tokens with a clear message', () => {
    expect(() => parseConfig({ server: { auth: { tokens: 'ci:read:short' } } })).toThrow(/at least 16 characters/);
    expect(() => parseConfig({ server: { auth: { tokens: `ci:root:${READ_TOKEN}` } } })).toThrow(/role/);
    expect(() => loadTokens(parseConfig({ server: { auth: { tokens: `a:read:${READ_TOKEN},a:admin:${ADMIN_TOKEN}` } } }).server.auth)).toThrow(/used twice/);
    expect(() => loadTokens(parseConfig({ server: { auth: { tokensFile: '/nonexistent/tokens' } } }).server.auth)).toThrow(/cannot read API token file/);
    expect(parseTokenList('a:read:x:y')).toEqual([{ name: 'a', role: 'read', token: 'x:y' }]);
  });
});
