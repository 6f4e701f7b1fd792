/* SPDX-License-Identifier: MIT */
/*
 * MSRs: the /dev/kvm lists and feature MSRs (kvm_arch_dev_ioctl(),
 * kvm_init_msr_lists(), kvm_get_feature_msr() in arch/x86/kvm/x86.c), the
 * vCPU KVM_GET_MSRS/KVM_SET_MSRS loop (msr_io()/__msr_io()) with the TDX
 * rules (tdx_has_emulated_msr(), tdx_get_msr(), tdx_set_msr() in
 * arch/x86/kvm/vmx/tdx.c) and the MSR filter (kvm_vm_ioctl_set_msr_filter()).
 *
 * The lists are what kvm_init_msr_lists() builds on the modelled host
 * (kvm-x86.h): msrs_to_save_base[] minus the MSRs an Emerald Rapids part
 * does not have or KVM hides there (MSR_VM_HSAVE_PA and the AMD PMU MSRs
 * fault on RDMSR; BNDCFGS: no MPX; RTIT_*: pt_mode=0 hides Intel PT; the
 * legacy LBR from/to MSRs fault), the PMU MSRs for 8 GP and 3 fixed
 * counters, and emulated_msrs_all[] filtered by vmx_has_emulated_msr()
 * (drops MSR_AMD64_VIRT_SPEC_CTRL and MSR_AMD64_TSC_RATIO).  The feature
 * list is the 18 VMX capability MSRs (nested=1) plus UCODE_REV,
 * ARCH_CAPABILITIES, PERF_CAPABILITIES and PLATFORM_INFO (MSR_AMD64_DE_CFG
 * is AMD only).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvm-x86.h"

#define MAX_IO_MSRS 256

static const uint32_t msrs_to_save[] = {
	0x174, 0x175, 0x176,			/* SYSENTER_CS/ESP/EIP */
	0xc0000081, 0xc0000083, 0xc0000102,	/* STAR, CSTAR, KERNEL_GS_BASE */
	0xc0000084, 0xc0000082,			/* SYSCALL_MASK, LSTAR */
	0x10, 0x277, 0x3a,			/* TSC, CR_PAT, FEAT_CTL */
	0xc0000103, 0x48, 0x122,		/* TSC_AUX, SPEC_CTRL, TSX_CTRL */
	0xe1,					/* UMWAIT_CONTROL */
	0x1c4, 0x1c5, 0xda0,			/* XFD, XFD_ERR, XSS */
	0x6a0, 0x6a2, 0x6a4, 0x6a5, 0x6a6, 0x6a7, 0x6a8, /* CET */
	0x1d9,					/* DEBUGCTL */
	/* PMU: fixed counters 0-2, fixed ctrl, global status/ctrl, PEBS */
	0x309, 0x30a, 0x30b, 0x38d, 0x38e, 0x38f, 0x3f1, 0x600, 0x3f2,
	0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8,	/* PERFCTR0-7 */
	0x186, 0x187, 0x188, 0x189, 0x18a, 0x18b, 0x18c, 0x18d, /* EVNTSEL0-7 */
};

static const uint32_t emulated_msrs[] = {
	0x12, 0x11, 0x4b564d01, 0x4b564d00,	/* kvmclock */
	/* Hyper-V (CONFIG_KVM_HYPERV) */
	0x40000000, 0x40000001, 0x40000020, 0x40000021, 0x40000022,
	0x40000023, 0x40000100, 0x40000101, 0x40000102, 0x40000103,
	0x40000104, 0x40000105, 0x40000003, 0x40000002, 0x40000010,
	0x40000080, 0x400000b0, 0x40000073, 0x40000106, 0x40000107,
	0x40000108, 0x40000118, 0x400000ff, 0x400000f1, 0x400000f2,
	0x400000f3, 0x400000f4, 0x400000f5,
	0x4b564d02, 0x4b564d03, 0x4b564d04, 0x4b564d06, 0x4b564d07,
	0x3b, 0x6e0, 0x10a, 0x345, 0x1a0,	/* TSC_ADJUST ... MISC_ENABLE */
	0x17a, 0x17b, 0x4d0, 0x9e, 0x34,	/* MCG_*, SMBASE, SMI_COUNT */
	0xce, 0x140, 0x1fc, 0x8b,		/* PLATFORM_INFO ... UCODE_REV */
	0x480, 0x48d, 0x48e, 0x48f, 0x490, 0x485, 0x486, 0x488, 0x48a,
	0x48b, 0x48c, 0x491,			/* VMX (nested=1) */
	0xc0010015, 0x4b564d05,			/* K7_HWCR, POLL_CONTROL */
};

