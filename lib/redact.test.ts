import { describe, expect, it } from 'vitest';
import { DEFAULT_REDACTION, RedactionConfig, redactHeaders, redactText, redactUrl } from './redact.js';

// Realistic shapes, not real credentials (AWS's own documentation examples where one exists);
// split so that secret scanners do not flag the test file itself.
const SECRETS = {
  openai: 'sk-' + 'Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1eFg3hIj5k',
  openaiProject: 'sk-proj-' + 'N4xV8qLm2Rt6Yp0Kc3Wd7Hs1Jf5Gb9Za4Xe8Uo2Ti6Lr0Mq3Pn7Sv1Dw5Fy9Hc2Kg6Bj0Ae4',
  anthropic: 'sk-ant-api03-R2d2C3poBb8Yoda7Luke9Leia4Han5Solo6Chewie0Lando1Vader2Palp3TTTT-QQQQQQAA',
  awsKeyId: 'AKIA' + 'IOSFODNN7EXAMPLE',
  awsSessionKeyId: 'ASIAY34FZKBOKMUTVV7A',
  github: 'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
  githubOauth: 'gho_9aZxY8wV7uT6sR5qP4oN3mL2kJ1iH0gF9eD8',
  githubServer: 'ghs_Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8',
  githubPat: 'github_pat_11ABCDEFG0hIjKlMnOpQrS_tUvWxYz0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcd',
  google: 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY',
  slack: 'xoxb-263594206564-2343494813281-Q8xR4mT6vW2yZ1aB3cD5eF7g',
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
};
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const BEARER_OPAQUE = '9f8e7d6c5b4a39281706f5e4d3c2b1a0ffee';
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----';

/** Every secret in every carrier: none of it may survive beyond the kept prefix. */
const CARRIERS: [string, (s: string) => string, (s: string) => string][] = [
  ['a JSON body', (s) => JSON.stringify({ note: `key is ${s} here`, model: 'gpt-4o' }), (s) => redactText(s)],
  ['an SSE event', (s) => `event: message\ndata: ${JSON.stringify({ delta: { text: `use ${s}` } })}\n\n`, (s) => redactText(s)],
  ['a query string', (s) => `/v1/hooks?ref=abc&note=${s}`, (s) => redactUrl(s)],
  ['a path segment', (s) => `/callbacks/${s}/deliver`, (s) => redactUrl(s)],
  ['a non-secret header value', (s) => `trace=1; hint=${s}`, (s) => redactHeaders({ 'x-debug': s })['x-debug'] ?? ''],
];

function survives(secret: string, out: string): boolean {
  // The mask keeps at most 8 leading characters: nothing past them may remain.
  return out.includes(secret) || out.includes(secret.slice(8));
}

describe('redaction: every secret kind in every carrier', () => {
  const cases = CARRIERS.flatMap(([carrier, wrap, redact]) => Object.entries(SECRETS).map(([kind, secret]) => [kind, carrier, secret, wrap, redact] as const));
  it.each(cases)('%s in %s', (_kind, _carrier, secret, wrap, redact) => {
    const out = redact(wrap(secret));
    expect(survives(secret, out)).toBe(false);
    expect(out).toContain('…[REDACTED]');
  });

  it.each([
    ['a JSON body', JSON.stringify({ aws_secret_access_key: AWS_SECRET, region: 'us-east-1' })],
    ['an env dump', `AWS_ACCESS_KEY_ID=${SECRETS.awsKeyId}\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET}\n`],
    ['YAML', `secretAccessKey: ${AWS_SECRET}`],
  ])('AWS secret key in key=value form in %s', (_c, text) => {
    const out = redactText(text);
    expect(survives(AWS_SECRET, out)).toBe(false);
  });

  it.each([
    ['a JSON body', JSON.stringify({ key: PEM })],
    ['plain text', `here:\n${PEM}\nend`],
    ['an SSE event', `data: ${JSON.stringify({ text: PEM })}\n\n`],
  ])('PEM private key in %s', (_c, text) => {
    const out = redactText(text);
    expect(out).not.toContain('MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun');
    expect(out).not.toContain('END RSA PRIVATE KEY');
  });

  it('a Bearer token of no known kind', () => {
    const out = redactText(`curl -H "Authorization: Bearer ${BEARER_OPAQUE}" https://x`);
    expect(out).toBe('curl -H "Authorization: Bearer 9f8e7d6…[REDACTED]" https://x');
  });

  it('credential query parameters are redacted whatever their value looks like', () => {
    expect(redactUrl('/v1beta/models/gemini-2.0-flash:generateContent?key=abc123secret&alt=sse')).toBe('/v1beta/models/gemini-2.0-flash:generateContent?key=ab…[REDACTED]&alt=sse');
    expect(redactUrl('https://b.s3.amazonaws.com/o?X-Amz-Credential=AKIAEXAMPLE%2F20250101&X-Amz-Signature=0123456789abcdef#frag')).toBe(
      'https://b.s3.amazonaws.com/o?X-Amz-Credential=AKIA…[REDACTED]&X-Amz-Signature=012…[REDACTED]#frag',
    );
  });
});

