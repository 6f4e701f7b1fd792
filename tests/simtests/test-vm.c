/* SPDX-License-Identifier: MIT */
/*
 * vm + vcpu layers against the simulator (suite 'sim'): the full
 * create -> init -> vCPU -> finalize -> run flow, the exact ioctl sequence,
 * every ordering mistake libtdx catches, decoded module errors, retries,
 * and fault injection at every ioctl with fd/mapping leak checks.
 */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"
#include "../../sim/tdxsim-control.h"

#define HOB_GPA 0x809000ULL

static struct tdx_ctx *ctx;

static void setup(void)
{
	ck_assert_msg(tdxsim_ctl_active(), "run under the simulator (LD_PRELOAD)");
	tdxsim_ctl_reset();
	ck_assert_int_eq(tdx_ctx_new(NULL, &ctx), 0);
}

static void teardown(void)
{
	tdx_ctx_unref(ctx);
	ctx = NULL;
	tdxsim_ctl_reset();
}

/* Index of the first trace line at or after `from` containing `what`, or -1. */
static long trace_find(unsigned long from, const char *what)
{
	char line[256];
	unsigned long i, n = tdxsim_ctl_trace_count();

	for (i = from; i < n; i++)
		if (tdxsim_ctl_trace_get(i, line, sizeof(line)) >= 0 && strstr(line, what))
			return (long)i;
	return -1;
}

/*
 * arch_prctl() as the process sees it: libtdx's calls bind to this
 * definition (the executable comes first in symbol lookup); it records
 * each guest-permission request and the vCPU count at that moment, and
 * can refuse one (as a kernel would) before forwarding to the next
 * definition (the simulator's, or libc's).
 */
static int prctl_calls, prctl_fail_errno;
static unsigned long prctl_last_code, prctl_last_arg;
static unsigned long prctl_trace_at;	/* trace lines before the call */

int arch_prctl(int code, unsigned long addr);
int arch_prctl(int code, unsigned long addr)
{
	static int (*next)(int, unsigned long);

	if (code == 0x1025 /* ARCH_REQ_XCOMP_GUEST_PERM */) {
		prctl_calls++;
		prctl_last_code = (unsigned long)code;
		prctl_last_arg = addr;
		prctl_trace_at = tdxsim_ctl_trace_count();
		if (prctl_fail_errno) {
			errno = prctl_fail_errno;
			return -1;
		}
	}
	if (!next)
		next = (int (*)(int, unsigned long))dlsym(RTLD_NEXT, "arch_prctl");
	return next ? next(code, addr) : (errno = ENOSYS, -1);
}

/*
 * A kernel whose KVM_TDX_INIT_VM fails with EIO without bugging the VM, as
 * __tdx_td_init() does when a CPU package has no online CPU: while
 * offline_package is set, libtdx's ioctl() calls (bound to this
 * definition) get that answer; everything else goes to the simulator.
 */
static int offline_package;
/* >= 0: KVM_TDX_GET_CPUID reports this in leaf 0x80000008 EAX[15:8] */
static int cpuid_va_bits = -1;

int ioctl(int fd, unsigned long req, ...)
{
	static int (*next)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (offline_package && req == KVM_MEMORY_ENCRYPT_OP &&
	    ((struct kvm_tdx_cmd *)arg)->id == KVM_TDX_INIT_VM) {
		errno = EIO;
		return -1;
	}
	if (!next)
		next = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (cpuid_va_bits >= 0 && req == KVM_MEMORY_ENCRYPT_OP &&
	    ((struct kvm_tdx_cmd *)arg)->id == KVM_TDX_GET_CPUID) {
		struct kvm_cpuid2 *c = (struct kvm_cpuid2 *)(uintptr_t)((struct kvm_tdx_cmd *)arg)->data;
		int r = next(fd, req, arg);

		for (uint32_t i = 0; !r && i < c->nent; i++)
			if (c->entries[i].function == 0x80000008u)
				c->entries[i].eax = (c->entries[i].eax & ~0xff00u) |
						    ((uint32_t)cpuid_va_bits << 8);
		return r;
	}
	return next(fd, req, arg);
}

static struct tdx_vm *new_vm(void)
{
	struct tdx_vm *vm = NULL;

	ck_assert_int_eq(tdx_vm_new(ctx, NULL, &vm), 0);
	return vm;
}

