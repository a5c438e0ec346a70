/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libvigilprobe: a thin C shim over libbpf that the TypeScript agent calls through ffi-rs.
 * Plain C ABI on purpose (ints, strings and byte buffers only) so the FFI layer needs no struct
 * marshalling. Errors are negative errno values, with a message written into the caller's
 * `err` buffer. Records are moved in batches: one vigil_poll call fills the handle's batch
 * buffer with as many ring-buffer records as fit, each framed as
 *   [u32 length][u32 reserved][length bytes][zero padding to 8 bytes].
 */
#ifndef VIGILPROBE_H
#define VIGILPROBE_H

#include <stdint.h>

#define VIGIL_MAX_HANDLES 8
#define VIGIL_MAX_TARGETS 1024
#define VIGIL_BATCH_BYTES (2 * 1024 * 1024)

/* Opens and loads the probes. Returns a handle (>= 0) or -errno. */
int vigil_open(uint32_t ringbuf_bytes, uint32_t max_capture_bytes, uint32_t self_tgid,
	       uint32_t fatal_signal_mask, uint32_t server_side, uint8_t *err, int32_t errlen);

/* Attaches the crash and socket-identity tracepoints. 0 or -errno. */
int vigil_attach_tracepoints(int handle, uint8_t *err, int32_t errlen);

/* Follows plaintext connections made to this server port (in-cluster model servers). */
int vigil_watch_port(int handle, uint32_t port);

/* Attaches the TLS uprobes for one library kind (enum vigil_library: OpenSSL, GnuTLS) to one
 * file exporting its functions; they stay until vigil_close. Returns a target id (>= 0), or
 * -ENOENT when the file lacks the functions, or another -errno. */
int vigil_attach_tls(int handle, const char *path, uint32_t library, uint8_t *err, int32_t errlen);

/* Attaches the uprobe program named `prog` (a SEC("uprobe") program of the object, e.g.
 * go_tls_read_ret) at byte `file_offset` of the file at `path`, as a uretprobe when `retprobe`
 * is non-zero. For targets found by user space rather than by an exported symbol (Go binaries:
 * entry points from .gopclntab, RET instructions found by disassembly; BoringSSL without
 * symbols). Returns a link id (>= 0) for vigil_detach_uprobe, or -errno (-ENOENT: no such
 * program). Links also go at vigil_close. */
int vigil_attach_uprobe(int handle, const char *prog, const char *path, uint64_t file_offset, int32_t retprobe,
			uint8_t *err, int32_t errlen);

/* Detaches one link made by vigil_attach_uprobe. 0 or -errno. */
int vigil_detach_uprobe(int handle, int link);

/* Copies the pending records, as many as fit, into the batch buffer without waiting (the probes
 * send no wake-ups: the caller polls on its own schedule). Returns the bytes written (0: none
 * pending) or -errno. */
int vigil_poll(int handle);

/* The batch buffer filled by vigil_poll (owned by the handle until vigil_close). */
uint8_t *vigil_batch(int handle);

/* Sums the per-CPU counters into out: VIGIL_PROBE_MAX event counts, then as many loss
 * counts. Returns the number of u64 values written or -errno. */
int vigil_read_counters(int handle, uint8_t *out, int32_t outlen);

/* Detaches everything and frees the handle. */
void vigil_close(int handle);

#endif
