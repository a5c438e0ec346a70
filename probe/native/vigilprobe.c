// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libvigilprobe: see vigilprobe.h. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#include "events.h"
#include "vigilprobe.h"
#include "vigil.skel.h"

/* One TLS target's links: entry and return probes of the four data functions, SSL_ctrl, SSL_free. */
#define LINKS_PER_TARGET 10

struct target {
	int used;
	struct bpf_link *links[LINKS_PER_TARGET];
};

struct handle {
	int used;
	struct vigil *skel;
	struct ring_buffer *rb;
	struct bpf_link **tracepoints;
	int n_tracepoints;
	struct target targets[VIGIL_MAX_TARGETS];
	/* Links made by vigil_attach_uprobe (NULL: free slot), grown on demand. */
	struct bpf_link **uprobes;
	int n_uprobes;
	uint8_t *batch;
	size_t batch_len;
	int batch_full;
};

static struct handle handles[VIGIL_MAX_HANDLES];

/* libbpf's last warning, kept to explain a failure to the caller. */
static __thread char last_libbpf_msg[512];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(last_libbpf_msg, sizeof(last_libbpf_msg), fmt, args);
	size_t n = strlen(last_libbpf_msg);
	while (n > 0 && last_libbpf_msg[n - 1] == '\n')
		last_libbpf_msg[--n] = 0;
	return 0;
}

static int fail(uint8_t *err, int32_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf((char *)err, (size_t)errlen, fmt, ap);
		va_end(ap);
		if (n >= 0 && n < errlen && last_libbpf_msg[0])
			snprintf((char *)err + n, (size_t)(errlen - n), " (libbpf: %s)", last_libbpf_msg);
	}
	last_libbpf_msg[0] = 0;
	return code < 0 ? code : -code;
}

static struct handle *get(int h)
{
	if (h < 0 || h >= VIGIL_MAX_HANDLES || !handles[h].used)
		return NULL;
	return &handles[h];
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct handle *hd = ctx;
	size_t framed = 8 + ((len + 7) & ~(size_t)7);
	/* The caller sized the batch for at least two maximal records, so this always fits. */
	uint32_t hdr[2] = { (uint32_t)len, 0 };
	memcpy(hd->batch + hd->batch_len, hdr, sizeof(hdr));
	memcpy(hd->batch + hd->batch_len + 8, data, len);
	memset(hd->batch + hd->batch_len + 8 + len, 0, framed - 8 - len);
	hd->batch_len += framed;
	/* Stop consuming before a further maximal record could overflow; the record just copied
	 * is already consumed, so nothing is lost. */
	size_t max_framed = 8 + sizeof(struct vigil_conn_data) + VIGIL_CHUNK_BYTES + 8;
	if (VIGIL_BATCH_BYTES - hd->batch_len < max_framed) {
		hd->batch_full = 1;
		return -E2BIG;
	}
	return 0;
}

