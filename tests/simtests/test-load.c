/* SPDX-License-Identifier: MIT */
/*
 * Loading the initial image against the simulator (suite 'sim'): firmware
 * -> layout -> plan -> regions -> private ranges -> INIT_MEM_REGION ->
 * FINALIZE, and the MRTD the simulated TDX module computed from the bytes
 * it was actually given must equal tdx_measure_plan()'s prediction (and,
 * for Debian's OVMF.fd, the known value).  Resume after EINTR mid-region,
 * ordering errors, fault injection without leaks.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"
#include "../../sim/tdxsim-control.h"
#include "../unit/tdvf-image.h"

#define OVMF "/usr/share/ovmf/OVMF.fd"
#define OVMF_MRTD "4c7206f0f483c524f12c366c711e9049030a8d47c471ee5aa9c4999a08de4057fb887fed0744d5631a212967fb231c47"
#define GIB (1ull << 30)

struct launch {
	struct tdx_ctx *ctx;
	struct tdx_tdvf *tdvf;
	struct tdx_layout *layout;
	struct tdx_plan *plan;
	struct tdx_vm *vm;
	struct tdx_mem *mem;
	struct tdx_vcpu *vcpu;
	uint8_t *image;
};

static void launch_free(struct launch *l)
{
	tdx_vcpu_unref(l->vcpu);
	tdx_mem_unref(l->mem);
	tdx_vm_unref(l->vm);
	tdx_plan_free(l->plan);
	tdx_layout_free(l->layout);
	tdx_tdvf_free(l->tdvf);
	tdx_ctx_unref(l->ctx);
	free(l->image);
	memset(l, 0, sizeof(*l));
}

/* Everything up to (not including) tdx_load_plan(). */
static int prepare(struct launch *l, const char *path, uint64_t ram, bool init_vcpu)
{
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	uint64_t hob;
	int r;

	r = tdx_ctx_new(NULL, &l->ctx);
	if (!r && path)
		r = tdx_tdvf_open(path, NULL, NULL, &l->tdvf);
	else if (!r) {
		size_t desc;

		l->image = ti_default(64 * 1024, &desc);
		r = l->image ? tdx_tdvf_parse(l->image, 64 * 1024, NULL, NULL, &l->tdvf) : -ENOMEM;
	}
	if (!r)
		r = tdx_layout_new_q35(ram, tdx_tdvf_get_image_size(l->tdvf), NULL, &l->layout);
	po.layout = l->layout;
	if (!r)
		r = tdx_plan_new(l->ctx, l->tdvf, &po, &l->plan);
	if (!r)
		r = tdx_vm_new(l->ctx, NULL, &l->vm);
	if (!r)
		r = tdx_vm_init(l->vm, NULL);
	if (!r)
		r = tdx_mem_new(l->vm, NULL, &l->mem);
	if (!r)
		r = tdx_mem_add_layout(l->mem, l->layout);
	if (!r)
		r = tdx_vcpu_new(l->vm, 0, &l->vcpu);
	if (!r && init_vcpu) {
		r = tdx_plan_get_hob_gpa(l->plan, &hob);
		if (!r)
			r = tdx_vcpu_init(l->vcpu, hob);
	}
	return r;
}

static void expect_match(struct launch *l, const char *known_hex)
{
	uint8_t predicted[48], actual[48];
	char hex[97];
	int i;

	ck_assert_int_eq(tdx_measure_plan(l->ctx, l->plan, NULL, predicted, NULL), 0);
	ck_assert_int_eq(tdxsim_ctl_vm_mrtd(tdx_vm_get_fd(l->vm), actual), 0);
	ck_assert_msg(!memcmp(predicted, actual, 48),
		      "simulated module MRTD differs from the prediction");
	for (i = 0; i < 48; i++)
		sprintf(hex + 2 * i, "%02x", actual[i]);
	if (known_hex)
		ck_assert_str_eq(hex, known_hex);
}

static void setup(void)
{
	ck_assert_msg(tdxsim_ctl_active(), "run under the simulator (LD_PRELOAD)");
	tdxsim_ctl_reset();
}

START_TEST(synthetic_image_prediction_matches_module)
{
	struct tdx_load_stats st;
	struct launch l = { 0 };

	ck_assert_int_eq(prepare(&l, NULL, 2 * GIB, true), 0);
	ck_assert_int_eq(tdx_load_plan(l.mem, l.plan, l.vcpu, NULL, &st), 0);
	ck_assert_uint_eq(st.sections, 6);
	ck_assert_uint_eq(st.pages_measured, (64 * 1024 - 0x1000) / 4096);
	ck_assert_int_eq(tdx_vm_finalize(l.vm), 0);
	expect_match(&l, NULL);
	launch_free(&l);
}
END_TEST

/*
 * Before FINALIZE, a private->shared conversion over pages added with
 * INIT_MEM_REGION removes them from the TD (tdx_sept_remove_leaf_spte()
 * has no state check) while MRTD already counts them: refused, rule
 * "initial-image".  After FINALIZE it is the guest's business.
 */
