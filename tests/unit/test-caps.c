/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: struct tdx_caps (lib/caps.c) and the decoding of a
 * KVM_TDX_CAPABILITIES answer (lib/caps-fetch.c).  The -E2BIG growth loop
 * of tdx_caps_fetch() needs a kernel or the simulator (tests/simtests).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "caps-internal.h"
#include "testutil.h"
#include "data/caps-realistic.h"

#define NREAL (sizeof(realistic_cpuid) / sizeof(realistic_cpuid[0]))

static struct tdx_caps *realistic(void)
{
	struct tdx_caps *caps = NULL;

	ck_assert_int_eq(tdx_caps_new_from_values(REALISTIC_ATTRS, REALISTIC_XFAM,
						  &realistic_info, realistic_cpuid,
						  NREAL, &caps), 0);
	ck_assert_ptr_nonnull(caps);
	return caps;
}

START_TEST(test_from_values)
{
	struct tdx_caps *caps = realistic();
	struct tdx_tdvmcallinfo info;
	struct tdx_cpuid_entry e;
	size_t i;

	ck_assert_uint_eq(NREAL, 28);
	ck_assert_uint_eq(tdx_caps_cpuid_count(caps), 28);
	ck_assert_uint_eq(tdx_caps_get_supported_attrs(caps), TDX_ATTR_SEPT_VE_DISABLE);
	ck_assert_uint_eq(tdx_caps_get_supported_xfam(caps), 0x61AE7);
	/* x87, SSE, AVX, AVX-512, PKRU, AMX; not CET (not in the default) */
	ck_assert_uint_eq(tdx_caps_get_default_xfam(caps), 0x602E7);
	tdx_caps_get_tdvmcallinfo(caps, &info);
	ck_assert_uint_eq(info.user_r11, 2);
	ck_assert_uint_eq(info.kernel_r11, 0);

	for (i = 0; i < NREAL; i++) {
		ck_assert_int_eq(tdx_caps_get_cpuid(caps, i, &e), 0);
		ck_assert_uint_eq(e.function, realistic_cpuid[i].function);
		ck_assert_uint_eq(e.index, realistic_cpuid[i].index);
		ck_assert_uint_eq(e.ebx, realistic_cpuid[i].ebx);
	}
	ck_assert_int_eq(tdx_caps_get_cpuid(caps, 28, &e), -ERANGE);

	/* INDEXED exactly where the function appears more than once */
	ck_assert_int_eq(tdx_caps_get_cpuid(caps, 0, &e), 0);
	ck_assert_uint_eq(e.flags, 0);				/* 1 */
	ck_assert_int_eq(tdx_caps_get_cpuid(caps, 2, &e), 0);
	ck_assert_uint_eq(e.flags, TDX_CPUID_FLAG_INDEXED);	/* 4.1 */
	ck_assert_int_eq(tdx_caps_get_cpuid(caps, 6, &e), 0);
	ck_assert_uint_eq(e.flags, TDX_CPUID_FLAG_INDEXED);	/* 7.1 */
	ck_assert_int_eq(tdx_caps_get_cpuid(caps, 9, &e), 0);
	ck_assert_uint_eq(e.function, 0x80000008);
	ck_assert_uint_eq(e.flags, 0);
	ck_assert_int_eq(tdx_caps_get_cpuid(caps, 11, &e), 0);
	ck_assert_uint_eq(e.function, 0x23);			/* 0x23.0 alone */
	ck_assert_uint_eq(e.flags, 0);

	ck_assert_int_eq(tdx_caps_find_cpuid(caps, 4, 2, &e), 0);
	ck_assert_uint_eq(e.index, 2);
	ck_assert_int_eq(tdx_caps_find_cpuid(caps, 4, 4, &e), -ENOENT);
	ck_assert_int_eq(tdx_caps_find_cpuid(caps, 0x18, 8, &e), 0);
	ck_assert_uint_eq(e.edx, 0x03FFC000);
	ck_assert_int_eq(tdx_caps_find_cpuid(caps, 0xd, 0, &e), -ENOENT);
	/* leaf without sub-leaves: the index does not matter (as for KVM) */
	ck_assert_int_eq(tdx_caps_find_cpuid(caps, 1, 7, &e), 0);
	ck_assert_uint_eq(e.ecx, 0x31044988);
	ck_assert_int_eq(tdx_caps_find_cpuid(caps, 0x80000008, 0, &e), 0);
	ck_assert_uint_eq(e.eax, 0x00FF00FF);

	tdx_caps_free(caps);
}
END_TEST

