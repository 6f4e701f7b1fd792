/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: tdx_caps_check_config() (lib/caps-check*.c) and
 * tdx_caps_build_init_cpuid() (lib/caps-cpuid.c) against the realistic
 * 28-leaf capabilities (EMR, module 1.5.28, KVM 6.18+).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps-internal.h"
#include "data/caps-realistic.h"
#include "data/caps-emr-1.5.06.h"
#include "data/caps-minimal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct tdx_caps *caps;

static void setup(void)
{
	ck_assert_int_eq(tdx_caps_new_from_values(REALISTIC_ATTRS, REALISTIC_XFAM,
						  &realistic_info, realistic_cpuid,
						  N(realistic_cpuid), &caps), 0);
}

static struct tdx_caps_check *check;

static void teardown(void)
{
	tdx_caps_check_free(check);
	check = NULL;
	tdx_caps_free(caps);
	caps = NULL;
}

/*
 * Run the check; assert the return, the count and the first field/bit
 * (the detail tdx_vm_init() records, through tdx_caps_check_run()).  The
 * public entry point must agree and must leave the caps unchanged.
 */
static void expect(const struct tdx_td_config *cfg, size_t count,
		   const char *field, int bit)
{
	struct tdx_caps before = *caps;
	struct tdx_caps_check *pub = NULL;
	struct tdx_error err;
	int r;
	size_t i;

	tdx_err_clear(&err);
	tdx_caps_check_free(check);
	check = NULL;
	r = tdx_caps_check_run(caps, cfg, &err, &check);
	for (i = 0; i < tdx_caps_check_problem_count(check) && i < 8; i++)
		fprintf(stderr, "  problem %zu: %s\n", i, tdx_caps_check_get_problem(check, i));
	ck_assert_int_eq(r, (int)count);
	ck_assert_uint_eq(tdx_caps_check_problem_count(check), count);
	ck_assert_ptr_null(tdx_caps_check_get_problem(check, count));
	ck_assert_int_eq(tdx_caps_check_config(caps, cfg, &pub), (int)count);
	ck_assert_uint_eq(tdx_caps_check_problem_count(pub), count);
	if (count)
		ck_assert_str_eq(tdx_caps_check_get_problem(pub, 0),
				 tdx_caps_check_get_problem(check, 0));
	tdx_caps_check_free(pub);
	ck_assert_int_eq(tdx_caps_check_config(caps, cfg, NULL), (int)count);
	ck_assert(memcmp(&before, caps, sizeof(before)) == 0);
	if (!count) {
		ck_assert_int_eq(tdx_error_get_errno(&err), 0);
		return;
	}
	ck_assert_int_eq(tdx_error_get_errno(&err), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(&err), field ? field : "");
	ck_assert_int_eq(tdx_error_get_bit(&err), bit);
	ck_assert_str_eq(tdx_error_get_step(&err), "validate");
	ck_assert_str_eq(tdx_error_get_message(&err), tdx_caps_check_get_problem(check, 0));
}

static void expect_problem(size_t i, const char *substr)
{
	const char *p = tdx_caps_check_get_problem(check, i);

	ck_assert_ptr_nonnull(p);
	ck_assert_msg(strstr(p, substr), "problem %zu '%s' lacks '%s'", i, p, substr);
}

START_TEST(test_clean)
{
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);

	expect(&cfg, 0, NULL, -1);
	cfg.attributes = TDX_ATTR_SEPT_VE_DISABLE;
	cfg.xfam = 0x61AE7;
	cfg.gpaw = 52;
	cfg.tsc_khz = 2100000;
	expect(&cfg, 0, NULL, -1);
}
END_TEST

/* x87 and SSE are XFAM fixed-1 bits: a configuration without them is
 * refused, naming each missing bit (KVM would OR them in silently). */
START_TEST(test_xfam_fixed_bits)
{
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);

	cfg.xfam = TDX_XFAM_X87 | TDX_XFAM_SSE | TDX_XFAM_AVX;
	expect(&cfg, 0, NULL, -1);
	cfg.xfam = TDX_XFAM_AVX;
	expect(&cfg, 1, "xfam", 0);
	expect_problem(0, "missing: x87 (bit 0), sse (bit 1)");
	cfg.xfam = TDX_XFAM_X87 | TDX_XFAM_AVX;
	expect(&cfg, 1, "xfam", 1);
	expect_problem(0, "missing: sse (bit 1)");
	cfg.xfam = TDX_XFAM_SSE | TDX_XFAM_AVX;
	expect(&cfg, 1, "xfam", 0);
	expect_problem(0, "missing: x87 (bit 0)");
}
END_TEST

