/* SPDX-License-Identifier: MIT */
/* The smallest complete TD launch with libtdx (README example). */
#include <stdio.h>
#include <string.h>
#include <libtdx.h>

/* err: the record the call writes (libtdx-ctx(3)), or NULL if it has none. */
#define CHECK(call, err) do { int r_ = (call); if (r_ < 0) { \
	const struct tdx_error *e_ = (err); \
	fprintf(stderr, "%s: %s\n", #call, e_ && *tdx_error_get_message(e_) ? \
		tdx_error_get_message(e_) : strerror(-r_)); return 1; } } while (0)

int main(int argc, char **argv)
{
	struct tdx_ctx *ctx; struct tdx_tdvf *fw; struct tdx_layout *lay;
	struct tdx_plan *plan; struct tdx_vm *vm; struct tdx_mem *mem;
	struct tdx_vcpu *cpu; struct tdx_exit ex; uint64_t hob;
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_tdvf_diag diag;	/* the firmware parser's detail: no handle */

	CHECK(tdx_ctx_new(NULL, &ctx), NULL);
	if (tdx_tdvf_open(argc > 1 ? argv[1] : "/usr/share/ovmf/OVMF.fd", NULL, &diag, &fw) < 0)
		return fprintf(stderr, "firmware: %s\n", diag.message), 1;
	CHECK(tdx_layout_new_q35(2ull << 30, tdx_tdvf_get_image_size(fw), NULL, &lay), NULL);
	po.layout = lay;
	CHECK(tdx_plan_new(ctx, fw, &po, &plan), tdx_ctx_get_last_error(ctx));
	CHECK(tdx_vm_new(ctx, NULL, &vm), tdx_ctx_get_last_error(ctx));        /* TD + caps */
	CHECK(tdx_vm_init(vm, NULL), tdx_vm_get_last_error(vm));               /* KVM_TDX_INIT_VM */
	CHECK(tdx_mem_new(vm, NULL, &mem), tdx_vm_get_last_error(vm));
	CHECK(tdx_mem_add_layout(mem, lay), tdx_mem_get_last_error(mem));     /* guest_memfd slots */
	CHECK(tdx_vcpu_new(vm, 0, &cpu), tdx_vm_get_last_error(vm));
	CHECK(tdx_plan_get_hob_gpa(plan, &hob), NULL);
	CHECK(tdx_vcpu_init(cpu, hob), tdx_vcpu_get_last_error(cpu));         /* CPUID + INIT_VCPU */
	CHECK(tdx_load_plan(mem, plan, cpu, NULL, NULL), tdx_mem_get_last_error(mem));
	CHECK(tdx_vm_finalize(vm), tdx_vm_get_last_error(vm));                 /* MRTD sealed */
	do {
		CHECK(tdx_vcpu_run(cpu, &ex), tdx_vcpu_get_last_error(cpu));
		if (ex.type == TDX_EXIT_MAP_GPA || ex.type == TDX_EXIT_MEMORY_FAULT)
			CHECK(tdx_vcpu_convert(cpu, mem, &ex), tdx_vcpu_get_last_error(cpu)); /* a refused fault stops the TD */
	} while (ex.type != TDX_EXIT_SHUTDOWN && ex.type != TDX_EXIT_FATAL);
	printf("TD stopped: %s\n", tdx_exit_type_name(ex.type));
	tdx_vcpu_unref(cpu); tdx_mem_unref(mem); tdx_vm_unref(vm); tdx_plan_free(plan);
	tdx_layout_free(lay); tdx_tdvf_free(fw); tdx_ctx_unref(ctx);
	return 0;
}
