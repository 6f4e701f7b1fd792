/* SPDX-License-Identifier: MIT */
/* Unit tests: the launch plan (plan.h). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "plan-internal.h"
#include "libtdx/measure.h"
#include "measure-image.h"
#include "testutil.h"

#define IMG_SIZE 0x10000u
#define BFV(off, pages) { (off), (pages) * MI_PAGE, MI_4G - IMG_SIZE + (off), \
			  (pages) * MI_PAGE, TDX_TDVF_SECTION_BFV, TDX_TDVF_ATTR_MR_EXTEND }
#define MEM(type, gpa, pages, attr) { 0, 0, (gpa), (pages) * MI_PAGE, (type), (attr) }

/* 1 measured BFV page, 1 TempMem page, 1 TD_HOB page. */
static const struct mi_sec small_secs[] = {
	BFV(0xf000, 1),
	MEM(TDX_TDVF_SECTION_TEMP_MEM, 0x800000, 1, 0),
	MEM(TDX_TDVF_SECTION_TD_HOB, 0x801000, 1, 0),
};

struct img {
	uint8_t *buf;
	struct tdx_tdvf *tdvf;
};

static void img_open(struct img *im, const struct mi_sec *secs, size_t n)
{
	struct tdx_tdvf_diag diag;
	int r;

	im->buf = mi_build(IMG_SIZE, secs, n);
	ck_assert_ptr_nonnull(im->buf);
	r = tdx_tdvf_parse(im->buf, IMG_SIZE, NULL, &diag, &im->tdvf);
	ck_assert_msg(r == 0, "parse: %d %s", r, diag.message);
}

static void img_close(struct img *im)
{
	tdx_tdvf_free(im->tdvf);
	free(im->buf);
}

static struct tdx_ctx *new_ctx(void)
{
	struct tdx_ctx *ctx;

	ck_assert_int_eq(tdx_ctx_new(NULL, &ctx), 0);
	return ctx;
}

static void assert_error(struct tdx_ctx *ctx, int err, const char *field,
			 const char *needle)
{
	const struct tdx_error *e = tdx_ctx_get_last_error(ctx);

	ck_assert_int_eq(tdx_error_get_errno(e), err);
	ck_assert_str_eq(tdx_error_get_step(e), "plan");
	ck_assert_str_eq(tdx_error_get_field(e), field);
	ck_assert_msg(strstr(tdx_error_get_message(e), needle), "message '%s' lacks '%s'",
		      tdx_error_get_message(e), needle);
}

START_TEST(small_image_plan)
{
	struct img im;
	struct tdx_plan *plan;
	struct tdx_plan_op op;
	struct tdx_plan_range rg;
	const void *src;
	size_t len;
	uint64_t gpa, measured;

	img_open(&im, small_secs, 3);
	ck_assert_int_eq(tdx_plan_new(NULL, im.tdvf, NULL, &plan), 0);
	ck_assert_uint_eq(tdx_plan_op_count(plan), 3);

	ck_assert_int_eq(tdx_plan_get_op(plan, 0, &op), 0);
	ck_assert_uint_eq(op.section, 0);
	ck_assert_uint_eq(op.type, TDX_TDVF_SECTION_BFV);
	ck_assert_uint_eq(op.source, TDX_PLAN_SRC_FIRMWARE);
	ck_assert_uint_eq(op.gpa, MI_4G - MI_PAGE);
	ck_assert_uint_eq(op.pages, 1);
	ck_assert_uint_eq(op.source_len, MI_PAGE);
	ck_assert(op.measured && op.added);
	ck_assert_int_eq(tdx_plan_get_source(plan, 0, &src, &len), 0);
	ck_assert_ptr_eq(src, im.buf + 0xf000);	/* borrowed, not copied */
	ck_assert_uint_eq(len, MI_PAGE);

	ck_assert_int_eq(tdx_plan_get_op(plan, 1, &op), 0);
	ck_assert_uint_eq(op.source, TDX_PLAN_SRC_ZERO);
	ck_assert_uint_eq(op.gpa, 0x800000);
	ck_assert(!op.measured && op.added);
	ck_assert_int_eq(tdx_plan_get_source(plan, 1, &src, &len), 0);
	ck_assert_ptr_null(src);
	ck_assert_uint_eq(len, 0);

	ck_assert_int_eq(tdx_plan_get_op(plan, 2, &op), 0);
	ck_assert_uint_eq(op.source, TDX_PLAN_SRC_HOB);
	ck_assert_uint_eq(op.source_len, 0);	/* no layout, no HOB given */
	ck_assert_int_eq(tdx_plan_get_op(plan, 3, &op), -ERANGE);
	ck_assert_int_eq(tdx_plan_get_source(plan, 3, &src, &len), -ERANGE);

	ck_assert_int_eq(tdx_plan_get_hob_gpa(plan, &gpa), 0);
	ck_assert_uint_eq(gpa, 0x801000);
	ck_assert_uint_eq(tdx_plan_get_total_pages(plan, &measured), 3);
	ck_assert_uint_eq(measured, 1);

	/* TempMem + TD_HOB merge into one private range */
	ck_assert_uint_eq(tdx_plan_private_range_count(plan), 2);
	ck_assert_int_eq(tdx_plan_get_private_range(plan, 0, &rg), 0);
	ck_assert_uint_eq(rg.gpa, 0x800000);
	ck_assert_uint_eq(rg.size, 0x2000);
	ck_assert_int_eq(tdx_plan_get_private_range(plan, 1, &rg), 0);
	ck_assert_uint_eq(rg.gpa, MI_4G - MI_PAGE);
	ck_assert_uint_eq(rg.size, MI_PAGE);
	ck_assert_int_eq(tdx_plan_get_private_range(plan, 2, &rg), -ERANGE);
	tdx_plan_free(plan);
	img_close(&im);
}
END_TEST

