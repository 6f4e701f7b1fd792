/* SPDX-License-Identifier: MIT */
/*
 * KVM_CHECK_EXTENSION and KVM_ENABLE_CAP as Linux 7.2 answers them on the
 * host described in kvm-x86.h:
 *   kvm_vm_ioctl_check_extension_generic() (virt/kvm/kvm_main.c),
 *   kvm_vm_ioctl_check_extension()         (arch/x86/kvm/x86.c),
 *   kvm_vm_ioctl_enable_cap_generic()      (virt/kvm/kvm_main.c),
 *   kvm_vm_ioctl_enable_cap()              (arch/x86/kvm/x86.c),
 *   kvm_vcpu_ioctl_enable_cap()            (arch/x86/kvm/x86.c).
 * TD-specific answers come from tdx_vm_init() (has_protected_state,
 * has_protected_eoi, has_private_mem, has_protected_pmu) and
 * tdx_has_emulated_msr() (arch/x86/kvm/vmx/tdx.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvm-x86.h"

#define VM_TYPES ((1UL << KVM_X86_DEFAULT_VM) | (1UL << KVM_X86_TDX_VM))

/* KVM_MAX_IRQ_ROUTES (include/linux/kvm_host.h) */
#define SIM_MAX_IRQ_ROUTES	4096
/* KVM_DIRTY_RING_MAX_ENTRIES * sizeof(struct kvm_dirty_gfn) */
#define SIM_DIRTY_RING_MAX	(65536 * 16)
/* KVM_DIRTY_RING_RSVD_ENTRIES + PML log size (vmx pml=1) */
#define SIM_DIRTY_RING_RSVD	(64 + 512)
/* KVM_X86_VALID_QUIRKS: EMR has self-snoop, so IGNORE_GUEST_PAT stays */
#define SIM_QUIRKS		0xfffULL
/* kvm_get_allowed_disable_exits(): PAUSE, APERFMPERF (the CPU has it),
 * HLT and CSTATE (mitigate_smt_rsb=0), MWAIT (kvm_can_mwait_in_guest()) */
#define SIM_DISABLE_EXITS	0x1fULL
/* vmx_get_nested_state(NULL, ...): header + vmcs12 + shadow vmcs12 */
#define SIM_NESTED_STATE_SIZE	(128 + 2 * 4096)
#define SIM_GUESTDBG_VALID	0x1f0003UL
#define SIM_CLOCK_VALID		(2 | 4 | 8)
#define SIM_X2APIC_VALID	0xfULL
#define SIM_X2APIC_ENABLE_SEOIB	0x4ULL
#define SIM_X2APIC_DISABLE_SEOIB 0x8ULL
#define SIM_XEN_HVM		0x1ffUL	/* sched_info_on(): RUNSTATE bits too */
#define SIM_MSR_EXIT_VALID	0x7ULL
#define SIM_APIC_BUS_NS_DEFAULT	1

static bool is_td(const struct sim_vm *vm)
{
	return vm && vm->type == KVM_X86_TDX_VM;
}

/* kvm_get_filtered_xcr0() (arch/x86/kvm/x86.h): kvm_caps.supported_xcr0
 * minus the dynamic features (AMX tile data) this process has no guest
 * permission for (arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM), arch-prctl.c);
 * XTILE_CFG goes with XTILE_DATA. */
uint64_t sim_guest_xcr0(void)
{
	uint64_t x = xperm_host_xcr0();

	if (x & (1ULL << 18)) {
		x &= xperm_guest();
		if (!(x & (1ULL << 18)))
			x &= ~(1ULL << 17);
	}
	return x;
}

/* xstate_required_size(xcr0, false): the standard-format size, from the
 * preset CPU's 0xD sub-leaves (cpu-model.c) */
long sim_xsave_size(uint64_t xcr0)
{
	return caps_xstate_size(G.caps, xcr0);
}

static bool irqchip_split(const struct sim_vm *vm)
{
	return vm->irqchip == 1;
}

