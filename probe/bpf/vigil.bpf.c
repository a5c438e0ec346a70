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
const volatile __u64 fatal_signal_mask = 0;   /* bit n set: death by signal n is reported */
const volatile __u8 capture_server_side = 0;  /* 1: also the calls this node's processes serve */

/* Keep the record types in the object's BTF so the layout test can read them. */
const struct vigil_conn_data *unused_conn_data __attribute__((unused));
const struct vigil_tls_sni *unused_tls_sni __attribute__((unused));
const struct vigil_conn_close *unused_conn_close __attribute__((unused));
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
	__u8 library; /* enum vigil_library of the entry probe */
	__u8 _pad[6];
};

/* A plaintext socket syscall in flight on one thread, from entry to exit. */
struct plain_call {
	__u64 buf; /* the data, or for vectored calls the iovec array */
	__s32 fd;
	__u32 iovcnt; /* 0: buf is the data */
	__u8 direction;
	__u8 _pad[7];
};

/*
 * Per-thread state in task-local storage rather than hash maps keyed by thread id: the data
 * syscall tracepoints run for every read and write on the node, and a task-storage lookup is a
 * pointer walk where a hash lookup (and the update and delete around each TLS call) is not.
 */
struct thread_state {
	struct ssl_call tls;
	struct plain_call plain;
	__u8 tls_live;
	__u8 plain_live;
	__u8 plain_socks; /* on a group leader: the process has connected to a watched port */
	__u8 _pad[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_state);
} threads SEC(".maps");

static __always_inline struct thread_state *thread_state(struct task_struct *task, __u64 flags)
{
	return bpf_task_storage_get(&threads, task, 0, flags);
}

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
	__u8 server; /* this process answers HTTP requests on it: not captured (see ssl_return) */
	__u8 _pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct conn_key);
	__type(value, struct conn_state);
} conns SEC(".maps");

