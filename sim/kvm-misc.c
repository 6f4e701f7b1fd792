/* SPDX-License-Identifier: MIT */
/*
 * The rest of the generic KVM surface that the TDX model does not cover:
 *   /dev/kvm   kvm_arch_dev_ioctl(): KVM_GET_EMULATED_CPUID
 *              (kvm_dev_ioctl_get_cpuid(), cpuid_func_emulated()),
 *              KVM_X86_GET_MCE_CAP_SUPPORTED, KVM_{GET,HAS}_DEVICE_ATTR
 *              (kvm_x86_dev_get_attr()), the MSR lists (kvm-msr.c)
 *   VM fd      kvm_arch_vm_ioctl(): TSS / identity map, boot CPU id, PIT,
 *              kvmclock, PMU event filter, MSR filter; kvm_vm_ioctl():
 *              KVM_GET_STATS_FD; routing and eventfds (kvm-irq.c)
 *   vCPU fd    kvm_arch_vcpu_ioctl(): MCE, VAPIC, TPR reporting, NMI,
 *              interrupts, vCPU events, MP state, MSRs, TSC attributes,
 *              and the refusals for a TD (guest_state_protected /
 *              has_protected_state, guest_apic_protected: -EINVAL).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvm-x86.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SIM_MCE_CAP	0x09000500ULL	/* MCG_CTL_P|MCG_CMCI_P|MCG_SER_P|MCG_LMCE_P */
#define MAX_MCE_BANKS	32
#define MAX_CPUID_ENTRIES 256

void kvmx_irq_free(struct sim_vmx *x);

static bool is_td(const struct sim_vm *vm)
{
	return vm->type == KVM_X86_TDX_VM;
}

/* ---- lazily allocated per-object state ------------------------------------ */
/* The pointer lives in sim_vm.x86 / sim_vcpu.x86 (sim.h). */
struct sim_vmx *vmx_of(struct sim_vm *vm)
{
	if (!vm->x86)
		vm->x86 = calloc(1, sizeof(struct sim_vmx));
	return vm->x86;
}

struct sim_vcpux *vcpux_of(struct sim_vcpu *v)
{
	struct sim_vcpux *x = v->x86;

	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x)
			return NULL;
		x->irq_pending = -1;
		v->x86 = x;
	}
	return x;
}

uint32_t sim_bsp_vcpu_id(struct sim_vm *vm)
{
	return vm->x86 ? ((struct sim_vmx *)vm->x86)->bsp_vcpu_id : 0;
}

long sim_vcpu_precreate_id(struct sim_vm *vm, unsigned long id)
{
	struct sim_vmx *x = vmx_of(vm);

	if (!x)
		return -ENOMEM;
	if (!x->max_vcpu_ids)
		x->max_vcpu_ids = SIM_KVM_MAX_VCPU_IDS;
	return id >= x->max_vcpu_ids ? -EINVAL : 0;
}

void kvmx_vm_free(struct sim_vm *vm)
{
	struct sim_vmx *x = vm->x86;

	if (!x)
		return;
	kvmx_irq_free(x);
	for (unsigned k = 0; k < x->n_msr_ranges; k++)
		free(x->msr_ranges[k].bitmap);
	free(x->pmu_filter);
	free(x);
	vm->x86 = NULL;
}

void kvmx_vcpu_free(struct sim_vcpu *v)
{
	free(v->x86);
	v->x86 = NULL;
}

/* ---- binary stats fd (kvm_stats_read(), include/uapi/linux/kvm.h) -------- */
struct stats_header {
	uint32_t flags, name_size, num_desc, id_offset, desc_offset, data_offset;
};
struct stats_desc {
	uint32_t flags;
	int16_t exponent;
	uint16_t size;
	uint32_t offset, bucket_size;
	char name[48];
};
#define STATS_NAME_SIZE 48
#define ST_CUMULATIVE	0x0
#define ST_INSTANT	0x1
#define ST_PEAK		0x2
#define ST_BOOLEAN	0x30
#define UNIT_NONE	0x0
#define UNIT_SECONDS	0x20
#define BASE_POW10	0x0

/* KVM_GENERIC_VM_STATS() and KVM_GENERIC_VCPU_STATS() (kvm_host.h); the
 * values are 0: simulated, nothing runs. */