long check_extension(struct sim_vm *vm, long cap)
{
	bool td = is_td(vm);
	int kernel = vm ? vm->kernel : G.kernel;
	/* num_online_cpus() of the simulated host (caps-data.c) */
	const struct sim_caps *hc = vm ? vm->caps : G.caps;
	long ncpu = hc ? (long)hc->present_cpus : sysconf(_SC_NPROCESSORS_ONLN);

	if (ncpu < 1)
		ncpu = 1;
	switch (cap) {
	/* kvm_vm_ioctl_check_extension_generic() */
	case KVM_CAP_SYNC_MMU: case KVM_CAP_USER_MEMORY:
	case KVM_CAP_USER_MEMORY2: case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS: case KVM_CAP_INTERNAL_ERROR_DATA:
	case KVM_CAP_SIGNAL_MSI: case KVM_CAP_IRQFD:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH: case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_ENABLE_CAP_VM: case KVM_CAP_HALT_POLL:
		return 1;
	case KVM_CAP_COALESCED_MMIO:
		return 2; /* KVM_COALESCED_MMIO_PAGE_OFFSET */
	case KVM_CAP_COALESCED_PIO:
		return 1;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return 3; /* KVM_DIRTY_LOG_MANUAL_CAPS (x86) */
	case KVM_CAP_IRQ_ROUTING:
		return SIM_MAX_IRQ_ROUTES;
	case KVM_CAP_MULTI_ADDRESS_SPACE:
		/* kvm_arch_nr_memslot_as_ids(): no SMM address space with
		 * private memory */
		return vm ? (td ? 1 : 2) : 2;
	case KVM_CAP_NR_MEMSLOTS:
		return SIM_USER_MEM_SLOTS;
	case KVM_CAP_DIRTY_LOG_RING:
	case KVM_CAP_DIRTY_LOG_RING_ACQ_REL:
		return SIM_DIRTY_RING_MAX;
	case KVM_CAP_BINARY_STATS_FD: case KVM_CAP_SYSTEM_EVENT_DATA:
	case KVM_CAP_DEVICE_CTRL:
		return 1;
	case KVM_CAP_MEMORY_ATTRIBUTES:
		/* kvm_supported_mem_attributes() */
		return (!vm || td) ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
	case KVM_CAP_GUEST_MEMFD:
		return 1;
	case KVM_CAP_GUEST_MEMFD_FLAGS:
		/* kvm_gmem_get_supported_flags() */
		if (kernel < SIM_K618)
			return 0;
		return td ? GUEST_MEMFD_FLAG_MMAP
			  : GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;

	/* kvm_vm_ioctl_check_extension(), the "r = 1" list */
	case KVM_CAP_IRQCHIP: case KVM_CAP_HLT:
	case KVM_CAP_MMU_SHADOW_CACHE_CONTROL: case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_EXT_CPUID: case KVM_CAP_EXT_EMUL_CPUID:
	case KVM_CAP_CLOCKSOURCE: case KVM_CAP_PIT: case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2: case KVM_CAP_REINJECT_CONTROL:
	case KVM_CAP_NOP_IO_DELAY: case KVM_CAP_MP_STATE:
	case KVM_CAP_USER_NMI: case KVM_CAP_IRQ_INJECT_STATUS:
	case KVM_CAP_IOEVENTFD: case KVM_CAP_IOEVENTFD_NO_LENGTH:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR: case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_HYPERV: case KVM_CAP_HYPERV_VAPIC: case KVM_CAP_HYPERV_SPIN:
	case KVM_CAP_HYPERV_TIME: case KVM_CAP_HYPERV_SYNIC:
	case KVM_CAP_HYPERV_SYNIC2: case KVM_CAP_HYPERV_VP_INDEX:
	case KVM_CAP_HYPERV_EVENTFD: case KVM_CAP_HYPERV_TLBFLUSH:
	case KVM_CAP_HYPERV_SEND_IPI: case KVM_CAP_HYPERV_CPUID:
	case KVM_CAP_HYPERV_ENFORCE_CPUID: case KVM_CAP_SYS_HYPERV_CPUID:
	case KVM_CAP_PCI_SEGMENT: case KVM_CAP_DEBUGREGS:
	case KVM_CAP_X86_ROBUST_SINGLESTEP: case KVM_CAP_XSAVE:
	case KVM_CAP_ASYNC_PF: case KVM_CAP_ASYNC_PF_INT:
	case KVM_CAP_GET_TSC_KHZ: case KVM_CAP_KVMCLOCK_CTRL:
	case KVM_CAP_IOAPIC_POLARITY_IGNORED: case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_DISABLE_QUIRKS: case KVM_CAP_SET_BOOT_CPU_ID:
	case KVM_CAP_SPLIT_IRQCHIP: case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_PMU_EVENT_FILTER: case KVM_CAP_PMU_EVENT_MASKED_EVENTS:
	case KVM_CAP_GET_MSR_FEATURES: case KVM_CAP_MSR_PLATFORM_INFO:
	case KVM_CAP_EXCEPTION_PAYLOAD: case KVM_CAP_X86_TRIPLE_FAULT_EVENT:
	case KVM_CAP_SET_GUEST_DEBUG: case KVM_CAP_LAST_CPU:
	case KVM_CAP_X86_USER_SPACE_MSR: case KVM_CAP_X86_MSR_FILTER:
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID: case KVM_CAP_SGX_ATTRIBUTE:
	case KVM_CAP_VM_COPY_ENC_CONTEXT_FROM:
	case KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM: case KVM_CAP_SREGS2:
	case KVM_CAP_EXIT_ON_EMULATION_FAILURE: case KVM_CAP_VCPU_ATTRIBUTES:
	case KVM_CAP_SYS_ATTRIBUTES: case KVM_CAP_VAPIC: case KVM_CAP_ENABLE_CAP:
	case KVM_CAP_VM_DISABLE_NX_HUGE_PAGES: case KVM_CAP_IRQFD_RESAMPLE:
	case KVM_CAP_MEMORY_FAULT_INFO: case KVM_CAP_X86_GUEST_MODE:
	case KVM_CAP_ONE_REG:
		return 1;
	case KVM_CAP_PRE_FAULT_MEMORY:
		return 1; /* tdp_enabled */
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS:
		return vm ? (long)vm->apic_bus_ns : SIM_APIC_BUS_NS_DEFAULT;
	case KVM_CAP_EXIT_HYPERCALL:
		return 1UL << KVM_HC_MAP_GPA_RANGE;
	case KVM_CAP_SET_GUEST_DEBUG2:
		return SIM_GUESTDBG_VALID;
	case KVM_CAP_XEN_HVM:
		return SIM_XEN_HVM;
	case KVM_CAP_SYNC_REGS:
		/* kvm_sync_valid_fields(): 0 with has_protected_state */
		return td ? 0 : (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS |
				 KVM_SYNC_X86_EVENTS);
	case KVM_CAP_ADJUST_CLOCK:
		return SIM_CLOCK_VALID;
	case KVM_CAP_X86_DISABLE_EXITS:
		return SIM_DISABLE_EXITS;
	case KVM_CAP_X86_SMM:
		/* has_emulated_msr(kvm, MSR_IA32_SMBASE): vmx yes,
		 * tdx_has_emulated_msr() no */
		return td ? 0 : 1;
	case KVM_CAP_NR_VCPUS:
		return ncpu < SIM_KVM_MAX_VCPUS ? ncpu : SIM_KVM_MAX_VCPUS;
	case KVM_CAP_MAX_VCPUS:
		return vm ? (long)vm->max_vcpus : SIM_KVM_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		return SIM_KVM_MAX_VCPU_IDS;
	case KVM_CAP_MCE:
		return 32; /* KVM_MAX_MCE_BANKS */
	case KVM_CAP_XCRS:
		return 1;
	case KVM_CAP_TSC_CONTROL:
	case KVM_CAP_VM_TSC_CONTROL:
		return 1; /* kvm_caps.has_tsc_control */
	case KVM_CAP_X2APIC_API: {
		long r = kernel >= SIM_K700 ? (long)SIM_X2APIC_VALID : 0x3;

		if (vm && !irqchip_split(vm))
			r &= ~(long)SIM_X2APIC_ENABLE_SEOIB;
		return r;
	}
	case KVM_CAP_NESTED_STATE:
		return SIM_NESTED_STATE_SIZE;
	case KVM_CAP_HYPERV_DIRECT_TLBFLUSH:
		return 0; /* enable_l2_tlb_flush: only when KVM runs on Hyper-V */
	case KVM_CAP_HYPERV_ENLIGHTENED_VMCS:
		return 1;
	case KVM_CAP_SMALLER_MAXPHYADDR:
		return 0; /* allow_smaller_maxphyaddr stays false with EPT */
	case KVM_CAP_STEAL_TIME:
		return 1;
	case KVM_CAP_X86_BUS_LOCK_EXIT:
		return KVM_BUS_LOCK_DETECTION_OFF | KVM_BUS_LOCK_DETECTION_EXIT;
	case KVM_CAP_XSAVE2: {
		long r = sim_xsave_size(sim_guest_xcr0());

		return r < 4096 ? 4096 : r; /* sizeof(struct kvm_xsave) */
	}
	case KVM_CAP_PMU_CAPABILITY:
		return KVM_PMU_CAP_DISABLE;
	case KVM_CAP_DISABLE_QUIRKS2:
		return SIM_QUIRKS;
	case KVM_CAP_X86_NOTIFY_VMEXIT:
		return 1;
	case KVM_CAP_VM_TYPES:
		return VM_TYPES;
	case KVM_CAP_READONLY_MEM:
		/* kvm_arch_has_readonly_mem(): !has_protected_state */
		return td ? 0 : 1;
	default:
		/* a capability of another architecture is 0 on x86; a number
		 * the uAPI does not define is marked in the trace */
		if (!cap_name(cap))
			trace_unmodelled();
		return 0;
	}
}

