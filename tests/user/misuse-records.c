// SPDX-License-Identifier: MIT
/* Which record a failing call writes (libtdx-ctx(3)), fork children, attestation answers. */
#include "misuse.h"

/* libtdx(7)/common.h: which record a call writes. */
void record_cases(struct fix *f)
{
	const struct tdx_error *ce = tdx_ctx_get_last_error(f->ctx);
	struct tdx_caps *caps = NULL;
	struct tdx_td_config cfg = base_cfg();
	struct tdx_vm_opts vo = TDX_OPTS(tdx_vm_opts);
	struct tdx_vm *vm = NULL;
	struct tdx_plan *plan = NULL;
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	char msg[256];

	/* a fresh context has a clean record */
	struct tdx_ctx *c2 = NULL;
	if (tdx_ctx_new(NULL, &c2) == 0) {
		CASE("fresh ctx record is clean", rec_clean(tdx_ctx_get_last_error(c2)));
		tdx_ctx_unref(c2);
	}
	/* tdx_vm_new failing records on the context */
	vo.ioapic_pins = 0;
	vo.sz = 0;
	EQ("vm_new bad opts", tdx_vm_new(f->ctx, &vo, &vm), -EINVAL);
	CASE("vm_new records on ctx", rec_is(ce, -EINVAL, NULL));
	/* tdx_caps_check_config records nothing: the ctx record stays */
	snprintf(msg, sizeof(msg), "%s", tdx_error_get_message(ce));
	if (tdx_caps_query(f->ctx, &caps) == 0) {
		cfg.attributes = TDX_ATTR_DEBUG;
		CASE("check_config fails", tdx_caps_check_config(caps, &cfg, NULL) > 0);
		CASE("check_config recorded nothing", !strcmp(msg, tdx_error_get_message(ce)));
		tdx_caps_free(caps);
	}
	/* tdx_plan_new(ctx, ...) records on ctx with step "plan" */
	po.payload_param = "x";
	po.payload_param_len = 1;
	EQ("plan_new payload_param without section", tdx_plan_new(f->ctx, f->tdvf, &po, &plan),
	   -EINVAL);
	CASE("plan_new step plan", rec_is(ce, -EINVAL, NULL) &&
				   !strcmp(tdx_error_get_step(ce), "plan"));
	/* tdx_measure_plan(ctx, NULL) */
	{
		uint8_t mrtd[TDX_MRTD_SIZE];
		EQ("measure_plan NULL plan", tdx_measure_plan(f->ctx, NULL, NULL, mrtd, NULL),
		   -EINVAL);
		CASE("measure_plan records on ctx", rec_is(ce, -EINVAL, NULL));
	}
	/* tdx_caps_query with a context on a missing device records on it */
	if (tdx_ctx_new("/nonexistent/kvm", &c2) == 0) {
		struct tdx_probe *p = NULL;
		int r = tdx_caps_query(c2, &caps);
		CASE("caps_query on missing device fails", r < 0);
		CASE("caps_query records on ctx", rec_is(tdx_ctx_get_last_error(c2), r, NULL));
		EQ("get_fd on missing device", tdx_ctx_get_fd(c2), -ENOENT);
		/* probe of a missing device is a successful report */
		EQ("probe missing device", tdx_ctx_probe(c2, &p), 0);
		CASE("probe says unsupported", p && !tdx_probe_is_supported(p) &&
					       tdx_probe_reason_count(p) > 0 &&
					       tdx_probe_get_open_errno(p) == -ENOENT &&
					       tdx_probe_get_reason(p, 99) == NULL);
		tdx_probe_free(p);
		tdx_ctx_unref(c2);
	}
}

/* ---------------------------------------------------------------- */

/* After fork(), the child is not the VM's creator. */
/* ---------------------------------------------------------------- */