/* Staging area for one data record (too large for the 512-byte BPF stack). */
struct tls_scratch {
	__u8 bytes[sizeof(struct vigil_conn_data) + VIGIL_CHUNK_BYTES];
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

/* No wake-ups: nothing waits on the ring buffer (the agent drains it on its own schedule), and
 * a wake-up would cost the probed process an irq_work for nobody. */
static __always_inline int emit(void *rec, __u64 size, int probe)
{
	if (bpf_ringbuf_output(&events, rec, size, BPF_RB_NO_WAKEUP) < 0) {
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

static __always_inline int ssl_enter(struct pt_regs *ctx, int probe, __u64 ssl, __u64 buf, __u64 len_ptr, __u8 ex,
				     __u8 library)
{
	__u64 id = bpf_get_current_pid_tgid();
	if ((__u32)(id >> 32) == self_tgid)
		return 0;
	struct thread_state *t = thread_state(bpf_get_current_task_btf(), BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t) { /* no memory, or contended: the call cannot be followed */
		count(probe, 1);
		return 0;
	}
	t->tls = (struct ssl_call){ .ssl = ssl, .buf = buf, .len_ptr = len_ptr, .fd = -1, .ex = ex, .library = library };
	t->tls_live = 1;
	return 0;
}

/*
 * Copies one segment of a call's bytes into the ring in chunks. The call moved `total` bytes,
 * of which the first `cap` are captured; this segment holds bytes [seg_off, seg_off + seg_len)
 * of the call and starts at `buf`. rec->stream_pos holds the call's start position on entry.
 */
static __always_inline void emit_segment(struct vigil_conn_data *rec, __u64 call_pos, __u64 buf, __u32 seg_off,
					 __u32 seg_len, __u32 cap, __u32 total, int probe, int max_chunks)
{
	for (int i = 0; i < max_chunks; i++) {
		__u32 off = seg_off + (__u32)i * VIGIL_CHUNK_BYTES;
		if (off >= cap || off >= seg_off + seg_len)
			break;
		__u32 n = seg_off + seg_len - off;
		if (n > cap - off)
			n = cap - off;
		if (n > VIGIL_CHUNK_BYTES)
			n = VIGIL_CHUNK_BYTES;
		rec->chunk_off = off;
		rec->stream_pos = call_pos + off;
		rec->data_len = n;
		rec->flags = (total > cap ? VIGIL_F_TRUNCATED : 0) | (off + n >= cap ? VIGIL_F_LAST_CHUNK : 0);
		if (bpf_probe_read_user(rec->data, n, (void *)(buf + (off - seg_off))) < 0) {
			count(probe, 1);
			continue;
		}
		emit(rec, sizeof(*rec) + n, probe);
	}
}

static __always_inline struct vigil_conn_data *data_record(__u64 id)
{
	__u32 zero = 0;
	struct tls_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return NULL;
	struct vigil_conn_data *rec = (struct vigil_conn_data *)s->bytes;
	rec->type = VIGIL_REC_CONN_DATA;
	rec->pid = (__u32)id;
	rec->tgid = (__u32)(id >> 32);
	rec->ts_ns = bpf_ktime_get_ns();
	rec->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(rec->comm, sizeof(rec->comm));
	return rec;
}

/* Does a connection's first ingress start with an HTTP/1 request line or the HTTP/2 preface? */
static __always_inline int http_request_head(__u64 buf, __u64 len)
{
	char h[8] = {};
	if (len < sizeof(h) || bpf_probe_read_user(h, sizeof(h), (void *)buf) < 0)
		return 0;
#define HEAD_IS(s) (__builtin_memcmp(h, s, sizeof(s) - 1) == 0)
	return HEAD_IS("GET ") || HEAD_IS("POST ") || HEAD_IS("PUT ") || HEAD_IS("HEAD ") || HEAD_IS("DELETE ") ||
	       HEAD_IS("PATCH ") || HEAD_IS("OPTIONS ") || HEAD_IS("PRI * HT");
#undef HEAD_IS
}

/*
 * The HTTP client speaks first. A process whose first bytes in on a connection are a request
 * serves it (an ingress proxy, a model server behind TLS): user space only follows calls a
 * workload makes, so the server side is dropped here, before any copy — half the work when
 * both ends of a call run on the node. Returns 1 when the call is not to be captured.
 */
static __always_inline int skip_server_side(struct conn_state *cs, __u8 direction, __u64 buf, __u64 moved)
{
	if (cs->server)
		return 1;
	if (capture_server_side || direction != VIGIL_INGRESS || cs->pos[VIGIL_INGRESS] || cs->pos[VIGIL_EGRESS] ||
	    !http_request_head(buf, moved))
		return 0;
	cs->server = 1;
	return 1;
}

/* The record header for one call's bytes on a connection (TLS or plaintext socket). */
static __always_inline struct vigil_conn_data *conn_record(__u64 id, __u8 direction, __u8 library, __u16 family,
							   __u16 dport, const __u8 *daddr, __s32 fd, __u64 len,
							   __u64 conn, __u64 start_ns)
{
	struct vigil_conn_data *rec = data_record(id);
	if (!rec)
		return NULL;
	rec->direction = direction;
	rec->library = library;
	rec->family = family;
	rec->dport = dport;
	rec->fd = fd;
	rec->call_len = (__u32)len;
	rec->conn_ptr = conn;
	rec->conn_start_ns = start_ns;
	__builtin_memcpy(rec->daddr, daddr, sizeof(rec->daddr));
	return rec;
}

/* One TLS call's plaintext into the ring, in chunks, advancing the connection's position. */
static __always_inline void emit_tls_call(__u64 id, struct conn_state *cs, __u64 conn, __u64 buf, __u64 moved,
					  __u8 direction, __u8 library, int probe)
{
	struct vigil_conn_data *rec =
		conn_record(id, direction, library, cs->family, cs->dport, cs->daddr, cs->fd, moved, conn, cs->start_ns);
	if (!rec)
		return;
	__u64 pos = cs->pos[direction & 1];
	cs->pos[direction & 1] += moved;
	__u32 cap = moved < max_capture_bytes ? (__u32)moved : max_capture_bytes;
	emit_segment(rec, pos, buf, 0, (__u32)moved, cap, (__u32)moved, probe, VIGIL_MAX_CHUNKS);
}

static __always_inline int ssl_return(struct pt_regs *ctx, __u8 direction)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = (__u32)(id >> 32);
	struct thread_state *t = thread_state(bpf_get_current_task_btf(), 0);
	if (!t || !t->tls_live)
		return 0;
	struct ssl_call *call = &t->tls;

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
	if (!cs || skip_server_side(cs, direction, call->buf, moved))
		goto out;
	if (cs->fd < 0 && call->fd >= 0) {
		cs->fd = call->fd;
		cs->family = call->family;
		cs->dport = call->dport;
		__builtin_memcpy(cs->daddr, call->daddr, sizeof(cs->daddr));
	}
	emit_tls_call(id, cs, call->ssl, call->buf, moved, direction, call->library, probe);
out:
	t->tls_live = 0;
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
	return ssl_enter(ctx, VIGIL_PROBE_SSL_WRITE, (__u64)ssl, (__u64)buf, 0, 0, VIGIL_LIB_OPENSSL);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_return)
{
	return ssl_return(ctx, VIGIL_EGRESS);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf, int num)
{
	return ssl_enter(ctx, VIGIL_PROBE_SSL_READ, (__u64)ssl, (__u64)buf, 0, 0, VIGIL_LIB_OPENSSL);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_return)
{
	return ssl_return(ctx, VIGIL_INGRESS);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_enter, void *ssl, const void *buf, __u64 num, __u64 *written)
{
	return ssl_enter(ctx, VIGIL_PROBE_SSL_WRITE, (__u64)ssl, (__u64)buf, (__u64)written, 1, VIGIL_LIB_OPENSSL);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_enter, void *ssl, void *buf, __u64 num, __u64 *readbytes)
{
	return ssl_enter(ctx, VIGIL_PROBE_SSL_READ, (__u64)ssl, (__u64)buf, (__u64)readbytes, 1, VIGIL_LIB_OPENSSL);
}

/* BoringSSL linked in without symbols (Bun): SSL_write/SSL_read found by their error reports
 * (probe/src/targets/boringssl.ts) and attached by offset; same ABI, same return programs. */
SEC("uprobe")
int BPF_KPROBE(boringssl_write_enter, void *ssl, const void *buf, int num)
{
	return ssl_enter(ctx, VIGIL_PROBE_SSL_WRITE, (__u64)ssl, (__u64)buf, 0, 0, VIGIL_LIB_BORINGSSL);
}

SEC("uprobe")
int BPF_KPROBE(boringssl_read_enter, void *ssl, void *buf, int num)
{
	return ssl_enter(ctx, VIGIL_PROBE_SSL_READ, (__u64)ssl, (__u64)buf, 0, 0, VIGIL_LIB_BORINGSSL);
}

/* GnuTLS: gnutls_record_send/recv(session, data, size) return the byte count like SSL_write and
 * SSL_read, so they share the return programs; the session plays the SSL object's part. */
SEC("uprobe")
int BPF_KPROBE(gnutls_send_enter, void *session, const void *data, __u64 size)
{
	return ssl_enter(ctx, VIGIL_PROBE_SSL_WRITE, (__u64)session, (__u64)data, 0, 0, VIGIL_LIB_GNUTLS);
}

SEC("uprobe")
int BPF_KPROBE(gnutls_recv_enter, void *session, void *data, __u64 size)
{
	return ssl_enter(ctx, VIGIL_PROBE_SSL_READ, (__u64)session, (__u64)data, 0, 0, VIGIL_LIB_GNUTLS);
}

/* The SNI host name a client set on a connection; `len` 0: a NUL-terminated string. */
static __always_inline int emit_sni(__u64 conn, const void *name, __u64 len, __u8 library)
{
	__u32 tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	if (!name || tgid == self_tgid)
		return 0;
	struct conn_state *cs = conn_get(tgid, conn);
	if (!cs)
		return 0;
	struct vigil_tls_sni rec = {
		.type = VIGIL_REC_TLS_SNI,
		.library = library,
		.tgid = tgid,
		.conn_ptr = conn,
		.conn_start_ns = cs->start_ns,
		.ts_ns = bpf_ktime_get_ns(),
	};
	if (len == 0) {
		bpf_probe_read_user_str(rec.name, sizeof(rec.name), name);
	} else {
		__u64 n = len < sizeof(rec.name) - 1 ? len : sizeof(rec.name) - 1;
		bpf_probe_read_user(rec.name, n & (VIGIL_NAME_LEN - 1), name);
	}
	emit(&rec, sizeof(rec), VIGIL_PROBE_SSL_SNI);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_ctrl_enter, void *ssl, int cmd, long larg, const char *parg)
{
	if (cmd != SSL_CTRL_SET_TLSEXT_HOSTNAME)
		return 0;
	return emit_sni((__u64)ssl, parg, 0, VIGIL_LIB_OPENSSL);
}

/* gnutls_server_name_set(session, GNUTLS_NAME_DNS, name, name_length): name need not end in NUL. */
SEC("uprobe")
int BPF_KPROBE(gnutls_sni_enter, void *session, int type, const void *name, __u64 name_length)
{
	if (type != 1 /* GNUTLS_NAME_DNS */ || name_length == 0)
		return 0;
	return emit_sni((__u64)session, name, name_length, VIGIL_LIB_GNUTLS);
}

/* BoringSSL's SSL_set_tlsext_host_name(ssl, name) is a function (OpenSSL's is an SSL_ctrl macro). */
SEC("uprobe")
int BPF_KPROBE(boringssl_sni_enter, void *ssl, const char *name)
{
	return emit_sni((__u64)ssl, name, 0, VIGIL_LIB_BORINGSSL);
}

static __always_inline int conn_free(void *ssl, __u8 library)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = (__u32)(id >> 32);
	if (tgid == self_tgid)
		return 0;
	struct conn_key key = { .ssl = (__u64)ssl, .tgid = tgid };
	struct conn_state *cs = bpf_map_lookup_elem(&conns, &key);
	if (!cs)
		return 0;
	if (cs->server) { /* user space never saw it */
		bpf_map_delete_elem(&conns, &key);
		return 0;
	}
	struct vigil_conn_close rec = {
		.type = VIGIL_REC_CONN_CLOSE,
		.library = library,
		.tgid = tgid,
		.conn_ptr = (__u64)ssl,
		.conn_start_ns = cs->start_ns,
		.ts_ns = bpf_ktime_get_ns(),
	};
	bpf_map_delete_elem(&conns, &key);
	emit(&rec, sizeof(rec), VIGIL_PROBE_SSL_CLOSE);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_free_enter, void *ssl)
{
	return conn_free(ssl, VIGIL_LIB_OPENSSL);
}

SEC("uprobe")
int BPF_KPROBE(gnutls_deinit_enter, void *session)
{
	return conn_free(session, VIGIL_LIB_GNUTLS);
}

/* Reads the peer of a socket fd of the current task; returns the family, 0 if not a TCP/UDP socket. */
static __always_inline __u16 socket_peer(__u64 fd, __u16 *dport, __u8 *daddr)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	struct file *file = NULL;
	if (fd > 0xffff || bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) < 0 || !file)
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
	*dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET)
		bpf_core_read(daddr, 4, &sk->__sk_common.skc_daddr);
	else
		bpf_core_read(daddr, 16, &sk->__sk_common.skc_v6_daddr);
	return family;
}

