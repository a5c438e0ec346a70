// Secret redaction for everything that leaves a Vigil process: captured headers, URLs and bodies
// on the sensor; logs and LLM prompts on the control plane. Pure, and free of sensor imports.
import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';

function validRegex(source: string): boolean {
  try {
    new RegExp(source, 'g');
    return true;
  } catch {
    return false;
  }
}

export const RedactionConfig = z.object({
  enabled: z.boolean().default(true),
  /** mask: short prefix + `…[REDACTED]`; hash: keyed HMAC so one secret can be followed; remove: nothing kept. */
  mode: z.enum(['mask', 'hash', 'remove']).default('mask'),
  /** Extra regexes (JS syntax). A named group `secret` limits redaction to that group. */
  patterns: z.array(z.string().refine(validRegex, { message: 'not a valid regular expression' })).default([]),
  /** Extra header names whose whole value is secret. */
  headers: z.array(z.string().min(1)).default([]),
  /** HMAC key for `hash` mode; without one a random per-process key is used (stable until restart). */
  hashKey: z.string().min(16).optional(),
}).strict();

export type RedactionConfig = z.output<typeof RedactionConfig>;

export const DEFAULT_REDACTION: RedactionConfig = RedactionConfig.parse({});

/** Headers whose value is a credential whatever it looks like. */
export const SECRET_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
  'x-amz-security-token',
  'x-auth-token',
];

/** Query parameters whose value is a credential (Gemini's `key`, presigned AWS URLs, OAuth). */
const SECRET_PARAMS = /^(key|api[-_]?key|apikey|access[-_]?token|refresh[-_]?token|id[-_]?token|token|auth|password|passwd|secret|client[-_]?secret|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)$/i;

interface SecretPattern {
  re: RegExp;
  /** Redact only this capture group (the value of a key=value pair, the token after Bearer). */
  group?: string;
}

// Order matters: context patterns (Bearer, key=value) run first so a token inside them is
// redacted once, as a whole, before the bare-token patterns look at the text.
const BUILTIN: readonly SecretPattern[] = [
  { re: /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g },
  { re: /\b[Bb]earer\s+(?<secret>[A-Za-z0-9._~+/=-]{8,})/g, group: 'secret' },
  {
    re: /\b(?:aws_?)?secret_?access_?key["']?\s*[:=]\s*["']?(?<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    group: 'secret',
  },
  {
    re: /\b(?:api[_-]?key|access[_-]?token|client[_-]?secret|password|passwd|secret)["']?\s*[:=]\s*["']?(?<secret>[^\s"'&,;}]{6,})/gi,
    group: 'secret',
  },
  { re: /(?<![A-Za-z0-9])sk-ant-[A-Za-z0-9_-]{20,}/g },
  { re: /(?<![A-Za-z0-9])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { re: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/g },
  { re: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})/g },
  { re: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}/g },
  { re: /(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}/g },
  { re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g },
];

/**
 * A literal every built-in pattern needs (case folded, so a superset): text without any of them
 * skips the built-ins. Most header values and bodies hold none, and eleven scans cost more than
 * one. Keep it in step with BUILTIN (redact.test.ts checks a sample of each).
 */
const BUILTIN_HINT = /PRIVATE KEY|bearer|secret|api[_-]?key|access[_-]?token|passw|sk-|AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|AIza|xox[abposr]-|eyJ/i;

interface Compiled {
  patterns: SecretPattern[];
  headers: Set<string>;
  key: Buffer;
}

const processKey = randomBytes(32);
const compiled = new WeakMap<RedactionConfig, Compiled>();

function compile(cfg: RedactionConfig): Compiled {
  let c = compiled.get(cfg);
  if (!c) {
    const extra = cfg.patterns.map((p) => {
      const re = new RegExp(p, 'g');
      return re.source.includes('(?<secret>') ? { re, group: 'secret' } : { re };
    });
    c = {
      patterns: [...BUILTIN, ...extra],
      headers: new Set([...SECRET_HEADERS, ...cfg.headers.map((h) => h.toLowerCase())]),
      key: cfg.hashKey ? Buffer.from(cfg.hashKey) : processKey,
    };
    compiled.set(cfg, c);
  }
  return c;
}

