/* SPDX-License-Identifier: MIT */
/*
 * The TDX module's CPUID virtualisation as KVM_TDX_GET_CPUID reads it.
 *
 * TDH.MNG.INIT stores, for every leaf/sub-leaf of the module's CPUID lookup
 * table, the value a TD sees: the CPU's native value with the table's
 * fixed0-or-dynamic bits cleared and fixed1 bits set, the INIT_VM
 * configuration applied (CONFIG_DIRECT bits as given, ALLOW_DIRECT bits only
 * where the CPU has them), then adjusted for XFAM and the attributes.
 * KVM_TDX_GET_CPUID (tdx_vcpu_get_cpuid(), arch/x86/kvm/vmx/tdx.c) reads
 * them back with TDH.MNG.RD: basic leaves 0..CPUID.0.EAX and extended
 * 0x80000000..CPUID.0x80000000.EAX; a leaf is read first without a
 * sub-leaf, and when the module has no such field, sub-leaves 0, 1, … until
 * one is missing (tdx_vcpu_get_cpuid_leaf()), those entries flagged
 * KVM_CPUID_FLAG_SIGNIFCANT_INDEX; a leaf the module does not virtualise is
 * left out.  tdx_read_cpuid() patches 0x80000008.EAX[23:16] to the GPA
 * width (from the shared bit) and stops at KVM_MAX_CPUID_ENTRIES.
 *
 * The lookup table is module 1.5.28's (intel/tdx-module 30d22188,
 * include/auto_gen_1_5/cpuid_configurations.c: cpuid_lookup[] fixed1 /
 * fixed0_or_dynamic, xfam_mask_*); the simulator uses it for every module
 * version (the configurable masks do follow the version).  Dynamic values
 * follow the module's CPUID virtualisation (TDH.MNG.INIT's td_cpuid
 * configuration, src/vmm_dispatcher/api_calls/tdh_mng_init.c); per-vCPU values (x2APIC ids) are
 * 0 in TD-scope metadata.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define NA	0xffffffffU
#define ALL	0xffffffffU

struct lookup {
	uint32_t leaf, sub;
	uint32_t f1[4], f0[4];		/* fixed1, fixed0_or_dynamic: eax ebx ecx edx */
};

