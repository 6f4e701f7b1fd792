/* SPDX-License-Identifier: MIT */
/*
 * libtdx internals shared between lib/ files.  Never installed.
 *
 * Internal cross-file functions use the tdx_ prefix too (safe for static
 * links) but are not exported: only TDX_EXPORT symbols listed in
 * lib/libtdx.map are.
 */
#ifndef LIBTDX_INTERNAL_H
#define LIBTDX_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libtdx.h"
#include "uapi/kvm-tdx.h"

#define TDX_EXPORT __attribute__((visibility("default")))
#define TDX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define TDX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- error record (error.c) ----------------------------------------- */
struct tdx_error {
	int err;		/* negative errno, 0 = none */
	int bit;		/* -1 = none */
	uint64_t hw_error;
	char step[40];
	char field[40];
	char msg[256];
};

void tdx_err_clear(struct tdx_error *e);
/*
 * Record a failure and return err (a negative errno) so callers can write
 * "return tdx_err(e, -EINVAL, "validate", NULL, -1, "...")".
 * field may be NULL; bit -1 = none.
 */
int tdx_err(struct tdx_error *e, int err, const char *step, const char *field,
	    int bit, const char *fmt, ...) TDX_PRINTF(6, 7);
/* Same, also recording a TDX-module status; its name is appended. */
int tdx_err_hw(struct tdx_error *e, int err, const char *step, uint64_t hw,
	       const char *fmt, ...) TDX_PRINTF(5, 6);
/*
 * A NULL pointer argument arg of the public call fn: record -EINVAL with
 * step fn and field arg on e (may be NULL) and return -EINVAL.
 */
int tdx_err_null(struct tdx_error *e, const char *fn, const char *arg);
/* Copy a record (e.g. from a child object into its parent). */
void tdx_err_copy(struct tdx_error *dst, const struct tdx_error *src);

/* ---- context (ctx.c, log.c) ----------------------------------------- */
struct tdx_ctx {
	atomic_int refs;
	int kvm_fd;			/* -1 until opened */
	char device[256];
	tdx_log_fn log_fn;
	void *log_data;
	int log_max;			/* syslog priority; -1 = silent */
	struct tdx_error error;
	/*
	 * The TDX capabilities, fetched once per context (they are the TDX
	 * module's and KVM's, fixed while the module is loaded) and then
	 * lent, const, to every VM and copied out by tdx_caps_query().
	 */
	pthread_mutex_t caps_lock;
	struct tdx_caps *caps;
};

void tdx_log(const struct tdx_ctx *ctx, int prio, const char *fmt, ...)
	TDX_PRINTF(3, 4);
#define tdx_dbg(ctx, ...)  tdx_log(ctx, 7, __VA_ARGS__)
#define tdx_info(ctx, ...) tdx_log(ctx, 6, __VA_ARGS__)
#define tdx_warn(ctx, ...) tdx_log(ctx, 4, __VA_ARGS__)

/* Opens the device on first use; records failures in ctx->error. */
int tdx_ctx_open(struct tdx_ctx *ctx);

/* ---- the one place that issues ioctls (kvm.c) ------------------------ */
/*
 * ioctl(2) returning the result or -errno.  Retries EINTR except for the
 * requests whose EINTR carries progress (callers handle those).  Logs the
 * call at debug priority when ctx is non-NULL.
 */
long tdx_kvm_ioctl(const struct tdx_ctx *ctx, int fd, unsigned long req,
		   unsigned long arg);
/* KVM_CHECK_EXTENSION on fd; returns the value (>= 0) or -errno. */
long tdx_kvm_check_ext(const struct tdx_ctx *ctx, int fd, long cap);
/* KVM_ENABLE_CAP with args[0] = arg0. */
int tdx_kvm_enable_cap(const struct tdx_ctx *ctx, int fd, uint32_t cap,
		       uint64_t arg0);
