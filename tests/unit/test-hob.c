/* SPDX-License-Identifier: MIT */
/*
 * TD HOB: byte-exact against the memory map QEMU builds (hw/i386/tdvf-hob.c,
 * tdvf_hob_create(); the resource HOBs of the PI specification) for
 * 2, 3 and 8 GiB.  The expected bytes are written here field by field from
 * the PI-spec layout, not by calling the builder.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libtdx.h>

#include "tdvf-image.h"

#define OVMF_FD	"/usr/share/ovmf/OVMF.fd"
#define SZ	0x10000u
#define DESC	(SZ / 2)
#define GiB	(1ull << 30)
#define G4	(4 * GiB)
#define HOB_GPA	0x809000ull
#define HOB_SECTION_SIZE 0x2000u

struct exp {
	uint64_t start, end;
	uint32_t type;		/* 0 accepted, 7 unaccepted */
};

/* The low part of the map for Debian's OVMF sections (as QEMU's tdvf-hob.c). */
static const struct exp low[] = {
	{ 0x000000, 0x800000, 7 },
	{ 0x800000, 0x806000, 0 },	/* TempMem (page tables) */
	{ 0x806000, 0x809000, 7 },
	{ 0x809000, 0x80b000, 0 },	/* TD_HOB */
	{ 0x80b000, 0x80d000, 0 },	/* TempMem */
	{ 0x80d000, 0x810000, 7 },
	{ 0x810000, 0x820000, 0 },	/* TempMem (heap/stack) */
	{ 0x820000, 0x80000000, 7 },
};

static void le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Write the expected HOB; returns its length. */
static size_t expected_hob(uint8_t *out, const struct exp *e, size_t n,
			   const struct exp *extra)
{
	size_t total = 56 + 48 * (n + (extra ? 1 : 0)) + 8;
	uint8_t *p = out;

	memset(out, 0, total);
	/* PHIT: type 1, length 56, reserved 0, version 9, boot mode 0 */
	le(p + 0, 0x0001, 2);
	le(p + 2, 56, 2);
	le(p + 8, 9, 4);
	le(p + 48, HOB_GPA + total, 8);		/* EfiEndOfHobList */
	p += 56;
	for (size_t i = 0; i < n + (extra ? 1 : 0); i++, p += 48) {
		const struct exp *x = i < n ? &e[i] : extra;

		le(p + 0, 0x0003, 2);
		le(p + 2, 48, 2);
		le(p + 24, x->type, 4);
		le(p + 28, 0x7, 4);
		le(p + 32, x->start, 8);
		le(p + 40, x->end - x->start, 8);
	}
	le(p + 0, 0xffff, 2);
	le(p + 2, 8, 2);
	return total;
}

static void check_hob(const struct tdx_tdvf *t, uint64_t ram, const struct exp *extra)
{
	struct tdx_layout *l;
	struct tdx_tdvf_diag d;
	uint8_t want[HOB_SECTION_SIZE], got[HOB_SECTION_SIZE];
	size_t wlen, glen = 0, size = 0;

	ck_assert_int_eq(tdx_layout_new_q35(ram, tdx_tdvf_get_image_size(t), NULL, &l), 0);
	wlen = expected_hob(want, low, 8, extra);
	memset(got, 0xaa, sizeof(got));
	ck_assert_int_eq(tdx_hob_build(t, l, NULL, got, sizeof(got), &d, &glen), 0);
	ck_assert_int_eq(d.code, TDX_TDVF_OK);
	ck_assert_uint_eq(glen, wlen);
	for (size_t i = 0; i < wlen; i++)
		ck_assert_msg(got[i] == want[i], "byte %zu: 0x%02x, want 0x%02x",
			      i, got[i], want[i]);
	for (size_t i = wlen; i < sizeof(got); i++)
		ck_assert_msg(got[i] == 0, "byte %zu past the HOB not zeroed", i);
	ck_assert_int_eq(tdx_hob_get_size(t, l, NULL, NULL, &size), 0);
	ck_assert_uint_eq(size, wlen);
	tdx_layout_free(l);
}

static struct tdx_tdvf *synthetic(uint8_t **ret_img)
{
	size_t desc = 0;
	uint8_t *img = ti_default(SZ, &desc);
	struct tdx_tdvf *t;

	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, NULL, NULL, &t), 0);
	*ret_img = img;
	return t;
}

/* ---- byte-exact ---------------------------------------------------------- */