static const struct { const char *name; uint32_t flags; int16_t exp; } vm_stats[] = {
	{ "remote_tlb_flush", ST_CUMULATIVE, 0 },
	{ "remote_tlb_flush_requests", ST_CUMULATIVE, 0 },
}, vcpu_stats[] = {
	{ "halt_successful_poll", ST_CUMULATIVE, 0 },
	{ "halt_attempted_poll", ST_CUMULATIVE, 0 },
	{ "halt_poll_invalid", ST_CUMULATIVE, 0 },
	{ "halt_wakeup", ST_CUMULATIVE, 0 },
	{ "halt_poll_success_ns", ST_CUMULATIVE | UNIT_SECONDS, -9 },
	{ "halt_poll_fail_ns", ST_CUMULATIVE | UNIT_SECONDS, -9 },
	{ "halt_wait_ns", ST_CUMULATIVE | UNIT_SECONDS, -9 },
	{ "blocking", ST_INSTANT | ST_BOOLEAN, 0 },
};

/* An fd like the kernel's anon "kvm-vm-stats"/"kvm-vcpu-stats" file:
 * read-only, O_CLOEXEC, header + id + descriptors + data. */
int stats_fd_create(bool vcpu, const char *id)
{
	size_t n = vcpu ? N(vcpu_stats) : N(vm_stats);
	struct stats_header h = {
		.name_size = STATS_NAME_SIZE, .num_desc = (uint32_t)n,
		.id_offset = sizeof(h),
		.desc_offset = sizeof(h) + 64,
	};
	size_t total;
	char *buf;
	int fd;

	h.data_offset = h.desc_offset + (uint32_t)(n * sizeof(struct stats_desc));
	total = h.data_offset + n * sizeof(uint64_t);
	buf = calloc(1, total);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, &h, sizeof(h));
	snprintf(buf + h.id_offset, 64, "%s", id);
	for (size_t i = 0; i < n; i++) {
		struct stats_desc d = { .size = 1, .offset = (uint32_t)(i * 8) };

		d.flags = vcpu ? vcpu_stats[i].flags : vm_stats[i].flags;
		d.exponent = vcpu ? vcpu_stats[i].exp : vm_stats[i].exp;
		snprintf(d.name, sizeof(d.name), "%s",
			 vcpu ? vcpu_stats[i].name : vm_stats[i].name);
		memcpy(buf + h.desc_offset + i * sizeof(d), &d, sizeof(d));
	}
	fd = memfd_create(vcpu ? "kvm-vcpu-stats" : "kvm-vm-stats",
			  MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	if (write(fd, buf, total) != (ssize_t)total) {
		free(buf);
		real_close(fd);
		return -EIO;
	}
	free(buf);
	/* the kernel's file has no write: seal it (works without /proc) */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
		  F_SEAL_SEAL) < 0) {
		int e = errno;

		real_close(fd);
		return -e;
	}
	return fd;
}

/* ---- /dev/kvm --------------------------------------------------------------- */
static long get_emulated_cpuid(unsigned long arg)
{
	struct kvm_cpuid2 h;
	struct kvm_cpuid_entry2 e[3];
	unsigned max;

	if (sim_copy_from_user(&h, arg, sizeof(h)))
		return -EFAULT;
	if (h.nent < 1)
		return -E2BIG;
	max = h.nent > MAX_CPUID_ENTRIES ? MAX_CPUID_ENTRIES : h.nent;
	/* sanity_check_entries(): padding must be 0 in what userspace passed */
	for (unsigned i = 0; i < max; i++) {
		struct kvm_cpuid_entry2 u;

		if (sim_copy_from_user(&u, arg + sizeof(h) + i * sizeof(u), sizeof(u)))
			return -EINVAL;
		if (u.padding[0] || u.padding[1] || u.padding[2])
			return -EINVAL;
	}
	/* cpuid_func_emulated() for leaves 0..7, then 0x80000000 and
	 * 0x40000000 that add nothing but still need a free slot */
	memset(e, 0, sizeof(e));
	e[0].function = 0;
	e[0].eax = 7;
	e[1].function = 1;
	e[1].ecx = 1U << 22;		/* MOVBE */
	e[2].function = 7;
	e[2].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	e[2].ecx = 1U << 22;		/* RDPID (the host has RDTSCP) */
	if (max < 4)
		return -E2BIG;
	h.nent = 3;
	if (sim_copy_to_user(arg + sizeof(h), e, sizeof(e)) ||
	    sim_copy_to_user(arg, &h, sizeof(h)))
		return -EFAULT;
	return 0;
}

