#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=20
// (The V8 flags bound the sensor's heap at full capture rate — a 4 MiB young generation, an old
// generation grown by 20 % steps — for its 128 MiB budget. The image's ENTRYPOINT, ./vigil and
// the benchmarks run this file directly so that these flags are the only copy.)
// The `vigil` command: wires the sensor and the control plane; each subcommand is small.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { ConfigError, loadSensorConfig, type SensorConfig } from '../probe/src/config.js';
import { formatStatus, readStatus, statusPath, StatusUnavailable } from '../probe/src/status.js';

const HELP = `vigil — eBPF sensor and control plane for AI calls and crashes on Kubernetes

Usage:
  vigil [--config FILE] [--output FILE] [--port N] [--data-dir DIR]
      Single host: the sensor and the control plane in one process, the sensor's events fed
      to the control plane directly (no broker); its HTTP API on http://127.0.0.1:8080.
  vigil sensor [--config FILE] [--output FILE] [--nats URL]
      Load the probes on this host and write events to a JSONL file (and NATS JetStream).
  vigil control-plane [--control-plane-config FILE] [--port N] [--data-dir DIR] [--nats URL]
      The control plane: ingest (sensor events over NATS, /logs, /webhook, Kubernetes, Loki),
      incidents, triage, alerts, remediation, API.
  vigil status [--config FILE] [--output FILE] [--json]
      Show a running sensor's attached targets, per-probe event and loss counts, uptime, and
      the NATS spool backlog (events and bytes not yet acknowledged).
  vigil events [--config FILE] [--file FILE] [--follow]
  vigil events --nats URL [--subject FILTER] [--durable NAME] [--follow]
      Print the sensor's events as JSON lines, from its JSONL file or from NATS JetStream.
  vigil --help

Options:
  -c, --config FILE   sensor config (YAML; OISP Sensor's format is accepted)
      --control-plane-config FILE
                      control-plane config (YAML; also VIGIL_CONFIG)
  -p, --port N        control-plane HTTP port (8080)
      --data-dir DIR  control-plane state directory (also VIGIL_DATA_DIR; ./vigil-data)
  -o, --output FILE   JSONL output path (overrides output.path)
      --nats URL      NATS server(s), comma-separated (sensor: stream events to JetStream)
      --subject S     subject filter, e.g. 'vigil.events.*.oom_kill' (events)
      --durable NAME  durable consumer: a restarted subscriber resumes (events)
      --json          machine-readable output (status)
  -f, --follow        keep printing new events (events)
  -h, --help          this help

Environment: VIGIL_LOG_LEVEL (info), NODE_NAME / VIGIL_NODE_NAME, VIGIL_OUTPUT_PATH,
VIGIL_AI_ONLY, VIGIL_MAX_CAPTURE_BYTES, VIGIL_RAW_TLS, VIGIL_NATS_URL, VIGIL_METRICS_ENABLED,
VIGIL_METRICS_ADDRESS, VIGIL_METRICS_PORT (sensor metrics on :9464/metrics),
VIGIL_HEARTBEAT_INTERVAL_S.
`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  output: { type: 'string', short: 'o' },
  nats: { type: 'string' },
  'control-plane-config': { type: 'string' },
  port: { type: 'string', short: 'p' },
  'data-dir': { type: 'string' },
  subject: { type: 'string' },
  durable: { type: 'string' },
  file: { type: 'string' },
  json: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function sensorConfig(v: Values): SensorConfig {
  const env = v.nats ? { ...process.env, VIGIL_NATS_URL: v.nats } : process.env;
  const cfg = loadSensorConfig(v.config, env);
  if (v.output) cfg.output.path = v.output;
  return cfg;
}

async function runSensor(v: Values): Promise<void> {
  const { Agent } = await import('../probe/src/agent.js');
  const agent = await Agent.start({ config: sensorConfig(v) });
  onSignals(() => agent.stop());
}

async function controlPlaneConfig(v: Values, single: boolean) {
  const { loadConfig } = await import('../control-plane/src/config.js');
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (v.port) env.PORT = v.port;
  if (v['data-dir']) env.VIGIL_DATA_DIR = v['data-dir'];
  if (v.nats && !single) env.NATS_URL = v.nats;
  // One host: the API stays on the loopback interface unless the config says otherwise.
  if (single && !env.HOST) env.HOST = '127.0.0.1';
  return loadConfig({ ...(v['control-plane-config'] ? { file: v['control-plane-config'] } : {}), env });
}

function onSignals(stop: () => Promise<void>): void {
  const shutdown = (signal: string) => {
    process.stderr.write(`vigil: ${signal} received, stopping\n`);
    stop().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`vigil: shutdown failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

async function runControlPlane(v: Values): Promise<void> {
  const { startControlPlane } = await import('../control-plane/src/main.js');
  const cp = await startControlPlane(await controlPlaneConfig(v, false));
  process.stderr.write(`vigil: control plane on ${cp.url}\n`);
  onSignals(() => cp.close());
}

/** Single host: one process, the sensor's events handed straight to the control plane. */
async function runSingleHost(v: Values): Promise<void> {
  const { startControlPlane } = await import('../control-plane/src/main.js');
  const { Agent } = await import('../probe/src/agent.js');
  const cp = await startControlPlane(await controlPlaneConfig(v, true));
  let agent: Awaited<ReturnType<typeof Agent.start>>;
  try {
    agent = await Agent.start({ config: sensorConfig(v), onEvent: (e) => cp.acceptEvent(e) });
  } catch (e) {
    await cp.close();
    throw e;
  }
  process.stderr.write(`vigil: sensor running; control plane on ${cp.url}\n`);
  onSignals(async () => {
    await agent.stop();
    await cp.close();
  });
}

function runStatus(v: Values): void {
  const cfg = sensorConfig(v);
  const { status, stale } = readStatus(statusPath(resolve(cfg.output.path)));
  if (v.json) process.stdout.write(JSON.stringify({ ...status, running: !stale }, null, 2) + '\n');
  else process.stdout.write(formatStatus(status, stale) + '\n');
  if (stale) process.exitCode = 3;
}

async function runEvents(v: Values): Promise<void> {
  const { runEventsCommand } = await import('./commands/events.js');
  const cfg = sensorConfig(v);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  await runEventsCommand(
    {
      file: v.file ?? resolve(cfg.output.path),
      follow: v.follow ?? false,
      ...(v.nats ? { nats: v.nats, natsConfig: cfg.nats } : {}),
      ...(v.subject ? { subject: v.subject } : {}),
      ...(v.durable ? { durable: v.durable } : {}),
    },
    process.stdout,
    abort.signal,
  );
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const cmd = positionals[0];
  if (values.help || cmd === 'help') {
    process.stdout.write(HELP);
    return;
  }
  switch (cmd) {
    case undefined:
      return runSingleHost(values);
    case 'sensor':
      return runSensor(values);
    case 'control-plane':
      return runControlPlane(values);
    case 'status':
      return runStatus(values);
    case 'events':
      return runEvents(values);
    default:
      process.stderr.write(`vigil: unknown command '${cmd}'\n\n${HELP}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const err = e as Error;
  const known = err instanceof ConfigError || err instanceof StatusUnavailable || err.name === 'PreflightError' || err.name === 'ProbeError' || err.name === 'MetricsListenError';
  process.stderr.write(`vigil: ${known ? err.message : (err.stack ?? String(err))}\n`);
  process.exit(known ? 1 : 70);
});