START_TEST(hob_2g)
{
	uint8_t *img;
	struct tdx_tdvf *t = synthetic(&img);

	check_hob(t, 2 * GiB, NULL);
	/* notes: 448 bytes, EfiEndOfHobList 0x8091c0 */
	{
		struct tdx_layout *l;
		uint8_t buf[HOB_SECTION_SIZE];
		size_t len;

		tdx_layout_new_q35(2 * GiB, SZ, NULL, &l);
		ck_assert_int_eq(tdx_hob_build(t, l, NULL, buf, sizeof(buf), NULL, &len), 0);
		ck_assert_uint_eq(len, 448);
		ck_assert_uint_eq(ti_get32(buf, 48), 0x8091c0);
		ck_assert_uint_eq(ti_get32(buf, 52), 0);
		tdx_layout_free(l);
	}
	tdx_tdvf_free(t);
	free(img);
}
END_TEST

START_TEST(hob_3g)
{
	uint8_t *img;
	struct tdx_tdvf *t = synthetic(&img);
	const struct exp above = { G4, G4 + GiB, 7 };

	check_hob(t, 3 * GiB, &above);
	tdx_tdvf_free(t);
	free(img);
}
END_TEST

START_TEST(hob_8g)
{
	uint8_t *img;
	struct tdx_tdvf *t = synthetic(&img);
	const struct exp above = { G4, G4 + 6 * GiB, 7 };

	check_hob(t, 8 * GiB, &above);
	tdx_tdvf_free(t);
	free(img);
}
END_TEST

START_TEST(hob_ovmf_fd)
{
	const struct exp above3 = { G4, G4 + GiB, 7 };
	const struct exp above8 = { G4, G4 + 6 * GiB, 7 };
	struct tdx_tdvf *t;

	if (access(OVMF_FD, R_OK) != 0) {
		printf("SKIP: %s not installed (apt-get install ovmf)\n", OVMF_FD);
		return;
	}
	ck_assert_int_eq(tdx_tdvf_open(OVMF_FD, NULL, NULL, &t), 0);
	check_hob(t, 2 * GiB, NULL);
	check_hob(t, 3 * GiB, &above3);
	check_hob(t, 8 * GiB, &above8);
	tdx_tdvf_free(t);
}
END_TEST

/* ---- memory map ---------------------------------------------------------- */

START_TEST(memmap_2g)
{
	static const int sec[8] = { -1, 5, -1, 4, 3, -1, 2, -1 };
	uint8_t *img;
	struct tdx_tdvf *t = synthetic(&img);
	struct tdx_layout *l;
	struct tdx_memmap_entry m[8];

	tdx_layout_new_q35(2 * GiB, SZ, NULL, &l);
	ck_assert_int_eq(tdx_hob_get_memmap(t, l, NULL, 0, NULL), 8);
	memset(m, 0xff, sizeof(m));
	ck_assert_int_eq(tdx_hob_get_memmap(t, l, m, 3, NULL), 8);
	ck_assert_uint_eq(m[2].gpa, 0x806000);
	ck_assert_uint_eq(m[3].gpa, UINT64_MAX);	/* beyond cap: untouched */
	ck_assert_int_eq(tdx_hob_get_memmap(t, l, m, 8, NULL), 8);
	for (int i = 0; i < 8; i++) {
		ck_assert_uint_eq(m[i].gpa, low[i].start);
		ck_assert_uint_eq(m[i].size, low[i].end - low[i].start);
		ck_assert_int_eq(m[i].accepted, low[i].type == 0);
		ck_assert_int_eq(m[i].section, sec[i]);
	}
	ck_assert_int_eq(tdx_hob_get_memmap(t, l, NULL, 1, NULL), -EINVAL);
	ck_assert_int_eq(tdx_hob_get_memmap(NULL, l, NULL, 0, NULL), -EINVAL);
	tdx_layout_free(l);
	tdx_tdvf_free(t);
	free(img);
}
END_TEST

