/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: MRTD prediction (measure.h).  Known answers for Debian's
 * OVMF.fd, and synthetic images whose expected MRTD is computed by the
 * independent reference model in measure-image.h.
 */
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

#define OVMF_UPSTREAM "4c7206f0f483c524f12c366c711e9049030a8d47c471ee5aa9c4999a08de4057fb887fed0744d5631a212967fb231c47"
#define OVMF_TWO_PASS "acccbcc870a381adab0d3919d90a7f268ac3b0364771f202ed4bb4e892d045b33db3b32e6924cba830a724eed443f7e1"

struct img {
	uint8_t *buf;
	struct tdx_tdvf *tdvf;
	struct tdx_plan *plan;
};

static void img_open(struct img *im, const struct mi_sec *secs, size_t n,
		     const struct tdx_plan_opts *po)
{
	struct tdx_tdvf_diag diag;
	int r;

	im->buf = mi_build(IMG_SIZE, secs, n);
	ck_assert_ptr_nonnull(im->buf);
	r = tdx_tdvf_parse(im->buf, IMG_SIZE, NULL, &diag, &im->tdvf);
	ck_assert_msg(r == 0, "parse: %d %s", r, diag.message);
	ck_assert_int_eq(tdx_plan_new(NULL, im->tdvf, po, &im->plan), 0);
}

static void img_close(struct img *im)
{
	tdx_plan_free(im->plan);
	tdx_tdvf_free(im->tdvf);
	free(im->buf);
}

static void measure(const struct tdx_plan *plan, int order, uint8_t out[48])
{
	struct tdx_measure_opts mo = TDX_OPTS(tdx_measure_opts);

	mo.order = order;
	ck_assert_int_eq(tdx_measure_plan(NULL, plan, &mo, out, NULL), 0);
}

static bool have_ovmf(const char *test)
{
	if (access(MI_OVMF, R_OK) == 0)
		return true;
	printf("SKIP %s: %s absent (install package ovmf)\n", test, MI_OVMF);
	return false;
}

START_TEST(ovmf_known_answers)
{
	struct tdx_measure_firmware_opts fo = TDX_OPTS(tdx_measure_firmware_opts);
	struct tdx_measure_opts mo = TDX_OPTS(tdx_measure_opts);
	struct tdx_measurement *m;
	struct tdx_measure_op_summary s;
	uint8_t mrtd[48], again[48];

	if (!have_ovmf("ovmf_known_answers"))
		return;
	ck_assert_int_eq(tdx_measure_firmware(NULL, MI_OVMF, NULL, mrtd, &m), 0);
	ck_assert_msg(mi_hex_eq(mrtd, OVMF_UPSTREAM), "upstream MRTD differs");
	ck_assert_int_eq(tdx_measurement_get_order(m), TDX_MEASURE_ORDER_UPSTREAM);
	ck_assert_uint_eq(tdx_measurement_get_page_add_count(m), 538);
	ck_assert_uint_eq(tdx_measurement_get_mr_extend_count(m), 7680);
	ck_assert_uint_eq(tdx_measurement_get_hashed_bytes(m), 3017984);
	tdx_measurement_get_mrtd(m, again);
	ck_assert_mem_eq(again, mrtd, 48);
	ck_assert_uint_eq(tdx_measurement_op_count(m), 6);
	ck_assert_int_eq(tdx_measurement_get_op(m, 0, &s), 0);
	ck_assert_uint_eq(s.page_add, 480);
	ck_assert_uint_eq(s.mr_extend, 7680);
	ck_assert_uint_eq(s.first_seq, 0);
	ck_assert_uint_eq(s.bytes, 480 * (128 + 16 * 384));
	ck_assert_int_eq(tdx_measurement_get_op(m, 1, &s), 0);
	ck_assert_uint_eq(s.page_add, 32);
	ck_assert_uint_eq(s.mr_extend, 0);
	ck_assert_uint_eq(s.first_seq, 480 * 17);
	ck_assert_uint_eq(s.offset, 480 * (128 + 16 * 384));
	ck_assert_int_eq(tdx_measurement_get_op(m, 6, &s), -ERANGE);
	tdx_measurement_free(m);

	mo.order = TDX_MEASURE_ORDER_TWO_PASS;
	fo.measure = &mo;
	ck_assert_int_eq(tdx_measure_firmware(NULL, MI_OVMF, &fo, mrtd, &m), 0);
	ck_assert_msg(mi_hex_eq(mrtd, OVMF_TWO_PASS), "two-pass MRTD differs");
	ck_assert_int_eq(tdx_measurement_get_order(m), TDX_MEASURE_ORDER_TWO_PASS);
	ck_assert_uint_eq(tdx_measurement_get_page_add_count(m), 538);
	ck_assert_uint_eq(tdx_measurement_get_mr_extend_count(m), 7680);
	ck_assert_uint_eq(tdx_measurement_get_hashed_bytes(m), 3017984);
	tdx_measurement_free(m);
}
END_TEST