/* Feature MSR values.  The VMX ones are those nested VMX reports for an
 * Emerald Rapids host (vmcs_config.nested); documented as simulated. */
static const struct { uint32_t idx; uint64_t val; } features[] = {
	{ 0x480, 0x00da050000000013ULL },	/* VMX_BASIC: rev 0x13, 4 KiB */
	{ 0x481, 0x000000ff00000016ULL },	/* PINBASED_CTLS */
	{ 0x482, 0xfff9fffe0401e172ULL },	/* PROCBASED_CTLS */
	{ 0x483, 0x003fffff00036dffULL },	/* EXIT_CTLS */
	{ 0x484, 0x0000f3ff000011ffULL },	/* ENTRY_CTLS */
	{ 0x485, 0x0000000020000065ULL },	/* MISC */
	{ 0x486, 0x0000000080000021ULL },	/* CR0_FIXED0 */
	{ 0x487, 0x00000000ffffffffULL },	/* CR0_FIXED1 */
	{ 0x488, 0x0000000000002000ULL },	/* CR4_FIXED0 */
	{ 0x489, 0x0000000001ff2fffULL },	/* CR4_FIXED1 */
	{ 0x48a, 0x000000000000002eULL },	/* VMCS_ENUM */
	{ 0x48b, 0x0053d7fe00000000ULL },	/* PROCBASED_CTLS2 */
	{ 0x48c, 0x00000f0106334141ULL },	/* EPT_VPID_CAP */
	{ 0x48d, 0x000000ff00000016ULL },	/* TRUE_PINBASED */
	{ 0x48e, 0xfff9fffe04006172ULL },	/* TRUE_PROCBASED */
	{ 0x48f, 0x003fffff00036dfbULL },	/* TRUE_EXIT */
	{ 0x490, 0x0000f3ff000011fbULL },	/* TRUE_ENTRY */
	{ 0x491, 0x0000000000000001ULL },	/* VMFUNC: EPTP switching */
	/* microcode revision of the modelled part (rdmsr on the host) */
	{ 0x8b, 0x2100028300000000ULL },
	/* kvm_get_arch_capabilities(): RDCL_NO, IBRS_ALL, SKIP_VMENTRY_L1DFLUSH,
	 * SSB_NO, MDS_NO, PSCHANGE_MC_NO, TSX_CTRL_MSR, TAA_NO, SBDR_SSDP_NO,
	 * FBSDP_NO, PSDP_NO, BHI_NO, PBRSB_NO, GDS_NO, RFDS_NO, ITS_NO */
	{ 0x10a, 0x400000000d10e1fbULL },
	/* kvm_caps.supported_perf_cap: FW_WRITES + PEBS (arch LBR: no fmt) */
	{ 0x345, 0x00000000000064c0ULL },
	{ 0xce, 0x0000000080000000ULL },	/* MSR_PLATFORM_INFO_CPUID_FAULT */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static bool feature_get(uint32_t idx, uint64_t *val)
{
	for (size_t i = 0; i < N(features); i++)
		if (features[i].idx == idx) {
			*val = features[i].val;
			return true;
		}
	return false;
}

static bool in_list(const uint32_t *l, size_t n, uint32_t idx)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == idx)
			return true;
	return false;
}

/* kvm_is_advertised_msr() */
static bool advertised(uint32_t idx)
{
	return in_list(msrs_to_save, N(msrs_to_save), idx) ||
	       in_list(emulated_msrs, N(emulated_msrs), idx);
}

static long put_list(unsigned long arg, const uint32_t *a, size_t na,
		     const uint32_t *b, size_t nb)
{
	struct kvm_msr_list h;
	uint32_t n;

	if (sim_copy_from_user(&h, arg, sizeof(h)))
		return -EFAULT;
	n = h.nmsrs;
	h.nmsrs = (uint32_t)(na + nb);
	if (sim_copy_to_user(arg, &h, sizeof(h)))
		return -EFAULT;
	if (n < h.nmsrs)
		return -E2BIG;
	if (sim_copy_to_user(arg + sizeof(h), a, na * sizeof(*a)) ||
	    sim_copy_to_user(arg + sizeof(h) + na * sizeof(*a), b, nb * sizeof(*b)))
		return -EFAULT;
	return 0;
}