START_TEST(full_flow)
{
	struct tdx_vcpu *v0, *v1;
	struct tdx_exit ex;
	struct tdx_vm *vm = new_vm();

	ck_assert_int_eq(tdx_vm_get_state(vm), TDX_VM_CREATED);
	ck_assert_uint_eq(tdx_caps_cpuid_count(tdx_vm_get_caps(vm)), 28);
	ck_assert_uint_gt(tdx_vm_get_max_vcpus(vm), 0);
	ck_assert_int_eq(tdx_vm_get_shared_bit(vm), 0);
	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	ck_assert_int_eq(tdx_vm_get_state(vm), TDX_VM_INITIALIZED);
	ck_assert_uint_eq(tdx_vm_get_shared_bit(vm), 1ULL << 47);
	ck_assert_uint_eq(tdx_vm_get_xfam(vm), tdx_caps_get_default_xfam(tdx_vm_get_caps(vm)));
	ck_assert(tdx_vm_get_xfam(vm) & TDX_XFAM_AVX);	/* never a silent 0 */

	ck_assert_int_eq(tdx_vcpu_new(vm, 0, &v0), 0);
	ck_assert_int_eq(tdx_vcpu_new(vm, 1, &v1), 0);
	ck_assert(fcntl(tdx_vcpu_get_fd(v0), F_GETFD) & FD_CLOEXEC);
	ck_assert(fcntl(tdx_vm_get_fd(vm), F_GETFD) & FD_CLOEXEC);
	ck_assert_ptr_nonnull(tdx_vcpu_get_run_area(v0));
	ck_assert_int_eq(tdx_vcpu_init(v0, HOB_GPA), 0);
	ck_assert_int_eq(tdx_vcpu_init(v1, HOB_GPA), 0);
	ck_assert(tdx_vcpu_is_initialized(v0));
	ck_assert_uint_gt(tdx_vcpu_cpuid_count(v0), 10);
	ck_assert_int_ge(tdx_vcpu_compare_cpuid(v0, NULL, 0), 0);
	ck_assert_int_eq(tdx_vm_finalize(vm), 0);
	ck_assert_int_eq(tdx_vm_get_state(vm), TDX_VM_FINALIZED);
	/* the simulated guest has no script here: KVM_RUN reports shutdown */
	ck_assert_int_eq(tdx_vcpu_run(v0, &ex), 0);
	ck_assert_int_eq(ex.type, TDX_EXIT_SHUTDOWN);
	tdx_vcpu_unref(v0);
	tdx_vcpu_unref(v1);
	tdx_vm_unref(vm);
}
END_TEST

/*
 * A TD whose XFAM has AMX gets AMX in its vCPU CPUID, and KVM_SET_CPUID2
 * with a dynamic XSAVE feature in leaf 0xD.0 fails with EPERM unless the
 * process holds the guest permission (__xfd_enable_feature(),
 * arch/x86/kernel/fpu/xstate.c).  libtdx requests it at INIT_VM, before
 * any vCPU exists (xstate_request_perm() refuses with EBUSY after the
 * first vCPU), and names a refusal.
 */
START_TEST(amx_guest_permission_requested)
{
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);
	const struct tdx_error *e;
	struct tdx_vcpu *v;
	struct tdx_vm *vm = new_vm();

	prctl_calls = 0;
	prctl_fail_errno = 0;
	ck_assert(tdx_caps_get_default_xfam(tdx_vm_get_caps(vm)) & TDX_XFAM_AMX_TILEDATA);
	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	ck_assert_int_eq(prctl_calls, 1);
	ck_assert_uint_eq(prctl_last_code, 0x1025);
	ck_assert_uint_eq(prctl_last_arg, 18);	/* XFEATURE_XTILE_DATA */
	/* requested before INIT_VM and before the first vCPU */
	ck_assert_int_ge(trace_find(prctl_trace_at, "KVM_TDX_INIT_VM"), 0);
	ck_assert_int_eq(tdx_vcpu_new(vm, 0, &v), 0);
	ck_assert_int_ge(trace_find(prctl_trace_at, "KVM_CREATE_VCPU"), 0);
	tdx_vcpu_unref(v);
	tdx_vm_unref(vm);

	/* no AMX in the XFAM: nothing requested */
	vm = new_vm();
	cfg.xfam = TDX_XFAM_X87 | TDX_XFAM_SSE | TDX_XFAM_AVX;
	ck_assert_int_eq(tdx_vm_init(vm, &cfg), 0);
	ck_assert_int_eq(prctl_calls, 1);
	tdx_vm_unref(vm);

	/* the host refuses: INIT_VM is not issued, the failure is named */
	vm = new_vm();
	prctl_fail_errno = EBUSY;
	ck_assert_int_eq(tdx_vm_init(vm, NULL), -EBUSY);
	ck_assert_int_eq(prctl_calls, 2);
	e = tdx_vm_get_last_error(vm);
	ck_assert_str_eq(tdx_error_get_step(e), "arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM)");
	ck_assert_str_eq(tdx_error_get_field(e), "xfam");
	ck_assert_int_eq(tdx_error_get_bit(e), 18);
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "AMX"));
	ck_assert_int_lt(trace_find(prctl_trace_at, "KVM_TDX_INIT_VM"), 0);
	ck_assert_int_eq(tdx_vm_get_state(vm), TDX_VM_CREATED);
	prctl_fail_errno = 0;
	tdx_vm_unref(vm);
}
END_TEST

/*
 * kvm_check_cpuid() (arch/x86/kvm/cpuid.c): KVM_SET_CPUID2 refuses leaf
 * 0x80000008 EAX[15:8] other than 0, 48 or 57.  libtdx names that before
 * issuing the ioctl; the allowed values go through.
 */