/** The replacement for one secret value under the configured mode. */
function replacement(secret: string, cfg: RedactionConfig, c: Compiled): string {
  switch (cfg.mode) {
    case 'remove':
      return '[REDACTED]';
    case 'hash':
      return `[REDACTED:${createHmac('sha256', c.key).update(secret).digest('hex').slice(0, 16)}]`;
    case 'mask':
      // Enough to tell the kind of credential (sk-proj-, AKIA, ghp_), never enough to use it.
      return `${secret.slice(0, Math.min(8, Math.floor(secret.length / 5)))}…[REDACTED]`;
  }
}

function applyPatterns(s: string, cfg: RedactionConfig, c: Compiled): string {
  let out = s;
  const first = BUILTIN_HINT.test(s) ? 0 : BUILTIN.length;
  for (let i = first; i < c.patterns.length; i++) {
    const { re, group } = c.patterns[i]!;
    re.lastIndex = 0;
    out = out.replace(re, (...args: unknown[]) => {
      const match = args[0] as string;
      // Callback arguments end with offset, input and, when the regex has named groups, the groups.
      const hasGroups = typeof args[args.length - 1] === 'object';
      const groups = hasGroups ? (args[args.length - 1] as Record<string, string | undefined> | undefined) : undefined;
      const offset = args[args.length - (hasGroups ? 3 : 2)] as number;
      const input = args[args.length - (hasGroups ? 2 : 1)] as string;
      // Already redacted (text passed through twice, or an earlier pattern's mask): leave it.
      if (match.includes('[REDACTED') || input.startsWith('…[REDACTED', offset + match.length)) return match;
      const secret = group ? groups?.[group] : undefined;
      if (!secret) return replacement(match, cfg, c);
      const at = match.lastIndexOf(secret);
      return match.slice(0, at) + replacement(secret, cfg, c) + match.slice(at + secret.length);
    });
  }
  return out;
}

/** Text with every secret-looking string replaced. */
export function redactText(s: string, cfg: RedactionConfig = DEFAULT_REDACTION): string {
  return cfg.enabled ? applyPatterns(s, cfg, compile(cfg)) : s;
}

/** Keeps the auth scheme ("Bearer", "Basic") readable, redacts what follows it. */
function redactCredential(value: string, cfg: RedactionConfig, c: Compiled): string {
  const scheme = /^([A-Za-z][A-Za-z0-9-]*)\s+(\S.*)$/.exec(value);
  if (scheme?.[1] && scheme[2] && /^(bearer|basic|digest|token|aws4-hmac-sha256|negotiate)$/i.test(scheme[1])) {
    return `${scheme[1]} ${replacement(scheme[2], cfg, c)}`;
  }
  return replacement(value, cfg, c);
}

/** Header map with secret headers redacted (dropped in `remove` mode) and other values scanned. */
export function redactHeaders(h: Record<string, string>, cfg: RedactionConfig = DEFAULT_REDACTION): Record<string, string> {
  if (!cfg.enabled) return { ...h };
  const c = compile(cfg);
  const out: Record<string, string> = {};
  // for…in, not Object.entries: this runs twice per captured call and the pairs are garbage.
  for (const name in h) {
    const value = h[name]!;
    if (c.headers.has(name.toLowerCase())) {
      if (cfg.mode !== 'remove') out[name] = redactCredential(value, cfg, c);
    } else {
      out[name] = applyPatterns(value, cfg, c);
    }
  }
  return out;
}

/** A URL or path?query with credential parameters and secret-looking strings redacted. */
export function redactUrl(u: string, cfg: RedactionConfig = DEFAULT_REDACTION): string {
  if (!cfg.enabled) return u;
  const c = compile(cfg);
  const q = u.indexOf('?');
  if (q < 0) return applyPatterns(u, cfg, c);
  const hash = u.indexOf('#', q);
  const query = u.slice(q + 1, hash < 0 ? undefined : hash);
  const params = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    const name = decodeURIComponentSafe(pair.slice(0, eq));
    const value = pair.slice(eq + 1);
    return SECRET_PARAMS.test(name) && value && !value.includes('[REDACTED') ? `${pair.slice(0, eq)}=${replacement(value, cfg, c)}` : pair;
  });
  const rebuilt = `${u.slice(0, q)}?${params.join('&')}${hash < 0 ? '' : u.slice(hash)}`;
  return applyPatterns(rebuilt, cfg, c);
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
