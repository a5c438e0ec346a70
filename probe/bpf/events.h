/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one kernel/user contract of Vigil's probes: every record the BPF programs put in the
 * ring buffer is one of the structs below. The TypeScript decoders (probe/src/abi/) mirror
 * these layouts, and probe/src/abi/layout.test.ts checks them against the BTF of the built
 * object, so a change here that is not mirrored there fails the tests.
 *
 * Rules (from OTel eBPF instrumentation and Pixie's socket tracer):
 *  - every record starts with a one-byte type;
 *  - no packed structs: fields are ordered by size so there is no implicit padding, and the
 *    header turns -Wpadded into an error to prove it; explicit _pad fields where needed;
 *  - every data record carries its byte position in the connection stream so user space can
 *    detect gaps.
 */
#ifndef VIGIL_EVENTS_H
#define VIGIL_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Implicit padding in a contract struct is an error (in the BPF build and the shim alike). */
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wpadded"

#define VIGIL_COMM_LEN 16
#define VIGIL_NAME_LEN 128
#define VIGIL_PATH_LEN 256
/* One TLS data record carries at most this many plaintext bytes (a TLS record's worth). */
#define VIGIL_CHUNK_BYTES 16384
/* Upper bound of the per-call capture limit: VIGIL_MAX_CHUNKS chunks (4 MiB). */
#define VIGIL_MAX_CHUNKS 256

enum vigil_record_type {
	VIGIL_REC_CONN_DATA = 1,
	VIGIL_REC_TLS_SNI = 2,
	VIGIL_REC_CONN_CLOSE = 3,
	VIGIL_REC_EXEC = 4,
	VIGIL_REC_EXIT = 5,
};

enum vigil_direction {
	VIGIL_EGRESS = 0,  /* written by the process (SSL_write) */
	VIGIL_INGRESS = 1, /* read by the process (SSL_read) */
};

/* Where a connection's plaintext came from. */
enum vigil_library {
	VIGIL_LIB_OPENSSL = 1,   /* uprobes on SSL_read/SSL_write */
	VIGIL_LIB_PLAINTEXT = 2, /* socket syscalls of a connection to a watched port */
	VIGIL_LIB_GNUTLS = 3,    /* uprobes on gnutls_record_send/gnutls_record_recv */
	VIGIL_LIB_GO = 4,        /* uprobes on Go crypto/tls (*Conn).Write, (*Conn).Read and its RETs */
	VIGIL_LIB_BORINGSSL = 5, /* uprobes on SSL_read/SSL_write located in BoringSSL without symbols */
};

enum vigil_data_flags {
	VIGIL_F_TRUNCATED = 1,  /* the call moved more bytes than the capture limit */
	VIGIL_F_LAST_CHUNK = 2, /* last captured chunk of this call */
};

enum vigil_exit_reason {
	VIGIL_EXIT_CODE = 1,   /* exited with a non-zero status */
	VIGIL_EXIT_SIGNAL = 2, /* killed by a fatal signal */
	VIGIL_EXIT_OOM = 3,    /* chosen by the OOM killer (oom/mark_victim), then died */
};

/* Indexes of the per-probe counters (events emitted, records lost to a full ring). */
enum vigil_probe_id {
	VIGIL_PROBE_SSL_WRITE = 0,
	VIGIL_PROBE_SSL_READ = 1,
	VIGIL_PROBE_SSL_SNI = 2,
	VIGIL_PROBE_SSL_CLOSE = 3,
	VIGIL_PROBE_EXEC = 4,
	VIGIL_PROBE_EXIT = 5,
	VIGIL_PROBE_OOM = 6,
	VIGIL_PROBE_PLAIN_WRITE = 7,
	VIGIL_PROBE_PLAIN_READ = 8,
	VIGIL_PROBE_PLAIN_CLOSE = 9,
	VIGIL_PROBE_GO_WRITE = 10,
	VIGIL_PROBE_GO_READ = 11,
	VIGIL_PROBE_MAX = 12,
};

struct vigil_counters {
	__u64 events[VIGIL_PROBE_MAX];
	__u64 lost[VIGIL_PROBE_MAX];
};

/* Plaintext moved by one TLS call or socket syscall (or one chunk of it). For OpenSSL the
 * connection is the SSL object, for Go the *tls.Conn; for plaintext sockets conn_ptr is the fd. */
struct vigil_conn_data {
	__u8 type; /* VIGIL_REC_CONN_DATA */
	__u8 direction;
	__u8 library;
	__u8 flags;
	__u16 family; /* AF_INET / AF_INET6 of the socket; 0 when not known */
	__u16 dport;  /* peer port, host byte order */
	__u32 pid;    /* thread id */
	__u32 tgid;
	__s32 fd;       /* socket fd, -1 when not known */
	__u32 call_len; /* bytes the call moved */
	__u32 chunk_off; /* offset of this chunk in the call */
	__u32 data_len;  /* bytes of data[] in this record */
	__u64 ts_ns;
	__u64 conn_ptr;      /* SSL*, or the socket fd */
	__u64 conn_start_ns; /* when the sensor first saw this connection in this process */
	__u64 stream_pos;    /* position of data[0] in this direction's stream */
	__u64 cgroup_id;
	__u8 daddr[16]; /* IPv4 in the first 4 bytes, or IPv6 */
	char comm[VIGIL_COMM_LEN];
	__u8 data[];
};

/* The client set an SNI host name on a connection (SSL_ctrl SSL_CTRL_SET_TLSEXT_HOSTNAME, gnutls_server_name_set). */
struct vigil_tls_sni {
	__u8 type; /* VIGIL_REC_TLS_SNI */
	__u8 library;
	__u16 _pad0;
	__u32 tgid;
	__u64 conn_ptr;
	__u64 conn_start_ns;
	__u64 ts_ns;
	char name[VIGIL_NAME_LEN];
};

/* The connection ended (SSL_free, or close() of a watched socket): the reassembler can flush it. */
struct vigil_conn_close {
	__u8 type; /* VIGIL_REC_CONN_CLOSE */
	__u8 library;
	__u16 _pad0;
	__u32 tgid;
	__u64 conn_ptr;
	__u64 conn_start_ns;
	__u64 ts_ns;
};

/* A process called exec(): user space looks for TLS libraries to attach to. */
struct vigil_exec {
	__u8 type; /* VIGIL_REC_EXEC */
	__u8 _pad0;
	__u16 _pad1;
	__u32 tgid;
	__u32 ppid;
	__u32 _pad2;
	__u64 ts_ns;
	__u64 cgroup_id;
	char comm[VIGIL_COMM_LEN];
	char filename[VIGIL_PATH_LEN];
};

/* A process ended badly: non-zero exit, fatal signal, or OOM kill. One per process. */
struct vigil_exit {
	__u8 type; /* VIGIL_REC_EXIT */
	__u8 reason;
	__u8 signal;
	__u8 core_dumped;
	__s32 exit_code; /* exit status (0-255) when reason is VIGIL_EXIT_CODE */
	__u32 pid;
	__u32 tgid;
	__u32 ppid;
	__s32 oom_score_adj;
	__u64 ts_ns;
	__u64 cgroup_id;
	__u64 total_vm_kb; /* OOM only: the victim's memory at the kill */
	__u64 anon_rss_kb;
	__u64 file_rss_kb;
	__u64 shmem_rss_kb;
	char comm[VIGIL_COMM_LEN];
	char cgroup[VIGIL_NAME_LEN]; /* leaf cgroup name (holds the container id in most runtimes) */
};

#pragma GCC diagnostic pop

#endif /* VIGIL_EVENTS_H */
