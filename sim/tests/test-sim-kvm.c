/* SPDX-License-Identifier: MIT */
/*
 * The generic KVM surface of the simulated Linux 7.2 VMX host with TDX:
 * KVM_CHECK_EXTENSION / KVM_ENABLE_CAP, MSR lists and feature MSRs, vCPU
 * MSRs with the TDX rules, routing and eventfds, filters, stats fds, vCPU
 * ioctls and the TD refusals, repeated VM create/destroy.  Raw ioctls.
 */
#include <dirent.h>
#include <malloc.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

#include "simtest.h"

#ifndef KVM_CAP_X86_GUEST_MODE
#define KVM_CAP_X86_GUEST_MODE 238
#endif
#ifndef KVM_CAP_XSAVE2
#define KVM_CAP_XSAVE2 208
#endif
#ifndef KVM_CAP_PMU_CAPABILITY
#define KVM_CAP_PMU_CAPABILITY 212
#endif
#ifndef KVM_CAP_DISABLE_QUIRKS2
#define KVM_CAP_DISABLE_QUIRKS2 213
#endif
#ifndef KVM_PMU_CAP_DISABLE
#define KVM_PMU_CAP_DISABLE 1
#endif
#ifndef KVM_GET_STATS_FD
#define KVM_GET_STATS_FD _IO(KVMIO, 0xce)
#endif
#ifndef KVM_X86_GET_MCE_CAP_SUPPORTED
#define KVM_X86_GET_MCE_CAP_SUPPORTED _IOR(KVMIO, 0x9d, __u64)
#endif

#define RAM (64ULL << 20)

static long cap(int fd, long c)
{
	return xioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)c);
}

static long enable(int vm, uint32_t c, uint64_t a0)
{
	struct kvm_enable_cap e = { .cap = c, .args = { a0 } };

	return xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&e);
}

static int plain_vm(void)
{
	int k = st_kvm(), vm = (int)xioctl(k, KVM_CREATE_VM, 0);

	ck_assert_int_ge(vm, 0);
	close(k);
	return vm;
}

/* kvm_vm_ioctl_check_extension_generic() and kvm_vm_ioctl_check_extension()
 * on /dev/kvm: the values QEMU's kvm_init() needs, and the host-derived ones */
START_TEST(check_extension_dev)
{
	int k = st_kvm();

	st_require_sim();
	ck_assert_int_eq(cap(k, KVM_CAP_DESTROY_MEMORY_REGION_WORKS), 1);
	ck_assert_int_eq(cap(k, KVM_CAP_JOIN_MEMORY_REGIONS_WORKS), 1);
	ck_assert_int_eq(cap(k, KVM_CAP_INTERNAL_ERROR_DATA), 1);
	ck_assert_int_eq(cap(k, KVM_CAP_IRQ_ROUTING), 4096);
	ck_assert_int_eq(cap(k, KVM_CAP_COALESCED_MMIO), 2);
	ck_assert_int_eq(cap(k, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2), 3);
	ck_assert_int_eq(cap(k, KVM_CAP_MULTI_ADDRESS_SPACE), 2);
	ck_assert_int_eq(cap(k, KVM_CAP_NR_MEMSLOTS), 32764);
	ck_assert_int_eq(cap(k, KVM_CAP_DIRTY_LOG_RING), 65536 * 16);
	ck_assert_int_eq(cap(k, KVM_CAP_MCE), 32);
	ck_assert_int_eq(cap(k, KVM_CAP_ADJUST_CLOCK), 2 | 4 | 8);
	ck_assert_int_eq(cap(k, KVM_CAP_X86_DISABLE_EXITS), 0x1f);
	ck_assert_int_eq(cap(k, KVM_CAP_NESTED_STATE), 128 + 2 * 4096);
	ck_assert_int_eq(cap(k, KVM_CAP_SET_GUEST_DEBUG2), 0x1f0003);
	ck_assert_int_eq(cap(k, KVM_CAP_X86_APIC_BUS_CYCLES_NS), 1);
	ck_assert_int_eq(cap(k, KVM_CAP_X2APIC_API), 0xf);
	ck_assert_int_eq(cap(k, KVM_CAP_SYNC_REGS), 7);
	ck_assert_int_eq(cap(k, KVM_CAP_READONLY_MEM), 1);
	ck_assert_int_eq(cap(k, KVM_CAP_X86_SMM), 1);
	ck_assert_int_eq(cap(k, KVM_CAP_PMU_CAPABILITY), KVM_PMU_CAP_DISABLE);
	ck_assert_int_eq(cap(k, KVM_CAP_DISABLE_QUIRKS2), 0xfff);
	ck_assert_int_eq(cap(k, KVM_CAP_X86_GUEST_MODE), 1);
	ck_assert_int_eq(cap(k, KVM_CAP_SMALLER_MAXPHYADDR), 0);
	ck_assert_int_eq(cap(k, KVM_CAP_HYPERV_DIRECT_TLBFLUSH), 0);
	ck_assert_int_eq(cap(k, KVM_CAP_PV_MMU), 0);
	/* no AMX guest permission asked: xstate size up to PKRU, at least
	 * sizeof(struct kvm_xsave) */
	ck_assert_int_eq(cap(k, KVM_CAP_XSAVE2), 4096);
	/* another architecture's capability: 0, not marked unmodelled */
	ck_assert_int_eq(cap(k, KVM_CAP_S390_PSW), 0);
	close(k);
}
END_TEST

/* The VM-state dependent answers: has_protected_state, has_private_mem,
 * split irqchip (X2APIC_API), apic_bus_cycle_ns, max_vcpus. */
START_TEST(check_extension_vm)
{
	int td = st_td(), vm = plain_vm();

	ck_assert_int_eq(cap(td, KVM_CAP_SYNC_REGS), 0);
	ck_assert_int_eq(cap(td, KVM_CAP_READONLY_MEM), 0);
	ck_assert_int_eq(cap(td, KVM_CAP_X86_SMM), 0);
	ck_assert_int_eq(cap(td, KVM_CAP_MULTI_ADDRESS_SPACE), 1);
	ck_assert_int_eq(cap(td, KVM_CAP_MEMORY_ATTRIBUTES), KVM_MEMORY_ATTRIBUTE_PRIVATE);
	ck_assert_int_eq(cap(vm, KVM_CAP_SYNC_REGS), 7);
	ck_assert_int_eq(cap(vm, KVM_CAP_MULTI_ADDRESS_SPACE), 2);
	ck_assert_int_eq(cap(vm, KVM_CAP_MEMORY_ATTRIBUTES), 0);
	/* no split irqchip yet: no ENABLE_SUPPRESS_EOI_BROADCAST */
	ck_assert_int_eq(cap(td, KVM_CAP_X2APIC_API), 0xb);
	ck_assert_int_eq(cap(td, KVM_CAP_X86_APIC_BUS_CYCLES_NS), 1);
	st_split_irqchip(td);
	ck_assert_int_eq(cap(td, KVM_CAP_X2APIC_API), 0xf);
	ck_assert_int_eq(enable(td, KVM_CAP_X86_APIC_BUS_CYCLES_NS, 40), 0);
	ck_assert_int_eq(cap(td, KVM_CAP_X86_APIC_BUS_CYCLES_NS), 40);
	close(td);
	close(vm);
}
END_TEST