START_TEST(initial_image_stays_private_until_finalize)
{
	struct tdx_mem_reject rej;
	struct tdx_plan_op op = { 0 };
	struct launch l = { 0 };
	size_t i;

	ck_assert_int_eq(prepare(&l, NULL, 2 * GIB, true), 0);
	ck_assert_int_eq(tdx_load_plan(l.mem, l.plan, l.vcpu, NULL, NULL), 0);
	for (i = 0; i < tdx_plan_op_count(l.plan); i++) {
		ck_assert_int_eq(tdx_plan_get_op(l.plan, i, &op), 0);
		if (op.added && op.pages)
			break;
	}
	ck_assert(op.added && op.pages);
	ck_assert_int_eq(tdx_mem_convert(l.mem, op.gpa, 4096, false), -EBUSY);
	ck_assert_int_eq(tdx_mem_get_last_reject(l.mem, &rej), 0);
	ck_assert_int_eq(rej.rule, TDX_MEM_RULE_INITIAL_IMAGE);
	ck_assert_str_eq(tdx_mem_rule_name(rej.rule), "initial-image");
	ck_assert_uint_eq(rej.gpa, op.gpa);
	/* a range that merely touches one added page is refused too */
	ck_assert_int_eq(tdx_mem_convert(l.mem, op.gpa + op.pages * 4096 - 4096, 0x2000, false), -EBUSY);
	ck_assert_int_eq(tdx_mem_is_private(l.mem, op.gpa, op.pages * 4096), 1);
	/* RAM outside the image converts both ways */
	ck_assert_int_eq(tdx_mem_convert(l.mem, 1 * GIB, 0x10000, true), 0);
	ck_assert_int_eq(tdx_mem_convert(l.mem, 1 * GIB, 0x10000, false), 0);
	ck_assert_int_eq(tdx_vm_finalize(l.vm), 0);
	expect_match(&l, NULL);
	ck_assert_int_eq(tdx_mem_convert(l.mem, op.gpa, 4096, false), 0);
	launch_free(&l);
}
END_TEST

START_TEST(ovmf_known_mrtd)
{
	struct tdx_load_stats st;
	struct launch l = { 0 };

	if (access(OVMF, R_OK)) {
		printf("SKIP: %s not installed (apt-get install ovmf)\n", OVMF);
		return;
	}
	ck_assert_int_eq(prepare(&l, OVMF, 2 * GIB, true), 0);
	ck_assert_int_eq(tdx_load_plan(l.mem, l.plan, l.vcpu, NULL, &st), 0);
	ck_assert_uint_eq(st.pages_added, 538);
	ck_assert_uint_eq(st.pages_measured, 480);
	ck_assert_int_eq(tdx_vm_finalize(l.vm), 0);
	expect_match(&l, OVMF_MRTD);
	launch_free(&l);
}
END_TEST

START_TEST(resume_after_eintr_mid_region)
{
	struct tdx_load_stats st;
	struct launch l = { 0 };

	ck_assert_int_eq(prepare(&l, NULL, 2 * GIB, true), 0);
	/* a signal after 3 pages of a region: the kernel reports progress */
	ck_assert_int_eq(tdxsim_ctl_fail_spec(
		"ioctl=KVM_TDX_INIT_MEM_REGION:errno=EINTR:after_pages=3:times=2"), 0);
	ck_assert_int_eq(tdx_load_plan(l.mem, l.plan, l.vcpu, NULL, &st), 0);
	ck_assert_uint_ge(st.resumes, 1);
	/* a restart from the region's start would have re-added pages (EIO) */
	ck_assert_int_eq(tdx_vm_finalize(l.vm), 0);
	expect_match(&l, NULL);
	launch_free(&l);
}
END_TEST

START_TEST(load_needs_initialised_vcpu_and_td)
{
	struct launch l = { 0 };
	const struct tdx_error *e;

	ck_assert_int_eq(prepare(&l, NULL, 1 * GIB, false), 0);
	e = tdx_mem_get_last_error(l.mem);
	ck_assert_int_eq(tdx_load_plan(l.mem, l.plan, l.vcpu, NULL, NULL), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(e), "vcpu");
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "KVM_TDX_INIT_VCPU"));
	ck_assert_int_eq(tdx_vcpu_init(l.vcpu, 0x809000), 0);
	ck_assert_int_eq(tdx_load_plan(l.mem, l.plan, l.vcpu, NULL, NULL), 0);
	/* loading twice: named before the kernel's EIO, with no ioctl */
	{
		unsigned long calls = tdxsim_ctl_call_count();

		ck_assert_int_eq(tdx_load_plan(l.mem, l.plan, l.vcpu, NULL, NULL), -EALREADY);
		ck_assert_uint_eq(tdxsim_ctl_call_count(), calls);
	}
	ck_assert_str_eq(tdx_error_get_step(e), "validate");
	ck_assert_str_eq(tdx_error_get_field(e), "plan");
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "already loaded"));
	launch_free(&l);

	ck_assert_int_eq(prepare(&l, NULL, 1 * GIB, true), 0);
	ck_assert_int_eq(tdx_vm_finalize(l.vm), 0);
	ck_assert_int_eq(tdx_load_plan(l.mem, l.plan, l.vcpu, NULL, NULL), -EINVAL);
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(tdx_mem_get_last_error(l.mem)),
				     "finalised"));
	launch_free(&l);
}
END_TEST

