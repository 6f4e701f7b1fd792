/* SPDX-License-Identifier: MIT */
/**
 * DOC: libtdx common definitions
 *
 * Conventions that hold for every libtdx function:
 *
 * - Every fallible function returns an int: 0 (or a non-negative count) on
 *   success, a negative errno on failure.  Nothing aborts, exits or prints.
 *   Callers never need to read errno.
 * - Out-parameters are named ret_* and come last; they are written only on
 *   success.
 * - Every handle (ctx, vm, vcpu, mem, attest) keeps a last-error record: the
 *   errno, the step that failed (an ioctl or a validation step), the
 *   offending field and bit, the raw TDX-module status (hw_error) with its
 *   decoded name, and a one-line message.  Read it with
 *   tdx_<module>_get_last_error().  One rule says which record a call
 *   writes: the record of the first handle among its arguments, and only
 *   that one (tdx_vcpu_convert(vcpu, mem, ...): the vCPU's); a constructor
 *   writes the record of the parent handle it takes (tdx_vm_new(): the
 *   context's; tdx_vcpu_new(), tdx_mem_new(): the VM's).  A call taking its
 *   handle as const (an accessor) or given a NULL handle writes nothing.
 *   Values (caps, probe, tdvf, layout, plan, measurement, caps check) are
 *   immutable and have no record; calls without a handle report by errno
 *   and, where that is not enough, their own detail out-parameter
 *   (struct tdx_tdvf_diag, bad_index, ret_bad).
 * - There is no global mutable state.  One thread may use a given handle at
 *   a time; distinct handles may be used concurrently.  Exceptions are
 *   documented where a function is meant for vCPU threads.
 * - Every file descriptor libtdx opens is O_CLOEXEC.
 * - Names are tdx_<module>_<verb>[_<object>], declared in <libtdx/<module>.h>
 *   (module = the object type: ctx, vm, vcpu, mem, caps, ...):
 *   constructors _new / _new_<variant>, release _ref / _unref or _free;
 *   property getters tdx_<module>_get_<property>(); predicates
 *   tdx_<module>_is_<adjective>() / _has(); indexed lists
 *   tdx_<module>_<item>_count() with tdx_<module>_get_<item>(obj, i) and
 *   tdx_<module>_find_<item>(); value helpers tdx_<value>_name(),
 *   _format(), _parse() (status, attr, xfam, exit, ...).
 */
#ifndef LIBTDX_COMMON_H
#define LIBTDX_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * TDX_OPTS() - declare an options struct with its size filled in.
 * @type: struct tag, e.g. tdx_vm_opts
 *
 * Options structs start with "size_t sz".  Zeroed fields mean "default";
 * libtdx reads only the fields that sz covers and rejects a larger struct
 * whose unknown tail is not zero (-EINVAL), so binaries built against an
 * older or newer libtdx behave predictably.  A struct whose sz is 0 (zeroed
 * by hand, not declared with TDX_OPTS()) is rejected with -EINVAL and the
 * message "sz is 0: declare the struct with TDX_OPTS()".
 *
 *   struct tdx_vm_opts o = TDX_OPTS(tdx_vm_opts);
 *   o.ioapic_pins = 24;
 *
 * Rules for extending an options struct (after 0.1 they are the ABI):
 * fields are only appended, never reordered, resized or removed; a new
 * field's zero value means the old behaviour; no struct has padding (the
 * abi suite checks it): where alignment would leave a hole, a member named
 * reserved fills it, must be zero (-EINVAL otherwise) and may later be
 * renamed to a real field of its size, since TDX_OPTS() zeroes members but
 * C does not promise to zero padding.
 */
#ifdef __cplusplus
#define TDX_OPTS(type) ([]() { struct type o_{}; o_.sz = sizeof(o_); return o_; }())
#else
#define TDX_OPTS(type) ((struct type){ .sz = sizeof(struct type) })
#endif

/** tdx_version() - the runtime library version as "MAJOR.MINOR.PATCH". */
const char *tdx_version(void);

/* ---------------------------------------------------------------------- */
/* Errors                                                                  */
/* ---------------------------------------------------------------------- */

/** struct tdx_error - opaque last-error record; read it with the accessors. */
struct tdx_error;