/* libtdx-ctx(3) "Error records": the remaining promises */
void record_rule_cases(struct fix *f, const char *dir)
{
	const struct tdx_error *ce = tdx_ctx_get_last_error(f->ctx);
	struct tdx_ctx *c = NULL;
	struct tdx_td_config cfg = base_cfg();
	uint8_t mrtd[TDX_MRTD_SIZE], mrtd2[TDX_MRTD_SIZE];
	char path[600], dev[300];
	struct td t;

	/* NULL record: errno -EINVAL, bit -1, hw 0, strings "" */
	EQ("error_get_errno(NULL)", tdx_error_get_errno(NULL), -EINVAL);
	EQ("error_get_bit(NULL)", tdx_error_get_bit(NULL), -1);
	EQ("error_get_hw(NULL)", tdx_error_get_hw(NULL), 0);
	CASE("error string accessors of NULL are \"\"",
	     !strcmp(tdx_error_get_step(NULL), "") && !strcmp(tdx_error_get_field(NULL), "") &&
	     !strcmp(tdx_error_get_message(NULL), ""));
	CASE("ctx accessors of NULL", tdx_ctx_get_last_error(NULL) == NULL &&
				      tdx_ctx_get_device(NULL) == NULL);
	CASE("every *_get_last_error(NULL) is NULL",
	     tdx_vm_get_last_error(NULL) == NULL && tdx_vcpu_get_last_error(NULL) == NULL &&
	     tdx_mem_get_last_error(NULL) == NULL && tdx_attest_get_last_error(NULL) == NULL);
	EQ("ctx_get_fd(NULL)", tdx_ctx_get_fd(NULL), -EINVAL);
	/* tdx_ctx_new: a device path of 256 bytes or longer is refused */
	memset(dev, 'k', sizeof(dev));
	dev[0] = '/';
	dev[255] = 0;
	EQ("ctx_new 255-byte path", tdx_ctx_new(dev, &c), 0);
	CASE("device kept", c && !strcmp(tdx_ctx_get_device(c), dev));
	/* tdx_ctx_get_fd: open(2)'s errno, step "open" on the context */
	EQ("ctx_get_fd of a missing device", tdx_ctx_get_fd(c), -ENOENT);
	CASE("ctx_get_fd record", rec_is(tdx_ctx_get_last_error(c), -ENOENT, NULL) &&
				  !strcmp(tdx_error_get_step(tdx_ctx_get_last_error(c)), "open"));
	c = tdx_ctx_unref(c);
	dev[256] = 0;
	dev[255] = 'k';
	EQ("ctx_new 256-byte path", tdx_ctx_new(dev, &c), -EINVAL);

	/* tdx_measure_firmware records on the context: a parse failure as
	 * step "tdvf", field the code name */
	snprintf(path, sizeof(path), "%s/empty", dir);
	EQ("measure_firmware of an empty file",
	   tdx_measure_firmware(f->ctx, path, NULL, mrtd, NULL), -EINVAL);
	CASE("measure_firmware record", rec_is(ce, -EINVAL, "E_IMAGE_SIZE") &&
					!strcmp(tdx_error_get_step(ce), "tdvf"));
	EQ("measure_firmware OVMF", tdx_measure_firmware(f->ctx, OVMF, NULL, mrtd, NULL), 0);
	EQ("measure_plan", tdx_measure_plan(f->ctx, f->plan, NULL, mrtd2, NULL), 0);
	/* the HOB of OVMF's TD_HOB section is not measured: same MRTD */
	CASE("measure_firmware = measure_plan", !memcmp(mrtd, mrtd2, sizeof(mrtd)));

	/* "successful calls do not clear it, except tdx_vm_finalize(),
	 * tdx_vcpu_init() ...": a failed then successful tdx_vm_init() keeps it */
	if (td_make(f, ST_CREATED, &t) == 0) {
		const struct tdx_error *ve = tdx_vm_get_last_error(t.vm);
		cfg.gpaw = 50;
		EQ("vm_init bad gpaw", tdx_vm_init(t.vm, &cfg), -EINVAL);
		cfg.gpaw = 0;
		EQ("vm_init", tdx_vm_init(t.vm, &cfg), 0);
		CASE("a success does not clear the VM record", rec_is(ve, -EINVAL, "gpaw"));
		EQ("mem_new", tdx_mem_new(t.vm, NULL, &t.mem), 0);
		EQ("add_layout", tdx_mem_add_layout(t.mem, f->layout), 0);
		EQ("vcpu_new", tdx_vcpu_new(t.vm, 0, &t.vcpu), 0);
		EQ("run before init (fails)", tdx_vcpu_run(t.vcpu, &(struct tdx_exit){ 0 }), -EINVAL);
		EQ("vcpu_init", tdx_vcpu_init(t.vcpu, f->hob), 0);
		CASE("tdx_vcpu_init starts from a clean record",
		     rec_clean(tdx_vcpu_get_last_error(t.vcpu)));
		EQ("load", tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL), 0);
		EQ("finalize", tdx_vm_finalize(t.vm), 0);
		CASE("tdx_vm_finalize starts from a clean record", rec_clean(ve));
	} else {
		CASE("td_make", 0);
	}
	td_free(&t);
}