START_TEST(test_from_values_errors)
{
	struct tdx_cpuid_entry many[257], dup[2] = {
		{ .function = 4, .index = 1 }, { .function = 4, .index = 1 },
	};
	struct tdx_caps *caps = (struct tdx_caps *)0x1;
	size_t i;

	ck_assert_int_eq(tdx_caps_new_from_values(1, 3, NULL, NULL, 1, &caps), -EINVAL);
	ck_assert_int_eq(tdx_caps_new_from_values(1, 3, NULL, dup, 2, &caps), -EINVAL);
	ck_assert_int_eq(tdx_caps_new_from_values(1, 3, NULL, realistic_cpuid, NREAL, NULL),
			 -EINVAL);
	memset(many, 0, sizeof(many));
	for (i = 0; i < 257; i++)
		many[i].index = (uint32_t)i;
	ck_assert_int_eq(tdx_caps_new_from_values(1, 3, NULL, many, 257, &caps), -EINVAL);
	ck_assert_ptr_eq(caps, (struct tdx_caps *)0x1);	/* untouched */
	ck_assert_int_eq(tdx_caps_new_from_values(1, 3, NULL, many, 256, &caps), 0);
	ck_assert_uint_eq(tdx_caps_cpuid_count(caps), 256);
	tdx_caps_free(caps);

	/* no CPUID at all is fine; NULL getters are safe */
	ck_assert_int_eq(tdx_caps_new_from_values(0, 3, NULL, NULL, 0, &caps), 0);
	ck_assert_uint_eq(tdx_caps_cpuid_count(caps), 0);
	tdx_caps_free(caps);
	tdx_caps_free(NULL);
	ck_assert_uint_eq(tdx_caps_cpuid_count(NULL), 0);
	ck_assert_ptr_null(tdx_caps_check_get_problem(NULL, 0));
	ck_assert_uint_eq(tdx_caps_check_problem_count(NULL), 0);
	tdx_caps_check_free(NULL);
}
END_TEST

START_TEST(test_default_xfam_groups)
{
	struct tdx_caps *caps;

	/* partial AVX-512 and AMX on offer: the default leaves them out */
	ck_assert_int_eq(tdx_caps_new_from_values(0, 0x3 | TDX_XFAM_AVX |
						  TDX_XFAM_AVX512_OPMASK |
						  TDX_XFAM_AMX_TILECFG | TDX_XFAM_PKRU,
						  NULL, NULL, 0, &caps), 0);
	ck_assert_uint_eq(tdx_caps_get_default_xfam(caps), 0x3 | TDX_XFAM_AVX | TDX_XFAM_PKRU);
	tdx_caps_free(caps);
	/* AVX-512 without AVX: dropped */
	ck_assert_int_eq(tdx_caps_new_from_values(0, 0x3 | TDX_XFAM_AVX512, NULL, NULL, 0,
						  &caps), 0);
	ck_assert_uint_eq(tdx_caps_get_default_xfam(caps), 0x3);
	tdx_caps_free(caps);
}
END_TEST

/* A hand-built KVM_TDX_CAPABILITIES answer, as the kernel writes it. */
static struct kvm_tdx_capabilities *blob(uint32_t allocated)
{
	struct kvm_tdx_capabilities *kc;
	struct kvm_cpuid_entry2 *e;

	kc = calloc(1, sizeof(*kc) + allocated * sizeof(struct kvm_cpuid_entry2));
	ck_assert_ptr_nonnull(kc);
	kc->supported_attrs = 0x10000000;
	kc->supported_xfam = 0x602E7;
	kc->kernel_tdvmcallinfo_1_r11 = 0x11;
	kc->user_tdvmcallinfo_1_r11 = 0x22;
	kc->kernel_tdvmcallinfo_1_r12 = 0x33;
	kc->user_tdvmcallinfo_1_r12 = 0x44;
	kc->cpuid.nent = 5;
	e = kc->cpuid.entries;
	e[0] = (struct kvm_cpuid_entry2){ .function = 1, .eax = 0x0FFF3FFF,
		.ebx = 0x00FF0000, .ecx = 0x31044988, .edx = 0xB8405080 };
	e[1] = (struct kvm_cpuid_entry2){ .function = 4, .index = 0, .eax = 0xA };
	e[2] = (struct kvm_cpuid_entry2){ .function = 4, .index = 1, .eax = 0xB };
	e[3] = (struct kvm_cpuid_entry2){ .function = 7, .index = 0,
		.ebx = 0xD02B9308, .ecx = 0x02417F44, .edx = 0x40054010 };
	e[4] = (struct kvm_cpuid_entry2){ .function = 0x80000008, .index = 0,
		.eax = 0x00FF00FF, .ebx = 0x200 };
	return kc;
}

