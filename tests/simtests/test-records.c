/* SPDX-License-Identifier: MIT */
/*
 * The error-record rule (common.h, libtdx-ctx(3)), tested as a user sees it
 * through the installed headers only (suite 'sim'): a failing call records
 * on the first handle among its arguments, a constructor on the parent it
 * takes, and no other record changes.  Each case makes one call fail and
 * compares all six records (context, two VMs, memory object, vCPU,
 * attestation server) before and after.
 */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libtdx.h>
#include "../../sim/tdxsim-control.h"

#define HOB_GPA 0x809000ULL

enum { H_CTX, H_VM, H_VM2, H_MEM, H_VCPU, H_ATT, H_COUNT };
static const char *const hname[H_COUNT] = { "ctx", "vm", "vm2", "mem", "vcpu", "attest" };

static struct tdx_ctx *ctx;
static struct tdx_vm *vm, *vm2;
static struct tdx_mem *mem, *mem2;
static struct tdx_vcpu *vcpu;
static struct tdx_attest *att;

struct snap {
	int err, bit;
	char step[64], field[64], msg[300];
};

static const struct tdx_error *record(int h)
{
	switch (h) {
	case H_CTX: return tdx_ctx_get_last_error(ctx);
	case H_VM: return tdx_vm_get_last_error(vm);
	case H_VM2: return tdx_vm_get_last_error(vm2);
	case H_MEM: return tdx_mem_get_last_error(mem);
	case H_VCPU: return tdx_vcpu_get_last_error(vcpu);
	default: return tdx_attest_get_last_error(att);
	}
}

static void take(struct snap *s)
{
	int h;

	for (h = 0; h < H_COUNT; h++) {
		const struct tdx_error *e = record(h);

		s[h].err = tdx_error_get_errno(e);
		s[h].bit = tdx_error_get_bit(e);
		snprintf(s[h].step, sizeof(s[h].step), "%s", tdx_error_get_step(e));
		snprintf(s[h].field, sizeof(s[h].field), "%s", tdx_error_get_field(e));
		snprintf(s[h].msg, sizeof(s[h].msg), "%s", tdx_error_get_message(e));
	}
}

static bool same(const struct snap *a, const struct snap *b)
{
	return a->err == b->err && a->bit == b->bit && !strcmp(a->step, b->step) &&
	       !strcmp(a->field, b->field) && !strcmp(a->msg, b->msg);
}

/*
 * The call returned r (< 0); the record of handle `want` must now hold r
 * and a message, every other record must be unchanged.
 */
static void check_only(const char *what, const struct snap *before, int r, int want)
{
	struct snap after[H_COUNT];
	int h;

	take(after);
	ck_assert_msg(r < 0, "%s: expected a failure, got %d", what, r);
	ck_assert_msg(after[want].err == r,
		      "%s: returned %d but the %s record holds %d (\"%s\")", what, r,
		      hname[want], after[want].err, after[want].msg);
	ck_assert_msg(after[want].msg[0], "%s: empty message in the %s record", what,
		      hname[want]);
	/* consecutive cases on one handle fail differently: it must change */
	ck_assert_msg(!same(&before[want], &after[want]),
		      "%s: the %s record did not change", what, hname[want]);
	for (h = 0; h < H_COUNT; h++)
		ck_assert_msg(h == want || same(&before[h], &after[h]),
			      "%s: recorded on %s too (\"%s\"), not only on %s", what,
			      hname[h], after[h].msg, hname[want]);
}

#define EXPECT(want, call) do {					\
		struct snap before_[H_COUNT];			\
		int r_;						\
								\
		take(before_);					\
		r_ = (call);					\
		check_only(#call, before_, r_, want);		\
	} while (0)

static void *map_cb(void *userdata, uint64_t gpa, uint64_t len)
{
	(void)userdata;
	(void)gpa;
	(void)len;
	return NULL;
}

