/* SPDX-License-Identifier: MIT */
/* Unit tests: attribute/XFAM name tables, parse and format (lib/caps-names.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtdx.h>

typedef int (*parse_fn)(const char *, uint64_t *, size_t *);
typedef int (*format_fn)(uint64_t, char *, size_t);

static const struct { unsigned int bit; const char *name; } attr_expect[] = {
	{ 0, "debug" }, { 4, "hgs-plus-prof" }, { 5, "perf-prof" },
	{ 6, "pmt-prof" }, { 16, "icssd" }, { 27, "lass" },
	{ 28, "sept-ve-disable" }, { 29, "migratable" }, { 30, "pks" },
	{ 31, "kl" }, { 62, "tpa" }, { 63, "perfmon" },
};

static const char *const xfam_expect[20] = {
	"x87", "sse", "avx", "mpx-bndregs", "mpx-bndcsr", "avx512-opmask",
	"avx512-zmm-hi256", "avx512-hi16-zmm", "pt", "pkru", "pasid", "cet-u",
	"cet-s", "hdc", "uli", "lbr", "hwp", "amx-tilecfg", "amx-tiledata", "apx",
};

START_TEST(test_attr_names)
{
	unsigned int bit, named = 0;
	size_t i;

	for (i = 0; i < sizeof(attr_expect) / sizeof(attr_expect[0]); i++)
		ck_assert_str_eq(tdx_attr_name(attr_expect[i].bit), attr_expect[i].name);
	for (bit = 0; bit < 64; bit++)
		named += tdx_attr_name(bit) != NULL;
	ck_assert_uint_eq(named, 12);
	ck_assert_ptr_null(tdx_attr_name(1));
	ck_assert_ptr_null(tdx_attr_name(64));
	ck_assert_uint_eq(TDX_ATTR_SEPT_VE_DISABLE, 1ULL << 28);
	ck_assert_uint_eq(TDX_ATTR_PERFMON, 1ULL << 63);
}
END_TEST

START_TEST(test_xfam_names)
{
	unsigned int bit;

	for (bit = 0; bit < 20; bit++)
		ck_assert_str_eq(tdx_xfam_name(bit), xfam_expect[bit]);
	for (bit = 20; bit < 70; bit++)
		ck_assert_ptr_null(tdx_xfam_name(bit));
}
END_TEST

/* Every single bit: format -> parse gives the bit back. */
static void round_trip_all(parse_fn parse, format_fn format,
			   const char *(*name)(unsigned int))
{
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		char buf[64], expect[16];
		uint64_t m = 0;
		int n;

		n = format(1ULL << bit, buf, sizeof(buf));
		ck_assert_int_eq(n, (int)strlen(buf));
		if (name(bit)) {
			ck_assert_str_eq(buf, name(bit));
		} else {
			snprintf(expect, sizeof(expect), "bit%u", bit);
			ck_assert_str_eq(buf, expect);
		}
		ck_assert_int_eq(parse(buf, &m, NULL), 0);
		ck_assert_uint_eq(m, 1ULL << bit);
	}
}

START_TEST(test_round_trip_bits)
{
	round_trip_all(tdx_attrs_parse, tdx_attrs_format, tdx_attr_name);
	round_trip_all(tdx_xfam_parse, tdx_xfam_format, tdx_xfam_name);
}
END_TEST

START_TEST(test_round_trip_masks)
{
	static const uint64_t masks[] = {
		0, 0x602E7, 0x61AE7, 0x6DBE7, 0xFFFFFFFFFFFFFFFFULL,
		0x8000000000000001ULL, 0x10000000, 0x55555555AAAAAAAAULL,
	};
	size_t i;

	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		char buf[1024];
		uint64_t m = 1234;

		tdx_attrs_format(masks[i], buf, sizeof(buf));
		ck_assert_int_eq(tdx_attrs_parse(buf, &m, NULL), 0);
		ck_assert_uint_eq(m, masks[i]);
		tdx_xfam_format(masks[i], buf, sizeof(buf));
		ck_assert_int_eq(tdx_xfam_parse(buf, &m, NULL), 0);
		ck_assert_uint_eq(m, masks[i]);
	}
}
END_TEST