/*
 * TLS socket identity: while a TLS call is in flight on this thread, the first read/write-family
 * syscall on a socket names the connection's fd, and its peer is read there and then (the
 * process may be gone by the time user space looks). Node's TLS does its socket I/O outside
 * SSL_read/SSL_write (libuv), so its connections keep fd -1.
 */
static __always_inline void note_tls_fd(struct thread_state *t, __u64 fd)
{
	if (!t || !t->tls_live || t->tls.fd >= 0)
		return;
	struct ssl_call *call = &t->tls;
	__u16 family = socket_peer(fd, &call->dport, call->daddr);
	if (!family)
		return;
	call->fd = (__s32)fd;
	call->family = family;
}

/*
 * Plaintext HTTP to in-cluster model servers (Ollama, vLLM, LiteLLM, TGI): connections made
 * with connect() to a watched port are followed through their read/write syscalls and close().
 * Tracepoints rather than kprobes, since kprobes are not enabled on every kernel.
 */
struct sock_key {
	__u32 tgid;
	__s32 fd;
};

struct sock_state {
	__u64 start_ns;
	__u64 pos[2];
	__u16 family;
	__u16 dport;
	__u8 daddr[16];
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct sock_key);
	__type(value, struct sock_state);
} plain_socks SEC(".maps");