static void setup(void)
{
	struct tdx_attest_opts ao = TDX_OPTS(tdx_attest_opts);

	ck_assert_msg(tdxsim_ctl_active(), "run under the simulator (LD_PRELOAD)");
	tdxsim_ctl_reset();
	ck_assert_int_eq(tdx_ctx_new(NULL, &ctx), 0);
	ck_assert_int_eq(tdx_vm_new(ctx, NULL, &vm), 0);
	ck_assert_int_eq(tdx_vm_new(ctx, NULL, &vm2), 0);
	ck_assert_int_eq(tdx_vm_init(vm, NULL), 0);
	ck_assert_int_eq(tdx_mem_new(vm, NULL, &mem), 0);
	ck_assert_int_eq(tdx_mem_new(vm2, NULL, &mem2), 0);
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, 1 << 20, NULL, NULL), 0);
	ck_assert_int_eq(tdx_vcpu_new(vm, 0, &vcpu), 0);
	ao.map = map_cb;
	ck_assert_int_eq(tdx_attest_new(ctx, &ao, &att), 0);
}

static void teardown(void)
{
	tdx_attest_free(att);
	tdx_vcpu_unref(vcpu);
	tdx_mem_unref(mem2);
	tdx_mem_unref(mem);
	tdx_vm_unref(vm2);
	tdx_vm_unref(vm);
	tdx_ctx_unref(ctx);
	tdxsim_ctl_reset();
}

/* Constructors record on the parent handle they take. */
START_TEST(constructors_record_on_their_parent)
{
	struct tdx_vm_opts vo = { 0 };		/* not declared with TDX_OPTS() */
	struct tdx_mem_opts mo = { 0 };
	struct tdx_attest_opts ao = TDX_OPTS(tdx_attest_opts);	/* no map callback */
	struct tdx_vm *v = NULL;
	struct tdx_mem *m = NULL;
	struct tdx_vcpu *c = NULL;
	struct tdx_attest *a = NULL;
	struct tdx_plan *p = NULL;
	uint8_t mrtd[48];

	EXPECT(H_CTX, tdx_vm_new(ctx, &vo, &v));
	EXPECT(H_CTX, tdx_vm_new(ctx, NULL, NULL));
	EXPECT(H_CTX, tdx_caps_query(ctx, NULL));
	EXPECT(H_CTX, tdx_ctx_probe(ctx, NULL));
	EXPECT(H_CTX, tdx_attest_new(ctx, &ao, &a));
	EXPECT(H_CTX, tdx_plan_new(ctx, NULL, NULL, &p));
	EXPECT(H_CTX, tdx_measure_plan(ctx, NULL, NULL, mrtd, NULL));
	EXPECT(H_CTX, tdx_measure_firmware(ctx, "/nonexistent/tdvf.fd", NULL, mrtd, NULL));
	EXPECT(H_VM, tdx_mem_new(vm, &mo, &m));
	EXPECT(H_VM, tdx_mem_new(vm, NULL, NULL));
	EXPECT(H_VM, tdx_vcpu_new(vm, 0, NULL));
	EXPECT(H_VM2, tdx_vcpu_new(vm2, 0, &c));	/* TD not initialised */
	ck_assert_ptr_null(v);
	ck_assert_ptr_null(m);
	ck_assert_ptr_null(c);
	ck_assert_ptr_null(a);
	ck_assert_ptr_null(p);
}
END_TEST