START_TEST(fv_in_ram_accepted)
{
	/* RAM up to the BFV: the CFV page lies in RAM and is accepted; the
	 * BFV starts where RAM ends (outside, fine) */
	const struct tdx_layout_range r[] = {
		{ 0, 0xffff1000, TDX_LAYOUT_RAM, 0 },
	};
	uint8_t *img;
	struct tdx_tdvf *t = synthetic(&img);
	struct tdx_layout *l;
	struct tdx_memmap_entry m[10];

	ck_assert_int_eq(tdx_layout_new(r, 1, NULL, &l), 0);
	ck_assert_int_eq(tdx_hob_get_memmap(t, l, m, 10, NULL), 9);
	ck_assert_uint_eq(m[7].gpa, 0x820000);
	ck_assert_uint_eq(m[7].size, 0xffff0000 - 0x820000);
	ck_assert(!m[7].accepted);
	ck_assert_uint_eq(m[8].gpa, 0xffff0000);
	ck_assert_uint_eq(m[8].size, 0x1000);
	ck_assert(m[8].accepted);
	ck_assert_int_eq(m[8].section, 0);
	tdx_layout_free(l);
	tdx_tdvf_free(t);
	free(img);
}
END_TEST

START_TEST(reserved_ranges_ignored)
{
	const struct tdx_layout_range r[] = {
		{ 0, 0x80000000, TDX_LAYOUT_RAM, 0 },
		{ 0xe0000000, 0x10000000, TDX_LAYOUT_RESERVED, 0 },
		{ G4 - SZ, SZ, TDX_LAYOUT_FIRMWARE, 0 },
	};
	uint8_t *img, want[HOB_SECTION_SIZE], got[HOB_SECTION_SIZE];
	struct tdx_tdvf *t = synthetic(&img);
	struct tdx_layout *l;
	size_t len;

	ck_assert_int_eq(tdx_layout_new(r, 3, NULL, &l), 0);
	ck_assert_int_eq(tdx_hob_build(t, l, NULL, got, sizeof(got), NULL, &len), 0);
	ck_assert_uint_eq(len, expected_hob(want, low, 8, NULL));
	ck_assert_int_eq(memcmp(got, want, len), 0);
	tdx_layout_free(l);
	tdx_tdvf_free(t);
	free(img);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

static void expect_build_fail(const struct tdx_tdvf *t, const struct tdx_layout *l,
			      int err, int code, int section)
{
	uint8_t buf[HOB_SECTION_SIZE];
	struct tdx_tdvf_diag d;
	size_t len = 12345;

	memset(buf, 0xaa, sizeof(buf));
	ck_assert_int_eq(tdx_hob_build(t, l, NULL, buf, sizeof(buf), &d, &len), err);
	ck_assert_msg(d.code == code, "code %s: %s", tdx_tdvf_code_name(d.code), d.message);
	ck_assert_int_eq(d.section, section);
	ck_assert_int_eq(d.err, err);
	ck_assert_uint_eq(len, 12345);
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0xaa);
}

START_TEST(not_in_ram)
{
	uint8_t *img;
	struct tdx_tdvf *t = synthetic(&img);
	struct tdx_layout *l;
	/* the TD_HOB [0x809000, 0x80b000) straddles two RAM ranges */
	const struct tdx_layout_range straddle[] = {
		{ 0, 0x80a000, TDX_LAYOUT_RAM, 0 },
		{ 0x80a000, GiB, TDX_LAYOUT_RAM, 0 },
	};
	/* RAM over the CFV and half of the BFV */
	const struct tdx_layout_range bfv[] = {
		{ 0, 0xffff8000, TDX_LAYOUT_RAM, 0 },
	};
	/* a hole under the TD_HOB */
	const struct tdx_layout_range hole[] = {
		{ 0, 0x809000, TDX_LAYOUT_RAM, 0 },
		{ 0x80b000, GiB, TDX_LAYOUT_RAM, 0 },
	};

	/* 4 MiB: the first TempMem in table order (#2 at 0x810000) is outside */
	ck_assert_int_eq(tdx_layout_new_q35(4 << 20, SZ, NULL, &l), 0);
	expect_build_fail(t, l, -EINVAL, TDX_TDVF_E_NOT_IN_RAM, 2);
	ck_assert_int_eq(tdx_hob_get_memmap(t, l, NULL, 0, NULL), -EINVAL);
	tdx_layout_free(l);

	ck_assert_int_eq(tdx_layout_new(straddle, 2, NULL, &l), 0);
	expect_build_fail(t, l, -EINVAL, TDX_TDVF_E_NOT_IN_RAM, 4);
	tdx_layout_free(l);

	ck_assert_int_eq(tdx_layout_new(bfv, 1, NULL, &l), 0);
	expect_build_fail(t, l, -EINVAL, TDX_TDVF_E_NOT_IN_RAM, 1);
	tdx_layout_free(l);

	ck_assert_int_eq(tdx_layout_new(hole, 2, NULL, &l), 0);
	expect_build_fail(t, l, -EINVAL, TDX_TDVF_E_NOT_IN_RAM, 4);
	tdx_layout_free(l);

	tdx_tdvf_free(t);
	free(img);
}
END_TEST

