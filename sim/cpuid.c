/* SPDX-License-Identifier: MIT */
/*
 * The vCPU's CPUID model: KVM_SET_CPUID2 / KVM_GET_CPUID2 as
 * arch/x86/kvm/cpuid.c (Linux 7.2) does them, and what KVM derives from the
 * table (MAXPHYADDR, x2APIC).
 *
 *  - kvm_vcpu_ioctl_set_cpuid2(): nent > KVM_MAX_CPUID_ENTRIES (256) → E2BIG;
 *  - kvm_set_cpuid(): after the vCPU has entered the guest
 *    (!kvm_can_set_cpuid_and_feature_msrs()), only a table equal to the
 *    current one is accepted (kvm_cpuid_check_equal(), EINVAL), compared
 *    after KVM's runtime updates (kvm_update_cpuid_runtime());
 *  - kvm_check_cpuid(): 0x80000008.EAX[15:8] (virtual address bits) must be
 *    0, 48 or 57 (EINVAL); a dynamic XSAVE feature in 0xD.0 (AMX tile data)
 *    needs the process's guest permission (fpu_enable_guest_xfd_features()
 *    → __xfd_enable_feature(): EPERM), see arch-prctl.c;
 *  - on failure the previous table stays (the kernel swaps back);
 *  - kvm_vcpu_after_set_cpuid(): MAXPHYADDR = cpuid_query_maxphyaddr() (36
 *    without 0x80000008), used by kvm_vcpu_is_legal_gpa() for MapGPA and by
 *    kvm_apic_set_base() for INIT_VCPU's APIC base;
 *  - kvm_vcpu_ioctl_get_cpuid2(): nent smaller than the table → E2BIG.
 */
#include <errno.h>
#include <string.h>

#include "sim.h"

#define KVM_MAX_CPUID_ENTRIES	256
#define XFEATURE_MASK_USER_DYNAMIC	(1ULL << 18)	/* XTILE_DATA */
#define F1_ECX_OSXSAVE		(1U << 27)
#define F1_ECX_X2APIC		(1U << 21)
#define F1_EDX_APIC		(1U << 9)
#define F7_ECX_OSPKE		(1U << 4)
#define FD1_EAX_XSAVEC		(1U << 1)
#define FD1_EAX_XSAVES		(1U << 3)
#define APICBASE_ENABLE		(1ULL << 11)

