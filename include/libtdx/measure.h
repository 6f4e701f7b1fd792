/* SPDX-License-Identifier: MIT */
/**
 * DOC: measure - predict MRTD by replaying a launch plan
 *
 * The TDX module keeps one SHA-384 context for MRTD from TDH.MNG.INIT to
 * TDH.MR.FINALIZE.  Every TDH.MEM.PAGE.ADD feeds it one 128-byte block:
 *
 *   bytes 0-11 "MEM.PAGE.ADD", 12-15 zero, 16-23 page GPA (u64 LE),
 *   24-127 zero
 *
 * and every TDH.MR.EXTEND (one per 256-byte chunk, 16 per page) three:
 *
 *   bytes 0-8 "MR.EXTEND", 9-15 zero, 16-23 chunk GPA (u64 LE), 24-127
 *   zero; then the 256 bytes of the chunk as now in the private page.
 *
 * So MRTD = SHA-384(every block, in call order), and the order matters.
 * tdx_measure_plan() replays a struct tdx_plan (plan.h) in one of two
 * orders:
 *
 *  - %TDX_MEASURE_ORDER_UPSTREAM (default): upstream QEMU + KVM.  Per
 *    operation in plan order, per page ascending: PAGE.ADD, then (if
 *    measured) the page's 16 MR.EXTENDs.
 *  - %TDX_MEASURE_ORDER_TWO_PASS: the OLDER downstream order (QEMU 8.x with
 *    pre-upstream TDX kernels): per operation, all its PAGE.ADDs, then all
 *    its MR.EXTENDs.  Use only to match hosts running such a stack.
 *
 * Operations that are not added (PermMem) contribute nothing.  A page's
 * bytes are its operation's source, zero-padded (see plan.h).
 *
 * The result (struct tdx_measurement) also says how the value came about:
 * counts of PAGE.ADD and MR.EXTEND, bytes hashed, and a per-operation
 * summary with the position of its first block in the hash; the full
 * transcript (every PAGE.ADD / MR.EXTEND in order) is available through a
 * callback.  Comparing two transcripts shows why two MRTDs differ.
 *
 * Thread safety: measurements of the same plan may run concurrently.
 */
#ifndef LIBTDX_MEASURE_H
#define LIBTDX_MEASURE_H

#include <libtdx/common.h>
#include <libtdx/plan.h>
#include <libtdx/tdvf.h>

