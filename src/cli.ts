#!/usr/bin/env node
// The `vigil` command: wires the sensor and the control plane; each subcommand is small.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { ConfigError, loadSensorConfig, type SensorConfig } from '../probe/src/config.js';
import { formatStatus, readStatus, statusPath, StatusUnavailable } from '../probe/src/status.js';

const HELP = `vigil — eBPF sensor and control plane for AI calls and crashes on Kubernetes

Usage:
  vigil [sensor] [--config FILE] [--output FILE]
      Load the probes on this host and write events to a JSONL file.
  vigil status [--config FILE] [--output FILE] [--json]
      Show a running sensor's attached targets, per-probe event and loss counts, uptime.
  vigil events [--config FILE] [--file FILE] [--follow]
  vigil events --nats URL [--subject FILTER] [--durable NAME] [--follow]
      Print the sensor's events as JSON lines, from its JSONL file or from NATS JetStream.
  vigil --help

Options:
  -c, --config FILE   sensor config (YAML; OISP Sensor's format is accepted)
  -o, --output FILE   JSONL output path (overrides output.path)
      --nats URL      NATS server(s), comma-separated (sensor: stream events to JetStream)
      --subject S     subject filter, e.g. 'vigil.events.*.oom_kill' (events)
      --durable NAME  durable consumer: a restarted subscriber resumes (events)
      --json          machine-readable output (status)
  -f, --follow        keep printing new events (events)
  -h, --help          this help

Environment: VIGIL_LOG_LEVEL (info), NODE_NAME / VIGIL_NODE_NAME, VIGIL_OUTPUT_PATH,
VIGIL_AI_ONLY, VIGIL_MAX_CAPTURE_BYTES, VIGIL_RAW_TLS, VIGIL_NATS_URL.
`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  output: { type: 'string', short: 'o' },
  nats: { type: 'string' },
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
  const shutdown = (signal: string) => {
    process.stderr.write(`vigil: ${signal} received, detaching probes\n`);
    agent.stop().then(
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
    case 'sensor':
      return runSensor(values);
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
  const known = err instanceof ConfigError || err instanceof StatusUnavailable || err.name === 'PreflightError' || err.name === 'ProbeError';
  process.stderr.write(`vigil: ${known ? err.message : (err.stack ?? String(err))}\n`);
  process.exit(known ? 1 : 70);
});
