/* SPDX-License-Identifier: MIT */
/* RAM layouts: q35 sizes around the 0xB0000000 split, custom validation. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libtdx.h>

#define GiB (1ull << 30)
#define MiB (1ull << 20)
#define FW  (2 * MiB)
#define G4  (4 * GiB)

struct want {
	uint64_t gpa, size;
	uint32_t kind;
};

static void check_layout(const struct tdx_layout *l, const struct want *w, size_t n)
{
	struct tdx_layout_range r;
	uint64_t ram = 0;

	ck_assert_uint_eq(tdx_layout_range_count(l), n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(tdx_layout_get_range(l, i, &r), 0);
		ck_assert_msg(r.gpa == w[i].gpa && r.size == w[i].size && r.kind == w[i].kind,
			      "range %zu: 0x%llx+0x%llx kind %u, want 0x%llx+0x%llx kind %u", i,
			      (unsigned long long)r.gpa, (unsigned long long)r.size, r.kind,
			      (unsigned long long)w[i].gpa, (unsigned long long)w[i].size,
			      w[i].kind);
		ck_assert_uint_eq(r.reserved, 0);
		if (w[i].kind == TDX_LAYOUT_RAM)
			ram += w[i].size;
	}
	ck_assert_int_eq(tdx_layout_get_range(l, n, &r), -ERANGE);
	ck_assert_uint_eq(tdx_layout_get_ram_size(l), ram);
}

static void q35(uint64_t ram, uint64_t fw, const struct want *w, size_t n)
{
	struct tdx_layout *l = NULL;

	ck_assert_int_eq(tdx_layout_new_q35(ram, fw, NULL, &l), 0);
	check_layout(l, w, n);
	tdx_layout_free(l);
}

START_TEST(q35_1g)
{
	const struct want w[] = {
		{ 0, GiB, TDX_LAYOUT_RAM },
		{ G4 - FW, FW, TDX_LAYOUT_FIRMWARE },
	};

	q35(GiB, FW, w, 2);
}
END_TEST

START_TEST(q35_2g)
{
	const struct want w[] = {
		{ 0, 2 * GiB, TDX_LAYOUT_RAM },
		{ G4 - FW, FW, TDX_LAYOUT_FIRMWARE },
	};

	q35(2 * GiB, FW, w, 2);
}
END_TEST

START_TEST(q35_just_below_split)
{
	const struct want w[] = {
		{ 0, 0xaffff000, TDX_LAYOUT_RAM },
		{ G4 - FW, FW, TDX_LAYOUT_FIRMWARE },
	};

	q35(0xaffff000, FW, w, 2);
}
END_TEST

START_TEST(q35_2_75g)
{
	/* exactly 0xB0000000: the split applies */
	const struct want w[] = {
		{ 0, 0x80000000, TDX_LAYOUT_RAM },
		{ G4 - FW, FW, TDX_LAYOUT_FIRMWARE },
		{ G4, 0x30000000, TDX_LAYOUT_RAM },
	};

	q35(0xb0000000, FW, w, 3);
}
END_TEST

START_TEST(q35_3g)
{
	const struct want w[] = {
		{ 0, 2 * GiB, TDX_LAYOUT_RAM },
		{ G4 - FW, FW, TDX_LAYOUT_FIRMWARE },
		{ G4, GiB, TDX_LAYOUT_RAM },
	};

	q35(3 * GiB, FW, w, 3);
}
END_TEST

START_TEST(q35_8g)
{
	const struct want w[] = {
		{ 0, 2 * GiB, TDX_LAYOUT_RAM },
		{ G4 - FW, FW, TDX_LAYOUT_FIRMWARE },
		{ G4, 6 * GiB, TDX_LAYOUT_RAM },
	};

	q35(8 * GiB, FW, w, 3);
}
END_TEST

START_TEST(q35_no_firmware)
{
	const struct want w[] = {
		{ 0, 2 * GiB, TDX_LAYOUT_RAM },
		{ G4, 2 * GiB, TDX_LAYOUT_RAM },
	};

	q35(4 * GiB, 0, w, 2);
}
END_TEST