int vigil_open(uint32_t ringbuf_bytes, uint32_t max_capture_bytes, uint32_t self_tgid,
	       uint32_t fatal_signal_mask, uint32_t server_side, uint8_t *err, int32_t errlen)
{
	libbpf_set_print(libbpf_print);
	last_libbpf_msg[0] = 0;
	/* libbpf parses the kernel's BTF into large growing arrays; a fixed mmap threshold gives
	 * them back to the system when freed instead of leaving them in a fragmented heap. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	int h;
	for (h = 0; h < VIGIL_MAX_HANDLES && handles[h].used; h++)
		;
	if (h == VIGIL_MAX_HANDLES)
		return fail(err, errlen, EMFILE, "too many open probe handles");
	if (ringbuf_bytes < 4096 || (ringbuf_bytes & (ringbuf_bytes - 1)))
		return fail(err, errlen, EINVAL, "ring buffer size %u is not a power of two >= 4096", ringbuf_bytes);
	if (max_capture_bytes > (uint32_t)VIGIL_CHUNK_BYTES * VIGIL_MAX_CHUNKS)
		return fail(err, errlen, EINVAL, "capture limit %u exceeds the maximum %u", max_capture_bytes,
			    (uint32_t)VIGIL_CHUNK_BYTES * VIGIL_MAX_CHUNKS);

	struct handle *hd = &handles[h];
	memset(hd, 0, sizeof(*hd));
	/* The verifier gives up with EAGAIN whenever a signal is pending for the loading thread, and
	 * a profiler's SIGPROF (1 kHz) or a burst of SIGCHLDs outruns any retry: hold this thread's
	 * signals during the load (process-wide ones go to another thread; thread-directed ones wait). */
	sigset_t all, old;
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = 0, opened = 0;
	hd->skel = vigil__open();
	if (!hd->skel) {
		rc = -(errno ? errno : ENOMEM);
	} else {
		opened = 1;
		hd->skel->rodata->self_tgid = self_tgid;
		hd->skel->rodata->max_capture_bytes = max_capture_bytes;
		hd->skel->rodata->fatal_signal_mask = fatal_signal_mask;
		hd->skel->rodata->capture_server_side = server_side ? 1 : 0;
		bpf_map__set_max_entries(hd->skel->maps.events, ringbuf_bytes);
		rc = vigil__load(hd->skel);
		if (rc) {
			rc = errno ? -errno : rc;
			vigil__destroy(hd->skel);
			hd->skel = NULL;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!opened)
		return fail(err, errlen, -rc, "opening the BPF object failed");
	if (rc) {
		int e = -rc;
		if (e == EPERM)
			return fail(err, errlen, EPERM,
				    "loading BPF programs was refused (EPERM): run as root, or grant CAP_BPF, "
				    "CAP_PERFMON and CAP_SYS_RESOURCE");
		return fail(err, errlen, e, "loading BPF programs failed: %s", strerror(e));
	}
	hd->batch = malloc(VIGIL_BATCH_BYTES);
	hd->rb = ring_buffer__new(bpf_map__fd(hd->skel->maps.events), on_record, hd, NULL);
	if (!hd->batch || !hd->rb) {
		int e = errno;
		free(hd->batch);
		vigil__destroy(hd->skel);
		return fail(err, errlen, e, "setting up the ring buffer failed: %s", strerror(e));
	}
	hd->used = 1;
	/* Loading parsed the kernel's BTF (tens of MB); give that heap back to the system. */
	malloc_trim(0);
	return h;
}

int vigil_attach_tracepoints(int handle, uint8_t *err, int32_t errlen)
{
	struct handle *hd = get(handle);
	if (!hd)
		return fail(err, errlen, EBADF, "bad handle %d", handle);
	struct vigil *k = hd->skel;
	/* Each program and the tracepoints it serves (NULL: its own section's tracepoint). */
	struct {
		struct bpf_program *prog;
		const char *tp;
	} plan[] = {
		{ k->progs.handle_exec, NULL },	       { k->progs.handle_exit, NULL },
		{ k->progs.handle_mark_victim, NULL }, { k->progs.sys_enter_connect, NULL },
		{ k->progs.sys_exit_connect, NULL },   { k->progs.sys_enter_close, NULL },
		{ k->progs.sys_enter_data, "sys_enter_write" },	  { k->progs.sys_enter_data, "sys_enter_sendto" },
		{ k->progs.sys_enter_data, "sys_enter_writev" },  { k->progs.sys_enter_data, "sys_enter_read" },
		{ k->progs.sys_enter_data, "sys_enter_recvfrom" }, { k->progs.sys_enter_data, "sys_enter_readv" },
		{ k->progs.sys_exit_data, "sys_exit_write" },	  { k->progs.sys_exit_data, "sys_exit_sendto" },
		{ k->progs.sys_exit_data, "sys_exit_writev" },	  { k->progs.sys_exit_data, "sys_exit_read" },
		{ k->progs.sys_exit_data, "sys_exit_recvfrom" },  { k->progs.sys_exit_data, "sys_exit_readv" },
		{ k->progs.sys_enter_msg, "sys_enter_sendmsg" },  { k->progs.sys_enter_msg, "sys_enter_recvmsg" },
	};
	int n = (int)(sizeof(plan) / sizeof(plan[0]));
	hd->tracepoints = calloc((size_t)n, sizeof(*hd->tracepoints));
	if (!hd->tracepoints)
		return fail(err, errlen, ENOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		struct bpf_link *l = plan[i].tp ? bpf_program__attach_tracepoint(plan[i].prog, "syscalls", plan[i].tp)
						: bpf_program__attach(plan[i].prog);
		if (!l) {
			int e = errno;
			return fail(err, errlen, e, "attaching tracepoint %s failed: %s (is tracefs mounted at "
				    "/sys/kernel/tracing?)", plan[i].tp ? plan[i].tp : bpf_program__section_name(plan[i].prog),
				    strerror(e));
		}
		hd->tracepoints[hd->n_tracepoints++] = l;
	}
	return 0;
}

int vigil_watch_port(int handle, uint32_t port)
{
	struct handle *hd = get(handle);
	if (!hd)
		return -EBADF;
	if (port == 0 || port > 65535)
		return -EINVAL;
	__u16 key = (__u16)port;
	__u8 one = 1;
	if (bpf_map_update_elem(bpf_map__fd(hd->skel->maps.plain_ports), &key, &one, BPF_ANY))
		return -errno;
	return 0;
}

static struct bpf_link *attach_uprobe(struct bpf_program *prog, const char *path, const char *func, int ret)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = func, .retprobe = ret != 0);
	return bpf_program__attach_uprobe_opts(prog, -1, path, 0, &opts);
}

