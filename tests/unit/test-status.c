/* SPDX-License-Identifier: MIT */
/* Unit tests: TDX module status decoding (lib/status.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtdx.h>

START_TEST(test_operand_invalid_cpuid)
{
	const uint64_t s = 0xC000010000000045ULL;

	ck_assert_str_eq(tdx_status_name(s), "TDX_OPERAND_INVALID");
	ck_assert_str_eq(tdx_status_operand_name(s), "CPUID_CONFIG");
	ck_assert_ptr_nonnull(tdx_status_hint(s));
	ck_assert(tdx_status_is_error(s));
	ck_assert(tdx_status_is_fatal(s));
	ck_assert_uint_eq(s & TDX_STATUS_MASK, TDX_STATUS_OPERAND_INVALID);
}
END_TEST

START_TEST(test_init_vm_operands)
{
	static const struct { uint64_t s; const char *op; } cases[] = {
		{ 0xC000010000000040ULL, "ATTRIBUTES" },
		{ 0xC000010000000041ULL, "XFAM" },
		{ 0xC000010000000044ULL, "MAX_VCPUS" },
		{ 0xC000010000000046ULL, "TSC_FREQUENCY" },
		{ 0xC000010000000000ULL, "RAX" },
		{ 0xC000010000000001ULL, "RCX" },
		{ 0xC000010000000008ULL, "R8" },
		{ 0xC00001000000000FULL, "R15" },
		{ 0x8000020000000092ULL, "SEPT_TREE" },
		{ 0x80000200000000A9ULL, "TD_EPOCH" },
		{ 0x45, "CPUID_CONFIG" },	/* a bare operand id */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(tdx_status_operand_name(cases[i].s), cases[i].op);
	ck_assert_str_eq(tdx_status_name(0x8000020000000092ULL), "TDX_OPERAND_BUSY");
	ck_assert_ptr_null(tdx_status_operand_name(0xC000010000000077ULL));
}
END_TEST

START_TEST(test_rnd_no_entropy)
{
	const uint64_t s = TDX_STATUS_RND_NO_ENTROPY;
	char buf[256];
	int n;

	ck_assert_uint_eq(s, 0x8000020300000000ULL);
	ck_assert_str_eq(tdx_status_name(s), "TDX_RND_NO_ENTROPY");
	/* not an operand status: low bits 0 must not read as "RAX" */
	ck_assert_ptr_null(tdx_status_operand_name(s));
	ck_assert(tdx_status_is_error(s));
	ck_assert(!tdx_status_is_fatal(s));
	n = tdx_status_format(s, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen(buf));
	ck_assert_msg(strncmp(buf, "0x8000020300000000 TDX_RND_NO_ENTROPY: ", 39) == 0,
		      "got '%s'", buf);
	ck_assert_ptr_null(strstr(buf, "operand"));
}
END_TEST

START_TEST(test_disagreeing_values)
{
	/* module and Linux disagree on these two; both must decode */
	ck_assert_str_eq(tdx_status_name(0x6000000200000000ULL), "TDX_NON_RECOVERABLE_TD");
	ck_assert_str_eq(tdx_status_name(0x4000000200000000ULL), "TDX_NON_RECOVERABLE_TD");
	ck_assert_str_eq(tdx_status_name(0xE000000700000000ULL),
			 "TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE");
	ck_assert_str_eq(tdx_status_name(0x6000000700000000ULL),
			 "TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE");
	ck_assert(!tdx_status_is_error(0x4000000200000000ULL));
	ck_assert(tdx_status_is_fatal(0x4000000200000000ULL));
}
END_TEST

