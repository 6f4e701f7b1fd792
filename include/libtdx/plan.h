/* SPDX-License-Identifier: MIT */
/**
 * DOC: plan - the launch plan: how a TD's initial image is loaded
 *
 * A launch plan is the ordered list of operations that puts a TDVF
 * firmware's sections into a TD before KVM_TDX_FINALIZE_VM.  It is pure
 * data (no ioctl) and has two consumers that must agree:
 *
 *  - the loader, which executes it against KVM: mark the private ranges
 *    (tdx_plan_get_private_range()), KVM_TDX_INIT_VCPU with RCX =
 *    tdx_plan_get_hob_gpa(), then one KVM_TDX_INIT_MEM_REGION per added
 *    operation, in plan order, with KVM_TDX_MEASURE_MEMORY_REGION iff
 *    the operation is measured;
 *  - tdx_measure_plan() (measure.h), which replays the same operations
 *    into SHA-384 to predict MRTD.
 *
 * One operation per TDVF section, in metadata table order (not sorted by
 * GPA: the order is part of MRTD).  Each operation has a source: the bytes
 * KVM copies into the pages.
 *
 *  ============  ========================================================
 *  section type  source
 *  ============  ========================================================
 *  BFV, CFV      %TDX_PLAN_SRC_FIRMWARE: the image from DataOffset, for
 *                MemoryDataSize bytes (what QEMU hands KVM; with
 *                %TDX_PLAN_ZERO_FILL only RawDataSize bytes, the rest
 *                zero as the TDVF spec says)
 *  TD_HOB        %TDX_PLAN_SRC_HOB: a copy of the HOB bytes, then zeros
 *  TempMem       %TDX_PLAN_SRC_ZERO: zero pages
 *  PermMem       %TDX_PLAN_SRC_NONE: not added at build time (PAGE.AUG
 *                on first access, accepted by the TD); never measured
 *  Payload       %TDX_PLAN_SRC_FIRMWARE when the image carries it
 *                (RawDataSize != 0), else %TDX_PLAN_SRC_PAYLOAD: the
 *                caller's kernel bytes (borrowed)
 *  PayloadParam  %TDX_PLAN_SRC_PAYLOAD_PARAM: a copy of the caller's
 *                parameter bytes (e.g. the command line), then zeros
 *  ============  ========================================================
 *
 * Zero padding: a source is often shorter than pages * 4096 bytes.  The
 * bytes past its end are zero.  Both consumers implement exactly that:
 * the measurement hashes zeros there, and the loader must hand KVM a
 * page-aligned buffer holding the source followed by zeros.  A source is
 * never longer than its operation.  A loader may hand KVM the source
 * pointer directly only when it is page-aligned and the source covers
 * every page (source_len == pages * 4096; true for BFV/CFV of a mapped
 * image with the default flags); otherwise it copies the source into a
 * zeroed, page-aligned buffer of pages * 4096 bytes.
 *
 * Lifetime: a plan borrows the firmware image (through the struct
 * tdx_tdvf it was built from) and the payload buffer; both must outlive
 * the plan.  HOB and payload-parameter bytes are copied.
 *
 * Thread safety: a plan is immutable once built; any number of threads
 * may read or measure it at once.
 */
#ifndef LIBTDX_PLAN_H
#define LIBTDX_PLAN_H

#include <libtdx/common.h>
#include <libtdx/tdvf.h>
#include <libtdx/layout.h>
#include <libtdx/hob.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Source kinds (struct tdx_plan_op.source). */
/** TDX_PLAN_SRC_NONE - nothing is added (PermMem). */
#define TDX_PLAN_SRC_NONE		0
/** TDX_PLAN_SRC_FIRMWARE - bytes of the firmware image. */
#define TDX_PLAN_SRC_FIRMWARE		1
/** TDX_PLAN_SRC_ZERO - zero pages (length 0). */
#define TDX_PLAN_SRC_ZERO		2
/** TDX_PLAN_SRC_HOB - the TD HOB (copied). */
#define TDX_PLAN_SRC_HOB		3
/** TDX_PLAN_SRC_PAYLOAD - the caller's payload (kernel image; borrowed). */
#define TDX_PLAN_SRC_PAYLOAD		4
/** TDX_PLAN_SRC_PAYLOAD_PARAM - the caller's payload parameters (copied). */
#define TDX_PLAN_SRC_PAYLOAD_PARAM	5