static void destroy_target(struct target *t)
{
	for (int i = 0; i < LINKS_PER_TARGET; i++) {
		if (t->links[i])
			bpf_link__destroy(t->links[i]);
		t->links[i] = NULL;
	}
	t->used = 0;
}

struct probe_plan {
	struct bpf_program *prog;
	const char *func;
	int ret;
	int required;
};

/* Which programs go on which functions of a library. NULL-terminated by prog. */
static int plan_for(struct vigil *k, uint32_t library, struct probe_plan *plan)
{
	if (library == VIGIL_LIB_OPENSSL) {
		struct probe_plan p[] = {
			{ k->progs.ssl_write_enter, "SSL_write", 0, 1 },
			{ k->progs.ssl_write_return, "SSL_write", 1, 1 },
			{ k->progs.ssl_read_enter, "SSL_read", 0, 1 },
			{ k->progs.ssl_read_return, "SSL_read", 1, 1 },
			/* The _ex variants share the return programs, which know the call kind from the
			 * entry (the byte count comes through a pointer rather than the return value). */
			{ k->progs.ssl_write_ex_enter, "SSL_write_ex", 0, 0 },
			{ k->progs.ssl_write_return, "SSL_write_ex", 1, 0 },
			{ k->progs.ssl_read_ex_enter, "SSL_read_ex", 0, 0 },
			{ k->progs.ssl_read_return, "SSL_read_ex", 1, 0 },
			{ k->progs.ssl_ctrl_enter, "SSL_ctrl", 0, 0 },
			{ k->progs.ssl_free_enter, "SSL_free", 0, 0 },
			{ NULL, NULL, 0, 0 },
		};
		memcpy(plan, p, sizeof(p));
		return 0;
	}
	if (library == VIGIL_LIB_GNUTLS) {
		struct probe_plan p[] = {
			{ k->progs.gnutls_send_enter, "gnutls_record_send", 0, 1 },
			{ k->progs.ssl_write_return, "gnutls_record_send", 1, 1 },
			{ k->progs.gnutls_recv_enter, "gnutls_record_recv", 0, 1 },
			{ k->progs.ssl_read_return, "gnutls_record_recv", 1, 1 },
			{ k->progs.gnutls_sni_enter, "gnutls_server_name_set", 0, 0 },
			{ k->progs.gnutls_deinit_enter, "gnutls_deinit", 0, 0 },
			{ NULL, NULL, 0, 0 },
		};
		memcpy(plan, p, sizeof(p));
		return 0;
	}
	return -EINVAL;
}

int vigil_attach_tls(int handle, const char *path, uint32_t library, uint8_t *err, int32_t errlen)
{
	struct handle *hd = get(handle);
	if (!hd)
		return fail(err, errlen, EBADF, "bad handle %d", handle);
	struct probe_plan plan[LINKS_PER_TARGET + 1];
	if (plan_for(hd->skel, library, plan))
		return fail(err, errlen, EINVAL, "unknown TLS library kind %u", library);
	int id;
	for (id = 0; id < VIGIL_MAX_TARGETS && hd->targets[id].used; id++)
		;
	if (id == VIGIL_MAX_TARGETS)
		return fail(err, errlen, ENOSPC, "too many TLS targets (%d)", VIGIL_MAX_TARGETS);
	struct target *t = &hd->targets[id];
	memset(t, 0, sizeof(*t));
	t->used = 1;
	for (int i = 0; plan[i].prog; i++) {
		last_libbpf_msg[0] = 0;
		t->links[i] = attach_uprobe(plan[i].prog, path, plan[i].func, plan[i].ret);
		if (!t->links[i] && plan[i].required) {
			int e = errno;
			destroy_target(t);
			if (e == ENOENT || e == ESRCH)
				return fail(err, errlen, ENOENT, "%s exports no %s symbol", path, plan[i].func);
			return fail(err, errlen, e, "attaching %s to %s failed: %s", plan[i].func, path, strerror(e));
		}
	}
	return id;
}