/* Watched server ports, filled by the loader (capture.plaintext_ports). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);
	__type(value, __u8);
} plain_ports SEC(".maps");

struct connect_call {
	__s32 fd;
	__u16 family;
	__u16 dport;
	__u8 daddr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct connect_call);
} connecting SEC(".maps");


/* Vectored calls: the first iovecs are captured (HTTP clients write head and body as two). */
#define PLAIN_MAX_IOV 4
#define PLAIN_IOV_CHUNKS 8

struct user_iovec {
	__u64 base;
	__u64 len;
};

SEC("tp/syscalls/sys_enter_connect")
int sys_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	if ((__u32)(id >> 32) == self_tgid)
		return 0;
	struct connect_call c = { .fd = (__s32)ctx->args[0] };
	const void *addr = (const void *)ctx->args[1];
	__u16 family = 0, port_be = 0;
	if (bpf_probe_read_user(&family, sizeof(family), addr) < 0)
		return 0;
	if (family == AF_INET) {
		bpf_probe_read_user(&port_be, sizeof(port_be), addr + 2);
		bpf_probe_read_user(c.daddr, 4, addr + 4);
	} else if (family == AF_INET6) {
		bpf_probe_read_user(&port_be, sizeof(port_be), addr + 2);
		bpf_probe_read_user(c.daddr, 16, addr + 8);
	} else {
		return 0;
	}
	c.family = family;
	c.dport = bpf_ntohs(port_be);
	if (!bpf_map_lookup_elem(&plain_ports, &c.dport))
		return 0;
	__u32 tid = (__u32)id;
	bpf_map_update_elem(&connecting, &tid, &c, BPF_ANY);
	return 0;
}

