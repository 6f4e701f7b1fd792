/* SPDX-License-Identifier: MIT */
/*
 * The preset's host CPU and what KVM makes of it.
 *
 * The native CPUID comes from a real bare-metal dump (sim/data/cpu-*.json,
 * see its "source" and "derived" keys).  KVM_GET_SUPPORTED_CPUID is
 * computed from it as Linux 7.2 does on a VMX host: kvm_dev_ioctl_get_cpuid()
 * walks leaves 0.., 0x80000000.. and the KVM leaves through
 * __do_cpuid_func() (arch/x86/kvm/cpuid.c), masking the feature registers
 * with kvm_cpu_caps.  The feature masks below are the bits named by
 * kvm_initialize_cpu_caps() with F(), X86_64_F(), SCATTERED_F(),
 * PASSTHROUGH_F(), SYNTHESIZED_F() or EMULATED_F() (mapped to bits through
 * cpufeatures.h and reverse_cpuid.h), plus vmx_set_cpu_caps()
 * (arch/x86/kvm/vmx/vmx.c).  Host-kernel assumptions, documented because
 * they are configuration, not hardware: kvm_intel defaults (nested=1,
 * enable_pmu=1, pt_mode=system, cet=1), TSX disabled by the host kernel
 * (tsx=off, the default on CPUs with TSX_CTRL), SGX not enabled by the BIOS
 * (the dump's leaf 0x12 is empty).
 */
#include <errno.h>
#include <string.h>

#include "sim.h"

#define BIT(n)			(1U << (n))
#define XFEATURE_MASK_XTILE	((1ULL << 17) | (1ULL << 18))
#define KVM_SUPPORTED_XCR0	0xE02FFULL	/* FP SSE YMM BND AVX-512 PKRU XTILE APX */
#define KVM_SUPPORTED_XSS	0x1800ULL	/* CET_U CET_S */

/* kvm_initialize_cpu_caps() feature (and emulated) bits per register. */
#define KCAP_1_ECX		0xf7fab203U
#define KCAP_1_ECX_EMU		0x81200000U	/* X2APIC, TSC_DEADLINE, HYPERVISOR */
#define KCAP_1_EDX		0x0f8bfbffU
#define KCAP_7_0_EBX		0xfdbf2fffU
#define KCAP_7_0_EBX_EMU	0x00000002U	/* TSC_ADJUST */
#define KCAP_7_ECX		0x5b415fceU
#define KCAP_7_EDX		0xbfd1451cU
#define KCAP_7_EDX_EMU		0x20000000U	/* ARCH_CAPABILITIES */
#define KCAP_7_1_EAX		0x84ac1cb7U
#define KCAP_7_1_ECX		0x00000020U
#define KCAP_7_1_EDX		0x00084530U
#define KCAP_7_2_EDX		0x0000003fU
#define KCAP_D_1_EAX		0x0000001fU
#define KCAP_1E_1_EAX		0x000001dfU
#define KCAP_8000_0001_ECX	0x00610bf3U
#define KCAP_8000_0001_EDX	0xefd3fbffU
#define KCAP_8000_0007_EDX	0x00000100U
#define KCAP_8000_0008_EBX	0x571ad205U
/* VENDOR_F bits vmx_set_cpu_caps() adds when the CPU has them */
#define VMX_1_ECX		(BIT(5) | BIT(2))	/* VMX (nested), DTES64 (PEBS) */
#define VMX_1_EDX		BIT(21)			/* DS (PEBS) */
#define VMX_7_ECX		BIT(5)			/* WAITPKG */
/* host kernel: TSX off (HLE, RTM), no SGX (SGX, SGX_LC) */
#define HOST_OFF_7_0_EBX	(BIT(4) | BIT(11) | BIT(2))
#define HOST_OFF_7_ECX		BIT(30)

const struct kvm_cpuid_entry2 *caps_native(const struct sim_caps *c, uint32_t fn,
					   uint32_t idx)
{
	for (unsigned i = 0; i < c->nnative; i++)
		if (c->native[i].function == fn && c->native[i].index == idx)
			return &c->native[i];
	return NULL;
}

