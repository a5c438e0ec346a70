// The control plane's configuration, validated once at the edge: a YAML/JSON file, then
// environment overrides. Each section is its own exported schema so other parts (triage,
// alerting, remediation) add theirs to ControlPlaneConfig without touching these.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { NatsConfig } from '../../lib/nats/config.js';
import { AiCallsSection } from './aicalls/config.js';
import { authEnv, AuthSection, CorsSection } from './api/auth.js';
import { CustomHttpLogSection } from './ingest/custom-http-logs.js';
import { KUBE_ENV, KubeSection } from './ingest/kube/config.js';
import { LokiSection } from './ingest/loki.js';
import { WEBHOOK_ADAPTER_NAMES, type WebhookAdapterName } from './ingest/webhooks/names.js';
import { IncidentsConfig } from './incidents.js';
import { remediationEnv, RemediationSection } from './remediate/config.js';
import { storeEnv, StoreSection } from './store/config.js';

const MiB = 1024 * 1024;
const bytes = z.coerce.number().int().positive();

export const ServerSection = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().min(1).default('0.0.0.0'),
  /** API bearer tokens (VIGIL_API_TOKENS, VIGIL_API_TOKENS_FILE); none means an open API. */
  auth: AuthSection.prefault({}),
  /** Browser origins allowed to call the API (VIGIL_CORS_ORIGINS); none by default. */
  cors: CorsSection.prefault({}),
});

export const LogsSection = z.object({
  /** Largest request body as sent (compressed or not). */
  maxBodyBytes: bytes.default(10 * MiB),
  /** Largest body after gzip/deflate is undone. */
  maxInflatedBytes: bytes.default(50 * MiB),
  /** Records per request; more is a 413 (Fluent Bit and Fluentd split chunks well below this). */
  maxRecords: bytes.default(100_000),
  /** How many per-line errors a partial-batch answer lists. */
  maxErrorsReported: z.coerce.number().int().min(1).max(1000).default(20),
  /** Bearer token senders must present; none means open (inside the cluster network). */
  token: z.string().min(1).optional(),
});

const adapterName = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(WEBHOOK_ADAPTER_NAMES));

export const WebhookAuth = z.object({
  /** Shared secret sent as `Authorization: Bearer <token>`. */
  token: z.string().min(1).optional(),
  /** HMAC-SHA256 key for signed bodies (PagerDuty's X-PagerDuty-Signature, or `hmacHeader`). */
  hmacSecret: z.string().min(1).optional(),
  /** Header carrying `sha256=<hex>` (or bare hex) for sources other than PagerDuty. */
  hmacHeader: z.string().min(1).default('x-vigil-signature'),
});

export const WebhooksSection = z.object({
  /** ENABLED_ADAPTERS: comma-separated, case-insensitive; every adapter by default. */
  enabledAdapters: z
    .union([z.string().transform((s) => s.split(',').filter((p) => p.trim().length > 0)), z.array(z.string())])
    .pipe(z.array(adapterName).min(1, 'name at least one adapter'))
    .default([...WEBHOOK_ADAPTER_NAMES]),
  maxBodyBytes: bytes.default(1 * MiB),
  /** Deepest JSON nesting accepted; real alert payloads stay under 10. */
  maxDepth: z.coerce.number().int().min(4).max(256).default(32),
  auth: z.partialRecord(z.enum(WEBHOOK_ADAPTER_NAMES), WebhookAuth).default({}),
});

export const ControlPlaneConfig = z.object({
  server: ServerSection.prefault({}),
  logs: LogsSection.prefault({}),
  webhooks: WebhooksSection.prefault({}),
  // Sections owned by the other parts of the control plane (their schemas, their defaults).
  store: StoreSection.prefault({}),
  incidents: IncidentsConfig.prefault({}),
  kubernetes: KubeSection.prefault({}),
  remediation: RemediationSection.prefault({}),
  aiCalls: AiCallsSection.prefault({}),
  loki: LokiSection.optional(),
  customHttpLogs: CustomHttpLogSection.optional(),
  /** The sensor event stream (JetStream); absent in single-host mode. */
  nats: NatsConfig.optional(),
});