/* The entries of a struct kvm_msrs: NULL with *err set on failure. */
static struct kvm_msr_entry *msrs_in(unsigned long arg, uint32_t *n, long *err)
{
	struct kvm_msrs h;
	struct kvm_msr_entry *e;

	if (sim_copy_from_user(&h, arg, sizeof(h))) {
		*err = -EFAULT;
		return NULL;
	}
	if (h.nmsrs >= MAX_IO_MSRS) {
		*err = -E2BIG;
		return NULL;
	}
	e = calloc(h.nmsrs ? h.nmsrs : 1, sizeof(*e));
	if (!e) {
		*err = -ENOMEM;
		return NULL;
	}
	if (sim_copy_from_user(e, arg + sizeof(h), h.nmsrs * sizeof(*e))) {
		free(e);
		*err = -EFAULT;
		return NULL;
	}
	*n = h.nmsrs;
	return e;
}

/* /dev/kvm KVM_GET_MSRS: msr_io(NULL, ..., do_get_feature_msr) */
static long feature_msrs(unsigned long arg)
{
	struct kvm_msr_entry *e;
	uint32_t n = 0, i;
	long err;

	e = msrs_in(arg, &n, &err);
	if (!e)
		return err;
	for (i = 0; i < n; i++) {
		uint64_t d;

		if (feature_get(e[i].index, &d)) {
			e[i].data = d;
		} else {
			/* kvm_do_msr_access(): an advertised MSR reads 0 */
			e[i].data = 0;
			if (!advertised(e[i].index))
				break;
		}
	}
	err = sim_copy_to_user(arg + sizeof(struct kvm_msrs), e,
			       n * sizeof(*e)) ? -EFAULT : (long)i;
	free(e);
	return err;
}

long dev_msr_ioctl(unsigned long req, unsigned long arg)
{
	static const uint32_t *none;
	uint32_t feat[N(features)];

	switch (req) {
	case KVM_GET_MSR_INDEX_LIST:
		return put_list(arg, msrs_to_save, N(msrs_to_save),
				emulated_msrs, N(emulated_msrs));
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		for (size_t i = 0; i < N(features); i++)
			feat[i] = features[i].idx;
		return put_list(arg, feat, N(features), none, 0);
	case KVM_GET_MSRS:
		return feature_msrs(arg);
	default:
		return SIM_NOT_MINE;
	}
}

/* ---- vCPU MSRs ---------------------------------------------------------- */

/* tdx_has_emulated_msr() */
bool tdx_has_emulated_msr(uint32_t i)
{
	switch (i) {
	case 0x8b: case 0x10a: case 0x1fc: case 0x277:	/* UCODE_REV ... CR_PAT */
	case 0xfe:					/* MTRRcap */
	case 0x1a0: case 0xce: case 0x140:		/* MISC_ENABLE ... */
	case 0x1b: case 0xc0000080: case 0x3a:		/* APICBASE, EFER, FEAT_CTL */
	case 0x6e0:					/* TSC_DEADLINE */
	case 0x179: case 0x17a: case 0x17b: case 0x4d0:	/* MCG_* */
	case 0x2ff:					/* MTRRdefType */
	case 0x4b564d05:				/* POLL_CONTROL */
	/* x2APIC: ID, LVR, LDR, SPIV, ESR, LVTCMCI, ICR, LVTT, LVTTHMR,
	 * LVTPC, LVT0, LVT1, LVTERR, TMICT, TMCCT, TDCR */
	case 0x802: case 0x803: case 0x80d: case 0x80f: case 0x828:
	case 0x82f: case 0x830: case 0x832: case 0x833: case 0x834:
	case 0x835: case 0x836: case 0x837: case 0x838: case 0x839:
	case 0x83e:
		return true;
	default:
		/* MTRRphysBase0 ... MTRRfix4K_F8000, MC0_CTL ..., MC0_CTL2 ... */
		return (i >= 0x200 && i <= 0x26f) ||
		       (i >= 0x400 && i < 0x400 + 4 * 32) ||
		       (i >= 0x280 && i < 0x280 + 32);
	}
}

/* tdx_is_read_only_msr() */
static bool tdx_read_only(uint32_t i)
{
	return i == 0x1b || i == 0xc0000080 || i == 0x3a;
}

