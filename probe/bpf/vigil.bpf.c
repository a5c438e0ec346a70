// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Vigil's probes: TLS plaintext from OpenSSL-compatible libraries (uprobes) and crash signals
 * (tracepoints). Record layouts live in events.h, the only kernel/user contract.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET 2
#define AF_INET6 10
#define SSL_CTRL_SET_TLSEXT_HOSTNAME 55

/* Set by the loader before load (libbpf-bootstrap habit: config in const volatile globals). */
const volatile __u32 self_tgid = 0;           /* never capture the agent's own TLS */
const volatile __u32 max_capture_bytes = 262144; /* per TLS call */
const volatile __u64 wakeup_bytes = 65536;    /* wake the consumer once this much is pending */
const volatile __u64 fatal_signal_mask = 0;   /* bit n set: death by signal n is reported */

/* Keep the record types in the object's BTF so the layout test can read them. */
const struct vigil_tls_data *unused_tls_data __attribute__((unused));
const struct vigil_tls_sni *unused_tls_sni __attribute__((unused));
const struct vigil_tls_close *unused_tls_close __attribute__((unused));
const struct vigil_exec *unused_exec __attribute__((unused));
const struct vigil_exit *unused_exit __attribute__((unused));
const struct vigil_counters *unused_counters __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024); /* resized by the loader */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_counters);
} counters SEC(".maps");

/* A TLS call in flight on one thread, from entry to return. */
struct ssl_call {
	__u64 ssl;
	__u64 buf;
	__u64 len_ptr; /* *_ex: where the library stores the byte count */
	__s32 fd;      /* socket the call touched (learned from syscalls inside the call) */
	__u16 family;
	__u16 dport;
	__u8 daddr[16];
	__u8 ex;
	__u8 _pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* thread id */
	__type(value, struct ssl_call);
} active SEC(".maps");

struct conn_key {
	__u64 ssl;
	__u32 tgid;
	__u32 _pad;
};

struct conn_state {
	__u64 start_ns;
	__u64 pos[2]; /* per direction */
	__s32 fd;
	__u16 family;
	__u16 dport;
	__u8 daddr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct conn_key);
	__type(value, struct conn_state);
} conns SEC(".maps");

/* Staging area for one data record (too large for the 512-byte BPF stack). */
struct tls_scratch {
	__u8 bytes[sizeof(struct vigil_tls_data) + VIGIL_CHUNK_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tls_scratch);
} scratch SEC(".maps");

/* OOM victims by pid until they exit, with what mark_victim reported. */
struct oom_info {
	__u64 total_vm_kb;
	__u64 anon_rss_kb;
	__u64 file_rss_kb;
	__u64 shmem_rss_kb;
	__s32 oom_score_adj;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct oom_info);
} oom_victims SEC(".maps");

static __always_inline void count(int probe, int lost)
{
	__u32 zero = 0;
	struct vigil_counters *c = bpf_map_lookup_elem(&counters, &zero);
	if (!c || probe < 0 || probe >= VIGIL_PROBE_MAX)
		return;
	if (lost)
		c->lost[probe]++;
	else
		c->events[probe]++;
}

/* Batch wake-ups: the consumer polls on a short timeout anyway, so only force a wake-up when
 * a good amount of data is pending. This keeps the per-record cost low at high call rates. */
static __always_inline __u64 wakeup_flags(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
									      : BPF_RB_NO_WAKEUP;
}

static __always_inline int emit(void *rec, __u64 size, int probe)
{
	if (bpf_ringbuf_output(&events, rec, size, wakeup_flags()) < 0) {
		count(probe, 1);
		return -1;
	}
	count(probe, 0);
	return 0;
}

static __always_inline struct conn_state *conn_get(__u32 tgid, __u64 ssl)
{
	struct conn_key key = { .ssl = ssl, .tgid = tgid };
	struct conn_state *cs = bpf_map_lookup_elem(&conns, &key);
	if (cs)
		return cs;
	struct conn_state fresh = { .start_ns = bpf_ktime_get_ns(), .fd = -1 };
	bpf_map_update_elem(&conns, &key, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&conns, &key);
}

static __always_inline int ssl_enter(struct pt_regs *ctx, __u64 ssl, __u64 buf, __u64 len_ptr, __u8 ex)
{
	__u64 id = bpf_get_current_pid_tgid();
	if ((__u32)(id >> 32) == self_tgid)
		return 0;
	struct ssl_call call = { .ssl = ssl, .buf = buf, .len_ptr = len_ptr, .fd = -1, .ex = ex };
	__u32 tid = (__u32)id;
	bpf_map_update_elem(&active, &tid, &call, BPF_ANY);
	return 0;
}