START_TEST(cpuid_linear_address_bits_checked)
{
	static const int ok[] = { 0, 48, 57 };
	const struct tdx_error *e;
	unsigned long start;
	struct tdx_vcpu *v;
	struct tdx_vm *vm;
	size_t i;

	for (i = 0; i < 3; i++) {
		vm = new_vm();
		ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
		cpuid_va_bits = ok[i];
		ck_assert_int_eq(tdx_vcpu_new(vm, 0, &v), 0);
		ck_assert_int_eq(tdx_vcpu_init(v, HOB_GPA), 0);
		tdx_vcpu_unref(v);
		tdx_vm_unref(vm);
	}
	vm = new_vm();
	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	cpuid_va_bits = 52;
	ck_assert_int_eq(tdx_vcpu_new(vm, 0, &v), 0);
	start = tdxsim_ctl_trace_count();
	ck_assert_int_eq(tdx_vcpu_init(v, HOB_GPA), -EINVAL);
	cpuid_va_bits = -1;
	e = tdx_vcpu_get_last_error(v);
	/* libtdx refused before the ioctl: step "validate" */
	ck_assert_str_eq(tdx_error_get_step(e), "validate");
	ck_assert_str_eq(tdx_error_get_field(e), "cpuid");
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "0x80000008"));
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "52 linear address bits"));
	ck_assert_int_lt(trace_find(start, "KVM_SET_CPUID2"), 0);
	ck_assert(!tdx_vcpu_is_initialized(v));
	tdx_vcpu_unref(v);
	tdx_vm_unref(vm);
}
END_TEST

/*
 * Defaults a real guest boots with.  SEPT_VE_DISABLE where the TD may set
 * it (a Linux guest panics without it on a module lacking
 * FLEXIBLE_PENDING_VE, disable_sept_ve(), arch/x86/coco/tdx/tdx.c), unless
 * the VMM asks for its attributes exactly; and INIT_VM's CPUID carries the
 * topology of the configured vCPU count (leaf 0x1F), the count being
 * enforced at vCPU creation.
 */
START_TEST(defaults_a_guest_boots_with)
{
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);
	struct tdx_vcpu *v[3] = { NULL };
	char report[65536];
	struct tdx_vm *vm = new_vm();
	int i;

	ck_assert_uint_eq(tdx_caps_get_default_attrs(tdx_vm_get_caps(vm)),
			  TDX_ATTR_SEPT_VE_DISABLE);
	cfg.vcpus = 2;
	ck_assert_int_eq(tdx_vm_init(vm, &cfg), 0);
	ck_assert_uint_eq(tdx_vm_get_attributes(vm), TDX_ATTR_SEPT_VE_DISABLE);
	ck_assert_int_gt(tdxsim_ctl_vm_report(tdx_vm_get_fd(vm), report, sizeof(report)), 0);
	ck_assert_ptr_nonnull(strstr(report, "\"attributes\": \"0x0000000010000000\""));
	/* 0x1F.1: core level (ECX 0x201), 2 logical processors, shift 1 */
	ck_assert_msg(strstr(report, "{\"leaf\": \"0x1f\", \"subleaf\": \"0x1\", \"flags\": \"0x1\", "
			     "\"eax\": \"0x00000001\", \"ebx\": \"0x00000002\", \"ecx\": \"0x00000201\""),
		      "%s", strstr(report, "init_vm_cpuid"));
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(tdx_vcpu_new(vm, (unsigned int)i, &v[i]), 0);
	ck_assert_int_eq(tdx_vcpu_new(vm, 2, &v[2]), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(tdx_vm_get_last_error(vm)), "vcpus");
	for (i = 0; i < 2; i++)
		tdx_vcpu_unref(v[i]);
	tdx_vm_unref(vm);

	/* attributes exactly as given: none */
	vm = new_vm();
	cfg.vcpus = 0;
	cfg.flags = TDX_TD_CONFIG_EXACT_ATTRIBUTES;
	ck_assert_int_eq(tdx_vm_init(vm, &cfg), 0);
	ck_assert_uint_eq(tdx_vm_get_attributes(vm), 0);
	tdx_vm_unref(vm);

	/* more vCPUs than the TD can have, unknown flags: refused */
	vm = new_vm();
	cfg.flags = 0;
	cfg.vcpus = tdx_vm_get_max_vcpus(vm) + 1;
	{
		unsigned long calls = tdxsim_ctl_call_count();

		ck_assert_int_eq(tdx_vm_init(vm, &cfg), -EINVAL);
		ck_assert_uint_eq(tdxsim_ctl_call_count(), calls);
	}
	ck_assert_str_eq(tdx_error_get_field(tdx_vm_get_last_error(vm)), "vcpus");
	ck_assert_str_eq(tdx_error_get_step(tdx_vm_get_last_error(vm)), "validate");
	cfg.vcpus = 0;
	cfg.flags = 2;
	ck_assert_int_eq(tdx_vm_init(vm, &cfg), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(tdx_vm_get_last_error(vm)), "flags");
	tdx_vm_unref(vm);
}
END_TEST

