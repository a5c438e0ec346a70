// A real nats-server with JetStream per test, on a free port with its own store directory, and
// a way to run TypeScript in a child process (to SIGKILL a publisher mid-stream).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connect, type NatsConnection } from 'nats';
import { decodeEvent } from '../../schema/codec.js';
import type { Event } from '../../schema/event.js';

const REPO = join(import.meta.dirname, '..', '..');

/** The nats-server binary, or undefined (tests skip loudly) — except in CI, where it must exist. */
export function findNatsServer(): string | undefined {
  const candidates = [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'nats-server'))];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  const msg = 'nats-server not found (Debian package nats-server, or set NATS_SERVER_BIN)';
  if (process.env.CI === 'true') throw new Error(`${msg}: required in CI`);
  console.warn(`SKIPPING NATS tests: ${msg}`);
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface NatsServerOptions {
  port?: number;
  storeDir?: string;
  user?: string;
  password?: string;
  /** Extra server configuration (nats-server.conf syntax), e.g. an authorization block. */
  conf?: string;
  /** TLS with client certificates verified against `ca` (files). */
  tls?: { cert: string; key: string; ca: string };
}

export class NatsServer {
  private proc: ChildProcess | undefined;
  readonly url: string;
  readonly storeDir: string;
  private readonly ownsStore: boolean;

  private constructor(
    private readonly bin: string,
    readonly port: number,
    private readonly opts: NatsServerOptions,
  ) {
    this.url = `nats://127.0.0.1:${port}`;
    this.ownsStore = !opts.storeDir;
    this.storeDir = opts.storeDir ?? mkdtempSync(join(tmpdir(), 'vigil-nats-store-'));
  }

  static async start(opts: NatsServerOptions = {}): Promise<NatsServer> {
    const bin = findNatsServer();
    if (!bin) throw new Error('nats-server not found');
    const server = new NatsServer(bin, opts.port ?? (await freePort()), opts);
    await server.launch();
    return server;
  }

  async launch(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir];
    if (this.opts.user) args.push('--user', this.opts.user, '--pass', this.opts.password ?? '');
    if (this.opts.tls) args.push('--tlsverify', '--tlscert', this.opts.tls.cert, '--tlskey', this.opts.tls.key, '--tlscacert', this.opts.tls.ca);
    if (this.opts.conf) {
      const conf = join(this.storeDir, 'server.conf');
      writeFileSync(conf, this.opts.conf);
      args.push('-c', conf);
    }
    const proc = spawn(this.bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    // A test that times out skips its cleanup: never leave a server behind the test process.
    const reap = (): void => void proc.kill('SIGKILL');
    process.once('exit', reap);
    proc.once('exit', () => process.removeListener('exit', reap));
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${log}`)), 10_000);
      proc.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}:\n${log}`));
      });
    });
    proc.removeAllListeners('exit');
    proc.stderr!.resume();
  }

  /** Kills the server (SIGKILL by default) and waits for it to exit; the store stays. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
    this.proc = undefined;
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    if (this.ownsStore) rmSync(this.storeDir, { recursive: true, force: true });
  }

  connect(): Promise<NatsConnection> {
    return connect({ servers: this.url, user: this.opts.user, pass: this.opts.password });
  }
}

export interface StoredMessage {
  subject: string;
  msgId: string | undefined;
  event: Event;
}

/** Every message in the stream, in order, decoded. */
export async function readStream(nc: NatsConnection, stream: string): Promise<StoredMessage[]> {
  const jsm = await nc.jetstreamManager();
  const { state } = await jsm.streams.info(stream);
  const out: StoredMessage[] = [];
  if (state.messages === 0) return out;
  const consumer = await nc.jetstream().consumers.get(stream);
  const messages = await consumer.consume();
  for await (const m of messages) {
    out.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), event: decodeEvent(m.data) });
    if (m.info.pending === 0) break;
  }
  messages.stop();
  return out;
}

/** Polls until `check` passes or the time is up; returns the last value either way. */
export async function waitFor<T>(probe: () => Promise<T> | T, check: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (check(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Runs a TypeScript ES module body in a child node process. Import project files by absolute
 * URL (see repoUrl), naming them .js as usual; the child compiles .ts on the fly.
 */
export function spawnTs(code: string, env: Record<string, string> = {}): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ts-child-'));
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from ${JSON.stringify(pathToFileURL(join(REPO, 'node_modules/typescript/lib/typescript.js')).href)};
export async function resolve(specifier, context, next) {
  if (/^(\.|file:)/.test(specifier) && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const url = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const fileName = fileURLToPath(url);
  const out = ts.transpileModule(readFileSync(fileName, 'utf8'), {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const main = join(dir, 'main.ts');
  writeFileSync(main, code);
  const child = spawn(process.execPath, ['--import', pathToFileURL(register).href, main], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reap = (): void => void child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => {
    process.removeListener('exit', reap);
    rmSync(dir, { recursive: true, force: true });
  });
  return child;
}

export const repoUrl = (path: string): string => pathToFileURL(join(REPO, path)).href;
