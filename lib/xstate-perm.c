/* SPDX-License-Identifier: MIT */
/*
 * Permission for the guest to use dynamically enabled XSAVE features (AMX
 * tile data), which the process must hold before KVM accepts a vCPU CPUID
 * that exposes them.
 */
#include <string.h>

#include "internal.h"
#include "vm-internal.h"

#ifndef ARCH_REQ_XCOMP_GUEST_PERM
#define ARCH_REQ_XCOMP_GUEST_PERM	0x1025
#endif
#define XFEATURE_XTILE_DATA		18

/* glibc exports arch_prctl() but no header declares it. */
extern int arch_prctl(int code, unsigned long addr);

/*
 * KVM_SET_CPUID2 whose leaf 0xD.0 has a dynamic XSAVE feature (AMX tile
 * data, bit 18) calls fpu_enable_guest_xfd_features() (kvm_check_cpuid(),
 * arch/x86/kvm/cpuid.c) -> __xfd_enable_feature()
 * (arch/x86/kernel/fpu/xstate.c), which fails with -EPERM unless the
 * process was granted the feature for guests with
 * arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM, 18).  A TD's vCPU CPUID shows AMX
 * whenever its XFAM does, so the permission is requested at INIT_VM.
 * xstate_request_perm() locks the guest permissions at the process's first
 * vCPU (-EBUSY afterwards), so this must precede KVM_CREATE_VCPU; it is
 * process-wide and idempotent.
 */
int tdx_vm_request_xfd_perm(struct tdx_vm *vm, uint64_t xfam)
{
	const char *why;
	int r;

	if (!(xfam & TDX_XFAM_AMX_TILEDATA))
		return 0;
	r = arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM, XFEATURE_XTILE_DATA);
	if (!r) {
		tdx_dbg(vm->ctx, "AMX tile data permitted for guests (ARCH_REQ_XCOMP_GUEST_PERM)");
		return 0;
	}
	r = -errno;
	switch (r) {
	case -EBUSY:
		why = "this process already created a vCPU without it, which locks the guest XSAVE permissions (xstate_request_perm())";
		break;
	case -EOPNOTSUPP:
		why = "the host kernel does not support AMX tile data";
		break;
	case -EINVAL:
		why = "the host kernel lacks ARCH_REQ_XCOMP_GUEST_PERM (before Linux 5.17)";
		break;
	default:
		why = strerror(-r);
		break;
	}
	return tdx_err(&vm->error, r, "arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM)", "xfam",
		       XFEATURE_XTILE_DATA,
		       "the XFAM has AMX, but the host refused guest permission for AMX tile data (bit 18): %s; KVM_SET_CPUID2 would fail with EPERM. Leave AMX out of the XFAM to launch without it",
		       why);
}