/* kvm_vm_ioctl_enable_cap[_generic]() argument checks and TD refusals */
START_TEST(enable_cap_rules)
{
	int td = st_td(), vm = plain_vm();
	struct kvm_enable_cap e = { .cap = KVM_CAP_HALT_POLL, .flags = 1 };

	ck_errno(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&e), EINVAL);
	/* PMU: a TD (has_protected_pmu) may only disable it */
	ck_errno(enable(td, KVM_CAP_PMU_CAPABILITY, 0), EINVAL);
	ck_errno(enable(td, KVM_CAP_PMU_CAPABILITY, 2), EINVAL);
	ck_assert_int_eq(enable(td, KVM_CAP_PMU_CAPABILITY, KVM_PMU_CAP_DISABLE), 0);
	ck_assert_int_eq(enable(vm, KVM_CAP_PMU_CAPABILITY, 0), 0);
	/* X2APIC_API: suppress-EOI-broadcast needs a split irqchip, and
	 * enable + disable together is invalid */
	ck_errno(enable(td, KVM_CAP_X2APIC_API, 0x4), EINVAL);
	ck_errno(enable(td, KVM_CAP_X2APIC_API, 0x10), EINVAL);
	ck_assert_int_eq(enable(td, KVM_CAP_X2APIC_API, 0x3), 0);
	/* SPLIT_IRQCHIP: at most KVM_MAX_IRQ_ROUTES pins, once */
	ck_errno(enable(td, KVM_CAP_SPLIT_IRQCHIP, 4097), EINVAL);
	ck_assert_int_eq(enable(td, KVM_CAP_SPLIT_IRQCHIP, 4096), 0);
	ck_errno(enable(td, KVM_CAP_SPLIT_IRQCHIP, 24), EEXIST);
	ck_errno(enable(td, KVM_CAP_X2APIC_API, 0xc), EINVAL);
	ck_assert_int_eq(enable(td, KVM_CAP_X2APIC_API, 0x4), 0);
	/* CREATE_IRQCHIP: EEXIST (irqchip already there) before the TD's ENOTTY */
	ck_errno(xioctl(td, KVM_CREATE_IRQCHIP, 0), EEXIST);
	/* quirks, halt polling, user-space MSRs, emulation failure */
	ck_errno(enable(vm, KVM_CAP_DISABLE_QUIRKS2, 0x1000), EINVAL);
	ck_assert_int_eq(enable(vm, KVM_CAP_DISABLE_QUIRKS2, 0x3), 0);
	ck_errno(enable(vm, KVM_CAP_HALT_POLL, 1ULL << 32), EINVAL);
	ck_assert_int_eq(enable(vm, KVM_CAP_HALT_POLL, 200000), 0);
	ck_errno(enable(vm, KVM_CAP_X86_USER_SPACE_MSR, 8), EINVAL);
	ck_assert_int_eq(enable(vm, KVM_CAP_X86_USER_SPACE_MSR, 4), 0);
	ck_errno(enable(vm, KVM_CAP_EXIT_ON_EMULATION_FAILURE, 2), EINVAL);
	ck_errno(enable(vm, KVM_CAP_X86_BUS_LOCK_EXIT, 3), EINVAL);
	ck_errno(enable(vm, KVM_CAP_X86_DISABLE_EXITS, 0x20), EINVAL);
	ck_errno(enable(vm, KVM_CAP_X86_NOTIFY_VMEXIT, 2), EINVAL);
	ck_assert_int_eq(enable(vm, KVM_CAP_X86_NOTIFY_VMEXIT, 3), 0);
	/* MAX_VCPU_ID: set once (same value again is fine) */
	ck_errno(enable(vm, KVM_CAP_MAX_VCPU_ID, 4097), EINVAL);
	ck_assert_int_eq(enable(vm, KVM_CAP_MAX_VCPU_ID, 2), 0);
	ck_assert_int_eq(enable(vm, KVM_CAP_MAX_VCPU_ID, 2), 0);
	ck_errno(enable(vm, KVM_CAP_MAX_VCPU_ID, 3), EINVAL);
	/* dirty ring: power of 2 covering the reserved + PML entries */
	ck_errno(enable(vm, KVM_CAP_DIRTY_LOG_RING, 8192), EINVAL);
	ck_errno(enable(vm, KVM_CAP_DIRTY_LOG_RING, 3 << 14), EINVAL);
	ck_errno(enable(vm, KVM_CAP_DIRTY_LOG_RING, 1 << 21), E2BIG);
	ck_assert_int_eq(enable(vm, KVM_CAP_DIRTY_LOG_RING, 1 << 14), 0);
	ck_errno(enable(vm, KVM_CAP_DIRTY_LOG_RING, 1 << 15), EINVAL);
	/* manual dirty log: INITIALLY_SET only with PROTECT_ENABLE */
	ck_errno(enable(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 2), EINVAL);
	ck_assert_int_eq(enable(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 3), 0);
	/* NX huge pages: CAP_SYS_BOOT first, then argument 0 and no vCPUs */
	{
		struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 };
		struct { uint32_t eff, perm, inh; } d[2];
		bool boot;

		memset(d, 0, sizeof(d));
		/* six arguments: the preloaded simulator's syscall() reads six */
		ck_assert_int_eq(syscall(SYS_capget, &hdr, d, 0L, 0L, 0L, 0L), 0);
		boot = (d[0].eff >> 22) & 1;
		ck_errno(enable(vm, KVM_CAP_VM_DISABLE_NX_HUGE_PAGES, 1), boot ? EINVAL : EPERM);
		ck_assert_int_eq(enable(vm, KVM_CAP_VM_DISABLE_NX_HUGE_PAGES, 0), boot ? 0 : -EPERM);
	}
	/* what the kernel does not enable on a VM */
	ck_errno(enable(vm, KVM_CAP_IRQCHIP, 0), EINVAL);
	ck_errno(enable(vm, KVM_CAP_VM_COPY_ENC_CONTEXT_FROM, 0), EINVAL);
	/* kvm_arch_vcpu_precreate(): ids below it only */
	ck_errno(xioctl(vm, KVM_CREATE_VCPU, 2), EINVAL);
	{
		int v1 = (int)xioctl(vm, KVM_CREATE_VCPU, 1), vm2 = plain_vm(), w;

		ck_assert_int_ge(v1, 0);
		close(v1);
		/* the first vCPU fixes the limit at KVM_MAX_VCPU_IDS */
		w = (int)xioctl(vm2, KVM_CREATE_VCPU, 5);
		ck_assert_int_ge(w, 0);
		ck_errno(enable(vm2, KVM_CAP_MAX_VCPU_ID, 8), EINVAL);
		ck_assert_int_eq(enable(vm2, KVM_CAP_MAX_VCPU_ID, 4096), 0);
		close(w);
		close(vm2);
	}
	close(td);
	close(vm);
}
END_TEST

static long msr_list(int k, unsigned long req, uint32_t *out, uint32_t max)
{
	struct {
		struct kvm_msr_list h;
		uint32_t idx[512];
	} l = { .h = { .nmsrs = max } };
	long r = xioctl(k, req, (uintptr_t)&l);

	if (r == 0 && out)
		memcpy(out, l.idx, l.h.nmsrs * sizeof(uint32_t));
	return r < 0 ? r : (long)l.h.nmsrs;
}

static bool has(const uint32_t *l, long n, uint32_t x)
{
	for (long i = 0; i < n; i++)
		if (l[i] == x)
			return true;
	return false;
}

/* kvm_arch_dev_ioctl(): MSR lists (E2BIG with the count), feature MSRs */
START_TEST(dev_msrs)
{
	int k = st_kvm();
	uint32_t l[512];
	long n;
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[3];
	} m = { .h = { .nmsrs = 3 }, .e = { { .index = 0x10a }, { .index = 0xce },
					   { .index = 0x12345 } } };
	uint64_t mce = 0;

	n = msr_list(k, KVM_GET_MSR_INDEX_LIST, NULL, 1);
	ck_errno(n, E2BIG);
	n = msr_list(k, KVM_GET_MSR_INDEX_LIST, l, 512);
	ck_assert_int_gt(n, 60);
	ck_assert(has(l, n, 0x174) && has(l, n, 0x4b564d01) && has(l, n, 0x480));
	ck_assert(!has(l, n, 0xc0010117));	/* MSR_VM_HSAVE_PA: AMD only */
	ck_assert(!has(l, n, 0xc001011f));	/* AMD64_VIRT_SPEC_CTRL */
	ck_assert(!has(l, n, 0x560));		/* RTIT: pt_mode=0 hides Intel PT */
	n = msr_list(k, KVM_GET_MSR_FEATURE_INDEX_LIST, l, 512);
	ck_assert_int_eq(n, 22);
	ck_assert(has(l, n, 0x480) && has(l, n, 0x491) && has(l, n, 0x10a));
	ck_assert(!has(l, n, 0xc0011029));	/* MSR_AMD64_DE_CFG */
	/* feature MSRs: stops at the first unknown one */
	ck_assert_int_eq(xioctl(k, KVM_GET_MSRS, (uintptr_t)&m), 2);
	ck_assert(m.e[0].data & 1);		/* ARCH_CAP_RDCL_NO */
	ck_assert_uint_eq(m.e[1].data, 0x80000000ULL);
	m.h.nmsrs = 256;
	ck_errno(xioctl(k, KVM_GET_MSRS, (uintptr_t)&m), E2BIG);
	ck_assert_int_eq(xioctl(k, KVM_X86_GET_MCE_CAP_SUPPORTED, (uintptr_t)&mce), 0);
	ck_assert_uint_eq(mce, 0x09000500ULL);
	close(k);
}
END_TEST