START_TEST(test_format_groups)
{
	char buf[256];

	tdx_xfam_format(0x602E7, buf, sizeof(buf));
	ck_assert_str_eq(buf, "x87,sse,avx,avx512,pkru,amx");
	tdx_xfam_format(0x61AE7, buf, sizeof(buf));
	ck_assert_str_eq(buf, "x87,sse,avx,avx512,pkru,cet,amx");
	tdx_xfam_format(TDX_XFAM_MPX | TDX_XFAM_AVX512_OPMASK |
			TDX_XFAM_AVX512_HI16_ZMM | TDX_XFAM_CET_S |
			TDX_XFAM_AMX_TILEDATA, buf, sizeof(buf));
	ck_assert_str_eq(buf, "mpx,avx512-opmask,avx512-hi16-zmm,cet-s,amx-tiledata");
	tdx_xfam_format((1ULL << 19) | (1ULL << 40), buf, sizeof(buf));
	ck_assert_str_eq(buf, "apx,bit40");
	tdx_attrs_format(TDX_ATTR_SEPT_VE_DISABLE | (1ULL << 1) | TDX_ATTR_TPA,
			 buf, sizeof(buf));
	ck_assert_str_eq(buf, "bit1,sept-ve-disable,tpa");
	tdx_attrs_format(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "none");
	tdx_xfam_format(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "none");
}
END_TEST

START_TEST(test_format_truncation)
{
	const uint64_t m = TDX_ATTR_DEBUG | TDX_ATTR_SEPT_VE_DISABLE;	/* "debug,sept-ve-disable" */
	char buf[8];

	ck_assert_int_eq(tdx_attrs_format(m, NULL, 0), 21);
	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(tdx_attrs_format(m, buf, sizeof(buf)), 21);
	ck_assert_str_eq(buf, "debug,s");
	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(tdx_attrs_format(m, buf, 6), 21);
	ck_assert_str_eq(buf, "debug");
	ck_assert_int_eq(buf[6], 'X');
	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(tdx_attrs_format(m, buf, 1), 21);
	ck_assert_int_eq(buf[0], '\0');
	ck_assert_int_eq(buf[1], 'X');
	ck_assert_int_eq(tdx_attrs_format(m, NULL, 4), -EINVAL);
	ck_assert_int_eq(tdx_xfam_format(0x602E7, NULL, 0), 27);
	ck_assert_int_eq(tdx_xfam_format(0x602E7, NULL, 1), -EINVAL);
	ck_assert_int_eq(tdx_attrs_format(0, buf, 3), 4);
	ck_assert_str_eq(buf, "no");
}
END_TEST

