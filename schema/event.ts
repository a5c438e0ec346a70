// The zod mirror of events.proto: the shape every JSONL line and NATS message has.
// event.test.ts walks both and fails when they drift apart.
import { z } from 'zod';

const u32 = z.number().int().nonnegative();
const u64 = z.number().int().nonnegative();
const i32 = z.number().int();

export const EVENT_KINDS = ['ai_call', 'http_call', 'process_exit', 'signal', 'oom_kill', 'loss', 'tls_data', 'sensor_status'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const Process = z.object({
  pid: u32.optional(),
  tgid: u32.optional(),
  comm: z.string().optional(),
  exe: z.string().optional(),
  cgroup_id: z.string().optional(),
  cgroup: z.string().optional(),
  container_id: z.string().optional(),
});

export const Kubernetes = z.object({
  namespace: z.string().optional(),
  pod: z.string().optional(),
  container: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  owner_kind: z.string().optional(),
  owner_name: z.string().optional(),
});

export const ProcessExit = z.object({ exit_code: i32 });
export const FatalSignal = z.object({ signal: u32, signal_name: z.string(), core_dumped: z.boolean().optional() });
export const OomKill = z.object({
  total_vm_kb: u64.optional(),
  anon_rss_kb: u64.optional(),
  file_rss_kb: u64.optional(),
  shmem_rss_kb: u64.optional(),
  oom_score_adj: i32.optional(),
});
export const Loss = z.object({ probe: z.string(), count: u64, total: u64, reason: z.string().optional() });
export const TlsData = z.object({
  library: z.string(),
  conn_id: z.string(),
  direction: z.enum(['egress', 'ingress']),
  stream_pos: u64,
  call_len: u32,
  chunk_offset: u32.optional(),
  truncated: z.boolean().optional(),
  fd: i32.optional(),
  peer: z.string().optional(),
  sni: z.string().optional(),
  data_base64: z.string(),
});
/** The sensor's heartbeat (totals since the agent started). */
export const SensorStatus = z.object({
  version: z.string(),
  interval_s: u32,
  uptime_s: z.number().nonnegative().optional(),
  targets_attached: u32.optional(),
  events: z.record(z.string(), u64).optional(),
  losses: z.record(z.string(), u64).optional(),
  lost_total: u64.optional(),
  backlog: z
    .object({ events: u64.optional(), bytes: u64.optional(), connected: z.boolean().optional(), publish_failures: u64.optional() })
    .optional(),
});

export const GenAi = z.object({
  system: z.string().optional(),
  operation: z.object({ name: z.string().optional() }).optional(),
  request: z
    .object({
      model: z.string().optional(),
      stream: z.boolean().optional(),
      max_tokens: u32.optional(),
      temperature: z.number().optional(),
    })
    .optional(),
  response: z
    .object({
      model: z.string().optional(),
      id: z.string().optional(),
      finish_reasons: z.array(z.string()).optional(),
    })
    .optional(),
  usage: z
    .object({
      input_tokens: u32.optional(),
      output_tokens: u32.optional(),
      cached_input_tokens: u32.optional(),
      reasoning_tokens: u32.optional(),
      total_tokens: u32.optional(),
    })
    .optional(),
});

export const AiCall = z.object({
  gen_ai: GenAi.optional(),
  server: z.object({ address: z.string().optional(), port: u32.optional(), peer: z.string().optional() }).optional(),
  http: z
    .object({
      version: z.string().optional(),
      method: z.string().optional(),
      path: z.string().optional(),
      host: z.string().optional(),
      status_code: u32.optional(),
      request_headers: z.record(z.string(), z.string()).optional(),
      response_headers: z.record(z.string(), z.string()).optional(),
      request_bytes: u64.optional(),
      response_bytes: u64.optional(),
      content_encoding: z.string().optional(),
    })
    .optional(),
  timing: z
    .object({
      start_time: z.string().optional(),
      ttfb_ms: z.number().optional(),
      first_token_ms: z.number().optional(),
      duration_ms: z.number().optional(),
    })
    .optional(),
  error: z.object({ type: z.string().optional(), message: z.string().optional() }).optional(),
  cost: z.object({ usd: z.number().optional(), price_source: z.string().optional() }).optional(),
  tls: z
    .object({ library: z.string().optional(), conn_id: z.string().optional(), sni: z.string().optional(), fd: i32.optional() })
    .optional(),
  content: z
    .object({ prompt: z.string().optional(), completion: z.string().optional(), truncated: z.boolean().optional() })
    .optional(),
  provider: z.string().optional(),
  endpoint: z.string().optional(),
  tool_calls: u32.optional(),
  truncated: z.boolean().optional(),
  gap: z.boolean().optional(),
  incomplete: z.boolean().optional(),
});

const base = {
  id: z.string().min(1),
  time: z.iso.datetime(),
  node: z.string().min(1),
  process: Process.optional(),
  k8s: Kubernetes.optional(),
};

/** One event: `kind` names the one body field that is set. */
export const Event = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('ai_call'), ai_call: AiCall }),
  z.object({ ...base, kind: z.literal('http_call'), http_call: AiCall }),
  z.object({ ...base, kind: z.literal('process_exit'), process_exit: ProcessExit }),
  z.object({ ...base, kind: z.literal('signal'), signal: FatalSignal }),
  z.object({ ...base, kind: z.literal('oom_kill'), oom_kill: OomKill }),
  z.object({ ...base, kind: z.literal('loss'), loss: Loss }),
  z.object({ ...base, kind: z.literal('tls_data'), tls_data: TlsData }),
  z.object({ ...base, kind: z.literal('sensor_status'), sensor_status: SensorStatus }),
]);

export type Event = z.infer<typeof Event>;
export type AiCall = z.infer<typeof AiCall>;
export type SensorStatus = z.infer<typeof SensorStatus>;
export type ProcessInfo = z.infer<typeof Process>;
export type KubernetesInfo = z.infer<typeof Kubernetes>;
export type EventOf<K extends EventKind> = Extract<Event, { kind: K }>;
