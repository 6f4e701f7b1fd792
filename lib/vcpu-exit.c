/* SPDX-License-Identifier: MIT */
/* KVM_RUN and decoding of TD exits into struct tdx_exit; answering them. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "vm-internal.h"
#include "vcpu-internal.h"

/* x86 register numbers in system_event.data[] for ReportFatalError. */
enum { R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI,
       R_8, R_9, R_10, R_11, R_12, R_13, R_14, R_15 };

#define FATAL_GPA_VALID (1ULL << 63)

static const char *const exit_names[] = {
	[TDX_EXIT_IO] = "io",
	[TDX_EXIT_MMIO] = "mmio",
	[TDX_EXIT_MEMORY_FAULT] = "memory-fault",
	[TDX_EXIT_MAP_GPA] = "map-gpa",
	[TDX_EXIT_GET_QUOTE] = "get-quote",
	[TDX_EXIT_SETUP_EVENT_NOTIFY] = "setup-event-notify",
	[TDX_EXIT_GET_TDVMCALL_INFO] = "get-tdvmcall-info",
	[TDX_EXIT_FATAL] = "fatal",
	[TDX_EXIT_SHUTDOWN] = "shutdown",
	[TDX_EXIT_FAIL_ENTRY] = "fail-entry",
	[TDX_EXIT_INTERNAL_ERROR] = "internal-error",
	[TDX_EXIT_INTR] = "interrupted",
	[TDX_EXIT_TDX_UNKNOWN] = "tdx-unknown",
	[TDX_EXIT_OTHER] = "other",
};

TDX_EXPORT const char *tdx_exit_type_name(uint32_t type)
{
	if (type < TDX_ARRAY_SIZE(exit_names) && exit_names[type])
		return exit_names[type];
	return "unknown";
}

/* The guest's message: registers R14, R15, RBX, RDI, RSI, R8, R9, RDX in
 * that order, each only if its bit is set in the mask (RCX). */