START_TEST(q35_max_below_4g)
{
	struct tdx_layout_opts o = TDX_OPTS(tdx_layout_opts);
	struct tdx_layout *l;
	const struct want w[] = {
		{ 0, 512 * MiB, TDX_LAYOUT_RAM },
		{ G4 - FW, FW, TDX_LAYOUT_FIRMWARE },
		{ G4, 512 * MiB, TDX_LAYOUT_RAM },
	};

	o.max_ram_below_4g = 512 * MiB;
	ck_assert_int_eq(tdx_layout_new_q35(GiB, FW, &o, &l), 0);
	check_layout(l, w, 3);
	tdx_layout_free(l);
	o.max_ram_below_4g = 512 * MiB + 1;
	ck_assert_int_eq(tdx_layout_new_q35(GiB, FW, &o, &l), -EINVAL);
}
END_TEST

START_TEST(q35_errors)
{
	struct tdx_layout *l = (struct tdx_layout *)0x1;
	struct {
		struct tdx_layout_opts o;
		uint64_t extra;
	} big = { TDX_OPTS(tdx_layout_opts), 1 };

	ck_assert_int_eq(tdx_layout_new_q35(0, FW, NULL, &l), -EINVAL);
	ck_assert_int_eq(tdx_layout_new_q35(GiB + 1, FW, NULL, &l), -EINVAL);
	ck_assert_int_eq(tdx_layout_new_q35(GiB, FW + 0x800, NULL, &l), -EINVAL);
	ck_assert_int_eq(tdx_layout_new_q35(GiB, G4 + 0x1000, NULL, &l), -EINVAL);
	/* firmware reaching into below-4G RAM (2.5 GiB RAM, 2 GiB firmware) */
	ck_assert_int_eq(tdx_layout_new_q35(0xa0000000, 2 * GiB, NULL, &l), -EINVAL);
	/* RAM end past 2^64 */
	ck_assert_int_eq(tdx_layout_new_q35(UINT64_MAX & ~0xfffull, FW, NULL, &l), -EINVAL);
	ck_assert_int_eq(tdx_layout_new_q35(GiB, FW, NULL, NULL), -EINVAL);
	big.o.sz = sizeof(big);
	ck_assert_int_eq(tdx_layout_new_q35(GiB, FW, &big.o, &l), -EINVAL);
	ck_assert_ptr_eq(l, (struct tdx_layout *)0x1);
	/* the firmware may take all of the space below 4 GiB that RAM leaves */
	ck_assert_int_eq(tdx_layout_new_q35(GiB, 3 * GiB, NULL, &l), 0);
	tdx_layout_free(l);
	tdx_layout_free(NULL);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(tdx_layout_kind_name(TDX_LAYOUT_RAM), "RAM");
	ck_assert_str_eq(tdx_layout_kind_name(TDX_LAYOUT_FIRMWARE), "firmware");
	ck_assert_str_eq(tdx_layout_kind_name(TDX_LAYOUT_RESERVED), "reserved");
	ck_assert_ptr_null(tdx_layout_kind_name(0));
}
END_TEST

/* ---- custom layouts ---------------------------------------------------- */

static const struct tdx_layout_range good[] = {
	{ 0, 0x80000000, TDX_LAYOUT_RAM, 0 },
	{ 0xfee00000, 0x100000, TDX_LAYOUT_RESERVED, 0 },
	{ 0xffe00000, 0x200000, TDX_LAYOUT_FIRMWARE, 0 },
	{ G4, GiB, TDX_LAYOUT_RAM, 0 },		/* touches the firmware */
	{ G4 + GiB, GiB, TDX_LAYOUT_RAM, 0 },	/* touches the previous RAM */
};

START_TEST(custom_ok)
{
	struct tdx_layout *l;
	const struct want w[] = {
		{ 0, 0x80000000, TDX_LAYOUT_RAM },
		{ 0xfee00000, 0x100000, TDX_LAYOUT_RESERVED },
		{ 0xffe00000, 0x200000, TDX_LAYOUT_FIRMWARE },
		{ G4, GiB, TDX_LAYOUT_RAM },
		{ G4 + GiB, GiB, TDX_LAYOUT_RAM },
	};

	ck_assert_int_eq(tdx_layout_new(good, 5, NULL, &l), 0);
	check_layout(l, w, 5);
	ck_assert_uint_eq(tdx_layout_get_ram_size(l), 4 * GiB);
	tdx_layout_free(l);
	/* the topmost possible range */
	{
		struct tdx_layout_range top = { 0xfffffffffffff000ull - 0x1000, 0x1000,
						TDX_LAYOUT_RESERVED, 0 };

		ck_assert_int_eq(tdx_layout_new(&top, 1, NULL, &l), 0);
		tdx_layout_free(l);
	}
}
END_TEST

