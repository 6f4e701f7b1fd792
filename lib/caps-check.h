/* SPDX-License-Identifier: MIT */
/* Shared between caps-check.c and caps-check-cpuid.c.  Never installed. */
#ifndef LIBTDX_CAPS_CHECK_H
#define LIBTDX_CAPS_CHECK_H

#include "caps-internal.h"

/* One run of tdx_caps_check_config(). */
struct tdx_check {
	struct tdx_caps *caps;
	bool oom;	/* a problem could not be stored */
};

/* Add a problem; the first one also goes to caps->error with field/bit. */
void tdx_check_problem(struct tdx_check *c, const char *field, int bit,
		       const char *fmt, ...) TDX_PRINTF(4, 5);

/* The CPUID part: configurable leaves, masks, TSX/WAITPKG, duplicates. */
void tdx_check_cpuid(struct tdx_check *c, const struct tdx_cpuid_entry *cpuid,
		     size_t n, uint32_t gpaw);

#endif /* LIBTDX_CAPS_CHECK_H */