START_TEST(test_parse_ok)
{
	uint64_t m;

	ck_assert_int_eq(tdx_attrs_parse("sept-ve-disable,perfmon", &m, NULL), 0);
	ck_assert_uint_eq(m, TDX_ATTR_SEPT_VE_DISABLE | TDX_ATTR_PERFMON);
	ck_assert_int_eq(tdx_attrs_parse("SEPT_VE_DISABLE", &m, NULL), 0);
	ck_assert_uint_eq(m, TDX_ATTR_SEPT_VE_DISABLE);
	ck_assert_int_eq(tdx_attrs_parse(" Debug , pks ", &m, NULL), 0);
	ck_assert_uint_eq(m, TDX_ATTR_DEBUG | TDX_ATTR_PKS);
	ck_assert_int_eq(tdx_attrs_parse("0x10000000", &m, NULL), 0);
	ck_assert_uint_eq(m, TDX_ATTR_SEPT_VE_DISABLE);
	ck_assert_int_eq(tdx_attrs_parse("268435456", &m, NULL), 0);
	ck_assert_uint_eq(m, TDX_ATTR_SEPT_VE_DISABLE);
	ck_assert_int_eq(tdx_attrs_parse("0xFFFFFFFFFFFFFFFF", &m, NULL), 0);
	ck_assert_uint_eq(m, UINT64_MAX);
	ck_assert_int_eq(tdx_attrs_parse("0", &m, NULL), 0);
	ck_assert_uint_eq(m, 0);
	ck_assert_int_eq(tdx_attrs_parse("none", &m, NULL), 0);
	ck_assert_uint_eq(m, 0);
	ck_assert_int_eq(tdx_attrs_parse("bit1,BIT62", &m, NULL), 0);
	ck_assert_uint_eq(m, (1ULL << 1) | (1ULL << 62));

	ck_assert_int_eq(tdx_xfam_parse("x87,sse,avx,AVX512,pkru,amx", &m, NULL), 0);
	ck_assert_uint_eq(m, 0x602E7);
	ck_assert_int_eq(tdx_xfam_parse("cet", &m, NULL), 0);
	ck_assert_uint_eq(m, TDX_XFAM_CET);
	ck_assert_int_eq(tdx_xfam_parse("mpx,amx_tilecfg,Avx512-ZMM-HI256", &m, NULL), 0);
	ck_assert_uint_eq(m, TDX_XFAM_MPX | TDX_XFAM_AMX_TILECFG | TDX_XFAM_AVX512_ZMM_HI256);
	/* groups are XFAM-only */
	ck_assert_int_eq(tdx_attrs_parse("amx", &m, NULL), -EINVAL);
}
END_TEST

static void expect_bad(parse_fn parse, const char *s, size_t off)
{
	uint64_t m = 0xDEAD;
	size_t bad = 999;

	ck_assert_msg(parse(s, &m, &bad) == -EINVAL, "'%s' parsed", s);
	ck_assert_msg(bad == off, "'%s': offset %zu, expected %zu", s, bad, off);
	ck_assert_uint_eq(m, 0xDEAD);	/* untouched on failure */
}

START_TEST(test_parse_errors)
{
	expect_bad(tdx_attrs_parse, "", 0);
	expect_bad(tdx_attrs_parse, "   ", 3);	/* where the empty word is */
	expect_bad(tdx_attrs_parse, "debug,foo", 6);
	expect_bad(tdx_attrs_parse, "debug,,pks", 6);
	expect_bad(tdx_attrs_parse, "debug,", 6);
	expect_bad(tdx_attrs_parse, ",debug", 0);
	expect_bad(tdx_attrs_parse, "debug, nope", 7);
	expect_bad(tdx_attrs_parse, "debug,0x1", 6);
	expect_bad(tdx_attrs_parse, "0x1g", 0);
	expect_bad(tdx_attrs_parse, "0x", 0);
	expect_bad(tdx_attrs_parse, "  12a", 2);
	expect_bad(tdx_attrs_parse, "0x10,debug", 0);
	expect_bad(tdx_attrs_parse, "18446744073709551616", 0);	/* 2^64 */
	expect_bad(tdx_attrs_parse, "0x10000000000000000", 0);
	expect_bad(tdx_attrs_parse, "bit64", 0);
	expect_bad(tdx_attrs_parse, "bit", 0);
	expect_bad(tdx_attrs_parse, "debugx", 0);
	expect_bad(tdx_attrs_parse, "sept ve disable", 0);
	expect_bad(tdx_attrs_parse, "none,debug", 0);
	expect_bad(tdx_xfam_parse, "x87, avx512, nope", 13);
	expect_bad(tdx_xfam_parse, "avx,debug", 4);
	ck_assert_int_eq(tdx_attrs_parse(NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(tdx_xfam_parse("avx", NULL, NULL), -EINVAL);
}
END_TEST

static Suite *names_suite(void)
{
	Suite *s = suite_create("caps-names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, test_attr_names);
	tcase_add_test(tc, test_xfam_names);
	tcase_add_test(tc, test_round_trip_bits);
	tcase_add_test(tc, test_round_trip_masks);
	tcase_add_test(tc, test_format_groups);
	tcase_add_test(tc, test_format_truncation);
	tcase_add_test(tc, test_parse_ok);
	tcase_add_test(tc, test_parse_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(names_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
