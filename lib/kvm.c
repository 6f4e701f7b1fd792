/* SPDX-License-Identifier: MIT */
/*
 * The one place libtdx issues ioctls: errno capture, EINTR policy and debug
 * tracing live here.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"

static const char *const tdx_cmd_names[] = {
	[KVM_TDX_CAPABILITIES] = "KVM_TDX_CAPABILITIES",
	[KVM_TDX_INIT_VM] = "KVM_TDX_INIT_VM",
	[KVM_TDX_INIT_VCPU] = "KVM_TDX_INIT_VCPU",
	[KVM_TDX_INIT_MEM_REGION] = "KVM_TDX_INIT_MEM_REGION",
	[KVM_TDX_FINALIZE_VM] = "KVM_TDX_FINALIZE_VM",
	[KVM_TDX_GET_CPUID] = "KVM_TDX_GET_CPUID",
};

const char *tdx_kvm_tdx_cmd_name(uint32_t id)
{
	if (id < TDX_ARRAY_SIZE(tdx_cmd_names) && tdx_cmd_names[id])
		return tdx_cmd_names[id];
	return "KVM_TDX_?";
}

/* The name of every ioctl libtdx issues, for the log (TDX_LOG=7). */
const char *tdx_kvm_ioctl_name(unsigned long req)
{
	switch (req) {
	case KVM_GET_API_VERSION: return "KVM_GET_API_VERSION";
	case KVM_CREATE_VM: return "KVM_CREATE_VM";
	case KVM_CHECK_EXTENSION: return "KVM_CHECK_EXTENSION";
	case KVM_GET_VCPU_MMAP_SIZE: return "KVM_GET_VCPU_MMAP_SIZE";
	case KVM_GET_SUPPORTED_CPUID: return "KVM_GET_SUPPORTED_CPUID";
	case KVM_ENABLE_CAP: return "KVM_ENABLE_CAP";
	case KVM_CREATE_VCPU: return "KVM_CREATE_VCPU";
	case KVM_SET_TSC_KHZ: return "KVM_SET_TSC_KHZ";
	case KVM_SET_USER_MEMORY_REGION2: return "KVM_SET_USER_MEMORY_REGION2";
	case KVM_SET_MEMORY_ATTRIBUTES: return "KVM_SET_MEMORY_ATTRIBUTES";
	case KVM_CREATE_GUEST_MEMFD: return "KVM_CREATE_GUEST_MEMFD";
	case KVM_MEMORY_ENCRYPT_OP: return "KVM_MEMORY_ENCRYPT_OP";
	case KVM_SET_CPUID2: return "KVM_SET_CPUID2";
	case KVM_SET_SIGNAL_MASK: return "KVM_SET_SIGNAL_MASK";
	case KVM_RUN: return "KVM_RUN";
	default: return NULL;
	}
}

/* "KVM_CREATE_VM", "KVM_MEMORY_ENCRYPT_OP(KVM_TDX_INIT_VM)", "0x...". */
static const char *req_name(unsigned long req, unsigned long arg, char *buf,
			    size_t len)
{
	const char *name = tdx_kvm_ioctl_name(req);

	if (req == KVM_MEMORY_ENCRYPT_OP)
		snprintf(buf, len, "%s(%s)", name,
			 tdx_kvm_tdx_cmd_name(((const struct kvm_tdx_cmd *)arg)->id));
	else if (req == KVM_CHECK_EXTENSION)
		snprintf(buf, len, "%s(%lu)", name, arg);
	else if (req == KVM_ENABLE_CAP)
		snprintf(buf, len, "%s(%u)", name,
			 ((const struct kvm_enable_cap *)arg)->cap);
	else if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "ioctl 0x%lx", req);
	return buf;
}

static long do_ioctl(const struct tdx_ctx *ctx, int fd, unsigned long req,
		     unsigned long arg, bool retry_eintr)
{
	char name[80];
	long r;

	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR && retry_eintr);
	if (r < 0)
		r = -errno;
	if (ctx && ctx->log_max >= 7)
		tdx_dbg(ctx, "%s on fd %d = %ld%s%s", req_name(req, arg, name, sizeof(name)),
			fd, r, r < 0 ? " " : "", r < 0 ? strerror((int)-r) : "");
	return r;
}

long tdx_kvm_ioctl(const struct tdx_ctx *ctx, int fd, unsigned long req,
		   unsigned long arg)
{
	/* KVM_RUN's EINTR is the caller's business (signals kick vCPUs). */
	return do_ioctl(ctx, fd, req, arg, req != KVM_RUN);
}

long tdx_kvm_check_ext(const struct tdx_ctx *ctx, int fd, long cap)
{
	return do_ioctl(ctx, fd, KVM_CHECK_EXTENSION, (unsigned long)cap, true);
}

int tdx_kvm_enable_cap(const struct tdx_ctx *ctx, int fd, uint32_t cap,
		       uint64_t arg0)
{
	struct kvm_enable_cap ec;

	memset(&ec, 0, sizeof(ec));
	ec.cap = cap;
	ec.args[0] = arg0;
	return (int)do_ioctl(ctx, fd, KVM_ENABLE_CAP, (unsigned long)&ec, true);
}

int tdx_kvm_tdx_cmd(const struct tdx_ctx *ctx, int fd, uint32_t id,
		    uint32_t flags, uint64_t data, uint64_t *hw_error)
{
	struct kvm_tdx_cmd cmd;
	long r;

	memset(&cmd, 0, sizeof(cmd));
	cmd.id = id;
	cmd.flags = flags;
	cmd.data = data;
	r = do_ioctl(ctx, fd, KVM_MEMORY_ENCRYPT_OP, (unsigned long)&cmd, false);
	if (hw_error)
		*hw_error = cmd.hw_error;
	if (cmd.hw_error)
		tdx_dbg(ctx, "%s: hw_error 0x%016llx", tdx_kvm_tdx_cmd_name(id),
			(unsigned long long)cmd.hw_error);
	return (int)r;
}
