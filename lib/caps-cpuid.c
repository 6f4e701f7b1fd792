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

int tdx_caps_build_init_cpuid(const struct tdx_caps *caps,
			      const struct tdx_td_config *cfg,
			      const struct kvm_cpuid2 *host_supported,
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
			o->eax = c->eax & h->eax;
			o->ebx = c->ebx & h->ebx;
			o->ecx = c->ecx & h->ecx;
			o->edx = c->edx & h->edx;
		} else {
			o->eax = c->eax;
			o->ebx = c->ebx;
			o->ecx = c->ecx;
			o->edx = c->edx;
		}
		if (!u && c->function == 0x1f) {
			/* All-zero 0x1F lets the module use the native topology;
			 * a half-masked host topology is not a valid one. */
			o->eax = o->ebx = o->ecx = o->edx = 0;
		}
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
