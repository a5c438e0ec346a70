// Who may use the API: bearer tokens with a `read` or `admin` role (every mutation needs admin),
// compared in constant time; repeated failures from one address are answered 429 for a while.
// Also the browser-facing guards: CORS closed unless origins are listed, secure headers (CSP
// 'self' only). /health, /ready, /metrics, /openapi.json, /docs and the dashboard are open; the
// ingest routes (/logs, /webhook) keep their own tokens.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { logger } from '../../../lib/log.js';

const log = logger('api-auth');

export const ROLES = ['read', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ApiToken = z
  .object({
    /** Shown in the audit log as who approved, resolved or changed settings. */
    name: z.string().min(1).max(100),
    role: z.enum(ROLES),
    token: z.string().min(16, 'tokens must be at least 16 characters').optional(),
    /** A file holding the token (a mounted Secret); read once at start. */
    tokenFile: z.string().min(1).optional(),
  })
  .refine((t) => (t.token === undefined) !== (t.tokenFile === undefined), 'give exactly one of token or tokenFile');
export type ApiToken = z.infer<typeof ApiToken>;

/** `name:role:token` entries separated by commas or newlines (VIGIL_API_TOKENS, token files). */
export function parseTokenList(text: string): unknown[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && !s.startsWith('#'))
    .map((entry) => {
      const [name, role, ...rest] = entry.split(':');
      return { name, role, token: rest.join(':') };
    });
}

const tokenList = z.union([z.string().transform((s) => parseTokenList(s)), z.array(z.unknown())]).pipe(z.array(ApiToken));

export const AuthSection = z.object({
  tokens: tokenList.default([]),
  /** A file of `name:role:token` lines, added to `tokens` (VIGIL_API_TOKENS_FILE). */
  tokensFile: z.string().min(1).optional(),
  /** Failed attempts per client address within `failureWindowMs` before it is answered 429. */
  maxFailures: z.coerce.number().int().min(1).max(10_000).default(10),
  failureWindowMs: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
});
export type AuthConfig = z.output<typeof AuthSection>;

export const CorsSection = z.object({
  /** Origins a browser may call the API from; none (the default) means same-origin only. */
  origins: z
    .union([z.string().transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean)), z.array(z.string())])
    .pipe(z.array(z.string().url('CORS origins are URLs such as https://vigil.example.com')))
    .default([]),
});
export type CorsConfig = z.output<typeof CorsSection>;

/** Environment overrides for the auth and CORS sections (raw values; validated with the file). */
export function authEnv(env: NodeJS.ProcessEnv): { auth: Record<string, string>; cors: Record<string, string> } {
  const auth: Record<string, string> = {};
  const corsOut: Record<string, string> = {};
  if (env.VIGIL_API_TOKENS) auth.tokens = env.VIGIL_API_TOKENS;
  if (env.VIGIL_API_TOKENS_FILE) auth.tokensFile = env.VIGIL_API_TOKENS_FILE;
  if (env.VIGIL_CORS_ORIGINS) corsOut.origins = env.VIGIL_CORS_ORIGINS;
  return { auth, cors: corsOut };
}

export interface Actor {
  name: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The token's owner; undefined when the API is open (no tokens configured). */
    actor?: Actor;
  }
}

interface KnownToken {
  name: string;
  role: Role;
  hash: Buffer;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function readSecret(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(`cannot read API token file ${file}: ${(err as Error).message}`);
  }
}

/** The configured tokens with their secrets read and hashed; a bad file fails the start. */
export function loadTokens(config: AuthConfig): KnownToken[] {
  const entries: ApiToken[] = [...config.tokens];
  if (config.tokensFile) {
    const parsed = z.array(ApiToken).safeParse(parseTokenList(readSecret(config.tokensFile)));
    if (!parsed.success) throw new Error(`bad API token file ${config.tokensFile}:\n${z.prettifyError(parsed.error)}`);
    entries.push(...parsed.data);
  }
  const names = new Set<string>();
  return entries.map((t) => {
    if (names.has(t.name)) throw new Error(`API token name ${t.name} is used twice; names identify who acted`);
    names.add(t.name);
    const secret = t.token ?? readSecret(t.tokenFile!);
    if (secret.length < 16) throw new Error(`API token ${t.name}: tokens must be at least 16 characters`);
    return { name: t.name, role: t.role, hash: digest(secret) };
  });
}