START_TEST(test_attributes)
{
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);
	struct tdx_caps *loose;

	cfg.attributes = TDX_ATTR_DEBUG | TDX_ATTR_SEPT_VE_DISABLE | TDX_ATTR_PERFMON |
			 (1ULL << 1);
	expect(&cfg, 3, "attributes", 0);
	expect_problem(0, "attribute debug (bit 0) is not supported");
	expect_problem(1, "attribute bit1 (bit 1)");
	expect_problem(2, "attribute perfmon (bit 63)");

	/* caps that claim DEBUG (a module table, not KVM): KVM still refuses */
	ck_assert_int_eq(tdx_caps_new_from_values(TDX_ATTR_DEBUG | TDX_ATTR_SEPT_VE_DISABLE,
						  REALISTIC_XFAM, NULL, NULL, 0, &loose), 0);
	tdx_caps_free(caps);
	caps = loose;
	cfg.attributes = TDX_ATTR_DEBUG;
	expect(&cfg, 1, "attributes", 0);
	expect_problem(0, "KVM refuses it");

	/* SEPT_VE_DISABLE where the module lacks it */
	ck_assert_int_eq(tdx_caps_new_from_values(0, REALISTIC_XFAM, NULL, NULL, 0, &loose), 0);
	tdx_caps_free(caps);
	caps = loose;
	cfg.attributes = TDX_ATTR_SEPT_VE_DISABLE;
	expect(&cfg, 1, "attributes", 28);
	expect_problem(0, "not supported by the TDX module");
}
END_TEST

START_TEST(test_xfam)
{
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);

	/* PT (bit 8) and MPX are not offered */
	cfg.xfam = 0x602E7 | TDX_XFAM_PT | TDX_XFAM_MPX;
	expect(&cfg, 3, "xfam", 3);
	expect_problem(0, "XFAM mpx-bndregs (bit 3) is not supported");
	expect_problem(1, "mpx-bndcsr (bit 4)");
	expect_problem(2, "XFAM pt (bit 8)");

	/* AVX-512 without AVX, and only one of its three parts */
	cfg.xfam = 0x3 | TDX_XFAM_AVX512_OPMASK;
	expect(&cfg, 2, "xfam", 2);
	expect_problem(0, "avx512 needs avx");
	expect_problem(1, "avx512-zmm-hi256 (bit 6) is missing");

	cfg.xfam = 0x7 | TDX_XFAM_AVX512_OPMASK | TDX_XFAM_AVX512_ZMM_HI256;
	expect(&cfg, 1, "xfam", 7);

	/* CET_U without CET_S, AMX data without config */
	cfg.xfam = 0x7 | TDX_XFAM_CET_U | TDX_XFAM_AMX_TILEDATA;
	expect(&cfg, 2, "xfam", 12);
	expect_problem(0, "cet");
	expect_problem(1, "amx-tilecfg (bit 17) is missing");
	cfg.xfam = 0x7 | TDX_XFAM_CET_S;
	expect(&cfg, 1, "xfam", 11);
}
END_TEST

START_TEST(test_gpaw_tsc)
{
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);

	cfg.gpaw = 50;
	expect(&cfg, 1, "gpaw", -1);
	expect_problem(0, "gpaw 50");
	cfg.gpaw = 48;
	expect(&cfg, 0, NULL, -1);

	cfg.tsc_khz = 99000;		/* too low and not a multiple */
	expect(&cfg, 2, "tsc_khz", -1);
	expect_problem(0, "outside 100 MHz");
	expect_problem(1, "not a multiple of 25 MHz");
	cfg.tsc_khz = 75000;		/* too low */
	expect(&cfg, 1, "tsc_khz", -1);
	cfg.tsc_khz = 10025000;		/* too high */
	expect(&cfg, 1, "tsc_khz", -1);
	cfg.tsc_khz = 2010000;		/* not a multiple */
	expect(&cfg, 1, "tsc_khz", -1);
	cfg.tsc_khz = 100000;
	expect(&cfg, 0, NULL, -1);
	cfg.tsc_khz = 10000000;
	expect(&cfg, 0, NULL, -1);
}
END_TEST

