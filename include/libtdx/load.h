/* SPDX-License-Identifier: MIT */
/**
 * DOC: load - put a TD's initial image into its memory
 *
 * The loader executes a launch plan (plan.h) against KVM, in the order the
 * upstream kernel requires:
 *
 *   tdx_mem_add_layout()  one guest_memfd-backed region per RAM/firmware
 *                         range of the layout (memslots can exist early)
 *   tdx_vcpu_init()       on at least one vCPU (RCX = tdx_plan_get_hob_gpa())
 *   tdx_load_plan()       mark every range the plan adds private, then one
 *                         KVM_TDX_INIT_MEM_REGION per added section, on that
 *                         initialised vCPU, measured iff the section is
 *   tdx_vm_finalize()
 *
 * The measurement (measure.h) replays the same plan, so the predicted MRTD
 * and the loaded TD cannot disagree about order or content.
 *
 * Thread safety: call from one thread, before any vCPU runs.
 */
#ifndef LIBTDX_LOAD_H
#define LIBTDX_LOAD_H

#include <libtdx/common.h>
#include <libtdx/layout.h>
#include <libtdx/mem.h>
#include <libtdx/plan.h>
#include <libtdx/vcpu.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct tdx_load_opts - TDX_OPTS(tdx_load_opts).
 * @sz: sizeof(struct tdx_load_opts)
 * @max_restarts: how many times one section may be resumed after KVM
 *   reports -EINTR/-EAGAIN (a signal, a busy module) without progress;
 *   0 = 1000.  Progress always resumes from where the kernel stopped:
 *   a region is never restarted from its start.
 * @reserved: must be zero (makes the padding explicit, so TDX_OPTS() zeroes it)
 */
struct tdx_load_opts {
	size_t sz;
	uint32_t max_restarts;
	uint32_t reserved;
};

/**
 * struct tdx_load_stats - what tdx_load_plan() did.
 */
struct tdx_load_stats {
	uint64_t sections;	/* KVM_TDX_INIT_MEM_REGION sections */
	uint64_t pages_added;
	uint64_t pages_measured;
	uint64_t resumes;	/* -EINTR/-EAGAIN resumptions */
	uint64_t private_ranges;
};

/**
 * tdx_load_plan() - load @plan into the TD behind @mem, using @vcpu.
 * @vcpu: a vCPU of the same TD, initialised (tdx_vcpu_init()); KVM
 *   requires it for KVM_TDX_INIT_MEM_REGION
 * @ret_stats: optional
 *
 * Return: 0; -EINVAL (NULL, @vcpu not initialised or of another TD, TD not
 * initialised or already finalised, a plan range not covered by the
 * regions, or a plan whose firmware has a TD_HOB section but that was
 * built without tdx_plan_opts.layout or .hob, so its HOB would be all
 * zeros: field "layout"; these refusals are step "validate", before any
 * ioctl); the kernel's errno of a failing KVM_TDX_INIT_MEM_REGION (step,
 * section and GPA in tdx_mem_get_last_error()); -EALREADY (a section of
 * the plan is already loaded); -ECHILD, -EIO (not the VM's creator process,
 * TD dead); -EINTR/-EAGAIN when resumes
 * are exhausted; -ENOMEM.
 */
int tdx_load_plan(struct tdx_mem *mem, const struct tdx_plan *plan,
		  struct tdx_vcpu *vcpu, const struct tdx_load_opts *opts,
		  struct tdx_load_stats *ret_stats);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_LOAD_H */
