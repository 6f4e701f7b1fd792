/* SPDX-License-Identifier: MIT */
/* Unit tests: context, error records, logging, opts, probe of a missing device. */
#include <check.h>
#include <signal.h>
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

START_TEST(ctx_new_rejects_bad_args)
{
	struct tdx_ctx *ctx = NULL;
	char longpath[400];

	ck_assert_int_eq(tdx_ctx_new(NULL, NULL), -EINVAL);
	ck_assert_int_eq(tdx_ctx_new("", &ctx), -EINVAL);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = 0;
	ck_assert_int_eq(tdx_ctx_new(longpath, &ctx), -EINVAL);
	ck_assert_ptr_null(ctx);
	ck_assert_ptr_null(tdx_ctx_unref(NULL));
}
END_TEST

START_TEST(ctx_default_device_and_refcount)
{
	struct tdx_ctx *ctx;

	ck_assert_int_eq(tdx_ctx_new(NULL, &ctx), 0);
	ck_assert_str_eq(tdx_ctx_get_device(ctx), "/dev/kvm");
	ck_assert_ptr_eq(tdx_ctx_ref(ctx), ctx);
	ck_assert_ptr_null(tdx_ctx_unref(ctx));
	/* still alive after one unref */
	ck_assert_str_eq(tdx_ctx_get_device(ctx), "/dev/kvm");
	ck_assert_ptr_null(tdx_ctx_unref(ctx));
}
END_TEST

START_TEST(open_failure_is_recorded)
{
	struct tdx_ctx *ctx;
	const struct tdx_error *e;
	int fds = tu_count_fds();

	ck_assert_int_eq(tdx_ctx_new("/nonexistent/kvm", &ctx), 0);
	ck_assert_int_eq(tdx_ctx_get_fd(ctx), -ENOENT);
	e = tdx_ctx_get_last_error(ctx);
	ck_assert_int_eq(tdx_error_get_errno(e), -ENOENT);
	ck_assert_str_eq(tdx_error_get_step(e), "open");
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "/nonexistent/kvm"));
	ck_assert_int_eq(tdx_error_get_bit(e), -1);
	tdx_ctx_unref(ctx);
	ck_assert_int_eq(tu_count_fds(), fds);
}
END_TEST

START_TEST(open_is_cloexec)
{
	struct tdx_ctx *ctx;
	int fd;

	ck_assert_int_eq(tdx_ctx_new("/dev/null", &ctx), 0);
	fd = tdx_ctx_get_fd(ctx);
	ck_assert_int_ge(fd, 0);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(tdx_ctx_get_fd(ctx), fd);	/* opened once */
	tdx_ctx_unref(ctx);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);	/* closed with the ctx */
}
END_TEST

START_TEST(probe_missing_device)
{
	struct tdx_ctx *ctx;
	struct tdx_probe *p;

	ck_assert_int_eq(tdx_ctx_new("/nonexistent/kvm", &ctx), 0);
	ck_assert_int_eq(tdx_ctx_probe(ctx, &p), 0);
	ck_assert(!tdx_probe_is_supported(p));
	ck_assert_int_eq(tdx_probe_get_open_errno(p), -ENOENT);
	ck_assert_int_eq(tdx_probe_get_api_version(p), -1);
	ck_assert_uint_eq(tdx_probe_reason_count(p), 1);
	ck_assert_ptr_nonnull(strstr(tdx_probe_get_reason(p, 0), "does not exist"));
	ck_assert_ptr_null(tdx_probe_get_reason(p, 1));
	ck_assert(!tdx_probe_has(p, TDX_FEATURE_GUEST_MEMFD));
	ck_assert(!tdx_probe_has(p, 999));
	tdx_probe_free(p);
	tdx_ctx_unref(ctx);
}
END_TEST

START_TEST(probe_names)
{
	ck_assert_str_eq(tdx_vm_type_name(5), "tdx");
	ck_assert_str_eq(tdx_vm_type_name(0), "default");
	ck_assert_ptr_null(tdx_vm_type_name(6));
	ck_assert_str_eq(tdx_feature_name(TDX_FEATURE_GUEST_MEMFD), "guest-memfd");
	ck_assert_ptr_null(tdx_feature_name(TDX_FEATURE_COUNT));
}
END_TEST

struct logbuf {
	int calls;
	int prio;
	char last[512];
};

static void log_cb(void *ud, int prio, const char *msg)
{
	struct logbuf *lb = ud;

	lb->calls++;
	lb->prio = prio;
	snprintf(lb->last, sizeof(lb->last), "%s", msg);
}

START_TEST(log_callback_and_levels)
{
	struct logbuf lb = { 0 };
	struct tdx_ctx *ctx;

	ck_assert_int_eq(tdx_ctx_new(NULL, &ctx), 0);
	tdx_log(ctx, 3, "silent by default");
	ck_assert_int_eq(lb.calls, 0);
	tdx_ctx_set_log_fn(ctx, log_cb, &lb, 6);
	tdx_log(ctx, 7, "debug dropped");
	ck_assert_int_eq(lb.calls, 0);
	tdx_log(ctx, 4, "warn %d", 42);
	ck_assert_int_eq(lb.calls, 1);
	ck_assert_int_eq(lb.prio, 4);
	ck_assert_str_eq(lb.last, "warn 42");
	tdx_ctx_set_log_fn(ctx, NULL, NULL, 7);
	tdx_log(ctx, 3, "silenced again");
	ck_assert_int_eq(lb.calls, 1);
	tdx_ctx_unref(ctx);
}
END_TEST