static long dev_attr(unsigned long req, unsigned long arg)
{
	struct kvm_device_attr a;
	uint64_t val = xperm_host_xcr0();	/* kvm_caps.supported_xcr0 */

	if (sim_copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.group || a.attr != KVM_X86_XCOMP_GUEST_SUPP)
		return -ENXIO;	/* no dev_get_attr on VMX */
	if (req == KVM_HAS_DEVICE_ATTR)
		return 0;
	return sim_copy_to_user(a.addr, &val, sizeof(val)) ? -EFAULT : 0;
}

long dev_x86_ioctl(unsigned long req, unsigned long arg)
{
	long r = dev_msr_ioctl(req, arg);

	if (r != SIM_NOT_MINE)
		return r;
	switch (req) {
	case KVM_GET_EMULATED_CPUID:
		return get_emulated_cpuid(arg);
	case KVM_X86_GET_MCE_CAP_SUPPORTED: {
		uint64_t cap = SIM_MCE_CAP;

		return sim_copy_to_user(arg, &cap, sizeof(cap)) ? -EFAULT : 0;
	}
	case KVM_GET_DEVICE_ATTR:
	case KVM_HAS_DEVICE_ATTR:
		return dev_attr(req, arg);
	default:
		return SIM_NOT_MINE;
	}
}

/* ---- VM ---------------------------------------------------------------------- */
static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long pmu_event_filter(struct sim_vmx *x, unsigned long arg)
{
	struct kvm_pmu_event_filter h;
	size_t sz;
	void *f;

	if (sim_copy_from_user(&h, arg, sizeof(h)))
		return -EFAULT;
	if (h.action != KVM_PMU_EVENT_ALLOW && h.action != KVM_PMU_EVENT_DENY)
		return -EINVAL;
	if (h.flags & ~1U)	/* KVM_PMU_EVENT_FLAGS_VALID_MASK */
		return -EINVAL;
	if (h.nevents > 300)	/* KVM_PMU_EVENT_FILTER_MAX_EVENTS */
		return -E2BIG;
	sz = sizeof(h) + h.nevents * sizeof(uint64_t);
	f = malloc(sz);
	if (!f)
		return -ENOMEM;
	if (sim_copy_from_user(f, arg, sz)) {
		free(f);
		return -EFAULT;
	}
	if (h.flags & 1U) {
		/* is_masked_filter_valid(): event select, umask mask/match,
		 * exclude bits only (Intel EVENTSEL_EVENT = 0xff) */
		const uint64_t *ev = (const uint64_t *)((char *)f + sizeof(h));
		uint64_t ok = 0xffULL | (0xffULL << 56) | (0xffULL << 8) | (1ULL << 55);

		for (uint32_t i = 0; i < h.nevents; i++)
			if (ev[i] & ~ok) {
				free(f);
				return -EINVAL;
			}
	}
	free(x->pmu_filter);
	x->pmu_filter = f;
	return 0;
}

/* The checks kvm_get_dirty_log_protect() and kvm_clear_dirty_log_protect()
 * (kvm_main.c) share, in their order: a dirty ring without bitmap
 * (kvm_use_dirty_bitmap()) ENXIO; address space or slot id out of range
 * EINVAL; (CLEAR: first_page not a multiple of 64, EINVAL); no such slot or
 * one without a dirty bitmap (no KVM_MEM_LOG_DIRTY_PAGES) ENOENT.  No guest
 * code of a plain VM writes memory, so nothing is ever dirty; writes of a
 * TD's scripted guest are not tracked (marked unmodelled), nor are the SMM
 * address space's slots. */