/* KVM_GET_EMULATED_CPUID and KVM_GET_DEVICE_ATTR(KVM_X86_XCOMP_GUEST_SUPP) */
START_TEST(dev_emulated_cpuid_attr)
{
	int k = st_kvm();
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[8];
	} c;
	uint64_t x = 0;
	struct kvm_device_attr a = { .group = 0, .attr = 0, .addr = (uintptr_t)&x };

	memset(&c, 0, sizeof(c));
	c.h.nent = 3;	/* one slot short: the empty leaves still need room */
	ck_errno(xioctl(k, KVM_GET_EMULATED_CPUID, (uintptr_t)&c), E2BIG);
	c.h.nent = 8;
	c.e[5].padding[1] = 1;
	ck_errno(xioctl(k, KVM_GET_EMULATED_CPUID, (uintptr_t)&c), EINVAL);
	c.e[5].padding[1] = 0;
	ck_assert_int_eq(xioctl(k, KVM_GET_EMULATED_CPUID, (uintptr_t)&c), 0);
	ck_assert_int_eq(c.h.nent, 3);
	ck_assert_uint_eq(c.e[1].ecx, 1U << 22);	/* MOVBE */
	ck_assert_uint_eq(c.e[2].function, 7);
	ck_assert_int_eq(xioctl(k, KVM_GET_DEVICE_ATTR, (uintptr_t)&a), 0);
	ck_assert_uint_eq(x & 0x602e7, 0x602e7);
	ck_assert_int_eq(xioctl(k, KVM_HAS_DEVICE_ATTR, (uintptr_t)&a), 0);
	a.group = 1;
	ck_errno(xioctl(k, KVM_GET_DEVICE_ATTR, (uintptr_t)&a), ENXIO);
	close(k);
}
END_TEST

static long vcpu_msrs(int v, unsigned long req, struct kvm_msr_entry *e, uint32_t n)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[8];
	} m = { .h = { .nmsrs = n } };
	long r;

	memcpy(m.e, e, n * sizeof(*e));
	r = xioctl(v, req, (uintptr_t)&m);
	memcpy(e, m.e, n * sizeof(*e));
	return r;
}

/* TD vCPU MSRs: tdx_has_emulated_msr(), tdx_get_msr()/tdx_set_msr() with
 * read-only APIC base/EFER/FEAT_CTL; __msr_io() returns the partial count */
START_TEST(td_vcpu_msrs)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0);
	uint64_t mcg = 0x0900050aULL;	/* 10 banks, CTL_P, CMCI_P, SER_P, LMCE_P */
	struct kvm_msr_entry e[4] = {
		{ .index = 0x1a0 }, { .index = 0xc0000080 }, { .index = 0x174 }, { .index = 0x10 },
	};

	ck_assert_int_eq(xioctl(v, KVM_X86_SETUP_MCE, (uintptr_t)&mcg), 0);
	ck_assert_int_eq(vcpu_msrs(v, KVM_GET_MSRS, e, 4), 2);	/* SYSENTER_CS: no */
	ck_assert_uint_eq(e[1].data, 0xd01);			/* SCE|LME|LMA|NX */
	e[0] = (struct kvm_msr_entry){ .index = 0x3a };
	ck_assert_int_eq(vcpu_msrs(v, KVM_GET_MSRS, e, 1), 1);
	ck_assert_uint_eq(e[0].data, 1 | (1 << 20));		/* LOCKED | LMCE */
	/* writes: MISC_ENABLE ok, EFER read-only, then nothing more */
	e[0] = (struct kvm_msr_entry){ .index = 0x1a0, .data = 1 };
	e[1] = (struct kvm_msr_entry){ .index = 0xc0000080, .data = 0xd01 };
	e[2] = (struct kvm_msr_entry){ .index = 0x6e0 };
	ck_assert_int_eq(vcpu_msrs(v, KVM_SET_MSRS, e, 3), 1);
	/* MCG_EXT_CTL: only LMCE_EN */
	e[0] = (struct kvm_msr_entry){ .index = 0x4d0, .data = 2 };
	ck_assert_int_eq(vcpu_msrs(v, KVM_SET_MSRS, e, 1), 0);
	e[0].data = 1;
	ck_assert_int_eq(vcpu_msrs(v, KVM_SET_MSRS, e, 1), 1);
	/* MC bank beyond MCG_CAP */
	e[0] = (struct kvm_msr_entry){ .index = 0x400 + 4 * 10 };
	ck_assert_int_eq(vcpu_msrs(v, KVM_GET_MSRS, e, 1), 0);
	e[0] = (struct kvm_msr_entry){ .index = 0x400 + 4 * 9 };
	ck_assert_int_eq(vcpu_msrs(v, KVM_GET_MSRS, e, 1), 1);
	ck_assert_uint_eq(e[0].data, ~0ULL);			/* MCi_CTL all ones */
	close(v);
	close(vm);
}
END_TEST

/* kvm_vcpu_ioctl_x86_setup_mce(), KVM_SET_VAPIC_ADDR, TPR reporting, NMI,
 * KVM_INTERRUPT, vCPU events, stats fd */
START_TEST(vcpu_misc)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0);
	uint64_t mcg = 0;
	struct kvm_vapic_addr va = { .vapic_addr = 0x10000 };
	struct kvm_tpr_access_ctl t = { .enabled = 1, .flags = 1 };
	struct kvm_interrupt irq = { .irq = 256 };
	struct kvm_vcpu_events ev;
	char buf[512];
	int sfd;

	ck_errno(xioctl(v, KVM_X86_SETUP_MCE, (uintptr_t)&mcg), EINVAL);	/* 0 banks */
	mcg = 33;
	ck_errno(xioctl(v, KVM_X86_SETUP_MCE, (uintptr_t)&mcg), EINVAL);
	mcg = 10 | (1ULL << 9);	/* MCG_EXT_P: not supported */
	ck_errno(xioctl(v, KVM_X86_SETUP_MCE, (uintptr_t)&mcg), EINVAL);
	/* the VAPIC page must be in a memslot */
	ck_errno(xioctl(v, KVM_SET_VAPIC_ADDR, (uintptr_t)&va), EINVAL);
	va.vapic_addr = 0;
	ck_assert_int_eq(xioctl(v, KVM_SET_VAPIC_ADDR, (uintptr_t)&va), 0);
	ck_errno(xioctl(v, KVM_TPR_ACCESS_REPORTING, (uintptr_t)&t), EINVAL);
	t.flags = 0;
	ck_assert_int_eq(xioctl(v, KVM_TPR_ACCESS_REPORTING, (uintptr_t)&t), 0);
	ck_errno(xioctl(v, KVM_INTERRUPT, (uintptr_t)&irq), EINVAL);
	irq.irq = 0x30;
	ck_assert_int_eq(xioctl(v, KVM_INTERRUPT, (uintptr_t)&irq), 0);
	ck_errno(xioctl(v, KVM_INTERRUPT, (uintptr_t)&irq), EEXIST);
	ck_assert_int_eq(xioctl(v, KVM_NMI, 0), 0);
	memset(&ev, 0xff, sizeof(ev));
	ck_assert_int_eq(xioctl(v, KVM_GET_VCPU_EVENTS, (uintptr_t)&ev), 0);
	ck_assert_int_eq(ev.nmi.pending, 1);
	ck_assert(ev.flags & KVM_VCPUEVENT_VALID_NMI_PENDING);
	ev.flags = 0x40;
	ck_errno(xioctl(v, KVM_SET_VCPU_EVENTS, (uintptr_t)&ev), EINVAL);
	ev.flags = 0x10;	/* payload without KVM_CAP_EXCEPTION_PAYLOAD */
	ck_errno(xioctl(v, KVM_SET_VCPU_EVENTS, (uintptr_t)&ev), EINVAL);
	/* binary stats: header, id, read-only */
	sfd = (int)xioctl(v, KVM_GET_STATS_FD, 0);
	ck_assert_int_ge(sfd, 0);
	ck_assert_int_gt(pread(sfd, buf, sizeof(buf), 0), 24);
	ck_assert_int_eq(((uint32_t *)buf)[1], 48);	/* name_size */
	ck_assert_ptr_nonnull(strstr(buf + ((uint32_t *)buf)[3], "/vcpu-0"));
	ck_assert_int_lt(write(sfd, "x", 1), 0);
	ck_assert(fcntl(sfd, F_GETFD) & FD_CLOEXEC);
	close(sfd);
	close(v);
	close(vm);
}
END_TEST