static const struct lookup lookup[] = {
	{ 0x0, NA, { 0x23, 0, 0, 0 }, { 0xffffffdc, 0, 0, 0 } },
	{ 0x1, NA, { 0, 0, 0x80000000, 0x200 }, { 0xf000c000, 0xff0000ff, 0x08010060, 0x40120400 } },
	{ 0x2, NA, { 0xfeff01, 0, 0, 0 }, { 0xff0100fe, ALL, ALL, ALL } },
	{ 0x3, NA, { 0 }, { ALL, ALL, ALL, ALL } },
	{ 0x4, 0, { 0 }, { 0x3c00, 0, 0, 0xfffffff8 } },
	{ 0x4, 1, { 0 }, { 0x3c00, 0, 0, 0xfffffff8 } },
	{ 0x4, 2, { 0 }, { 0x3c00, 0, 0, 0xfffffff8 } },
	{ 0x4, 3, { 0 }, { 0x3c00, 0, 0, 0xfffffff8 } },
	{ 0x4, 4, { 0 }, { ALL, ALL, ALL, ALL } },
	{ 0x5, NA, { 0 }, { 0xffff0000, 0xffff0000, 0xfffffffc, 0 } },
	{ 0x6, NA, { 0x4, 0, 0, 0 }, { 0xfffffffb, ALL, ALL, ALL } },
	{ 0x7, 0, { 0 }, { 0, 0x00404006, 0x643e8010, 0x002298c3 } },
	{ 0x7, 1, { 0 }, { 0xfb77e20f, ALL, ALL, 0xfffdbbcf } },
	{ 0x7, 2, { 0 }, { ALL, ALL, ALL, 0xffffffc0 } },
	{ 0x8, NA, { 0 }, { ALL, ALL, ALL, ALL } },
	{ 0xa, NA, { 0 }, { 0, 0, 0, 0xffff6000 } },
	{ 0xb, 0, { 0 }, { 0xffffffe0, 0xffff0000, 0xffff0000, ALL } },
	{ 0xb, 1, { 0 }, { 0xffffffe0, 0xffff0000, 0xffff0000, ALL } },
	{ 0xb, 2, { 0 }, { ALL, ALL, 0xffffff00, ALL } },
	{ 0xd, 0, { 0 }, { 0xfff9fd18, ALL, 0, ALL } },
	{ 0xd, 1, { 0 }, { 0xffffffe0, ALL, 0xffff26ff, ALL } },
	{ 0xd, 2, { 0 }, { 0, 0, 0, ALL } }, { 0xd, 3, { 0 }, { 0, 0, 0, ALL } },
	{ 0xd, 4, { 0 }, { 0, 0, 0, ALL } }, { 0xd, 5, { 0 }, { 0, 0, 0, ALL } },
	{ 0xd, 6, { 0 }, { 0, 0, 0, ALL } }, { 0xd, 7, { 0 }, { 0, 0, 0, ALL } },
	{ 0xd, 8, { 0 }, { 0, 0, 0, ALL } }, { 0xd, 9, { 0 }, { 0, 0, 0, ALL } },
	{ 0xd, 10, { 0 }, { 0, 0, 0, ALL } }, { 0xd, 11, { 0 }, { 0, 0, 0, ALL } },
	{ 0xd, 12, { 0 }, { 0, 0, 0, ALL } }, { 0xd, 13, { 0 }, { 0, 0, 0, ALL } },
	{ 0xd, 14, { 0 }, { 0, 0, 0, ALL } }, { 0xd, 15, { 0 }, { 0, 0, 0, ALL } },
	{ 0xd, 16, { 0 }, { 0, 0, 0, ALL } }, { 0xd, 17, { 0 }, { 0, 0, 0, ALL } },
	{ 0xd, 18, { 0 }, { 0, 0, 0, ALL } },
	{ 0xe, NA, { 0 }, { ALL, ALL, ALL, ALL } },
	{ 0x11, NA, { 0 }, { ALL, ALL, ALL, ALL } },
	{ 0x12, NA, { 0 }, { ALL, ALL, ALL, ALL } },
	{ 0x13, NA, { 0 }, { ALL, ALL, ALL, ALL } },
	{ 0x14, 0, { 0 }, { 0, 0xfffffe00, 0x7ffffff0, ALL } },
	{ 0x14, 1, { 0 }, { 0xfff8, 0, ALL, ALL } },
	{ 0x15, NA, { 0x1, 0, 0x17d7840, 0 }, { 0xfffffffe, 0, 0xfe8287bf, ALL } },
	{ 0x18, 0, { 0 }, { 0 } }, { 0x18, 1, { 0 }, { 0 } }, { 0x18, 2, { 0 }, { 0 } },
	{ 0x18, 3, { 0 }, { 0 } }, { 0x18, 4, { 0 }, { 0 } }, { 0x18, 5, { 0 }, { 0 } },
	{ 0x18, 6, { 0 }, { 0 } }, { 0x18, 7, { 0 }, { 0 } }, { 0x18, 8, { 0 }, { 0 } },
	{ 0x19, NA, { 0 }, { ALL, ALL, ALL, ALL } },
	{ 0x1a, NA, { 0 }, { 0, ALL, ALL, ALL } },
	{ 0x1c, NA, { 0 }, { 0 } },
	{ 0x1d, 0, { 0 }, { 0 } }, { 0x1d, 1, { 0 }, { 0 } },
	{ 0x1e, NA, { 0 }, { 0 } },
	{ 0x1f, 0, { 0 }, { 0xffffffe0, 0xffff0000, 0xffff0000, ALL } },
	{ 0x1f, 1, { 0 }, { 0xffffffe0, 0xffff0000, 0xffff0000, ALL } },
	{ 0x1f, 2, { 0 }, { 0xffffffe0, 0xffff0000, 0xffff0000, ALL } },
	{ 0x1f, 3, { 0 }, { 0xffffffe0, 0xffff0000, 0xffff0000, ALL } },
	{ 0x1f, 4, { 0 }, { 0xffffffe0, 0xffff0000, 0xffff0000, ALL } },
	{ 0x1f, 5, { 0 }, { 0xffffffe0, 0xffff0000, 0xffff0000, ALL } },
	{ 0x20, NA, { 0 }, { ALL, ALL, ALL, ALL } },
	{ 0x21, 0, { 0, 0x65746e49, 0x20202020, 0x5844546c }, { ALL, 0x9a8b91b6, 0xdfdfdfdf, 0xa7bbab93 } },
	{ 0x22, NA, { 0 }, { ALL, ALL, ALL, ALL } },
	{ 0x23, 0, { 0 }, { 0xfffffff0, 0, ALL, ALL } },
	{ 0x23, 1, { 0 }, { 0, 0, ALL, ALL } },
	{ 0x23, 2, { 0 }, { ALL, ALL, ALL, ALL } },
	{ 0x23, 3, { 0 }, { 0, ALL, ALL, ALL } },
	{ 0x80000000, NA, { 0x80000008, 0, 0, 0 }, { 0x7ffffff7, ALL, ALL, ALL } },
	{ 0x80000001, NA, { 0 }, { ALL, ALL, 0xfffffede, 0xd3efffff } },
	{ 0x80000002, NA, { 0x65746e49, 0x4454206c, 0x20202058, 0 }, { 0x9a8b91b6, 0xbbabdf93, 0xdfdfdfa7, ALL } },
	{ 0x80000006, NA, { 0, 0, 0x7040, 0 }, { ALL, ALL, 0x8fbf, ALL } },
	{ 0x80000007, NA, { 0 }, { ALL, ALL, ALL, 0xfffffeff } },
	{ 0x80000008, NA, { 0 }, { 0, 0xfffffdff, ALL, ALL } },
};
#define NLOOKUP (sizeof(lookup) / sizeof(lookup[0]))