START_TEST(ovmf_independent_of_ram_and_hob)
{
	/* with a q35 layout (so a real HOB) the value does not change */
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_layout *layout;
	struct tdx_tdvf *tdvf;
	struct tdx_plan *plan;
	uint8_t mrtd[48];
	uint64_t gib;

	if (!have_ovmf("ovmf_independent_of_ram_and_hob"))
		return;
	ck_assert_int_eq(tdx_tdvf_open(MI_OVMF, NULL, NULL, &tdvf), 0);
	for (gib = 1; gib <= 16; gib *= 4) {
		ck_assert_int_eq(tdx_layout_new_q35(gib << 30, tdx_tdvf_get_image_size(tdvf),
						    NULL, &layout), 0);
		po.layout = layout;
		ck_assert_int_eq(tdx_plan_new(NULL, tdvf, &po, &plan), 0);
		measure(plan, TDX_MEASURE_ORDER_UPSTREAM, mrtd);
		ck_assert_msg(mi_hex_eq(mrtd, OVMF_UPSTREAM), "%llu GiB", (unsigned long long)gib);
		tdx_plan_free(plan);
		tdx_layout_free(layout);
	}
	tdx_tdvf_free(tdvf);

	/* the one-call API with a layout gives the same */
	{
		struct tdx_measure_firmware_opts fo = TDX_OPTS(tdx_measure_firmware_opts);

		ck_assert_int_eq(tdx_layout_new_q35(3ull << 30, 2 << 20, NULL, &layout), 0);
		fo.layout = layout;
		ck_assert_int_eq(tdx_measure_firmware(NULL, MI_OVMF, &fo, mrtd, NULL), 0);
		ck_assert(mi_hex_eq(mrtd, OVMF_UPSTREAM));
		tdx_layout_free(layout);
	}
}
END_TEST

START_TEST(measured_hob_depends_on_ram)
{
	/* a (non-OVMF) firmware that measures its TD_HOB: MRTD follows the RAM size */
	static const struct mi_sec secs[] = {
		BFV(0xf000, 1),
		MEM(TDX_TDVF_SECTION_TD_HOB, 0x809000, 2, TDX_TDVF_ATTR_MR_EXTEND),
	};
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_layout *layout;
	uint8_t mrtd[2][48], want[48];
	uint8_t *hob;
	size_t len;
	struct img im;

	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(tdx_layout_new_q35(k ? 4ull << 30 : 1ull << 30, IMG_SIZE,
						    NULL, &layout), 0);
		po.layout = layout;
		img_open(&im, secs, 2, &po);
		measure(im.plan, TDX_MEASURE_ORDER_UPSTREAM, mrtd[k]);
		/* reference: the HOB as tdx_hob_build() writes it */
		ck_assert_int_eq(tdx_hob_get_size(im.tdvf, layout, NULL, NULL, &len), 0);
		hob = calloc(1, len);
		ck_assert_int_eq(tdx_hob_build(im.tdvf, layout, NULL, hob, len, NULL, &len), 0);
		{
			const struct mi_region rs[] = {
				{ MI_4G - MI_PAGE, 1, im.buf + 0xf000, MI_PAGE, 1, 1 },
				{ 0x809000, 2, hob, len, 1, 1 },
			};
			mi_expected(rs, 2, 0, want);
		}
		ck_assert_mem_eq(mrtd[k], want, 48);
		free(hob);
		img_close(&im);
		tdx_layout_free(layout);
	}
	ck_assert_mem_ne(mrtd[0], mrtd[1], 48);
}
END_TEST

