/* SPDX-License-Identifier: MIT */
/*
 * The generic KVM surface of the simulated host (kvm-caps.c, kvm-msr.c,
 * kvm-irq.c, kvm-misc.c): per-VM and per-vCPU state that the TDX model does
 * not need, kept out of sim.h.
 *
 * The host modelled: Linux 7.2, kvm_intel loaded with default parameters
 * (ept=1, unrestricted_guest=1, nested=1, enable_pmu=1, enable_apicv=1,
 * pml=1), TDX enabled, on an Emerald Rapids Xeon (family 6 model 207), with
 * Debian's amd64 Kconfig choices (CONFIG_KVM_HYPERV, CONFIG_KVM_XEN,
 * CONFIG_KVM_IOAPIC, CONFIG_KVM_SMM, CONFIG_X86_SGX_KVM, CONFIG_SCHED_INFO
 * all y; CONFIG_KVM_SW_PROTECTED_VM n; KVM_MAX_VCPUS 1024).
 */
#ifndef TDXSIM_KVM_X86_H
#define TDXSIM_KVM_X86_H

#include "sim.h"

/* ---- uAPI numbers newer than the build host's <linux/kvm.h> ---------- */
#ifndef KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP
#define KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP 225
#endif
#ifndef KVM_CAP_PMU_EVENT_MASKED_EVENTS
#define KVM_CAP_PMU_EVENT_MASKED_EVENTS 226
#endif
#ifndef KVM_CAP_COUNTER_OFFSET
#define KVM_CAP_COUNTER_OFFSET 227
#endif
#ifndef KVM_CAP_X86_GUEST_MODE
#define KVM_CAP_X86_GUEST_MODE 238
#endif
#ifndef KVM_CAP_DIRTY_LOG_RING_ACQ_REL
#define KVM_CAP_DIRTY_LOG_RING_ACQ_REL 223
#endif
#ifndef KVM_CAP_VM_DISABLE_NX_HUGE_PAGES
#define KVM_CAP_VM_DISABLE_NX_HUGE_PAGES 220
#endif
#ifndef KVM_CAP_X86_NOTIFY_VMEXIT
#define KVM_CAP_X86_NOTIFY_VMEXIT 219
#endif
#ifndef KVM_CAP_X86_TRIPLE_FAULT_EVENT
#define KVM_CAP_X86_TRIPLE_FAULT_EVENT 218
#endif
#ifndef KVM_CAP_SYSTEM_EVENT_DATA
#define KVM_CAP_SYSTEM_EVENT_DATA 215
#endif
#ifndef KVM_CAP_DISABLE_QUIRKS2
#define KVM_CAP_DISABLE_QUIRKS2 213
#endif
#ifndef KVM_CAP_PMU_CAPABILITY
#define KVM_CAP_PMU_CAPABILITY 212
#endif
#ifndef KVM_CAP_SYS_ATTRIBUTES
#define KVM_CAP_SYS_ATTRIBUTES 209
#endif
#ifndef KVM_CAP_XSAVE2
#define KVM_CAP_XSAVE2 208
#endif

#ifndef KVM_X86_XCOMP_GUEST_SUPP
#define KVM_X86_XCOMP_GUEST_SUPP 0
#endif
#ifndef KVM_GET_DEVICE_ATTR
#define KVM_GET_DEVICE_ATTR _IOW(KVMIO, 0xe2, struct kvm_device_attr)
#endif
#ifndef KVM_HAS_DEVICE_ATTR
#define KVM_HAS_DEVICE_ATTR _IOW(KVMIO, 0xe3, struct kvm_device_attr)
#endif
#ifndef KVM_X86_SET_MSR_FILTER
struct kvm_msr_filter_range {
	__u32 flags;
	__u32 nmsrs;
	__u32 base;
	__u8 *bitmap;
};
struct kvm_msr_filter {
	__u32 flags;
	struct kvm_msr_filter_range ranges[16];
};
#define KVM_X86_SET_MSR_FILTER _IOW(KVMIO, 0xc6, struct kvm_msr_filter)
#endif
#define SIM_MSR_FILTER_READ	1
#define SIM_MSR_FILTER_WRITE	2
#define SIM_MSR_FILTER_DENY	1
#ifndef KVM_SET_PMU_EVENT_FILTER
#define KVM_SET_PMU_EVENT_FILTER _IOW(KVMIO, 0xb2, struct kvm_pmu_event_filter)
#endif
#ifndef KVM_GET_STATS_FD
#define KVM_GET_STATS_FD _IO(KVMIO, 0xce)
#endif
#ifndef KVM_GET_SREGS2
#define KVM_GET_SREGS2 _IOR(KVMIO, 0xcc, struct kvm_sregs2)
#define KVM_SET_SREGS2 _IOW(KVMIO, 0xcd, struct kvm_sregs2)
#endif
#ifndef KVM_GET_XSAVE2
#define KVM_GET_XSAVE2 _IOR(KVMIO, 0xcf, struct kvm_xsave)
#endif
#ifndef KVM_X86_GET_MCE_CAP_SUPPORTED
#define KVM_X86_GET_MCE_CAP_SUPPORTED _IOR(KVMIO, 0x9d, __u64)
#endif

/* ---- host facts (Emerald Rapids + 7.2 kvm_intel) --------------------- */

/* ---- per-VM state ---------------------------------------------------- */
struct sim_irq_route {
	uint32_t gsi, type, flags;
	union {
		struct kvm_irq_routing_irqchip irqchip;
		struct kvm_irq_routing_msi msi;
		uint32_t pad[8];
	} u;
};