/* xfam_mask_*: bits cleared when XFAM bit n is 0 */
struct xmask {
	uint32_t leaf, sub;
	unsigned reg;
	uint32_t mask[19];
};

static const struct xmask xmasks[] = {
	{ 0x1, NA, 2, { [2] = 0x30001000 } },
	{ 0x7, 0, 1, { [2] = 0x20, [5] = 0xdc230000, [6] = 0xdc230000, [7] = 0xdc230000,
		       [8] = 0x2000000 } },
	{ 0x7, 0, 2, { [2] = 0x600, [5] = 0x5842, [6] = 0x5842, [7] = 0x5842, [9] = 0x8,
		       [11] = 0x80, [12] = 0x80 } },
	{ 0x7, 0, 3, { [5] = 0x80010c, [6] = 0x80010c, [7] = 0x80010c, [11] = 0x100000,
		       [12] = 0x100000, [14] = 0x20, [15] = 0x80000, [17] = 0x3400000,
		       [18] = 0x3400000 } },
	{ 0x7, 1, 0, { [2] = 0x800010, [5] = 0x20, [6] = 0x20, [7] = 0x20 } },
	{ 0x7, 1, 3, { [2] = 0x430 } },
	{ 0xd, 0, 0, { [2] = 0x4, [5] = 0xe0, [6] = 0xe0, [7] = 0xe0, [9] = 0x200,
		       [17] = 0x60000, [18] = 0x60000 } },
	{ 0xd, 1, 2, { [8] = 0x100, [11] = 0x1800, [12] = 0x1800, [14] = 0x4000,
		       [15] = 0x8000 } },
};

#define ATTR_MIGRATABLE	(1ULL << 29)
#define ATTR_PKS	(1ULL << 30)
#define ATTR_KL		(1ULL << 31)
#define ATTR_LASS	(1ULL << 27)
#define ATTR_PERFMON	(1ULL << 63)

/* The INIT_VM configuration of (leaf, sub) and its masks, or NULL. */
static const struct kvm_cpuid_entry2 *config(const struct sim_vm *vm, uint32_t leaf,
					     uint32_t sub, uint32_t cd[4], uint32_t ad[4])
{
	const struct sim_caps *c = vm->caps;

	for (unsigned i = 0; i < c->nent && i < vm->td_ncpuid; i++) {
		const struct kvm_cpuid_entry2 *e = &c->cpuid[i];
		bool na = c->have_masks && i < c->nmasks && c->masks[i].leaf == e->function ?
			  c->masks[i].subleaf == NA : sub == NA;

		if (e->function != leaf || (na ? sub != NA : e->index != sub))
			continue;
		for (int r = 0; r < 4; r++) {
			if (c->have_masks && i < c->nmasks) {
				cd[r] = c->masks[i].cdirect[r];
				ad[r] = c->masks[i].adirect[r];
			} else {
				cd[r] = ALL;	/* no mask table: the value as configured */
				ad[r] = 0;
			}
		}
		return &vm->td_cpuid[i];
	}
	return NULL;
}

static uint32_t *reg(struct kvm_cpuid_entry2 *e, unsigned r)
{
	return r == 0 ? &e->eax : r == 1 ? &e->ebx : r == 2 ? &e->ecx : &e->edx;
}

static void zero(struct kvm_cpuid_entry2 *e)
{
	e->eax = e->ebx = e->ecx = e->edx = 0;
}

