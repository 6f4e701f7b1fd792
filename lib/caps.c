/* SPDX-License-Identifier: MIT */
/*
 * struct tdx_caps: construction from values, getters, lookup, free.
 * The ioctl side (KVM_TDX_CAPABILITIES) is in caps-fetch.c.
 */
#include <stdlib.h>
#include <string.h>

#include "caps-internal.h"

static const char *const reg_names[4] = { "EAX", "EBX", "ECX", "EDX" };

uint32_t *tdx_cpuid_reg(struct tdx_cpuid_entry *e, unsigned int i)
{
	switch (i) {
	case 0: return &e->eax;
	case 1: return &e->ebx;
	case 2: return &e->ecx;
	default: return &e->edx;
	}
}

uint32_t tdx_cpuid_reg_get(const struct tdx_cpuid_entry *e, unsigned int i)
{
	return *tdx_cpuid_reg((struct tdx_cpuid_entry *)e, i);
}

const char *tdx_cpuid_reg_name(unsigned int i)
{
	return i < 4 ? reg_names[i] : "?";
}

ssize_t tdx_caps_lookup(const struct tdx_caps *caps, uint32_t function,
			uint32_t index)
{
	size_t i;

	for (i = 0; i < caps->ncpuid; i++) {
		const struct tdx_cpuid_entry *c = &caps->cpuid[i];

		if (c->function != function)
			continue;
		if (!(c->flags & TDX_CPUID_FLAG_INDEXED) || c->index == index)
			return (ssize_t)i;
	}
	return -1;
}

int tdx_caps_new(uint64_t attrs, uint64_t xfam,
		 const struct tdx_tdvmcallinfo *info,
		 const struct tdx_cpuid_entry *cpuid, size_t n,
		 struct tdx_error *e, const char *step,
		 struct tdx_caps **ret_caps)
{
	struct tdx_caps *caps;
	size_t i, j;

	if (!ret_caps)
		return tdx_err(e, -EINVAL, step, NULL, -1, "%s: NULL ret_caps",
			       step);
	if (n && !cpuid)
		return tdx_err(e, -EINVAL, step, "cpuid", -1,
			       "%s: no CPUID array", step);
	if (n > TDX_CAPS_MAX_CPUID)
		return tdx_err(e, -EINVAL, step, "cpuid", -1,
			       "%s: %zu CPUID entries, at most %d allowed",
			       step, n, TDX_CAPS_MAX_CPUID);
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (cpuid[i].function == cpuid[j].function &&
			    cpuid[i].index == cpuid[j].index)
				return tdx_err(e, -EINVAL, step, "cpuid", -1,
					       "%s: CPUID 0x%x.0x%x listed twice",
					       step, cpuid[i].function,
					       cpuid[i].index);

	caps = calloc(1, sizeof(*caps));
	if (!caps)
		return tdx_err(e, -ENOMEM, step, NULL, -1, "%s: out of memory",
			       step);
	caps->attrs = attrs;
	caps->xfam = xfam;
	if (info)
		caps->info = *info;
	caps->ncpuid = n;
	if (n)
		memcpy(caps->cpuid, cpuid, n * sizeof(*cpuid));

	/* KVM reports flags 0: a sub-leaf matters when the leaf has several. */
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (i != j && cpuid[i].function == cpuid[j].function)
				caps->cpuid[i].flags |= TDX_CPUID_FLAG_INDEXED;
	*ret_caps = caps;
	return 0;
}

TDX_EXPORT int tdx_caps_new_from_values(uint64_t supported_attrs,
					uint64_t supported_xfam,
					const struct tdx_tdvmcallinfo *info,
					const struct tdx_cpuid_entry *cpuid,
					size_t cpuid_count, struct tdx_caps **ret_caps)
{
	return tdx_caps_new(supported_attrs, supported_xfam, info, cpuid,
			    cpuid_count, NULL, "caps_from_values", ret_caps);
}

TDX_EXPORT void tdx_caps_free(struct tdx_caps *caps)
{
	free(caps);
}

TDX_EXPORT uint64_t tdx_caps_get_supported_attrs(const struct tdx_caps *caps)
{
	return caps ? caps->attrs : 0;
}

TDX_EXPORT uint64_t tdx_caps_get_supported_xfam(const struct tdx_caps *caps)
{
	return caps ? caps->xfam : 0;
}

/*
 * SEPT_VE_DISABLE where the TD may set it.  A Linux guest checks it early
 * (disable_sept_ve(), arch/x86/coco/tdx/tdx.c): on a TDX module without
 * TDCS_CONFIG_FLEXIBLE_PENDING_VE it panics unless the attribute is set
 * (a debug TD only warns).  caps->attrs is KVM's supported_attrs, already
 * within what KVM accepts (tdx_get_supported_attrs()).
 */
TDX_EXPORT uint64_t tdx_caps_get_default_attrs(const struct tdx_caps *caps)
{
	if (!caps)
		return 0;
	return caps->attrs & TDX_ATTR_SEPT_VE_DISABLE;
}

uint64_t tdx_cfg_attributes(const struct tdx_caps *caps,
			    const struct tdx_td_config *cfg)
{
	uint64_t a = TDX_OPTS_GET(cfg, attributes, 0);

	if (!a && !(TDX_OPTS_GET(cfg, flags, 0) & TDX_TD_CONFIG_EXACT_ATTRIBUTES))
		a = tdx_caps_get_default_attrs(caps);
	return a;
}

/*
 * TDX_XFAM_DEFAULT & supported, minus any group the host offers only in
 * part (and AVX-512 without AVX), so the default always passes the
 * module's XFAM rules.
 */
TDX_EXPORT uint64_t tdx_caps_get_default_xfam(const struct tdx_caps *caps)
{
	static const uint64_t groups[] = { TDX_XFAM_AVX512, TDX_XFAM_AMX };
	uint64_t x;
	size_t i;

	if (!caps)
		return 0;
	x = TDX_XFAM_DEFAULT & caps->xfam;
	for (i = 0; i < TDX_ARRAY_SIZE(groups); i++)
		if ((x & groups[i]) != groups[i])
			x &= ~groups[i];
	if (!(x & TDX_XFAM_AVX))
		x &= ~TDX_XFAM_AVX512;
	return x;
}

TDX_EXPORT void tdx_caps_get_tdvmcallinfo(const struct tdx_caps *caps,
					  struct tdx_tdvmcallinfo *ret)
{
	if (!ret)
		return;
	if (caps)
		*ret = caps->info;
	else
		memset(ret, 0, sizeof(*ret));
}

TDX_EXPORT size_t tdx_caps_cpuid_count(const struct tdx_caps *caps)
{
	return caps ? caps->ncpuid : 0;
}

TDX_EXPORT int tdx_caps_get_cpuid(const struct tdx_caps *caps, size_t i,
				  struct tdx_cpuid_entry *ret_entry)
{
	if (!caps || !ret_entry)
		return -EINVAL;
	if (i >= caps->ncpuid)
		return -ERANGE;
	*ret_entry = caps->cpuid[i];
	return 0;
}

TDX_EXPORT int tdx_caps_find_cpuid(const struct tdx_caps *caps,
				   uint32_t function, uint32_t index,
				   struct tdx_cpuid_entry *ret_entry)
{
	ssize_t i;

	if (!caps || !ret_entry)
		return -EINVAL;
	i = tdx_caps_lookup(caps, function, index);
	if (i < 0)
		return -ENOENT;
	*ret_entry = caps->cpuid[i];
	return 0;
}