static long dirty_log_slot(struct sim_vm *vm, struct sim_vmx *x, uint32_t slot,
			   bool misaligned, const struct sim_memslot **out)
{
	uint16_t as_id = (uint16_t)(slot >> 16), id = (uint16_t)slot;

	*out = NULL;
	if (x->dirty_ring_size)
		return -ENXIO;
	if (as_id >= (is_td(vm) ? 1 : 2) || id >= SIM_USER_MEM_SLOTS)
		return -EINVAL;
	if (misaligned)
		return -EINVAL;
	if (as_id) {
		trace_unmodelled();
		return -ENOENT;
	}
	for (size_t i = 0; i < vm->nslots; i++)
		if (vm->slots[i].id == id)
			*out = &vm->slots[i];
	if (!*out || !((*out)->flags & KVM_MEM_LOG_DIRTY_PAGES))
		return -ENOENT;
	if (is_td(vm))
		trace_unmodelled();
	return 0;
}

/* kvm_vm_ioctl(KVM_GET_DIRTY_LOG) → kvm_get_dirty_log_protect(): the struct
 * is copied (EFAULT), the slot checks, then kvm_dirty_bitmap_bytes() of
 * (clear) bitmap go out (EFAULT). */
static long get_dirty_log(struct sim_vm *vm, struct sim_vmx *x, unsigned long arg)
{
	const struct sim_memslot *s;
	struct kvm_dirty_log log;
	void *bits;
	size_t n;
	long r;
	int bad;

	if (sim_copy_from_user(&log, arg, sizeof(log)))
		return -EFAULT;
	r = dirty_log_slot(vm, x, log.slot, false, &s);
	if (r)
		return r;
	n = (s->size / SIM_PAGE_SIZE + 63) / 64 * 8;	/* ALIGN(npages, BITS_PER_LONG) / 8 */
	bits = calloc(1, n);
	if (!bits)
		return -ENOMEM;
	bad = sim_copy_to_user(log.padding2, bits, n);
	free(bits);
	return bad ? -EFAULT : 0;
}

/* kvm_vm_ioctl(KVM_CLEAR_DIRTY_LOG) → kvm_clear_dirty_log_protect(): the
 * struct is copied (EFAULT), the slot checks, the range must lie in the
 * slot and a partial range end on a multiple of 64 pages (EINVAL), then
 * ALIGN(num_pages, 64) bits are read in (EFAULT). */
static long clear_dirty_log(struct sim_vm *vm, struct sim_vmx *x, unsigned long arg)
{
	const struct sim_memslot *s;
	struct kvm_clear_dirty_log log;
	uint64_t npages;
	void *bits;
	size_t n;
	long r;
	int bad;

	if (sim_copy_from_user(&log, arg, sizeof(log)))
		return -EFAULT;
	r = dirty_log_slot(vm, x, log.slot, log.first_page & 63, &s);
	if (r)
		return r;
	npages = s->size / SIM_PAGE_SIZE;
	if (log.first_page > npages || log.num_pages > npages - log.first_page ||
	    (log.num_pages < npages - log.first_page && (log.num_pages & 63)))
		return -EINVAL;
	n = ((size_t)log.num_pages + 63) / 64 * 8;
	bits = malloc(n ? n : 1);
	if (!bits)
		return -ENOMEM;
	bad = sim_copy_from_user(bits, log.padding2, n);
	free(bits);
	return bad ? -EFAULT : 0;
}