/* The ioctls tdx_vm_new() issues, in order, as the kernel documents them. */
START_TEST(create_sequence)
{
	static const char *const seq[] = {
		"KVM_CREATE_VM", "KVM_TDX_CAPABILITIES", "KVM_ENABLE_CAP",
		"KVM_ENABLE_CAP", "KVM_ENABLE_CAP", "KVM_CHECK_EXTENSION",
		"KVM_ENABLE_CAP", "KVM_CHECK_EXTENSION",
	};
	struct tdx_vm *vm;
	unsigned long start = tdxsim_ctl_trace_count();
	long at = (long)start - 1;
	size_t i;

	vm = new_vm();
	for (i = 0; i < TDX_ARRAY_SIZE(seq); i++) {
		long next = trace_find((unsigned long)(at + 1), seq[i]);

		ck_assert_msg(next > at, "%s missing or out of order", seq[i]);
		at = next;
	}
	/* realistic caps has 28 leaves: the first CAPABILITIES calls get E2BIG */
	ck_assert_int_ge(trace_find(start, "KVM_TDX_CAPABILITIES vm fd="), 0);
	ck_assert_int_ge(trace_find(start, "errno=E2BIG"), 0);
	ck_assert_int_lt(trace_find(start, "KVM_TDX_INIT_VM"), 0);
	tdx_vm_unref(vm);
}
END_TEST

START_TEST(order_mistakes_are_caught_first)
{
	struct tdx_vm *vm = new_vm();
	struct tdx_vcpu *v = NULL;
	const struct tdx_error *e = tdx_vm_get_last_error(vm);
	unsigned long calls;

	/* vCPU before INIT_VM: libtdx refuses without asking KVM */
	calls = tdxsim_ctl_call_count();
	ck_assert_int_eq(tdx_vcpu_new(vm, 0, &v), -EINVAL);
	ck_assert_ptr_null(v);
	/* libtdx's own refusals, before any ioctl, are step "validate" */
	ck_assert_str_eq(tdx_error_get_step(e), "validate");
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "after KVM_TDX_INIT_VM"));
	ck_assert_uint_eq(tdxsim_ctl_call_count(), calls);
	/* FINALIZE before INIT_VM */
	ck_assert_int_eq(tdx_vm_finalize(vm), -EINVAL);
	ck_assert_str_eq(tdx_error_get_step(e), "validate");
	ck_assert_uint_eq(tdxsim_ctl_call_count(), calls);
	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	calls = tdxsim_ctl_call_count();
	ck_assert_int_eq(tdx_vm_init(vm, NULL), -EALREADY);
	ck_assert_str_eq(tdx_error_get_step(e), "validate");
	ck_assert_uint_eq(tdxsim_ctl_call_count(), calls);
	/* vCPU ids beyond KVM's id limit are refused; sparse ids are fine */
	ck_assert_int_eq(tdx_vcpu_new(vm, 1u << 20, &v), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(e), "id");
	ck_assert_int_eq(tdx_vcpu_new(vm, 0, &v), 0);
	{
		/* fill the TD up to its vCPU count with a sparse id, then one more
		 * (the simulated host's CPUs: 112 with the default preset) */
		unsigned int i, n = tdx_vm_get_max_vcpus(vm) - 1;
		struct tdx_vcpu **extra = calloc(n + 1, sizeof(*extra));

		ck_assert_ptr_nonnull(extra);
		ck_assert_uint_le(n, 4096);
		for (i = 0; i < n; i++)
			ck_assert_int_eq(tdx_vcpu_new(vm, 100 + i, &extra[i]), 0);
		ck_assert_int_eq(tdx_vcpu_new(vm, 100 + n + 1000, &extra[n]), -EINVAL);
		ck_assert_str_eq(tdx_error_get_field(e), "vcpus");
		for (i = 0; i < n; i++)
			tdx_vcpu_unref(extra[i]);
		free(extra);
	}
	/* KVM_RUN before INIT_VCPU / FINALIZE */
	{
		struct tdx_exit ex;

		ck_assert_int_eq(tdx_vcpu_run(v, &ex), -EINVAL);
		ck_assert_int_eq(tdx_vcpu_init(v, HOB_GPA), 0);
		ck_assert_int_eq(tdx_vcpu_init(v, HOB_GPA), -EALREADY);
		ck_assert_int_eq(tdx_vcpu_run(v, &ex), -EINVAL);
		ck_assert_ptr_nonnull(strstr(tdx_error_get_message(tdx_vcpu_get_last_error(v)),
					     "before KVM_TDX_FINALIZE_VM"));
	}
	ck_assert_int_eq(tdx_vm_finalize(vm), 0);
	ck_assert_int_eq(tdx_vm_finalize(vm), -EALREADY);
	ck_assert_str_eq(tdx_error_get_step(e), "validate");
	/* no vCPUs after FINALIZE */
	{
		struct tdx_vcpu *late = NULL;

		ck_assert_int_eq(tdx_vcpu_new(vm, 1, &late), -EINVAL);
		ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "after KVM_TDX_FINALIZE_VM"));
	}
	tdx_vcpu_unref(v);
	tdx_vm_unref(vm);
}
END_TEST