/* ---- KVM_ENABLE_CAP on a VM ------------------------------------------- */

/* capable(CAP_SYS_BOOT): the effective set, by capget() (works without
 * /proc, e.g. in a chroot) */
static bool capable_sys_boot(void)
{
	struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 }; /* _V3 */
	struct { uint32_t effective, permitted, inheritable; } data[2];

	memset(data, 0, sizeof(data));
	/* six arguments: the simulator's own syscall() reads six */
	if (syscall(SYS_capget, &hdr, data, 0L, 0L, 0L, 0L) < 0)
		return false;
	return (data[0].effective >> 22) & 1; /* CAP_SYS_BOOT */
}

/* kvm_vm_ioctl_enable_dirty_log_ring() */
static long enable_dirty_ring(struct sim_vm *vm, struct sim_vmx *x, uint32_t size)
{
	if (!size || (size & (size - 1)))
		return -EINVAL;
	if (size < SIM_DIRTY_RING_RSVD * 16 || size < SIM_PAGE_SIZE)
		return -EINVAL;
	if (size > SIM_DIRTY_RING_MAX)
		return -E2BIG;
	if (x->dirty_ring_size || vm->created_vcpus)
		return -EINVAL;
	x->dirty_ring_size = size;
	return 0;
}

static long enable_cap_generic(struct sim_vm *vm, struct sim_vmx *x,
			       const struct kvm_enable_cap *c)
{
	switch (c->cap) {
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: {
		uint64_t allowed = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;

		if (c->args[0] & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)
			allowed = 3;
		if (c->flags || (c->args[0] & ~allowed))
			return -EINVAL;
		x->manual_dirty_log = c->args[0];
		return 0;
	}
	case KVM_CAP_HALT_POLL:
		if (c->flags || c->args[0] != (unsigned int)c->args[0])
			return -EINVAL;
		x->max_halt_poll_ns = c->args[0];
		x->halt_poll_override = true;
		return 0;
	case KVM_CAP_DIRTY_LOG_RING:
	case KVM_CAP_DIRTY_LOG_RING_ACQ_REL:
		return enable_dirty_ring(vm, x, (uint32_t)c->args[0]);
	case KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP:
		return -EINVAL; /* !CONFIG_NEED_KVM_DIRTY_RING_WITH_BITMAP on x86 */
	default:
		return SIM_NOT_MINE;
	}
}