/** Compares against every token (no early exit) so timing says nothing about which matched. */
export function findToken(tokens: readonly KnownToken[], presented: string): KnownToken | undefined {
  const h = digest(presented);
  let found: KnownToken | undefined;
  for (const t of tokens) if (timingSafeEqual(h, t.hash) && !found) found = t;
  return found;
}

/** Failed attempts per address in a fixed window; bounded (the oldest address is forgotten). */
export class FailureLimiter {
  private readonly windows = new Map<string, { n: number; until: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly capacity = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the address may try again; 0 when it may now. */
  blockedFor(ip: string): number {
    const w = this.windows.get(ip);
    if (!w) return 0;
    const left = w.until - this.now();
    if (left <= 0) {
      this.windows.delete(ip);
      return 0;
    }
    return w.n >= this.max ? left : 0;
  }

  fail(ip: string): void {
    const now = this.now();
    const w = this.windows.get(ip);
    if (w && w.until > now) {
      w.n += 1;
      return;
    }
    this.windows.delete(ip);
    if (this.windows.size >= this.capacity) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(ip, { n: 1, until: now + this.windowMs });
  }
}

const PROTECTED_EXACT = new Set(['/api', '/analyses', '/reports', '/report-outcome', '/analyze']);
/** The API's data and actions; everything else (health, metrics, docs, dashboard, ingest) is not ours to guard. */
export function isProtected(path: string): boolean {
  return PROTECTED_EXACT.has(path) || path.startsWith('/api/') || path.startsWith('/reports/') || path.startsWith('/analyses/');
}

const READ_METHODS = new Set(['GET', 'HEAD']);

function deny(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ statusCode: status, code, error: status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Too Many Requests', message });
}

function presentedToken(req: FastifyRequest, path: string): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m?.[1] ?? '';
  }
  // EventSource cannot set headers; the stream alone accepts the token in the query.
  if (path === '/api/stream') {
    const q = (req.query as Record<string, unknown> | undefined)?.access_token;
    if (typeof q === 'string') return q;
  }
  return undefined;
}

export interface ApiSecurityOptions {
  auth: AuthConfig;
  cors: CorsConfig;
}

/** Installs auth, CORS and secure headers on the root instance (so they cover every route). */
export async function installApiSecurity(app: FastifyInstance, opts: ApiSecurityOptions): Promise<void> {
  const tokens = loadTokens(opts.auth);
  const limiter = new FailureLimiter(opts.auth.maxFailures, opts.auth.failureWindowMs);
  app.decorateRequest('actor', undefined);

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  if (opts.cors.origins.length > 0) {
    await app.register(cors, {
      origin: opts.cors.origins,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type'],
      maxAge: 600,
    });
  }

  if (tokens.length === 0) {
    log.warn('NO API TOKENS CONFIGURED: the API is open to anyone who can reach it, including approving remediations. Set VIGIL_API_TOKENS or server.auth.tokens.');
  } else {
    log.info({ tokens: tokens.map((t) => `${t.name}(${t.role})`) }, 'API bearer tokens loaded');
  }

  app.addHook('onRequest', async (req, reply) => {
    if (tokens.length === 0 || req.method === 'OPTIONS') return;
    const path = req.url.split('?', 1)[0]!;
    if (!isProtected(path)) return;
    const wait = limiter.blockedFor(req.ip);
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      return deny(reply, 429, 'VIGIL_AUTH_RATE_LIMITED', `too many failed authentications from ${req.ip}; retry in ${Math.ceil(wait / 1000)} s`);
    }
    const presented = presentedToken(req, path);
    const token = presented ? findToken(tokens, presented) : undefined;
    if (!token) {
      limiter.fail(req.ip);
      reply.header('www-authenticate', 'Bearer realm="vigil"');
      return deny(reply, 401, 'VIGIL_AUTH_REQUIRED', presented === undefined ? 'send Authorization: Bearer <token>' : 'invalid token');
    }
    req.actor = { name: token.name, role: token.role };
    if (!READ_METHODS.has(req.method) && token.role !== 'admin') {
      return deny(reply, 403, 'VIGIL_AUTH_FORBIDDEN', `${req.method} ${path} needs the admin role; token ${token.name} has ${token.role}`);
    }
  });
}