/* kvm_vcpu_ioctl_enable_cap() (x86.c): flags must be 0; SynIC needs an
 * in-kernel LAPIC (irqchip_in_kernel()), SYNIC2 takes no argument; eVMCS
 * writes the supported version through args[0]; DIRECT_TLBFLUSH is ENOTTY
 * without enable_l2_tlb_flush (bare metal); anything else EINVAL. */
START_TEST(vcpu_enable_cap_rules)
{
	int k = st_kvm(), plain = (int)xioctl(k, KVM_CREATE_VM, 0), split, v, w;
	struct kvm_enable_cap c = { .cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID };
	uint16_t ver = 0;

	ck_assert_int_ge(plain, 0);
	v = (int)xioctl(plain, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(v, 0);
	ck_assert_int_eq(xioctl(v, KVM_ENABLE_CAP, (uintptr_t)&c), 0);
	c.flags = 1;
	ck_errno(xioctl(v, KVM_ENABLE_CAP, (uintptr_t)&c), EINVAL);
	c.flags = 0;
	ck_errno(xioctl(v, KVM_ENABLE_CAP, 0), EFAULT);
	c.cap = KVM_CAP_HYPERV_SYNIC;		/* no in-kernel LAPIC */
	ck_errno(xioctl(v, KVM_ENABLE_CAP, (uintptr_t)&c), EINVAL);
	c.cap = KVM_CAP_HYPERV_DIRECT_TLBFLUSH;
	ck_errno(xioctl(v, KVM_ENABLE_CAP, (uintptr_t)&c), ENOTTY);
	c.cap = KVM_CAP_HYPERV_ENLIGHTENED_VMCS;
	c.args[0] = (uintptr_t)&ver;
	ck_assert_int_eq(xioctl(v, KVM_ENABLE_CAP, (uintptr_t)&c), 0);
	ck_assert_uint_eq(ver, 0x101);
	c.cap = KVM_CAP_SPLIT_IRQCHIP;		/* a VM capability */
	ck_errno(xioctl(v, KVM_ENABLE_CAP, (uintptr_t)&c), EINVAL);

	split = (int)xioctl(k, KVM_CREATE_VM, 0);
	ck_assert_int_ge(split, 0);
	st_split_irqchip(split);
	w = (int)xioctl(split, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(w, 0);
	memset(&c, 0, sizeof(c));
	c.cap = KVM_CAP_HYPERV_SYNIC2;
	c.args[0] = 1;
	ck_errno(xioctl(w, KVM_ENABLE_CAP, (uintptr_t)&c), EINVAL);
	c.args[0] = 0;
	ck_assert_int_eq(xioctl(w, KVM_ENABLE_CAP, (uintptr_t)&c), 0);
	close(w);
	close(split);
	close(v);
	close(plain);
	close(k);
}
END_TEST

/* kvm_arch_vm_ioctl() (x86.c): GET/SET_IRQCHIP copy the argument before
 * the irqchip_full() check, the PIT calls (but GET_PIT2) copy it before the
 * kvm->arch.vpit check; a TD has neither: EFAULT for a bad pointer, else
 * ENXIO. */
START_TEST(irqchip_and_pit_state_on_td)
{
	int vm = st_td();
	struct kvm_irqchip chip = { .chip_id = 2 };
	struct kvm_pit_state2 ps2 = { 0 };
	struct kvm_reinject_control rc = { 0 };

	ck_errno(xioctl(vm, KVM_GET_IRQCHIP, 0), EFAULT);
	ck_errno(xioctl(vm, KVM_GET_IRQCHIP, (uintptr_t)&chip), ENXIO);
	ck_errno(xioctl(vm, KVM_SET_IRQCHIP, 0), EFAULT);
	ck_errno(xioctl(vm, KVM_SET_IRQCHIP, (uintptr_t)&chip), ENXIO);
	ck_errno(xioctl(vm, KVM_GET_PIT2, 0), ENXIO);
	ck_errno(xioctl(vm, KVM_SET_PIT2, 0), EFAULT);
	ck_errno(xioctl(vm, KVM_SET_PIT2, (uintptr_t)&ps2), ENXIO);
	ck_errno(xioctl(vm, KVM_GET_PIT, 0), EFAULT);
	ck_errno(xioctl(vm, KVM_GET_PIT, (uintptr_t)&ps2), ENXIO);
	ck_errno(xioctl(vm, KVM_REINJECT_CONTROL, 0), EFAULT);
	ck_errno(xioctl(vm, KVM_REINJECT_CONTROL, (uintptr_t)&rc), ENXIO);
	close(vm);
}
END_TEST

/* tdx_vcpu_create(): guest_state_protected / guest_apic_protected */
START_TEST(td_vcpu_refusals)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0);
	static char buf[16384];
	static const unsigned long req[] = {
		KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
		KVM_GET_FPU, KVM_SET_FPU, KVM_GET_XSAVE, KVM_SET_XSAVE,
		KVM_GET_XCRS, KVM_SET_XCRS, KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS,
		KVM_GET_LAPIC, KVM_SET_LAPIC, KVM_SET_GUEST_DEBUG,
	};
	unsigned long tr = tdxsim_ctl_trace_count();
	char line[512];

	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		ck_errno(xioctl(v, req[i], (uintptr_t)buf), EINVAL);
	/* the kernel's refusals, not gaps of the model */
	for (unsigned long i = tr; i < tdxsim_ctl_trace_count(); i++) {
		ck_assert_int_ge(tdxsim_ctl_trace_get(i, line, sizeof(line)), 0);
		ck_assert_msg(!strstr(line, "unmodelled"), "%s", line);
	}
	close(v);
	close(vm);
}
END_TEST