/* Copy the call's bytes into the ring in chunks, up to the capture limit. */
static __always_inline void emit_chunks(struct vigil_tls_data *rec, __u64 buf, __u32 total, int probe)
{
	__u32 cap = total < max_capture_bytes ? total : max_capture_bytes;
	__u64 base = rec->stream_pos;

	for (int i = 0; i < VIGIL_MAX_CHUNKS; i++) {
		__u32 off = (__u32)i * VIGIL_CHUNK_BYTES;
		if (off >= cap)
			break;
		__u32 n = cap - off;
		if (n > VIGIL_CHUNK_BYTES)
			n = VIGIL_CHUNK_BYTES;
		rec->chunk_off = off;
		rec->stream_pos = base + off;
		rec->data_len = n;
		rec->flags = (total > cap ? VIGIL_F_TRUNCATED : 0) | (off + n >= cap ? VIGIL_F_LAST_CHUNK : 0);
		if (bpf_probe_read_user(rec->data, n, (void *)(buf + off)) < 0) {
			count(probe, 1);
			continue;
		}
		emit(rec, sizeof(*rec) + n, probe);
	}
}

static __always_inline int ssl_return(struct pt_regs *ctx, __u8 direction)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u32 tgid = (__u32)(id >> 32);
	struct ssl_call *call = bpf_map_lookup_elem(&active, &tid);
	if (!call)
		return 0;

	int probe = direction == VIGIL_EGRESS ? VIGIL_PROBE_SSL_WRITE : VIGIL_PROBE_SSL_READ;
	long ret = PT_REGS_RC(ctx);
	__u64 moved = 0;
	if (call->ex) {
		/* SSL_{read,write}_ex return 1 on success and store the count through a pointer. */
		if (ret == 1 && call->len_ptr)
			bpf_probe_read_user(&moved, sizeof(moved), (void *)call->len_ptr);
	} else if (ret > 0) {
		moved = ret;
	}
	if (moved == 0 || moved > 0x7fffffff)
		goto out;

	struct conn_state *cs = conn_get(tgid, call->ssl);
	if (!cs)
		goto out;
	if (cs->fd < 0 && call->fd >= 0) {
		cs->fd = call->fd;
		cs->family = call->family;
		cs->dport = call->dport;
		__builtin_memcpy(cs->daddr, call->daddr, sizeof(cs->daddr));
	}

	__u32 zero = 0;
	struct tls_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		goto out;
	struct vigil_tls_data *rec = (struct vigil_tls_data *)s->bytes;
	rec->type = VIGIL_REC_TLS_DATA;
	rec->direction = direction;
	rec->library = VIGIL_LIB_OPENSSL;
	rec->family = cs->family;
	rec->dport = cs->dport;
	rec->pid = tid;
	rec->tgid = tgid;
	rec->fd = cs->fd;
	rec->call_len = (__u32)moved;
	rec->ts_ns = bpf_ktime_get_ns();
	rec->conn_ptr = call->ssl;
	rec->conn_start_ns = cs->start_ns;
	rec->cgroup_id = bpf_get_current_cgroup_id();
	__builtin_memcpy(rec->daddr, cs->daddr, sizeof(rec->daddr));
	bpf_get_current_comm(rec->comm, sizeof(rec->comm));
	rec->stream_pos = cs->pos[direction & 1];
	cs->pos[direction & 1] += moved;

	emit_chunks(rec, call->buf, (__u32)moved, probe);
out:
	bpf_map_delete_elem(&active, &tid);
	return 0;
}

/*
 * Both the classic and the _ex entry points are probed: OpenSSL 3 implements neither in terms
 * of the other (both call ssl_{read,write}_internal), and clients differ — curl and Node use
 * SSL_read/SSL_write, CPython uses SSL_read_ex/SSL_write_ex.
 */
