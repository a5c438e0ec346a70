// Real TLS endpoints for capture tests: a certificate made by the test with openssl, the raw
// HTTPS server beside this file (in its own process), and clients run as child processes so
// each has its own pid to attribute captured traffic to.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export interface Cert {
  dir: string;
  cert: string;
  key: string;
}

export function makeCert(): Cert {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'pipe' });
  return { dir, cert, key };
}

export interface Exchange {
  path: string;
  req: Buffer;
  res: Buffer;
}

export interface RawServer {
  port: number;
  pid: number;
  exchanges: Exchange[];
  stop(): void;
}

export async function startRawServer(cert: Cert): Promise<RawServer> {
  const child = spawn(process.execPath, [join(here, 'raw-https-server.mjs'), cert.cert, cert.key], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exchanges: Exchange[] = [];
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`raw HTTPS server exited with ${code}`)));
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as { port?: number; path?: string; req?: string; res?: string };
      if (msg.port) resolve(msg.port);
      else exchanges.push({ path: msg.path!, req: Buffer.from(msg.req!, 'base64'), res: Buffer.from(msg.res!, 'base64') });
    });
  });
  return { port, pid: child.pid!, exchanges, stop: () => child.kill('SIGKILL') };
}

export interface ClientRun {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, returning its pid with its output. */
export function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  opts: { cwd?: string; timeoutMs?: number; input?: Buffer } = {},
): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(cmd, args, { env: { ...process.env, ...env }, cwd: opts.cwd, stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (opts.input) child.stdin!.end(opts.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ pid: child.pid!, code, signal, stdout, stderr });
    });
  });
}