START_TEST(test_cpuid_not_configurable)
{
	struct tdx_cpuid_entry e[] = {
		{ .function = 0xd, .index = 0 },
		{ .function = 4, .index = 4 },
		{ .function = 0x80000001 },
	};
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);

	cfg.cpuid = e;
	cfg.cpuid_count = N(e);
	expect(&cfg, 3, "cpuid", -1);
	ck_assert_str_eq(tdx_caps_check_get_problem(check, 0), "CPUID 0xd.0 is not configurable");
	ck_assert_str_eq(tdx_caps_check_get_problem(check, 1), "CPUID 0x4.4 is not configurable");
	ck_assert_str_eq(tdx_caps_check_get_problem(check, 2), "CPUID 0x80000001.0 is not configurable");
}
END_TEST

START_TEST(test_cpuid_bits)
{
	struct tdx_cpuid_entry e[] = {
		/* 1.ECX bit 5 (VMX) */
		{ .function = 1, .ecx = 0x31044988 | (1u << 5) },
		/* 4.2: EAX bits 10..13 outside 0xffffc3ff; EDX bit 3 */
		{ .function = 4, .index = 2, .eax = 0x3C00, .edx = 0x8 },
	};
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);

	cfg.cpuid = e;
	cfg.cpuid_count = N(e);
	expect(&cfg, 3, "cpuid", 5);
	ck_assert_str_eq(tdx_caps_check_get_problem(check, 0),
			 "CPUID 0x1.0 ECX bit 5 is not configurable (configurable bits: 0x31044988)");
	ck_assert_str_eq(tdx_caps_check_get_problem(check, 1),
			 "CPUID 0x4.2 EAX bits 10, 11, 12, 13 are not configurable (configurable bits: 0xffffc3ff)");
	expect_problem(2, "CPUID 0x4.2 EDX bit 3 is not");

	/* exactly the configurable mask is fine */
	e[0].ecx = 0x31044988;
	cfg.cpuid_count = 1;
	expect(&cfg, 0, NULL, -1);
}
END_TEST

START_TEST(test_cpuid_tsx_waitpkg)
{
	struct tdx_cpuid_entry e[] = {
		{ .function = 7, .index = 0,
		  .ebx = 0xD02B9308 | (1u << 4) | (1u << 11),
		  .ecx = 0x02417F44 | (1u << 5) },
	};
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);

	cfg.cpuid = e;
	cfg.cpuid_count = 1;
	/* one problem each, and not also "not configurable" */
	expect(&cfg, 3, "cpuid", 4);
	expect_problem(0, "EBX bit 4 (HLE)");
	expect_problem(1, "EBX bit 11 (RTM)");
	expect_problem(2, "ECX bit 5 (WAITPKG)");
}
END_TEST

START_TEST(test_cpuid_duplicates)
{
	struct tdx_cpuid_entry e[] = {
		{ .function = 4, .index = 1 },
		{ .function = 4, .index = 2 },
		{ .function = 4, .index = 1 },
		{ .function = 1, .index = 0 },
		{ .function = 1, .index = 3 },	/* same leaf: 1 has no sub-leaves */
	};
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);

	cfg.cpuid = e;
	cfg.cpuid_count = N(e);
	expect(&cfg, 2, "cpuid", -1);
	ck_assert_str_eq(tdx_caps_check_get_problem(check, 0), "CPUID 0x4.1 is given more than once");
	ck_assert_str_eq(tdx_caps_check_get_problem(check, 1), "CPUID 0x1.3 is given more than once");
}
END_TEST

START_TEST(test_cpuid_too_many)
{
	struct tdx_cpuid_entry *e = calloc(257, sizeof(*e));
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);
	size_t i;

	ck_assert_ptr_nonnull(e);
	for (i = 0; i < 257; i++)
		e[i].function = 0x1f;
	cfg.cpuid = e;
	cfg.cpuid_count = 257;
	/* the count, then 256 duplicates of 0x1f.0 */
	expect(&cfg, 257, "cpuid", -1);
	expect_problem(0, "257 CPUID entries");
	expect_problem(256, "CPUID 0x1f.0 is given more than once");

	cfg.cpuid = NULL;
	cfg.cpuid_count = 3;
	expect(&cfg, 1, "cpuid", -1);
	free(e);
}
END_TEST