START_TEST(config_rejected_before_any_ioctl)
{
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);
	struct tdx_vm *vm = new_vm();
	const struct tdx_error *e = tdx_vm_get_last_error(vm);
	unsigned long calls = tdxsim_ctl_call_count();

	cfg.attributes = TDX_ATTR_DEBUG | TDX_ATTR_SEPT_VE_DISABLE;
	cfg.xfam = TDX_XFAM_X87 | TDX_XFAM_SSE | TDX_XFAM_AVX512_OPMASK;
	ck_assert_int_eq(tdx_vm_init(vm, &cfg), -EINVAL);
	ck_assert_uint_eq(tdxsim_ctl_call_count(), calls);
	ck_assert_str_eq(tdx_error_get_field(e), "attributes");
	ck_assert_int_eq(tdx_error_get_bit(e), 0);
	/* the full list comes from checking the VM's (borrowed, const) caps */
	{
		struct tdx_caps_check *chk = NULL;

		ck_assert_int_ge(tdx_caps_check_config(tdx_vm_get_caps(vm), &cfg, &chk), 2);
		ck_assert_str_eq(tdx_caps_check_get_problem(chk, 0), tdx_error_get_message(e));
		tdx_caps_check_free(chk);
	}
	ck_assert_int_eq(tdx_vm_get_state(vm), TDX_VM_CREATED);
	/* the same VM still initialises with a good config */
	cfg.attributes = TDX_ATTR_SEPT_VE_DISABLE;
	cfg.xfam = 0;
	ck_assert_int_eq(tdx_vm_init(vm, &cfg), 0);
	ck_assert_uint_eq(tdx_vm_get_attributes(vm), TDX_ATTR_SEPT_VE_DISABLE);
	tdx_vm_unref(vm);
}
END_TEST

START_TEST(module_error_is_decoded)
{
	struct tdx_vm *vm = new_vm();
	const struct tdx_error *e = tdx_vm_get_last_error(vm);

	ck_assert_int_eq(tdxsim_ctl_fail_ioctl("KVM_TDX_INIT_VM", EINVAL,
					       0xC000010000000045ULL, 1), 0);
	ck_assert_int_eq(tdx_vm_init(vm, NULL), -EINVAL);
	ck_assert_str_eq(tdx_error_get_step(e), "KVM_TDX_INIT_VM");
	ck_assert_uint_eq(tdx_error_get_hw(e), 0xC000010000000045ULL);
	ck_assert_str_eq(tdx_error_get_field(e), "cpuid");
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "TDX_OPERAND_INVALID"));
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "CPUID_CONFIG"));
	/* KVM_TDX_INIT_VM failed, so the TD is still uninitialised: retry works */
	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	tdx_vm_unref(vm);
}
END_TEST

START_TEST(gpaw52_and_no_5level_ept)
{
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);
	struct tdx_vm *vm = new_vm();

	cfg.gpaw = 52;
	ck_assert_int_eq(tdx_vm_init(vm, &cfg), 0);
	ck_assert_uint_eq(tdx_vm_get_shared_bit(vm), 1ULL << 51);
	tdx_vm_unref(vm);

	ck_assert_int_eq(tdxsim_ctl_set_5level_ept(0), 0);
	vm = new_vm();
	{
		unsigned long t0 = tdxsim_ctl_trace_count();

		/* named before KVM_TDX_INIT_VM, whose EINVAL would not say why */
		ck_assert_int_eq(tdx_vm_init(vm, &cfg), -EINVAL);
		ck_assert_int_lt(trace_find(t0, "KVM_TDX_INIT_VM"), 0);
	}
	ck_assert_str_eq(tdx_error_get_step(tdx_vm_get_last_error(vm)), "validate");
	ck_assert_str_eq(tdx_error_get_field(tdx_vm_get_last_error(vm)), "gpaw");
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(tdx_vm_get_last_error(vm)),
				     "5-level EPT"));
	cfg.gpaw = 48;
	ck_assert_int_eq(tdx_vm_init(vm, &cfg), 0);
	ck_assert_uint_eq(tdx_vm_get_shared_bit(vm), 1ULL << 47);
	tdx_vm_unref(vm);
}
END_TEST

static char log_text[65536];

static void log_collect(void *ud, int prio, const char *msg)
{
	size_t n = strlen(log_text);

	(void)ud;
	(void)prio;
	snprintf(log_text + n, sizeof(log_text) - n, "%s\n", msg);
}

/* TDX_LOG / the log callback name the ioctls, not their numbers. */
START_TEST(log_names_ioctls)
{
	struct tdx_vm *vm;

	log_text[0] = 0;
	tdx_ctx_set_log_fn(ctx, log_collect, NULL, 7);
	vm = new_vm();
	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	tdx_ctx_set_log_fn(ctx, NULL, NULL, 0);
	ck_assert_ptr_nonnull(strstr(log_text, "KVM_CREATE_VM on fd"));
	ck_assert_ptr_nonnull(strstr(log_text, "KVM_MEMORY_ENCRYPT_OP(KVM_TDX_CAPABILITIES)"));
	ck_assert_ptr_nonnull(strstr(log_text, "KVM_MEMORY_ENCRYPT_OP(KVM_TDX_INIT_VM)"));
	ck_assert_ptr_nonnull(strstr(log_text, "KVM_GET_SUPPORTED_CPUID"));
	ck_assert_ptr_nonnull(strstr(log_text, "KVM_CHECK_EXTENSION("));
	ck_assert_msg(!strstr(log_text, "ioctl 0x") && !strstr(log_text, "ioctl(fd"),
		      "an ioctl logged by number:\n%s", log_text);
	tdx_vm_unref(vm);
}
END_TEST