struct demo_opts {
	size_t sz;
	uint64_t a;
	uint64_t b;
};

START_TEST(opts_validation)
{
	struct demo_opts o = { .sz = sizeof(o), .a = 1, .b = 2 };
	unsigned char big[64] = { 0 };
	size_t sz = sizeof(big);

	ck_assert_ptr_null(tdx_opts_problem(NULL, sizeof(o)));
	ck_assert_ptr_null(tdx_opts_problem(&o, sizeof(o)));
	/* an older caller's smaller struct is fine */
	o.sz = offsetof(struct demo_opts, b);
	ck_assert_ptr_null(tdx_opts_problem(&o, sizeof(o)));
	{
		const struct demo_opts *po = &o;

		ck_assert_int_eq(TDX_OPTS_GET(po, b, 77), 77);
		ck_assert_int_eq(TDX_OPTS_GET(po, a, 77), 1);
	}
	/* a newer caller's bigger struct: zero tail ok, non-zero tail not */
	memcpy(big, &sz, sizeof(sz));
	ck_assert_ptr_null(tdx_opts_problem(big, sizeof(o)));
	big[40] = 1;
	ck_assert_ptr_nonnull(strstr(tdx_opts_problem(big, sizeof(o)), "not zero"));
	/* a trailing reserved member is checked like an unknown tail */
	o.sz = sizeof(o);
	o.b = 5;
	ck_assert_ptr_nonnull(tdx_opts_problem(&o, offsetof(struct demo_opts, b)));
	o.sz = 3;
	ck_assert_ptr_nonnull(strstr(tdx_opts_problem(&o, sizeof(o)), "TDX_OPTS()"));
	/* a struct the caller zeroed by hand instead of TDX_OPTS() */
	o.sz = 0;
	ck_assert_str_eq(tdx_opts_problem(&o, sizeof(o)),
			 "sz is 0: declare the struct with TDX_OPTS()");
}
END_TEST

/* Public entry points name the missing TDX_OPTS() and check reserved. */
START_TEST(opts_public_messages)
{
	struct tdx_vm_opts vo = { 0 };
	struct tdx_tdvf_opts to = TDX_OPTS(tdx_tdvf_opts);
	struct tdx_tdvf_diag d;
	struct tdx_ctx *ctx;
	struct tdx_vm *vm = NULL;
	struct tdx_tdvf *tdvf = NULL;
	static const unsigned char img[4096];

	ck_assert_int_eq(tdx_ctx_new("/nonexistent/kvm", &ctx), 0);
	ck_assert_int_eq(tdx_vm_new(ctx, &vo, &vm), -EINVAL);
	ck_assert_ptr_null(vm);
	ck_assert_str_eq(tdx_error_get_message(tdx_ctx_get_last_error(ctx)),
			 "struct tdx_vm_opts: sz is 0: declare the struct with TDX_OPTS()");
	vo = (struct tdx_vm_opts)TDX_OPTS(tdx_vm_opts);
	vo.kick_signal = SIGKILL;
	ck_assert_int_eq(tdx_vm_new(ctx, &vo, &vm), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(tdx_ctx_get_last_error(ctx)), "kick_signal");
	to.reserved = 1;
	ck_assert_int_eq(tdx_tdvf_parse(img, sizeof(img), &to, &d, &tdvf), -EINVAL);
	ck_assert_ptr_nonnull(strstr(d.message, "reserved"));
	tdx_ctx_unref(ctx);
}
END_TEST

START_TEST(error_record_helpers)
{
	struct tdx_error e;

	tdx_err_clear(&e);
	ck_assert_int_eq(tdx_error_get_errno(&e), 0);
	ck_assert_int_eq(tdx_error_get_bit(&e), -1);
	ck_assert_int_eq(tdx_err(&e, -EINVAL, "validate", "xfam", 5, "bit %d", 5),
			 -EINVAL);
	ck_assert_str_eq(tdx_error_get_step(&e), "validate");
	ck_assert_str_eq(tdx_error_get_field(&e), "xfam");
	ck_assert_int_eq(tdx_error_get_bit(&e), 5);
	ck_assert_str_eq(tdx_error_get_message(&e), "bit 5");
	ck_assert_int_eq(tdx_err_hw(&e, -EINVAL, "KVM_TDX_INIT_VM",
				    0xC000010000000045ULL, "init failed"), -EINVAL);
	ck_assert_uint_eq(tdx_error_get_hw(&e), 0xC000010000000045ULL);
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(&e), "TDX_OPERAND_INVALID"));
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(&e), "CPUID_CONFIG"));
	ck_assert_int_eq(tdx_error_get_errno(NULL), -EINVAL);
}
END_TEST

START_TEST(version_string)
{
	ck_assert_str_eq(tdx_version(), TDX_VERSION_STRING);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, ctx_new_rejects_bad_args);
	tcase_add_test(tc, ctx_default_device_and_refcount);
	tcase_add_test(tc, open_failure_is_recorded);
	tcase_add_test(tc, open_is_cloexec);
	tcase_add_test(tc, probe_missing_device);
	tcase_add_test(tc, probe_names);
	tcase_add_test(tc, log_callback_and_levels);
	tcase_add_test(tc, opts_validation);
	tcase_add_test(tc, opts_public_messages);
	tcase_add_test(tc, error_record_helpers);
	tcase_add_test(tc, version_string);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