long vm_x86_ioctl(struct sim_vm *vm, unsigned long req, unsigned long arg)
{
	struct sim_vmx *x;
	long r = vm_irq_ioctl(vm, req, arg);

	if (r != SIM_NOT_MINE)
		return r;
	x = vmx_of(vm);
	if (!x)
		return -ENOMEM;
	switch (req) {
	case KVM_GET_DIRTY_LOG:
		return get_dirty_log(vm, x, arg);
	case KVM_CLEAR_DIRTY_LOG:
		return clear_dirty_log(vm, x, arg);
	case KVM_SET_TSS_ADDR:
		/* kvm_vm_ioctl_set_tss_addr(); vmx_set_tss_addr() returns 0
		 * with unrestricted guest, tdx is a no-op */
		if (arg > (unsigned int)(-3 * 4096))
			return -EINVAL;
		x->tss_addr = arg;
		return 0;
	case KVM_SET_IDENTITY_MAP_ADDR: {
		uint64_t a;

		if (vm->created_vcpus)
			return -EINVAL;
		if (sim_copy_from_user(&a, arg, sizeof(a)))
			return -EFAULT;
		x->identity_map_addr = a;
		x->identity_map_set = true;
		return 0;
	}
	case KVM_SET_BOOT_CPU_ID:
		if (vm->created_vcpus)
			return -EBUSY;
		if (arg > SIM_KVM_MAX_VCPU_IDS ||
		    (x->max_vcpu_ids && arg > x->max_vcpu_ids))
			return -EINVAL;
		x->bsp_vcpu_id = (uint32_t)arg;
		return 0;
	case KVM_CREATE_PIT2: {
		struct kvm_pit_config c;

		if (sim_copy_from_user(&c, arg, sizeof(c)))
			return -EFAULT;
		/* pic_in_kernel(): only the full in-kernel irqchip has a PIC */
		if (vm->irqchip != 2)
			return -ENOENT;
		trace_unmodelled();	/* the PIT itself is not modelled */
		return -EINVAL;
	}
	case KVM_GET_IRQCHIP:
	case KVM_SET_IRQCHIP: {
		/* kvm_arch_vm_ioctl(): memdup_user() of the argument first
		 * (EFAULT), then irqchip_full(): ENXIO without the full
		 * in-kernel irqchip (a TD never has one) */
		struct kvm_irqchip chip;

		if (sim_copy_from_user(&chip, arg, sizeof(chip)))
			return -EFAULT;
		if (vm->irqchip != 2)
			return -ENXIO;
		trace_unmodelled();	/* PIC and IOAPIC state */
		return -EINVAL;
	}
	case KVM_GET_PIT:
	case KVM_SET_PIT:
	case KVM_SET_PIT2:
	case KVM_REINJECT_CONTROL: {
		/* kvm_arch_vm_ioctl(): copy_from_user() first (EFAULT), then
		 * kvm->arch.vpit: the simulator never creates a PIT
		 * (KVM_CREATE_PIT2 is unmodelled), so ENXIO */
		struct kvm_pit_state2 buf;
		size_t len = req == KVM_GET_PIT || req == KVM_SET_PIT ?
			     sizeof(struct kvm_pit_state) :
			     req == KVM_SET_PIT2 ? sizeof(struct kvm_pit_state2) :
			     sizeof(struct kvm_reinject_control);

		if (sim_copy_from_user(&buf, arg, len))
			return -EFAULT;
		return -ENXIO;
	}
	case KVM_GET_PIT2:
		/* no copy before the kvm->arch.vpit check */
		return -ENXIO;
	case KVM_GET_CLOCK: {
		struct kvm_clock_data d;
		uint32_t lo, hi;

		memset(&d, 0, sizeof(d));
		d.clock = (uint64_t)(now_ns(CLOCK_MONOTONIC_RAW) + x->clock_offset_ns);
		d.realtime = (uint64_t)now_ns(CLOCK_REALTIME);
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		d.host_tsc = ((uint64_t)hi << 32) | lo;
		/* get_kvmclock() with a master clock on a TSC host */
		d.flags = KVM_CLOCK_TSC_STABLE | 4 /* REALTIME */ | 8 /* HOST_TSC */;
		return sim_copy_to_user(arg, &d, sizeof(d)) ? -EFAULT : 0;
	}
	case KVM_SET_CLOCK: {
		struct kvm_clock_data d;
		int64_t now = now_ns(CLOCK_MONOTONIC_RAW);

		if (sim_copy_from_user(&d, arg, sizeof(d)))
			return -EFAULT;
		if (d.flags & ~(uint32_t)(2 | 4 | 8))
			return -EINVAL;
		if (d.flags & 4) {
			uint64_t rt = (uint64_t)now_ns(CLOCK_REALTIME);

			if (rt > d.realtime)
				d.clock += rt - d.realtime;
		}
		x->clock_offset_ns = (int64_t)d.clock - now;
		x->clock_set = true;
		return 0;
	}
	case KVM_SET_PMU_EVENT_FILTER:
		return pmu_event_filter(x, arg);
	case KVM_X86_SET_MSR_FILTER:
		return vm_set_msr_filter(vm, arg);
	case KVM_GET_STATS_FD: {
		char id[64];

		snprintf(id, sizeof(id), "kvm-%d", (int)getpid());
		return stats_fd_create(false, id);
	}
	case KVM_SET_NR_MMU_PAGES:
		return arg < 64 ? -EINVAL : 0; /* KVM_MIN_ALLOC_MMU_PAGES */
	case KVM_GET_NR_MMU_PAGES:
		return -ENOTTY; /* removed from kvm_arch_vm_ioctl() */
	default:
		return SIM_NOT_MINE;
	}
}