START_TEST(test_cpuid_gpaw_field)
{
	struct tdx_cpuid_entry e = { .function = 0x80000008, .eax = (52u << 16) | 0x34 };
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);

	cfg.cpuid = &e;
	cfg.cpuid_count = 1;
	expect(&cfg, 1, "cpuid", 16);
	expect_problem(0, "conflicts with gpaw 48");
	cfg.gpaw = 52;
	expect(&cfg, 0, NULL, -1);
}
END_TEST

START_TEST(test_everything_at_once)
{
	struct tdx_cpuid_entry e[] = {
		{ .function = 0xd },
		{ .function = 7, .ebx = 1u << 11 },
	};
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);

	cfg.attributes = TDX_ATTR_PKS;
	cfg.xfam = 0x3 | TDX_XFAM_AVX512;
	cfg.gpaw = 57;
	cfg.tsc_khz = 1;
	cfg.cpuid = e;
	cfg.cpuid_count = N(e);
	/* pks; avx512 needs avx; gpaw; tsc x2; 0xd; RTM */
	expect(&cfg, 7, "attributes", 30);

	/* a second run replaces the list */
	cfg = (struct tdx_td_config)TDX_OPTS(tdx_td_config);
	expect(&cfg, 0, NULL, -1);
}
END_TEST

START_TEST(test_opts)
{
	struct {
		struct tdx_td_config c;
		uint64_t future;
	} big;
	struct tdx_td_config old;

	memset(&big, 0, sizeof(big));
	big.c.sz = sizeof(big);
	expect(&big.c, 0, NULL, -1);
	big.future = 1;
	expect(&big.c, 1, NULL, -1);
	expect_problem(0, "does not know");

	/* an older, shorter struct: fields past sz are never read */
	memset(&old, 0, sizeof(old));
	old.sz = offsetof(struct tdx_td_config, tsc_khz);
	old.tsc_khz = 1;
	old.cpuid = (const struct tdx_cpuid_entry *)0x1;
	old.cpuid_count = 99;
	expect(&old, 0, NULL, -1);
	old.gpaw = 50;
	expect(&old, 1, "gpaw", -1);

	old.sz = 1;
	expect(&old, 1, NULL, -1);
	expect_problem(0, "TDX_OPTS()");
	expect(NULL, 1, NULL, -1);
	expect_problem(0, "no configuration");
	tdx_caps_check_free(check);
	check = (struct tdx_caps_check *)0x1;	/* untouched on failure */
	ck_assert_int_eq(tdx_caps_check_config(NULL, &old, &check), -EINVAL);
	ck_assert_ptr_eq(check, (struct tdx_caps_check *)0x1);
	check = NULL;
}
END_TEST

/* ---- build_init_cpuid ------------------------------------------------ */

/*
 * KVM's acceptance rule (setup_tdparams_cpuids): for each configurable
 * leaf, the first supplied entry with that function and (no
 * SIGNIFCANT_INDEX or the same index) is used; the number used must equal
 * nent.  Also check that no supplied entry is used twice.
 */
