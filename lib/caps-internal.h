/* SPDX-License-Identifier: MIT */
/* struct tdx_caps and helpers shared by the caps-*.c files.  Never installed. */
#ifndef LIBTDX_CAPS_INTERNAL_H
#define LIBTDX_CAPS_INTERNAL_H

#include "internal.h"

#define TDX_CAPS_MAX_CPUID	LIBTDX_KVM_MAX_CPUID_ENTRIES

/* 0x80000008.EAX[23:16]: the guest physical address width KVM reads. */
#define TDX_GPAW_LEAF		0x80000008u
#define TDX_GPAW_SHIFT		16
#define TDX_GPAW_MASK		(0xFFu << TDX_GPAW_SHIFT)
#define TDX_GPAW_DEFAULT	48
/* 7.0: TSX (HLE EBX 4, RTM EBX 11) and WAITPKG (ECX 5): KVM refuses them. */
#define TDX_CPUID7_EBX_TSX	((1u << 4) | (1u << 11))
#define TDX_CPUID7_ECX_WAITPKG	(1u << 5)

struct tdx_caps {
	uint64_t attrs;
	uint64_t xfam;
	struct tdx_tdvmcallinfo info;
	size_t ncpuid;
	struct tdx_cpuid_entry cpuid[TDX_CAPS_MAX_CPUID];
};


/*
 * Build caps from decoded values: validates (count, duplicates), copies the
 * entries and sets TDX_CPUID_FLAG_INDEXED on every function that appears
 * more than once.  Failures go to e (may be NULL) with the given step.
 */
int tdx_caps_new(uint64_t attrs, uint64_t xfam,
		 const struct tdx_tdvmcallinfo *info,
		 const struct tdx_cpuid_entry *cpuid, size_t n,
		 struct tdx_error *e, const char *step,
		 struct tdx_caps **ret_caps);

/*
 * Decode a successful KVM_TDX_CAPABILITIES answer (kc->cpuid.nent entries,
 * at most allocated) into caps.  Failures go to err (may be NULL).
 */
int tdx_caps_decode(const struct kvm_tdx_capabilities *kc, uint32_t allocated,
		    struct tdx_error *err, struct tdx_caps **ret_caps);

/*
 * Position of the configurable entry a (function, index) pair selects, or
 * -1.  For a function with one entry (not INDEXED) the index is ignored,
 * as KVM does for entries without SIGNIFCANT_INDEX.
 */
ssize_t tdx_caps_lookup(const struct tdx_caps *caps, uint32_t function,
			uint32_t index);

/* Register i (0..3 = EAX, EBX, ECX, EDX) of an entry, and its name. */
uint32_t *tdx_cpuid_reg(struct tdx_cpuid_entry *e, unsigned int i);
uint32_t tdx_cpuid_reg_get(const struct tdx_cpuid_entry *e, unsigned int i);
const char *tdx_cpuid_reg_name(unsigned int i);

#endif /* LIBTDX_CAPS_INTERNAL_H */