struct sim_irqfd {
	int fd;			/* dup of the eventfd, O_CLOEXEC */
	uint32_t gsi;
	int resamplefd;		/* -1: none */
	dev_t dev;
	ino_t ino;
};

struct sim_ioeventfd {
	int fd;			/* dup of the eventfd, O_CLOEXEC */
	uint64_t addr, datamatch;
	uint32_t len, flags;
	dev_t dev;
	ino_t ino;
};

struct sim_coalesced {
	uint64_t addr;
	uint32_t size, pio;
};

struct sim_msr_range {
	uint32_t flags, nmsrs, base;
	uint8_t *bitmap;
};

struct sim_vmx {
	/* KVM_ENABLE_CAP state (kvm_vm_ioctl_enable_cap[_generic]) */
	uint64_t disabled_quirks;
	uint32_t nr_reserved_ioapic_pins;
	uint64_t disable_exits;
	bool platform_info, exception_payload, triple_fault_event;
	uint64_t user_space_msr_mask;
	bool bus_lock_detection;
	bool exit_on_emulation_error;
	bool pmu_disabled;
	uint32_t max_vcpu_ids;
	uint64_t notify;
	bool nx_huge_pages_disabled;
	uint32_t dirty_ring_size;
	uint64_t manual_dirty_log;
	uint64_t max_halt_poll_ns;
	bool halt_poll_override;
	uint32_t bsp_vcpu_id;
	/* VM ioctls */
	uint64_t tss_addr, identity_map_addr;
	bool identity_map_set;
	bool msr_filter_set, msr_filter_default_deny;
	struct sim_msr_range msr_ranges[16];
	unsigned n_msr_ranges;
	void *pmu_filter;	/* copy of the last kvm_pmu_event_filter */
	int64_t clock_offset_ns;
	bool clock_set;
	struct sim_irq_route *routes;
	size_t nroutes;
	struct sim_irqfd *irqfds;
	size_t nirqfds;
	struct sim_ioeventfd *ioeventfds;
	size_t nioeventfds;
	struct sim_coalesced *coalesced;
	size_t ncoalesced;
};

#define SIM_NR_MSRS 64
struct sim_vcpux {
	uint64_t mcg_cap, mcg_status, mcg_ctl;
	uint64_t mce_banks[32 * 4];
	uint64_t vapic_addr;
	bool tpr_access_reporting;
	/* MSR values set through KVM_SET_MSRS (non-TD) */
	uint32_t msr_idx[SIM_NR_MSRS];
	uint64_t msr_val[SIM_NR_MSRS];
	unsigned nmsrs;
	int irq_pending;	/* -1: none */
};

struct sim_vmx *vmx_of(struct sim_vm *vm);
struct sim_vcpux *vcpux_of(struct sim_vcpu *v);
void kvmx_vm_free(struct sim_vm *vm);
/* kvm_vcpu_is_reset_bsp(): KVM_SET_BOOT_CPU_ID, 0 by default */
uint32_t sim_bsp_vcpu_id(struct sim_vm *vm);
/* kvm_arch_vcpu_precreate(): the vCPU id below KVM_CAP_MAX_VCPU_ID (which
 * becomes KVM_MAX_VCPU_IDS at the first vCPU if unset): 0 or -errno */
long sim_vcpu_precreate_id(struct sim_vm *vm, unsigned long id);
void kvmx_vcpu_free(struct sim_vcpu *v);

/* kvm-caps.c */
long check_extension(struct sim_vm *vm, long cap);
long vm_enable_cap(struct sim_vm *vm, unsigned long arg);
long vcpu_enable_cap(struct sim_vcpu *v, unsigned long arg);
uint64_t sim_guest_xcr0(void);
/* xstate_required_size(xcr0, false): standard-format XSAVE size */
long sim_xsave_size(uint64_t xcr0);
uint32_t caps_xstate_size(const struct sim_caps *c, uint64_t bv);

/* kvm-msr.c */
long dev_msr_ioctl(unsigned long req, unsigned long arg);
long vcpu_msrs(struct sim_vcpu *v, bool set, unsigned long arg);
long vcpu_one_reg(struct sim_vcpu *v, bool set, unsigned long arg);
long vcpu_reg_list(struct sim_vcpu *v, unsigned long arg);
long vm_set_msr_filter(struct sim_vm *vm, unsigned long arg);
bool tdx_has_emulated_msr(uint32_t index);

/* kvm-irq.c */
long vm_irq_ioctl(struct sim_vm *vm, unsigned long req, unsigned long arg);
/* kvm_io_bus_write() for a guest MMIO/PIO write (tdx_emulate_mmio(),
 * tdx_emulate_io()): 1 if an ioeventfd or a coalesced zone took it (no exit
 * to userspace), 0 if it exits. */
int sim_io_bus_write(struct sim_vm *vm, bool pio, uint64_t addr,
		     const void *data, uint32_t len);

/* kvm-misc.c: ioctls outside the TDX model; -ENOIOCTLCMD: not handled */
#define SIM_NOT_MINE	(-515)
long dev_x86_ioctl(unsigned long req, unsigned long arg);
long vm_x86_ioctl(struct sim_vm *vm, unsigned long req, unsigned long arg);
long vcpu_x86_ioctl(struct sim_vcpu *v, unsigned long req, unsigned long arg);
int stats_fd_create(bool vcpu, const char *id);

#endif