/* ---- vCPU ---------------------------------------------------------------------- */
static long setup_mce(struct sim_vcpux *x, unsigned long arg)
{
	uint64_t cap;
	unsigned banks;

	if (sim_copy_from_user(&cap, arg, sizeof(cap)))
		return -EFAULT;
	banks = cap & 0xff;
	/* kvm_vcpu_ioctl_x86_setup_mce() */
	if (!banks || banks > MAX_MCE_BANKS)
		return -EINVAL;
	if (cap & ~(SIM_MCE_CAP | 0xff | 0xff0000))
		return -EINVAL;
	x->mcg_cap = cap;
	if (cap & (1ULL << 8))
		x->mcg_ctl = ~0ULL;
	for (unsigned b = 0; b < banks; b++)
		x->mce_banks[b * 4] = ~0ULL;
	return 0;
}

static long vcpu_events(struct sim_vcpu *v, struct sim_vcpux *x, bool set,
			unsigned long arg)
{
	struct sim_vmx *vx = vmx_of(v->vm);
	struct kvm_vcpu_events e;

	if (!vx)
		return -ENOMEM;
	if (!set) {
		/* kvm_vcpu_ioctl_x86_get_vcpu_events() */
		memset(&e, 0, sizeof(e));
		/* process_nmi(): at most 2 pending (no NMI mask on a TD) */
		e.nmi.pending = v->nmi_queued > 2 ? 2 : (uint8_t)v->nmi_queued;
		e.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
			  KVM_VCPUEVENT_VALID_SMM;
		if (vx->exception_payload)
			e.flags |= 0x10;	/* KVM_VCPUEVENT_VALID_PAYLOAD */
		if (vx->triple_fault_event)
			e.flags |= 0x20;	/* KVM_VCPUEVENT_VALID_TRIPLE_FAULT */
		return sim_copy_to_user(arg, &e, sizeof(e)) ? -EFAULT : 0;
	}
	if (sim_copy_from_user(&e, arg, sizeof(e)))
		return -EFAULT;
	/* kvm_vcpu_ioctl_x86_set_vcpu_events() */
	if (e.flags & ~0x3fU)
		return -EINVAL;
	if (e.flags & 0x10) {
		if (!vx->exception_payload)
			return -EINVAL;
		if (e.exception.pending)
			e.exception.injected = 0;
	} else {
		e.exception.pending = 0;
	}
	if ((e.exception.injected || e.exception.pending) &&
	    (e.exception.nr > 31 || e.exception.nr == 2))
		return -EINVAL;
	if (e.flags & KVM_VCPUEVENT_VALID_SMM) {
		/* a TD has no SMM: KVM_BUG_ON in vt_enter_smm(); the kernel
		 * refuses entering SMM when SMM is not supported */
		if (e.smi.smm && is_td(v->vm))
			return -EINVAL;
	}
	if (e.flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		v->nmi_queued = e.nmi.pending;
	return 0;
}

/* Refused for a TD vCPU whose state the TDX module protects (no DEBUG
 * attribute): kvm_arch_vcpu_ioctl_{get,set}_{regs,sregs,fpu}(),
 * kvm_vcpu_ioctl_x86_{get,set}_{xsave,xcrs,debugregs}(), KVM_{GET,SET}_SREGS2,
 * kvm_arch_vcpu_ioctl_set_guest_debug(), kvm_vcpu_ioctl_{get,set}_lapic()
 * (guest_apic_protected). */
static bool td_protected_ioctl(unsigned long req)
{
	switch (req) {
	case KVM_GET_REGS: case KVM_SET_REGS:
	case KVM_GET_SREGS: case KVM_SET_SREGS:
	case KVM_GET_SREGS2: case KVM_SET_SREGS2:
	case KVM_GET_FPU: case KVM_SET_FPU:
	case KVM_GET_XSAVE: case KVM_SET_XSAVE: case KVM_GET_XSAVE2:
	case KVM_GET_XCRS: case KVM_SET_XCRS:
	case KVM_GET_DEBUGREGS: case KVM_SET_DEBUGREGS:
	case KVM_SET_GUEST_DEBUG:
	case KVM_GET_LAPIC: case KVM_SET_LAPIC:
		return true;
	default:
		return false;
	}
}

/* TD attribute DEBUG (bit 0): guest_state_protected = !DEBUG */
static bool td_state_protected(const struct sim_vm *vm)
{
	return is_td(vm) && !(vm->attributes & 1);
}

/* The bytes the kernel copies in before the protected-state refusal of a
 * SET ioctl (so a bad pointer is EFAULT, not EINVAL); 0 when the refusal
 * comes first or nothing is read.  kvm_vcpu_ioctl() (kvm_main.c) does
 * memdup_user()/copy_from_user() for SET_REGS, SET_SREGS, SET_FPU and
 * SET_GUEST_DEBUG before kvm_arch_vcpu_ioctl_set_{regs,sregs,fpu,guest_debug}();
 * kvm_arch_vcpu_ioctl() (x86.c) copies SET_XSAVE (guest_fpu.uabi_size, at
 * least sizeof(struct kvm_xsave): fpu_alloc_guest_fpstate()), SET_XCRS,
 * SET_DEBUGREGS and SET_LAPIC (after its lapic_in_kernel() check) before
 * kvm_vcpu_ioctl_x86_set_{xsave,xcrs,debugregs}() / kvm_vcpu_ioctl_set_lapic()
 * refuse.  The SREGS2 calls and every GET refuse before touching memory. */
static size_t td_protected_copy_len(unsigned long req)
{
	switch (req) {
	case KVM_SET_REGS:		return sizeof(struct kvm_regs);
	case KVM_SET_SREGS:		return sizeof(struct kvm_sregs);
	case KVM_SET_FPU:		return sizeof(struct kvm_fpu);
	case KVM_SET_GUEST_DEBUG:	return sizeof(struct kvm_guest_debug);
	case KVM_SET_XSAVE:		return sizeof(struct kvm_xsave);
	case KVM_SET_XCRS:		return sizeof(struct kvm_xcrs);
	case KVM_SET_DEBUGREGS:		return sizeof(struct kvm_debugregs);
	case KVM_SET_LAPIC:		return sizeof(struct kvm_lapic_state);
	default:			return 0;
	}
}

/* The copy-in of those SET calls: 0 when it succeeds (or there is none),
 * else its errno; SET_LAPIC first needs lapic_in_kernel() (EINVAL). */
static long set_arg_copy(const struct sim_vm *vm, unsigned long req, unsigned long arg)
{
	size_t len = td_protected_copy_len(req);
	void *buf;
	int bad;

	if (req == KVM_SET_LAPIC && !vm->irqchip)
		return -EINVAL;	/* !lapic_in_kernel() */
	if (!len)
		return 0;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	bad = sim_copy_from_user(buf, arg, len);
	free(buf);
	return bad ? -EFAULT : 0;
}

static long td_protected_refusal(const struct sim_vm *vm, unsigned long req,
				 unsigned long arg)
{
	long r = set_arg_copy(vm, req, arg);

	return r ? r : -EINVAL;
}

long vcpu_x86_ioctl(struct sim_vcpu *v, unsigned long req, unsigned long arg)
{
	struct sim_vm *vm = v->vm;
	struct sim_vcpux *x;

	if (td_state_protected(vm) && td_protected_ioctl(req))
		return td_protected_refusal(vm, req, arg);
	x = vcpux_of(v);
	if (!x)
		return -ENOMEM;
	switch (req) {
	case KVM_GET_MSRS:
	case KVM_SET_MSRS:
		return vcpu_msrs(v, req == KVM_SET_MSRS, arg);
	case KVM_GET_ONE_REG:
	case KVM_SET_ONE_REG:
		return vcpu_one_reg(v, req == KVM_SET_ONE_REG, arg);
	case KVM_GET_REG_LIST:
		return vcpu_reg_list(v, arg);
	case KVM_X86_SETUP_MCE:
		return setup_mce(x, arg);
	case KVM_X86_SET_MCE: {
		struct kvm_x86_mce m;

		if (sim_copy_from_user(&m, arg, sizeof(m)))
			return -EFAULT;
		/* kvm_vcpu_ioctl_x86_set_mce(): bank within MCG_CAP and
		 * MCI_STATUS_VAL set (the bank contents are not modelled) */
		if (m.bank >= (x->mcg_cap & 0xff) || !(m.status & (1ULL << 63)))
			return -EINVAL;
		return 0;
	}
	case KVM_SET_VAPIC_ADDR: {
		struct kvm_vapic_addr va;

		if (!vm->irqchip)
			return -EINVAL;	/* !lapic_in_kernel() */
		if (sim_copy_from_user(&va, arg, sizeof(va)))
			return -EFAULT;
		/* kvm_lapic_set_vapic_addr(): the GPA must be in a memslot */
		if (va.vapic_addr && !mem_find_slot(vm, va.vapic_addr >> 12))
			return -EINVAL;
		x->vapic_addr = va.vapic_addr;
		return 0;
	}
	case KVM_TPR_ACCESS_REPORTING: {
		struct kvm_tpr_access_ctl t;

		if (sim_copy_from_user(&t, arg, sizeof(t)))
			return -EFAULT;
		if (t.flags)
			return -EINVAL;
		x->tpr_access_reporting = !!t.enabled;
		return sim_copy_to_user(arg, &t, sizeof(t)) ? -EFAULT : 0;
	}
	case KVM_INTERRUPT: {
		struct kvm_interrupt irq;

		if (sim_copy_from_user(&irq, arg, sizeof(irq)))
			return -EFAULT;
		/* kvm_vcpu_ioctl_interrupt() */
		if (irq.irq >= 256)
			return -EINVAL;
		if (!vm->irqchip)
			return 0;
		if (vm->irqchip == 2)
			return -ENXIO;	/* pic_in_kernel() */
		if (x->irq_pending != -1)
			return -EEXIST;
		x->irq_pending = (int)irq.irq;
		return 0;
	}
	case KVM_GET_VCPU_EVENTS:
	case KVM_SET_VCPU_EVENTS:
		return vcpu_events(v, x, req == KVM_SET_VCPU_EVENTS, arg);
	case KVM_KVMCLOCK_CTRL:
		/* kvm_set_guest_paused(): -EINVAL until the guest set up kvmclock */
		return -EINVAL;
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_SET_DEVICE_ATTR: {
		struct kvm_device_attr a;
		uint64_t off = 0;

		if (sim_copy_from_user(&a, arg, sizeof(a)))
			return -EFAULT;
		/* kvm_vcpu_ioctl_device_attr(): only KVM_VCPU_TSC_CTRL */
		if (a.group != 0 || a.attr != 0)
			return -ENXIO;
		if (req == KVM_HAS_DEVICE_ATTR)
			return 0;
		if (req == KVM_GET_DEVICE_ATTR)
			return sim_copy_to_user(a.addr, &off, sizeof(off)) ? -EFAULT : 0;
		if (sim_copy_from_user(&off, a.addr, sizeof(off)))
			return -EFAULT;
		/* guest_tsc_protected: the TDX module owns the TSC offset */
		return is_td(vm) ? -EINVAL : 0;
	}
	case KVM_GET_STATS_FD: {
		char id[64];

		snprintf(id, sizeof(id), "kvm-%d/vcpu-%u", (int)getpid(), v->id);
		return stats_fd_create(true, id);
	}
	case KVM_ENABLE_CAP:
		return vcpu_enable_cap(v, arg);
	default: {
		/* Register state of a vCPU that is not protected is not
		 * modelled, but the kernel's copy-in of a SET argument (and
		 * SET_LAPIC's lapic_in_kernel() check) still comes first. */
		long r = set_arg_copy(vm, req, arg);

		return r ? r : SIM_NOT_MINE;
	}
	}
}