/* No silent fallback configuration when the host's CPUID cannot be read. */
START_TEST(supported_cpuid_failure_is_an_error)
{
	struct tdx_vm *vm = new_vm();
	unsigned long t0 = tdxsim_ctl_trace_count();

	ck_assert_int_eq(tdxsim_ctl_fail_ioctl("KVM_GET_SUPPORTED_CPUID", ENOMEM, 0, 1), 0);
	ck_assert_int_eq(tdx_vm_init(vm, NULL), -ENOMEM);
	ck_assert_str_eq(tdx_error_get_step(tdx_vm_get_last_error(vm)), "KVM_GET_SUPPORTED_CPUID");
	ck_assert_int_lt(trace_find(t0, "KVM_TDX_INIT_VM"), 0);
	ck_assert_int_eq(tdx_vm_get_state(vm), TDX_VM_CREATED);
	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	tdx_vm_unref(vm);
}
END_TEST

START_TEST(eagain_is_retried_within_bounds)
{
	struct tdx_vm_opts o = TDX_OPTS(tdx_vm_opts);
	struct tdx_vm *vm = new_vm();

	ck_assert_int_eq(tdxsim_ctl_fail_ioctl("KVM_TDX_INIT_VM", EAGAIN, 0, 3), 0);
	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	tdx_vm_unref(vm);

	o.init_retries = 2;
	ck_assert_int_eq(tdx_vm_new(ctx, &o, &vm), 0);
	ck_assert_int_eq(tdxsim_ctl_fail_ioctl("KVM_TDX_INIT_VM", EAGAIN, 0, 5), 0);
	ck_assert_int_eq(tdx_vm_init(vm, NULL), -EAGAIN);
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(tdx_vm_get_last_error(vm)), "2 times"));
	tdx_vm_unref(vm);
}
END_TEST

/* One initialised vCPU: TDH.MR.FINALIZE fails with TDX_NO_VCPUS (and KVM
 * bugs the VM) without one (TDX module tdh_mr_finalize()). */
static void init_vcpu0(struct tdx_vm *vm)
{
	struct tdx_vcpu *v;

	ck_assert_int_eq(tdx_vcpu_new(vm, 0, &v), 0);
	ck_assert_int_eq(tdx_vcpu_init(v, HOB_GPA), 0);
	tdx_vcpu_unref(v);
}

/*
 * TDH.MR.FINALIZE with no vCPU through TDH.VP.INIT fails with TDX_NO_VCPUS
 * and tdx_td_finalize() (arch/x86/kvm/vmx/tdx.c) bugs the VM: libtdx
 * refuses first, without the ioctl, and the TD stays usable.
 */
START_TEST(finalize_without_initialised_vcpu_refused)
{
	struct tdx_vm *vm = new_vm();
	const struct tdx_error *e = tdx_vm_get_last_error(vm);
	struct tdx_vcpu *v = NULL;
	unsigned long t0;

	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	/* no vCPU at all */
	t0 = tdxsim_ctl_trace_count();
	ck_assert_int_eq(tdx_vm_finalize(vm), -EINVAL);
	ck_assert_int_lt(trace_find(t0, "KVM_TDX_FINALIZE_VM"), 0);
	ck_assert_str_eq(tdx_error_get_step(e), "validate");
	ck_assert_str_eq(tdx_error_get_field(e), "vcpus");
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "tdx_vcpu_init"));
	ck_assert_int_eq(tdx_vm_get_state(vm), TDX_VM_INITIALIZED);
	/* a vCPU created but not initialised does not count */
	ck_assert_int_eq(tdx_vcpu_new(vm, 0, &v), 0);
	ck_assert_int_eq(tdx_vm_finalize(vm), -EINVAL);
	ck_assert_int_lt(trace_find(t0, "KVM_TDX_FINALIZE_VM"), 0);
	/* the TD is alive: initialise the vCPU and finalise */
	ck_assert_int_eq(tdx_vcpu_init(v, HOB_GPA), 0);
	tdx_vcpu_unref(v);	/* KVM keeps the vCPU; TDCS.NUM_VCPUS counts it */
	ck_assert_int_eq(tdx_vm_finalize(vm), 0);
	ck_assert_int_eq(tdx_vm_get_state(vm), TDX_VM_FINALIZED);
	tdx_vm_unref(vm);
}
END_TEST