long vm_enable_cap(struct sim_vm *vm, unsigned long arg)
{
	struct kvm_enable_cap c;
	struct sim_vmx *x = vmx_of(vm);
	long r;

	if (sim_copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (!x)
		return -ENOMEM;
	r = enable_cap_generic(vm, x, &c);
	if (r != SIM_NOT_MINE)
		return r;
	/* kvm_vm_ioctl_enable_cap() */
	if (c.flags)
		return -EINVAL;
	switch (c.cap) {
	case KVM_CAP_DISABLE_QUIRKS2:
		if (c.args[0] & ~SIM_QUIRKS)
			return -EINVAL;
		/* fall through */
	case KVM_CAP_DISABLE_QUIRKS:
		x->disabled_quirks |= c.args[0] & SIM_QUIRKS;
		return 0;
	case KVM_CAP_SPLIT_IRQCHIP:
		if (c.args[0] > SIM_MAX_IRQ_ROUTES)
			return -EINVAL;
		if (vm->irqchip || vm->created_vcpus)
			return -EEXIST;
		vm->irqchip = 1;
		x->nr_reserved_ioapic_pins = (uint32_t)c.args[0];
		return 0;
	case KVM_CAP_X2APIC_API: {
		uint64_t valid = vm->kernel >= SIM_K700 ? SIM_X2APIC_VALID : 0x3;

		if (c.args[0] & ~valid)
			return -EINVAL;
		if ((c.args[0] & SIM_X2APIC_ENABLE_SEOIB) &&
		    (c.args[0] & SIM_X2APIC_DISABLE_SEOIB))
			return -EINVAL;
		if ((c.args[0] & SIM_X2APIC_ENABLE_SEOIB) && !irqchip_split(vm))
			return -EINVAL;
		vm->x2apic_api |= c.args[0];
		return 0;
	}
	case KVM_CAP_X86_DISABLE_EXITS:
		if (c.args[0] & ~SIM_DISABLE_EXITS)
			return -EINVAL;
		if (vm->created_vcpus)
			return -EINVAL;
		x->disable_exits |= c.args[0];
		return 0;
	case KVM_CAP_MSR_PLATFORM_INFO:
		x->platform_info = c.args[0];
		return 0;
	case KVM_CAP_EXCEPTION_PAYLOAD:
		x->exception_payload = c.args[0];
		return 0;
	case KVM_CAP_X86_TRIPLE_FAULT_EVENT:
		x->triple_fault_event = c.args[0];
		return 0;
	case KVM_CAP_X86_USER_SPACE_MSR:
		if (c.args[0] & ~SIM_MSR_EXIT_VALID)
			return -EINVAL;
		x->user_space_msr_mask = c.args[0];
		return 0;
	case KVM_CAP_X86_BUS_LOCK_EXIT:
		if (c.args[0] & ~(uint64_t)(KVM_BUS_LOCK_DETECTION_OFF |
					    KVM_BUS_LOCK_DETECTION_EXIT))
			return -EINVAL;
		if ((c.args[0] & KVM_BUS_LOCK_DETECTION_OFF) &&
		    (c.args[0] & KVM_BUS_LOCK_DETECTION_EXIT))
			return -EINVAL;
		if (c.args[0] & KVM_BUS_LOCK_DETECTION_EXIT)
			x->bus_lock_detection = true;
		return 0;
	case KVM_CAP_SGX_ATTRIBUTE:
		/* sgx_set_attribute(): the fd must be /dev/sgx_provision, which
		 * the simulator does not provide. */
		return -EINVAL;
	case KVM_CAP_VM_COPY_ENC_CONTEXT_FROM:
	case KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM:
		return -EINVAL; /* no such vendor op on VMX */
	case KVM_CAP_EXIT_HYPERCALL:
		if (c.args[0] & ~(1ULL << KVM_HC_MAP_GPA_RANGE))
			return -EINVAL;
		vm->hypercall_mask = c.args[0];
		return 0;
	case KVM_CAP_EXIT_ON_EMULATION_FAILURE:
		if (c.args[0] & ~1ULL)
			return -EINVAL;
		x->exit_on_emulation_error = c.args[0];
		return 0;
	case KVM_CAP_PMU_CAPABILITY:
		if (c.args[0] & ~(uint64_t)KVM_PMU_CAP_DISABLE)
			return -EINVAL;
		/* has_protected_pmu (tdx_vm_init()): only DISABLE */
		if (is_td(vm) && c.args[0] != KVM_PMU_CAP_DISABLE)
			return -EINVAL;
		if (vm->created_vcpus)
			return -EINVAL;
		x->pmu_disabled = c.args[0] & KVM_PMU_CAP_DISABLE;
		return 0;
	case KVM_CAP_MAX_VCPU_ID:
		if (c.args[0] > SIM_KVM_MAX_VCPU_IDS)
			return -EINVAL;
		if (x->bsp_vcpu_id > c.args[0])
			return -EINVAL;
		if (x->max_vcpu_ids == c.args[0])
			return 0;
		if (!x->max_vcpu_ids) {
			x->max_vcpu_ids = (uint32_t)c.args[0];
			return 0;
		}
		return -EINVAL;
	case KVM_CAP_X86_NOTIFY_VMEXIT:
		if ((uint32_t)c.args[0] & ~3U)
			return -EINVAL;
		if (!((uint32_t)c.args[0] & 1U))
			return -EINVAL;
		if (vm->created_vcpus)
			return -EINVAL;
		x->notify = c.args[0];
		return 0;
	case KVM_CAP_VM_DISABLE_NX_HUGE_PAGES:
		if (!capable_sys_boot())
			return -EPERM;
		if (c.args[0] || vm->created_vcpus)
			return -EINVAL;
		x->nx_huge_pages_disabled = true;
		return 0;
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS: {
		uint64_t unused;

		/* guard tmict_to_ns() against overflow */
		if (c.args[0] == 0 ||
		    __builtin_mul_overflow((uint64_t)UINT32_MAX * 128, c.args[0], &unused))
			return -EINVAL;
		if (!vm->irqchip)
			return -ENXIO;
		if (vm->created_vcpus)
			return -EINVAL;
		vm->apic_bus_ns = (uint32_t)c.args[0];
		return 0;
	}
	default:
		if (!cap_name((long)c.cap))
			trace_unmodelled();
		return -EINVAL;
	}
}

/* ---- KVM_ENABLE_CAP on a vCPU: kvm_vcpu_ioctl_enable_cap() ----------- */
long vcpu_enable_cap(struct sim_vcpu *v, unsigned long arg)
{
	struct kvm_enable_cap c;

	if (sim_copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.flags)
		return -EINVAL;
	switch (c.cap) {
	case KVM_CAP_HYPERV_SYNIC2:
		if (c.args[0])
			return -EINVAL;
		/* fall through */
	case KVM_CAP_HYPERV_SYNIC:
		/* kvm_hv_activate_synic() needs an in-kernel LAPIC */
		if (!v->vm->irqchip)
			return -EINVAL;
		return 0;
	case KVM_CAP_HYPERV_ENLIGHTENED_VMCS: {
		/* nested_enable_evmcs(): returns the supported eVMCS version
		 * range through args[0]'s uint16 pointer */
		uint16_t ver = (1 << 8) | 1;

		if (!c.args[0])
			return -EFAULT;
		return sim_copy_to_user(c.args[0], &ver, sizeof(ver)) ? -EFAULT : 0;
	}
	case KVM_CAP_HYPERV_DIRECT_TLBFLUSH:
		return -ENOTTY; /* no enable_l2_tlb_flush on bare metal */
	case KVM_CAP_HYPERV_ENFORCE_CPUID:
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:
		return 0;
	default:
		if (!cap_name((long)c.cap))
			trace_unmodelled();
		return -EINVAL;
	}
}