/* Plan flags (struct tdx_plan_opts.flags). */
/**
 * TDX_PLAN_ZERO_FILL - BFV/CFV/Payload pages past RawDataSize are zero
 * (TDVF spec), instead of the image bytes that follow (what QEMU does).
 * Only matters for images whose MemoryDataSize exceeds RawDataSize.
 */
#define TDX_PLAN_ZERO_FILL		(1ull << 0)

/** TDX_PLAN_PAGE_SIZE - the unit of every operation. */
#define TDX_PLAN_PAGE_SIZE		4096u

/**
 * struct tdx_plan_range - a guest-physical range [@gpa, @gpa + @size).
 * @gpa: first byte
 * @size: length in bytes
 */
struct tdx_plan_range {
	uint64_t gpa;
	uint64_t size;
};

/**
 * struct tdx_plan_opts - what the plan needs besides the firmware;
 * TDX_OPTS(tdx_plan_opts).
 * @sz: sizeof(struct tdx_plan_opts), set by TDX_OPTS()
 * @flags: TDX_PLAN_* flags
 * @layout: the TD's memory layout (layout.h; borrowed during the call);
 *   TD_HOB, TempMem and PermMem sections must each lie entirely inside one
 *   of its RAM ranges.  NULL: not checked (enough for a measurement, which
 *   does not depend on RAM; a loader must pass it: tdx_load_plan() refuses
 *   a plan whose TD_HOB section is all zeros for want of a layout or @hob)
 * @hob: the TD HOB bytes, copied into the plan.  NULL: built here with
 *   tdx_hob_build() when @layout is given (the usual case), else the
 *   TD_HOB section is all zeros (fine for measuring an image whose TD_HOB
 *   is not measured)
 * @hob_len: its length; must fit in the TD_HOB section
 * @payload: kernel image for a Payload section that the image does not
 *   carry; borrowed, must outlive the plan
 * @payload_len: its length; must fit in the Payload section
 * @payload_param: payload parameters (e.g. the kernel command line,
 *   including its terminating NUL if the payload expects one); copied
 * @payload_param_len: its length; must fit in the PayloadParam section
 */
struct tdx_plan_opts {
	size_t sz;
	uint64_t flags;
	const struct tdx_layout *layout;
	const void *hob;
	size_t hob_len;
	const void *payload;
	size_t payload_len;
	const void *payload_param;
	size_t payload_param_len;
};

/**
 * struct tdx_plan_op - one operation of a plan (one TDVF section).
 * @section: index of the section in the TDVF metadata table
 * @type: its TDX_TDVF_SECTION_* type
 * @source: TDX_PLAN_SRC_*
 * @gpa: first guest-physical address (4 KiB aligned)
 * @pages: number of 4 KiB pages
 * @source_len: bytes of source (<= pages * 4096; the rest is zero)
 * @measured: MR_EXTEND: every page is measured (16 TDH.MR.EXTEND each,
 *   KVM_TDX_MEASURE_MEMORY_REGION)
 * @added: the pages are added while building the TD (TDH.MEM.PAGE.ADD via
 *   KVM_TDX_INIT_MEM_REGION); false for PermMem, which is PAGE.AUGed
 *   later and only needs to be private RAM
 */
struct tdx_plan_op {
	size_t section;
	uint32_t type;
	uint32_t source;
	uint64_t gpa;
	uint64_t pages;
	uint64_t source_len;
	bool measured;
	bool added;
};

/** struct tdx_plan - a launch plan (opaque, immutable). */
struct tdx_plan;

