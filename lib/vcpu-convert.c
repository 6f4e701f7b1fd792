/* SPDX-License-Identifier: MIT */
/* Serving the guest's private/shared conversion requests from a vCPU exit. */
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
	int r;

	if (!v || !mem || !ex || mem->vm != v->vm)
		return -EINVAL;
	if (ex->type != TDX_EXIT_MAP_GPA && ex->type != TDX_EXIT_MEMORY_FAULT)
		return -EINVAL;
	r = tdx_mem_convert(mem, ex->u.convert.gpa, ex->u.convert.size,
			    ex->u.convert.to_private);
	if (ex->type == TDX_EXIT_MAP_GPA)
		tdx_vcpu_complete(v, ex, map_gpa_status(r));
	return r;
}
