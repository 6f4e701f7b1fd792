/* SPDX-License-Identifier: MIT */
/*
 * tdx_caps_check_config(): compare a TD configuration with the caps and
 * with what KVM and the TDX module accept, listing every problem (one
 * sentence each) before any ioctl.  The CPUID part is in caps-check-cpuid.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps-check.h"

#define TSC_KHZ_MIN	100000u		/* 100 MHz */
#define TSC_KHZ_MAX	10000000u	/* 10 GHz */
#define TSC_KHZ_STEP	25000u		/* 25 MHz */

void tdx_check_problem(struct tdx_check *c, const char *field, int bit,
		       const char *fmt, ...)
{
	struct tdx_caps_check *out = c->out;
	char msg[sizeof(((struct tdx_error *)0)->msg)];
	va_list ap;
	char *dup;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!out->count && !c->oom && c->first)
		tdx_err(c->first, -EINVAL, "validate", field, bit, "%s", msg);
	if (out->count == out->cap) {
		size_t cap = out->cap ? 2 * out->cap : 16;
		char **p = realloc(out->problems, cap * sizeof(*p));

		if (!p) {
			c->oom = true;
			return;
		}
		out->problems = p;
		out->cap = cap;
	}
	dup = strdup(msg);
	if (!dup) {
		c->oom = true;
		return;
	}
	out->problems[out->count++] = dup;
}

static const char *bit_name(const char *name, unsigned int bit, char *tmp,
			    size_t n)
{
	if (name)
		return name;
	snprintf(tmp, n, "bit%u", bit);
	return tmp;
}

static void check_attrs(struct tdx_check *c, uint64_t attrs)
{
	char sup[256], tmp[8];
	unsigned int bit;

	tdx_attrs_format(c->caps->attrs, sup, sizeof(sup));
	for (bit = 0; bit < 64; bit++) {
		uint64_t b = 1ULL << bit;
		const char *name = bit_name(tdx_attr_name(bit), bit, tmp, sizeof(tmp));
		bool in_caps = c->caps->attrs & b;
		bool in_kvm = TDX_ATTR_KVM_SUPPORTED & b;

		if (!(attrs & b) || (in_caps && in_kvm))
			continue;
		if (!in_caps && !in_kvm)
			tdx_check_problem(c, "attributes", (int)bit,
					  "attribute %s (bit %u) is not supported (host supports: %s; KVM accepts only sept-ve-disable)",
					  name, bit, sup);
		else if (!in_caps)
			tdx_check_problem(c, "attributes", (int)bit,
					  "attribute %s (bit %u) is not supported by the TDX module on this host (supported: %s)",
					  name, bit, sup);
		else
			tdx_check_problem(c, "attributes", (int)bit,
					  "attribute %s (bit %u) is allowed by the TDX module but KVM refuses it (KVM accepts only sept-ve-disable)",
					  name, bit);
	}
}

static int lowest_bit(uint64_t m)
{
	return m ? __builtin_ctzll(m) : -1;
}

/* A group that must be all set or all clear. */
static void check_group(struct tdx_check *c, uint64_t xfam, uint64_t group,
			const char *gname)
{
	uint64_t missing = group & ~xfam;
	int bit = lowest_bit(missing);

	if (!(xfam & group) || !missing)
		return;
	tdx_check_problem(c, "xfam", bit,
			  "XFAM %s parts must be set together: %s (bit %d) is missing",
			  gname, tdx_xfam_name((unsigned int)bit), bit);
}

static void check_xfam(struct tdx_check *c, uint64_t xfam)
{
	char sup[256], tmp[8];
	unsigned int bit;

	tdx_xfam_format(c->caps->xfam, sup, sizeof(sup));
	for (bit = 0; bit < 64; bit++) {
		uint64_t b = 1ULL << bit;

		if ((xfam & b) && !(c->caps->xfam & b))
			tdx_check_problem(c, "xfam", (int)bit,
					  "XFAM %s (bit %u) is not supported by this host (supported: %s)",
					  bit_name(tdx_xfam_name(bit), bit, tmp, sizeof(tmp)),
					  bit, sup);
	}
	/*
	 * x87 and SSE are in the TDX module's XFAM_FIXED1: every TD has them.
	 * KVM ORs td_conf->xfam_fixed1 into the XFAM it passes on
	 * (setup_tdparams(), arch/x86/kvm/vmx/tdx.c), so the kernel does not
	 * refuse a value without them -- but the TD would then not get the
	 * XFAM that was configured (and tdx_vm_get_xfam() would misreport it).
	 * Refused here, naming the bits.
	 */
	if ((xfam & (TDX_XFAM_X87 | TDX_XFAM_SSE)) != (TDX_XFAM_X87 | TDX_XFAM_SSE)) {
		uint64_t missing = (TDX_XFAM_X87 | TDX_XFAM_SSE) & ~xfam;

		tdx_check_problem(c, "xfam", lowest_bit(missing),
				  "XFAM must include x87 (bit 0) and sse (bit 1), fixed to 1 by the TDX module; missing: %s%s%s",
				  missing & TDX_XFAM_X87 ? "x87 (bit 0)" : "",
				  missing == (TDX_XFAM_X87 | TDX_XFAM_SSE) ? ", " : "",
				  missing & TDX_XFAM_SSE ? "sse (bit 1)" : "");
	}
	if ((xfam & TDX_XFAM_AVX512) && !(xfam & TDX_XFAM_AVX))
		tdx_check_problem(c, "xfam", 2,
				  "XFAM avx512 needs avx (bit 2)");
	check_group(c, xfam, TDX_XFAM_AVX512, "avx512");
	check_group(c, xfam, TDX_XFAM_CET, "cet (cet-u and cet-s)");
	check_group(c, xfam, TDX_XFAM_AMX, "amx");
}