START_TEST(finalize_busy_then_ok_and_eio_kills)
{
	struct tdx_vm *vm = new_vm();
	const struct tdx_error *e = tdx_vm_get_last_error(vm);

	unsigned long start;

	/* TDX_OPERAND_BUSY at FINALIZE is retryable (tdx_td_finalize()):
	 * retried within a bound, and the TD stays usable past it */
	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	init_vcpu0(vm); /* TDH.MR.FINALIZE needs an initialised vCPU */
	ck_assert_int_eq(tdxsim_ctl_fail_ioctl("KVM_TDX_FINALIZE_VM", EBUSY,
					       0x8000020000000000ULL, 2), 0);
	start = tdxsim_ctl_trace_count();
	ck_assert_int_eq(tdx_vm_finalize(vm), 0);
	ck_assert_int_eq(tdx_vm_get_state(vm), TDX_VM_FINALIZED);
	ck_assert_int_ge(trace_find(trace_find(trace_find(start, "KVM_TDX_FINALIZE_VM") + 1,
					      "KVM_TDX_FINALIZE_VM") + 1, "KVM_TDX_FINALIZE_VM"), 0);
	tdx_vm_unref(vm);

	vm = new_vm();
	e = tdx_vm_get_last_error(vm);
	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	init_vcpu0(vm); /* TDH.MR.FINALIZE needs an initialised vCPU */
	ck_assert_int_eq(tdxsim_ctl_fail_ioctl("KVM_TDX_FINALIZE_VM", EBUSY,
					       0x8000020000000000ULL, 0), 0);
	ck_assert_int_eq(tdx_vm_finalize(vm), -EBUSY);
	ck_assert_uint_eq(tdx_error_get_hw(e), 0x8000020000000000ULL);
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "TDX_OPERAND_BUSY"));
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "100 times"));
	tdxsim_ctl_fail_clear();
	ck_assert_int_eq(tdx_vm_finalize(vm), 0);
	tdx_vm_unref(vm);

	/* INIT_VM's EIO for a CPU package without an online CPU does not bug
	 * the VM (__tdx_td_init()): the TD stays usable and INIT_VM can be
	 * retried */
	vm = new_vm();
	e = tdx_vm_get_last_error(vm);
	offline_package = 1;
	ck_assert_int_eq(tdx_vm_init(vm, NULL), -EIO);
	offline_package = 0;
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "online CPU"));
	ck_assert_int_eq(tdx_vm_get_state(vm), TDX_VM_CREATED);
	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	init_vcpu0(vm); /* TDH.MR.FINALIZE needs an initialised vCPU */
	ck_assert_int_eq(tdx_vm_finalize(vm), 0);
	tdx_vm_unref(vm);

	vm = new_vm();
	e = tdx_vm_get_last_error(vm);
	ck_assert_int_eq(tdxsim_ctl_fail_ioctl("KVM_TDX_INIT_VM", EIO, 0, 1), 0);
	ck_assert_int_eq(tdx_vm_init(vm, NULL), -EIO);
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "unusable"));
	ck_assert_int_eq(tdx_vm_init(vm, NULL), -EIO);
	ck_assert_int_eq(tdx_vm_finalize(vm), -EIO);
	tdx_vm_unref(vm);
}
END_TEST

START_TEST(tsc_frequency)
{
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);
	struct tdx_vm *vm = new_vm();
	unsigned long start = tdxsim_ctl_trace_count();

	cfg.tsc_khz = 2510000;	/* not a multiple of 25 MHz */
	ck_assert_int_eq(tdx_vm_init(vm, &cfg), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(tdx_vm_get_last_error(vm)), "tsc_khz");
	cfg.tsc_khz = 2500000;
	ck_assert_int_eq(tdx_vm_init(vm, &cfg), 0);
	/* VM-scope KVM_SET_TSC_KHZ precedes KVM_TDX_INIT_VM */
	ck_assert_int_lt(trace_find(start, "KVM_SET_TSC_KHZ"),
			 trace_find(start, "KVM_TDX_INIT_VM"));
	ck_assert_int_ge(trace_find(start, "KVM_SET_TSC_KHZ"), 0);
	tdx_vm_unref(vm);
}
END_TEST