/* plan.h: a loader must pass a layout; a plan without one (nor HOB bytes)
 * has an all-zero TD HOB and is refused before any ioctl. */
START_TEST(plan_without_layout_refused)
{
	struct launch l = { 0 };
	struct tdx_plan *bare = NULL, *with_hob = NULL;
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	const struct tdx_error *e;
	static const uint8_t hob[64] = { 1 };
	unsigned long calls;
	uint64_t gpa;

	ck_assert_int_eq(prepare(&l, NULL, 1 * GIB, true), 0);
	e = tdx_mem_get_last_error(l.mem);
	ck_assert_int_eq(tdx_plan_new(l.ctx, l.tdvf, NULL, &bare), 0);
	ck_assert_int_eq(tdx_plan_get_hob_gpa(bare, &gpa), 0);	/* has a TD_HOB */
	calls = tdxsim_ctl_call_count();
	ck_assert_int_eq(tdx_load_plan(l.mem, bare, l.vcpu, NULL, NULL), -EINVAL);
	ck_assert_uint_eq(tdxsim_ctl_call_count(), calls);
	ck_assert_str_eq(tdx_error_get_step(e), "validate");
	ck_assert_str_eq(tdx_error_get_field(e), "layout");
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "all zeros"));
	/* the caller's own HOB bytes stand in for the layout's */
	po.hob = hob;
	po.hob_len = sizeof(hob);
	ck_assert_int_eq(tdx_plan_new(l.ctx, l.tdvf, &po, &with_hob), 0);
	ck_assert_int_eq(tdx_load_plan(l.mem, with_hob, l.vcpu, NULL, NULL), 0);
	tdx_plan_free(with_hob);
	tdx_plan_free(bare);
	launch_free(&l);
}
END_TEST

START_TEST(load_failures_leak_nothing)
{
	struct launch l = { 0 };
	unsigned long before, total, n;
	int fds, maps;

	/* baseline with nothing open */
	fds = tu_count_fds();
	maps = tu_count_object_maps();
	before = tdxsim_ctl_call_count();
	ck_assert_int_eq(prepare(&l, NULL, 1 * GIB, true), 0);
	ck_assert_int_eq(tdx_load_plan(l.mem, l.plan, l.vcpu, NULL, NULL), 0);
	ck_assert_int_eq(tdx_vm_finalize(l.vm), 0);
	total = tdxsim_ctl_call_count() - before;
	launch_free(&l);
	ck_assert_int_eq(tu_count_fds(), fds);
	for (n = 0; n < total; n++) {
		unsigned long t0 = tdxsim_ctl_trace_count();
		int r;

		tdxsim_ctl_fail_clear();
		ck_assert_int_eq(tdxsim_ctl_fail_nth(tdxsim_ctl_call_count() + 1 + n, EIO), 0);
		r = prepare(&l, NULL, 1 * GIB, true);
		if (!r)
			r = tdx_load_plan(l.mem, l.plan, l.vcpu, NULL, NULL);
		if (!r)
			r = tdx_vm_finalize(l.vm);
		if (!r) {
			/* only probes libtdx documents as optional may fail silently */
			char line[256] = "";
			unsigned long i, tc = tdxsim_ctl_trace_count();

			for (i = t0; i < tc; i++)
				if (tdxsim_ctl_trace_get(i, line, sizeof(line)) >= 0 &&
				    strstr(line, "errno=EIO"))
					break;
			ck_assert_msg(strstr(line, "KVM_CHECK_EXTENSION") ||
				      strstr(line, "KVM_GET_SUPPORTED_CPUID"),
				      "injected failure %lu went unnoticed: %s", n + 1, line);
		}
		launch_free(&l);
		ck_assert_int_eq(tu_count_fds(), fds);
		ck_assert_int_eq(tu_count_object_maps(), maps);
	}
	tdxsim_ctl_fail_clear();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("load-sim");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, synthetic_image_prediction_matches_module);
	tcase_add_test(tc, ovmf_known_mrtd);
	tcase_add_test(tc, initial_image_stays_private_until_finalize);
	tcase_add_test(tc, resume_after_eintr_mid_region);
	tcase_add_test(tc, load_needs_initialised_vcpu_and_td);
	tcase_add_test(tc, plan_without_layout_refused);
	tcase_add_test(tc, load_failures_leak_nothing);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