/* Break range @i of a copy of good[] with @mutate; expect -EINVAL at @bad. */
static void expect_bad(void (*mutate)(struct tdx_layout_range *r), size_t bad)
{
	struct tdx_layout_range r[5];
	struct tdx_layout *l = (struct tdx_layout *)0x1;
	size_t idx = 99;

	memcpy(r, good, sizeof(r));
	mutate(r);
	ck_assert_int_eq(tdx_layout_new(r, 5, &idx, &l), -EINVAL);
	ck_assert_uint_eq(idx, bad);
	ck_assert_ptr_eq(l, (struct tdx_layout *)0x1);
}

static void m_unsorted(struct tdx_layout_range *r)
{
	struct tdx_layout_range t = r[3];

	r[3] = r[4];
	r[4] = t;
}
static void m_overlap(struct tdx_layout_range *r) { r[1].size = 0x1100000; }
static void m_overlap_same_base(struct tdx_layout_range *r) { r[4].gpa = G4; }
static void m_gpa_align(struct tdx_layout_range *r) { r[2].gpa += 0x800; }
static void m_size_align(struct tdx_layout_range *r) { r[0].size -= 1; }
static void m_zero(struct tdx_layout_range *r) { r[3].size = 0; }
static void m_wrap(struct tdx_layout_range *r) { r[4].gpa = 0xfffffffffff00000ull; r[4].size = 0x200000; }
static void m_kind(struct tdx_layout_range *r) { r[1].kind = 0; }
static void m_kind_high(struct tdx_layout_range *r) { r[1].kind = 4; }
static void m_reserved(struct tdx_layout_range *r) { r[2].reserved = 1; }

START_TEST(custom_errors)
{
	expect_bad(m_unsorted, 4);
	expect_bad(m_overlap, 2);
	expect_bad(m_overlap_same_base, 4);
	expect_bad(m_gpa_align, 2);
	expect_bad(m_size_align, 0);
	expect_bad(m_zero, 3);
	expect_bad(m_wrap, 4);
	expect_bad(m_kind, 1);
	expect_bad(m_kind_high, 1);
	expect_bad(m_reserved, 2);
}
END_TEST

START_TEST(custom_args)
{
	struct tdx_layout *l;
	struct tdx_layout_range *many;
	size_t idx = 99;

	ck_assert_int_eq(tdx_layout_new(NULL, 1, &idx, &l), -EINVAL);
	ck_assert_int_eq(tdx_layout_new(good, 0, &idx, &l), -EINVAL);
	ck_assert_int_eq(tdx_layout_new(good, 1, &idx, NULL), -EINVAL);
	ck_assert_uint_eq(idx, 99);	/* no offending range for these */

	many = calloc(TDX_LAYOUT_MAX_RANGES + 1, sizeof(*many));
	for (size_t i = 0; i <= TDX_LAYOUT_MAX_RANGES; i++)
		many[i] = (struct tdx_layout_range){ i * 0x2000, 0x1000, TDX_LAYOUT_RAM, 0 };
	ck_assert_int_eq(tdx_layout_new(many, TDX_LAYOUT_MAX_RANGES + 1, &idx, &l), -E2BIG);
	ck_assert_int_eq(tdx_layout_new(many, TDX_LAYOUT_MAX_RANGES, &idx, &l), 0);
	ck_assert_uint_eq(tdx_layout_range_count(l), TDX_LAYOUT_MAX_RANGES);
	ck_assert_uint_eq(tdx_layout_get_ram_size(l), TDX_LAYOUT_MAX_RANGES * 0x1000ull);
	ck_assert_int_eq(tdx_layout_get_range(l, 0, NULL), -EINVAL);
	ck_assert_int_eq(tdx_layout_get_range(NULL, 0, &many[0]), -EINVAL);
	tdx_layout_free(l);
	free(many);
}
END_TEST

static Suite *layout_suite(void)
{
	Suite *s = suite_create("layout");
	TCase *tc = tcase_create("q35");

	tcase_add_test(tc, q35_1g);
	tcase_add_test(tc, q35_2g);
	tcase_add_test(tc, q35_just_below_split);
	tcase_add_test(tc, q35_2_75g);
	tcase_add_test(tc, q35_3g);
	tcase_add_test(tc, q35_8g);
	tcase_add_test(tc, q35_no_firmware);
	tcase_add_test(tc, q35_max_below_4g);
	tcase_add_test(tc, q35_errors);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);

	tc = tcase_create("custom");
	tcase_add_test(tc, custom_ok);
	tcase_add_test(tc, custom_errors);
	tcase_add_test(tc, custom_args);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(layout_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