/** tdx_error_get_errno() - the negative errno of the last failure, 0 if none. */
int tdx_error_get_errno(const struct tdx_error *err);
/**
 * tdx_error_get_step() - which step failed: an ioctl ("KVM_TDX_INIT_VM"), a
 * syscall ("open") or a validation step ("validate"); "" if none.
 *
 * An ioctl or syscall name means the kernel (or the TDX module) answered
 * it.  When libtdx refuses by itself before issuing anything (bad order,
 * a limit, a value the host cannot take, a dead TD or a forked child),
 * the step is "validate" (or the name of the value checked: "plan",
 * "tdvf", "measure"), never an ioctl name.
 */
const char *tdx_error_get_step(const struct tdx_error *err);
/** tdx_error_get_field() - the offending field ("attributes", "xfam", ...), or "". */
const char *tdx_error_get_field(const struct tdx_error *err);
/** tdx_error_get_bit() - the offending bit number, or -1 when none applies. */
int tdx_error_get_bit(const struct tdx_error *err);
/** tdx_error_get_hw() - the raw TDX-module status (kvm_tdx_cmd.hw_error), or 0. */
uint64_t tdx_error_get_hw(const struct tdx_error *err);
/** tdx_error_get_message() - a one-line human-readable description, or "". */
const char *tdx_error_get_message(const struct tdx_error *err);

/* ---------------------------------------------------------------------- */
/* Context                                                                 */
/* ---------------------------------------------------------------------- */

/**
 * struct tdx_ctx - a libtdx context: the KVM device, the log callback and
 * the results of kernel probes (cached per context, never globally).
 * Reference counted; VMs hold a reference to their context.
 */
struct tdx_ctx;

/**
 * tdx_ctx_new() - create a context.
 * @device: KVM device path, or NULL for "/dev/kvm".
 * @ret_ctx: the new context (refcount 1).
 *
 * The device is opened lazily, by the first call that needs it, so a
 * context can be created (and tdx_ctx_probe() asked why TDs cannot run) on
 * a machine without KVM.
 *
 * Return: 0, -EINVAL (NULL ret_ctx, empty or over-long path), -ENOMEM.
 */
int tdx_ctx_new(const char *device, struct tdx_ctx **ret_ctx);
/** tdx_ctx_ref() - take a reference; returns @ctx. */
struct tdx_ctx *tdx_ctx_ref(struct tdx_ctx *ctx);
/** tdx_ctx_unref() - drop a reference (NULL is fine); always returns NULL. */
struct tdx_ctx *tdx_ctx_unref(struct tdx_ctx *ctx);
/** tdx_ctx_get_device() - the device path this context uses. */
const char *tdx_ctx_get_device(const struct tdx_ctx *ctx);
/**
 * tdx_ctx_get_fd() - the open /dev/kvm fd (borrowed: do not close it).
 *
 * Return: the fd, or a negative errno from open(2) (-ENOENT, -EACCES, ...).
 */
int tdx_ctx_get_fd(struct tdx_ctx *ctx);
/** tdx_ctx_get_last_error() - the context's last-error record (never NULL). */
const struct tdx_error *tdx_ctx_get_last_error(const struct tdx_ctx *ctx);

/**
 * typedef tdx_log_fn - log callback.
 * @userdata: as given to tdx_ctx_set_log_fn()
 * @priority: syslog priority (LOG_ERR = 3 ... LOG_DEBUG = 7)
 * @msg: one preformatted line, without a trailing newline
 *
 * Called from whichever thread is using an object of that context.
 */
typedef void (*tdx_log_fn)(void *userdata, int priority, const char *msg);

/**
 * tdx_ctx_set_log_fn() - install a log callback (NULL to silence).
 * @max_priority: messages with a priority numerically above this are
 *   dropped (e.g. 6 = LOG_INFO keeps everything but debug).
 *
 * Contexts are silent by default.  If the environment variable TDX_LOG is
 * set to a number when the context is created (read with secure_getenv),
 * messages up to that priority go to stderr until a callback is installed.
 */
void tdx_ctx_set_log_fn(struct tdx_ctx *ctx, tdx_log_fn fn, void *userdata,
			int max_priority);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_COMMON_H */