static void decode_fatal(const struct kvm_run *run, struct tdx_exit *ex)
{
	static const int order[] = { R_14, R_15, R_BX, R_DI, R_SI, R_8, R_9, R_DX };
	const __u64 *d = run->system_event.data;
	uint32_t ndata = run->system_event.ndata;
	uint64_t mask;
	size_t i, len = 0;

	ex->type = TDX_EXIT_FATAL;
	if (ndata < 16) {	/* not the layout KVM documents: report what we can */
		ex->u.fatal.code_valid = 0;
		return;
	}
	ex->u.fatal.error_code = d[R_12];
	ex->u.fatal.code_valid = (d[R_12] & 0xffff) == 0;
	if (d[R_12] & FATAL_GPA_VALID) {
		ex->u.fatal.has_gpa = 1;
		ex->u.fatal.gpa = d[R_13];
	}
	mask = d[R_CX];
	for (i = 0; i < TDX_ARRAY_SIZE(order); i++) {
		uint64_t v = d[order[i]];
		int b;

		if (!(mask & (1ULL << order[i])))
			continue;
		for (b = 0; b < 8 && len < TDX_FATAL_MESSAGE_MAX; b++) {
			unsigned char c = (unsigned char)(v >> (8 * b));

			ex->u.fatal.message[len++] = (char)c;
		}
	}
	/* The guest is untrusted: stop at its NUL, make the rest printable. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)ex->u.fatal.message[i];

		if (!c)
			break;
		if (c < 0x20 || c > 0x7e)
			ex->u.fatal.message[i] = '?';
	}
	ex->u.fatal.message_len = (uint8_t)i;
	ex->u.fatal.message[i] = 0;
}

static void decode_tdx(struct kvm_run *run, struct tdx_exit *ex)
{
	struct libtdx_run_tdx *t = libtdx_run_exit(run);

	switch (t->nr) {
	case LIBTDX_TDVMCALL_GET_QUOTE:
		ex->type = TDX_EXIT_GET_QUOTE;
		ex->u.get_quote.gpa = t->get_quote.gpa;
		ex->u.get_quote.size = t->get_quote.size;
		break;
	case LIBTDX_TDVMCALL_SETUP_EVENT_NOTIFY_INTERRUPT:
		ex->type = TDX_EXIT_SETUP_EVENT_NOTIFY;
		ex->u.notify.vector = t->setup_event_notify.vector;
		break;
	case LIBTDX_TDVMCALL_GET_TD_VM_CALL_INFO:
		ex->type = TDX_EXIT_GET_TDVMCALL_INFO;
		ex->u.tdvmcall_info.leaf = t->get_tdvmcall_info.leaf;
		break;
	default:
		ex->type = TDX_EXIT_TDX_UNKNOWN;
		ex->u.tdx_unknown.nr = t->nr;
		break;
	}
}

static int decode(struct tdx_vcpu *v, struct kvm_run *run, struct tdx_exit *ex)
{
	memset(ex, 0, sizeof(*ex));
	ex->kvm_reason = run->exit_reason;
	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		uint64_t bytes = (uint64_t)run->io.size * run->io.count;

		if (run->io.data_offset > v->run_size ||
		    bytes > v->run_size - run->io.data_offset)
			return -EPROTO;
		ex->type = TDX_EXIT_IO;
		ex->u.io.port = run->io.port;
		ex->u.io.size = run->io.size;
		ex->u.io.is_write = run->io.direction == KVM_EXIT_IO_OUT;
		ex->u.io.count = run->io.count;
		ex->u.io.data = (uint8_t *)run + run->io.data_offset;
		break;
	}
	case KVM_EXIT_MMIO:
		ex->type = TDX_EXIT_MMIO;
		ex->u.mmio.gpa = run->mmio.phys_addr;
		ex->u.mmio.len = run->mmio.len > 8 ? 8 : run->mmio.len;
		ex->u.mmio.is_write = run->mmio.is_write;
		ex->u.mmio.data = run->mmio.data;
		break;
	case KVM_EXIT_MEMORY_FAULT: {
		struct libtdx_run_memory_fault *mf = libtdx_run_exit(run);

		ex->type = TDX_EXIT_MEMORY_FAULT;
		ex->u.convert.gpa = mf->gpa;
		ex->u.convert.size = mf->size;
		ex->u.convert.to_private = !!(mf->flags & KVM_MEMORY_EXIT_FLAG_PRIVATE);
		break;
	}
	case KVM_EXIT_HYPERCALL:
		if (run->hypercall.nr != KVM_HC_MAP_GPA_RANGE) {
			ex->type = TDX_EXIT_OTHER;
			break;
		}
		ex->type = TDX_EXIT_MAP_GPA;
		ex->u.convert.gpa = run->hypercall.args[0];
		ex->u.convert.size = run->hypercall.args[1] > (UINT64_MAX >> 12) ?
				     UINT64_MAX : run->hypercall.args[1] << 12;
		ex->u.convert.to_private =
			(run->hypercall.args[2] & KVM_MAP_GPA_RANGE_ENCRYPTED) != 0;
		break;
	case KVM_EXIT_TDX:
		decode_tdx(run, ex);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_TDX_FATAL)
			decode_fatal(run, ex);
		else
			ex->type = TDX_EXIT_OTHER;
		break;
	case KVM_EXIT_SHUTDOWN:
		ex->type = TDX_EXIT_SHUTDOWN;
		break;
	case KVM_EXIT_FAIL_ENTRY:
		ex->type = TDX_EXIT_FAIL_ENTRY;
		ex->u.fail_entry.hardware_entry_failure_reason =
			run->fail_entry.hardware_entry_failure_reason;
		ex->u.fail_entry.cpu = run->fail_entry.cpu;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		ex->type = TDX_EXIT_INTERNAL_ERROR;
		ex->u.internal.suberror = run->internal.suberror;
		break;
	default:
		ex->type = TDX_EXIT_OTHER;
		break;
	}
	return 0;
}

/*
 * A kick's signal must not be blocked while KVM_RUN runs.  If the calling
 * thread blocks it, give KVM its mask without that signal: KVM installs it
 * for the duration of KVM_RUN only (KVM_SET_SIGNAL_MASK,
 * kvm_vcpu_ioctl_set_sigmask() in virt/kvm/kvm_main.c), as QEMU does for
 * its SIG_IPI.  Set again only when the mask changes.
 */
static int kick_sigmask(struct tdx_vcpu *v)
{
	struct {
		struct kvm_signal_mask m;
		uint8_t set[8];
	} km;
	int sig = v->vm->kick_signal;
	uint64_t want;
	sigset_t cur;
	long r;

	if (pthread_sigmask(SIG_BLOCK, NULL, &cur))
		return 0;
	if (!v->sigmask_set && !sigismember(&cur, sig))
		return 0;
	sigdelset(&cur, sig);
	memcpy(&want, &cur, sizeof(want));	/* the kernel's 64-bit sigset */
	if (v->sigmask_set && v->sigmask == want)
		return 0;
	km.m.len = sizeof(want);
	memcpy(km.set, &want, sizeof(want));
	r = tdx_kvm_ioctl(v->vm->ctx, v->fd, KVM_SET_SIGNAL_MASK, (unsigned long)&km);
	if (r < 0)
		return tdx_err(&v->error, (int)r, "KVM_SET_SIGNAL_MASK", NULL, -1,
			       "vCPU %u: unblocking the kick signal %d in KVM_RUN failed: %s",
			       v->id, sig, strerror((int)-r));
	v->sigmask = want;
	v->sigmask_set = true;
	return 0;
}

TDX_EXPORT int tdx_vcpu_kick(struct tdx_vcpu *v)
{
	struct kvm_run *run;
	int r = 0;

	if (!v)
		return -EINVAL;
	run = v->run;
	/*
	 * immediate_exit first: a KVM_RUN that starts later returns EINTR at
	 * once (kvm_vcpu_ioctl() reads it into wants_to_run, and
	 * kvm_arch_vcpu_ioctl_run(), arch/x86/kvm/x86.c, returns -EINTR
	 * without entering the guest); the signal then ends one that is under
	 * way (vcpu_run(): pending work before each entry, KVM_EXIT_INTR).
	 * So no kick is lost in between, as with QEMU's kvm_cpu_kick().
	 */
	__atomic_store_n(&run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&v->kick_lock);
	if (v->running)
		r = pthread_kill(v->thread, v->vm->kick_signal);
	pthread_mutex_unlock(&v->kick_lock);
	return -r;
}

TDX_EXPORT int tdx_vcpu_run(struct tdx_vcpu *v, struct tdx_exit *ex)
{
	struct tdx_exit out;
	struct kvm_run *run;
	long r;

	if (!v)
		return -EINVAL;
	if (!ex)
		return tdx_err_null(&v->error, "tdx_vcpu_run", "ret_exit");
	if (!v->initialized)
		return tdx_err(&v->error, -EINVAL, "validate", NULL, -1,
			       "vCPU %u was never initialised (KVM_TDX_INIT_VCPU)", v->id);
	if (v->vm->state != TDX_VM_FINALIZED)
		return tdx_err(&v->error, -EINVAL, "validate", NULL, -1,
			       "KVM_RUN before KVM_TDX_FINALIZE_VM");
	if (v->vm->pid != getpid())
		return tdx_err(&v->error, -ECHILD, "validate", NULL, -1,
			       "the TD belongs to process %d; KVM refuses vCPU ioctls from another process",
			       (int)v->vm->pid);
	run = v->run;
	r = kick_sigmask(v);
	if (r)
		return (int)r;
	pthread_mutex_lock(&v->kick_lock);
	v->thread = pthread_self();
	v->running = true;
	pthread_mutex_unlock(&v->kick_lock);
	r = tdx_kvm_ioctl(v->vm->ctx, v->fd, KVM_RUN, 0);
	pthread_mutex_lock(&v->kick_lock);
	v->running = false;
	pthread_mutex_unlock(&v->kick_lock);
	if (r == -EINTR) {
		/* a kick, or another signal: the kick is consumed */
		__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		memset(ex, 0, sizeof(*ex));
		ex->type = TDX_EXIT_INTR;
		ex->kvm_reason = run->exit_reason;
		return 0;
	}
	if (r == -EFAULT && run->exit_reason == KVM_EXIT_MEMORY_FAULT)
		r = 0;
	if (r < 0)
		return tdx_err(&v->error, (int)r, "KVM_RUN", NULL, -1,
			       "KVM_RUN on vCPU %u failed: %s", v->id,
			       strerror((int)-r));
	/* Decoded aside: *ex is written only when the exit is usable. */
	r = decode(v, run, &out);
	if (r)
		return tdx_err(&v->error, (int)r, "KVM_RUN", NULL, -1,
			       "vCPU %u: exit %u has an I/O buffer outside the run area",
			       v->id, run->exit_reason);
	*ex = out;
	return 0;
}

/*
 * MapGPA is answered through KVM_EXIT_HYPERCALL's hypercall.ret, and
 * tdx_complete_vmcall_map_gpa() (arch/x86/kvm/vmx/tdx.c) accepts exactly
 * three values there: 0 (the chunk was converted), EAGAIN (the guest sees
 * TDVMCALL_STATUS_RETRY) and EINVAL (TDVMCALL_STATUS_INVALID_OPERAND).
 * Any other value -- a TDVMCALL status such as 0x8000000000000000 among
 * them -- makes the next KVM_RUN fail with -EINVAL and the guest is never
 * answered.  So the TDVMCALL status the VMM gives is translated, and one
 * KVM cannot carry is refused here rather than killing the vCPU.
 */
/* The exit given is not the one the vCPU is stopped at. */
static int not_pending(struct tdx_vcpu *v, const char *fn,
		       const struct tdx_exit *ex, const struct kvm_run *run)
{
	return tdx_err(&v->error, -EINVAL, fn, "exit", -1,
		       "vCPU %u is not stopped at a %s exit (KVM exit reason %u)",
		       v->id, tdx_exit_type_name(ex->type) ? tdx_exit_type_name(ex->type) : "?",
		       run->exit_reason);
}

static int complete_map_gpa(struct tdx_vcpu *v, struct kvm_run *run,
			    uint64_t status)
{
	switch (status) {
	case TDX_TDVMCALL_SUCCESS:
		run->hypercall.ret = 0;
		return 0;
	case TDX_TDVMCALL_RETRY:
		run->hypercall.ret = EAGAIN;
		return 0;
	case TDX_TDVMCALL_INVALID_OPERAND:
		run->hypercall.ret = EINVAL;
		return 0;
	default:
		return tdx_err(&v->error, -EINVAL, "tdx_vcpu_complete", "status", -1,
			       "MapGPA can only be answered SUCCESS, RETRY or INVALID_OPERAND (KVM's tdx_complete_vmcall_map_gpa() refuses 0x%llx)",
			       (unsigned long long)status);
	}
}

TDX_EXPORT int tdx_vcpu_complete(struct tdx_vcpu *v, const struct tdx_exit *ex,
				 uint64_t status)
{
	struct kvm_run *run;
	struct libtdx_run_tdx *t;

	if (!v)
		return -EINVAL;
	if (!ex)
		return tdx_err_null(&v->error, "tdx_vcpu_complete", "exit");
	run = v->run;
	t = libtdx_run_exit(run);
	switch (ex->type) {
	case TDX_EXIT_MAP_GPA:
		if (run->exit_reason != KVM_EXIT_HYPERCALL)
			return not_pending(v, "tdx_vcpu_complete", ex, run);
		return complete_map_gpa(v, run, status);
	case TDX_EXIT_GET_QUOTE:
	case TDX_EXIT_SETUP_EVENT_NOTIFY:
	case TDX_EXIT_GET_TDVMCALL_INFO:
	case TDX_EXIT_TDX_UNKNOWN:
		if (run->exit_reason != KVM_EXIT_TDX)
			return not_pending(v, "tdx_vcpu_complete", ex, run);
		t->unknown.ret = status;	/* ret is first in every variant */
		return 0;
	default:
		return tdx_err(&v->error, -EINVAL, "tdx_vcpu_complete", "exit", -1,
			       "exit %s has no TDVMCALL status to complete",
			       tdx_exit_type_name(ex->type) ? tdx_exit_type_name(ex->type) : "?");
	}
}

TDX_EXPORT int tdx_vcpu_answer_tdvmcall_info(struct tdx_vcpu *v,
					     const struct tdx_exit *ex,
					     uint64_t r11, uint64_t r12,
					     uint64_t r13, uint64_t r14)
{
	struct libtdx_run_tdx *t;

	if (!v)
		return -EINVAL;
	if (!ex)
		return tdx_err_null(&v->error, "tdx_vcpu_answer_tdvmcall_info", "exit");
	if (ex->type != TDX_EXIT_GET_TDVMCALL_INFO)
		return tdx_err(&v->error, -EINVAL, "tdx_vcpu_answer_tdvmcall_info", "exit", -1,
			       "exit %s is not GetTdVmCallInfo",
			       tdx_exit_type_name(ex->type) ? tdx_exit_type_name(ex->type) : "?");
	if (((struct kvm_run *)v->run)->exit_reason != KVM_EXIT_TDX)
		return not_pending(v, "tdx_vcpu_answer_tdvmcall_info", ex, v->run);
	t = libtdx_run_exit(v->run);
	t->get_tdvmcall_info.ret = LIBTDX_TDVMCALL_STATUS_SUCCESS;
	t->get_tdvmcall_info.r11 = r11;
	t->get_tdvmcall_info.r12 = r12;
	t->get_tdvmcall_info.r13 = r13;
	t->get_tdvmcall_info.r14 = r14;
	return 0;
}

TDX_EXPORT int tdx_exit_format(const struct tdx_exit *ex, char *buf, size_t size)
{
	if (!ex || (!buf && size))
		return -EINVAL;
	switch (ex->type) {
	case TDX_EXIT_IO:
		return snprintf(buf, size, "io %s port 0x%x size %u count %u",
				ex->u.io.is_write ? "out" : "in", ex->u.io.port,
				ex->u.io.size, ex->u.io.count);
	case TDX_EXIT_MMIO:
		return snprintf(buf, size, "mmio %s 0x%llx len %u",
				ex->u.mmio.is_write ? "write" : "read",
				(unsigned long long)ex->u.mmio.gpa, ex->u.mmio.len);
	case TDX_EXIT_MEMORY_FAULT:
	case TDX_EXIT_MAP_GPA:
		return snprintf(buf, size, "%s 0x%llx+0x%llx to %s",
				tdx_exit_type_name(ex->type),
				(unsigned long long)ex->u.convert.gpa,
				(unsigned long long)ex->u.convert.size,
				ex->u.convert.to_private ? "private" : "shared");
	case TDX_EXIT_GET_QUOTE:
		return snprintf(buf, size, "get-quote buffer 0x%llx size 0x%llx",
				(unsigned long long)ex->u.get_quote.gpa,
				(unsigned long long)ex->u.get_quote.size);
	case TDX_EXIT_SETUP_EVENT_NOTIFY:
		return snprintf(buf, size, "setup-event-notify vector %llu",
				(unsigned long long)ex->u.notify.vector);
	case TDX_EXIT_GET_TDVMCALL_INFO:
		return snprintf(buf, size, "get-tdvmcall-info leaf %llu",
				(unsigned long long)ex->u.tdvmcall_info.leaf);
	case TDX_EXIT_FATAL:
		if (!ex->u.fatal.code_valid && !ex->u.fatal.error_code)
			return snprintf(buf, size, "TD reported a fatal error (no details)");
		return snprintf(buf, size, "TD reported a fatal error 0x%llx%s%s%s%s",
				(unsigned long long)ex->u.fatal.error_code,
				ex->u.fatal.code_valid ? "" : " (malformed: low 16 bits set)",
				ex->u.fatal.message_len ? ": " : "",
				ex->u.fatal.message,
				ex->u.fatal.has_gpa ? " (data at a GPA)" : "");
	case TDX_EXIT_FAIL_ENTRY:
		return snprintf(buf, size, "VM entry failed: reason 0x%llx on CPU %u",
				(unsigned long long)ex->u.fail_entry.hardware_entry_failure_reason,
				ex->u.fail_entry.cpu);
	case TDX_EXIT_INTERNAL_ERROR:
		return snprintf(buf, size, "KVM internal error, suberror %u",
				ex->u.internal.suberror);
	case TDX_EXIT_TDX_UNKNOWN:
		return snprintf(buf, size, "unhandled TDVMCALL leaf 0x%llx",
				(unsigned long long)ex->u.tdx_unknown.nr);
	default:
		return snprintf(buf, size, "%s (KVM exit reason %u)",
				tdx_exit_type_name(ex->type), ex->kvm_reason);
	}
}
