/* SPDX-License-Identifier: MIT */
/* Serving the guest's private/shared conversion requests from a vCPU exit. */
#include "internal.h"
#include "mem-internal.h"
#include "vcpu-internal.h"

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
		tdx_vcpu_complete(v, ex, r ? TDX_TDVMCALL_INVALID_OPERAND :
				  TDX_TDVMCALL_SUCCESS);
	return r;
}
