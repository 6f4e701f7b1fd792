/* SPDX-License-Identifier: MIT */
/* Names of ioctls, TDX sub-commands and errnos (trace, faults, report). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm-x86.h"

#ifndef KVM_SET_MEMORY_ATTRIBUTES
#error "kvm-tdx.h defines it"
#endif

static const struct { unsigned long req; const char *name; } ioctls[] = {
#define X(n) { n, #n }
	X(KVM_GET_API_VERSION), X(KVM_CREATE_VM), X(KVM_CHECK_EXTENSION),
	X(KVM_GET_VCPU_MMAP_SIZE), X(KVM_GET_SUPPORTED_CPUID),
	X(KVM_GET_MSR_INDEX_LIST), X(KVM_GET_MSR_FEATURE_INDEX_LIST),
	X(KVM_CREATE_VCPU), X(KVM_SET_USER_MEMORY_REGION),
	X(KVM_SET_USER_MEMORY_REGION2), X(KVM_SET_TSS_ADDR),
	X(KVM_SET_IDENTITY_MAP_ADDR), X(KVM_CREATE_IRQCHIP), X(KVM_IRQ_LINE),
	X(KVM_IRQ_LINE_STATUS), X(KVM_SET_GSI_ROUTING), X(KVM_IRQFD),
	X(KVM_IOEVENTFD), X(KVM_RUN), X(KVM_GET_REGS), X(KVM_SET_REGS),
	X(KVM_GET_SREGS), X(KVM_SET_SREGS), X(KVM_GET_MSRS), X(KVM_SET_MSRS),
	X(KVM_GET_FPU), X(KVM_SET_FPU), X(KVM_GET_LAPIC), X(KVM_SET_LAPIC),
	X(KVM_SET_CPUID2), X(KVM_GET_CPUID2), X(KVM_GET_MP_STATE),
	X(KVM_SET_MP_STATE), X(KVM_SET_TSC_KHZ), X(KVM_GET_TSC_KHZ),
	X(KVM_ENABLE_CAP), X(KVM_SIGNAL_MSI), X(KVM_SMI),
	X(KVM_MEMORY_ENCRYPT_OP), X(KVM_SET_MEMORY_ATTRIBUTES),
	X(KVM_CREATE_GUEST_MEMFD), X(KVM_PRE_FAULT_MEMORY),
	X(KVM_GET_XSAVE), X(KVM_SET_XSAVE), X(KVM_GET_XCRS), X(KVM_SET_XCRS),
	X(KVM_GET_DEBUGREGS), X(KVM_SET_DEBUGREGS), X(KVM_SET_GUEST_DEBUG),
	X(KVM_SET_SIGNAL_MASK), X(KVM_GET_VCPU_EVENTS), X(KVM_SET_VCPU_EVENTS),
	X(KVM_GET_CLOCK), X(KVM_SET_CLOCK), X(KVM_INTERRUPT), X(KVM_NMI),
	X(KVM_GET_ONE_REG), X(KVM_SET_ONE_REG), X(KVM_KVMCLOCK_CTRL),
	X(KVM_CREATE_DEVICE), X(KVM_GET_DIRTY_LOG), X(KVM_SET_BOOT_CPU_ID),
	X(KVM_REGISTER_COALESCED_MMIO), X(KVM_UNREGISTER_COALESCED_MMIO),
	X(KVM_X86_SETUP_MCE), X(KVM_GET_EMULATED_CPUID), X(KVM_SET_PIT2),
	X(KVM_CREATE_PIT2), X(KVM_GET_SREGS2), X(KVM_SET_SREGS2),
	X(KVM_GET_XSAVE2), X(KVM_GET_STATS_FD),
	X(KVM_GET_DEVICE_ATTR), X(KVM_HAS_DEVICE_ATTR), X(KVM_SET_DEVICE_ATTR),
	X(KVM_X86_GET_MCE_CAP_SUPPORTED), X(KVM_X86_SET_MCE),
	X(KVM_TPR_ACCESS_REPORTING), X(KVM_SET_VAPIC_ADDR),
	X(KVM_X86_SET_MSR_FILTER), X(KVM_SET_PMU_EVENT_FILTER),
	X(KVM_GET_IRQCHIP), X(KVM_SET_IRQCHIP), X(KVM_GET_PIT2),
	X(KVM_REINJECT_CONTROL), X(KVM_SET_NR_MMU_PAGES),
#undef X
};

const char *ioctl_name(unsigned long req)
{
	static __thread char buf[32];

	for (size_t i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++)
		if (ioctls[i].req == req)
			return ioctls[i].name;
	snprintf(buf, sizeof(buf), "ioctl_0x%lx", req);
	return buf;
}

unsigned long ioctl_by_name(const char *name);
unsigned long ioctl_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++)
		if (!strcmp(ioctls[i].name, name))
			return ioctls[i].req;
	return 0;
}

static const char *const tdx_cmds[] = {
	"KVM_TDX_CAPABILITIES", "KVM_TDX_INIT_VM", "KVM_TDX_INIT_VCPU",
	"KVM_TDX_INIT_MEM_REGION", "KVM_TDX_FINALIZE_VM", "KVM_TDX_GET_CPUID",
};

const char *tdx_cmd_name(uint32_t id)
{
	static __thread char buf[32];

	if (id < sizeof(tdx_cmds) / sizeof(tdx_cmds[0]))
		return tdx_cmds[id];
	snprintf(buf, sizeof(buf), "KVM_TDX_CMD_%u", id);
	return buf;
}

bool tdx_cmd_known(const char *name);
bool tdx_cmd_known(const char *name)
{
	for (size_t i = 0; i < sizeof(tdx_cmds) / sizeof(tdx_cmds[0]); i++)
		if (!strcmp(tdx_cmds[i], name))
			return true;
	return false;
}

static const struct { int e; const char *n; } errnos[] = {
#define E(x) { x, #x }
	E(EPERM), E(ENOENT), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(EBADF),
	E(EAGAIN), E(ENOMEM), E(EFAULT), E(EBUSY), E(EEXIST), E(ENODEV),
	E(EINVAL), E(ENOSPC), E(ENOTTY), E(EOPNOTSUPP), E(ENOSYS),
	E(EHWPOISON), E(ERANGE), E(ENFILE), E(EMFILE), E(ETIMEDOUT),
#undef E
};

const char *errno_name(int e)
{
	static __thread char buf[16];

	if (e == 0)
		return "0";
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].e == e)
			return errnos[i].n;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

/* "EIO" or a decimal number; -1 if invalid. */
int errno_parse(const char *s)
{
	char *end;
	long v;

	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(errnos[i].n, s))
			return errnos[i].e;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > 4095)
		return -1;
	return (int)v;
}

const char *kind_name(enum sim_kind k)
{
	switch (k) {
	case SK_DEV: return "dev";
	case SK_VM: return "vm";
	case SK_VCPU: return "vcpu";
	case SK_GMEM: return "gmem";
	}
	return "?";
}
