/* SPDX-License-Identifier: MIT */
/*
 * The CPUID part of tdx_caps_check_config(): each entry must select one
 * configurable leaf (KVM refuses the whole INIT_VM otherwise), set only
 * configurable bits (the module refuses others with CPUID_CONFIG), and
 * leave TSX and WAITPKG clear (KVM refuses them).
 */
#include <stdio.h>
#include <string.h>

#include "caps-check.h"

struct named_bit {
	unsigned int reg;	/* 0..3 = EAX..EDX */
	uint32_t bit;
	const char *name;
	const char *what;
};

/* Leaf 7.0 bits KVM refuses in KVM_TDX_INIT_VM. */
static const struct named_bit refused_7_0[] = {
	{ 1, 4, "HLE", "TSX" },
	{ 1, 11, "RTM", "TSX" },
	{ 2, 5, "WAITPKG", "WAITPKG" },
};

static uint32_t refused_mask(const struct tdx_cpuid_entry *leaf, unsigned int reg)
{
	uint32_t m = 0;
	size_t i;

	if (leaf->function != 7 || leaf->index != 0)
		return 0;
	for (i = 0; i < TDX_ARRAY_SIZE(refused_7_0); i++)
		if (refused_7_0[i].reg == reg)
			m |= 1u << refused_7_0[i].bit;
	return m;
}

static void check_refused(struct tdx_check *c, const struct tdx_cpuid_entry *leaf,
			  const struct tdx_cpuid_entry *e)
{
	size_t i;

	if (leaf->function != 7 || leaf->index != 0)
		return;
	for (i = 0; i < TDX_ARRAY_SIZE(refused_7_0); i++) {
		const struct named_bit *nb = &refused_7_0[i];

		if (tdx_cpuid_reg_get(e, nb->reg) & (1u << nb->bit))
			tdx_check_problem(c, "cpuid", (int)nb->bit,
					  "CPUID 0x7.0 %s bit %u (%s) is set: KVM refuses %s in a TD",
					  tdx_cpuid_reg_name(nb->reg), nb->bit,
					  nb->name, nb->what);
	}
}

/* "bit 5" or "bits 5, 9, 12" into buf. */
static void list_bits(uint32_t m, char *buf, size_t size)
{
	size_t len;
	unsigned int b;
	bool first = true;

	snprintf(buf, size, "%s", __builtin_popcount(m) > 1 ? "bits " : "bit ");
	for (b = 0; b < 32; b++) {
		if (!(m & (1u << b)))
			continue;
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s%u", first ? "" : ", ", b);
		first = false;
	}
}

static void check_bits(struct tdx_check *c, const struct tdx_cpuid_entry *leaf,
		       const struct tdx_cpuid_entry *e, uint32_t gpaw)
{
	unsigned int reg;
	char bits[160];

	for (reg = 0; reg < 4; reg++) {
		uint32_t mask = tdx_cpuid_reg_get(leaf, reg);
		uint32_t v = tdx_cpuid_reg_get(e, reg) & ~refused_mask(leaf, reg);
		uint32_t bad;

		if (leaf->function == TDX_GPAW_LEAF && reg == 0) {
			uint32_t w = (v & TDX_GPAW_MASK) >> TDX_GPAW_SHIFT;

			/* KVM reports 0xFF here as a marker; GPAW comes from cfg->gpaw. */
			if (w && w != gpaw)
				tdx_check_problem(c, "cpuid", TDX_GPAW_SHIFT,
						  "CPUID 0x80000008 EAX[23:16] = %u conflicts with gpaw %u (set gpaw instead)",
						  w, gpaw);
			mask &= ~TDX_GPAW_MASK;
			v &= ~TDX_GPAW_MASK;
		}
		bad = v & ~mask;
		if (!bad)
			continue;
		list_bits(bad, bits, sizeof(bits));
		tdx_check_problem(c, "cpuid", __builtin_ctz(bad),
				  "CPUID 0x%x.%u %s %s %s not configurable (configurable bits: 0x%08x)",
				  leaf->function, leaf->index,
				  tdx_cpuid_reg_name(reg), bits,
				  __builtin_popcount(bad) > 1 ? "are" : "is", mask);
	}
}

void tdx_check_cpuid(struct tdx_check *c, const struct tdx_cpuid_entry *cpuid,
		     size_t n, uint32_t gpaw)
{
	const struct tdx_caps *caps = c->caps;
	size_t i, j;

	if (!n)
		return;
	if (!cpuid) {
		tdx_check_problem(c, "cpuid", -1,
				  "cpuid is NULL but cpuid_count is %zu", n);
		return;
	}
	if (n > LIBTDX_KVM_MAX_CPUID_ENTRIES)
		tdx_check_problem(c, "cpuid", -1,
				  "%zu CPUID entries: KVM accepts at most %d",
				  n, LIBTDX_KVM_MAX_CPUID_ENTRIES);
	for (i = 0; i < n; i++) {
		const struct tdx_cpuid_entry *e = &cpuid[i];
		ssize_t pos = tdx_caps_lookup(caps, e->function, e->index);
		bool dup = false;

		if (pos < 0) {
			tdx_check_problem(c, "cpuid", -1,
					  "CPUID 0x%x.%u is not configurable",
					  e->function, e->index);
			continue;
		}
		for (j = 0; j < i && !dup; j++)
			dup = tdx_caps_lookup(caps, cpuid[j].function,
					      cpuid[j].index) == pos;
		if (dup) {
			tdx_check_problem(c, "cpuid", -1,
					  "CPUID 0x%x.%u is given more than once",
					  e->function, e->index);
			continue;
		}
		check_refused(c, &caps->cpuid[pos], e);
		check_bits(c, &caps->cpuid[pos], e, gpaw);
	}
}