START_TEST(test_decode_blob)
{
	struct kvm_tdx_capabilities *kc = blob(8);
	struct tdx_tdvmcallinfo info;
	struct tdx_cpuid_entry e;
	struct tdx_caps *caps = NULL;
	struct tdx_error err;

	tdx_err_clear(&err);
	ck_assert_int_eq(tdx_caps_decode(kc, 8, &err, &caps), 0);
	ck_assert_uint_eq(tdx_caps_get_supported_attrs(caps), 0x10000000);
	ck_assert_uint_eq(tdx_caps_get_supported_xfam(caps), 0x602E7);
	tdx_caps_get_tdvmcallinfo(caps, &info);
	ck_assert_uint_eq(info.kernel_r11, 0x11);
	ck_assert_uint_eq(info.user_r11, 0x22);
	ck_assert_uint_eq(info.kernel_r12, 0x33);
	ck_assert_uint_eq(info.user_r12, 0x44);
	ck_assert_uint_eq(tdx_caps_cpuid_count(caps), 5);

	ck_assert_int_eq(tdx_caps_get_cpuid(caps, 0, &e), 0);
	ck_assert_uint_eq(e.function, 1);
	ck_assert_uint_eq(e.flags, 0);
	ck_assert_uint_eq(e.eax, 0x0FFF3FFF);
	ck_assert_uint_eq(e.ebx, 0x00FF0000);
	ck_assert_uint_eq(e.ecx, 0x31044988);
	ck_assert_uint_eq(e.edx, 0xB8405080);
	ck_assert_int_eq(tdx_caps_get_cpuid(caps, 2, &e), 0);
	ck_assert_uint_eq(e.function, 4);
	ck_assert_uint_eq(e.index, 1);
	ck_assert_uint_eq(e.flags, TDX_CPUID_FLAG_INDEXED);
	ck_assert_uint_eq(e.eax, 0xB);
	ck_assert_int_eq(tdx_caps_get_cpuid(caps, 3, &e), 0);
	ck_assert_uint_eq(e.function, 7);
	ck_assert_uint_eq(e.flags, 0);	/* only 7.0 configurable here */
	ck_assert_int_eq(tdx_caps_find_cpuid(caps, 4, 0, &e), 0);
	ck_assert_uint_eq(e.eax, 0xA);
	ck_assert_int_eq(tdx_caps_find_cpuid(caps, 0x80000008, 0, &e), 0);
	ck_assert_uint_eq(e.ebx, 0x200);
	tdx_caps_free(caps);

	/* the kernel claiming more entries than we allocated */
	caps = NULL;
	ck_assert_int_eq(tdx_caps_decode(kc, 4, &err, &caps), -EIO);
	ck_assert_ptr_null(caps);
	ck_assert_str_eq(tdx_error_get_step(&err), "KVM_TDX_CAPABILITIES");
	ck_assert_int_eq(tdx_error_get_errno(&err), -EIO);

	/* a duplicated leaf/sub-leaf is malformed */
	kc->cpuid.entries[2].index = 0;
	ck_assert_int_eq(tdx_caps_decode(kc, 8, &err, &caps), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(&err), "cpuid");
	free(kc);
}
END_TEST

START_TEST(test_query_no_device)
{
	struct tdx_caps *caps = NULL;
	struct tdx_ctx *ctx;
	const struct tdx_error *err;

	ck_assert_int_eq(tdx_ctx_new("/nonexistent/kvm", &ctx), 0);
	ck_assert_int_eq(tdx_caps_query(ctx, &caps), -ENOENT);
	ck_assert_ptr_null(caps);
	err = tdx_ctx_get_last_error(ctx);
	ck_assert_str_eq(tdx_error_get_step(err), "open");
	tdx_ctx_unref(ctx);
	ck_assert_int_eq(tdx_caps_query(NULL, &caps), -EINVAL);
}
END_TEST

START_TEST(test_query_not_kvm)
{
	struct tdx_caps *caps = NULL;
	struct tdx_ctx *ctx;
	const struct tdx_error *err;
	int fds;

	/* KVM_CREATE_VM on something that is not KVM: -ENOTTY, no fd leak */
	ck_assert_int_eq(tdx_ctx_new("/dev/null", &ctx), 0);
	ck_assert_int_ge(tdx_ctx_get_fd(ctx), 0);
	fds = tu_count_fds();
	ck_assert_int_eq(tdx_caps_query(ctx, &caps), -ENOTTY);
	ck_assert_ptr_null(caps);
	ck_assert_int_eq(tu_count_fds(), fds);
	err = tdx_ctx_get_last_error(ctx);
	ck_assert_str_eq(tdx_error_get_step(err), "KVM_CREATE_VM");
	ck_assert_int_eq(tdx_error_get_errno(err), -ENOTTY);
	ck_assert_msg(strstr(tdx_error_get_message(err), "host has no TDX VM type"),
		      "message: %s", tdx_error_get_message(err));
	tdx_ctx_unref(ctx);
}
END_TEST

static Suite *caps_suite(void)
{
	Suite *s = suite_create("caps");
	TCase *tc = tcase_create("caps");

	tcase_add_test(tc, test_from_values);
	tcase_add_test(tc, test_from_values_errors);
	tcase_add_test(tc, test_default_xfam_groups);
	tcase_add_test(tc, test_decode_blob);
	tcase_add_test(tc, test_query_no_device);
	tcase_add_test(tc, test_query_not_kvm);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(caps_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