/* XSAVE size (standard format) of the XCR0 part of bv, from the CPU's 0xD.i. */
static uint32_t xsave_size(const struct sim_caps *c, uint64_t bv)
{
	uint32_t ret = 576;

	for (unsigned i = 2; i < 19; i++) {
		const struct kvm_cpuid_entry2 *x = caps_native(c, 0xd, i);

		if ((bv & (1ULL << i)) && x && !(x->ecx & 1) && x->ebx + x->eax > ret)
			ret = x->ebx + x->eax;
	}
	return ret;
}

/* Every lookup entry's TD value: out[i] for lookup[i]. */
static void virtualize(const struct sim_vm *vm, struct kvm_cpuid_entry2 *out)
{
	const struct sim_caps *c = vm->caps;
	uint64_t xfam = vm->xfam, attrs = vm->attributes;
	struct kvm_cpuid_entry2 *l7 = NULL, *l1 = NULL;

	for (unsigned i = 0; i < NLOOKUP; i++) {
		const struct lookup *l = &lookup[i];
		const struct kvm_cpuid_entry2 *n = caps_native(c, l->leaf, l->sub == NA ? 0 : l->sub);
		const struct kvm_cpuid_entry2 *cfg;
		struct kvm_cpuid_entry2 *e = &out[i];
		uint32_t cd[4], ad[4];

		memset(e, 0, sizeof(*e));
		e->function = l->leaf;
		e->index = l->sub;
		for (unsigned r = 0; r < 4; r++) {
			uint32_t nv = n ? *reg((struct kvm_cpuid_entry2 *)n, r) : 0;

			*reg(e, r) = (nv & ~l->f0[r]) | l->f1[r];
		}
		cfg = config(vm, l->leaf, l->sub, cd, ad);
		if (cfg) {
			for (unsigned r = 0; r < 4; r++) {
				uint32_t v = *reg(e, r), want = *reg((struct kvm_cpuid_entry2 *)cfg, r);

				*reg(e, r) = (v & ~(cd[r] | ad[r])) | (want & cd[r]) |
					     (want & ad[r] & v);
			}
			/* 1.EAX 0 = the platform's own family/model/stepping */
			if (l->leaf == 1 && !(cfg->eax & cd[0]) && n)
				e->eax = n->eax & 0x0fff3fff;
			/* 0x80000008.EAX[7:0] stays native without MAXPA_VIRT,
			 * which KVM never sets */
			if (l->leaf == 0x80000008 && n)
				e->eax = (e->eax & ~0xffU) | (n->eax & 0xff);
		}
		/* XFAM: bits of features the TD does not have */
		for (unsigned k = 0; k < sizeof(xmasks) / sizeof(xmasks[0]); k++) {
			const struct xmask *x = &xmasks[k];

			if (x->leaf != l->leaf || x->sub != l->sub)
				continue;
			for (unsigned b = 0; b < 19; b++)
				if (!(xfam & (1ULL << b)))
					*reg(e, x->reg) &= ~x->mask[b];
		}
		if (l->leaf == 1)
			l1 = e;
		if (l->leaf == 7 && l->sub == 0)
			l7 = e;
	}

	for (unsigned i = 0; i < NLOOKUP; i++) {
		const struct lookup *l = &lookup[i];
		struct kvm_cpuid_entry2 *e = &out[i];

		switch (l->leaf) {
		case 0x5:	/* MONITOR off → leaf 5 zeroed */
			if (l1 && !(l1->ecx & (1U << 3)))
				zero(e);
			break;
		case 0x7:
			/* Key Locker off; PKS and LASS follow the attributes */
			if (l->sub == 0) {
				e->ecx &= ~((1U << 23) | (1U << 31));
				if (attrs & ATTR_PKS)
					e->ecx |= 1U << 31;
			} else if (l->sub == 1) {
				e->eax &= ~(1U << 6);
				if (attrs & ATTR_LASS)
					e->eax |= 1U << 6;
			}
			break;
		case 0xa:
		case 0x23:	/* no PERFMON attribute: no PMU */
			if (!(attrs & ATTR_PERFMON))
				zero(e);
			break;
		case 0xd:
			if (l->sub == 0) {
				e->eax = (uint32_t)(xfam & e->eax);
				e->ecx = xsave_size(vm->caps, xfam);
				e->ebx = 576;	/* XCR0 = x87 at reset */
			} else if (l->sub == 1) {
				if (!(xfam & (1ULL << 18)))
					e->eax &= ~(1U << 4);	/* XFD: only with AMX */
			} else if (l->sub < 19 && !(xfam & (1ULL << l->sub))) {
				zero(e);
			}
			break;
		case 0x14:	/* PT */
			if (!(xfam & (1ULL << 8)))
				zero(e);
			break;
		case 0x15:
			e->ebx = vm->tsc_khz / 25000;
			break;
		case 0x19:
			zero(e);
			break;
		case 0x1a:
			if (attrs & ATTR_MIGRATABLE)
				zero(e);
			break;
		case 0x1c:	/* arch LBR */
			if (!(xfam & (1ULL << 15)))
				zero(e);
			break;
		case 0x1d:
		case 0x1e:	/* AMX */
			if (!(xfam & (1ULL << 18)))
				zero(e);
			break;
		case 0x80000008:
			/* 57-bit linear addresses only with LA57 */
			if (l7 && !(l7->ecx & (1U << 16)))
				e->eax = (e->eax & ~0xff00U) | (48 << 8);
			break;
		}
	}

	/* 0x1F → 0xB as TDH.MNG.INIT builds it (null 0x1F: native values). */
	{
		struct kvm_cpuid_entry2 *b[3] = { 0 }, *f[6] = { 0 }, last = { 0 };
		unsigned lvl = 0;
		bool null_cfg;

		for (unsigned i = 0; i < NLOOKUP; i++) {
			if (lookup[i].leaf == 0xb)
				b[lookup[i].sub] = &out[i];
			if (lookup[i].leaf == 0x1f)
				f[lookup[i].sub] = &out[i];
		}
		null_cfg = !f[0]->eax && !f[0]->ebx && !f[0]->ecx;
		for (unsigned s = 0; s < 6; s++) {
			if (null_cfg) {
				const struct kvm_cpuid_entry2 *n = caps_native(vm->caps, 0x1f, s);

				f[s]->eax = n ? n->eax & 0x1f : 0;
				f[s]->ebx = n ? n->ebx & 0xffff : 0;
				f[s]->ecx = n ? n->ecx & 0xffff : 0;
			}
			if ((f[s]->ecx >> 8) & 0xff) {
				if (((f[s]->ecx >> 8) & 0xff) == 1) {
					*b[0] = *f[s];
					b[0]->function = 0xb;
					b[0]->index = 0;
					lvl = 1;
				}
				last = *f[s];
			}
		}
		b[lvl]->eax = last.eax;
		b[lvl]->ebx = last.ebx;
		b[lvl]->ecx = lvl | (2 << 8);
		b[lvl]->edx = 0;
		while (lvl < 2)
			zero(b[++lvl]);
	}
}

