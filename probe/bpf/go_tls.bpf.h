/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Go crypto/tls: uprobes on (*Conn).Write and (*Conn).Read of Go >= 1.17 binaries (register
 * ABI, amd64). Included at the end of vigil.bpf.c: it shares the connection table, the record
 * staging and the chunked copy with the OpenSSL programs.
 *
 * Why not uretprobes: a uretprobe overwrites the return address on the goroutine stack, and Go
 * moves stacks when they grow, so the kernel's saved frame no longer matches and the process
 * crashes. User space instead finds Read's RET instructions by disassembling it and attaches a
 * plain uprobe at every one. At a RET the results are in registers: RAX = n.
 *
 * Why key Read by goroutine: a goroutine blocked in Read (the netpoller parks it) resumes on any
 * OS thread, so entry and return may run on different threads. R14 holds the current g in Go's
 * register ABI, and it is the same g at entry and at RET.
 *
 * Write is captured on the way in, the whole buffer (Write sends all of it unless the
 * connection fails): at its return the request would race the response, which another
 * goroutine reads on another CPU and may report first. The probe sits just after the
 * prologue's stack check rather than at the first instruction, because a call that must grow
 * its stack runs the prologue twice (morestack restarts the function), and the arguments are
 * still in their registers there.
 */
#ifndef VIGIL_GO_TLS_BPF_H
#define VIGIL_GO_TLS_BPF_H

#if defined(__TARGET_ARCH_x86)
/* Go ABIInternal on amd64: arguments and results in RAX, RBX, RCX, ...; the g in R14. */
#define GO_ARG0(ctx) ((ctx)->ax)
#define GO_ARG1(ctx) ((ctx)->bx)
#define GO_ARG2(ctx) ((ctx)->cx)
#define GO_RET0(ctx) ((ctx)->ax)
#define GO_G(ctx) ((ctx)->r14)

struct go_key {
	__u64 g;
	__u32 tgid;
	__u32 _pad;
};

struct go_call {
	__u64 conn; /* *tls.Conn */
	__u64 buf;  /* b []byte data pointer */
};

/* Reads in flight by goroutine. LRU: a goroutine that never reaches a RET (a panic unwinding
 * through Read) leaks nothing. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct go_call);
} go_reads SEC(".maps");

/*
 * The socket under a *tls.Conn, by Go's struct layouts (stable since Go 1.9):
 *   tls.Conn      { conn net.Conn /+0: itab, +8: data/ ... }  data is a *net.TCPConn
 *   net.TCPConn   { conn { fd *netFD /+0/ } }
 *   net.netFD     { pfd poll.FD /+0/ }
 *   poll.FD       { fdmu fdMutex /16 bytes/; Sysfd int /+16/ ... }
 * A conn that is not a TCPConn yields garbage here; socket_peer() then finds no socket at that
 * fd (or the read fails) and the connection keeps fd -1.
 */
static __always_inline __s64 go_conn_fd(__u64 conn)
{
	__u64 data = 0, netfd = 0;
	__s64 sysfd = -1;
	if (bpf_probe_read_user(&data, sizeof(data), (void *)(conn + 8)) < 0 || !data)
		return -1;
	if (bpf_probe_read_user(&netfd, sizeof(netfd), (void *)data) < 0 || !netfd)
		return -1;
	if (bpf_probe_read_user(&sysfd, sizeof(sysfd), (void *)(netfd + 16)) < 0)
		return -1;
	return sysfd;
}