void fork_cases(struct fix *f)
{
	struct td t;
	int st = 0;
	pid_t pid;
	int pipefd[2];

	if (td_make(f, ST_VCPU, &t)) {
		CASE("td_make", 0);
		return;
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		td_free(&t);
		return;
	}
	pid = fork();
	if (pid == 0) {
		/* child: collect results, send them to the parent */
		struct tdx_td_config cfg = base_cfg();
		struct tdx_mem *m = NULL;
		struct tdx_vcpu *v = NULL;
		int r[8];

		r[0] = tdx_mem_new(t.vm, NULL, &m);
		r[1] = tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL);
		r[2] = tdx_vm_init(t.vm, &cfg); /* documented -ECHILD, before -EALREADY? */
		r[3] = tdx_vcpu_new(t.vm, 1, &v);
		r[4] = tdx_vm_finalize(t.vm);
		r[5] = tdx_mem_convert(t.mem, 0x1000000, 4096, false);
		r[6] = tdx_vcpu_kick(t.vcpu); /* vcpu.h: 0 (records nothing, no process check) */
		r[7] = tdx_mem_add_region(t.mem, 1ULL << 40, 4096, NULL, NULL);
		if (write(pipefd[1], r, sizeof(r)) != sizeof(r))
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	if (pid > 0) {
		int r[8];
		static const char *const name[8] = {
			"tdx_mem_new", "tdx_load_plan", "tdx_vm_init", "tdx_vcpu_new",
			"tdx_vm_finalize", "tdx_mem_convert", "tdx_vcpu_kick", "tdx_mem_add_region",
		};
		ssize_t n = read(pipefd[0], r, sizeof(r));
		waitpid(pid, &st, 0);
		CASE("child reported", n == sizeof(r) && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		if (n == sizeof(r)) {
			/* documented: mem.h, load.h, vm.h */
			EQ("fork: tdx_mem_new", r[0], -ECHILD);
			EQ("fork: tdx_load_plan", r[1], -ECHILD);
			EQ("fork: tdx_vcpu_kick", r[6], 0);
			for (int i = 2; i < 8; i++) {
				if (i == 6)
					continue;
				CASE("fork: call fails in the child", r[i] < 0);
				if (r[i] != -ECHILD)
					FINDING("in a fork child %s returned %d (%s), not -ECHILD",
						name[i], r[i], strerror(-r[i]));
			}
		}
	}
	close(pipefd[0]);
	/* the parent's TD still works */
	EQ("parent: load_plan after the child", tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL), 0);
	EQ("parent: finalize", tdx_vm_finalize(t.vm), 0);
	pid = fork();
	if (pid == 0) {
		struct tdx_exit ex;
		int r = tdx_vcpu_run(t.vcpu, &ex);
		_exit(r == -ECHILD ? 0 : r == -EIO ? 5 : r < 0 ? 6 : 7);
	}
	if (pid > 0) {
		waitpid(pid, &st, 0);
		CASE("fork: tdx_vcpu_run fails in the child",
		     WIFEXITED(st) && WEXITSTATUS(st) != 7);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			FINDING("in a fork child tdx_vcpu_run did not return -ECHILD (child "
				"status 0x%x: 5 = -EIO, 6 = another errno)", st);
	}
	td_free(&t);
}

/* ---------------------------------------------------------------- */

static void *no_map(void *userdata, uint64_t gpa, uint64_t len)
{
	(void)userdata;
	(void)gpa;
	(void)len;
	return NULL;
}

