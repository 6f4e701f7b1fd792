/* SPDX-License-Identifier: MIT */
/*
 * tdx_caps_build_init_cpuid(): the CPUID array for KVM_TDX_INIT_VM.  One
 * entry per configurable leaf, in the caps' order, so every entry matches
 * exactly one configurable leaf (KVM's rule; SIGNIFCANT_INDEX is set on
 * leaves with several configurable sub-leaves).
 */
#include <string.h>

#include "caps-internal.h"

#define STEP "build_init_cpuid"

/* KVM's own lookup rule: function, and index when the entry says it matters. */
static const struct kvm_cpuid_entry2 *host_find(const struct kvm_cpuid2 *host,
						uint32_t function, uint32_t index)
{
	uint32_t i;

	if (!host)
		return NULL;
	for (i = 0; i < host->nent; i++) {
		const struct kvm_cpuid_entry2 *h = &host->entries[i];

		if (h->function == function &&
		    (!(h->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || h->index == index))
			return h;
	}
	return NULL;
}

/* The first cfg entry that selects configurable entry pos, or NULL. */
static const struct tdx_cpuid_entry *cfg_find(const struct tdx_caps *caps,
					      const struct tdx_cpuid_entry *cfg,
					      size_t n, size_t pos)
{
	size_t i;

	for (i = 0; cfg && i < n; i++)
		if (tdx_caps_lookup(caps, cfg[i].function, cfg[i].index) == (ssize_t)pos)
			return &cfg[i];
	return NULL;
}

/*
 * The topology of n vCPUs as a VMM describes it (QEMU does the same from
 * -smp): one package, one thread per core, n cores, x2APIC id = vCPU id
 * (KVM's tdx_vcpu_init() gives TDH.VP.INIT the vCPU id).  A Linux guest
 * reads leaf 0x1F/0xB for the topology (the TDX module virtualises both
 * from the 0x1F configuration, and only then sets
 * TOPOLOGY_ENUM_CONFIGURED, which enable_cpu_topology_enumeration(),
 * arch/x86/coco/tdx/tdx.c, needs), and leaf 1 EBX / leaf 4 for cache
 * sharing.  Only the configurable bits (mask c) are kept.
 */
static void set_topology(struct kvm_cpuid_entry2 *o,
			 const struct tdx_cpuid_entry *c, unsigned int n)
{
	unsigned int shift = 0, ids;

	while ((1u << shift) < n && shift < 16)
		shift++;
	ids = 1u << shift;		/* addressable ids in the package */
	switch (c->function) {
	case 1:
		o->ebx = (o->ebx & ~0x00ff0000u) | ((ids > 255 ? 255 : ids) << 16);
		o->edx = n > 1 ? o->edx | (1u << 28) : o->edx & ~(1u << 28); /* HTT */
		break;
	case 4:
		if (!(o->eax & 0x1f))	/* no cache at this sub-leaf */
			break;
		o->eax &= 0x00003fffu;
		o->eax |= ((ids > 64 ? 64 : ids) - 1) << 26;	/* cores per package - 1 */
		if (((o->eax >> 5) & 7) >= 3)			/* L3: the whole package */
			o->eax |= ((ids > 4096 ? 4096 : ids) - 1) << 14;
		break;
	case 0xb:
	case 0x1f:
		o->eax = o->ebx = o->ecx = o->edx = 0;
		if (c->index == 0) {		/* SMT: one thread per core */
			o->ebx = 1;
			o->ecx = 1u << 8;
		} else if (c->index == 1) {	/* core: n of them */
			o->eax = shift;
			o->ebx = n;
			o->ecx = 1 | (2u << 8);
		} else {			/* end of the levels */
			o->ecx = c->index & 0xff;
		}
		break;
	default:
		return;
	}
	o->eax &= c->eax;
	o->ebx &= c->ebx;
	o->ecx &= c->ecx;
	o->edx &= c->edx;
}

int tdx_caps_build_init_cpuid(const struct tdx_caps *caps,
			      const struct tdx_td_config *cfg,
			      const struct kvm_cpuid2 *host_supported,
			      unsigned int vcpus,
			      struct kvm_cpuid_entry2 *out, size_t cap,
			      struct tdx_error *e)
{
	const char *why;
	const struct tdx_cpuid_entry *user;
	size_t i, nuser;
	uint32_t gpaw;

	if (!caps || (!out && cap))
		return tdx_err(e, -EINVAL, STEP, NULL, -1, "%s: bad arguments", STEP);
	why = tdx_opts_problem(cfg, sizeof(*cfg));
	if (why)
		return tdx_err(e, -EINVAL, STEP, NULL, -1,
			       "%s: struct tdx_td_config: %s", STEP, why);
	gpaw = TDX_OPTS_GET(cfg, gpaw, 0);
	if (!gpaw)
		gpaw = TDX_GPAW_DEFAULT;
	if (gpaw != 48 && gpaw != 52)
		return tdx_err(e, -EINVAL, STEP, "gpaw", -1,
			       "%s: gpaw %u is not 48 or 52", STEP, gpaw);
	if (tdx_caps_lookup(caps, TDX_GPAW_LEAF, 0) < 0)
		return tdx_err(e, -EINVAL, STEP, "cpuid", -1,
			       "%s: CPUID 0x80000008 is not configurable on this host, so KVM cannot be given the GPAW",
			       STEP);
	if (caps->ncpuid > cap)
		return tdx_err(e, -E2BIG, STEP, "cpuid", -1,
			       "%s: %zu entries needed, room for %zu", STEP,
			       caps->ncpuid, cap);
	user = TDX_OPTS_GET(cfg, cpuid, NULL);
	nuser = TDX_OPTS_GET(cfg, cpuid_count, 0);

	for (i = 0; i < caps->ncpuid; i++) {
		const struct tdx_cpuid_entry *c = &caps->cpuid[i];
		const struct tdx_cpuid_entry *u = cfg_find(caps, user, nuser, i);
		const struct kvm_cpuid_entry2 *h;
		struct kvm_cpuid_entry2 *o = &out[i];

		memset(o, 0, sizeof(*o));
		o->function = c->function;
		o->index = c->index;
		if (c->flags & TDX_CPUID_FLAG_INDEXED)
			o->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		if (u) {
			o->eax = u->eax;
			o->ebx = u->ebx;
			o->ecx = u->ecx;
			o->edx = u->edx;
		} else if ((h = host_find(host_supported, c->function, c->index))) {
			/* real values, within the configurable bits */
			o->eax = c->eax & h->eax;
			o->ebx = c->ebx & h->ebx;
			o->ecx = c->ecx & h->ecx;
			o->edx = c->edx & h->edx;
		}
		/* else 0: KVM does not report the leaf, so it does not support
		 * it (the configurable mask is not a value: copied in, it
		 * claimed every feature the module could virtualise) */
		if (!u)
			set_topology(o, c, vcpus ? vcpus : 1);
		if (!u && c->function == 1)
			o->eax = 0;	/* FMS 0 = the platform's own (module rule) */
		if (c->function == 7 && c->index == 0) {
			o->ebx &= ~TDX_CPUID7_EBX_TSX;
			o->ecx &= ~TDX_CPUID7_ECX_WAITPKG;
		}
		if (c->function == TDX_GPAW_LEAF)
			o->eax = (o->eax & ~TDX_GPAW_MASK) | (gpaw << TDX_GPAW_SHIFT);
	}
	return (int)caps->ncpuid;
}