/* [0, 1 GiB) gives the 8 entries of the notes; @extra one-page RAM
 * ranges above add one entry each. */
static struct tdx_layout *many_ranges(size_t extra)
{
	struct tdx_layout_range *r = calloc(extra + 1, sizeof(*r));
	struct tdx_layout *l;

	r[0] = (struct tdx_layout_range){ 0, GiB, TDX_LAYOUT_RAM, 0 };
	for (size_t i = 1; i <= extra; i++)
		r[i] = (struct tdx_layout_range){ GiB + i * 0x2000, 0x1000, TDX_LAYOUT_RAM, 0 };
	ck_assert_int_eq(tdx_layout_new(r, extra + 1, NULL, &l), 0);
	free(r);
	return l;
}

START_TEST(overflow)
{
	uint8_t *img, buf[HOB_SECTION_SIZE];
	struct tdx_tdvf *t = synthetic(&img);
	struct tdx_layout *l;
	size_t len;

	/* 169 descriptors: 56 + 169 * 48 + 8 = 8176 <= 8192 */
	l = many_ranges(161);
	ck_assert_int_eq(tdx_hob_build(t, l, NULL, buf, sizeof(buf), NULL, &len), 0);
	ck_assert_uint_eq(len, 8176);
	tdx_layout_free(l);
	/* 170: 8224 bytes, one descriptor too many for the 8 KiB TD_HOB */
	l = many_ranges(162);
	expect_build_fail(t, l, -ENOSPC, TDX_TDVF_E_HOB_OVERFLOW, 4);
	ck_assert_int_eq(tdx_hob_get_size(t, l, NULL, NULL, &len), -ENOSPC);
	tdx_layout_free(l);
	tdx_tdvf_free(t);
	free(img);
}
END_TEST

START_TEST(buffer_small)
{
	uint8_t *img, buf[448];
	struct tdx_tdvf *t = synthetic(&img);
	struct tdx_layout *l;
	struct tdx_tdvf_diag d;
	size_t len = 7;

	tdx_layout_new_q35(2 * GiB, SZ, NULL, &l);
	memset(buf, 0xaa, sizeof(buf));
	ck_assert_int_eq(tdx_hob_build(t, l, NULL, buf, 447, &d, &len), -ENOBUFS);
	ck_assert_int_eq(d.code, TDX_TDVF_E_BUFFER_SMALL);
	ck_assert_uint_eq(len, 7);
	ck_assert_uint_eq(buf[0], 0xaa);
	ck_assert_int_eq(tdx_hob_build(t, l, NULL, buf, 448, &d, &len), 0);
	ck_assert_uint_eq(len, 448);
	tdx_layout_free(l);
	tdx_tdvf_free(t);
	free(img);
}
END_TEST

START_TEST(permmem)
{
	/* section 2 becomes PermMem: it stays unaccepted, so the map has 6
	 * entries, the last unaccepted one from 0x80d000 up */
	size_t desc = 0;
	uint8_t *img = ti_default(SZ, &desc), buf[HOB_SECTION_SIZE];
	struct tdx_tdvf *t;
	struct tdx_layout *l;
	struct tdx_memmap_entry m[8];
	size_t len;

	ti_put32(img, TI_SEC(desc, 2, 24), TDX_TDVF_SECTION_PERM_MEM);
	ti_put32(img, TI_SEC(desc, 2, 28), TDX_TDVF_ATTR_PAGE_AUG);
	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, NULL, NULL, &t), 0);
	tdx_layout_new_q35(2 * GiB, SZ, NULL, &l);
	ck_assert_int_eq(tdx_hob_get_memmap(t, l, m, 8, NULL), 6);
	ck_assert_uint_eq(m[5].gpa, 0x80d000);
	ck_assert_uint_eq(m[5].size, 0x80000000 - 0x80d000);
	ck_assert(!m[5].accepted);
	ck_assert_int_eq(m[5].section, -1);
	ck_assert_int_eq(tdx_hob_build(t, l, NULL, buf, sizeof(buf), NULL, &len), 0);
	ck_assert_uint_eq(len, 56 + 6 * 48 + 8);
	tdx_tdvf_free(t);

	/* PermMem outside RAM */
	ti_put64(img, TI_SEC(desc, 2, 8), 0x90000000);
	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, NULL, NULL, &t), 0);
	expect_build_fail(t, l, -EINVAL, TDX_TDVF_E_NOT_IN_RAM, 2);
	tdx_tdvf_free(t);

	/* no TD_HOB at all (allowed with PermMem): nothing to build into */
	ti_put64(img, TI_SEC(desc, 2, 8), 0x810000);
	ti_put32(img, TI_SEC(desc, 4, 24), TDX_TDVF_SECTION_TEMP_MEM);
	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, NULL, NULL, &t), 0);
	expect_build_fail(t, l, -ENOENT, TDX_TDVF_E_NO_TD_HOB, TDX_TDVF_NO_SECTION);
	ck_assert_int_eq(tdx_hob_get_memmap(t, l, m, 8, NULL), 6);
	tdx_tdvf_free(t);
	tdx_layout_free(l);
	free(img);
}
END_TEST

