// User space's copy of the record layouts in probe/bpf/events.h. The decoders read every field
// through this table, and layout.test.ts checks it against the BTF of the built object, so the
// two cannot drift apart silently.

export interface FieldLayout {
  offset: number;
  size: number;
}

export interface StructLayout {
  size: number;
  fields: Record<string, FieldLayout>;
}

function struct(size: number, fields: Record<string, [number, number]>): StructLayout {
  const out: Record<string, FieldLayout> = {};
  for (const [name, [offset, sz]] of Object.entries(fields)) out[name] = { offset, size: sz };
  return { size, fields: out };
}

export const RECORD_TYPE = { CONN_DATA: 1, TLS_SNI: 2, CONN_CLOSE: 3, EXEC: 4, EXIT: 5 } as const;
export const EXIT_REASON = { CODE: 1, SIGNAL: 2, OOM: 3 } as const;
export const DATA_FLAG = { TRUNCATED: 1, LAST_CHUNK: 2 } as const;
export const LIBRARY: Record<number, string> = { 1: 'openssl', 2: 'plaintext', 3: 'gnutls', 4: 'go', 5: 'boringssl' };

export const LAYOUTS = {
  vigil_conn_data: struct(104, {
    type: [0, 1],
    direction: [1, 1],
    library: [2, 1],
    flags: [3, 1],
    family: [4, 2],
    dport: [6, 2],
    pid: [8, 4],
    tgid: [12, 4],
    fd: [16, 4],
    call_len: [20, 4],
    chunk_off: [24, 4],
    data_len: [28, 4],
    ts_ns: [32, 8],
    conn_ptr: [40, 8],
    conn_start_ns: [48, 8],
    stream_pos: [56, 8],
    cgroup_id: [64, 8],
    daddr: [72, 16],
    comm: [88, 16],
    data: [104, 0],
  }),
  vigil_tls_sni: struct(160, {
    type: [0, 1],
    library: [1, 1],
    _pad0: [2, 2],
    tgid: [4, 4],
    conn_ptr: [8, 8],
    conn_start_ns: [16, 8],
    ts_ns: [24, 8],
    name: [32, 128],
  }),
  vigil_conn_close: struct(32, {
    type: [0, 1],
    library: [1, 1],
    _pad0: [2, 2],
    tgid: [4, 4],
    conn_ptr: [8, 8],
    conn_start_ns: [16, 8],
    ts_ns: [24, 8],
  }),
  vigil_exec: struct(304, {
    type: [0, 1],
    _pad0: [1, 1],
    _pad1: [2, 2],
    tgid: [4, 4],
    ppid: [8, 4],
    _pad2: [12, 4],
    ts_ns: [16, 8],
    cgroup_id: [24, 8],
    comm: [32, 16],
    filename: [48, 256],
  }),
  vigil_exit: struct(216, {
    type: [0, 1],
    reason: [1, 1],
    signal: [2, 1],
    core_dumped: [3, 1],
    exit_code: [4, 4],
    pid: [8, 4],
    tgid: [12, 4],
    ppid: [16, 4],
    oom_score_adj: [20, 4],
    ts_ns: [24, 8],
    cgroup_id: [32, 8],
    total_vm_kb: [40, 8],
    anon_rss_kb: [48, 8],
    file_rss_kb: [56, 8],
    shmem_rss_kb: [64, 8],
    comm: [72, 16],
    cgroup: [88, 128],
  }),
  vigil_counters: struct(192, {
    events: [0, 96],
    lost: [96, 96],
  }),
} as const satisfies Record<string, StructLayout>;