/* KVM_SET_GSI_ROUTING, KVM_IRQFD, KVM_IRQ_LINE_STATUS, KVM_SIGNAL_MSI */
START_TEST(routing_irqfd)
{
	int td = st_td(), efd = eventfd(0, EFD_CLOEXEC), efd2 = eventfd(0, EFD_CLOEXEC);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct {
		struct kvm_irq_routing h;
		struct kvm_irq_routing_entry e[2];
	} r;
	struct kvm_irqfd f = { .fd = (uint32_t)efd, .gsi = 5 };
	struct kvm_irq_level l = { .irq = 5, .level = 1 };
	struct kvm_msi msi = { .address_lo = 0xfee00000 };

	memset(&r, 0, sizeof(r));
	r.h.nr = 1;
	r.e[0].gsi = 5;
	r.e[0].type = KVM_IRQ_ROUTING_MSI;
	r.e[0].u.msi.address_lo = 0xfee00000;
	/* no irqchip: routing EINVAL, irqfd EINVAL (x86 has no
	 * kvm_arch_intc_initialized(): the EAGAIN path is not taken), line
	 * ENXIO, MSI EINVAL */
	ck_errno(xioctl(td, KVM_SET_GSI_ROUTING, (uintptr_t)&r), EINVAL);
	ck_errno(xioctl(td, KVM_IRQFD, (uintptr_t)&f), EINVAL);
	ck_errno(xioctl(td, KVM_IRQ_LINE_STATUS, (uintptr_t)&l), ENXIO);
	ck_errno(xioctl(td, KVM_SIGNAL_MSI, (uintptr_t)&msi), EINVAL);
	st_split_irqchip(td);
	/* IOAPIC routes need the in-kernel IOAPIC */
	r.e[1].gsi = 6;
	r.e[1].type = KVM_IRQ_ROUTING_IRQCHIP;
	r.e[1].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	r.h.nr = 2;
	ck_errno(xioctl(td, KVM_SET_GSI_ROUTING, (uintptr_t)&r), EINVAL);
	r.h.nr = 1;
	r.h.flags = 1;
	ck_errno(xioctl(td, KVM_SET_GSI_ROUTING, (uintptr_t)&r), EINVAL);
	r.h.flags = 0;
	ck_assert_int_eq(xioctl(td, KVM_SET_GSI_ROUTING, (uintptr_t)&r), 0);
	/* irqfd: an eventfd only, once; resample needs a full irqchip */
	f.fd = (uint32_t)tfd;
	ck_errno(xioctl(td, KVM_IRQFD, (uintptr_t)&f), EINVAL);
	f.fd = 9999;
	ck_errno(xioctl(td, KVM_IRQFD, (uintptr_t)&f), EBADF);
	f.fd = (uint32_t)efd;
	ck_assert_int_eq(xioctl(td, KVM_IRQFD, (uintptr_t)&f), 0);
	ck_errno(xioctl(td, KVM_IRQFD, (uintptr_t)&f), EBUSY);
	f.fd = (uint32_t)efd2;
	f.flags = KVM_IRQFD_FLAG_RESAMPLE;
	f.resamplefd = (uint32_t)efd;
	ck_errno(xioctl(td, KVM_IRQFD, (uintptr_t)&f), EINVAL);
	f.flags = 8;
	ck_errno(xioctl(td, KVM_IRQFD, (uintptr_t)&f), EINVAL);
	f.flags = KVM_IRQFD_FLAG_DEASSIGN;
	f.fd = (uint32_t)efd;
	ck_assert_int_eq(xioctl(td, KVM_IRQFD, (uintptr_t)&f), 0);
	f.flags = 0;
	ck_assert_int_eq(xioctl(td, KVM_IRQFD, (uintptr_t)&f), 0);	/* free again */
	/* another eventfd is another irqfd (all eventfds share one inode) */
	f.fd = (uint32_t)efd2;
	f.gsi = 6;
	ck_assert_int_eq(xioctl(td, KVM_IRQFD, (uintptr_t)&f), 0);
	/* an unrouted GSI reports -1; no vCPU: the MSI reached nobody */
	l.irq = 7;
	ck_assert_int_eq(xioctl(td, KVM_IRQ_LINE_STATUS, (uintptr_t)&l), 0);
	ck_assert_int_eq(l.status, -1);
	ck_assert_int_eq(xioctl(td, KVM_SIGNAL_MSI, (uintptr_t)&msi), 0);
	close(td);
	close(efd);
	close(efd2);
	close(tfd);
}
END_TEST

/* kvm_assign_ioeventfd() / kvm_deassign_ioeventfd(), coalesced zones */
START_TEST(ioeventfd_rules)
{
	int vm = st_td(), efd = eventfd(0, EFD_CLOEXEC), efd2 = eventfd(0, EFD_CLOEXEC);
	struct kvm_ioeventfd io = { .addr = 0xfe000000, .len = 3, .fd = efd };
	struct kvm_coalesced_mmio_zone z = { .addr = 0x70, .size = 2, .pio = 2 };

	ck_errno(xioctl(vm, KVM_IOEVENTFD, (uintptr_t)&io), EINVAL);
	io.len = 0;
	io.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
	ck_errno(xioctl(vm, KVM_IOEVENTFD, (uintptr_t)&io), EINVAL);
	io.flags = 0x20;	/* beyond KVM_IOEVENTFD_FLAG_FAST_MMIO */
	ck_errno(xioctl(vm, KVM_IOEVENTFD, (uintptr_t)&io), EINVAL);
	io.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
	io.len = 4;
	io.datamatch = 1;
	ck_assert_int_eq(xioctl(vm, KVM_IOEVENTFD, (uintptr_t)&io), 0);
	ck_errno(xioctl(vm, KVM_IOEVENTFD, (uintptr_t)&io), EEXIST);
	io.datamatch = 2;
	io.fd = efd2;
	ck_assert_int_eq(xioctl(vm, KVM_IOEVENTFD, (uintptr_t)&io), 0);
	io.flags = 0;	/* a wildcard collides with both */
	ck_errno(xioctl(vm, KVM_IOEVENTFD, (uintptr_t)&io), EEXIST);
	io.flags = KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_DEASSIGN;
	io.datamatch = 3;
	ck_errno(xioctl(vm, KVM_IOEVENTFD, (uintptr_t)&io), ENOENT);
	io.datamatch = 2;
	ck_assert_int_eq(xioctl(vm, KVM_IOEVENTFD, (uintptr_t)&io), 0);
	ck_errno(xioctl(vm, KVM_REGISTER_COALESCED_MMIO, (uintptr_t)&z), EINVAL);
	z.pio = 1;
	ck_assert_int_eq(xioctl(vm, KVM_REGISTER_COALESCED_MMIO, (uintptr_t)&z), 0);
	ck_assert_int_eq(xioctl(vm, KVM_UNREGISTER_COALESCED_MMIO, (uintptr_t)&z), 0);
	close(vm);
	close(efd);
	close(efd2);
}
END_TEST

/* An ioeventfd takes the guest's matching writes: no KVM_EXIT_MMIO/IO */
START_TEST(ioeventfd_swallows_exits)
{
	char err[256] = "";
	int vm, g, v, efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), efd2 = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	void *mem;
	struct kvm_run *run;
	struct kvm_ioeventfd io = { .addr = 0xfe000000, .len = 4, .fd = efd,
				    .flags = KVM_IOEVENTFD_FLAG_DATAMATCH, .datamatch = 7 };
	struct kvm_ioeventfd pio = { .addr = 0x510, .len = 2, .fd = efd2,
				     .flags = KVM_IOEVENTFD_FLAG_PIO };
	static char src[4096] __attribute__((aligned(4096)));
	uint64_t cnt = 0;

	st_require_sim();
	ck_assert_int_eq(tdxsim_ctl_set_guest_text("[vcpu 0]\nmmio-write 0xfe000000 4 7\n"
		"mmio-write 0xfe000000 4 8\nout 0x510 2 0x1234\nout 0x511 1 1\n", err, sizeof(err)), 0);
	vm = st_td_inited();
	mem = st_private_ram(vm, 0, RAM, &g);
	v = st_vcpu(vm, 0);
	run = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, v, 0);
	ck_assert_ptr_ne(run, MAP_FAILED);
	ck_assert_int_eq(st_add_pages(v, src, 0x200000, 1, true, NULL), 0);
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	ck_assert_int_eq(xioctl(vm, KVM_IOEVENTFD, (uintptr_t)&io), 0);
	ck_assert_int_eq(xioctl(vm, KVM_IOEVENTFD, (uintptr_t)&pio), 0);
	/* the datamatch write is taken; the next one exits */
	ck_assert_int_eq(xioctl(v, KVM_RUN, 0), 0);
	ck_assert_int_eq(run->exit_reason, KVM_EXIT_MMIO);
	ck_assert_uint_eq(*(uint32_t *)run->mmio.data, 8);
	ck_assert_int_eq(read(efd, &cnt, 8), 8);
	ck_assert_uint_eq(cnt, 1);
	/* the PIO write to 0x510 is taken, 0x511 exits */
	ck_assert_int_eq(xioctl(v, KVM_RUN, 0), 0);
	ck_assert_int_eq(run->exit_reason, KVM_EXIT_IO);
	ck_assert_int_eq(run->io.port, 0x511);
	ck_assert_int_eq(read(efd2, &cnt, 8), 8);
	munmap(run, 12288);
	close(v);
	close(g);
	munmap(mem, RAM);
	close(vm);
	close(efd);
	close(efd2);
	tdxsim_ctl_set_guest(NULL);
}
END_TEST

/* KVM_X86_SET_MSR_FILTER, KVM_SET_PMU_EVENT_FILTER, clock, TSS, identity
 * map, boot CPU id, VM stats */
