/* SPDX-License-Identifier: MIT */
/* The preset's host CPU: native CPUID and what KVM and the TDX module make of it. */
#include <errno.h>
#include <string.h>

#include "sim.h"

/* The preset host's XCR0 (fpu_user_cfg.max_features | legacy). */
uint64_t caps_host_xcr0(const struct sim_caps *c)
{
	/* XCR0-managed bits of the XFAM KVM reports: FP SSE YMM OPMASK ZMM
	 * PKRU XTILE (supervisor bits live in XSS). */
	return c ? (c->supported_xfam & 0xE02FFULL) | 3 : 3;
}
