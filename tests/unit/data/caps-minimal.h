/* SPDX-License-Identifier: MIT */
/*
 * Values from shared/data/tdx-caps-minimal.json (derived KVM_TDX_CAPABILITIES
 * answer; see that file's "source"), embedded so tests need no data files.
 */
#ifndef TEST_MINIMAL_H
#define TEST_MINIMAL_H

#include <libtdx/caps.h>

#define MINIMAL_ATTRS 0x0000000010000000ULL
#define MINIMAL_XFAM 0x0000000000061ae7ULL

static const struct tdx_tdvmcallinfo minimal_info = {
	.kernel_r11 = 0x0, .user_r11 = 0x2,
	.kernel_r12 = 0x0, .user_r12 = 0x0,
};

/* function, index, flags, eax, ebx, ecx, edx */
static const struct tdx_cpuid_entry minimal_cpuid[] = {
	{ 0x1, 0, 0, 0x00000000, 0x00ff0000, 0x00044180, 0xb0400000 },
	{ 0x4, 0, 0, 0xffffffff, 0xfffff000, 0xffffffff, 0xffffffff },
	{ 0x4, 1, 0, 0xffffffff, 0xfffff000, 0xffffffff, 0xffffffff },
	{ 0x4, 2, 0, 0xffffffff, 0xfffff000, 0xffffffff, 0xffffffff },
	{ 0x4, 3, 0, 0xffffffff, 0xfffff000, 0xffffffff, 0xffffffff },
	{ 0x7, 0, 0, 0x00000000, 0x00089108, 0x00002000, 0x00040000 },
};

#endif