static void kvm_accepts(const struct tdx_caps *c, const struct kvm_cpuid_entry2 *out,
			int n)
{
	int used[256] = { 0 };
	size_t i, matched = 0;
	int j;

	ck_assert_int_le(n, 256);
	for (i = 0; i < tdx_caps_cpuid_count(c); i++) {
		struct tdx_cpuid_entry cfg;

		ck_assert_int_eq(tdx_caps_get_cpuid(c, i, &cfg), 0);
		for (j = 0; j < n; j++)
			if (out[j].function == cfg.function &&
			    (!(out[j].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
			     out[j].index == cfg.index))
				break;
		if (j < n) {
			matched++;
			used[j]++;
		}
	}
	ck_assert_uint_eq(matched, (size_t)n);
	for (j = 0; j < n; j++) {
		size_t k, hits = 0;

		ck_assert_int_eq(used[j], 1);
		/* and each entry selects exactly one configurable leaf */
		for (k = 0; k < tdx_caps_cpuid_count(c); k++) {
			struct tdx_cpuid_entry cfg;

			tdx_caps_get_cpuid(c, k, &cfg);
			hits += cfg.function == out[j].function &&
				(!(out[j].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
				 cfg.index == out[j].index);
		}
		ck_assert_msg(hits == 1, "entry 0x%x.%u matches %zu leaves",
			      out[j].function, out[j].index, hits);
		ck_assert_uint_eq(out[j].padding[0] | out[j].padding[1] | out[j].padding[2], 0);
	}
}

static const struct kvm_cpuid_entry2 *out_find(const struct kvm_cpuid_entry2 *out,
					       int n, uint32_t f, uint32_t idx)
{
	int i;

	for (i = 0; i < n; i++)
		if (out[i].function == f && out[i].index == idx)
			return &out[i];
	ck_abort_msg("no entry 0x%x.%u", f, idx);
	return NULL;
}

START_TEST(test_build_default)
{
	struct kvm_cpuid_entry2 out[256];
	const struct kvm_cpuid_entry2 *o;
	struct tdx_error err;
	int n;

	memset(out, 0xEE, sizeof(out));
	tdx_err_clear(&err);
	n = tdx_caps_build_init_cpuid(caps, NULL, NULL, 1, out, 256, &err);
	ck_assert_int_eq(n, 28);
	kvm_accepts(caps, out, n);

	/* no host values: the configurable masks are not values; a leaf
	 * KVM does not report is 0 (only the GPAW and topology are set) */
	o = out_find(out, n, 0x80000008, 0);
	ck_assert_uint_eq((o->eax >> 16) & 0xFF, 48);
	ck_assert_uint_eq(o->eax & 0xFF, 0);
	ck_assert_uint_eq(o->flags, 0);
	o = out_find(out, n, 4, 3);
	ck_assert_uint_eq(o->flags, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	o = out_find(out, n, 0x18, 8);
	ck_assert_uint_eq(o->flags, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	ck_assert_uint_eq(o->edx, 0);
	o = out_find(out, n, 1, 0);
	ck_assert_uint_eq(o->flags, 0);
	ck_assert_uint_eq(o->ecx, 0);
	ck_assert_uint_eq(o->ebx, 1u << 16);		/* one vCPU */
	o = out_find(out, n, 0x23, 0);
	ck_assert_uint_eq(o->flags, 0);
}
END_TEST

START_TEST(test_build_gpaw52_and_cfg)
{
	struct tdx_cpuid_entry user[] = {
		{ .function = 1, .eax = 0x000C06F2, .ebx = 0x00400000, .ecx = 0x10000000 },
		{ .function = 4, .index = 2, .eax = 0x1, .edx = 0x7 },
		{ .function = 0x80000008, .eax = 0x34 },
	};
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);
	struct kvm_cpuid_entry2 out[64];
	const struct kvm_cpuid_entry2 *o;
	int n;

	cfg.gpaw = 52;
	cfg.cpuid = user;
	cfg.cpuid_count = N(user);
	expect(&cfg, 0, NULL, -1);
	n = tdx_caps_build_init_cpuid(caps, &cfg, NULL, 1, out, N(out), NULL);
	ck_assert_int_eq(n, 28);
	kvm_accepts(caps, out, n);
	o = out_find(out, n, 1, 0);
	ck_assert_uint_eq(o->eax, 0x000C06F2);
	ck_assert_uint_eq(o->ebx, 0x00400000);
	ck_assert_uint_eq(o->ecx, 0x10000000);
	ck_assert_uint_eq(o->edx, 0);
	o = out_find(out, n, 4, 2);
	ck_assert_uint_eq(o->eax, 1);
	o = out_find(out, n, 4, 1);			/* not given, no host: 0 */
	ck_assert_uint_eq(o->eax, 0);
	o = out_find(out, n, 0x80000008, 0);
	ck_assert_uint_eq(o->eax, (52u << 16) | 0x34);
}
END_TEST

START_TEST(test_build_host)
{
	struct kvm_cpuid2 *host = calloc(1, sizeof(*host) +
					 5 * sizeof(struct kvm_cpuid_entry2));
	struct tdx_cpuid_entry tsx_mask[] = {
		{ 7, 0, 0, 0, 0xFFFFFFFF, 0xFFFFFFFF, 0 },
		{ 0x80000008, 0, 0, 0x00FF00FF, 0, 0, 0 },
	};
	struct kvm_cpuid_entry2 out[32];
	const struct kvm_cpuid_entry2 *o;
	struct tdx_caps *c2;
	int n;

	ck_assert_ptr_nonnull(host);
	host->nent = 5;
	host->entries[0] = (struct kvm_cpuid_entry2){ .function = 1, .ecx = 0x10000001,
		.edx = 0xFFFFFFFF };
	host->entries[1] = (struct kvm_cpuid_entry2){ .function = 4, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0x121 };
	host->entries[2] = (struct kvm_cpuid_entry2){ .function = 4, .index = 1,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0x122 };
	host->entries[3] = (struct kvm_cpuid_entry2){ .function = 7, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .ebx = 0xFFFFFFFF,
		.ecx = 0xFFFFFFFF };
	host->entries[4] = (struct kvm_cpuid_entry2){ .function = 0x80000008,
		.eax = 0x3934 };

	n = tdx_caps_build_init_cpuid(caps, NULL, host, 1, out, N(out), NULL);
	ck_assert_int_eq(n, 28);
	kvm_accepts(caps, out, n);
	o = out_find(out, n, 1, 0);
	ck_assert_uint_eq(o->ecx, 0x10000000);		/* mask & host */
	ck_assert_uint_eq(o->edx, 0xB8405080 & ~(1u << 28));	/* one vCPU: no HTT */
	ck_assert_uint_eq(out_find(out, n, 4, 0)->eax, 0x121);
	ck_assert_uint_eq(out_find(out, n, 4, 1)->eax, 0x122);
	ck_assert_uint_eq(out_find(out, n, 4, 2)->eax, 0);	/* host lacks it */
	ck_assert_uint_eq(out_find(out, n, 7, 0)->ebx, 0xD02B9308);
	ck_assert_uint_eq(out_find(out, n, 0x1c, 0)->eax, 0);	/* KVM lacks it: no LBR */
	ck_assert_uint_eq(out_find(out, n, 0x80000008, 0)->eax, (48u << 16) | 0x34);

	/* a mask that (wrongly) offers TSX/WAITPKG: cleared anyway */
	ck_assert_int_eq(tdx_caps_new_from_values(0, 3, NULL, tsx_mask, 2, &c2), 0);
	n = tdx_caps_build_init_cpuid(c2, NULL, host, 1, out, N(out), NULL);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(out[0].ebx, 0xFFFFFFFF & ~((1u << 4) | (1u << 11)));
	ck_assert_uint_eq(out[0].ecx, 0xFFFFFFFF & ~(1u << 5));
	tdx_caps_free(c2);
	free(host);
}
END_TEST

/*
 * The topology of the vCPU count, as a VMM describes it: one package, one
 * thread per core.  Host values with the host's own topology (here 64
 * logical CPUs, an L3 shared by 128 ids) are replaced, within the
 * configurable bits.
 */
START_TEST(test_build_topology)
{
	struct kvm_cpuid2 *host = calloc(1, sizeof(*host) +
					 4 * sizeof(struct kvm_cpuid_entry2));
	struct kvm_cpuid_entry2 out[64];
	const struct kvm_cpuid_entry2 *o;
	int n;

	ck_assert_ptr_nonnull(host);
	host->nent = 4;
	host->entries[0] = (struct kvm_cpuid_entry2){ .function = 1,
		.ebx = 0x00400800, .edx = 0xFFFFFFFF };
	host->entries[1] = (struct kvm_cpuid_entry2){ .function = 4, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0xFC004121 };	/* L1d */
	host->entries[2] = (struct kvm_cpuid_entry2){ .function = 4, .index = 3,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0xFC1FC163 };	/* L3 */
	host->entries[3] = (struct kvm_cpuid_entry2){ .function = 0x1f, .index = 1,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 7, .ebx = 64, .ecx = 0x201 };

	n = tdx_caps_build_init_cpuid(caps, NULL, host, 6, out, N(out), NULL);
	ck_assert_int_eq(n, 28);
	kvm_accepts(caps, out, n);
	o = out_find(out, n, 1, 0);
	ck_assert_uint_eq((o->ebx >> 16) & 0xff, 8);	/* ids per package */
	ck_assert(o->edx & (1u << 28));			/* HTT */
	o = out_find(out, n, 4, 0);
	ck_assert_uint_eq(o->eax, (7u << 26) | 0x121);	/* 8 core ids, L1 per core */
	o = out_find(out, n, 4, 3);
	ck_assert_uint_eq(o->eax, (7u << 26) | (7u << 14) | 0x163);	/* L3 shared by 8 ids */
	o = out_find(out, n, 4, 1);			/* no cache there: untouched 0 */
	ck_assert_uint_eq(o->eax, 0);
	o = out_find(out, n, 0x1f, 0);
	ck_assert(o->eax == 0 && o->ebx == 1 && o->ecx == 0x100);	/* SMT: 1 thread */
	o = out_find(out, n, 0x1f, 1);
	ck_assert(o->eax == 3 && o->ebx == 6 && o->ecx == 0x201);	/* 6 cores */
	o = out_find(out, n, 0x1f, 2);
	ck_assert(o->eax == 0 && o->ebx == 0 && o->ecx == 2);		/* end */
	o = out_find(out, n, 0x1f, 5);
	ck_assert(o->eax == 0 && o->ebx == 0 && o->ecx == 5);
	free(host);
}
END_TEST

START_TEST(test_build_other_modules)
{
	struct kvm_cpuid_entry2 out[64];
	struct tdx_error err;
	struct tdx_caps *c2;
	int n;

	/* module 1.5.06: 18 leaves */
	ck_assert_int_eq(tdx_caps_new_from_values(EMR156_ATTRS, EMR156_XFAM, &emr156_info,
						  emr156_cpuid, N(emr156_cpuid), &c2), 0);
	n = tdx_caps_build_init_cpuid(c2, NULL, NULL, 1, out, N(out), NULL);
	ck_assert_int_eq(n, 18);
	kvm_accepts(c2, out, n);
	tdx_caps_free(c2);

	/* module 1.0 lists no 0x80000008, so the GPAW cannot be given */
	ck_assert_int_eq(tdx_caps_new_from_values(MINIMAL_ATTRS, MINIMAL_XFAM, &minimal_info,
						  minimal_cpuid, N(minimal_cpuid), &c2), 0);
	tdx_err_clear(&err);
	ck_assert_int_eq(tdx_caps_build_init_cpuid(c2, NULL, NULL, 1, out, N(out), &err),
			 -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(&err), "cpuid");
	tdx_caps_free(c2);
}
END_TEST

START_TEST(test_build_errors)
{
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);
	struct kvm_cpuid_entry2 out[28];
	struct tdx_error err;

	tdx_err_clear(&err);
	ck_assert_int_eq(tdx_caps_build_init_cpuid(caps, NULL, NULL, 1, out, 27, &err), -E2BIG);
	ck_assert_int_eq(tdx_error_get_errno(&err), -E2BIG);
	ck_assert_int_eq(tdx_caps_build_init_cpuid(caps, NULL, NULL, 1, out, 28, &err), 28);
	cfg.gpaw = 50;
	ck_assert_int_eq(tdx_caps_build_init_cpuid(caps, &cfg, NULL, 1, out, 28, &err), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(&err), "gpaw");
	ck_assert_int_eq(tdx_caps_build_init_cpuid(NULL, NULL, NULL, 1, out, 28, NULL), -EINVAL);
	ck_assert_int_eq(tdx_caps_build_init_cpuid(caps, NULL, NULL, 1, NULL, 28, NULL), -EINVAL);
}
END_TEST

static Suite *check_suite(void)
{
	Suite *s = suite_create("caps-check");
	TCase *tc = tcase_create("check_config");
	TCase *tb = tcase_create("build_init_cpuid");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_xfam_fixed_bits);
	tcase_add_test(tc, test_attributes);
	tcase_add_test(tc, test_xfam);
	tcase_add_test(tc, test_gpaw_tsc);
	tcase_add_test(tc, test_cpuid_not_configurable);
	tcase_add_test(tc, test_cpuid_bits);
	tcase_add_test(tc, test_cpuid_tsx_waitpkg);
	tcase_add_test(tc, test_cpuid_duplicates);
	tcase_add_test(tc, test_cpuid_too_many);
	tcase_add_test(tc, test_cpuid_gpaw_field);
	tcase_add_test(tc, test_everything_at_once);
	tcase_add_test(tc, test_opts);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tb, setup, teardown);
	tcase_add_test(tb, test_build_default);
	tcase_add_test(tb, test_build_gpaw52_and_cfg);
	tcase_add_test(tb, test_build_host);
	tcase_add_test(tb, test_build_topology);
	tcase_add_test(tb, test_build_other_modules);
	tcase_add_test(tb, test_build_errors);
	suite_add_tcase(s, tb);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(check_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