START_TEST(test_table_values)
{
	static const struct { uint64_t s; const char *name; } cases[] = {
		{ 0x0000000000000000ULL, "TDX_SUCCESS" },
		{ 0x4000000100000000ULL, "TDX_NON_RECOVERABLE_VCPU" },
		{ 0x8000000300000000ULL, "TDX_INTERRUPTED_RESUMABLE" },
		{ 0x6000000A00000000ULL, "TDX_NON_RECOVERABLE_TD_CORRUPTED_MD" },
		{ 0xC000010100000000ULL, "TDX_OPERAND_ADDR_RANGE_ERROR" },
		{ 0x9000020500000000ULL, "TDX_HOST_PRIORITY_BUSY_TIMEOUT" },
		{ 0x0000030100000000ULL, "TDX_PAGE_ALREADY_FREE" },
		{ 0xC000050500000000ULL, "TDX_SYS_NOT_READY" },
		{ 0xE000060400000000ULL, "TDX_TD_FATAL" },
		{ 0xC000062100000000ULL, "TDX_X2APIC_ID_NOT_UNIQUE" },
		{ 0x0000082100000000ULL, "TDX_NO_HKID_READY_TO_WBCACHE" },
		{ 0xC000090800000000ULL, "TDX_CPUID_LEAF_NOT_SUPPORTED" },
		{ 0xC0000B0200000000ULL, "TDX_EPT_ENTRY_NOT_FREE" },
		{ 0xC0000B0D00000000ULL, "TDX_EPT_ENTRY_STATE_INCORRECT" },
		{ 0xC0000C0200000000ULL, "TDX_METADATA_FIELD_NOT_READABLE" },
		{ 0xC000100000000000ULL, "TDX_INVALID_CPUSVN" },
		{ 0x8000FF0000000000ULL, "TDX_SW_ERROR" },
		{ 0x8000FF00FFFF0000ULL, "TDX_SEAMCALL_VMFAILINVALID" },
		{ 0x8000FF000000000DULL, "TDX_SEAMCALL_GP" },
		{ 0x8000FF0000000006ULL, "TDX_SEAMCALL_UD" },
		/* detail bits in 31:0 are ignored for the name */
		{ 0xC0000B0200000123ULL, "TDX_EPT_ENTRY_NOT_FREE" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_str_eq(tdx_status_name(cases[i].s), cases[i].name);
		ck_assert_ptr_nonnull(tdx_status_hint(cases[i].s));
		ck_assert_uint_gt(strlen(tdx_status_hint(cases[i].s)), 10);
	}
}
END_TEST

START_TEST(test_unknown)
{
	const uint64_t s = 0xC000AB1100000000ULL;
	char buf[200];
	int n;

	ck_assert_ptr_null(tdx_status_name(s));
	ck_assert_ptr_null(tdx_status_hint(s));
	ck_assert_ptr_null(tdx_status_operand_name(s));
	n = tdx_status_format(s, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen(buf));
	ck_assert_str_eq(buf,
		"0xC000AB1100000000 unknown status (class 0xAB, detail 0x11, error, non-recoverable)");

	/* unknown detail in the operand class still names the operand */
	tdx_status_format(0xC00001FF00000041ULL, buf, sizeof(buf));
	ck_assert_str_eq(buf,
		"0xC00001FF00000041 unknown status (class 0x01, detail 0xFF, error, non-recoverable) (operand XFAM)");
	tdx_status_format(0x0000770000000000ULL, buf, sizeof(buf));
	ck_assert_str_eq(buf,
		"0x0000770000000000 unknown status (class 0x77, detail 0x00, not an error)");
}
END_TEST

START_TEST(test_format)
{
	const uint64_t s = 0xC000010000000045ULL;
	char buf[256], expect[256];
	int n;

	snprintf(expect, sizeof(expect),
		 "0xC000010000000045 TDX_OPERAND_INVALID (operand CPUID_CONFIG): %s",
		 tdx_status_hint(s));
	n = tdx_status_format(s, buf, sizeof(buf));
	ck_assert_str_eq(buf, expect);
	ck_assert_int_eq(n, (int)strlen(expect));

	/* unknown operand id, and a non-operand status with detail bits */
	tdx_status_format(0xC000010000000077ULL, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "TDX_OPERAND_INVALID (operand 0x77): "), "got '%s'", buf);
	tdx_status_format(0xC0000B0200000123ULL, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "TDX_EPT_ENTRY_NOT_FREE (detail 0x123): "), "got '%s'", buf);
}
END_TEST

START_TEST(test_format_truncation)
{
	const uint64_t s = 0xC000010000000045ULL;
	char buf[11];
	int full;

	full = tdx_status_format(s, NULL, 0);
	ck_assert_int_gt(full, 60);
	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(tdx_status_format(s, buf, sizeof(buf)), full);
	ck_assert_str_eq(buf, "0xC0000100");
	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(tdx_status_format(s, buf, 1), full);
	ck_assert_int_eq(buf[0], '\0');
	ck_assert_int_eq(buf[1], 'X');
	ck_assert_int_eq(tdx_status_format(s, NULL, 5), -EINVAL);
}
END_TEST

static Suite *status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, test_operand_invalid_cpuid);
	tcase_add_test(tc, test_init_vm_operands);
	tcase_add_test(tc, test_rnd_no_entropy);
	tcase_add_test(tc, test_disagreeing_values);
	tcase_add_test(tc, test_table_values);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_format_truncation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(status_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