/* 1 measured BFV page + 1 unmeasured TempMem page (+ the TD_HOB page TDVF needs). */
START_TEST(one_bfv_page)
{
	static const struct mi_sec secs[] = {
		BFV(0xf000, 1),
		MEM(TDX_TDVF_SECTION_TEMP_MEM, 0x800000, 1, 0),
		MEM(TDX_TDVF_SECTION_TD_HOB, 0x801000, 1, 0),
	};
	struct img im;
	uint8_t got[48], want[48], two[48];

	img_open(&im, secs, 3, NULL);
	{
		const struct mi_region rs[] = {
			{ MI_4G - MI_PAGE, 1, im.buf + 0xf000, MI_PAGE, 1, 1 },
			{ 0x800000, 1, NULL, 0, 0, 1 },
			{ 0x801000, 1, NULL, 0, 0, 1 },
		};
		mi_expected(rs, 3, 0, want);
	}
	measure(im.plan, TDX_MEASURE_ORDER_UPSTREAM, got);
	ck_assert_mem_eq(got, want, 48);
	/* one page per section: both orders agree */
	measure(im.plan, TDX_MEASURE_ORDER_TWO_PASS, two);
	ck_assert_mem_eq(two, want, 48);
	img_close(&im);
}
END_TEST

/* Hand-assembled hash input for 1 unmeasured page: a single PAGE.ADD block. */
START_TEST(single_page_add_block_literal)
{
	struct tdx_tdvf_section s = {
		.type = TDX_TDVF_SECTION_TEMP_MEM, .gpa = 0x123456789000ull,
		.mem_size = 0x1000,
	};
	static const uint8_t block[128] = {
		0x4d, 0x45, 0x4d, 0x2e, 0x50, 0x41, 0x47, 0x45, 0x2e, 0x41, 0x44, 0x44,
		0, 0, 0, 0,
		0x00, 0x90, 0x78, 0x56, 0x34, 0x12, 0x00, 0x00,
	};
	struct tdx_plan *plan;
	uint8_t got[48], want[48];
	unsigned int len;

	ck_assert_int_eq(tdx_plan_build(NULL, NULL, 0, &s, 1, NULL, 0, NULL, &plan), 0);
	measure(plan, TDX_MEASURE_ORDER_UPSTREAM, got);
	ck_assert_int_eq(EVP_Digest(block, sizeof(block), want, &len, EVP_sha384(), NULL), 1);
	ck_assert_mem_eq(got, want, 48);
	tdx_plan_free(plan);
}
END_TEST

static const struct mi_sec multi_secs[] = {
	BFV(0xd000, 3),
	{ 0xb000, 2 * MI_PAGE, MI_4G - 0x5000, 2 * MI_PAGE, TDX_TDVF_SECTION_CFV, 0 },
	MEM(TDX_TDVF_SECTION_TEMP_MEM, 0x810000, 3, 0),
	MEM(TDX_TDVF_SECTION_TD_HOB, 0x809000, 2, 0),
	MEM(TDX_TDVF_SECTION_TEMP_MEM, 0x800000, 2, 0),
};

