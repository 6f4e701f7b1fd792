/* SPDX-License-Identifier: MIT */
/* Serving the guest's private/shared conversion requests from a vCPU exit. */
#include <string.h>

#include "internal.h"
#include "mem-internal.h"
#include "vcpu-internal.h"

/*
 * The TDVMCALL status a MapGPA chunk gets for conversion result r.  A
 * refusal of the guest's request is INVALID_OPERAND; a host-side condition
 * that may pass (KVM_SET_MEMORY_ATTRIBUTES out of memory or interrupted)
 * is RETRY, which a Linux guest repeats a bounded number of times
 * (tdx_map_gpa(), arch/x86/coco/tdx/tdx.c: 3 tries without progress).
 */
static uint64_t map_gpa_status(int r)
{
	if (!r)
		return TDX_TDVMCALL_SUCCESS;
	if (r == -EAGAIN || r == -EINTR || r == -ENOMEM)
		return TDX_TDVMCALL_RETRY;
	return TDX_TDVMCALL_INVALID_OPERAND;
}

TDX_EXPORT int tdx_vcpu_convert(struct tdx_vcpu *v, struct tdx_mem *mem,
				const struct tdx_exit *ex)
{
	struct tdx_error scratch;
	bool to_private;
	uint64_t status;
	int r, rule;

	if (!v)
		return -EINVAL;
	if (!mem || !ex)
		return tdx_err_null(&v->error, "tdx_vcpu_convert", mem ? "exit" : "mem");
	if (mem->vm != v->vm)
		return tdx_err(&v->error, -EINVAL, "tdx_vcpu_convert", "mem", -1,
			       "the memory object belongs to another TD than vCPU %u",
			       v->id);
	if (ex->type != TDX_EXIT_MAP_GPA && ex->type != TDX_EXIT_MEMORY_FAULT)
		return tdx_err(&v->error, -EINVAL, "tdx_vcpu_convert", "exit", -1,
			       "exit %s is not a conversion request (MapGPA or memory fault)",
			       tdx_exit_type_name(ex->type) ? tdx_exit_type_name(ex->type) : "?");
	to_private = ex->u.convert.to_private;
	/* The mem's record is not this call's (common.h); the detail it
	 * would get is rewritten below into the vCPU's. */
	r = tdx_mem_convert_rule(mem, ex->u.convert.gpa, ex->u.convert.size,
				 to_private ? TDX_MEM_CONVERT_PRIVATE : 0, &rule, &scratch);
	if (ex->type == TDX_EXIT_MAP_GPA) {
		status = map_gpa_status(r);
		tdx_vcpu_complete(v, ex, status);
		if (!r)
			return 0;
		/* A refusal or a RETRY is an answer: the guest deals with it. */
		if (rule != TDX_MEM_RULE_NONE || status == TDX_TDVMCALL_RETRY)
			return 0;
		return tdx_err(&v->error, r, "tdx_vcpu_convert", NULL, -1,
			       "vCPU %u: MapGPA of [0x%llx, +0x%llx) to %s failed in the kernel (%s); the guest was told INVALID_OPERAND",
			       v->id, (unsigned long long)ex->u.convert.gpa,
			       (unsigned long long)ex->u.convert.size,
			       to_private ? "private" : "shared", strerror(-r));
	}
	/*
	 * A memory fault has no answer: KVM_RUN re-enters the guest, which
	 * faults on the same GPA again, and the kernel sets no limit
	 * (kvm_mmu_faultin_pfn(), arch/x86/kvm/mmu/mmu.c, reports the
	 * private/shared mismatch with kvm_mmu_prepare_memory_fault_exit()
	 * and -EFAULT every time).  A refused one can therefore never make
	 * progress: report it as the reason to stop the TD, naming the GPA
	 * and the rule.
	 */
	if (!r)
		return 0;
	if (rule != TDX_MEM_RULE_NONE)
		return tdx_err(&v->error, -EFAULT, "memory fault", tdx_mem_rule_name(rule), -1,
			       "vCPU %u faulted on GPA 0x%llx (+0x%llx, wants %s) and the conversion is refused (rule %s): the vCPU would fault there forever; stop the TD",
			       v->id, (unsigned long long)ex->u.convert.gpa,
			       (unsigned long long)ex->u.convert.size,
			       to_private ? "private" : "shared", tdx_mem_rule_name(rule));
	return tdx_err(&v->error, r, "memory fault", NULL, -1,
		       "vCPU %u faulted on GPA 0x%llx (+0x%llx, wants %s) and the conversion failed in the kernel: %s",
		       v->id, (unsigned long long)ex->u.convert.gpa,
		       (unsigned long long)ex->u.convert.size,
		       to_private ? "private" : "shared", strerror(-r));
}