START_TEST(ovmf_plan)
{
	static const struct { uint32_t type; uint64_t gpa, pages; uint32_t src; bool m; } want[] = {
		{ TDX_TDVF_SECTION_BFV, 0xffe20000, 480, TDX_PLAN_SRC_FIRMWARE, true },
		{ TDX_TDVF_SECTION_CFV, 0xffe00000, 32, TDX_PLAN_SRC_FIRMWARE, false },
		{ TDX_TDVF_SECTION_TEMP_MEM, 0x810000, 16, TDX_PLAN_SRC_ZERO, false },
		{ TDX_TDVF_SECTION_TEMP_MEM, 0x80b000, 2, TDX_PLAN_SRC_ZERO, false },
		{ TDX_TDVF_SECTION_TD_HOB, 0x809000, 2, TDX_PLAN_SRC_HOB, false },
		{ TDX_TDVF_SECTION_TEMP_MEM, 0x800000, 6, TDX_PLAN_SRC_ZERO, false },
	};
	static const struct tdx_plan_range priv[] = {
		{ 0x800000, 0x6000 }, { 0x809000, 0x4000 }, { 0x810000, 0x10000 },
		{ 0xffe00000, 0x200000 },
	};
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_layout *layout;
	struct tdx_tdvf *tdvf;
	struct tdx_plan *plan;
	struct tdx_plan_op op;
	struct tdx_plan_range rg;
	const uint8_t *hob;
	size_t len, i;
	uint64_t gpa;

	if (access(MI_OVMF, R_OK)) {
		printf("SKIP ovmf_plan: %s absent (install package ovmf)\n", MI_OVMF);
		return;
	}
	ck_assert_int_eq(tdx_tdvf_open(MI_OVMF, NULL, NULL, &tdvf), 0);
	ck_assert_int_eq(tdx_layout_new_q35(2ull << 30, tdx_tdvf_get_image_size(tdvf), NULL,
					    &layout), 0);
	po.layout = layout;
	ck_assert_int_eq(tdx_plan_new(NULL, tdvf, &po, &plan), 0);
	ck_assert_uint_eq(tdx_plan_op_count(plan), 6);
	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(tdx_plan_get_op(plan, i, &op), 0);
		ck_assert_uint_eq(op.section, i);
		ck_assert_uint_eq(op.type, want[i].type);
		ck_assert_uint_eq(op.gpa, want[i].gpa);
		ck_assert_uint_eq(op.pages, want[i].pages);
		ck_assert_uint_eq(op.source, want[i].src);
		ck_assert_int_eq(op.measured, want[i].m);
		ck_assert(op.added);
	}
	ck_assert_uint_eq(tdx_plan_private_range_count(plan), 4);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(tdx_plan_get_private_range(plan, i, &rg), 0);
		ck_assert_uint_eq(rg.gpa, priv[i].gpa);
		ck_assert_uint_eq(rg.size, priv[i].size);
	}
	ck_assert_int_eq(tdx_plan_get_hob_gpa(plan, &gpa), 0);
	ck_assert_uint_eq(gpa, 0x809000);
	/* the HOB was built from the layout: 448 bytes for 2 GiB (QEMU's tdvf-hob.c) */
	ck_assert_int_eq(tdx_plan_get_source(plan, 4, (const void **)&hob, &len), 0);
	ck_assert_uint_eq(len, 448);
	ck_assert_uint_eq(hob[0] | hob[1] << 8, TDX_HOB_TYPE_HANDOFF);
	ck_assert_uint_eq(hob[2] | hob[3] << 8, TDX_HOB_HANDOFF_LEN);
	ck_assert_uint_eq(tdx_plan_get_total_pages(plan, NULL), 538);
	tdx_plan_free(plan);
	tdx_layout_free(layout);
	tdx_tdvf_free(tdvf);
}
END_TEST