/* libtdx-attest(3): answers without a QGS; libtdx-vcpu(3): vCPU ids */
void attest_and_id_cases(struct fix *f)
{
	struct tdx_attest_opts ao = TDX_OPTS(tdx_attest_opts);
	struct tdx_attest *att = NULL;
	struct tdx_attest_answer a;
	struct tdx_exit ex = { .type = TDX_EXIT_IO };
	struct tdx_vcpu *v = NULL, *v2 = NULL;
	uint32_t lo, hi, data;
	uint64_t st;
	struct td t;

	ao.map = no_map;
	if (tdx_attest_new(f->ctx, &ao, &att)) {
		CASE("attest_new", 0);
		return;
	}
	a.status = 77;
	EQ("attest_handle_exit of an IO exit", tdx_attest_handle_exit(att, &ex, 0, &a), -ENOTSUP);
	EQ("attest_handle_exit leaves ret untouched", a.status, 77);
	st = 5;
	EQ("get_quote size 0", tdx_attest_get_quote(att, 0x1000, 0, &st), 0);
	EQ("get_quote size 0 status", st, TDX_TDVMCALL_INVALID_OPERAND);
	EQ("get_quote unaligned", tdx_attest_get_quote(att, 0x1001, 4096, &st), 0);
	EQ("get_quote unaligned status", st, TDX_TDVMCALL_ALIGN_ERROR);
	CASE("get_quote rejection recorded",
	     *tdx_error_get_message(tdx_attest_get_last_error(att)) != 0);
	EQ("get_quote header not mapped", tdx_attest_get_quote(att, 0x1000, 4096, &st), 0);
	EQ("get_quote header not mapped status", st, TDX_TDVMCALL_INVALID_OPERAND);
	EQ("notify vector 300", tdx_attest_setup_event_notify(att, 300, 0, &st), 0);
	EQ("notify vector 300 status", st, TDX_TDVMCALL_INVALID_OPERAND);
	EQ("notify vector 31", tdx_attest_setup_event_notify(att, 31, 0, &st), 0);
	EQ("notify vector 31 status", st, TDX_TDVMCALL_INVALID_OPERAND);
	EQ("tdvmcall_info leaf 2", tdx_attest_answer_tdvmcall_info(att, 2, &a), 0);
	EQ("tdvmcall_info leaf 2 status", a.status, TDX_TDVMCALL_INVALID_OPERAND);
	EQ("tdvmcall_info leaf 1", tdx_attest_answer_tdvmcall_info(att, 1, &a), 0);
	EQ("tdvmcall_info leaf 1 status", a.status, TDX_TDVMCALL_SUCCESS);
	/* NULL tdvmcallinfo: user R11 lists SetupEventNotifyInterrupt (attest.h) */
	EQ("tdvmcall_info leaf 1 r11", a.r11, TDX_TDVMCALLINFO_SETUP_EVENT_NOTIFY);
	EQ("notify_msi", tdx_attest_notify_msi(40, 0x123, &lo, &hi, &data), 0);
	CASE("notify_msi encoding", lo == (0xFEE00000u | (0x23u << 12)) && hi == 0x100 &&
					data == 40);
	CASE("quote_status_name", !strcmp(tdx_quote_status_name(TDX_QUOTE_STATUS_IN_FLIGHT),
					  "in-flight"));
	tdx_attest_free(att);

	if (td_make(f, ST_INIT, &t)) {
		CASE("td_make", 0);
		return;
	}
	/* vcpu.h: ids below KVM_CAP_MAX_VCPU_ID (4096 here), may be sparse */
	EQ("vcpu_new sparse id 4000", tdx_vcpu_new(t.vm, 4000, &v), 0);
	EQ("vcpu id", tdx_vcpu_get_id(v), 4000);
	EQ("vcpu_new id 4096", tdx_vcpu_new(t.vm, 4096, &v2), -EINVAL);
	CASE("vcpu_new id 4096 field", rec_is(tdx_vm_get_last_error(t.vm), -EINVAL, "id"));
	EQ("cpuid_count before vcpu_init", tdx_vcpu_cpuid_count(v), 0);
	CASE("not initialised", !tdx_vcpu_is_initialized(v));
	tdx_vcpu_unref(v);
	td_free(&t);
}