/* kvm_find_cpuid_entry2(): same function and (flag clear or same index). */
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid_entry2 *e, unsigned n,
				    uint32_t fn, uint32_t idx)
{
	for (unsigned i = 0; i < n; i++)
		if (e[i].function == fn &&
		    (!(e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e[i].index == idx))
			return &e[i];
	return NULL;
}

/* cpuid_query_maxphyaddr() */
unsigned cpuid_maxphyaddr(struct kvm_cpuid_entry2 *e, unsigned n)
{
	const struct kvm_cpuid_entry2 *b = cpuid_find(e, n, 0x80000000, 0);

	if (!b || b->eax < 0x80000008)
		return 36;
	b = cpuid_find(e, n, 0x80000008, 0);
	return b ? (b->eax & 0xff) : 36;
}

/* kvm_vcpu_is_legal_gpa(): no bit at or above MAXPHYADDR. */
bool vcpu_legal_gpa(const struct sim_vcpu *v, uint64_t gpa)
{
	unsigned m = v->cpuid_set ? v->maxphyaddr : 36;

	return m >= 64 || !(gpa >> m);
}

/* The APIC base KVM has before INIT_VCPU: kvm_lapic_reset() enables the
 * xAPIC at the default base (MSR writes are not modelled). */
static uint64_t apic_base(const struct sim_vcpu *v)
{
	return v->apic_base ? v->apic_base : 0xFEE00000ULL | APICBASE_ENABLE;
}

/* kvm_update_cpuid_runtime(): the bits KVM owns.  The simulated vCPU never
 * runs guest code, so CR4 stays 0 (no OSXSAVE, no PKE) and XCR0 stays
 * XFEATURE_MASK_FP (kvm_vcpu_reset()), whose XSAVE size is 576 bytes. */
static void update_runtime(const struct sim_vcpu *v, struct kvm_cpuid_entry2 *e,
			   unsigned n)
{
	struct kvm_cpuid_entry2 *b;

	b = cpuid_find(e, n, 1, 0);
	if (b) {
		b->ecx &= ~F1_ECX_OSXSAVE;
		if (apic_base(v) & APICBASE_ENABLE)
			b->edx |= F1_EDX_APIC;
		else
			b->edx &= ~F1_EDX_APIC;
	}
	b = cpuid_find(e, n, 7, 0);
	if (b)
		b->ecx &= ~F7_ECX_OSPKE;
	b = cpuid_find(e, n, 0xd, 0);
	if (b)
		b->ebx = 576;		/* xstate_required_size(XFEATURE_MASK_FP) */
	b = cpuid_find(e, n, 0xd, 1);
	if (b && (b->eax & (FD1_EAX_XSAVES | FD1_EAX_XSAVEC)))
		b->ebx = 576;
}

/* kvm_check_cpuid() */
static int check_cpuid(struct sim_vcpu *v, struct kvm_cpuid_entry2 *e, unsigned n)
{
	const struct kvm_cpuid_entry2 *b = cpuid_find(e, n, 0x80000008, 0);
	uint64_t xf;

	if (b) {
		unsigned vaddr_bits = (b->eax >> 8) & 0xff;

		if (vaddr_bits != 48 && vaddr_bits != 57 && vaddr_bits != 0)
			return -EINVAL;
	}
	b = cpuid_find(e, n, 0xd, 0);
	if (!b)
		return 0;
	xf = (b->eax | ((uint64_t)b->edx << 32)) & XFEATURE_MASK_USER_DYNAMIC;
	/* fpu_enable_guest_xfd_features(): nothing to do if already enabled */
	xf &= ~v->guest_xfeatures;
	if (!xf)
		return 0;
	/* __xfd_enable_feature(): the process's guest permission */
	if ((xperm_guest() & xf) != xf)
		return -EPERM;
	v->guest_xfeatures |= xf;
	return 0;
}

/* kvm_set_cpuid() */
static long set_cpuid(struct sim_vcpu *v, struct kvm_cpuid_entry2 *e, unsigned nent)
{
	int r;

	update_runtime(v, e, nent);
	if (v->ran) {
		/* kvm_cpuid_check_equal() */
		if (nent != v->cpuid_nent)
			return -EINVAL;
		for (unsigned i = 0; i < nent; i++) {
			const struct kvm_cpuid_entry2 *a = &e[i], *o = &v->cpuid[i];

			if (a->function != o->function || a->index != o->index ||
			    a->flags != o->flags || a->eax != o->eax || a->ebx != o->ebx ||
			    a->ecx != o->ecx || a->edx != o->edx)
				return -EINVAL;
		}
		return 0;
	}
	r = check_cpuid(v, e, nent);
	if (r)
		return r;
	memcpy(v->cpuid, e, nent * sizeof(e[0]));
	v->cpuid_nent = nent;
	v->cpuid_set = true;
	v->maxphyaddr = cpuid_maxphyaddr(v->cpuid, v->cpuid_nent);
	return 0;
}

/* kvm_arch_vcpu_ioctl(KVM_SET_CPUID2), kvm_vcpu_ioctl_set_cpuid2() */
long vcpu_set_cpuid2(struct sim_vcpu *v, unsigned long arg)
{
	struct kvm_cpuid_entry2 e[KVM_MAX_CPUID_ENTRIES];
	struct kvm_cpuid2 hdr;

	if (sim_copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > KVM_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (hdr.nent && sim_copy_from_user(e, arg + sizeof(hdr), hdr.nent * sizeof(e[0])))
		return -EFAULT;
	return set_cpuid(v, e, hdr.nent);
}

/* kvm_arch_vcpu_ioctl(KVM_SET_CPUID), kvm_vcpu_ioctl_set_cpuid(): the
 * header copied (EFAULT), nent bounded (E2BIG), the old-format entries
 * copied (EFAULT) and widened with index, flags and padding 0, then the
 * same kvm_set_cpuid() as KVM_SET_CPUID2. */
long vcpu_set_cpuid(struct sim_vcpu *v, unsigned long arg)
{
	struct kvm_cpuid_entry2 e[KVM_MAX_CPUID_ENTRIES];
	struct kvm_cpuid_entry o[KVM_MAX_CPUID_ENTRIES];
	struct kvm_cpuid hdr;

	if (sim_copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > KVM_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (hdr.nent && sim_copy_from_user(o, arg + sizeof(hdr), hdr.nent * sizeof(o[0])))
		return -EFAULT;
	memset(e, 0, sizeof(e));
	for (unsigned i = 0; i < hdr.nent; i++) {
		e[i].function = o[i].function;
		e[i].eax = o[i].eax;
		e[i].ebx = o[i].ebx;
		e[i].ecx = o[i].ecx;
		e[i].edx = o[i].edx;
	}
	return set_cpuid(v, e, hdr.nent);
}

long vcpu_get_cpuid2(struct sim_vcpu *v, unsigned long arg)
{
	struct kvm_cpuid2 hdr;

	if (sim_copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < v->cpuid_nent)
		return -E2BIG;
	if (sim_copy_to_user(arg + sizeof(hdr), v->cpuid,
			     v->cpuid_nent * sizeof(v->cpuid[0])))
		return -EFAULT;
	hdr.nent = v->cpuid_nent;
	/* x86.c KVM_GET_CPUID2 copies the header back after the entries */
	if (sim_copy_to_user(arg, &hdr, sizeof(hdr)))
		return -EFAULT;
	return 0;
}

/* kvm_apic_set_base() for INIT_VCPU's x2APIC base: reserved bits from the
 * vCPU's MAXPHYADDR, x2APIC enable without CPUID x2APIC. */
bool vcpu_apic_base_ok(struct sim_vcpu *v, uint64_t base)
{
	const struct kvm_cpuid_entry2 *l1 = cpuid_find(v->cpuid, v->cpuid_nent, 1, 0);
	uint64_t rsvd = 0x2ff;
	unsigned m = v->cpuid_set ? v->maxphyaddr : 36;

	if (m < 64)
		rsvd |= ~0ULL << m;
	if (!l1 || !(l1->ecx & F1_ECX_X2APIC))
		rsvd |= 1ULL << 10;	/* X2APIC_ENABLE */
	return !(base & rsvd);
}