SEC("tp/syscalls/sys_exit_connect")
int sys_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct connect_call *c = bpf_map_lookup_elem(&connecting, &tid);
	if (!c)
		return 0;
	long ret = ctx->ret;
	if (ret == 0 || ret == -115 /* EINPROGRESS: non-blocking connect under way */) {
		struct sock_key k = { .tgid = (__u32)(id >> 32), .fd = c->fd };
		struct sock_state st = { .start_ns = bpf_ktime_get_ns(), .family = c->family, .dport = c->dport };
		__builtin_memcpy(st.daddr, c->daddr, sizeof(st.daddr));
		bpf_map_update_elem(&plain_socks, &k, &st, BPF_ANY);
		/* Only processes flagged here pay for the socket lookup in data_enter. */
		struct thread_state *leader = thread_state(bpf_get_current_task_btf()->group_leader, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (leader)
			leader->plain_socks = 1;
	}
	bpf_map_delete_elem(&connecting, &tid);
	return 0;
}

SEC("tp/syscalls/sys_enter_close")
int sys_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sock_key k = { .tgid = (__u32)(id >> 32), .fd = (__s32)ctx->args[0] };
	struct sock_state *st = bpf_map_lookup_elem(&plain_socks, &k);
	if (!st)
		return 0;
	struct vigil_conn_close rec = {
		.type = VIGIL_REC_CONN_CLOSE,
		.library = VIGIL_LIB_PLAINTEXT,
		.tgid = k.tgid,
		.conn_ptr = (__u64)(__u32)k.fd,
		.conn_start_ns = st->start_ns,
		.ts_ns = bpf_ktime_get_ns(),
	};
	bpf_map_delete_elem(&plain_socks, &k);
	emit(&rec, sizeof(rec), VIGIL_PROBE_PLAIN_CLOSE);
	return 0;
}

static __always_inline int data_enter(__u64 fd, __u64 buf, __u32 iovcnt, __u8 direction)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct thread_state *t = thread_state(task, 0);
	note_tls_fd(t, fd);
	struct thread_state *leader = t && task->group_leader == task ? t : thread_state(task->group_leader, 0);
	if (!leader || !leader->plain_socks)
		return 0;
	struct sock_key k = { .tgid = (__u32)(bpf_get_current_pid_tgid() >> 32), .fd = (__s32)fd };
	if (!bpf_map_lookup_elem(&plain_socks, &k))
		return 0;
	if (!t)
		t = thread_state(task, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t) {
		count(direction == VIGIL_EGRESS ? VIGIL_PROBE_PLAIN_WRITE : VIGIL_PROBE_PLAIN_READ, 1);
		return 0;
	}
	t->plain = (struct plain_call){ .buf = buf, .fd = (__s32)fd, .iovcnt = iovcnt, .direction = direction };
	t->plain_live = 1;
	return 0;
}