START_TEST(hob_given_is_copied)
{
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	uint8_t hob[100];
	struct img im;
	struct tdx_plan *plan;
	const void *src;
	size_t len;

	memset(hob, 0xab, sizeof(hob));
	img_open(&im, small_secs, 3);
	po.hob = hob;
	po.hob_len = sizeof(hob);
	ck_assert_int_eq(tdx_plan_new(NULL, im.tdvf, &po, &plan), 0);
	memset(hob, 0, sizeof(hob));
	ck_assert_int_eq(tdx_plan_get_source(plan, 2, &src, &len), 0);
	ck_assert_uint_eq(len, 100);
	ck_assert_ptr_ne(src, hob);
	ck_assert_uint_eq(((const uint8_t *)src)[99], 0xab);
	tdx_plan_free(plan);
	img_close(&im);
}
END_TEST

START_TEST(hob_too_big)
{
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	static uint8_t hob[MI_PAGE + 8];
	struct tdx_plan *plan = NULL;
	struct tdx_ctx *ctx = new_ctx();
	struct img im;

	img_open(&im, small_secs, 3);
	po.hob = hob;
	po.hob_len = sizeof(hob);
	ck_assert_int_eq(tdx_plan_new(ctx, im.tdvf, &po, &plan), -EINVAL);
	ck_assert_ptr_null(plan);
	assert_error(ctx, -EINVAL, "hob", "the TD HOB (4104 bytes) does not fit in section 2 (TD_HOB");
	tdx_ctx_unref(ctx);
	img_close(&im);
}
END_TEST

START_TEST(hob_from_layout_too_big)
{
	/* a custom layout with many RAM ranges: the HOB outgrows its page */
	struct tdx_layout_range r[90];
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_layout *layout;
	struct tdx_plan *plan = NULL;
	struct tdx_ctx *ctx = new_ctx();
	struct img im;
	size_t i;

	for (i = 0; i < 90; i++) {
		r[i].gpa = 0x800000 + i * 0x200000ull;
		r[i].size = i ? 0x100000 : 0x100000;
		r[i].kind = TDX_LAYOUT_RAM;
		r[i].reserved = 0;
	}
	ck_assert_int_eq(tdx_layout_new(r, 90, NULL, &layout), 0);
	img_open(&im, small_secs, 3);
	po.layout = layout;
	ck_assert_int_eq(tdx_plan_new(ctx, im.tdvf, &po, &plan), -EINVAL);
	ck_assert_ptr_null(plan);
	ck_assert_str_eq(tdx_error_get_field(tdx_ctx_get_last_error(ctx)), "hob");
	tdx_layout_free(layout);
	tdx_ctx_unref(ctx);
	img_close(&im);
}
END_TEST

START_TEST(section_outside_ram)
{
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_layout *layout;
	struct tdx_plan *plan = NULL;
	struct tdx_ctx *ctx = new_ctx();
	struct img im;

	img_open(&im, small_secs, 3);
	/* 8 MiB of RAM: TempMem at 8 MiB is outside */
	ck_assert_int_eq(tdx_layout_new_q35(8ull << 20, IMG_SIZE, NULL, &layout), 0);
	po.layout = layout;
	ck_assert_int_eq(tdx_plan_new(ctx, im.tdvf, &po, &plan), -EINVAL);
	ck_assert_ptr_null(plan);
	assert_error(ctx, -EINVAL, "layout",
		     "section 1 (TempMem, [0x800000, 0x801000)) is not inside one RAM range");
	tdx_layout_free(layout);
	tdx_ctx_unref(ctx);
	img_close(&im);
}
END_TEST

