/* SPDX-License-Identifier: MIT */
/* The libtdx context: the KVM device and per-context settings. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define TDX_DEFAULT_DEVICE "/dev/kvm"

TDX_EXPORT int tdx_ctx_new(const char *device, struct tdx_ctx **ret_ctx)
{
	struct tdx_ctx *ctx;
	const char *env;

	if (!ret_ctx)
		return -EINVAL;
	if (!device)
		device = TDX_DEFAULT_DEVICE;
	if (!*device || strlen(device) >= sizeof(ctx->device))
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	atomic_init(&ctx->refs, 1);
	pthread_mutex_init(&ctx->caps_lock, NULL);
	ctx->kvm_fd = -1;
	ctx->log_max = -1;
	strcpy(ctx->device, device);
	tdx_err_clear(&ctx->error);
	env = secure_getenv("TDX_LOG");
	if (env && *env >= '0' && *env <= '7')
		ctx->log_max = *env - '0';
	*ret_ctx = ctx;
	return 0;
}

TDX_EXPORT struct tdx_ctx *tdx_ctx_ref(struct tdx_ctx *ctx)
{
	if (ctx)
		atomic_fetch_add(&ctx->refs, 1);
	return ctx;
}

TDX_EXPORT struct tdx_ctx *tdx_ctx_unref(struct tdx_ctx *ctx)
{
	if (!ctx || atomic_fetch_sub(&ctx->refs, 1) != 1)
		return NULL;
	if (ctx->kvm_fd >= 0)
		close(ctx->kvm_fd);
	tdx_caps_free(ctx->caps);
	pthread_mutex_destroy(&ctx->caps_lock);
	free(ctx);
	return NULL;
}

TDX_EXPORT const char *tdx_ctx_get_device(const struct tdx_ctx *ctx)
{
	return ctx ? ctx->device : NULL;
}

int tdx_ctx_open(struct tdx_ctx *ctx)
{
	int fd;

	if (ctx->kvm_fd >= 0)
		return ctx->kvm_fd;
	fd = open(ctx->device, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return tdx_err(&ctx->error, -errno, "open", NULL, -1,
			       "cannot open %s: %s", ctx->device,
			       strerror(errno));
	ctx->kvm_fd = fd;
	tdx_dbg(ctx, "opened %s as fd %d", ctx->device, fd);
	return fd;
}

TDX_EXPORT int tdx_ctx_get_fd(struct tdx_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	return tdx_ctx_open(ctx);
}

TDX_EXPORT const struct tdx_error *tdx_ctx_get_last_error(const struct tdx_ctx *ctx)
{
	return ctx ? &ctx->error : NULL;
}

const char *tdx_opts_problem(const void *opts, size_t known_sz)
{
	const unsigned char *p = opts;
	size_t sz, i;

	if (!opts)
		return NULL;
	memcpy(&sz, opts, sizeof(sz));
	if (sz < sizeof(size_t))
		return sz ? "sz is smaller than the sz field itself: declare the struct with TDX_OPTS()"
			  : "sz is 0: declare the struct with TDX_OPTS()";
	for (i = known_sz; i < sz; i++)
		if (p[i])
			return "a reserved field, or a field this libtdx does not know, is not zero";
	return NULL;
}