START_TEST(payload_in_ram)
{
	/* a Payload in RAM is PAGE.ADDed: accepted */
	size_t desc = 0;
	uint8_t *img = ti_default(SZ, &desc);
	struct tdx_tdvf *t;
	struct tdx_layout *l;
	struct tdx_memmap_entry m[10];

	ti_put32(img, TI_SEC(desc, 2, 24), TDX_TDVF_SECTION_PAYLOAD);
	ti_put64(img, TI_SEC(desc, 2, 8), 0x1000000);
	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, NULL, NULL, &t), 0);
	tdx_layout_new_q35(2 * GiB, SZ, NULL, &l);
	ck_assert_int_eq(tdx_hob_get_memmap(t, l, m, 10, NULL), 8);
	ck_assert_uint_eq(m[5].gpa, 0x80d000);
	ck_assert_uint_eq(m[5].size, 0x1000000 - 0x80d000);
	ck_assert_uint_eq(m[6].gpa, 0x1000000);
	ck_assert(m[6].accepted);
	ck_assert_int_eq(m[6].section, 2);
	tdx_layout_free(l);
	tdx_tdvf_free(t);
	free(img);
}
END_TEST

START_TEST(arguments)
{
	uint8_t *img, buf[HOB_SECTION_SIZE];
	struct tdx_tdvf *t = synthetic(&img);
	struct tdx_layout *l;
	struct tdx_tdvf_diag d;
	size_t len;
	struct {
		struct tdx_hob_opts o;
		uint64_t extra;
	} big = { TDX_OPTS(tdx_hob_opts), 1 };

	tdx_layout_new_q35(2 * GiB, SZ, NULL, &l);
	ck_assert_int_eq(tdx_hob_build(NULL, l, NULL, buf, sizeof(buf), &d, &len), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_E_ARGUMENT);
	ck_assert_int_eq(tdx_hob_build(t, NULL, NULL, buf, sizeof(buf), &d, &len), -EINVAL);
	ck_assert_int_eq(tdx_hob_build(t, l, NULL, NULL, sizeof(buf), &d, &len), -EINVAL);
	ck_assert_int_eq(tdx_hob_build(t, l, NULL, buf, sizeof(buf), &d, NULL), -EINVAL);
	big.o.sz = sizeof(big);
	ck_assert_int_eq(tdx_hob_build(t, l, &big.o, buf, sizeof(buf), &d, &len), -EINVAL);
	big.extra = 0;
	ck_assert_int_eq(tdx_hob_build(t, l, &big.o, buf, sizeof(buf), &d, &len), 0);
	tdx_layout_free(l);
	tdx_tdvf_free(t);
	free(img);
}
END_TEST

static Suite *hob_suite(void)
{
	Suite *s = suite_create("hob");
	TCase *tc = tcase_create("bytes");

	tcase_add_test(tc, hob_2g);
	tcase_add_test(tc, hob_3g);
	tcase_add_test(tc, hob_8g);
	tcase_add_test(tc, hob_ovmf_fd);
	suite_add_tcase(s, tc);

	tc = tcase_create("memmap");
	tcase_add_test(tc, memmap_2g);
	tcase_add_test(tc, fv_in_ram_accepted);
	tcase_add_test(tc, reserved_ranges_ignored);
	tcase_add_test(tc, permmem);
	tcase_add_test(tc, payload_in_ram);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, not_in_ram);
	tcase_add_test(tc, overflow);
	tcase_add_test(tc, buffer_small);
	tcase_add_test(tc, arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hob_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