START_TEST(overlap_rejected)
{
	/* the parser rejects overlaps first; reach the plan's own check */
	struct tdx_tdvf_section s[3] = {
		{ .type = TDX_TDVF_SECTION_TEMP_MEM, .gpa = 0x800000, .mem_size = 0x4000 },
		{ .type = TDX_TDVF_SECTION_TD_HOB, .gpa = 0x900000, .mem_size = 0x1000 },
		{ .type = TDX_TDVF_SECTION_TEMP_MEM, .gpa = 0x803000, .mem_size = 0x1000 },
	};
	struct tdx_error e;
	struct tdx_plan *plan = NULL;

	tdx_err_clear(&e);
	ck_assert_int_eq(tdx_plan_build(&e, NULL, 0, s, 3, NULL, 0, NULL, &plan), -EINVAL);
	ck_assert_ptr_null(plan);
	ck_assert_str_eq(e.field, "sections");
	ck_assert_msg(strstr(e.msg, "section 2 (TempMem, [0x803000, 0x804000)) overlaps section 0 (TempMem, [0x800000, 0x804000))"),
		      "%s", e.msg);
	/* touching is fine */
	s[2].gpa = 0x804000;
	ck_assert_int_eq(tdx_plan_build(&e, NULL, 0, s, 3, NULL, 0, NULL, &plan), 0);
	ck_assert_uint_eq(tdx_plan_private_range_count(plan), 2);
	tdx_plan_free(plan);
	/* a later section nested in an earlier, longer one */
	s[0].mem_size = 0x200000;
	s[1].gpa = 0x880000;
	s[2].gpa = 0x9ff000;
	ck_assert_int_eq(tdx_plan_build(&e, NULL, 0, s, 3, NULL, 0, NULL, &plan), -EINVAL);
	ck_assert_msg(strstr(e.msg, "section 1 (TD_HOB"), "%s", e.msg);
}
END_TEST

static const struct mi_sec payload_secs[] = {
	BFV(0xf000, 1),
	MEM(TDX_TDVF_SECTION_TD_HOB, 0x801000, 1, 0),
	MEM(TDX_TDVF_SECTION_PAYLOAD, 0x1000000, 4, TDX_TDVF_ATTR_MR_EXTEND),
	MEM(TDX_TDVF_SECTION_PAYLOAD_PARAM, 0x1004000, 1, 0),
};

START_TEST(payload_required)
{
	struct tdx_plan *plan = NULL;
	struct tdx_ctx *ctx = new_ctx();
	struct img im;

	img_open(&im, payload_secs, 4);
	ck_assert_int_eq(tdx_plan_new(ctx, im.tdvf, NULL, &plan), -EINVAL);
	ck_assert_ptr_null(plan);
	assert_error(ctx, -EINVAL, "payload",
		     "section 2 (Payload, [0x1000000, 0x1004000)) needs a payload");
	tdx_ctx_unref(ctx);
	img_close(&im);
}
END_TEST