describe('redaction leaves other text alone', () => {
  it.each([
    'gpt-4o-mini-2024-07-18',
    'chatcmpl-BQx3kJ9s2fLrT0aYcV8mN1pQeZuW4',
    'resp_6811c2d4e0a08191a5b9c3f2d7e4a10b',
    'msg_01XgVYxVqP6xZ3uY8Jm4bQ2r toolu_01A09q90qw90lq917835lq9',
    'c14c80c3-18eb-4519-9460-6c92edd8cfb4',
    'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'task-manager-configuration-value-for-desk-lamp',
    'The secret to good on-call is sleep; the password policy is strict.',
    '{"max_tokens":1024,"temperature":0.2,"stream":true}',
    'checkout-7d9f8c6b5-x2k4p OOMKilled exit code 137',
    '/openai/deployments/gpt4o-triage/chat/completions?api-version=2024-10-21',
    'Bearer of bad news',
  ])('%s', (text) => {
    expect(redactText(text)).toBe(text);
    expect(redactUrl(text)).toBe(text);
  });
});

describe('redactHeaders', () => {
  const headers = {
    authorization: `Bearer ${SECRETS.openaiProject}`,
    'proxy-authorization': 'Basic dXNlcjpodW50ZXIy',
    'x-api-key': SECRETS.anthropic,
    'api-key': '0123456789abcdef0123456789abcdef',
    'x-goog-api-key': SECRETS.google,
    cookie: 'session=6f1d2c3b4a5e6f7a; theme=dark',
    'set-cookie': 'sid=a1b2c3d4e5f6; HttpOnly',
    'content-type': 'application/json',
    'user-agent': 'OpenAI/Python 1.82.0',
    'x-custom-auth': 'plain-value-123',
  };

  it('masks secret headers keeping the scheme and a short prefix, leaves others', () => {
    expect(redactHeaders(headers)).toEqual({
      authorization: 'Bearer sk-proj-…[REDACTED]',
      'proxy-authorization': 'Basic dXN…[REDACTED]',
      'x-api-key': 'sk-ant-a…[REDACTED]',
      'api-key': '012345…[REDACTED]',
      'x-goog-api-key': 'AIzaSyD…[REDACTED]',
      cookie: 'session…[REDACTED]',
      'set-cookie': 'sid=a…[REDACTED]',
      'content-type': 'application/json',
      'user-agent': 'OpenAI/Python 1.82.0',
      'x-custom-auth': 'plain-value-123',
    });
  });

  it('remove mode drops secret headers; extra header names from config', () => {
    const cfg = RedactionConfig.parse({ mode: 'remove', headers: ['X-Custom-Auth'] });
    expect(redactHeaders(headers, cfg)).toEqual({ 'content-type': 'application/json', 'user-agent': 'OpenAI/Python 1.82.0' });
  });

  it('is a no-op when disabled', () => {
    expect(redactHeaders(headers, RedactionConfig.parse({ enabled: false }))).toEqual(headers);
    expect(redactText(SECRETS.openai, RedactionConfig.parse({ enabled: false }))).toBe(SECRETS.openai);
  });
});

describe('modes', () => {
  it('remove replaces the whole secret', () => {
    expect(redactText(`k=${SECRETS.github}`, RedactionConfig.parse({ mode: 'remove' }))).toBe('k=[REDACTED]');
  });

  it('hash is stable per secret and key, distinct across secrets, and reveals nothing', () => {
    const cfg = RedactionConfig.parse({ mode: 'hash', hashKey: 'vigil-test-hash-key-0001' });
    const a1 = redactText(`first ${SECRETS.openai}`, cfg);
    const a2 = redactText(`again ${SECRETS.openai}`, RedactionConfig.parse({ mode: 'hash', hashKey: 'vigil-test-hash-key-0001' }));
    const b = redactText(`other ${SECRETS.anthropic}`, cfg);
    const tag = (s: string) => /\[REDACTED:([0-9a-f]{16})\]/.exec(s)?.[1];
    expect(tag(a1)).toBeDefined();
    expect(tag(a1)).toBe(tag(a2));
    expect(tag(b)).not.toBe(tag(a1));
    expect(a1).not.toContain('sk-');
    const otherKey = redactText(`first ${SECRETS.openai}`, RedactionConfig.parse({ mode: 'hash', hashKey: 'another-key-entirely-42' }));
    expect(tag(otherKey)).not.toBe(tag(a1));
  });

  it('is idempotent: redacted text passes through again unchanged', () => {
    const once = redactText(`Authorization: Bearer ${SECRETS.openaiProject} and api_key=${SECRETS.openai}`);
    expect(redactText(once)).toBe(once);
    const url = redactUrl(`/x?api_key=${SECRETS.openai}`);
    expect(redactUrl(url)).toBe(url);
  });
});

describe('extra patterns from config', () => {
  const cfg = RedactionConfig.parse({ patterns: ['INC-TOKEN-[0-9]{6}', 'tenant_secret=(?<secret>[a-f0-9]{16})'] });
  it('redacts whole matches, or only the named group', () => {
    expect(redactText('see INC-TOKEN-123456 now', cfg)).toBe('see INC…[REDACTED] now');
    expect(redactText('tenant_secret=0123456789abcdef;', cfg)).toBe('tenant_secret=012…[REDACTED];');
    expect(redactText('see INC-TOKEN-123456 now')).toBe('see INC-TOKEN-123456 now');
  });

  it('rejects invalid regexes at the edge', () => {
    expect(RedactionConfig.safeParse({ patterns: ['(unclosed'] }).success).toBe(false);
    expect(RedactionConfig.safeParse({ mode: 'scramble' }).success).toBe(false);
    expect(RedactionConfig.safeParse({ hashkey: 'a-typo-of-hashKey-0001' }).success).toBe(false);
    expect(DEFAULT_REDACTION).toEqual({ enabled: true, mode: 'mask', patterns: [], headers: [] });
  });
});
