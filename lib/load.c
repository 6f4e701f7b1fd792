/* SPDX-License-Identifier: MIT */
/* The loader: execute a launch plan with KVM_TDX_INIT_MEM_REGION. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "mem-internal.h"
#include "plan-internal.h"
#include "vcpu-internal.h"
#include "vm-internal.h"

#define STEP "KVM_TDX_INIT_MEM_REGION"
#define PAGE 4096ull
#define DEFAULT_MAX_RESTARTS 1000

TDX_EXPORT int tdx_mem_add_layout(struct tdx_mem *mem, const struct tdx_layout *layout)
{
	size_t i, n;
	int r;

	if (!mem)
		return -EINVAL;
	if (!layout)
		return tdx_err_null(&mem->error, "tdx_mem_add_layout", "layout");
	n = tdx_layout_range_count(layout);
	for (i = 0; i < n; i++) {
		struct tdx_layout_range rg;

		tdx_layout_get_range(layout, i, &rg);	/* i < n: cannot fail */
		if (rg.kind != TDX_LAYOUT_RAM && rg.kind != TDX_LAYOUT_FIRMWARE)
			continue;
		r = tdx_mem_add_region(mem, rg.gpa, rg.size, NULL, NULL);
		if (r)
			return r;
		/* As QEMU does for guest_memfd-backed RAM: a TD's memory starts
		 * private; the guest asks for the shared parts it needs. */
		r = tdx_mem_convert(mem, rg.gpa, rg.size, true);
		if (r)
			return r;
	}
	return 0;
}

/*
 * The bytes KVM copies for op i: the plan's source when it is page-aligned
 * and covers every page, else a zeroed anonymous mapping with the source
 * copied in (*owned set; caller munmaps).
 */