START_TEST(payload_and_param)
{
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	static uint8_t kernel[0x4001];
	static const char cmdline[] = "console=hvc0";
	struct tdx_plan *plan = NULL;
	struct tdx_ctx *ctx = new_ctx();
	struct tdx_plan_op op;
	const void *src;
	size_t len;
	struct img im;

	img_open(&im, payload_secs, 4);
	po.payload = kernel;
	po.payload_len = sizeof(kernel);	/* one byte too many */
	ck_assert_int_eq(tdx_plan_new(ctx, im.tdvf, &po, &plan), -EINVAL);
	assert_error(ctx, -EINVAL, "payload", "the payload (16385 bytes) does not fit in section 2 (Payload");

	po.payload_len = 5000;
	po.payload_param = cmdline;
	po.payload_param_len = sizeof(cmdline);
	ck_assert_int_eq(tdx_plan_new(ctx, im.tdvf, &po, &plan), 0);
	ck_assert_int_eq(tdx_plan_get_op(plan, 2, &op), 0);
	ck_assert_uint_eq(op.source, TDX_PLAN_SRC_PAYLOAD);
	ck_assert_uint_eq(op.source_len, 5000);
	ck_assert(op.measured);
	ck_assert_int_eq(tdx_plan_get_source(plan, 2, &src, &len), 0);
	ck_assert_ptr_eq(src, kernel);		/* borrowed */
	ck_assert_int_eq(tdx_plan_get_op(plan, 3, &op), 0);
	ck_assert_uint_eq(op.source, TDX_PLAN_SRC_PAYLOAD_PARAM);
	ck_assert_int_eq(tdx_plan_get_source(plan, 3, &src, &len), 0);
	ck_assert_ptr_ne(src, cmdline);		/* copied */
	ck_assert_uint_eq(len, sizeof(cmdline));
	ck_assert_str_eq(src, cmdline);
	tdx_plan_free(plan);

	/* parameters too long */
	po.payload_param_len = MI_PAGE + 1;
	po.payload_param = kernel;
	ck_assert_int_eq(tdx_plan_new(ctx, im.tdvf, &po, &plan), -EINVAL);
	assert_error(ctx, -EINVAL, "payload_param", "does not fit in section 3 (PayloadParam");
	img_close(&im);

	/* a payload for a firmware without a Payload section */
	img_open(&im, small_secs, 3);
	po.payload_param = NULL;
	po.payload_param_len = 0;
	ck_assert_int_eq(tdx_plan_new(ctx, im.tdvf, &po, &plan), -EINVAL);
	assert_error(ctx, -EINVAL, "payload", "no Payload section");
	po.payload = NULL;
	po.payload_len = 0;
	po.payload_param = cmdline;
	po.payload_param_len = sizeof(cmdline);
	ck_assert_int_eq(tdx_plan_new(ctx, im.tdvf, &po, &plan), -EINVAL);
	assert_error(ctx, -EINVAL, "payload_param", "no PayloadParam section");
	img_close(&im);
	tdx_ctx_unref(ctx);
}
END_TEST

START_TEST(permmem_not_added)
{
	static const struct mi_sec secs[] = {
		BFV(0xf000, 1),
		MEM(TDX_TDVF_SECTION_PERM_MEM, 0x2000000, 256, TDX_TDVF_ATTR_PAGE_AUG),
		MEM(TDX_TDVF_SECTION_TEMP_MEM, 0x800000, 1, 0),
	};
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_layout *layout;
	struct tdx_plan *plan;
	struct tdx_plan_op op;
	struct tdx_plan_range rg;
	struct img im;
	uint64_t gpa = 77;

	img_open(&im, secs, 3);
	ck_assert_int_eq(tdx_plan_new(NULL, im.tdvf, NULL, &plan), 0);
	ck_assert_int_eq(tdx_plan_get_op(plan, 1, &op), 0);
	ck_assert_uint_eq(op.type, TDX_TDVF_SECTION_PERM_MEM);
	ck_assert_uint_eq(op.source, TDX_PLAN_SRC_NONE);
	ck_assert(!op.added && !op.measured);
	ck_assert_uint_eq(op.pages, 256);
	ck_assert_int_eq(tdx_plan_get_hob_gpa(plan, &gpa), -ENOENT);
	ck_assert_uint_eq(gpa, 77);
	ck_assert_uint_eq(tdx_plan_get_total_pages(plan, NULL), 2);
	ck_assert_uint_eq(tdx_plan_private_range_count(plan), 2);
	ck_assert_int_eq(tdx_plan_get_private_range(plan, 0, &rg), 0);
	ck_assert_uint_eq(rg.gpa, 0x800000);
	ck_assert_int_eq(tdx_plan_get_private_range(plan, 1, &rg), 0);
	ck_assert_uint_eq(rg.gpa, MI_4G - MI_PAGE);
	tdx_plan_free(plan);

	/* PermMem must be RAM: 32 MiB of RAM ends where it starts */
	ck_assert_int_eq(tdx_layout_new_q35(32ull << 20, IMG_SIZE, NULL, &layout), 0);
	po.layout = layout;
	ck_assert_int_eq(tdx_plan_new(NULL, im.tdvf, &po, &plan), -EINVAL);
	tdx_layout_free(layout);
	img_close(&im);
}
END_TEST

