/* SPDX-License-Identifier: MIT */
/*
 * KVM_TDX_CAPABILITIES: issue it on a TD VM fd (growing the CPUID array on
 * -E2BIG, since the kernel does not say how many entries it needs) and
 * decode the answer; tdx_caps_query() does it on a throwaway TD VM.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps-internal.h"

#define STEP_CAPS	"KVM_TDX_CAPABILITIES"
#define FIRST_NENT	6

int tdx_caps_decode(const struct kvm_tdx_capabilities *kc, uint32_t allocated,
		    struct tdx_error *err, struct tdx_caps **ret_caps)
{
	struct tdx_cpuid_entry *e;
	struct tdx_tdvmcallinfo info;
	uint32_t n = kc->cpuid.nent, i;
	int r;

	if (n > allocated)
		return tdx_err(err, -EIO, STEP_CAPS, "cpuid", -1,
			       "%s: kernel reported %u entries for a %u-entry array",
			       STEP_CAPS, n, allocated);
	e = calloc(n ? n : 1, sizeof(*e));
	if (!e)
		return tdx_err(err, -ENOMEM, STEP_CAPS, NULL, -1,
			       "%s: out of memory", STEP_CAPS);
	for (i = 0; i < n; i++) {
		const struct kvm_cpuid_entry2 *k = &kc->cpuid.entries[i];

		/* "No sub-leaf" arrives as index 0; flags are always 0. */
		e[i].function = k->function;
		e[i].index = k->index;
		e[i].eax = k->eax;
		e[i].ebx = k->ebx;
		e[i].ecx = k->ecx;
		e[i].edx = k->edx;
	}
	info.kernel_r11 = kc->kernel_tdvmcallinfo_1_r11;
	info.user_r11 = kc->user_tdvmcallinfo_1_r11;
	info.kernel_r12 = kc->kernel_tdvmcallinfo_1_r12;
	info.user_r12 = kc->user_tdvmcallinfo_1_r12;
	r = tdx_caps_new(kc->supported_attrs, kc->supported_xfam, &info, e, n,
			 err, STEP_CAPS, ret_caps);
	free(e);
	return r;
}

int tdx_caps_fetch(struct tdx_ctx *ctx, int vm_fd, struct tdx_caps **ret_caps)
{
	struct kvm_tdx_capabilities *kc = NULL;
	uint32_t nent = FIRST_NENT;
	int r;

	for (;;) {
		size_t sz = sizeof(*kc) + nent * sizeof(struct kvm_cpuid_entry2);

		free(kc);
		kc = calloc(1, sz);
		if (!kc)
			return tdx_err(&ctx->error, -ENOMEM, STEP_CAPS, NULL, -1,
				       "%s: out of memory", STEP_CAPS);
		kc->cpuid.nent = nent;
		r = tdx_kvm_tdx_cmd(ctx, vm_fd, KVM_TDX_CAPABILITIES, 0,
				    (uint64_t)(uintptr_t)kc, NULL);
		if (r != -E2BIG || nent >= LIBTDX_KVM_MAX_CPUID_ENTRIES)
			break;
		nent *= 2;
		if (nent > LIBTDX_KVM_MAX_CPUID_ENTRIES)
			nent = LIBTDX_KVM_MAX_CPUID_ENTRIES;
		tdx_dbg(ctx, "%s: -E2BIG, retrying with %u entries", STEP_CAPS,
			nent);
	}
	if (r == -E2BIG)
		tdx_err(&ctx->error, r, STEP_CAPS, "cpuid", -1,
			"%s: more than %d configurable CPUID leaves", STEP_CAPS,
			LIBTDX_KVM_MAX_CPUID_ENTRIES);
	else if (r == -ENOTTY)
		tdx_err(&ctx->error, r, STEP_CAPS, NULL, -1,
			"%s: not a TD VM, or KVM has TDX disabled (kvm_intel.tdx)",
			STEP_CAPS);
	else if (r < 0)
		tdx_err(&ctx->error, r, STEP_CAPS, NULL, -1, "%s: %s",
			STEP_CAPS, strerror(-r));
	else
		r = tdx_caps_decode(kc, nent, &ctx->error, ret_caps);
	free(kc);
	return r;
}

/* A throwaway TD VM: the capabilities can only be read on a TD VM fd. */
static int fetch_throwaway(struct tdx_ctx *ctx, struct tdx_caps **ret_caps)
{
	long vm_fd;
	int kvm_fd, r;

	kvm_fd = tdx_ctx_open(ctx);
	if (kvm_fd < 0)
		return kvm_fd;
	vm_fd = tdx_kvm_ioctl(ctx, kvm_fd, KVM_CREATE_VM, KVM_X86_TDX_VM);
	if (vm_fd < 0) {
		r = (int)vm_fd;
		if (r == -EINVAL || r == -ENOTTY)
			return tdx_err(&ctx->error, r, "KVM_CREATE_VM", NULL, -1,
				       "KVM_CREATE_VM: host has no TDX VM type (type %d): %s",
				       KVM_X86_TDX_VM, strerror(-r));
		return tdx_err(&ctx->error, r, "KVM_CREATE_VM", NULL, -1,
			       "KVM_CREATE_VM (TDX VM type): %s", strerror(-r));
	}
	r = tdx_caps_fetch(ctx, (int)vm_fd, ret_caps);
	close((int)vm_fd);
	return r;
}

int tdx_ctx_caps(struct tdx_ctx *ctx, int vm_fd, const struct tdx_caps **ret_caps)
{
	struct tdx_caps *caps = NULL;
	int r = 0;

	pthread_mutex_lock(&ctx->caps_lock);
	if (!ctx->caps) {
		r = vm_fd >= 0 ? tdx_caps_fetch(ctx, vm_fd, &caps)
			       : fetch_throwaway(ctx, &caps);
		if (!r)
			ctx->caps = caps;
	}
	pthread_mutex_unlock(&ctx->caps_lock);
	if (r)
		return r;	/* recorded on the context */
	*ret_caps = ctx->caps;
	return 0;
}

TDX_EXPORT int tdx_caps_query(struct tdx_ctx *ctx, struct tdx_caps **ret_caps)
{
	const struct tdx_caps *cached;
	struct tdx_caps *copy;
	int r;

	if (!ctx)
		return -EINVAL;
	if (!ret_caps)
		return tdx_err_null(&ctx->error, "tdx_caps_query", "ret_caps");
	r = tdx_ctx_caps(ctx, -1, &cached);
	if (r)
		return r;
	copy = malloc(sizeof(*copy));
	if (!copy)
		return tdx_err(&ctx->error, -ENOMEM, "tdx_caps_query", NULL, -1,
			       "out of memory");
	memcpy(copy, cached, sizeof(*copy));
	*ret_caps = copy;
	return 0;
}