export type ControlPlaneConfig = z.infer<typeof ControlPlaneConfig>;
export type ControlPlaneConfigInput = z.input<typeof ControlPlaneConfig>;
export type WebhookAuthConfig = z.infer<typeof WebhookAuth>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Tree = Record<string, unknown>;

function section(tree: Tree, key: string): Tree {
  const existing = tree[key];
  if (typeof existing === 'object' && existing !== null && !Array.isArray(existing)) return existing as Tree;
  const created: Tree = {};
  tree[key] = created;
  return created;
}

/** Environment variables that override the file, applied onto the raw tree before validation. */
export function applyEnv(tree: Tree, env: NodeJS.ProcessEnv): Tree {
  const set = (path: string[], value: string | undefined) => {
    if (value === undefined || value === '') return;
    let node = tree;
    for (const key of path.slice(0, -1)) node = section(node, key);
    node[path.at(-1)!] = value;
  };
  set(['server', 'port'], env.PORT);
  set(['server', 'host'], env.HOST);
  const api = authEnv(env);
  Object.assign(section(section(tree, 'server'), 'auth'), api.auth);
  Object.assign(section(section(tree, 'server'), 'cors'), api.cors);
  set(['aiCalls', 'capacity'], env.VIGIL_AI_CALLS_CAPACITY);
  set(['logs', 'maxBodyBytes'], env.LOGS_MAX_BODY_BYTES);
  set(['logs', 'token'], env.LOGS_TOKEN);
  set(['webhooks', 'enabledAdapters'], env.ENABLED_ADAPTERS);
  set(['webhooks', 'maxBodyBytes'], env.WEBHOOK_MAX_BODY_BYTES);
  for (const name of WEBHOOK_ADAPTER_NAMES) {
    const prefix = `WEBHOOK_${name.toUpperCase()}_`;
    set(['webhooks', 'auth', name, 'token'], env[`${prefix}TOKEN`]);
    set(['webhooks', 'auth', name, 'hmacSecret'], env[`${prefix}HMAC_SECRET`]);
    set(['webhooks', 'auth', name, 'hmacHeader'], env[`${prefix}HMAC_HEADER`]);
  }
  set(['webhooks', 'auth', 'pagerduty', 'hmacSecret'], env.PAGERDUTY_WEBHOOK_SECRET);
  set(['nats', 'servers'], env.NATS_URL);
  set(['incidents', 'rules_file'], env.VIGIL_RULES_FILE);
  // Triage: TRIAGE_MODE (offline | llm | llm-fallback) and an OpenAI-compatible endpoint.
  set(['incidents', 'triage', 'mode'], env.TRIAGE_MODE);
  set(['incidents', 'triage', 'llm', 'base_url'], env.LLM_BASE_URL);
  set(['incidents', 'triage', 'llm', 'model'], env.LLM_MODEL);
  for (const [name, key] of KUBE_ENV) set(['kubernetes', key], env[name]);
  Object.assign(section(tree, 'remediation'), remediationEnv(env));
  Object.assign(section(tree, 'store'), storeEnv(env));
  return tree;
}

/** Validates a raw config tree; the error lists every problem with its path. */
export function parseConfig(raw: unknown): ControlPlaneConfig {
  const result = ControlPlaneConfig.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(`invalid control-plane config:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/** File (VIGIL_CONFIG or `file`, YAML or JSON) + environment overrides, validated once. */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): ControlPlaneConfig {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env.VIGIL_CONFIG;
  let tree: Tree = {};
  if (file) {
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`cannot read control-plane config ${file}: ${(err as Error).message}`);
    }
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new ConfigError(`control-plane config ${file} must be a mapping at the top level`);
    }
    tree = (parsed ?? {}) as Tree;
  }
  return parseConfig(applyEnv(tree, env));
}

export function enabledAdapters(config: ControlPlaneConfig): WebhookAdapterName[] {
  return [...new Set(config.webhooks.enabledAdapters)];
}