START_TEST(zero_fill_flag)
{
	/* BFV with MemoryDataSize 2 pages, RawDataSize 1 page */
	struct mi_sec secs[3] = {
		{ 0xe000, MI_PAGE, MI_4G - 0x2000, 2 * MI_PAGE, TDX_TDVF_SECTION_BFV,
		  TDX_TDVF_ATTR_MR_EXTEND },
		MEM(TDX_TDVF_SECTION_TEMP_MEM, 0x800000, 1, 0),
		MEM(TDX_TDVF_SECTION_TD_HOB, 0x801000, 1, 0),
	};
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_plan *plan;
	struct tdx_plan_op op;
	struct img im;

	img_open(&im, secs, 3);
	ck_assert_int_eq(tdx_plan_new(NULL, im.tdvf, NULL, &plan), 0);
	ck_assert_int_eq(tdx_plan_get_op(plan, 0, &op), 0);
	ck_assert_uint_eq(op.source_len, 2 * MI_PAGE);	/* QEMU: image bytes */
	tdx_plan_free(plan);
	po.flags = TDX_PLAN_ZERO_FILL;
	ck_assert_int_eq(tdx_plan_new(NULL, im.tdvf, &po, &plan), 0);
	ck_assert_int_eq(tdx_plan_get_op(plan, 0, &op), 0);
	ck_assert_uint_eq(op.source_len, MI_PAGE);	/* spec: zeros */
	tdx_plan_free(plan);
	po.flags = 1ull << 40;
	ck_assert_int_eq(tdx_plan_new(NULL, im.tdvf, &po, &plan), -EINVAL);
	img_close(&im);
}
END_TEST

START_TEST(bad_arguments)
{
	struct {
		struct tdx_plan_opts o;
		uint64_t extra;
	} big = { .o = TDX_OPTS(tdx_plan_opts), .extra = 1 };
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_plan *plan = NULL;
	struct tdx_plan_op op;
	struct tdx_plan_range rg;
	const void *src;
	size_t len;
	uint64_t gpa;
	struct img im;

	img_open(&im, small_secs, 3);
	ck_assert_int_eq(tdx_plan_new(NULL, NULL, NULL, &plan), -EINVAL);
	ck_assert_int_eq(tdx_plan_new(NULL, im.tdvf, NULL, NULL), -EINVAL);
	big.o.sz = sizeof(big);
	ck_assert_int_eq(tdx_plan_new(NULL, im.tdvf, &big.o, &plan), -EINVAL);
	big.extra = 0;
	ck_assert_int_eq(tdx_plan_new(NULL, im.tdvf, &big.o, &plan), 0);
	tdx_plan_free(plan);
	plan = NULL;
	po.hob_len = 10;	/* NULL hob with a length */
	ck_assert_int_eq(tdx_plan_new(NULL, im.tdvf, &po, &plan), -EINVAL);
	ck_assert_ptr_null(plan);
	ck_assert_int_eq(tdx_plan_get_op(NULL, 0, &op), -EINVAL);
	ck_assert_int_eq(tdx_plan_get_source(NULL, 0, &src, &len), -EINVAL);
	ck_assert_int_eq(tdx_plan_get_private_range(NULL, 0, &rg), -EINVAL);
	ck_assert_int_eq(tdx_plan_get_hob_gpa(NULL, &gpa), -EINVAL);
	ck_assert_uint_eq(tdx_plan_op_count(NULL), 0);
	ck_assert_uint_eq(tdx_plan_private_range_count(NULL), 0);
	tdx_plan_free(NULL);
	ck_assert_str_eq(tdx_plan_source_name(TDX_PLAN_SRC_PAYLOAD_PARAM), "payload_param");
	ck_assert_ptr_null(tdx_plan_source_name(99));
	img_close(&im);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, small_image_plan);
	tcase_add_test(tc, ovmf_plan);
	tcase_add_test(tc, hob_given_is_copied);
	tcase_add_test(tc, hob_too_big);
	tcase_add_test(tc, hob_from_layout_too_big);
	tcase_add_test(tc, section_outside_ram);
	tcase_add_test(tc, overlap_rejected);
	tcase_add_test(tc, payload_required);
	tcase_add_test(tc, payload_and_param);
	tcase_add_test(tc, permmem_not_added);
	tcase_add_test(tc, zero_fill_flag);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
