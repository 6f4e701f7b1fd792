// SPDX-License-Identifier: MIT
/* Calls out of the launch order, memory and conversion rules, exits answered wrongly. */
#include "misuse.h"

void order_cases(struct fix *f)
{
	struct td t, t2;
	struct tdx_vcpu *v2 = NULL, *v3 = NULL;
	struct tdx_td_config cfg = base_cfg();
	const struct tdx_error *ve, *cpe, *me;
	struct tdx_exit ex;
	struct tdx_mem_reject rj;
	struct tdx_mem_stats st;
	struct tdx_mem_region_opts ro = TDX_OPTS(tdx_mem_region_opts);
	struct tdx_mem_opts mo = TDX_OPTS(tdx_mem_opts);
	struct tdx_load_opts lo = TDX_OPTS(tdx_load_opts);
	struct tdx_mem *m2 = NULL;
	void *hva;
	int fd;
	uint64_t off;

	if (td_make(f, ST_CREATED, &t)) {
		CASE("td_make", 0);
		return;
	}
	ve = tdx_vm_get_last_error(t.vm);
	CASE("fresh VM record is clean", rec_clean(ve));
	/* vm.h: finalize before init -EINVAL, step "validate" (no ioctl) */
	EQ("finalize before init", tdx_vm_finalize(t.vm), -EINVAL);
	CASE("finalize before init record",
	     rec_is(ve, -EINVAL, NULL) && !strcmp(tdx_error_get_step(ve), "validate"));
	/* vcpu.h: vCPU before init -EINVAL, on the VM's record */
	EQ("vcpu_new before init", tdx_vcpu_new(t.vm, 0, &v2), -EINVAL);
	CASE("vcpu_new before init record", rec_is(ve, -EINVAL, NULL));
	mo.reserved = 1;
	EQ("mem_new reserved opts", tdx_mem_new(t.vm, &mo, &m2), -EINVAL);
	CASE("mem_new failure on VM record", rec_is(ve, -EINVAL, NULL));
	EQ("mem_new NULL ret", tdx_mem_new(t.vm, NULL, NULL), -EINVAL);

	EQ("vm_init", tdx_vm_init(t.vm, &cfg), 0);
	EQ("init twice", tdx_vm_init(t.vm, &cfg), -EALREADY);
	CASE("init twice: libtdx's own refusal, step validate",
	     rec_is(ve, -EALREADY, NULL) && !strcmp(tdx_error_get_step(ve), "validate"));
	/* vm.h: finalize needs a vCPU through tdx_vcpu_init(); refused before
	 * KVM (which would kill the TD), the TD stays usable */
	EQ("finalize without an initialised vCPU", tdx_vm_finalize(t.vm), -EINVAL);
	CASE("finalize without vCPU record",
	     rec_is(ve, -EINVAL, "vcpus") && !strcmp(tdx_error_get_step(ve), "validate") &&
	     tdx_vm_get_state(t.vm) == TDX_VM_INITIALIZED);
	EQ("vcpu_new id out of range", tdx_vcpu_new(t.vm, 1u << 30, &v2), -EINVAL);
	CASE("vcpu_new id field", rec_is(ve, -EINVAL, "id"));
	EQ("vcpu_new NULL ret", tdx_vcpu_new(t.vm, 0, NULL), -EINVAL);

	EQ("mem_new", tdx_mem_new(t.vm, NULL, &t.mem), 0);
	me = tdx_mem_get_last_error(t.mem);
	CASE("fresh mem record is clean", rec_clean(me));
	EQ("mem_get_last_reject none yet", tdx_mem_get_last_reject(t.mem, &rj), -ENOENT);
	EQ("mem_add_layout", tdx_mem_add_layout(t.mem, f->layout), 0);
	EQ("mem_add_layout again (overlap)", tdx_mem_add_layout(t.mem, f->layout), -EEXIST);
	CASE("mem_add_layout overlap record", rec_is(me, -EEXIST, NULL));
	/* mem.h tdx_mem_add_region validation */
	EQ("add_region size 0", tdx_mem_add_region(t.mem, 1ULL << 40, 0, NULL, NULL), -EINVAL);
	CASE("add_region size 0 step validate",
	     rec_is(me, -EINVAL, NULL) && !strcmp(tdx_error_get_step(me), "validate"));
	EQ("add_region unaligned gpa",
	   tdx_mem_add_region(t.mem, (1ULL << 40) + 1, 4096, NULL, NULL), -EINVAL);
	EQ("add_region unaligned size",
	   tdx_mem_add_region(t.mem, 1ULL << 40, 4097, NULL, NULL), -EINVAL);
	EQ("add_region wrap",
	   tdx_mem_add_region(t.mem, ~0xfffULL, 8192, NULL, NULL), -EINVAL);
	EQ("add_region reaching shared bit",
	   tdx_mem_add_region(t.mem, (1ULL << 47) - 4096, 8192, NULL, NULL), -EINVAL);
	EQ("add_region overlap", tdx_mem_add_region(t.mem, 0, 4096, NULL, NULL), -EEXIST);
	ro.flags = TDX_MEM_REGION_READONLY;
	EQ("add_region read-only", tdx_mem_add_region(t.mem, 1ULL << 40, 4096, &ro, NULL),
	   -EINVAL);
	ro.flags = 1u << 20;
	EQ("add_region unknown flag", tdx_mem_add_region(t.mem, 1ULL << 40, 4096, &ro, NULL),
	   -EINVAL);
	ro.flags = TDX_MEM_REGION_MEMFD;
	ro.host_addr = &ro;
	EQ("add_region memfd + host_addr",
	   tdx_mem_add_region(t.mem, 1ULL << 40, 4096, &ro, NULL), -EINVAL);
	ro = TDX_OPTS(tdx_mem_region_opts);
	ro.flags = TDX_MEM_REGION_FIXED_SLOT;
	ro.slot = 0;
	EQ("add_region fixed slot in use",
	   tdx_mem_add_region(t.mem, 1ULL << 40, 4096, &ro, NULL), -EEXIST);
	ro.sz = 0;
	EQ("add_region opts sz 0", tdx_mem_add_region(t.mem, 1ULL << 40, 4096, &ro, NULL),
	   -EINVAL);
	{
		/* accessors (const handle) record nothing */
		struct snap sn = snap_of(me);
		EQ("get_host_addr outside RAM", tdx_mem_get_host_addr(t.mem, HOLE, 4096, &hva),
		   -EFAULT);
		EQ("get_gmem outside RAM (accessor)", tdx_mem_get_gmem(t.mem, HOLE, &fd, &off),
		   -EFAULT);
		CASE("mem accessors recorded nothing", snap_same(me, sn));
	}
	EQ("get_host_addr wrap", tdx_mem_get_host_addr(t.mem, ~0ULL, 16, &hva), -EINVAL);
	EQ("get_gmem outside RAM", tdx_mem_get_gmem(t.mem, HOLE, &fd, &off), -EFAULT);
	EQ("is_private size 0", tdx_mem_is_private(t.mem, 0, 0), -EINVAL);
	EQ("is_private beyond 2^52", tdx_mem_is_private(t.mem, 1ULL << 52, 4096), -EINVAL);
	EQ("get_region range", tdx_mem_get_region(t.mem, 99, &(struct tdx_mem_region_info){ 0 }),
	   -ERANGE);

	/* conversion validation (mem.h tdx_mem_convert_ex) */
#define REJ(name, gpa, size, flags, want_err, want_rule)                            \
	do {                                                                        \
		EQ(name, tdx_mem_convert_ex(t.mem, gpa, size, flags), want_err);   \
		CASE(name " rule", tdx_mem_get_last_reject(t.mem, &rj) == 0 &&      \
				       rj.rule == (want_rule) && rj.err == (want_err)); \
		CASE(name " record",                                                \
		     rec_is(me, want_err, tdx_mem_rule_name(want_rule)) &&          \
		     !strcmp(tdx_error_get_step(me), "validate"));                  \
	} while (0)
	REJ("convert unknown flag", 0, 4096, 1u << 9, -EINVAL, TDX_MEM_RULE_FLAGS);
	REJ("convert holes+private", 0, 4096,
	    TDX_MEM_CONVERT_ALLOW_HOLES | TDX_MEM_CONVERT_PRIVATE, -EINVAL, TDX_MEM_RULE_FLAGS);
	REJ("convert size 0", 0, 0, 0, -EINVAL, TDX_MEM_RULE_SIZE_ZERO);
	REJ("convert unaligned gpa", 0x1001, 4096, 0, -EINVAL, TDX_MEM_RULE_ALIGN);
	REJ("convert unaligned size", 0x1000, 100, 0, -EINVAL, TDX_MEM_RULE_ALIGN);
	REJ("convert wrap", ~0xfffULL, 8192, 0, -EINVAL, TDX_MEM_RULE_WRAP);
	REJ("convert shared bit set", (1ULL << 47) | 0x1000, 4096, 0, -EINVAL,
	    TDX_MEM_RULE_SHARED_BIT);
	REJ("convert to private outside RAM", HOLE, 4096, TDX_MEM_CONVERT_PRIVATE, -EFAULT,
	    TDX_MEM_RULE_NOT_RAM);
	REJ("convert straddling RAM end", RAM - 4096, 8192, 0, -EINVAL, TDX_MEM_RULE_STRADDLE);
	EQ("stats", tdx_mem_get_stats(t.mem, &st), 0);
	EQ("stats.rejected counts them", st.rejected, 9);
	EQ("convert to shared in a hole is a no-op", tdx_mem_convert(t.mem, HOLE, 4096, false), 0);
	tdx_mem_get_stats(t.mem, &st);
	EQ("stats.mmio_noops", st.mmio_noops, 1);
	EQ("convert straddle with ALLOW_HOLES",
	   tdx_mem_convert_ex(t.mem, RAM - 4096, 8192, TDX_MEM_CONVERT_ALLOW_HOLES), 0);
	EQ("RAM end now shared", tdx_mem_is_private(t.mem, RAM - 4096, 4096), 0);
	EQ("convert back", tdx_mem_convert(t.mem, RAM - 4096, 4096, true), 0);

	/* vCPUs */
	EQ("vcpu_new", tdx_vcpu_new(t.vm, 0, &t.vcpu), 0);
	ve = tdx_vcpu_get_last_error(t.vcpu);
	CASE("fresh vCPU record is clean", rec_clean(ve));
	EQ("vcpu_new same id", tdx_vcpu_new(t.vm, 0, &v2) < 0, 1);
	EQ("compare_cpuid before vcpu_init", tdx_vcpu_compare_cpuid(t.vcpu, NULL, 0), -EINVAL);
	EQ("run before vcpu_init", tdx_vcpu_run(t.vcpu, &ex), -EINVAL);
	CASE("run before init record", rec_is(ve, -EINVAL, NULL));
	EQ("load_plan with uninitialised vCPU",
	   tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL), -EINVAL);
	CASE("load_plan failure on mem record", rec_is(me, -EINVAL, NULL));
	EQ("vcpu_init", tdx_vcpu_init(t.vcpu, f->hob), 0);
	EQ("vcpu_init twice", tdx_vcpu_init(t.vcpu, f->hob), -EALREADY);
	{
		struct snap sn = snap_of(ve);
	EQ("get_cpuid range", tdx_vcpu_get_cpuid(t.vcpu, tdx_vcpu_cpuid_count(t.vcpu),
						   &(struct tdx_cpuid_entry){ 0 }), -ERANGE);
		EQ("compare_cpuid (accessor)", tdx_vcpu_compare_cpuid(t.vcpu, NULL, 0) >= 0, 1);
		CASE("vcpu accessors recorded nothing", snap_same(ve, sn));
	}
	EQ("second vcpu", tdx_vcpu_new(t.vm, 1, &v2), 0);
	EQ("third vcpu over cfg.vcpus", tdx_vcpu_new(t.vm, 2, &v3), -EINVAL);
	CASE("vcpus field", rec_is(tdx_vm_get_last_error(t.vm), -EINVAL, "vcpus"));
	EQ("run before finalize", tdx_vcpu_run(t.vcpu, &ex), -EINVAL);
	CASE("run before finalize record", rec_is(ve, -EINVAL, NULL));
	lo.reserved = 1;
	EQ("load_plan reserved opts", tdx_load_plan(t.mem, f->plan, t.vcpu, &lo, NULL), -EINVAL);
	EQ("load_plan NULL plan", tdx_load_plan(t.mem, NULL, t.vcpu, NULL, NULL), -EINVAL);

	/* a vCPU of another TD */
	if (td_make(f, ST_VCPU, &t2) == 0) {
		EQ("load_plan with another TD's vCPU",
		   tdx_load_plan(t.mem, f->plan, t2.vcpu, NULL, NULL), -EINVAL);
		ex = (struct tdx_exit){ .type = TDX_EXIT_MEMORY_FAULT };
		ex.u.convert.gpa = 0;
		ex.u.convert.size = 4096;
		EQ("vcpu_convert with another TD's mem", tdx_vcpu_convert(t.vcpu, t2.mem, &ex),
		   -EINVAL);
	} else {
		CASE("second TD", 0);
	}
	td_free(&t2);

	{
		/* load.h: a plan range not covered by the regions is -EINVAL */
		struct td t3;
		struct tdx_layout *small = NULL;
		if (tdx_layout_new_q35(4ULL << 20, tdx_tdvf_get_image_size(f->tdvf), NULL,
				       &small) == 0 &&
		    td_make(f, ST_INIT, &t3) == 0 && tdx_mem_new(t3.vm, NULL, &t3.mem) == 0 &&
		    tdx_mem_add_layout(t3.mem, small) == 0 &&
		    tdx_vcpu_new(t3.vm, 0, &t3.vcpu) == 0 && tdx_vcpu_init(t3.vcpu, f->hob) == 0) {
			EQ("load_plan into regions that miss its ranges",
			   tdx_load_plan(t3.mem, f->plan, t3.vcpu, NULL, NULL), -EINVAL);
			CASE("load_plan not-covered record",
			     rec_is(tdx_mem_get_last_error(t3.mem), -EINVAL, "plan"));
		} else {
			CASE("small TD", 0);
		}
		td_free(&t3);
		tdx_layout_free(small);
	}
	EQ("load_plan", tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL), 0);
	EQ("load_plan twice", tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL), -EALREADY);
	{
		struct tdx_plan_op op;
		tdx_plan_get_op(f->plan, 0, &op);
		REJ("to shared over the initial image before finalize", op.gpa, 4096, 0, -EBUSY,
		    TDX_MEM_RULE_INITIAL_IMAGE);
	}

	/* exits the VMM fabricates or answers wrongly */
	ex = (struct tdx_exit){ .type = TDX_EXIT_IO };
	EQ("complete an IO exit", tdx_vcpu_complete(t.vcpu, &ex, 0), -EINVAL);
	CASE("complete failure on vCPU record", rec_is(ve, -EINVAL, NULL));
	EQ("answer_tdvmcall_info on IO exit (record)",
	   tdx_vcpu_answer_tdvmcall_info(t.vcpu, &ex, 0, 0, 0, 0) == -EINVAL &&
	   rec_is(ve, -EINVAL, "exit"), 1);
	EQ("answer_tdvmcall_info on IO exit",
	   tdx_vcpu_answer_tdvmcall_info(t.vcpu, &ex, 0, 0, 0, 0), -EINVAL);
	EQ("vcpu_convert of an IO exit", tdx_vcpu_convert(t.vcpu, t.mem, &ex), -EINVAL);
	EQ("vcpu_convert NULL exit", tdx_vcpu_convert(t.vcpu, t.mem, NULL), -EINVAL);
	EQ("vcpu_convert NULL mem", tdx_vcpu_convert(t.vcpu, NULL, &ex), -EINVAL);
	ex = (struct tdx_exit){ .type = TDX_EXIT_MAP_GPA };
	ex.u.convert.gpa = 0x1000000;
	ex.u.convert.size = 4096;
	/* vcpu.h: the run area no longer holds an exit of that kind: field "exit" */
	EQ("complete a MAP_GPA exit the vCPU is not stopped at",
	   tdx_vcpu_complete(t.vcpu, &ex, TDX_TDVMCALL_SUCCESS), -EINVAL);
	CASE("complete not-pending field", rec_is(ve, -EINVAL, "exit"));

	/* vcpu.h tdx_vcpu_convert: refused memory fault = -EFAULT, step
	 * "memory fault", the rule as field, on the vCPU's record only */
	{
		struct tdx_error_snapshot {
			int err;
			char step[64];
		} before = { tdx_error_get_errno(me), "" };
		snprintf(before.step, sizeof(before.step), "%s", tdx_error_get_step(me));
		ex = (struct tdx_exit){ .type = TDX_EXIT_MEMORY_FAULT };
		ex.u.convert.gpa = HOLE;
		ex.u.convert.size = 4096;
		ex.u.convert.to_private = 1;
		EQ("memory fault to private outside RAM", tdx_vcpu_convert(t.vcpu, t.mem, &ex),
		   -EFAULT);
		CASE("memory fault record", rec_is(ve, -EFAULT, tdx_mem_rule_name(TDX_MEM_RULE_NOT_RAM)) &&
					    !strcmp(tdx_error_get_step(ve), "memory fault"));
		CASE("memory fault message names the GPA",
		     strstr(tdx_error_get_message(ve), "c0000000") != NULL);
		/* common.h: the record of the first handle, and only that one */
		CASE("mem record untouched by vcpu_convert",
		     tdx_error_get_errno(me) == before.err &&
		     !strcmp(tdx_error_get_step(me), before.step));
		CASE("reject still recorded for the mem", tdx_mem_get_last_reject(t.mem, &rj) == 0 &&
							  rj.rule == TDX_MEM_RULE_NOT_RAM);
		ex.u.convert.gpa = 0x1001;
		ex.u.convert.to_private = 0;
		EQ("memory fault unaligned", tdx_vcpu_convert(t.vcpu, t.mem, &ex), -EFAULT);
		CASE("unaligned fault rule", rec_is(ve, -EFAULT, tdx_mem_rule_name(TDX_MEM_RULE_ALIGN)));
		ex.u.convert.gpa = RAM - 4096;
		ex.u.convert.size = 8192;
		EQ("memory fault straddling", tdx_vcpu_convert(t.vcpu, t.mem, &ex), -EFAULT);
		CASE("straddling fault rule",
		     rec_is(ve, -EFAULT, tdx_mem_rule_name(TDX_MEM_RULE_STRADDLE)));
	}
	/* a refused MapGPA is answered to the guest: 0 */
	ex = (struct tdx_exit){ .type = TDX_EXIT_MAP_GPA };
	ex.u.convert.gpa = 0x1000800;
	ex.u.convert.size = 4096;
	EQ("MapGPA unaligned answered INVALID_OPERAND", tdx_vcpu_convert(t.vcpu, t.mem, &ex), 0);
	CASE("MapGPA unaligned rejected", tdx_mem_get_last_reject(t.mem, &rj) == 0 &&
					      rj.rule == TDX_MEM_RULE_ALIGN);
	ex.u.convert.gpa = 0x1000000;
	ex.u.convert.size = UINT64_MAX; /* the guest's count overflowed */
	EQ("MapGPA overflowing size answered", tdx_vcpu_convert(t.vcpu, t.mem, &ex), 0);

	EQ("finalize", tdx_vm_finalize(t.vm), 0);
	EQ("finalize twice", tdx_vm_finalize(t.vm), -EALREADY);
	cpe = tdx_vm_get_last_error(t.vm);
	EQ("init after finalize", tdx_vm_init(t.vm, &cfg), -EALREADY);
	EQ("vcpu_new after finalize", tdx_vcpu_new(t.vm, 1, &v3), -EINVAL);
	CASE("vcpu_new after finalize record", rec_is(cpe, -EINVAL, NULL));
	EQ("vcpu_init after finalize", tdx_vcpu_init(v2, f->hob), -EINVAL);
	CASE("vcpu_init after finalize record", rec_is(tdx_vcpu_get_last_error(v2), -EINVAL, NULL));
	EQ("load_plan after finalize", tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL), -EINVAL);
	EQ("run uninitialised vCPU of a finalised TD", tdx_vcpu_run(v2, &ex), -EINVAL);
	EQ("kick", tdx_vcpu_kick(t.vcpu), 0);
	EQ("kick again before running", tdx_vcpu_kick(t.vcpu), 0);
	EQ("kicked run", tdx_vcpu_run(t.vcpu, &ex), 0);
	EQ("kicked run exit", ex.type, TDX_EXIT_INTR);
	{
		int r = tdx_vcpu_run(t.vcpu, &ex);
		/* vcpu.h: kicks are not counted: several before a run give one INTR */
		CASE("two pending kicks give one TDX_EXIT_INTR", r == 0 && ex.type != TDX_EXIT_INTR);
	}
	/* the guest script (tdvf-early-boot): run to its first MapGPA */
	for (int i = 0; i < 200 && ex.type != TDX_EXIT_MAP_GPA; i++) {
		if (ex.type == TDX_EXIT_GET_TDVMCALL_INFO)
			tdx_vcpu_answer_tdvmcall_info(t.vcpu, &ex, 0, 0, 0, 0);
		if (ex.type == TDX_EXIT_SHUTDOWN || tdx_vcpu_run(t.vcpu, &ex) < 0)
			break;
	}
	if (ex.type == TDX_EXIT_MAP_GPA) {
		/* vcpu.h: only SUCCESS, RETRY, INVALID_OPERAND reach the guest */
		EQ("complete MAP_GPA with GPA_INUSE",
		   tdx_vcpu_complete(t.vcpu, &ex, TDX_TDVMCALL_GPA_INUSE), -EINVAL);
		CASE("complete status field", rec_is(ve, -EINVAL, "status"));
		EQ("complete MAP_GPA with ALIGN_ERROR",
		   tdx_vcpu_complete(t.vcpu, &ex, TDX_TDVMCALL_ALIGN_ERROR), -EINVAL);
		EQ("answer_tdvmcall_info on a MAP_GPA exit",
		   tdx_vcpu_answer_tdvmcall_info(t.vcpu, &ex, 0, 0, 0, 0), -EINVAL);
		EQ("serve the MapGPA", tdx_vcpu_convert(t.vcpu, t.mem, &ex), 0);
		EQ("converted", tdx_mem_is_private(t.mem, ex.u.convert.gpa, ex.u.convert.size), 0);
	} else {
		printf("note: no guest script (TDXSIM_GUEST unset): MapGPA cases skipped\n");
	}
	CASE("order failures leave ret alone", v3 == NULL && m2 == NULL);
	tdx_vcpu_unref(v2);
	td_free(&t);
}
