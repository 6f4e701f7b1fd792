/* SPDX-License-Identifier: MIT */
/*
 * The one place libtdx issues ioctls: errno capture, EINTR policy and debug
 * tracing live here.
 */
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

static long do_ioctl(const struct tdx_ctx *ctx, int fd, unsigned long req,
		     unsigned long arg, bool retry_eintr)
{
	long r;

	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR && retry_eintr);
	if (r < 0)
		r = -errno;
	tdx_dbg(ctx, "ioctl(fd %d, 0x%lx) = %ld%s%s", fd, req, r,
		r < 0 ? " " : "", r < 0 ? strerror((int)-r) : "");
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
