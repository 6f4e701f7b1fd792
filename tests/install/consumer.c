/* SPDX-License-Identifier: MIT */
/*
 * A program built the way libtdx users build theirs: only <libtdx.h> and
 * `pkg-config --cflags --libs libtdx` against the installed tree.  Compiled
 * as C99 and as C++11.  Exits 0 whatever the host supports.
 */
#include <stdio.h>
#include <string.h>

#include <libtdx.h>

int main(void)
{
	struct tdx_vm_opts opts = TDX_OPTS(tdx_vm_opts);
	struct tdx_ctx *ctx = NULL;
	struct tdx_probe *probe = NULL;
	size_t i;
	int r;

	if (strcmp(tdx_version(), TDX_VERSION_STRING) != 0) {
		fprintf(stderr, "runtime %s != compile-time %s\n", tdx_version(),
			TDX_VERSION_STRING);
		return 1;
	}
	if (opts.sz != sizeof(opts) || opts.ioapic_pins != 0)
		return 1;
	r = tdx_ctx_new(NULL, &ctx);
	if (r < 0) {
		fprintf(stderr, "tdx_ctx_new: %s\n", strerror(-r));
		return 1;
	}
	r = tdx_ctx_probe(ctx, &probe);
	if (r < 0) {
		fprintf(stderr, "tdx_ctx_probe: %s\n", strerror(-r));
		tdx_ctx_unref(ctx);
		return 1;
	}
	printf("libtdx %s: TDX %s\n", tdx_version(),
	       tdx_probe_is_supported(probe) ? "supported" : "not supported");
	for (i = 0; i < tdx_probe_reason_count(probe); i++)
		printf("  reason: %s\n", tdx_probe_get_reason(probe, i));
	tdx_probe_free(probe);
	ctx = tdx_ctx_unref(ctx);
	return ctx == NULL ? 0 : 1;
}