START_TEST(forked_child_gets_echild)
{
	struct tdx_vm *vm = new_vm();
	pid_t pid;
	int status;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int r = tdx_vm_init(vm, NULL);

		_exit(r == -ECHILD ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	tdx_vm_unref(vm);
}
END_TEST

START_TEST(caps_query_throwaway_vm)
{
	struct tdx_caps *caps = NULL;
	int fds = tu_count_fds();

	ck_assert_int_eq(tdx_caps_query(ctx, &caps), 0);
	ck_assert_uint_eq(tdx_caps_get_supported_attrs(caps), TDX_ATTR_SEPT_VE_DISABLE);
	ck_assert_uint_eq(tdx_caps_cpuid_count(caps), 28);
	tdx_caps_free(caps);
	/* only the ctx's /dev/kvm fd stays open */
	ck_assert_int_eq(tu_count_fds(), fds + 1);
	/* cached per context: no second throwaway TD, not even an ioctl */
	ck_assert_int_eq(tdxsim_ctl_set_caps("minimal"), 0);
	{
		unsigned long calls = tdxsim_ctl_call_count();
		struct tdx_ctx *fresh;

		ck_assert_int_eq(tdx_caps_query(ctx, &caps), 0);
		ck_assert_uint_eq(tdxsim_ctl_call_count(), calls);
		ck_assert_uint_eq(tdx_caps_cpuid_count(caps), 28);
		tdx_caps_free(caps);
		/* a new context asks again */
		ck_assert_int_eq(tdx_ctx_new(NULL, &fresh), 0);
		ck_assert_int_eq(tdx_caps_query(fresh, &caps), 0);
		ck_assert_uint_eq(tdx_caps_cpuid_count(caps), 6);
		tdx_caps_free(caps);
		tdx_ctx_unref(fresh);
	}
}
END_TEST

/* Count the trace lines naming an ioctl since trace line `from`. */
static unsigned long trace_lines(unsigned long from, const char *what)
{
	unsigned long i, n = 0;
	char line[512];

	for (i = from; i < tdxsim_ctl_trace_count(); i++)
		if (tdxsim_ctl_trace_get(i, line, sizeof(line)) >= 0 && strstr(line, what))
			n++;
	return n;
}

/* tdx_caps_query() then tdx_vm_new(): the VM reuses the context's caps. */
START_TEST(caps_fetched_once_per_context)
{
	unsigned long t0 = tdxsim_ctl_trace_count();
	struct tdx_caps *caps = NULL;
	struct tdx_vm *vm = NULL, *vm2 = NULL;

	unsigned long t1;

	ck_assert_int_eq(tdx_caps_query(ctx, &caps), 0);
	t1 = tdxsim_ctl_trace_count();
	ck_assert_uint_ge(trace_lines(t0, "KVM_TDX_CAPABILITIES"), 1);
	ck_assert_int_eq(tdx_vm_new(ctx, NULL, &vm), 0);
	ck_assert_int_eq(tdx_vm_new(ctx, NULL, &vm2), 0);
	/* one throwaway TD for the query, then the two real ones, which
	 * do not ask for the capabilities again */
	ck_assert_uint_eq(trace_lines(t0, "KVM_CREATE_VM"), 3);
	ck_assert_uint_eq(trace_lines(t1, "KVM_TDX_CAPABILITIES"), 0);
	ck_assert_uint_eq(tdx_caps_cpuid_count(tdx_vm_get_caps(vm)), tdx_caps_cpuid_count(caps));
	ck_assert_ptr_eq(tdx_vm_get_caps(vm), tdx_vm_get_caps(vm2));
	tdx_caps_free(caps);
	tdx_vm_unref(vm2);
	tdx_vm_unref(vm);
}
END_TEST

/* The whole create -> init -> vCPU -> finalize flow; returns 0 or the error. */
static int launch(struct tdx_ctx *c)
{
	struct tdx_vm *vm = NULL;
	struct tdx_vcpu *v = NULL;
	int r;

	r = tdx_vm_new(c, NULL, &vm);
	if (r)
		return r;
	r = tdx_vm_init(vm, NULL);
	if (!r)
		r = tdx_vcpu_new(vm, 0, &v);
	if (!r)
		r = tdx_vcpu_init(v, HOB_GPA);
	if (!r)
		r = tdx_vm_finalize(vm);
	tdx_vcpu_unref(v);
	tdx_vm_unref(vm);
	return r;
}

static int launch_fresh(void)
{
	struct tdx_ctx *c;
	int r;

	ck_assert_int_eq(tdx_ctx_new(NULL, &c), 0);
	r = launch(c);
	tdx_ctx_unref(c);
	return r;
}

START_TEST(fault_injection_every_ioctl_leaks_nothing)
{
	unsigned long n, total;
	int fds, maps, nocloexec, failures = 0;

	/*
	 * Each launch uses a fresh context, so the path includes the first
	 * KVM_TDX_CAPABILITIES (cached per context afterwards).
	 */
	tdxsim_ctl_reset();
	fds = tu_count_fds();
	maps = tu_count_object_maps();
	nocloexec = tu_count_fds_without_cloexec();
	{
		unsigned long before = tdxsim_ctl_call_count();

		ck_assert_int_eq(launch_fresh(), 0);
		total = tdxsim_ctl_call_count() - before;
	}
	ck_assert_int_eq(tu_count_fds(), fds);
	ck_assert_uint_gt(total, 10);
	for (n = 1; n <= total; n++) {
		int r;

		tdxsim_ctl_fail_clear();
		ck_assert_int_eq(tdxsim_ctl_fail_nth(tdxsim_ctl_call_count() + 1 + (n - 1),
						     EIO), 0);
		r = launch_fresh();
		if (r)
			failures++;
		ck_assert_int_eq(tu_count_fds(), fds);
		ck_assert_int_eq(tu_count_object_maps(), maps);
		ck_assert_int_eq(tu_count_fds_without_cloexec(), nocloexec);
	}
	tdxsim_ctl_fail_clear();
	/* every ioctl on the path can fail, and each failure is reported */
	ck_assert_int_ge(failures, (int)total - 4);
	ck_assert_int_eq(launch_fresh(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm-sim");
	TCase *tc = tcase_create("vm");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, full_flow);
	tcase_add_test(tc, defaults_a_guest_boots_with);
	tcase_add_test(tc, cpuid_linear_address_bits_checked);
	tcase_add_test(tc, amx_guest_permission_requested);
	tcase_add_test(tc, create_sequence);
	tcase_add_test(tc, log_names_ioctls);
	tcase_add_test(tc, supported_cpuid_failure_is_an_error);
	tcase_add_test(tc, caps_fetched_once_per_context);
	tcase_add_test(tc, order_mistakes_are_caught_first);
	tcase_add_test(tc, config_rejected_before_any_ioctl);
	tcase_add_test(tc, module_error_is_decoded);
	tcase_add_test(tc, gpaw52_and_no_5level_ept);
	tcase_add_test(tc, eagain_is_retried_within_bounds);
	tcase_add_test(tc, finalize_without_initialised_vcpu_refused);
	tcase_add_test(tc, finalize_busy_then_ok_and_eio_kills);
	tcase_add_test(tc, tsc_frequency);
	tcase_add_test(tc, forked_child_gets_echild);
	tcase_add_test(tc, caps_query_throwaway_vm);
	tcase_add_test(tc, fault_injection_every_ioctl_leaks_nothing);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