SEC("uprobe")
int BPF_KPROBE(ssl_write_enter, void *ssl, const void *buf, int num)
{
	return ssl_enter(ctx, (__u64)ssl, (__u64)buf, 0, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_return)
{
	return ssl_return(ctx, VIGIL_EGRESS);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf, int num)
{
	return ssl_enter(ctx, (__u64)ssl, (__u64)buf, 0, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_return)
{
	return ssl_return(ctx, VIGIL_INGRESS);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_enter, void *ssl, const void *buf, __u64 num, __u64 *written)
{
	return ssl_enter(ctx, (__u64)ssl, (__u64)buf, (__u64)written, 1);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_enter, void *ssl, void *buf, __u64 num, __u64 *readbytes)
{
	return ssl_enter(ctx, (__u64)ssl, (__u64)buf, (__u64)readbytes, 1);
}

SEC("uprobe")
int BPF_KPROBE(ssl_ctrl_enter, void *ssl, int cmd, long larg, const char *parg)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = (__u32)(id >> 32);
	if (cmd != SSL_CTRL_SET_TLSEXT_HOSTNAME || !parg || tgid == self_tgid)
		return 0;
	struct conn_state *cs = conn_get(tgid, (__u64)ssl);
	if (!cs)
		return 0;
	struct vigil_tls_sni rec = {
		.type = VIGIL_REC_TLS_SNI,
		.library = VIGIL_LIB_OPENSSL,
		.tgid = tgid,
		.conn_ptr = (__u64)ssl,
		.conn_start_ns = cs->start_ns,
		.ts_ns = bpf_ktime_get_ns(),
	};
	bpf_probe_read_user_str(rec.name, sizeof(rec.name), parg);
	emit(&rec, sizeof(rec), VIGIL_PROBE_SSL_SNI);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_free_enter, void *ssl)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = (__u32)(id >> 32);
	if (tgid == self_tgid)
		return 0;
	struct conn_key key = { .ssl = (__u64)ssl, .tgid = tgid };
	struct conn_state *cs = bpf_map_lookup_elem(&conns, &key);
	if (!cs)
		return 0;
	struct vigil_tls_close rec = {
		.type = VIGIL_REC_TLS_CLOSE,
		.library = VIGIL_LIB_OPENSSL,
		.tgid = tgid,
		.conn_ptr = (__u64)ssl,
		.conn_start_ns = cs->start_ns,
		.ts_ns = bpf_ktime_get_ns(),
	};
	bpf_map_delete_elem(&conns, &key);
	emit(&rec, sizeof(rec), VIGIL_PROBE_SSL_CLOSE);
	return 0;
}

/*
 * Socket identity: while a TLS call is in flight on this thread, the first read/write-family
 * syscall on a socket names the connection's fd. The peer address is read from the socket
 * there and then (the process may be gone by the time user space looks). Node's TLS does its
 * socket I/O outside SSL_read/SSL_write (libuv), so its connections keep fd -1.
 */
static __always_inline int note_fd(__u64 fd)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ssl_call *call = bpf_map_lookup_elem(&active, &tid);
	if (!call || call->fd >= 0 || fd > 0xffff)
		return 0;

	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	struct file *file = NULL;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) < 0 || !file)
		return 0;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	if (!sock || BPF_CORE_READ(sock, file) != file)
		return 0; /* not a socket */
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	call->fd = (__s32)fd;
	call->family = family;
	call->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET)
		BPF_CORE_READ_INTO(&call->daddr, sk, __sk_common.skc_daddr);
	else
		BPF_CORE_READ_INTO(&call->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	return 0;
}

SEC("tp/syscalls/sys_enter_write")
int sys_enter_write(struct trace_event_raw_sys_enter *ctx) { return note_fd(ctx->args[0]); }
SEC("tp/syscalls/sys_enter_writev")
int sys_enter_writev(struct trace_event_raw_sys_enter *ctx) { return note_fd(ctx->args[0]); }
SEC("tp/syscalls/sys_enter_sendto")
int sys_enter_sendto(struct trace_event_raw_sys_enter *ctx) { return note_fd(ctx->args[0]); }
SEC("tp/syscalls/sys_enter_sendmsg")
int sys_enter_sendmsg(struct trace_event_raw_sys_enter *ctx) { return note_fd(ctx->args[0]); }
SEC("tp/syscalls/sys_enter_read")
int sys_enter_read(struct trace_event_raw_sys_enter *ctx) { return note_fd(ctx->args[0]); }
SEC("tp/syscalls/sys_enter_readv")
int sys_enter_readv(struct trace_event_raw_sys_enter *ctx) { return note_fd(ctx->args[0]); }
SEC("tp/syscalls/sys_enter_recvfrom")
int sys_enter_recvfrom(struct trace_event_raw_sys_enter *ctx) { return note_fd(ctx->args[0]); }
SEC("tp/syscalls/sys_enter_recvmsg")
int sys_enter_recvmsg(struct trace_event_raw_sys_enter *ctx) { return note_fd(ctx->args[0]); }