int vigil_attach_uprobe(int handle, const char *prog, const char *path, uint64_t file_offset, int32_t retprobe,
			uint8_t *err, int32_t errlen)
{
	struct handle *hd = get(handle);
	if (!hd)
		return fail(err, errlen, EBADF, "bad handle %d", handle);
	struct bpf_program *p = bpf_object__find_program_by_name(hd->skel->obj, prog);
	if (!p || bpf_program__type(p) != BPF_PROG_TYPE_KPROBE)
		return fail(err, errlen, ENOENT, "no uprobe program %s in this build", prog);
	int id;
	for (id = 0; id < hd->n_uprobes && hd->uprobes[id]; id++)
		;
	if (id == hd->n_uprobes) {
		int n = hd->n_uprobes ? hd->n_uprobes * 2 : 64;
		struct bpf_link **grown = realloc(hd->uprobes, (size_t)n * sizeof(*grown));
		if (!grown)
			return fail(err, errlen, ENOMEM, "out of memory");
		memset(grown + hd->n_uprobes, 0, (size_t)(n - hd->n_uprobes) * sizeof(*grown));
		hd->uprobes = grown;
		hd->n_uprobes = n;
	}
	last_libbpf_msg[0] = 0;
	/* No func_name: libbpf hands the offset to the kernel as a file offset. */
	struct bpf_link *l = bpf_program__attach_uprobe(p, retprobe != 0, -1, path, (size_t)file_offset);
	if (!l) {
		int e = errno;
		return fail(err, errlen, e, "attaching %s at offset 0x%llx of %s failed: %s", prog,
			    (unsigned long long)file_offset, path, strerror(e));
	}
	hd->uprobes[id] = l;
	return id;
}

int vigil_detach_uprobe(int handle, int link)
{
	struct handle *hd = get(handle);
	if (!hd)
		return -EBADF;
	if (link < 0 || link >= hd->n_uprobes || !hd->uprobes[link])
		return -EINVAL;
	bpf_link__destroy(hd->uprobes[link]);
	hd->uprobes[link] = NULL;
	return 0;
}

int vigil_poll(int handle)
{
	struct handle *hd = get(handle);
	if (!hd)
		return -EBADF;
	hd->batch_len = 0;
	hd->batch_full = 0;
	int rc = ring_buffer__consume(hd->rb);
	if (rc < 0 && !hd->batch_full)
		return rc;
	return (int)hd->batch_len;
}

uint8_t *vigil_batch(int handle)
{
	struct handle *hd = get(handle);
	return hd ? hd->batch : NULL;
}

int vigil_read_counters(int handle, uint8_t *out, int32_t outlen)
{
	struct handle *hd = get(handle);
	if (!hd)
		return -EBADF;
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	struct vigil_counters *per_cpu = calloc((size_t)ncpu, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	__u32 zero = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(hd->skel->maps.counters), &zero, per_cpu)) {
		int e = errno;
		free(per_cpu);
		return -e;
	}
	struct vigil_counters sum;
	memset(&sum, 0, sizeof(sum));
	for (int c = 0; c < ncpu; c++)
		for (int p = 0; p < VIGIL_PROBE_MAX; p++) {
			sum.events[p] += per_cpu[c].events[p];
			sum.lost[p] += per_cpu[c].lost[p];
		}
	free(per_cpu);
	int n = (int)(sizeof(sum) / sizeof(__u64));
	if (outlen < (int32_t)sizeof(sum))
		return -ENOSPC;
	memcpy(out, &sum, sizeof(sum));
	return n;
}

void vigil_close(int handle)
{
	struct handle *hd = get(handle);
	if (!hd)
		return;
	for (int i = 0; i < VIGIL_MAX_TARGETS; i++)
		if (hd->targets[i].used)
			destroy_target(&hd->targets[i]);
	for (int i = 0; i < hd->n_uprobes; i++)
		if (hd->uprobes[i])
			bpf_link__destroy(hd->uprobes[i]);
	free(hd->uprobes);
	for (int i = 0; i < hd->n_tracepoints; i++)
		bpf_link__destroy(hd->tracepoints[i]);
	free(hd->tracepoints);
	ring_buffer__free(hd->rb);
	vigil__destroy(hd->skel);
	free(hd->batch);
	memset(hd, 0, sizeof(*hd));
}