/* Everything else records on its first handle argument, and only there. */
START_TEST(calls_record_on_their_first_handle)
{
	struct tdx_td_config bad = TDX_OPTS(tdx_td_config);
	struct tdx_exit ex, io;
	struct tdx_attest_answer ans;
	uint64_t status;

	bad.attributes = 1ULL << 0;	/* DEBUG: KVM refuses it */
	memset(&ex, 0, sizeof(ex));
	ex.type = TDX_EXIT_MAP_GPA;
	ex.u.convert.gpa = 0;
	ex.u.convert.size = 4096;
	memset(&io, 0, sizeof(io));
	io.type = TDX_EXIT_IO;

	EXPECT(H_VM2, tdx_vm_init(vm2, &bad));
	EXPECT(H_VM, tdx_vm_init(vm, NULL));			/* already */
	EXPECT(H_VM2, tdx_vm_finalize(vm2));			/* not initialised */
	EXPECT(H_MEM, tdx_mem_add_region(mem, 1, 4096, NULL, NULL));
	EXPECT(H_MEM, tdx_mem_convert(mem, 0, 0, false));
	EXPECT(H_MEM, tdx_mem_add_layout(mem, NULL));
	EXPECT(H_MEM, tdx_load_plan(mem, NULL, vcpu, NULL, NULL));
	EXPECT(H_VCPU, tdx_vcpu_run(vcpu, &io));		/* not initialised */
	EXPECT(H_VCPU, tdx_vcpu_run(vcpu, NULL));
	EXPECT(H_VCPU, tdx_vcpu_complete(vcpu, &ex, 0));	/* not stopped at MapGPA */
	EXPECT(H_VCPU, tdx_vcpu_complete(vcpu, &io, 0));	/* nothing to complete */
	EXPECT(H_VCPU, tdx_vcpu_complete(vcpu, NULL, 0));
	EXPECT(H_VCPU, tdx_vcpu_answer_tdvmcall_info(vcpu, &io, 0, 0, 0, 0));
	EXPECT(H_VCPU, tdx_vcpu_convert(vcpu, mem2, &ex));	/* other TD's memory */
	EXPECT(H_VCPU, tdx_vcpu_convert(vcpu, mem, &io));	/* not a conversion */
	EXPECT(H_VCPU, tdx_vcpu_convert(vcpu, NULL, &ex));
	EXPECT(H_ATT, tdx_attest_get_quote(att, 0, 4096, NULL));
	EXPECT(H_ATT, tdx_attest_setup_event_notify(att, 32, 0, NULL));
	EXPECT(H_ATT, tdx_attest_answer_tdvmcall_info(att, 1, NULL));
	EXPECT(H_ATT, tdx_attest_handle_exit(att, &io, 0, &ans));
	(void)status;
}
END_TEST

/* Accessors take a const handle and change no record. */
START_TEST(accessors_record_nothing)
{
	struct snap before[H_COUNT], after[H_COUNT];
	struct tdx_mem_region_info ri;
	struct tdx_mem_reject rej;
	struct tdx_cpuid_entry ce;
	int h;

	take(before);
	ck_assert_int_eq(tdx_mem_get_region(mem, 99, &ri), -ERANGE);
	ck_assert_int_eq(tdx_mem_get_last_reject(mem, &rej), -ENOENT);
	ck_assert_int_eq(tdx_vcpu_get_cpuid(vcpu, 0, &ce), -ERANGE);
	ck_assert_int_lt(tdx_vcpu_compare_cpuid(vcpu, NULL, 0), 0);
	take(after);
	for (h = 0; h < H_COUNT; h++)
		ck_assert_msg(same(&before[h], &after[h]), "an accessor changed the %s record",
			      hname[h]);
}
END_TEST

/*
 * After fork(2) the kernel refuses the child's VM and vCPU ioctls with EIO
 * (kvm_vm_ioctl(), kvm_vcpu_ioctl(): kvm->mm != current->mm); libtdx names
 * it ECHILD, and the memory layer agrees with the VM and vCPU layers.
 */
START_TEST(after_fork_every_layer_says_echild)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int bad = 0;

		bad |= tdx_mem_convert(mem, 0, 4096, true) != -ECHILD;
		bad |= (tdx_error_get_errno(tdx_mem_get_last_error(mem)) != -ECHILD) << 1;
		bad |= (tdx_mem_add_region(mem, 1 << 20, 4096, NULL, NULL) != -ECHILD) << 2;
		bad |= (tdx_vcpu_init(vcpu, HOB_GPA) != -ECHILD) << 3;
		bad |= (tdx_vm_finalize(vm) != -ECHILD) << 4;
		_exit(bad);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child: failed checks mask 0x%x", WEXITSTATUS(status));
	/* the parent's objects still work */
	ck_assert_int_eq(tdx_mem_convert(mem, 0, 4096, true), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("records");
	TCase *tc = tcase_create("records");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, constructors_record_on_their_parent);
	tcase_add_test(tc, calls_record_on_their_first_handle);
	tcase_add_test(tc, accessors_record_nothing);
	tcase_add_test(tc, after_fork_every_layer_says_echild);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