START_TEST(vm_misc)
{
	int vm = plain_vm(), v, sfd;
	uint8_t bm[8] = { 0xff };
	struct kvm_msr_filter mf;
	struct {
		struct kvm_pmu_event_filter h;
		uint64_t ev[2];
	} pf = { .h = { .action = 2, .nevents = 1 } };
	struct kvm_clock_data cd;
	uint64_t ident = 0xfeffc000;

	memset(&mf, 0, sizeof(mf));
	mf.flags = 1;	/* default deny with no range: EINVAL */
	ck_errno(xioctl(vm, KVM_X86_SET_MSR_FILTER, (uintptr_t)&mf), EINVAL);
	mf.flags = 0;
	mf.ranges[0].nmsrs = 8;
	mf.ranges[0].base = 0x10;
	mf.ranges[0].bitmap = bm;
	ck_errno(xioctl(vm, KVM_X86_SET_MSR_FILTER, (uintptr_t)&mf), EINVAL); /* no flags */
	mf.ranges[0].flags = KVM_MSR_FILTER_READ;
	ck_assert_int_eq(xioctl(vm, KVM_X86_SET_MSR_FILTER, (uintptr_t)&mf), 0);
	mf.ranges[0].nmsrs = 0x600 * 8 + 64;
	ck_errno(xioctl(vm, KVM_X86_SET_MSR_FILTER, (uintptr_t)&mf), EINVAL);
	ck_errno(xioctl(vm, KVM_SET_PMU_EVENT_FILTER, (uintptr_t)&pf), EINVAL);
	pf.h.action = KVM_PMU_EVENT_DENY;
	pf.h.nevents = 301;
	ck_errno(xioctl(vm, KVM_SET_PMU_EVENT_FILTER, (uintptr_t)&pf), E2BIG);
	pf.h.nevents = 1;
	ck_assert_int_eq(xioctl(vm, KVM_SET_PMU_EVENT_FILTER, (uintptr_t)&pf), 0);
	memset(&cd, 0, sizeof(cd));
	ck_assert_int_eq(xioctl(vm, KVM_GET_CLOCK, (uintptr_t)&cd), 0);
	ck_assert(cd.flags & KVM_CLOCK_TSC_STABLE);
	cd.flags = 0x100;
	ck_errno(xioctl(vm, KVM_SET_CLOCK, (uintptr_t)&cd), EINVAL);
	ck_errno(xioctl(vm, KVM_SET_TSS_ADDR, 0xffffe000UL), EINVAL);
	ck_assert_int_eq(xioctl(vm, KVM_SET_TSS_ADDR, 0xfeffd000UL), 0);
	ck_errno(xioctl(vm, KVM_SET_BOOT_CPU_ID, 4097), EINVAL);
	ck_assert_int_eq(xioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, (uintptr_t)&ident), 0);
	v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(v, 0);
	ck_errno(xioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, (uintptr_t)&ident), EINVAL);
	ck_errno(xioctl(vm, KVM_SET_BOOT_CPU_ID, 0), EBUSY);
	sfd = (int)xioctl(vm, KVM_GET_STATS_FD, 0);
	ck_assert_int_ge(sfd, 0);
	close(sfd);
	close(v);
	close(vm);
}
END_TEST

/* kvm_arch_vcpu_create(): with an irqchip the reset BSP (KVM_SET_BOOT_CPU_ID,
 * 0 by default) starts RUNNABLE, the others UNINITIALIZED until INIT_VCPU */
START_TEST(bsp_mp_state)
{
	int vm = st_td(), v0, v1;
	struct kvm_mp_state m;

	st_split_irqchip(vm);
	ck_assert_int_eq(xioctl(vm, KVM_SET_BOOT_CPU_ID, 1), 0);
	ck_assert_int_eq(st_init_vm(vm, 48, NULL), 0);
	v0 = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	v1 = (int)xioctl(vm, KVM_CREATE_VCPU, 1);
	ck_assert_int_ge(v0, 0);
	ck_assert_int_ge(v1, 0);
	ck_assert_int_eq(xioctl(v0, KVM_GET_MP_STATE, (uintptr_t)&m), 0);
	ck_assert_int_eq(m.mp_state, KVM_MP_STATE_UNINITIALIZED);
	ck_assert_int_eq(xioctl(v1, KVM_GET_MP_STATE, (uintptr_t)&m), 0);
	ck_assert_int_eq(m.mp_state, KVM_MP_STATE_RUNNABLE);
	close(v0);
	close(v1);
	close(vm);
}
END_TEST

static unsigned count_fds(void)
{
	unsigned n = 0;

	for (int fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* One QEMU-like TD life: caps, irqchip, routing, eventfds, INIT_VM,
 * guest_memfd + memslot, vCPUs with MSRs, filters; then everything closed. */
static void td_life(int efd)
{
	int vm = st_td(), g, v0, v1;
	void *mem;
	struct {
		struct kvm_irq_routing h;
		struct kvm_irq_routing_entry e[1];
	} r = { .h = { .nr = 1 } };
	struct kvm_irqfd f = { .fd = (uint32_t)efd, .gsi = 3 };
	struct kvm_ioeventfd io = { .addr = 0xfe000000, .len = 4, .fd = efd };
	struct kvm_coalesced_mmio_zone z = { .addr = 0xfed00000, .size = 4096 };
	uint8_t bm[8] = { 0xff };
	struct kvm_msr_filter mf = { .ranges = { { .flags = 1, .nmsrs = 8, .bitmap = bm } } };
	struct kvm_msr_entry e = { .index = 0x1a0, .data = 1 };
	uint64_t mcg = 0x0900050aULL;

	r.e[0].gsi = 3;
	r.e[0].type = KVM_IRQ_ROUTING_MSI;
	ck_assert_int_eq(enable(vm, KVM_CAP_PMU_CAPABILITY, KVM_PMU_CAP_DISABLE), 0);
	st_split_irqchip(vm);
	ck_assert_int_eq(xioctl(vm, KVM_SET_GSI_ROUTING, (uintptr_t)&r), 0);
	ck_assert_int_eq(xioctl(vm, KVM_IRQFD, (uintptr_t)&f), 0);
	ck_assert_int_eq(xioctl(vm, KVM_IOEVENTFD, (uintptr_t)&io), 0);
	ck_assert_int_eq(xioctl(vm, KVM_REGISTER_COALESCED_MMIO, (uintptr_t)&z), 0);
	ck_assert_int_eq(xioctl(vm, KVM_X86_SET_MSR_FILTER, (uintptr_t)&mf), 0);
	ck_assert_int_eq(st_init_vm(vm, 48, NULL), 0);
	mem = st_private_ram(vm, 0, RAM, &g);
	v0 = st_vcpu(vm, 0);
	v1 = st_vcpu(vm, 1);
	ck_assert_int_eq(xioctl(v0, KVM_X86_SETUP_MCE, (uintptr_t)&mcg), 0);
	ck_assert_int_eq(vcpu_msrs(v0, KVM_SET_MSRS, &e, 1), 1);
	/* QEMU's order on reset: the VM fd first, vCPUs and memory after */
	close(vm);
	close(v0);
	close(g);
	close(v1);
	munmap(mem, RAM);
}

/* A VMM that rebuilds its VM (QEMU 11 on reset): many TD lives in one
 * process leave fds and memory where they were. */
START_TEST(repeated_create_destroy)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	unsigned fd0, fd1;
	size_t m0, m1;

	st_require_sim();
	/* warm-up: one-time allocations (fd table, caps, tcache); the reset
	 * empties the in-memory trace */
	for (int i = 0; i < 50; i++)
		td_life(efd);
	tdxsim_ctl_reset();
	fd0 = count_fds();
	m0 = mallinfo2().uordblks;
	for (int i = 0; i < 300; i++)
		td_life(efd);
	tdxsim_ctl_reset();
	fd1 = count_fds();
	m1 = mallinfo2().uordblks;
	ck_assert_uint_eq(fd1, fd0);
	/* a leak of 14 bytes or more per TD shows */
	ck_assert_msg(m1 <= m0 + 4096, "heap grew by %zu bytes over 300 TDs", m1 - m0);
	close(efd);
}
END_TEST

/* ---- argument copy vs. check order (TCase "order") ------------------------ */

/* kvm_vcpu_ioctl() / kvm_arch_vcpu_ioctl(): the SET calls copy their
 * argument before the protected-state refusal (EFAULT for NULL), the GET
 * calls and SET_SREGS2 refuse first (EINVAL whatever the pointer). */
START_TEST(td_vcpu_refusal_copy_order)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0);
	static char buf[16384];
	static const unsigned long set[] = {
		KVM_SET_REGS, KVM_SET_SREGS, KVM_SET_FPU, KVM_SET_GUEST_DEBUG,
		KVM_SET_XSAVE, KVM_SET_XCRS, KVM_SET_DEBUGREGS, KVM_SET_LAPIC,
	};
	static const unsigned long first[] = {
		KVM_GET_REGS, KVM_GET_SREGS, KVM_GET_FPU, KVM_GET_XSAVE,
		KVM_GET_XCRS, KVM_GET_DEBUGREGS, KVM_GET_LAPIC,
		KVM_GET_SREGS2, KVM_SET_SREGS2,
	};

	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		ck_errno(xioctl(v, set[i], 0), EFAULT);
		ck_errno(xioctl(v, set[i], (uintptr_t)buf), EINVAL);
	}
	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		ck_errno(xioctl(v, first[i], 0), EINVAL);
	close(v);
	close(vm);
}
END_TEST