START_TEST(orders_multi_page)
{
	struct img im;
	uint8_t up[48], two[48], want_up[48], want_two[48];

	img_open(&im, multi_secs, 5, NULL);
	{
		const struct mi_region rs[] = {
			{ MI_4G - 0x3000, 3, im.buf + 0xd000, 3 * MI_PAGE, 1, 1 },
			{ MI_4G - 0x5000, 2, im.buf + 0xb000, 2 * MI_PAGE, 0, 1 },
			{ 0x810000, 3, NULL, 0, 0, 1 },
			{ 0x809000, 2, NULL, 0, 0, 1 },
			{ 0x800000, 2, NULL, 0, 0, 1 },
		};
		mi_expected(rs, 5, 0, want_up);
		mi_expected(rs, 5, 1, want_two);
	}
	ck_assert_mem_ne(want_up, want_two, 48);
	measure(im.plan, TDX_MEASURE_ORDER_UPSTREAM, up);
	measure(im.plan, TDX_MEASURE_ORDER_TWO_PASS, two);
	ck_assert_mem_eq(up, want_up, 48);
	ck_assert_mem_eq(two, want_two, 48);
	/* default order is upstream */
	ck_assert_int_eq(tdx_measure_plan(NULL, im.plan, NULL, up, NULL), 0);
	ck_assert_mem_eq(up, want_up, 48);
	img_close(&im);
}
END_TEST

START_TEST(measured_hob_and_cfv_content)
{
	/* MR_EXTEND on CFV and TD_HOB (a warning for the parser): their bytes count */
	static const struct mi_sec secs[] = {
		BFV(0xe000, 2),
		{ 0xc000, 2 * MI_PAGE, MI_4G - 0x4000, 2 * MI_PAGE, TDX_TDVF_SECTION_CFV,
		  TDX_TDVF_ATTR_MR_EXTEND },
		MEM(TDX_TDVF_SECTION_TD_HOB, 0x809000, 2, TDX_TDVF_ATTR_MR_EXTEND),
	};
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	uint8_t hob[300];
	struct img im;
	uint8_t got[48], want[48];
	int order;

	for (size_t i = 0; i < sizeof(hob); i++)
		hob[i] = (uint8_t)(i ^ 0x5a);
	po.hob = hob;
	po.hob_len = sizeof(hob);
	img_open(&im, secs, 3, &po);
	for (order = 0; order <= 1; order++) {
		const struct mi_region rs[] = {
			{ MI_4G - 0x2000, 2, im.buf + 0xe000, 2 * MI_PAGE, 1, 1 },
			{ MI_4G - 0x4000, 2, im.buf + 0xc000, 2 * MI_PAGE, 1, 1 },
			{ 0x809000, 2, hob, sizeof(hob), 1, 1 },
		};
		mi_expected(rs, 3, order, want);
		measure(im.plan, order, got);
		ck_assert_mem_eq(got, want, 48);
	}
	img_close(&im);
}
END_TEST