static void check_gpaw(struct tdx_check *c, uint32_t gpaw)
{
	if (gpaw != 0 && gpaw != 48 && gpaw != 52)
		tdx_check_problem(c, "gpaw", -1,
				  "gpaw %u is invalid: KVM accepts 48 or 52 (0 means 48)",
				  gpaw);
}

static void check_tsc(struct tdx_check *c, uint32_t khz)
{
	if (!khz)
		return;
	if (khz < TSC_KHZ_MIN || khz > TSC_KHZ_MAX)
		tdx_check_problem(c, "tsc_khz", -1,
				  "tsc_khz %u is outside 100 MHz..10 GHz (100000..10000000 kHz)",
				  khz);
	if (khz % TSC_KHZ_STEP)
		tdx_check_problem(c, "tsc_khz", -1,
				  "tsc_khz %u is not a multiple of 25 MHz (25000 kHz)",
				  khz);
}

int tdx_caps_check_run(const struct tdx_caps *caps,
		       const struct tdx_td_config *cfg, struct tdx_error *first,
		       struct tdx_caps_check **ret_check)
{
	struct tdx_check c = { .caps = caps, .first = first };
	const char *why;
	uint64_t xfam;
	uint32_t gpaw;
	int r;

	c.out = calloc(1, sizeof(*c.out));
	if (!c.out)
		return first ? tdx_err(first, -ENOMEM, "validate", NULL, -1,
				       "validate: out of memory") : -ENOMEM;
	why = cfg ? tdx_opts_problem(cfg, sizeof(*cfg)) : NULL;
	if (!cfg) {
		tdx_check_problem(&c, NULL, -1, "no configuration given");
	} else if (why) {
		tdx_check_problem(&c, NULL, -1, "struct tdx_td_config: %s", why);
	} else {
		xfam = TDX_OPTS_GET(cfg, xfam, 0);
		if (!xfam)
			xfam = tdx_caps_get_default_xfam(caps);
		gpaw = TDX_OPTS_GET(cfg, gpaw, 0);
		check_attrs(&c, tdx_cfg_attributes(caps, cfg));
		if (TDX_OPTS_GET(cfg, flags, 0) & ~TDX_TD_CONFIG_EXACT_ATTRIBUTES)
			tdx_check_problem(&c, "flags", -1,
					  "unknown tdx_td_config flags 0x%x",
					  TDX_OPTS_GET(cfg, flags, 0) & ~TDX_TD_CONFIG_EXACT_ATTRIBUTES);
		check_xfam(&c, xfam);
		check_gpaw(&c, gpaw);
		check_tsc(&c, TDX_OPTS_GET(cfg, tsc_khz, 0));
		tdx_check_cpuid(&c, TDX_OPTS_GET(cfg, cpuid, NULL),
				TDX_OPTS_GET(cfg, cpuid_count, 0),
				gpaw ? gpaw : TDX_GPAW_DEFAULT);
	}
	if (c.oom) {
		tdx_caps_check_free(c.out);
		return first ? tdx_err(first, -ENOMEM, "validate", NULL, -1,
				       "validate: out of memory listing problems")
			     : -ENOMEM;
	}
	r = (int)c.out->count;
	if (ret_check)
		*ret_check = c.out;
	else
		tdx_caps_check_free(c.out);
	return r;
}

TDX_EXPORT int tdx_caps_check_config(const struct tdx_caps *caps,
				     const struct tdx_td_config *cfg,
				     struct tdx_caps_check **ret_check)
{
	if (!caps)
		return -EINVAL;
	return tdx_caps_check_run(caps, cfg, NULL, ret_check);
}

TDX_EXPORT size_t tdx_caps_check_problem_count(const struct tdx_caps_check *check)
{
	return check ? check->count : 0;
}

TDX_EXPORT const char *tdx_caps_check_get_problem(const struct tdx_caps_check *check,
						   size_t i)
{
	if (!check || i >= check->count)
		return NULL;
	return check->problems[i];
}

TDX_EXPORT void tdx_caps_check_free(struct tdx_caps_check *check)
{
	size_t i;

	if (!check)
		return;
	for (i = 0; i < check->count; i++)
		free(check->problems[i]);
	free(check->problems);
	free(check);
}