/* MSRs a non-TD vCPU takes from the host (kvm_set_msr_common(),
 * vmx_set_msr()): the advertised ones plus the architectural MSRs handled
 * there without being listed (APIC base, EFER, MTRRs, MCA banks, x2APIC,
 * feature MSRs). */
static bool vmx_msr_known(uint32_t i)
{
	uint64_t unused;

	return advertised(i) || feature_get(i, &unused) || tdx_has_emulated_msr(i) ||
	       (i >= 0x800 && i <= 0x8ff);
}

static int msr_slot(struct sim_vcpux *x, uint32_t idx, bool create)
{
	for (unsigned i = 0; i < x->nmsrs; i++)
		if (x->msr_idx[i] == idx)
			return (int)i;
	if (!create || x->nmsrs == SIM_NR_MSRS)
		return -1;
	x->msr_idx[x->nmsrs] = idx;
	x->msr_val[x->nmsrs] = 0;
	return (int)x->nmsrs++;
}

static uint64_t msr_default(struct sim_vcpu *v, struct sim_vcpux *x, uint32_t i)
{
	uint64_t f;

	switch (i) {
	case 0x1b:
		return v->apic_base;
	case 0xc0000080: /* tdx_vcpu_create(): SCE | LME | LMA | NX */
		return v->vm->type == KVM_X86_TDX_VM ? 0xd01 : 0;
	case 0x3a: /* tdx_get_msr(): FEAT_CTL_LOCKED (+ LMCE) */
		return 1 | ((x->mcg_cap & (1ULL << 27)) ? (1ULL << 20) : 0);
	case 0x179:
		return x->mcg_cap;
	case 0x17a:
		return x->mcg_status;
	case 0x17b:
		return x->mcg_ctl;
	case 0x277:
		return 0x0007040600070406ULL; /* MSR_IA32_CR_PAT_DEFAULT */
	case 0x1a0: /* kvm_vcpu_reset(): FAST_STRING (+ no-MWAIT quirk) */
		return 1;
	case 0xfe: /* MTRRcap: 8 variable MTRRs, fixed, WC */
		return 0x508;
	default:
		if (i >= 0x400 && i < 0x400 + 4 * 32) {
			unsigned bank = (i - 0x400) / 4;

			if (bank < (x->mcg_cap & 0xff))
				return x->mce_banks[i - 0x400];
			return 0;
		}
		if (feature_get(i, &f))
			return f;
		return 0;
	}
}

static int get_one(struct sim_vcpu *v, struct sim_vcpux *x, uint32_t i, uint64_t *d)
{
	bool td = v->vm->type == KVM_X86_TDX_VM;
	int s;

	*d = 0;
	if (td) {
		/* tdx_get_msr(): 1 for anything not emulated; MCx beyond the
		 * configured banks fail in kvm_get_msr_common() too */
		if (!tdx_has_emulated_msr(i))
			return 1;
	} else if (!vmx_msr_known(i)) {
		return 1;
	}
	if (i >= 0x400 && i < 0x400 + 4 * 32 &&
	    (i - 0x400) / 4 >= (x->mcg_cap & 0xff))
		return 1; /* get_msr_mce(): bank beyond MCG_CAP */
	if (i == 0x17b && !(x->mcg_cap & (1ULL << 8)))
		return 1; /* MCG_CTL without MCG_CTL_P */
	s = msr_slot(x, i, false);
	*d = s >= 0 ? x->msr_val[s] : msr_default(v, x, i);
	return 0;
}

static int set_one(struct sim_vcpu *v, struct sim_vcpux *x, uint32_t i, uint64_t d)
{
	bool td = v->vm->type == KVM_X86_TDX_VM;
	int s;

	if (td) {
		if (i == 0x4d0) { /* tdx_set_msr(): MCG_EXT_CTL */
			if (d & ~1ULL)
				return 1;
		} else if (tdx_read_only(i) || !tdx_has_emulated_msr(i)) {
			return 1;
		}
	} else if (!vmx_msr_known(i)) {
		/* kvm_do_msr_access(): writing 0 to an advertised MSR is ok */
		return (d == 0 && advertised(i)) ? 0 : 1;
	}
	if (i >= 0x400 && i < 0x400 + 4 * 32) {
		unsigned bank = (i - 0x400) / 4;

		if (bank >= (x->mcg_cap & 0xff))
			return 1;
		x->mce_banks[i - 0x400] = d;
		return 0;
	}
	switch (i) {
	case 0x179: /* MCG_CAP is read-only for the guest; host may set it */
		return 1;
	case 0x17a:
		x->mcg_status = d;
		return 0;
	case 0x17b:
		if (!(x->mcg_cap & (1ULL << 8)) || (d != 0 && d != ~0ULL))
			return 1;
		x->mcg_ctl = d;
		return 0;
	case 0x1b:
		v->apic_base = d;
		return 0;
	default:
		break;
	}
	s = msr_slot(x, i, true);
	if (s < 0)
		return 1;
	x->msr_val[s] = d;
	return 0;
}