START_TEST(payload_zero_padded)
{
	static const struct mi_sec secs[] = {
		BFV(0xf000, 1),
		MEM(TDX_TDVF_SECTION_TD_HOB, 0x801000, 1, 0),
		MEM(TDX_TDVF_SECTION_PAYLOAD, 0x1000000, 3, TDX_TDVF_ATTR_MR_EXTEND),
		MEM(TDX_TDVF_SECTION_PAYLOAD_PARAM, 0x1003000, 1, 0),
		MEM(TDX_TDVF_SECTION_PERM_MEM, 0x2000000, 16, TDX_TDVF_ATTR_PAGE_AUG),
	};
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	static uint8_t kernel[5000];	/* 1 page + 904 bytes; third page zero */
	static const char cmdline[] = "console=hvc0 root=/dev/vda";
	struct tdx_measurement *m;
	struct img im;
	uint8_t got[48], want[48];
	int order;

	for (size_t i = 0; i < sizeof(kernel); i++)
		kernel[i] = (uint8_t)(i * 31 + 7);
	po.payload = kernel;
	po.payload_len = sizeof(kernel);
	po.payload_param = cmdline;
	po.payload_param_len = sizeof(cmdline);
	img_open(&im, secs, 5, &po);
	for (order = 0; order <= 1; order++) {
		struct tdx_measure_opts mo = TDX_OPTS(tdx_measure_opts);
		const struct mi_region rs[] = {
			{ MI_4G - MI_PAGE, 1, im.buf + 0xf000, MI_PAGE, 1, 1 },
			{ 0x801000, 1, NULL, 0, 0, 1 },
			{ 0x1000000, 3, kernel, sizeof(kernel), 1, 1 },
			{ 0x1003000, 1, NULL, 0, 0, 1 },	/* unmeasured: content irrelevant */
			{ 0x2000000, 16, NULL, 0, 0, 0 },	/* PermMem: not added */
		};
		mi_expected(rs, 5, order, want);
		mo.order = order;
		ck_assert_int_eq(tdx_measure_plan(NULL, im.plan, &mo, got, &m), 0);
		ck_assert_mem_eq(got, want, 48);
		ck_assert_uint_eq(tdx_measurement_get_page_add_count(m), 1 + 1 + 3 + 1);
		ck_assert_uint_eq(tdx_measurement_get_mr_extend_count(m), 16 * 4);
		tdx_measurement_free(m);
	}
	/* a different kernel gives a different MRTD (the Payload is measured) */
	kernel[4999] ^= 1;
	measure(im.plan, TDX_MEASURE_ORDER_UPSTREAM, got);
	ck_assert_mem_ne(got, want, 48);
	img_close(&im);
}
END_TEST

struct rec {
	size_t n, cap;
	struct tdx_measure_event *ev;
	size_t stop_at;
};

static int record(void *ud, const struct tdx_measure_event *ev)
{
	struct rec *r = ud;

	if (r->stop_at && r->n == r->stop_at)
		return -EINTR;
	if (r->n < r->cap)
		r->ev[r->n] = *ev;
	r->n++;
	return 0;
}

