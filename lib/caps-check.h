/* SPDX-License-Identifier: MIT */
/* Shared between caps-check.c and caps-check-cpuid.c.  Never installed. */
#ifndef LIBTDX_CAPS_CHECK_H
#define LIBTDX_CAPS_CHECK_H

#include "caps-internal.h"

/* The problems one check found (public, opaque). */
struct tdx_caps_check {
	char **problems;
	size_t count;
	size_t cap;
};

/* One run of the check. */
struct tdx_check {
	const struct tdx_caps *caps;
	struct tdx_caps_check *out;
	struct tdx_error *first;	/* gets the first problem; may be NULL */
	bool oom;	/* a problem could not be stored */
};

/* Add a problem; the first one also goes to c->first with field/bit. */
void tdx_check_problem(struct tdx_check *c, const char *field, int bit,
		       const char *fmt, ...) TDX_PRINTF(4, 5);

/* The CPUID part: configurable leaves, masks, TSX/WAITPKG, duplicates. */
void tdx_check_cpuid(struct tdx_check *c, const struct tdx_cpuid_entry *cpuid,
		     size_t n, uint32_t gpaw);

#endif /* LIBTDX_CAPS_CHECK_H */