/* kvm_arch_vcpu_ioctl(): KVM_SET_TSC_KHZ on a vCPU checks max_guest_tsc_khz
 * and sets the vCPU's virtual_tsc_khz, which its KVM_GET_TSC_KHZ reports
 * (the VM's own rate stays); a TD vCPU refuses (guest_tsc_protected). */
START_TEST(vcpu_tsc_khz)
{
	int vm = plain_vm(), v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	int td = st_td_inited(), tv = st_vcpu(td, 0);
	long host;

	ck_assert_int_ge(v, 0);
	host = xioctl(v, KVM_GET_TSC_KHZ, 0);
	ck_assert_int_gt(host, 0);
	ck_assert_int_eq(xioctl(v, KVM_SET_TSC_KHZ, 1000000), 0);
	ck_assert_int_eq(xioctl(v, KVM_GET_TSC_KHZ, 0), 1000000);
	ck_assert_int_eq(xioctl(vm, KVM_GET_TSC_KHZ, 0), host);
	ck_errno(xioctl(v, KVM_SET_TSC_KHZ, 0xffffffffUL), EINVAL);
	ck_assert_int_eq(xioctl(v, KVM_GET_TSC_KHZ, 0), 1000000);
	ck_assert_int_eq(xioctl(v, KVM_SET_TSC_KHZ, 0), 0);
	ck_assert_int_eq(xioctl(v, KVM_GET_TSC_KHZ, 0), host);
	ck_errno(xioctl(tv, KVM_SET_TSC_KHZ, 1000000), EINVAL);
	close(tv);
	close(td);
	close(v);
	close(vm);
}
END_TEST

/* kvm_get_set_one_reg(), kvm_get_reg_list() (x86.c): the struct is copied
 * first (EFAULT), then the id checks (EINVAL), then the MSR access as
 * KVM_GET/SET_MSRS does it (EINVAL when refused) and the value through
 * addr (EFAULT); the list holds GUEST_SSP only with SHSTK. */
START_TEST(one_reg_order)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0);
	struct { struct kvm_msrs h; struct kvm_msr_entry e; } m = {
		.h = { .nmsrs = 1 }, .e = { .index = 0x1b } };
	uint64_t msr = KVM_REG_X86 | (2ULL << 32) | KVM_REG_SIZE_U64;
	uint64_t val = 0, list[2] = { 0, 0xdead };
	struct kvm_one_reg r = { .id = msr | 0x1b, .addr = (uintptr_t)&val };

	ck_errno(xioctl(v, KVM_GET_ONE_REG, 0), EFAULT);
	ck_errno(xioctl(v, KVM_SET_ONE_REG, 0), EFAULT);
	ck_assert_int_eq(xioctl(v, KVM_GET_ONE_REG, (uintptr_t)&r), 0);
	ck_assert_int_eq(xioctl(v, KVM_GET_MSRS, (uintptr_t)&m), 1);
	ck_assert_uint_eq(val, m.e.data);
	ck_assert_uint_ne(val, 0);
	r.addr = 0;
	ck_errno(xioctl(v, KVM_GET_ONE_REG, (uintptr_t)&r), EFAULT);
	ck_errno(xioctl(v, KVM_SET_ONE_REG, (uintptr_t)&r), EFAULT);
	r.addr = (uintptr_t)&val;
	r.id = msr | 0x10;		/* TSC: not emulated for a TD */
	ck_errno(xioctl(v, KVM_GET_ONE_REG, (uintptr_t)&r), EINVAL);
	r.id = (msr & ~KVM_REG_SIZE_MASK) | KVM_REG_SIZE_U32 | 0x1b;
	ck_errno(xioctl(v, KVM_GET_ONE_REG, (uintptr_t)&r), EINVAL);
	r.id = (msr & ~KVM_REG_ARCH_MASK) | KVM_REG_ARM64 | 0x1b;
	ck_errno(xioctl(v, KVM_GET_ONE_REG, (uintptr_t)&r), EINVAL);
	r.id = msr | (1ULL << 40) | 0x1b;	/* rsvd1 */
	ck_errno(xioctl(v, KVM_GET_ONE_REG, (uintptr_t)&r), EINVAL);
	/* GUEST_SSP without SHSTK in the vCPU's CPUID */
	r.id = KVM_REG_X86 | (3ULL << 32) | KVM_REG_SIZE_U64;
	ck_errno(xioctl(v, KVM_GET_ONE_REG, (uintptr_t)&r), EINVAL);
	r.id = msr | 0x4d0;		/* MCG_EXT_CTL: tdx_set_msr() takes bit 0 only */
	val = 2;
	ck_errno(xioctl(v, KVM_SET_ONE_REG, (uintptr_t)&r), EINVAL);

	ck_errno(xioctl(v, KVM_GET_REG_LIST, 0), EFAULT);
	ck_assert_int_eq(xioctl(v, KVM_GET_REG_LIST, (uintptr_t)list), 0);
	ck_assert_uint_eq(list[0], 0);
	ck_assert_uint_eq(list[1], 0xdead);
	close(v);
	close(vm);
}
END_TEST

/* kvm_vcpu_ioctl_set_cpuid() (cpuid.c): the old-format call copies the
 * header (EFAULT), bounds nent (E2BIG), copies the entries (EFAULT) and
 * sets the table through kvm_set_cpuid() as KVM_SET_CPUID2 does, index and
 * flags 0; KVM_GET_CPUID2 reads it back. */
START_TEST(set_cpuid_v1)
{
	int vm = plain_vm(), v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	struct { struct kvm_cpuid h; struct kvm_cpuid_entry e[2]; } c1 = {
		.h = { .nent = 2 },
		.e = { { .function = 0, .eax = 1, .ebx = 0x756e6547 },
		       { .function = 1, .eax = 0x806f8, .ecx = 1U << 21 } } };
	struct { struct kvm_cpuid2 h; struct kvm_cpuid_entry2 e[4]; } c2 = { .h = { .nent = 4 } };
	struct kvm_cpuid big = { .nent = 257 }, *hp;
	char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_int_ge(v, 0);
	ck_errno(xioctl(v, KVM_SET_CPUID, 0), EFAULT);
	ck_errno(xioctl(v, KVM_SET_CPUID, (uintptr_t)&big), E2BIG);
	/* a header at the end of a page whose entries are not mapped */
	ck_assert_ptr_ne(pg, MAP_FAILED);
	ck_assert_int_eq(munmap(pg + 4096, 4096), 0);
	hp = (struct kvm_cpuid *)(pg + 4096 - sizeof(*hp));
	hp->nent = 2;
	ck_errno(xioctl(v, KVM_SET_CPUID, (uintptr_t)hp), EFAULT);
	munmap(pg, 4096);
	ck_assert_int_eq(xioctl(v, KVM_SET_CPUID, (uintptr_t)&c1), 0);
	ck_assert_int_eq(xioctl(v, KVM_GET_CPUID2, (uintptr_t)&c2), 0);
	ck_assert_uint_eq(c2.h.nent, 2);
	ck_assert_uint_eq(c2.e[0].ebx, 0x756e6547);
	ck_assert_uint_eq(c2.e[1].function, 1);
	ck_assert_uint_eq(c2.e[1].eax, 0x806f8);
	ck_assert_uint_eq(c2.e[1].index, 0);
	ck_assert_uint_eq(c2.e[1].flags, 0);
	close(v);
	close(vm);
}
END_TEST

/* kvm_vcpu_ioctl_x86_set_mce() (x86.c): the bank must be within MCG_CAP
 * and the status must have MCI_STATUS_VAL. */
