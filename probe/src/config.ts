// The sensor's configuration: a YAML file compatible with OISP Sensor's (output.format,
// output.path, filters.ai_only, redaction.enabled), plus environment overrides, validated once
// with zod. An invalid config fails at start with the field and the problem.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parserOptionsSchema } from './http/options.js';
import { NatsConfig } from '../../lib/nats/config.js';
import { PricingConfig } from './pricing.js';
import { ProvidersConfig } from './providers/index.js';
import { RedactionConfig } from '../../lib/redact.js';

/** Signals whose deaths are reported by default: the ones that mean a crash, not a stop. */
export const DEFAULT_FATAL_SIGNALS = ['SIGSEGV', 'SIGABRT', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGKILL', 'SIGSYS'];

export const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGXCPU: 24,
  SIGXFSZ: 25, SIGSYS: 31,
};
export const SIGNAL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(SIGNAL_NUMBERS).map(([name, n]) => [n, name]),
);

const powerOfTwo = z
  .number()
  .int()
  .refine((n) => n >= 4096 && (n & (n - 1)) === 0, 'must be a power of two of at least 4096');

export const OutputConfig = z
  .object({
    format: z.literal('jsonl').default('jsonl'),
    path: z.string().min(1).default('vigil-data/events.jsonl'),
    max_bytes: z.number().int().positive().default(100 * 1024 * 1024),
    max_files: z.number().int().positive().default(5),
    flush_interval_ms: z.number().int().positive().default(20),
  })
  .strict();

export const FiltersConfig = z
  .object({
    /** Keep only AI calls among HTTP traffic (crash signals are always kept). */
    ai_only: z.boolean().default(true),
    /** Also report calls other processes made to a process on this node (it is the server). */
    include_server_side: z.boolean().default(false),
    /** Never report these exit statuses (e.g. 1 from shell tools) — crash signals still count. */
    ignore_exit_codes: z.array(z.number().int().min(0).max(255)).default([]),
    /** Never report processes with these command names. */
    ignore_comms: z.array(z.string()).default([]),
  })
  .strict();

/** Kubernetes node infrastructure (container runtimes, control plane, kubelet, CNI agents). */
const DEFAULT_EXCLUDED_TARGETS = [
  'kubelet',
  'k3s',
  'containerd',
  'containerd-shim*',
  'dockerd',
  'crio',
  'conmon',
  'runc',
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kube-proxy',
  'coredns',
  'cilium-agent',
  'calico-node',
  'flanneld',
];

export const CaptureConfig = z
  .object({
    /** Bytes captured per TLS call; longer calls are flagged truncated. */
    max_bytes_per_call: z.number().int().min(1).max(4 * 1024 * 1024).default(256 * 1024),
    ring_buffer_bytes: powerOfTwo.default(4 * 1024 * 1024),
    /** The agent reads the ring buffer back to back while records arrive, and this long after it found it empty. */
    poll_timeout_ms: z.number().int().min(1).max(1000).default(20),
    fatal_signals: z.array(z.string().refine((s) => s in SIGNAL_NUMBERS, 'unknown signal name')).default(DEFAULT_FATAL_SIGNALS),
    /**
     * Server ports whose plaintext HTTP is captured (Ollama 11434, vLLM 8000, LiteLLM 4000,
     * TGI 8080), for connections made after the sensor started.
     */
    plaintext_ports: z.array(z.number().int().min(1).max(65535)).max(64).default([11434, 8000, 4000, 8080]),
    /** Extra files to attach the TLS probes to, besides those discovered from processes. */
    libraries: z.array(z.string()).default([]),
    /**
     * Target files never probed (globs; without a `/` matched against the file name): node
     * infrastructure that speaks TLS all day and calls no AI API, spared the cost of a trap per
     * TLS read and write. A shared library matched here is unprobed for every process using it.
     */
    exclude_targets: z.array(z.string().min(1)).default(DEFAULT_EXCLUDED_TARGETS),
    /** Full rescan of /proc for new TLS targets, besides the one at each exec(). */
    rescan_interval_s: z.number().positive().default(30),
    /** Connections tracked at once (oldest evicted beyond, counted as losses). */
    max_connections: z.number().int().positive().default(10_000),
    /** A connection idle this long is flushed and forgotten. */
    idle_connection_s: z.number().positive().default(300),
  })
  .strict();

export const KubernetesConfig = z
  .object({
    /** Attribute events to namespace/pod/container through a pod informer limited to this node.
     * On when Kubernetes access is found (in-cluster service account or a kubeconfig). */
    attribution: z.boolean().default(true),
    kubeconfig: z.string().optional(),
  })
  .strict();

export const DebugConfig = z
  .object({
    /** Write raw TLS plaintext as tls_data events. Unredacted: for debugging only. */
    raw_tls: z.boolean().default(false),
    /** Honour `redaction.enabled: false`. Without it that setting (OISP's example has it) is
     * ignored: secrets never leave the sensor in clear outside an explicit debug option. */
    unredacted: z.boolean().default(false),
  })
  .strict();

