/* SPDX-License-Identifier: MIT */
/*
 * Real-kernel tests (suite 'kvm'): the probe and TD creation against this
 * machine's /dev/kvm.  Exits 77 (meson: SKIP) with a reason when there is
 * no usable /dev/kvm, or when it does offer TDX (then the simulator suites
 * cover the flow; these tests check the "not supported" answer).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"

static long real_vm_types;

START_TEST(probe_matches_kernel)
{
	struct tdx_ctx *ctx;
	struct tdx_probe *p;
	size_t i;
	bool named = false;

	ck_assert_int_eq(tdx_ctx_new(NULL, &ctx), 0);
	ck_assert_int_eq(tdx_ctx_probe(ctx, &p), 0);
	ck_assert(!tdx_probe_is_supported(p));
	ck_assert_int_eq(tdx_probe_get_open_errno(p), 0);
	ck_assert_int_eq(tdx_probe_get_api_version(p), 12);
	ck_assert_uint_eq(tdx_probe_get_vm_types(p),
			  real_vm_types > 0 ? (uint64_t)real_vm_types : 1);
	ck_assert(!tdx_probe_has(p, TDX_FEATURE_VM_TYPE_TDX));
	ck_assert_uint_ge(tdx_probe_reason_count(p), 1);
	for (i = 0; i < tdx_probe_reason_count(p); i++) {
		printf("reason: %s\n", tdx_probe_get_reason(p, i));
		if (strstr(tdx_probe_get_reason(p, i), "TDX VM type (5) is not offered") &&
		    strstr(tdx_probe_get_reason(p, i), "default"))
			named = true;
	}
	if (real_vm_types > 0)
		ck_assert_msg(named, "no reason names the missing TDX VM type");
	ck_assert_uint_ge(tdx_probe_hint_count(p), 0);
	tdx_probe_free(p);
	tdx_ctx_unref(ctx);
}
END_TEST

START_TEST(features_match_check_extension)
{
	static const struct { unsigned int f; long cap; uint64_t need; } m[] = {
		{ TDX_FEATURE_SPLIT_IRQCHIP, KVM_CAP_SPLIT_IRQCHIP, 0 },
		{ TDX_FEATURE_X2APIC_API, KVM_CAP_X2APIC_API, 0 },
		{ TDX_FEATURE_GUEST_MEMFD, KVM_CAP_GUEST_MEMFD, 0 },
		{ TDX_FEATURE_MEMORY_ATTRIBUTES, KVM_CAP_MEMORY_ATTRIBUTES, 8 },
		{ TDX_FEATURE_USER_MEMORY2, KVM_CAP_USER_MEMORY2, 0 },
		{ TDX_FEATURE_EXIT_HYPERCALL, KVM_CAP_EXIT_HYPERCALL, 0x1000 },
	};
	struct tdx_ctx *ctx;
	struct tdx_probe *p;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	size_t i;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(tdx_ctx_new(NULL, &ctx), 0);
	ck_assert_int_eq(tdx_ctx_probe(ctx, &p), 0);
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		long v = ioctl(fd, KVM_CHECK_EXTENSION, m[i].cap);
		bool has = v > 0 && (!m[i].need || ((uint64_t)v & m[i].need) == m[i].need);

		ck_assert_msg(has == tdx_probe_has(p, m[i].f), "feature %s: kernel %ld",
			      tdx_feature_name(m[i].f), v);
	}
	tdx_probe_free(p);
	tdx_ctx_unref(ctx);
	close(fd);
}
END_TEST

START_TEST(vm_new_fails_cleanly_without_tdx)
{
	struct tdx_ctx *ctx;
	struct tdx_vm *vm = NULL;
	const struct tdx_error *e;
	int fds;

	ck_assert_int_eq(tdx_ctx_new(NULL, &ctx), 0);
	ck_assert_int_ge(tdx_ctx_get_fd(ctx), 0);
	fds = tu_count_fds();
	ck_assert_int_eq(tdx_vm_new(ctx, NULL, &vm), -EINVAL);
	ck_assert_ptr_null(vm);
	e = tdx_ctx_get_last_error(ctx);
	ck_assert_str_eq(tdx_error_get_step(e), "KVM_CREATE_VM");
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "no TDX VM type"));
	ck_assert_int_eq(tu_count_fds(), fds);
	tdx_ctx_unref(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvm-probe");
	TCase *tc = tcase_create("probe");
	int fd;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("SKIP: /dev/kvm not usable here: %s\n", strerror(errno));
		return 77;
	}
	real_vm_types = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	close(fd);
	if (real_vm_types > 0 && (real_vm_types & (1L << KVM_X86_TDX_VM))) {
		printf("SKIP: this /dev/kvm offers TDX; these tests check the no-TDX answer\n");
		return 77;
	}
	tcase_add_test(tc, probe_matches_kernel);
	tcase_add_test(tc, features_match_check_extension);
	tcase_add_test(tc, vm_new_fails_cleanly_without_tdx);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