/* One Write's or Read's bytes into the ring, with the shared connection table and chunking. */
static __always_inline void go_emit(__u64 id, __u64 conn, __u64 buf, __s64 moved, __u32 direction)
{
	__u32 tgid = (__u32)(id >> 32);
	int probe = direction == VIGIL_EGRESS ? VIGIL_PROBE_GO_WRITE : VIGIL_PROBE_GO_READ;
	if (moved <= 0 || moved > 0x7fffffff)
		return;
	struct conn_state *cs = conn_get(tgid, conn);
	if (!cs || skip_server_side(cs, (__u8)direction, buf, (__u64)moved))
		return;
	if (cs->fd < 0) {
		__s64 fd = go_conn_fd(conn);
		if (fd >= 0 && fd <= 0xffff) {
			__u16 family = socket_peer((__u64)fd, &cs->dport, cs->daddr);
			if (family) {
				cs->fd = (__s32)fd;
				cs->family = family;
			}
		}
	}
	emit_tls_call(id, cs, conn, buf, (__u64)moved, (__u8)direction, VIGIL_LIB_GO, probe);
}

/* (*Conn).Write(b), just after the stack check: RAX = *Conn, RBX = b's data, RCX = len(b). */
SEC("uprobe")
int go_tls_write(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	if ((__u32)(id >> 32) == self_tgid)
		return 0;
	go_emit(id, GO_ARG0(ctx), GO_ARG1(ctx), (__s64)GO_ARG2(ctx), VIGIL_EGRESS);
	return 0;
}

SEC("uprobe")
int go_tls_read_enter(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = (__u32)(id >> 32);
	if (tgid == self_tgid)
		return 0;
	struct go_key key = { .g = GO_G(ctx), .tgid = tgid };
	struct go_call call = { .conn = GO_ARG0(ctx), .buf = GO_ARG1(ctx) };
	bpf_map_update_elem(&go_reads, &key, &call, BPF_ANY);
	return 0;
}

/* Attached at each RET of (*Conn).Read: RAX = n. */
SEC("uprobe")
int go_tls_read_ret(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct go_key key = { .g = GO_G(ctx), .tgid = (__u32)(id >> 32) };
	struct go_call *found = bpf_map_lookup_elem(&go_reads, &key);
	if (!found)
		return 0;
	struct go_call call = *found;
	bpf_map_delete_elem(&go_reads, &key);
	go_emit(id, call.conn, call.buf, (__s64)GO_RET0(ctx), VIGIL_INGRESS);
	return 0;
}

/*
 * SNI: (*Conn).makeClientHello (receiver RAX = *Conn) calls hostnameInSNI(config.ServerName)
 * (RAX = the string's bytes, RBX = its length) on the same goroutine, before any byte of the
 * connection moves. Both probes sit past the stack check, like Write's.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct go_key);
	__type(value, __u64);
} go_hellos SEC(".maps");

SEC("uprobe")
int go_tls_hello(struct pt_regs *ctx)
{
	__u32 tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	if (tgid == self_tgid)
		return 0;
	struct go_key key = { .g = GO_G(ctx), .tgid = tgid };
	__u64 conn = GO_ARG0(ctx);
	bpf_map_update_elem(&go_hellos, &key, &conn, BPF_ANY);
	return 0;
}

SEC("uprobe")
int go_tls_sni(struct pt_regs *ctx)
{
	struct go_key key = { .g = GO_G(ctx), .tgid = (__u32)(bpf_get_current_pid_tgid() >> 32) };
	__u64 *conn = bpf_map_lookup_elem(&go_hellos, &key);
	if (!conn)
		return 0;
	__u64 c = *conn;
	bpf_map_delete_elem(&go_hellos, &key);
	if (GO_ARG1(ctx) == 0) /* no ServerName: nothing to report */
		return 0;
	return emit_sni(c, (const void *)GO_ARG0(ctx), GO_ARG1(ctx), VIGIL_LIB_GO);
}

/* (*Conn).Close: the reassembler can flush the connection. */
SEC("uprobe")
int go_tls_close_enter(struct pt_regs *ctx)
{
	return conn_free((void *)GO_ARG0(ctx), VIGIL_LIB_GO);
}
#endif /* __TARGET_ARCH_x86 */

#endif /* VIGIL_GO_TLS_BPF_H */
