/* SPDX-License-Identifier: MIT */
/* Per-context logging: silent unless the caller installs a callback. */
#include <stdio.h>

#include "internal.h"

void tdx_log(const struct tdx_ctx *ctx, int prio, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!ctx || ctx->log_max < 0 || prio > ctx->log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (ctx->log_fn)
		ctx->log_fn(ctx->log_data, prio, line);
	else
		fprintf(stderr, "libtdx: %s\n", line);
}

TDX_EXPORT void tdx_ctx_set_log_fn(struct tdx_ctx *ctx, tdx_log_fn fn,
				   void *userdata, int max_priority)
{
	if (!ctx)
		return;
	ctx->log_fn = fn;
	ctx->log_data = userdata;
	ctx->log_max = fn ? max_priority : -1;
}