/* KVM_TDX_GET_CPUID's list, in tdx_vcpu_get_cpuid()'s order: the count
 * (entries beyond max are counted, not written), or -EIO when leaf 0 or
 * 0x80000000 cannot be read. */
int td_cpuid_read_all(const struct sim_vm *vm, struct kvm_cpuid_entry2 *out,
		      unsigned max)
{
	struct kvm_cpuid_entry2 v[NLOOKUP];
	unsigned n = 0, gpaw = vm->shared_bit == (1ULL << 51) ? 52 : 48;
	uint32_t ranges[2][2] = { { 0, 0 }, { 0x80000000, 0 } };

	virtualize(vm, v);
	for (int r = 0; r < 2; r++) {
		for (uint32_t leaf = ranges[r][0]; ; leaf++) {
			bool na = false, any = false;

			if (leaf != ranges[r][0] && leaf > ranges[r][1])
				break;
			/* tdx_read_cpuid() without a sub-leaf, then sub-leaves */
			for (unsigned i = 0; i < NLOOKUP; i++)
				if (lookup[i].leaf == leaf && lookup[i].sub == NA)
					na = true;
			for (uint32_t sub = 0; sub < 128; sub++) {
				int found = -1;

				for (unsigned i = 0; i < NLOOKUP; i++)
					if (lookup[i].leaf == leaf &&
					    (na ? lookup[i].sub == NA : lookup[i].sub == sub))
						found = (int)i;
				if (found < 0 || n >= 256)	/* KVM_MAX_CPUID_ENTRIES */
					break;
				if (n < max) {
					out[n] = v[found];
					out[n].index = na ? 0 : sub;
					out[n].flags = na ? 0 : KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
					if (leaf == 0x80000008)
						out[n].eax = (out[n].eax & ~0xff0000U) | (gpaw << 16);
				}
				if (leaf == ranges[r][0])
					ranges[r][1] = v[found].eax;
				n++;
				any = true;
				if (na)
					break;
			}
			if (!any && leaf == ranges[r][0])
				return -EIO;
		}
	}
	return (int)n;
}