/**
 * tdx_plan_new() - build the launch plan for a parsed firmware.
 * @ctx: receives the last-error record on failure (may be NULL)
 * @tdvf: the parsed image; borrowed, must outlive the plan
 * @opts: layout, HOB, payload; NULL for none
 * @ret_plan: the plan
 *
 * Checks, reported as -EINVAL with step "plan", field naming the input
 * and a message naming the section and addresses: two sections overlap
 * (field "sections"); a TD_HOB, TempMem or PermMem section is not inside
 * one RAM range of @opts->layout (field "layout"); the HOB built from the
 * layout does not fit its section (field "hob", the tdx_hob_build()
 * message); the image has a Payload section without raw data and no
 * @payload was given (field "payload"); HOB, payload or payload
 * parameters longer than their section (fields "hob", "payload",
 * "payload_param"); @payload or @payload_param given but the image has no
 * such section (or carries its own payload).
 *
 * Return: 0; -EINVAL (NULL @tdvf or @ret_plan, bad opts, a NULL pointer
 * with a non-zero length, a failed check above); -ENOMEM.
 */
int tdx_plan_new(struct tdx_ctx *ctx, const struct tdx_tdvf *tdvf,
		 const struct tdx_plan_opts *opts, struct tdx_plan **ret_plan);

/** tdx_plan_free() - free a plan (NULL is fine). */
void tdx_plan_free(struct tdx_plan *plan);

/** tdx_plan_op_count() - number of operations (= TDVF sections). */
size_t tdx_plan_op_count(const struct tdx_plan *plan);

/**
 * tdx_plan_get_op() - operation @i, in execution order.
 *
 * Return: 0, -EINVAL (NULL argument), -ERANGE (@i out of range).
 */
int tdx_plan_get_op(const struct tdx_plan *plan, size_t i,
		    struct tdx_plan_op *ret_op);

/**
 * tdx_plan_get_source() - the source bytes of operation @i.
 * @ret_data: the bytes (borrowed from the image, the payload or the plan);
 *   NULL when the operation has no source bytes (ZERO, NONE, or an empty
 *   HOB/parameter)
 * @ret_len: their length; pages * 4096 - @ret_len zero bytes follow
 *   conceptually (see "Zero padding" above)
 *
 * Return: 0, -EINVAL (NULL argument), -ERANGE (@i out of range).
 */
int tdx_plan_get_source(const struct tdx_plan *plan, size_t i,
			const void **ret_data, size_t *ret_len);

/**
 * tdx_plan_private_range_count() - number of ranges to mark private before the
 * first KVM_TDX_INIT_MEM_REGION.
 */
size_t tdx_plan_private_range_count(const struct tdx_plan *plan);

/**
 * tdx_plan_get_private_range() - private range @i: the GPA ranges of all added
 * operations, sorted by address, adjacent ones merged.  (PermMem and the
 * rest of RAM are private too, but need not be before INIT_MEM_REGION.)
 *
 * Return: 0, -EINVAL (NULL argument), -ERANGE (@i out of range).
 */
int tdx_plan_get_private_range(const struct tdx_plan *plan, size_t i,
			       struct tdx_plan_range *ret_range);

/**
 * tdx_plan_get_hob_gpa() - the TD_HOB section's GPA: the value for
 * KVM_TDX_INIT_VCPU (initial RCX of every vCPU).
 *
 * Return: 0; -EINVAL (NULL argument); -ENOENT (the firmware has no TD_HOB
 * section, as a td-shim with PermMem may; then pass 0).
 */
int tdx_plan_get_hob_gpa(const struct tdx_plan *plan, uint64_t *ret_gpa);

/**
 * tdx_plan_get_total_pages() - pages the plan adds (PAGE.ADD count);
 * @ret_measured: optional, pages it measures (MR.EXTEND count / 16).
 */
uint64_t tdx_plan_get_total_pages(const struct tdx_plan *plan, uint64_t *ret_measured);

/**
 * tdx_plan_source_name() - "firmware", "zero", "hob", "payload",
 * "payload_param", "none"; NULL for an unknown value.
 */
const char *tdx_plan_source_name(uint32_t source);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_PLAN_H */