static __always_inline int data_exit(long ret)
{
	struct thread_state *t = thread_state(bpf_get_current_task_btf(), 0);
	if (!t || !t->plain_live)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	struct plain_call *c = &t->plain;
	struct sock_key k = { .tgid = (__u32)(id >> 32), .fd = c->fd };
	struct sock_state *st = bpf_map_lookup_elem(&plain_socks, &k);
	if (ret <= 0 || ret > 0x7fffffff || !st)
		goto out;
	__u8 dir = c->direction & 1;
	int probe = dir == VIGIL_EGRESS ? VIGIL_PROBE_PLAIN_WRITE : VIGIL_PROBE_PLAIN_READ;
	struct vigil_conn_data *rec = conn_record(id, dir, VIGIL_LIB_PLAINTEXT, st->family, st->dport, st->daddr, c->fd,
						  (__u64)ret, (__u64)(__u32)c->fd, st->start_ns);
	if (!rec)
		goto out;
	__u64 pos = st->pos[dir];
	st->pos[dir] += ret;
	__u32 total = (__u32)ret;
	__u32 cap = total < max_capture_bytes ? total : max_capture_bytes;
	if (c->iovcnt == 0) {
		emit_segment(rec, pos, c->buf, 0, total, cap, total, probe, VIGIL_MAX_CHUNKS);
		goto out;
	}
	__u32 done = 0;
	for (int i = 0; i < PLAIN_MAX_IOV; i++) {
		struct user_iovec iov;
		if (i >= c->iovcnt || done >= total)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(c->buf + i * sizeof(iov))) < 0)
			break;
		__u32 len = iov.len < total - done ? (__u32)iov.len : total - done;
		emit_segment(rec, pos, iov.base, done, len, cap, total, probe, PLAIN_IOV_CHUNKS);
		done += len;
	}
	if (done < total && done < cap)
		count(probe, 1); /* bytes beyond the captured iovecs: user space sees the gap */
out:
	t->plain_live = 0;
	return 0;
}

/*
 * One program serves the six data syscalls on entry and one on exit (the loader attaches each
 * to all six tracepoints), so the verifier checks the chunk loops once rather than six times.
 */
#if defined(__TARGET_ARCH_x86)
#define NR_READ 0
#define NR_WRITE 1
#define NR_READV 19
#define NR_WRITEV 20
#define NR_SENDTO 44
#define NR_RECVFROM 45
#elif defined(__TARGET_ARCH_arm64)
#define NR_READ 63
#define NR_WRITE 64
#define NR_READV 65
#define NR_WRITEV 66
#define NR_SENDTO 206
#define NR_RECVFROM 207
#else
#error "syscall numbers for this architecture are not defined"
#endif

SEC("tp/syscalls/sys_enter_write")
int sys_enter_data(struct trace_event_raw_sys_enter *ctx)
{
	switch (ctx->id) {
	case NR_WRITE:
	case NR_SENDTO:
		return data_enter(ctx->args[0], ctx->args[1], 0, VIGIL_EGRESS);
	case NR_WRITEV:
		return data_enter(ctx->args[0], ctx->args[1], (__u32)ctx->args[2], VIGIL_EGRESS);
	case NR_READ:
	case NR_RECVFROM:
		return data_enter(ctx->args[0], ctx->args[1], 0, VIGIL_INGRESS);
	case NR_READV:
		return data_enter(ctx->args[0], ctx->args[1], (__u32)ctx->args[2], VIGIL_INGRESS);
	}
	return 0;
}

SEC("tp/syscalls/sys_exit_write")
int sys_exit_data(struct trace_event_raw_sys_exit *ctx)
{
	return data_exit(ctx->ret);
}

/* sendmsg/recvmsg only name TLS sockets: their msghdr payloads are not followed. */
SEC("tp/syscalls/sys_enter_sendmsg")
int sys_enter_msg(struct trace_event_raw_sys_enter *ctx)
{
	note_tls_fd(thread_state(bpf_get_current_task_btf(), 0), ctx->args[0]);
	return 0;
}

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

/* Go crypto/tls programs (they use the helpers above). */
#include "go_tls.bpf.h"