#ifdef __cplusplus
extern "C" {
#endif

/** TDX_MRTD_SIZE - bytes in MRTD (SHA-384). */
#define TDX_MRTD_SIZE 48

/* Orders (struct tdx_measure_opts.order). */
/** TDX_MEASURE_ORDER_UPSTREAM - upstream QEMU + KVM, single pass (default). */
#define TDX_MEASURE_ORDER_UPSTREAM	0
/** TDX_MEASURE_ORDER_TWO_PASS - older downstream: per section ADDs, then EXTENDs. */
#define TDX_MEASURE_ORDER_TWO_PASS	1

/* Transcript event kinds (struct tdx_measure_event.kind). */
#define TDX_MEASURE_PAGE_ADD		1	/* TDH.MEM.PAGE.ADD, one 128-byte block */
#define TDX_MEASURE_MR_EXTEND		2	/* TDH.MR.EXTEND, three 128-byte blocks */

/**
 * struct tdx_measure_event - one entry of the full transcript.
 * @seq: position in the transcript (0, 1, ...)
 * @kind: TDX_MEASURE_PAGE_ADD or TDX_MEASURE_MR_EXTEND
 * @op: index of the plan operation
 * @section: its TDVF section index
 * @gpa: the page GPA (PAGE.ADD) or the 256-byte chunk GPA (MR.EXTEND)
 * @offset: byte offset of this event's first block in the hashed stream
 */
struct tdx_measure_event {
	uint64_t seq;
	int kind;
	size_t op;
	size_t section;
	uint64_t gpa;
	uint64_t offset;
};

/**
 * typedef tdx_measure_event_fn - transcript callback.
 * @userdata: as given in struct tdx_measure_opts
 * @ev: the event (valid during the call only)
 *
 * Return: 0 to continue; anything else stops the measurement: a negative
 * errno is then returned as it is, a positive value as -ECANCELED.
 */
typedef int (*tdx_measure_event_fn)(void *userdata,
				    const struct tdx_measure_event *ev);

/**
 * struct tdx_measure_opts - TDX_OPTS(tdx_measure_opts).
 * @sz: sizeof(struct tdx_measure_opts), set by TDX_OPTS()
 * @order: TDX_MEASURE_ORDER_* (0 = upstream)
 * @reserved: must be zero (makes the padding explicit, so TDX_OPTS() zeroes it)
 * @event_fn: optional; called for every PAGE.ADD and MR.EXTEND, in hash
 *   order (slows the measurement down; use for diagnosis)
 * @userdata: passed to @event_fn
 */
struct tdx_measure_opts {
	size_t sz;
	int order;
	uint32_t reserved;
	tdx_measure_event_fn event_fn;
	void *userdata;
};

/**
 * struct tdx_measure_op_summary - what one plan operation contributed.
 * @op: plan operation index
 * @section: TDVF section index
 * @type: TDX_TDVF_SECTION_*
 * @source: TDX_PLAN_SRC_*
 * @gpa: first page GPA
 * @pages: pages
 * @measured: the pages were MR.EXTENDed
 * @page_add: PAGE.ADD events (pages, or 0 when not added)
 * @mr_extend: MR.EXTEND events (16 per page when measured)
 * @first_seq: transcript position of its first event (= the total count
 *   before it), meaningful when @page_add is non-zero
 * @offset: byte offset of its first block in the hashed stream
 * @bytes: bytes it fed to the hash
 */
struct tdx_measure_op_summary {
	size_t op;
	size_t section;
	uint32_t type;
	uint32_t source;
	uint64_t gpa;
	uint64_t pages;
	bool measured;
	uint64_t page_add;
	uint64_t mr_extend;
	uint64_t first_seq;
	uint64_t offset;
	uint64_t bytes;
};

/** struct tdx_measurement - a measurement result (opaque). */
struct tdx_measurement;

/**
 * tdx_measure_plan() - replay a plan into SHA-384: the predicted MRTD.
 * @ctx: receives the last-error record on failure (may be NULL)
 * @plan: the plan (not modified)
 * @opts: order and transcript callback; NULL for upstream order
 * @ret_mrtd: the 48-byte MRTD
 * @ret_measurement: optional (may be NULL): counts, summary; free with
 *   tdx_measurement_free()
 *
 * Return: 0; -EINVAL (NULL @plan or @ret_mrtd, bad opts, unknown order);
 * -ENOMEM; -EIO (libcrypto failed; message in the record); -ECANCELED
 * (the transcript callback returned a positive value); or the negative
 * value a transcript callback returned.
 */
int tdx_measure_plan(struct tdx_ctx *ctx, const struct tdx_plan *plan,
		     const struct tdx_measure_opts *opts,
		     uint8_t ret_mrtd[TDX_MRTD_SIZE],
		     struct tdx_measurement **ret_measurement);

/**
 * struct tdx_measure_firmware_opts - TDX_OPTS(tdx_measure_firmware_opts).
 * @sz: sizeof(struct tdx_measure_firmware_opts), set by TDX_OPTS()
 * @measure: order and transcript callback (NULL: defaults)
 * @tdvf: parse options (NULL: defaults)
 * @plan_flags: TDX_PLAN_* flags
 * @payload: kernel image for a Payload section (borrowed during the call)
 * @payload_len: its length
 * @cmdline: command line for a PayloadParam section, NUL-terminated;
 *   its bytes including the NUL are the parameters (NULL: none)
 * @hob: TD HOB bytes (NULL: built from @layout if given, else zeros;
 *   only matters if TD_HOB is measured)
 * @hob_len: its length
 * @layout: optional RAM layout (layout.h): placement checks and the HOB,
 *   as for tdx_plan_new()
 * @diag: optional; receives the parser's diagnosis (code, section, offset)
 */
struct tdx_measure_firmware_opts {
	size_t sz;
	const struct tdx_measure_opts *measure;
	const struct tdx_tdvf_opts *tdvf;
	uint64_t plan_flags;
	const void *payload;
	size_t payload_len;
	const char *cmdline;
	const void *hob;
	size_t hob_len;
	const struct tdx_layout *layout;
	struct tdx_tdvf_diag *diag;
};

/**
 * tdx_measure_firmware() - MRTD of a firmware file in one call: parse,
 * plan, measure.
 * @ctx: receives the last-error record on failure (may be NULL); a parse
 *   failure is recorded with step "tdvf", field = the code name
 *   ("E_VERSION"), message = the parser's message
 * @path: the firmware image
 * @opts: NULL for defaults (upstream order, no payload)
 * @ret_mrtd: the 48-byte MRTD
 * @ret_measurement: optional, as for tdx_measure_plan()
 *
 * Return: 0, or any error of tdx_tdvf_open(), tdx_plan_new() and
 * tdx_measure_plan().
 */
int tdx_measure_firmware(struct tdx_ctx *ctx, const char *path,
			 const struct tdx_measure_firmware_opts *opts,
			 uint8_t ret_mrtd[TDX_MRTD_SIZE],
			 struct tdx_measurement **ret_measurement);

/** tdx_measurement_free() - free (NULL is fine). */
void tdx_measurement_free(struct tdx_measurement *m);
/** tdx_measurement_get_mrtd() - copy the MRTD (48 bytes) to @ret_mrtd. */
void tdx_measurement_get_mrtd(const struct tdx_measurement *m,
			      uint8_t ret_mrtd[TDX_MRTD_SIZE]);
/** tdx_measurement_get_order() - the TDX_MEASURE_ORDER_* used. */
int tdx_measurement_get_order(const struct tdx_measurement *m);
/** tdx_measurement_get_page_add_count() - TDH.MEM.PAGE.ADD count. */
uint64_t tdx_measurement_get_page_add_count(const struct tdx_measurement *m);
/** tdx_measurement_get_mr_extend_count() - TDH.MR.EXTEND count. */
uint64_t tdx_measurement_get_mr_extend_count(const struct tdx_measurement *m);
/** tdx_measurement_get_hashed_bytes() - bytes fed to SHA-384 (128 per ADD + 384 per EXTEND). */
uint64_t tdx_measurement_get_hashed_bytes(const struct tdx_measurement *m);
/** tdx_measurement_op_count() - entries in the summary (= plan operations). */
size_t tdx_measurement_op_count(const struct tdx_measurement *m);
/**
 * tdx_measurement_get_op() - summary entry @i (plan operation @i).
 *
 * Return: 0, -EINVAL (NULL argument), -ERANGE (@i out of range).
 */
int tdx_measurement_get_op(const struct tdx_measurement *m, size_t i,
			   struct tdx_measure_op_summary *ret_summary);

/** tdx_measure_order_name() - "upstream", "two-pass"; NULL if unknown. */
const char *tdx_measure_order_name(int order);
/**
 * tdx_measure_order_parse() - "upstream" or "two-pass" (also "single-pass",
 * "two_pass") to TDX_MEASURE_ORDER_*.
 *
 * Return: 0, -EINVAL (NULL argument or unknown name).
 */
int tdx_measure_order_parse(const char *name, int *ret_order);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_MEASURE_H */