START_TEST(transcript_events)
{
	struct tdx_measure_opts mo = TDX_OPTS(tdx_measure_opts);
	struct tdx_measure_event ev[200];
	struct rec r = { .cap = 200, .ev = ev };
	struct tdx_measurement *m;
	struct tdx_ctx *ctx;
	uint8_t with[48], without[48];
	uint64_t off = 0;
	struct img im;
	size_t i;

	img_open(&im, multi_secs, 5, NULL);
	/* upstream: per BFV page, ADD then 16 EXTENDs */
	mo.event_fn = record;
	mo.userdata = &r;
	ck_assert_int_eq(tdx_measure_plan(NULL, im.plan, &mo, with, &m), 0);
	measure(im.plan, TDX_MEASURE_ORDER_UPSTREAM, without);
	ck_assert_mem_eq(with, without, 48);
	ck_assert_uint_eq(r.n, 3 * 17 + 2 + 3 + 2 + 2);
	ck_assert_uint_eq(r.n, tdx_measurement_get_page_add_count(m) +
			       tdx_measurement_get_mr_extend_count(m));
	for (i = 0; i < r.n; i++) {
		ck_assert_uint_eq(ev[i].seq, i);
		ck_assert_uint_eq(ev[i].offset, off);
		off += ev[i].kind == TDX_MEASURE_PAGE_ADD ? 128 : 384;
	}
	ck_assert_uint_eq(off, tdx_measurement_get_hashed_bytes(m));
	ck_assert_int_eq(ev[0].kind, TDX_MEASURE_PAGE_ADD);
	ck_assert_uint_eq(ev[0].gpa, MI_4G - 0x3000);
	ck_assert_int_eq(ev[1].kind, TDX_MEASURE_MR_EXTEND);
	ck_assert_uint_eq(ev[1].gpa, MI_4G - 0x3000);
	ck_assert_uint_eq(ev[16].gpa, MI_4G - 0x3000 + 15 * 256);
	ck_assert_int_eq(ev[17].kind, TDX_MEASURE_PAGE_ADD);
	ck_assert_uint_eq(ev[17].gpa, MI_4G - 0x2000);
	ck_assert_uint_eq(ev[51].section, 1);
	ck_assert_int_eq(ev[51].kind, TDX_MEASURE_PAGE_ADD);
	ck_assert_uint_eq(ev[51].gpa, MI_4G - 0x5000);
	tdx_measurement_free(m);

	/* two-pass: the BFV's 3 ADDs come first, then its 48 EXTENDs */
	r.n = 0;
	mo.order = TDX_MEASURE_ORDER_TWO_PASS;
	ck_assert_int_eq(tdx_measure_plan(NULL, im.plan, &mo, with, &m), 0);
	ck_assert_uint_eq(r.n, 3 * 17 + 2 + 3 + 2 + 2);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(ev[i].kind, TDX_MEASURE_PAGE_ADD);
		ck_assert_uint_eq(ev[i].gpa, MI_4G - 0x3000 + i * MI_PAGE);
	}
	for (i = 3; i < 51; i++) {
		ck_assert_int_eq(ev[i].kind, TDX_MEASURE_MR_EXTEND);
		ck_assert_uint_eq(ev[i].gpa, MI_4G - 0x3000 + (i - 3) * 256);
	}
	{
		struct tdx_measure_op_summary s;

		ck_assert_int_eq(tdx_measurement_get_op(m, 2, &s), 0);
		ck_assert_uint_eq(s.first_seq, 51 + 2);
		ck_assert_uint_eq(s.offset, 3 * 128 + 48 * 384 + 2 * 128);
		ck_assert_uint_eq(s.bytes, 3 * 128);
		ck_assert_uint_eq(s.source, TDX_PLAN_SRC_ZERO);
	}
	tdx_measurement_free(m);

	/* a callback can stop the measurement; its error is returned and recorded */
	ck_assert_int_eq(tdx_ctx_new(NULL, &ctx), 0);
	r.n = 0;
	r.stop_at = 10;
	ck_assert_int_eq(tdx_measure_plan(ctx, im.plan, &mo, with, NULL), -EINTR);
	ck_assert_str_eq(tdx_error_get_field(tdx_ctx_get_last_error(ctx)), "event_fn");
	tdx_ctx_unref(ctx);
	img_close(&im);
}
END_TEST

START_TEST(large_section_spans_buffers)
{
	/* more measured pages than one staging buffer holds */
	struct tdx_tdvf_section s[2] = {
		{ .type = TDX_TDVF_SECTION_BFV, .gpa = 0x100000000ull - 0x40000,
		  .mem_size = 0x40000, .raw_size = 0x3f000 + 100, .measured = true },
		{ .type = TDX_TDVF_SECTION_TEMP_MEM, .gpa = 0x800000, .mem_size = 0x21000 },
	};
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	static uint8_t image[0x40000];
	struct tdx_plan *plan;
	uint8_t got[48], want[48];
	int order;

	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 131 + (i >> 9));
	po.flags = TDX_PLAN_ZERO_FILL;	/* source ends 100 bytes into the last page */
	ck_assert_int_eq(tdx_plan_build(NULL, image, sizeof(image), s, 2, NULL, 0,
					&po, &plan), 0);
	for (order = 0; order <= 1; order++) {
		const struct mi_region rs[] = {
			{ s[0].gpa, 64, image, 0x3f000 + 100, 1, 1 },
			{ 0x800000, 33, NULL, 0, 0, 1 },
		};
		mi_expected(rs, 2, order, want);
		measure(plan, order, got);
		ck_assert_mem_eq(got, want, 48);
	}
	tdx_plan_free(plan);
}
END_TEST