static int op_source(const struct tdx_plan *plan, size_t i,
		     const struct tdx_plan_op *op, void **src, size_t *owned)
{
	const void *p = NULL;
	size_t len = 0, total = (size_t)op->pages * PAGE;
	void *buf;
	int r;

	*owned = 0;
	r = tdx_plan_get_source(plan, i, &p, &len);
	if (r)
		return r;
	if (p && len == total && !((uintptr_t)p & (PAGE - 1))) {
		*src = (void *)p;
		return 0;
	}
	buf = mmap(NULL, total, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return -ENOMEM;
	if (p && len)
		memcpy(buf, p, len < total ? len : total);
	*src = buf;
	*owned = total;
	return 0;
}

static int load_op(struct tdx_mem *mem, struct tdx_vcpu *v,
		   const struct tdx_plan_op *op, void *src, uint32_t max_restarts,
		   size_t idx, struct tdx_load_stats *st)
{
	struct kvm_tdx_init_mem_region rg = {
		.source_addr = (uint64_t)(uintptr_t)src,
		.gpa = op->gpa,
		.nr_pages = op->pages,
	};
	uint32_t flags = op->measured ? KVM_TDX_MEASURE_MEMORY_REGION : 0;
	uint32_t stalls = 0;
	int r;

	for (;;) {
		uint64_t before = rg.nr_pages;

		r = tdx_kvm_tdx_cmd(mem->ctx, v->fd, KVM_TDX_INIT_MEM_REGION, flags,
				    (uint64_t)(uintptr_t)&rg, NULL);
		if (r != -EINTR && r != -EAGAIN)
			break;
		/* The kernel wrote back its progress: resume from there. */
		st->resumes++;
		if (rg.nr_pages == 0) {
			r = 0;
			break;
		}
		if (rg.nr_pages < before)
			stalls = 0;
		else if (++stalls > max_restarts)
			break;
	}
	/* What KVM added (its progress, also on failure) is the initial
	 * image, which the mem layer then refuses to make shared. */
	if (rg.nr_pages <= op->pages &&
	    tdx_mem_mark_added(mem, op->gpa, (op->pages - rg.nr_pages) * PAGE) && !r)
		return tdx_err(&mem->error, -ENOMEM, STEP, "plan", (int)idx,
			       "out of memory recording the added pages");
	if (r)
		return tdx_err(&mem->error, r, STEP, "plan", (int)idx,
			       "%s failed for section %u (%s) at GPA 0x%llx, %llu of %llu pages left: %s",
			       STEP, (unsigned int)op->section, tdx_tdvf_section_type_name(op->type),
			       (unsigned long long)rg.gpa,
			       (unsigned long long)rg.nr_pages,
			       (unsigned long long)op->pages, strerror(-r));
	st->sections++;
	st->pages_added += op->pages;
	if (op->measured)
		st->pages_measured += op->pages;
	return 0;
}

TDX_EXPORT int tdx_load_plan(struct tdx_mem *mem, const struct tdx_plan *plan,
			     struct tdx_vcpu *vcpu, const struct tdx_load_opts *opts,
			     struct tdx_load_stats *ret_stats)
{
	const char *why;
	struct tdx_load_stats st = { 0 };
	uint32_t max_restarts;
	size_t i, n;
	int r, rule;

	if (!mem)
		return -EINVAL;
	if (!plan || !vcpu)
		return tdx_err_null(&mem->error, "tdx_load_plan", plan ? "vcpu" : "plan");
	why = tdx_opts_problem(opts, offsetof(struct tdx_load_opts, reserved));
	if (why)
		return tdx_err(&mem->error, -EINVAL, "validate", "opts", -1,
			       "struct tdx_load_opts: %s", why);
	max_restarts = TDX_OPTS_GET(opts, max_restarts, 0);
	if (!max_restarts)
		max_restarts = DEFAULT_MAX_RESTARTS;
	if (vcpu->vm != mem->vm)
		return tdx_err(&mem->error, -EINVAL, "validate", "vcpu", -1,
			       "the vCPU belongs to another TD");
	if (mem->vm->state != TDX_VM_INITIALIZED)
		return tdx_err(&mem->error, -EINVAL, "validate", NULL, -1,
			       mem->vm->state == TDX_VM_CREATED ?
			       "loading needs an initialised TD (tdx_vm_init() first)" :
			       "the TD is finalised: its initial image can no longer change");
	if (!vcpu->initialized)
		return tdx_err(&mem->error, -EINVAL, "validate", "vcpu", -1,
			       "KVM_TDX_INIT_MEM_REGION needs a vCPU that went through KVM_TDX_INIT_VCPU (tdx_vcpu_init())");
	r = tdx_vm_check_usable(mem->vm, &mem->error);
	if (r)
		return r;
	/*
	 * plan.h: a loader must pass a layout.  Without one (and without HOB
	 * bytes of the caller's) tdx_plan_new() leaves the TD_HOB section all
	 * zeros, which is only good for measuring: TDVF reads the TD's memory
	 * map from the HOB and cannot boot on zeros.
	 */
	if (plan->has_hob && !plan->hob_copy)
		return tdx_err(&mem->error, -EINVAL, "validate", "layout", -1,
			       "the plan's TD HOB (GPA 0x%llx) is all zeros: it was built without tdx_plan_opts.layout (or .hob), which a plan for loading needs",
			       (unsigned long long)plan->hob_gpa);
	/*
	 * A page can be added once: KVM_TDX_INIT_MEM_REGION over a page that
	 * is already in the TD fails in the kernel with an errno that does
	 * not name the cause (tdx_vcpu_init_mem_region() ->
	 * kvm_gmem_populate() -> tdx_gmem_post_populate(),
	 * arch/x86/kvm/vmx/tdx.c: EIO).  Loading a plan twice is named here.
	 */
	n = tdx_plan_op_count(plan);
	for (i = 0; i < n; i++) {
		struct tdx_plan_op op;

		if (tdx_plan_get_op(plan, i, &op) || !op.added || !op.pages)
			continue;
		if (tdx_mem_any_added(mem, op.gpa, (uint64_t)op.pages * PAGE))
			return tdx_err(&mem->error, -EALREADY, "validate", "plan", (int)i,
				       "section %u at GPA 0x%llx is already loaded: a TD's initial pages can be added only once",
				       (unsigned int)op.section, (unsigned long long)op.gpa);
	}

	/* 1. Every range the plan adds must be private first. */
	n = tdx_plan_private_range_count(plan);
	for (i = 0; i < n; i++) {
		struct tdx_plan_range pr;

		r = tdx_plan_get_private_range(plan, i, &pr);
		if (r)
			return r;
		r = tdx_mem_convert_rule(mem, pr.gpa, pr.size, TDX_MEM_CONVERT_PRIVATE,
					 &rule, NULL);
		/* load.h: a plan range outside the regions is -EINVAL (the
		 * conversion's own answer would be NOT_RAM -EFAULT). */
		if (rule == TDX_MEM_RULE_NOT_RAM || rule == TDX_MEM_RULE_STRADDLE)
			return tdx_err(&mem->error, -EINVAL, "validate", "plan", (int)i,
				       "the plan's private range [0x%llx, +0x%llx) is not inside the TD's memory regions (%s): add the plan's layout with tdx_mem_add_layout() first",
				       (unsigned long long)pr.gpa, (unsigned long long)pr.size,
				       tdx_mem_rule_name(rule));
		if (r) {
			mem->error.bit = (int)i;
			return r;	/* mem recorded which rule */
		}
		st.private_ranges++;
	}
	/* 2. One INIT_MEM_REGION per added section, in plan order. */
	n = tdx_plan_op_count(plan);
	for (i = 0; i < n; i++) {
		struct tdx_plan_op op;
		size_t owned;
		void *src;

		r = tdx_plan_get_op(plan, i, &op);
		if (r)
			return r;
		if (!op.added || !op.pages)
			continue;
		r = op_source(plan, i, &op, &src, &owned);
		if (r)
			return tdx_err(&mem->error, r, STEP, "plan", (int)i,
				       "cannot stage the source of section %u: %s",
				       (unsigned int)op.section, strerror(-r));
		r = load_op(mem, vcpu, &op, src, max_restarts, i, &st);
		if (owned)
			munmap(src, owned);
		if (r)
			return r;
	}
	tdx_dbg(mem->ctx, "loaded %llu sections, %llu pages (%llu measured), %llu resumes",
		(unsigned long long)st.sections, (unsigned long long)st.pages_added,
		(unsigned long long)st.pages_measured, (unsigned long long)st.resumes);
	if (ret_stats)
		*ret_stats = st;
	return 0;
}