START_TEST(set_mce_needs_val)
{
	int vm = plain_vm(), v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	uint64_t cap = 10;
	struct kvm_x86_mce m = { .bank = 0, .status = 0 };

	ck_assert_int_ge(v, 0);
	ck_assert_int_eq(xioctl(v, KVM_X86_SETUP_MCE, (uintptr_t)&cap), 0);
	ck_errno(xioctl(v, KVM_X86_SET_MCE, 0), EFAULT);
	ck_errno(xioctl(v, KVM_X86_SET_MCE, (uintptr_t)&m), EINVAL);
	m.status = 1ULL << 63;	/* MCI_STATUS_VAL, corrected */
	ck_assert_int_eq(xioctl(v, KVM_X86_SET_MCE, (uintptr_t)&m), 0);
	m.bank = 10;
	ck_errno(xioctl(v, KVM_X86_SET_MCE, (uintptr_t)&m), EINVAL);
	close(v);
	close(vm);
}
END_TEST

/* kvm_vcpu_ioctl() / kvm_arch_vcpu_ioctl() on a plain VM's vCPU: a SET
 * call with a bad pointer is EFAULT (the copy comes first), SET_LAPIC
 * without an in-kernel LAPIC is EINVAL before any copy. */
START_TEST(plain_vcpu_set_copy_first)
{
	int vm = plain_vm(), v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	static const unsigned long set[] = {
		KVM_SET_REGS, KVM_SET_SREGS, KVM_SET_FPU, KVM_SET_GUEST_DEBUG,
		KVM_SET_XSAVE, KVM_SET_XCRS, KVM_SET_DEBUGREGS,
	};

	ck_assert_int_ge(v, 0);
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		ck_errno(xioctl(v, set[i], 0), EFAULT);
	ck_errno(xioctl(v, KVM_SET_LAPIC, 0), EINVAL);
	close(v);
	close(vm);
}
END_TEST

/* kvm_get_dirty_log_protect() (kvm_main.c): copy (EFAULT), slot id
 * (EINVAL), slot without a dirty bitmap (ENOENT), bitmap out (EFAULT);
 * a plain VM's guest writes nothing, so the bitmap comes back clear. */
START_TEST(get_dirty_log_order)
{
	int vm = plain_vm();
	void *mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_userspace_memory_region r = {
		.slot = 1, .flags = KVM_MEM_LOG_DIRTY_PAGES, .guest_phys_addr = 1 << 20,
		.memory_size = 1 << 20, .userspace_addr = (uintptr_t)mem };
	uint64_t bits[5];
	struct kvm_dirty_log log = { .slot = 1, .dirty_bitmap = bits };
	struct kvm_clear_dirty_log cl = { .slot = 1, .dirty_bitmap = bits };

	ck_assert_ptr_ne(mem, MAP_FAILED);
	ck_assert_int_eq(st_slot(vm, 0, 0, 1 << 20, mem, -1, 0), 0);
	ck_assert_int_eq(xioctl(vm, KVM_SET_USER_MEMORY_REGION, (uintptr_t)&r), 0);
	ck_errno(xioctl(vm, KVM_GET_DIRTY_LOG, 0), EFAULT);
	memset(bits, 0xff, sizeof(bits));
	ck_assert_int_eq(xioctl(vm, KVM_GET_DIRTY_LOG, (uintptr_t)&log), 0);
	for (int i = 0; i < 4; i++)	/* 256 pages: 4 longs */
		ck_assert_uint_eq(bits[i], 0);
	ck_assert_uint_eq(bits[4], ~0ULL);
	log.dirty_bitmap = NULL;
	ck_errno(xioctl(vm, KVM_GET_DIRTY_LOG, (uintptr_t)&log), EFAULT);
	log.dirty_bitmap = bits;
	log.slot = 0;			/* no LOG_DIRTY_PAGES */
	ck_errno(xioctl(vm, KVM_GET_DIRTY_LOG, (uintptr_t)&log), ENOENT);
	log.slot = 7;			/* no such slot */
	ck_errno(xioctl(vm, KVM_GET_DIRTY_LOG, (uintptr_t)&log), ENOENT);
	log.slot = 32764;		/* KVM_USER_MEM_SLOTS */
	ck_errno(xioctl(vm, KVM_GET_DIRTY_LOG, (uintptr_t)&log), EINVAL);
	log.slot = 2U << 16;		/* address space 2 */
	ck_errno(xioctl(vm, KVM_GET_DIRTY_LOG, (uintptr_t)&log), EINVAL);

	/* kvm_clear_dirty_log_protect(): ... first_page % 64 before the
	 * slot lookup, the range in the slot, then the bitmap read */
	ck_errno(xioctl(vm, KVM_CLEAR_DIRTY_LOG, 0), EFAULT);
	cl.first_page = 1;
	cl.slot = 7;
	ck_errno(xioctl(vm, KVM_CLEAR_DIRTY_LOG, (uintptr_t)&cl), EINVAL);
	cl.first_page = 0;
	ck_errno(xioctl(vm, KVM_CLEAR_DIRTY_LOG, (uintptr_t)&cl), ENOENT);
	cl.slot = 1;
	cl.num_pages = 257;
	ck_errno(xioctl(vm, KVM_CLEAR_DIRTY_LOG, (uintptr_t)&cl), EINVAL);
	cl.num_pages = 65;		/* partial, not a multiple of 64 */
	ck_errno(xioctl(vm, KVM_CLEAR_DIRTY_LOG, (uintptr_t)&cl), EINVAL);
	cl.num_pages = 64;
	ck_assert_int_eq(xioctl(vm, KVM_CLEAR_DIRTY_LOG, (uintptr_t)&cl), 0);
	cl.first_page = 192;
	cl.num_pages = 64;		/* the last 64 pages */
	ck_assert_int_eq(xioctl(vm, KVM_CLEAR_DIRTY_LOG, (uintptr_t)&cl), 0);
	cl.dirty_bitmap = NULL;
	ck_errno(xioctl(vm, KVM_CLEAR_DIRTY_LOG, (uintptr_t)&cl), EFAULT);
	close(vm);
	munmap(mem, 1 << 20);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sim-kvm");
	TCase *t = tcase_create("kvm");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, check_extension_dev);
	tcase_add_test(t, check_extension_vm);
	tcase_add_test(t, enable_cap_rules);
	tcase_add_test(t, vcpu_enable_cap_rules);
	tcase_add_test(t, irqchip_and_pit_state_on_td);
	tcase_add_test(t, dev_msrs);
	tcase_add_test(t, dev_emulated_cpuid_attr);
	tcase_add_test(t, td_vcpu_msrs);
	tcase_add_test(t, vcpu_misc);
	tcase_add_test(t, td_vcpu_refusals);
	tcase_add_test(t, routing_irqfd);
	tcase_add_test(t, ioeventfd_rules);
	tcase_add_test(t, ioeventfd_swallows_exits);
	tcase_add_test(t, vm_misc);
	tcase_add_test(t, bsp_mp_state);
	tcase_add_test(t, repeated_create_destroy);
	suite_add_tcase(s, t);
	t = tcase_create("order");
	tcase_set_timeout(t, 60);
	tcase_add_test(t, td_vcpu_refusal_copy_order);
	tcase_add_test(t, vcpu_tsc_khz);
	tcase_add_test(t, one_reg_order);
	tcase_add_test(t, set_cpuid_v1);
	tcase_add_test(t, set_mce_needs_val);
	tcase_add_test(t, plain_vcpu_set_copy_first);
	tcase_add_test(t, get_dirty_log_order);
	suite_add_tcase(s, t);
	return s;
}

int main(int argc, char **argv)
{
	const char *pre = getenv("LD_PRELOAD");
	SRunner *r;
	int failed;

	/* glibc's tcache and fastbins hold freed chunks that mallinfo2()
	 * counts as in use: without them the heap figure is exact.  Under
	 * valgrind (its preload) mallinfo2() is empty, valgrind checks the
	 * leaks, and /proc/self/exe is valgrind itself: no re-exec. */
	if (argc >= 1 && !getenv("SIMKVM_TUNED") && !(pre && strstr(pre, "vgpreload"))) {
		setenv("SIMKVM_TUNED", "1", 1);
		setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0", 1);
		execv("/proc/self/exe", argv);
	}
	r = srunner_create(suite());

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