/* vCPU KVM_GET_MSRS / KVM_SET_MSRS: msr_io() -> __msr_io(): stops at the
 * first MSR that fails and returns how many were processed. */
long vcpu_msrs(struct sim_vcpu *v, bool set, unsigned long arg)
{
	struct sim_vcpux *x = vcpux_of(v);
	struct kvm_msr_entry *e;
	uint32_t n = 0, i;
	long err;

	if (!x)
		return -ENOMEM;
	e = msrs_in(arg, &n, &err);
	if (!e)
		return err;
	for (i = 0; i < n; i++) {
		uint64_t d = e[i].data;
		int r = set ? set_one(v, x, e[i].index, d) : get_one(v, x, e[i].index, &d);

		e[i].data = d;
		if (r)
			break;
	}
	err = i;
	if (!set && sim_copy_to_user(arg + sizeof(struct kvm_msrs), e, n * sizeof(*e)))
		err = -EFAULT;
	free(e);
	return err;
}

/* ---- KVM_GET_ONE_REG / KVM_SET_ONE_REG / KVM_GET_REG_LIST ------------------ */
#define X86_REG_TYPE_MSR	2	/* KVM_X86_REG_TYPE_MSR (uapi asm/kvm.h) */
#define X86_REG_TYPE_KVM	3	/* KVM_X86_REG_TYPE_KVM */
#define X86_REG_GUEST_SSP	0	/* KVM_REG_GUEST_SSP */
#define F7_ECX_SHSTK		(1U << 7)

/* guest_cpu_cap_has(X86_FEATURE_SHSTK): the vCPU's CPUID.7.0:ECX[7] and
 * KVM's own support for it (what KVM_GET_SUPPORTED_CPUID reports). */
static bool guest_has_shstk(struct sim_vcpu *v)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(v->cpuid, v->cpuid_nent, 7, 0), *sup, *s;
	bool r;
	int n;

	if (!e || !(e->ecx & F7_ECX_SHSTK))
		return false;
	sup = calloc(SIM_MAX_CPUID, sizeof(*sup));
	if (!sup)
		return false;
	n = kvm_supported_cpuid(G.caps, xperm_guest(), sup, SIM_MAX_CPUID);
	s = n > 0 ? cpuid_find(sup, (unsigned)n, 7, 0) : NULL;
	r = s && (s->ecx & F7_ECX_SHSTK);
	free(sup);
	return r;
}

/* kvm_get_set_one_reg() (x86.c), in its order: the struct is copied
 * (EFAULT); the id must be x86 (EINVAL), with zero reserved fields; a KVM
 * register (only GUEST_SSP, with SHSTK) becomes an MSR in
 * kvm_translate_kvm_reg(); only 64-bit MSR registers remain; then
 * kvm_get_one_msr() / kvm_set_one_msr(): do_get_msr() / do_set_msr() as
 * KVM_GET/SET_MSRS (EINVAL when refused), the value through addr (EFAULT). */