/* CPUID as the CPU answers it: leaves it lists, zero for absent sub-leaves
 * and leaves (Intel's "highest basic leaf" answer for out-of-range leaves
 * is never asked for here). */
static struct kvm_cpuid_entry2 native(const struct sim_caps *c, uint32_t fn, uint32_t idx)
{
	const struct kvm_cpuid_entry2 *e = caps_native(c, fn, idx);
	struct kvm_cpuid_entry2 r = { .function = fn, .index = idx };

	if (e) {
		r.eax = e->eax;
		r.ebx = e->ebx;
		r.ecx = e->ecx;
		r.edx = e->edx;
	}
	return r;
}

/* The preset host's XCR0 (fpu_user_cfg.max_features | legacy): the XCR0 bits
 * of the XFAM KVM reports for TDX (supported_xcr0 of this host). */
uint64_t caps_host_xcr0(const struct sim_caps *c)
{
	return c ? (c->supported_xfam & KVM_SUPPORTED_XCR0) | 3 : 3;
}

/* xstate_required_size() from the CPU's 0xD.i sizes and offsets. */
static uint32_t xstate_size(const struct sim_caps *c, uint64_t bv, bool compacted)
{
	uint32_t ret = 512 + 64;

	for (unsigned i = 2; i < 64; i++) {
		struct kvm_cpuid_entry2 x;
		uint32_t off;

		if (!(bv & (1ULL << i)))
			continue;
		x = native(c, 0xd, i);
		if (compacted)
			off = (x.ecx & 2) ? ((ret + 63) & ~63U) : ret;
		else
			off = x.ebx;
		if (off + x.eax > ret)
			ret = off + x.eax;
	}
	return ret;
}

/* the standard-format size, for KVM_CAP_XSAVE2 (kvm-caps.c) */
uint32_t caps_xstate_size(const struct sim_caps *c, uint64_t bv);
uint32_t caps_xstate_size(const struct sim_caps *c, uint64_t bv)
{
	return xstate_size(c, bv, false);
}

static bool indexed(uint32_t f)
{
	switch (f) {
	case 4: case 7: case 0xb: case 0xd: case 0xf: case 0x10: case 0x12:
	case 0x14: case 0x17: case 0x18: case 0x1d: case 0x1e: case 0x1f:
	case 0x24: case 0x8000001d:
		return true;
	}
	return false;
}

struct arr {
	struct kvm_cpuid_entry2 *e;
	unsigned n, max;
};