/*
 * KVM_MEMORY_ENCRYPT_OP with a kvm_tdx_cmd.  *hw_error (may be NULL)
 * receives the status the kernel wrote back.  Returns 0 or -errno; no EINTR
 * retry (INIT_MEM_REGION resumes from its own progress).
 */
int tdx_kvm_tdx_cmd(const struct tdx_ctx *ctx, int fd, uint32_t id,
		    uint32_t flags, uint64_t data, uint64_t *hw_error);
/* Name of an ioctl request libtdx issues ("KVM_RUN"), or NULL. */
const char *tdx_kvm_ioctl_name(unsigned long req);
/* Name of a KVM_TDX_* sub-command ("KVM_TDX_INIT_VM"), or "KVM_TDX_?". */
const char *tdx_kvm_tdx_cmd_name(uint32_t id);

/* ---- caps internals (caps.c, caps-check.c) ------------------------- */
/*
 * KVM_TDX_CAPABILITIES on an existing TD VM fd, growing the CPUID array on
 * -E2BIG (the kernel does not say how many it needs), decoded into caps.
 * Errors are recorded in ctx->error.
 */
int tdx_caps_fetch(struct tdx_ctx *ctx, int vm_fd, struct tdx_caps **ret_caps);
/*
 * The context's cached capabilities; on the first call fetched on vm_fd
 * (a TD VM of this context), or, with vm_fd -1, on a throwaway TD VM.
 * Errors are recorded in ctx->error.  Thread-safe.
 */
int tdx_ctx_caps(struct tdx_ctx *ctx, int vm_fd, const struct tdx_caps **ret_caps);
/*
 * The CPUID array for KVM_TDX_INIT_VM: one entry per configurable leaf,
 * value = cfg's entry for that leaf if given, else configurable mask &
 * host_supported value (0 when host is NULL or lacks the leaf: KVM does
 * not support it), with the topology of vcpus vCPUs (one package, one
 * thread per core) in leaves 1, 4, 0xB and 0x1F; 0x80000008 EAX[23:16] =
 * GPAW; TSX/WAITPKG cleared.
 * Fills at most cap entries; returns the count or -E2BIG/-EINVAL (recorded
 * in e).  cfg must already have passed tdx_caps_check_config().
 */
int tdx_caps_build_init_cpuid(const struct tdx_caps *caps,
			      const struct tdx_td_config *cfg,
			      const struct kvm_cpuid2 *host_supported,
			      unsigned int vcpus,
			      struct kvm_cpuid_entry2 *out, size_t cap,
			      struct tdx_error *e);
/* The attributes cfg asks for: its own, or the default when it leaves
 * them 0 without TDX_TD_CONFIG_EXACT_ATTRIBUTES. */
uint64_t tdx_cfg_attributes(const struct tdx_caps *caps,
			    const struct tdx_td_config *cfg);

/* ---- opts helpers --------------------------------------------------- */
/*
 * libbpf-style opts check: opts may be NULL; sz must be at least
 * sizeof(size_t); any bytes past known_sz must be zero.
 */
/*
 * Why an options struct (size_t sz first) cannot be used, or NULL when it
 * can: NULL opts, or sz >= sizeof(size_t) and every byte from known_sz up
 * to sz zero.  known_sz is sizeof the struct, or the offset of its trailing
 * reserved member (reserved fields must be zero, see TDX_OPTS()).
 */
const char *tdx_opts_problem(const void *opts, size_t known_sz);
/* Read field f of opts o (type t) if sz covers it, else default d. */
#define TDX_OPTS_GET(o, f, d) \
	((o) && (o)->sz >= offsetof(__typeof__(*(o)), f) + sizeof((o)->f) ? (o)->f : (d))

/*
 * tdx_caps_check_config() with the first problem (field, bit, message)
 * also recorded in first (may be NULL): what tdx_vm_init() reports.
 * Returns the number of problems or -ENOMEM.
 */
int tdx_caps_check_run(const struct tdx_caps *caps,
		       const struct tdx_td_config *cfg, struct tdx_error *first,
		       struct tdx_caps_check **ret_check);

#endif /* LIBTDX_INTERNAL_H */