long vcpu_one_reg(struct sim_vcpu *v, bool set, unsigned long arg)
{
	struct sim_vcpux *x = vcpux_of(v);
	struct kvm_one_reg r;
	uint32_t index;
	uint8_t type;
	uint64_t d;

	if (!x)
		return -ENOMEM;
	if (sim_copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	if ((r.id & KVM_REG_ARCH_MASK) != KVM_REG_X86)
		return -EINVAL;
	index = (uint32_t)r.id;
	type = (uint8_t)(r.id >> 32);
	if (((r.id >> 40) & 0xff) || ((r.id >> 48) & 0xf))	/* rsvd1, rsvd2 */
		return -EINVAL;
	if (type == X86_REG_TYPE_KVM) {
		if (index != X86_REG_GUEST_SSP || !guest_has_shstk(v))
			return -EINVAL;
		/* MSR_KVM_INTERNAL_GUEST_SSP: shadow-stack state is not modelled */
		trace_unmodelled();
		return -EINVAL;
	}
	if (type != X86_REG_TYPE_MSR)
		return -EINVAL;
	if ((r.id & KVM_REG_SIZE_MASK) != KVM_REG_SIZE_U64)
		return -EINVAL;
	if (!set) {
		if (get_one(v, x, index, &d))
			return -EINVAL;
		return sim_copy_to_user(r.addr, &d, sizeof(d)) ? -EFAULT : 0;
	}
	if (sim_copy_from_user(&d, r.addr, sizeof(d)))
		return -EFAULT;
	return set_one(v, x, index, d) ? -EINVAL : 0;
}

/* kvm_get_reg_list() (x86.c): n is read (EFAULT), the count written back
 * (EFAULT), E2BIG when n is too small, then the one register GUEST_SSP
 * when the guest has SHSTK. */
long vcpu_reg_list(struct sim_vcpu *v, unsigned long arg)
{
	uint64_t n, nr = guest_has_shstk(v) ? 1 : 0;
	uint64_t ssp = KVM_REG_X86 | ((uint64_t)X86_REG_TYPE_KVM << 32) | KVM_REG_SIZE_U64 |
		       X86_REG_GUEST_SSP;

	if (sim_copy_from_user(&n, arg, sizeof(n)))
		return -EFAULT;
	if (sim_copy_to_user(arg, &nr, sizeof(nr)))
		return -EFAULT;
	if (n < nr)
		return -E2BIG;
	if (nr && sim_copy_to_user(arg + sizeof(n), &ssp, sizeof(ssp)))
		return -EFAULT;
	return 0;
}

/* ---- KVM_X86_SET_MSR_FILTER: kvm_vm_ioctl_set_msr_filter() --------------- */
#define MSR_FILTER_MAX_BITMAP	0x600

long vm_set_msr_filter(struct sim_vm *vm, unsigned long arg)
{
	struct sim_vmx *x = vmx_of(vm);
	struct kvm_msr_filter f;
	struct sim_msr_range nr[16];
	unsigned nn = 0;
	bool empty = true;

	if (!x)
		return -ENOMEM;
	if (sim_copy_from_user(&f, arg, sizeof(f)))
		return -EFAULT;
	if (f.flags & ~(uint32_t)SIM_MSR_FILTER_DENY)
		return -EINVAL;
	for (int i = 0; i < 16; i++)
		empty &= !f.ranges[i].nmsrs;
	if (empty && !(f.flags & SIM_MSR_FILTER_DENY)) {
		/* an empty allow-all filter: drop the filter */
	} else if (empty) {
		return -EINVAL;
	}
	memset(nr, 0, sizeof(nr));
	for (int i = 0; i < 16; i++) {
		const struct kvm_msr_filter_range *r = &f.ranges[i];
		size_t bytes;

		if (!r->nmsrs)
			continue;
		if (r->flags & ~(uint32_t)(SIM_MSR_FILTER_READ | SIM_MSR_FILTER_WRITE) ||
		    !r->flags)
			goto einval;
		bytes = ((r->nmsrs + 63) / 64) * 8; /* BITS_TO_LONGS * sizeof(long) */
		if (bytes > MSR_FILTER_MAX_BITMAP)
			goto einval;
		nr[nn].bitmap = malloc(bytes);
		if (!nr[nn].bitmap) {
			for (unsigned k = 0; k < nn; k++)
				free(nr[k].bitmap);
			return -ENOMEM;
		}
		if (sim_copy_from_user(nr[nn].bitmap, (uint64_t)(uintptr_t)r->bitmap, bytes)) {
			free(nr[nn].bitmap);
			for (unsigned k = 0; k < nn; k++)
				free(nr[k].bitmap);
			return -EFAULT;
		}
		nr[nn].flags = r->flags;
		nr[nn].nmsrs = r->nmsrs;
		nr[nn].base = r->base;
		nn++;
	}
	for (unsigned k = 0; k < x->n_msr_ranges; k++)
		free(x->msr_ranges[k].bitmap);
	memcpy(x->msr_ranges, nr, sizeof(nr));
	x->n_msr_ranges = nn;
	x->msr_filter_set = !empty || (f.flags & SIM_MSR_FILTER_DENY);
	x->msr_filter_default_deny = f.flags & SIM_MSR_FILTER_DENY;
	return 0;
einval:
	for (unsigned k = 0; k < nn; k++)
		free(nr[k].bitmap);
	return -EINVAL;
}