/* do_host_cpuid() */
static struct kvm_cpuid_entry2 *host(struct arr *a, const struct sim_caps *c,
				     uint32_t fn, uint32_t idx)
{
	struct kvm_cpuid_entry2 *e;
	const struct kvm_cpuid_entry2 *m0 = caps_native(c, 0x80000000, 0);

	if (a->n >= a->max)
		return NULL;
	e = &a->e[a->n++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	if ((fn & 0xC0000000) == 0x40000000)
		return e;
	if ((fn & 0xC0000000) == 0x80000000 && (!m0 || fn > m0->eax))
		return e;
	*e = native(c, fn, idx);
	if (indexed(fn))
		e->flags |= KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	return e;
}

static void zero(struct kvm_cpuid_entry2 *e)
{
	e->eax = e->ebx = e->ecx = e->edx = 0;
}

/* __do_cpuid_func(): 0, or -E2BIG when the array is full. */
static int do_func(struct arr *a, const struct sim_caps *c, uint32_t fn,
		   uint64_t guest_perm)
{
	struct kvm_cpuid_entry2 *e = host(a, c, fn, 0);
	const struct kvm_cpuid_entry2 *n;
	uint64_t xcr0, xss;
	uint32_t max;

	if (!e)
		return -E2BIG;
	n = caps_native(c, 7, 0);
	switch (fn) {
	case 0:
		if (e->eax > 0x24)
			e->eax = 0x24;
		break;
	case 1:
		e->ecx = (e->ecx & (KCAP_1_ECX | VMX_1_ECX)) | KCAP_1_ECX_EMU;
		e->edx &= KCAP_1_EDX | VMX_1_EDX;
		break;
	case 2:
		break;
	case 4:
		for (uint32_t i = 1; e->eax & 0x1f; i++)
			if (!(e = host(a, c, fn, i)))
				return -E2BIG;
		break;
	case 6:
		zero(e);
		e->eax = 4;	/* ARAT */
		break;
	case 7:
		max = e->eax = e->eax < 2 ? e->eax : 2;
		e->ebx = (e->ebx & KCAP_7_0_EBX & ~HOST_OFF_7_0_EBX) | KCAP_7_0_EBX_EMU;
		e->ecx &= (KCAP_7_ECX | VMX_7_ECX) & ~HOST_OFF_7_ECX;
		e->edx = (e->edx & KCAP_7_EDX) | KCAP_7_EDX_EMU;
		if (max >= 1) {
			if (!(e = host(a, c, fn, 1)))
				return -E2BIG;
			e->eax &= KCAP_7_1_EAX;
			e->ecx &= KCAP_7_1_ECX;
			e->edx &= KCAP_7_1_EDX;
			e->ebx = 0;
		}
		if (max >= 2) {
			if (!(e = host(a, c, fn, 2)))
				return -E2BIG;
			e->edx &= KCAP_7_2_EDX;
			e->eax = e->ebx = e->ecx = 0;
		}
		break;
	case 0xa: {
		/* kvm_init_pmu_capability(): version <= 2, GP <= 8, fixed <= 3 */
		uint32_t ver = e->eax & 0xff, gp = (e->eax >> 8) & 0xff;
		uint32_t fixed = e->edx & 0x1f;

		if (ver > 2)
			ver = 2;
		if (gp > 8)
			gp = 8;
		if (fixed > 3)
			fixed = 3;
		e->eax = (e->eax & 0xffff0000U) | (gp << 8) | ver;
		e->ecx = 0;
		e->edx = fixed | (e->edx & 0x1fe0) | (ver ? BIT(15) : 0);
		break;
	}
	case 0xb:
	case 0x1f:
		e->eax = e->ebx = e->ecx = 0;	/* no topology: only sub-leaf 0 */
		break;
	case 0xd:
		/* kvm_get_filtered_xcr0(): AMX only with the guest permission */
		xcr0 = caps_host_xcr0(c);
		if (xcr0 & (1ULL << 18)) {
			xcr0 &= guest_perm;
			if (!(xcr0 & (1ULL << 18)))
				xcr0 &= ~XFEATURE_MASK_XTILE;
		}
		xss = c->supported_xfam & KVM_SUPPORTED_XSS;
		e->eax &= (uint32_t)xcr0;
		e->ebx = e->ecx = xstate_size(c, xcr0, false);
		e->edx &= (uint32_t)(xcr0 >> 32);
		if (!xcr0)
			break;
		if (!(e = host(a, c, fn, 1)))
			return -E2BIG;
		e->eax &= KCAP_D_1_EAX;
		e->ebx = (e->eax & (BIT(1) | BIT(3))) ? xstate_size(c, xcr0 | xss, true) : 0;
		e->ecx &= (uint32_t)xss;
		e->edx &= (uint32_t)(xss >> 32);
		for (unsigned i = 2; i < 64; i++) {
			if (!((xcr0 | xss) & (1ULL << i)))
				continue;
			if (!(e = host(a, c, fn, i)))
				return -E2BIG;
			if (!e->eax) {	/* WARN_ON_ONCE(): not a real state */
				a->n--;
				continue;
			}
			e->edx = 0;
		}
		break;
	case 0x12:	/* no SGX */
	case 0x14:	/* Intel PT not exposed (pt_mode=system) */
		zero(e);
		break;
	case 0x1d:
		if (!n || !(n->edx & BIT(24))) {	/* AMX_TILE */
			zero(e);
			break;
		}
		max = e->eax;
		for (uint32_t i = 1; i <= max; i++)
			if (!host(a, c, fn, i))
				return -E2BIG;
		break;
	case 0x1e:
		if (!n || !(n->edx & BIT(24))) {
			zero(e);
			break;
		}
		max = e->eax = e->eax < 1 ? e->eax : 1;
		if (max >= 1) {
			if (!(e = host(a, c, fn, 1)))
				return -E2BIG;
			e->eax &= KCAP_1E_1_EAX;
			e->ebx = e->ecx = e->edx = 0;
		}
		break;
	case 0x40000000:
		e->eax = 0x40000001;
		e->ebx = 0x4b4d564b;	/* "KVMKVMKVM\0\0\0" */
		e->ecx = 0x564b4d56;
		e->edx = 0x4d;
		break;
	case 0x40000001:
		/* CLOCKSOURCE NOP_IO_DELAY CLOCKSOURCE2 ASYNC_PF PV_EOI
		 * CLOCKSOURCE_STABLE PV_UNHALT PV_TLB_FLUSH ASYNC_PF_VMEXIT
		 * PV_SEND_IPI POLL_CONTROL PV_SCHED_YIELD ASYNC_PF_INT, STEAL_TIME */
		e->eax = BIT(0) | BIT(1) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) |
			 BIT(9) | BIT(10) | BIT(11) | BIT(12) | BIT(13) | BIT(14) |
			 BIT(24);
		e->ebx = e->ecx = e->edx = 0;
		break;
	case 0x80000000:
		if (e->eax > 0x80000022)
			e->eax = 0x80000022;
		break;
	case 0x80000001:
		e->ebx &= ~0x0fff0000U;
		e->ecx &= KCAP_8000_0001_ECX;
		e->edx &= KCAP_8000_0001_EDX;
		break;
	case 0x80000005:
		break;
	case 0x80000006:
		e->edx &= ~0x30000U;
		break;
	case 0x80000007:
		e->edx &= KCAP_8000_0007_EDX;
		e->eax = e->ebx = e->ecx = 0;
		break;
	case 0x80000008: {
		uint32_t virt = (e->eax >> 8) & 0xff, phys = e->eax & 0xff, gphys = phys;

		if (virt < 48)
			virt = 48;
		if (!c->has_5level_ept && gphys > 48)	/* 4-level TDP */
			gphys = 48;
		e->eax = phys | (virt << 8) | (gphys << 16);
		e->ecx &= ~(0xffff0000U | 0xf00U);
		e->edx = 0;
		e->ebx &= KCAP_8000_0008_EBX;
		break;
	}
	default:	/* 3, 5, 8, 9, 0xc, 0xe, 0xf, 0x10, 0x11, 0x13, 0x15-0x1c, 0x20 … */
		zero(e);
		break;
	}
	return 0;
}

/* get_cpuid_func(): the leaf, then every leaf up to the EAX it reported. */
static int get_func(struct arr *a, const struct sim_caps *c, uint32_t fn, uint64_t perm)
{
	uint32_t limit;
	int r = do_func(a, c, fn, perm);

	if (r)
		return r;
	limit = a->e[a->n - 1].eax;
	for (fn = fn + 1; fn <= limit; fn++)
		if ((r = do_func(a, c, fn, perm)))
			return r;
	return 0;
}

/* kvm_dev_ioctl_get_cpuid(KVM_GET_SUPPORTED_CPUID): entries written to out
 * (room for max), the count, or -E2BIG. */
int kvm_supported_cpuid(const struct sim_caps *c, uint64_t guest_perm,
			struct kvm_cpuid_entry2 *out, unsigned max)
{
	static const uint32_t funcs[] = { 0, 0x80000000, 0x40000000 };
	struct arr a = { out, 0, max };

	for (unsigned i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		int r = get_func(&a, c, funcs[i], guest_perm);

		if (r)
			return r;
	}
	return (int)a.n;
}