SEC("tp/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct vigil_exec rec = {
		.type = VIGIL_REC_EXEC,
		.tgid = (__u32)(bpf_get_current_pid_tgid() >> 32),
		.ppid = BPF_CORE_READ(task, real_parent, tgid),
		.ts_ns = bpf_ktime_get_ns(),
		.cgroup_id = bpf_get_current_cgroup_id(),
	};
	bpf_get_current_comm(rec.comm, sizeof(rec.comm));
	unsigned int off = ctx->__data_loc_filename & 0xFFFF;
	bpf_probe_read_str(rec.filename, sizeof(rec.filename), (void *)ctx + off);
	emit(&rec, sizeof(rec), VIGIL_PROBE_EXEC);
	return 0;
}

SEC("tp/oom/mark_victim")
int handle_mark_victim(struct trace_event_raw_mark_victim *ctx)
{
	__u32 pid = ctx->pid;
	struct oom_info info = {};
	if (bpf_core_field_exists(ctx->total_vm)) {
		info.total_vm_kb = BPF_CORE_READ(ctx, total_vm);
		info.anon_rss_kb = BPF_CORE_READ(ctx, anon_rss);
		info.file_rss_kb = BPF_CORE_READ(ctx, file_rss);
		info.shmem_rss_kb = BPF_CORE_READ(ctx, shmem_rss);
		info.oom_score_adj = BPF_CORE_READ(ctx, oom_score_adj);
	}
	bpf_map_update_elem(&oom_victims, &pid, &info, BPF_ANY);
	return 0;
}

/* Leaf name of the process's cgroup: the default hierarchy's, or on cgroup v1 the memory
 * controller's (where container runtimes put the container id). */
static __always_inline void read_cgroup_leaf(struct task_struct *task, char *out, int len)
{
	struct cgroup *cg = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	if (!cg || BPF_CORE_READ(cg, level) == 0) {
		int memory_id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
		if (memory_id >= 0 && memory_id < CGROUP_SUBSYS_COUNT)
			cg = BPF_CORE_READ(task, cgroups, subsys[memory_id], cgroup);
	}
	if (!cg)
		return;
	const char *name = BPF_CORE_READ(cg, kn, name);
	if (name)
		bpf_probe_read_kernel_str(out, len, name);
}

SEC("tp/sched/sched_process_exit")
int handle_exit(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u32 tgid = (__u32)(id >> 32);

	/* The OOM killer may name any thread of the victim: file the victim under its process. */
	if (tid != tgid) {
		struct oom_info *t = bpf_map_lookup_elem(&oom_victims, &tid);
		if (t) {
			struct oom_info copy = *t;
			bpf_map_update_elem(&oom_victims, &tgid, &copy, BPF_ANY);
			bpf_map_delete_elem(&oom_victims, &tid);
		}
	}
	/* Only the last thread of the process reports (signal->live reached zero before this
	 * tracepoint), so a process yields one event whatever its thread count. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;

	__u32 code = BPF_CORE_READ(task, exit_code);
	__u8 sig = code & 0x7f;
	__s32 status = (code >> 8) & 0xff;
	struct oom_info *oom = bpf_map_lookup_elem(&oom_victims, &tgid);
	__u8 reason;
	if (oom)
		reason = VIGIL_EXIT_OOM;
	else if (sig)
		reason = (fatal_signal_mask >> sig) & 1 ? VIGIL_EXIT_SIGNAL : 0;
	else
		reason = status ? VIGIL_EXIT_CODE : 0;
	if (!reason)
		return 0;

	struct vigil_exit rec = {
		.type = VIGIL_REC_EXIT,
		.reason = reason,
		.signal = sig,
		.core_dumped = (code & 0x80) ? 1 : 0,
		.exit_code = status,
		.pid = tid,
		.tgid = tgid,
		.ppid = BPF_CORE_READ(task, real_parent, tgid),
		.ts_ns = bpf_ktime_get_ns(),
		.cgroup_id = bpf_get_current_cgroup_id(),
	};
	if (oom) {
		rec.total_vm_kb = oom->total_vm_kb;
		rec.anon_rss_kb = oom->anon_rss_kb;
		rec.file_rss_kb = oom->file_rss_kb;
		rec.shmem_rss_kb = oom->shmem_rss_kb;
		rec.oom_score_adj = oom->oom_score_adj;
		bpf_map_delete_elem(&oom_victims, &tgid);
	}
	bpf_get_current_comm(rec.comm, sizeof(rec.comm));
	read_cgroup_leaf(task, rec.cgroup, sizeof(rec.cgroup));
	emit(&rec, sizeof(rec), reason == VIGIL_EXIT_OOM ? VIGIL_PROBE_OOM : VIGIL_PROBE_EXIT);
	return 0;
}
