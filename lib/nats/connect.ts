// Connecting to NATS: options from NatsConfig, a first connection that retries with backoff
// (or fails fast for the CLI), reconnects forever afterwards, and errors a person can act on.
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { connect, credsAuthenticator, ErrorCode, nkeyAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import { logger } from '../log.js';
import type { NatsConfig } from './config.js';

const log = logger('nats');

export class NatsConfigError extends Error {
  override readonly name = 'NatsConfigError';
}
/** The server refused the credentials; retrying cannot help. */
export class NatsAuthError extends Error {
  override readonly name = 'NatsAuthError';
}
export class NatsUnreachableError extends Error {
  override readonly name = 'NatsUnreachableError';
}

/** Normalises and checks server URLs: nats:// or tls://, host and port. */
export function parseServers(servers: string[]): string[] {
  return servers.map((raw) => {
    const s = raw.includes('://') ? raw : `nats://${raw}`;
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw new NatsConfigError(`invalid NATS server URL "${raw}": expected nats://host:port`);
    }
    if (url.protocol !== 'nats:' && url.protocol !== 'tls:') {
      throw new NatsConfigError(`invalid NATS server URL "${raw}": scheme must be nats:// or tls://, not ${url.protocol}//`);
    }
    if (!url.hostname) throw new NatsConfigError(`invalid NATS server URL "${raw}": no host`);
    return `${url.protocol}//${url.host}`;
  });
}

/** Backoff between reconnect attempts: doubles from `wait` up to `max`, with ±20% jitter. */
export function backoff(attempt: number, wait: number, max: number): number {
  const base = Math.min(max, wait * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** The reconnect delay sequence; reset once a reconnect succeeds. */
class ReconnectDelays {
  private attempt = 0;
  constructor(private readonly cfg: NatsConfig) {}
  next = (): number => backoff(this.attempt++, this.cfg.reconnect_wait, this.cfg.reconnect_max_wait);
  reset(): void {
    this.attempt = 0;
  }
}

export function connectionOptions(cfg: NatsConfig, delays = new ReconnectDelays(cfg)): ConnectionOptions {
  const opts: ConnectionOptions = {
    servers: parseServers(cfg.servers),
    name: cfg.name,
    timeout: cfg.connect_timeout,
    maxReconnectAttempts: -1,
    // A rejected reconnect (e.g. rotated credentials) keeps retrying rather than closing for good.
    ignoreAuthErrorAbort: true,
  };
  if (cfg.user !== undefined) Object.assign(opts, { user: cfg.user, pass: cfg.password ?? '' });
  if (cfg.token !== undefined) opts.token = cfg.token;
  if (cfg.creds_file) opts.authenticator = credsAuthenticator(readConfigFile(cfg.creds_file, 'creds_file'));
  else if (cfg.nkey_seed || cfg.nkey_seed_file) {
    const seed = cfg.nkey_seed ?? readConfigFile(cfg.nkey_seed_file!, 'nkey_seed_file').toString('utf8').trim();
    opts.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  if (cfg.tls) opts.tls = { caFile: cfg.tls.ca_file, certFile: cfg.tls.cert_file, keyFile: cfg.tls.key_file };
  opts.reconnectDelayHandler = delays.next;
  return opts;
}

export interface ConnectOptions {
  /** Keep trying the first connection (the sensor); otherwise fail at once (the CLI). */
  retryForever?: boolean;
  signal?: AbortSignal;
}

export async function connectNats(cfg: NatsConfig, opts: ConnectOptions = {}): Promise<NatsConnection> {
  const delays = new ReconnectDelays(cfg);
  const options = connectionOptions(cfg, delays);
  const where = (options.servers as string[]).join(', ');
  for (let attempt = 0; ; attempt++) {
    if (opts.signal?.aborted) throw new NatsUnreachableError(`stopped connecting to NATS server ${where}`);
    try {
      const nc = await connect(options);
      log.info({ server: nc.getServer() }, 'connected to NATS');
      watchStatus(nc, delays);
      return nc;
    } catch (err) {
      const e = err as Error & { code?: string };
      if (e.code === ErrorCode.AuthorizationViolation || /authori[sz]ation violation|authentication/i.test(e.message)) {
        throw new NatsAuthError(`NATS server ${where} rejected credentials (authorization violation)`);
      }
      if (!opts.retryForever || opts.signal?.aborted) {
        throw new NatsUnreachableError(`cannot reach NATS server ${where}: ${describe(e)}`);
      }
      const wait = backoff(attempt, cfg.reconnect_wait, cfg.reconnect_max_wait);
      log.warn({ server: where, error: describe(e), retryInMs: wait }, 'NATS unreachable; events stay in the JSONL spool');
      await delay(wait, undefined, { signal: opts.signal }).catch(() => undefined);
    }
  }
}

function watchStatus(nc: NatsConnection, delays: ReconnectDelays): void {
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'error') log.warn({ status: s.type, data: String(s.data) }, 'NATS connection');
      else if (s.type === 'reconnect') {
        delays.reset();
        log.info({ server: String(s.data) }, 'NATS reconnected');
      }
    }
  })();
}

function describe(e: Error & { code?: string }): string {
  return e.code && !e.message.includes(e.code) ? `${e.message} (${e.code})` : e.message;
}

function readConfigFile(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new NatsConfigError(`nats.${key}: cannot read ${path}: ${(err as Error).message}`);
  }
}