export const ContentConfig = z
  .object({
    /** Put prompt and completion text (redacted, capped) into ai_call events. */
    capture: z.boolean().default(false),
    max_bytes: z.number().int().positive().default(4096),
  })
  .strict();

export const MetricsConfig = z
  .object({
    /** Serve Prometheus metrics over HTTP (GET /metrics). */
    enabled: z.boolean().default(false),
    address: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(9464),
  })
  .strict();

export const HeartbeatConfig = z
  .object({
    /** Seconds between sensor_status events (the control plane's sensor health); 0 turns them off. */
    interval_s: z.number().int().min(0).max(3600).default(30),
  })
  .strict();

export const SensorConfig = z
  .object({
    node: z.string().min(1).default(() => process.env.NODE_NAME ?? hostname()),
    output: OutputConfig.default(OutputConfig.parse({})),
    filters: FiltersConfig.default(FiltersConfig.parse({})),
    capture: CaptureConfig.default(CaptureConfig.parse({})),
    debug: DebugConfig.default(DebugConfig.parse({})),
    content: ContentConfig.default(ContentConfig.parse({})),
    /** Secrets are redacted before anything leaves the agent (on unless explicitly disabled). */
    redaction: RedactionConfig.prefault({}),
    /** Extra OpenAI-compatible endpoints (vLLM, LiteLLM, gateways) by host, port or path. */
    providers: ProvidersConfig.prefault({}),
    pricing: PricingConfig.prefault({}),
    /** Limits of the HTTP reassembly (body bytes kept, SSE events, pending requests). */
    http: parserOptionsSchema.prefault({}),
    kubernetes: KubernetesConfig.default(KubernetesConfig.parse({})),
    /** NATS JetStream transport; without it the sensor writes JSONL only. */
    nats: NatsConfig.optional(),
    metrics: MetricsConfig.default(MetricsConfig.parse({})),
    heartbeat: HeartbeatConfig.default(HeartbeatConfig.parse({})),
  })
  .passthrough();

export type SensorConfig = z.infer<typeof SensorConfig>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment overrides, applied over the file: name → config path. */
const ENV_OVERRIDES: Array<[string, string[], (v: string) => unknown]> = [
  ['VIGIL_NODE_NAME', ['node'], String],
  ['VIGIL_OUTPUT_PATH', ['output', 'path'], String],
  ['VIGIL_AI_ONLY', ['filters', 'ai_only'], (v) => v === 'true' || v === '1'],
  ['VIGIL_MAX_CAPTURE_BYTES', ['capture', 'max_bytes_per_call'], Number],
  ['VIGIL_RAW_TLS', ['debug', 'raw_tls'], (v) => v === 'true' || v === '1'],
  ['VIGIL_NATS_URL', ['nats', 'servers'], String],
  ['VIGIL_METRICS_ENABLED', ['metrics', 'enabled'], (v) => v === 'true' || v === '1'],
  ['VIGIL_METRICS_ADDRESS', ['metrics', 'address'], String],
  ['VIGIL_METRICS_PORT', ['metrics', 'port'], Number],
  ['VIGIL_HEARTBEAT_INTERVAL_S', ['heartbeat', 'interval_s'], Number],
];

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (typeof next !== 'object' || next === null) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

export function formatZodError(err: z.ZodError, source: string): string {
  return err.issues
    .map((i) => `${source}: ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('\n');
}

/** Parses a config object (from YAML) with env overrides. Throws ConfigError naming the field. */
export function parseSensorConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, source = 'config'): SensorConfig {
  const obj = (raw ?? {}) as Record<string, unknown>;
  if (typeof obj !== 'object' || Array.isArray(obj)) throw new ConfigError(`${source}: expected a mapping at the top level`);
  const merged = structuredClone(obj);
  for (const [name, path, conv] of ENV_OVERRIDES) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(merged, path, conv(v));
  }
  const res = SensorConfig.safeParse(merged);
  if (!res.success) throw new ConfigError(formatZodError(res.error, source));
  const cfg = res.data;
  if (!cfg.redaction.enabled && !cfg.debug.unredacted) {
    process.emitWarning(`${source}: redaction.enabled: false is ignored (set debug.unredacted: true to really disable redaction)`);
    cfg.redaction = { ...cfg.redaction, enabled: true };
  }
  return cfg;
}

export function loadSensorConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): SensorConfig {
  if (!file) return parseSensorConfig({}, env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${file}: invalid YAML: ${(e as Error).message}`);
  }
  return parseSensorConfig(raw, env, file);
}

export function fatalSignalMask(names: string[]): number {
  let mask = 0;
  for (const n of names) mask |= 1 << SIGNAL_NUMBERS[n]!;
  return mask >>> 0;
}
