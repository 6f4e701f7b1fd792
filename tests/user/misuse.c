// SPDX-License-Identifier: MIT
/*
 * Misuse cases an outside user makes, each asserting what the installed
 * headers / man pages promise (the comment or message names the page).
 * Written from <libtdx.h> and the man pages only.  Runs against tdxsim
 * (LD_PRELOAD, simulated host); exit 77 without a TDX host or OVMF.fd.
 *
 * FINDING lines mark where the docs are silent and what happened; they do
 * not fail the run.
 */
#include "misuse.h"

int main(void)
{
	struct fix f = { 0 };
	struct tdx_probe *p = NULL;
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_tdvf_diag d;
	char dir[] = "/tmp/libtdx-misuse-XXXXXX";
	char path[600];
	int rc = 1;

	if (access(OVMF, R_OK)) {
		printf("SKIP: %s not readable\n", OVMF);
		return 77;
	}
	if (tdx_ctx_new(NULL, &f.ctx) || tdx_ctx_probe(f.ctx, &p))
		return 1;
	if (!tdx_probe_is_supported(p)) {
		printf("SKIP: no TDX host (run under tdxsim)\n");
		tdx_probe_free(p);
		tdx_ctx_unref(f.ctx);
		return 77;
	}
	tdx_probe_free(p);
	if (tdx_tdvf_open(OVMF, NULL, &d, &f.tdvf) ||
	    tdx_layout_new_q35(RAM, tdx_tdvf_get_image_size(f.tdvf), NULL, &f.layout))
		goto out;
	po.layout = f.layout;
	if (tdx_plan_new(f.ctx, f.tdvf, &po, &f.plan) || tdx_plan_get_hob_gpa(f.plan, &f.hob))
		goto out;
	if (!mkdtemp(dir))
		goto out;

	null_args(&f);
	opts_cases(&f);
	firmware_cases(&f, dir);
	more_cases(&f, dir);
	attest_and_id_cases(&f);
	record_rule_cases(&f, dir);
	hob_cases(&f);
	config_cases(&f);
	order_cases(&f);
	record_cases(&f);
	fork_cases(&f);

	const char *names[] = { "fifo", "empty", "truncated", "zeros", "badsig" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	printf("misuse: %d cases, %d failed, %d findings\n", ncases, nfail, nfind);
	rc = nfail ? 1 : 0;
out:
	tdx_plan_free(f.plan);
	tdx_layout_free(f.layout);
	tdx_tdvf_free(f.tdvf);
	tdx_ctx_unref(f.ctx);
	return rc;
}