START_TEST(bad_arguments)
{
	struct {
		struct tdx_measure_opts o;
		uint64_t extra;
	} big = { .o = TDX_OPTS(tdx_measure_opts), .extra = 1 };
	struct tdx_measure_opts mo = TDX_OPTS(tdx_measure_opts);
	struct tdx_measure_firmware_opts fo = TDX_OPTS(tdx_measure_firmware_opts);
	struct tdx_tdvf_diag diag;
	struct tdx_ctx *ctx;
	struct img im;
	uint8_t mrtd[48];
	int order;
	char path[] = "/tmp/tdx-measure-garbage-XXXXXX";
	int fd;

	ck_assert_int_eq(tdx_ctx_new(NULL, &ctx), 0);
	img_open(&im, multi_secs, 5, NULL);
	ck_assert_int_eq(tdx_measure_plan(ctx, NULL, NULL, mrtd, NULL), -EINVAL);
	ck_assert_int_eq(tdx_measure_plan(ctx, im.plan, NULL, NULL, NULL), -EINVAL);
	mo.order = 2;
	ck_assert_int_eq(tdx_measure_plan(ctx, im.plan, &mo, mrtd, NULL), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(tdx_ctx_get_last_error(ctx)), "order");
	big.o.sz = sizeof(big);
	ck_assert_int_eq(tdx_measure_plan(ctx, im.plan, &big.o, mrtd, NULL), -EINVAL);

	ck_assert_int_eq(tdx_measure_firmware(ctx, "/nonexistent/fw.fd", NULL, mrtd, NULL),
			 -ENOENT);
	ck_assert_str_eq(tdx_error_get_step(tdx_ctx_get_last_error(ctx)), "tdvf");
	/* a file that is not a TDVF image: the parser's code name is recorded */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 0x10000), 0);
	close(fd);
	fo.diag = &diag;
	ck_assert_int_eq(tdx_measure_firmware(ctx, path, &fo, mrtd, NULL), -ENOMSG);
	ck_assert_int_eq(diag.code, TDX_TDVF_E_NO_FOOTER);
	ck_assert_str_eq(tdx_error_get_field(tdx_ctx_get_last_error(ctx)), "E_NO_FOOTER");
	unlink(path);

	ck_assert_str_eq(tdx_measure_order_name(TDX_MEASURE_ORDER_UPSTREAM), "upstream");
	ck_assert_str_eq(tdx_measure_order_name(TDX_MEASURE_ORDER_TWO_PASS), "two-pass");
	ck_assert_ptr_null(tdx_measure_order_name(7));
	ck_assert_int_eq(tdx_measure_order_parse("two-pass", &order), 0);
	ck_assert_int_eq(order, TDX_MEASURE_ORDER_TWO_PASS);
	ck_assert_int_eq(tdx_measure_order_parse("upstream", &order), 0);
	ck_assert_int_eq(order, TDX_MEASURE_ORDER_UPSTREAM);
	ck_assert_int_eq(tdx_measure_order_parse("sideways", &order), -EINVAL);
	tdx_measurement_free(NULL);
	ck_assert_uint_eq(tdx_measurement_get_page_add_count(NULL), 0);
	img_close(&im);
	tdx_ctx_unref(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("measure");
	TCase *tc = tcase_create("measure");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ovmf_known_answers);
	tcase_add_test(tc, ovmf_independent_of_ram_and_hob);
	tcase_add_test(tc, measured_hob_depends_on_ram);
	tcase_add_test(tc, one_bfv_page);
	tcase_add_test(tc, single_page_add_block_literal);
	tcase_add_test(tc, orders_multi_page);
	tcase_add_test(tc, measured_hob_and_cfv_content);
	tcase_add_test(tc, payload_zero_padded);
	tcase_add_test(tc, transcript_events);
	tcase_add_test(tc, large_section_spans_buffers);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
