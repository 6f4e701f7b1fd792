/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: capability decoding and configuration checks (lib/caps*.c),
 * and the attribute/XFAM/digest text parsers (caps-names.c, digest.c).
 *
 * Input, read front to back (fuzz-input.h; short input reads as zeros):
 *   caps     attrs u64, xfam u64, four tdvmcallinfo u64; count u16
 *            (entries present, 0..299), nent mode u8 and u32 (the nent the
 *            "kernel" reports: = count, count + k, count - k, or raw);
 *            count entries of function u32, index u8, eax..edx u32
 *   config   sz selector u8, attributes u64, xfam u64, gpaw selector u8 +
 *            u32, tsc selector u8 + u32, cpuid count u8 (bit 7: NULL
 *            array), then per entry: ref u8 (< configurable count: that
 *            leaf, else function u32 + index u8), XOR masks 4 x u32
 *   host     count u8 % 8, entries (function u32, index u8, flags u8,
 *            eax..edx u32); build selector u8 (the output cap)
 *   text     the rest, NUL-terminated: attrs/XFAM/digest parsers
 *
 * Checks: decode accepts exactly the blobs the rules allow and copies
 * them; check_config is deterministic and its verdict matches its problem
 * list; an accepted config yields INIT_VM CPUID entries with only
 * configurable bits, the GPAW and no TSX/WAITPKG; parse(format(x)) == x.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "caps-internal.h"

#include "fuzz.h"
#include "fuzz-input.h"

#define MAX_ENTRIES	TDX_CAPS_MAX_CPUID

/* ---- decode ------------------------------------------------------------ */

static struct tdx_caps *decode(struct fuzz_in *in)
{
	struct kvm_tdx_capabilities *kc;
	struct tdx_error err;
	struct tdx_caps *caps = NULL;
	uint32_t count, nent, k;
	unsigned int mode;
	bool dup = false;
	int r;

	kc = calloc(1, sizeof(*kc));
	if (!kc)
		abort();
	kc->supported_attrs = fuzz_u64(in);
	kc->supported_xfam = fuzz_u64(in);
	kc->kernel_tdvmcallinfo_1_r11 = fuzz_u64(in);
	kc->user_tdvmcallinfo_1_r11 = fuzz_u64(in);
	kc->kernel_tdvmcallinfo_1_r12 = fuzz_u64(in);
	kc->user_tdvmcallinfo_1_r12 = fuzz_u64(in);
	count = fuzz_u16(in) % 300;
	mode = fuzz_u8(in);
	k = fuzz_u32(in);
	switch (mode % 4) {
	case 0: nent = count; break;
	case 1: nent = count + k % 4; break;
	case 2: nent = count > k % 4 ? count - k % 4 : 0; break;
	default: nent = k; break;
	}
	/* exactly count entries allocated: ASan sees a read of entry count */
	kc = realloc(kc, sizeof(*kc) + count * sizeof(struct kvm_cpuid_entry2));
	if (!kc)
		abort();
	kc->cpuid.nent = nent;
	for (uint32_t i = 0; i < count; i++) {
		struct kvm_cpuid_entry2 *e = &kc->cpuid.entries[i];

		memset(e, 0, sizeof(*e));
		e->function = fuzz_u32(in);
		e->index = fuzz_u8(in);
		e->eax = fuzz_u32(in);
		e->ebx = fuzz_u32(in);
		e->ecx = fuzz_u32(in);
		e->edx = fuzz_u32(in);
	}
	for (uint32_t i = 0; i < nent && i < count && !dup; i++)
		for (uint32_t j = 0; j < i && !dup; j++)
			dup = kc->cpuid.entries[i].function == kc->cpuid.entries[j].function &&
			      kc->cpuid.entries[i].index == kc->cpuid.entries[j].index;

	tdx_err_clear(&err);
	r = tdx_caps_decode(kc, count, &err, &caps);
	if (nent > count)
		FUZZ_CHECK(r == -EIO);
	else if (nent > MAX_ENTRIES || dup)
		FUZZ_CHECK(r == -EINVAL);
	else
		FUZZ_CHECK(r == 0);
	if (r) {
		FUZZ_CHECK(err.err == r && err.msg[0]);
		FUZZ_CHECK(memchr(err.msg, 0, sizeof(err.msg)));
		free(kc);
		return NULL;
	}

	FUZZ_CHECK(tdx_caps_get_supported_attrs(caps) == kc->supported_attrs);
	FUZZ_CHECK(tdx_caps_get_supported_xfam(caps) == kc->supported_xfam);
	FUZZ_CHECK(tdx_caps_cpuid_count(caps) == nent);
	{
		struct tdx_tdvmcallinfo info;
		uint64_t dx = tdx_caps_get_default_xfam(caps);

		tdx_caps_get_tdvmcallinfo(caps, &info);
		FUZZ_CHECK(info.kernel_r11 == kc->kernel_tdvmcallinfo_1_r11 &&
			   info.user_r11 == kc->user_tdvmcallinfo_1_r11 &&
			   info.kernel_r12 == kc->kernel_tdvmcallinfo_1_r12 &&
			   info.user_r12 == kc->user_tdvmcallinfo_1_r12);
		FUZZ_CHECK(!(dx & ~kc->supported_xfam) && !(dx & ~TDX_XFAM_DEFAULT));
	}
	for (uint32_t i = 0; i < nent; i++) {
		const struct kvm_cpuid_entry2 *k2 = &kc->cpuid.entries[i];
		struct tdx_cpuid_entry e, f;
		bool several = false;

		for (uint32_t j = 0; j < nent; j++)
			several |= j != i && kc->cpuid.entries[j].function == k2->function;
		FUZZ_CHECK(tdx_caps_get_cpuid(caps, i, &e) == 0);
		FUZZ_CHECK(e.function == k2->function && e.index == k2->index &&
			   e.eax == k2->eax && e.ebx == k2->ebx &&
			   e.ecx == k2->ecx && e.edx == k2->edx);
		FUZZ_CHECK(e.flags == (several ? TDX_CPUID_FLAG_INDEXED : 0));
		FUZZ_CHECK(tdx_caps_lookup(caps, e.function, e.index) == (ssize_t)i);
		FUZZ_CHECK(tdx_caps_find_cpuid(caps, e.function, e.index, &f) == 0 &&
			   !memcmp(&e, &f, sizeof(e)));
	}
	FUZZ_CHECK(tdx_caps_get_cpuid(caps, nent, &(struct tdx_cpuid_entry){ 0 }) == -ERANGE);
	free(kc);
	return caps;
}

/* ---- check_config and build_init_cpuid ---------------------------------- */

struct cfg_buf {
	struct tdx_td_config cfg;
	uint8_t tail[16];	/* a "newer" caller's extra fields */
};

static void read_config(struct fuzz_in *in, const struct tdx_caps *caps,
			struct cfg_buf *cb, struct tdx_cpuid_entry **ret_cpuid)
{
	static const size_t sizes[] = {
		offsetof(struct tdx_td_config, attributes),
		offsetof(struct tdx_td_config, xfam),
		offsetof(struct tdx_td_config, gpaw),
		offsetof(struct tdx_td_config, tsc_khz),
		offsetof(struct tdx_td_config, cpuid),
		offsetof(struct tdx_td_config, cpuid_count),
		offsetof(struct tdx_td_config, mrconfigid),
		sizeof(struct tdx_td_config) + sizeof(cb->tail),
	};
	size_t ncaps = tdx_caps_cpuid_count(caps);
	unsigned int szsel = fuzz_u8(in), gsel, tsel, n;
	struct tdx_cpuid_entry *c;
	uint32_t v;

	memset(cb, 0, sizeof(*cb));
	cb->cfg.sz = szsel < 16 * TDX_ARRAY_SIZE(sizes) ?
		     sizes[szsel % TDX_ARRAY_SIZE(sizes)] : sizeof(cb->cfg);
	if (cb->cfg.sz > sizeof(cb->cfg))
		cb->tail[szsel % sizeof(cb->tail)] = (uint8_t)(szsel & 1);
	cb->cfg.attributes = fuzz_u64(in);
	cb->cfg.xfam = fuzz_u64(in);
	gsel = fuzz_u8(in);
	v = fuzz_u32(in);
	cb->cfg.gpaw = gsel % 4 == 0 ? 0 : gsel % 4 == 1 ? 48 : gsel % 4 == 2 ? 52 : v;
	tsel = fuzz_u8(in);
	v = fuzz_u32(in);
	cb->cfg.tsc_khz = tsel % 4 == 0 ? 0 : tsel % 4 == 1 ? (v % 500) * 25000 : v;
	n = fuzz_u8(in);
	if (n & 0x80) {
		/* a count with no array: a problem, never a dereference */
		cb->cfg.cpuid_count = n & 0x7f;
		*ret_cpuid = NULL;
		return;
	}
	n %= 24;
	c = calloc(n ? n : 1, sizeof(*c));
	if (!c)
		abort();
	for (unsigned int i = 0; i < n; i++) {
		unsigned int ref = fuzz_u8(in);

		if (ref < ncaps) {
			tdx_caps_get_cpuid(caps, ref, &c[i]);
			c[i].flags = 0;
		} else {
			c[i].function = fuzz_u32(in);
			c[i].index = fuzz_u8(in);
		}
		c[i].eax ^= fuzz_u32(in);
		c[i].ebx ^= fuzz_u32(in);
		c[i].ecx ^= fuzz_u32(in);
		c[i].edx ^= fuzz_u32(in);
	}
	cb->cfg.cpuid = c;
	cb->cfg.cpuid_count = n;
	*ret_cpuid = c;
}

static void check_problems(const struct tdx_caps_check *check,
			   const struct tdx_error *err, int r)
{
	size_t n = tdx_caps_check_problem_count(check);

	FUZZ_CHECK(r >= 0 && (size_t)r == n);
	for (size_t i = 0; i < n; i++) {
		const char *p = tdx_caps_check_get_problem(check, i);

		FUZZ_CHECK(p && *p && strlen(p) < 256);
	}
	FUZZ_CHECK(!tdx_caps_check_get_problem(check, n));
	if (n) {
		FUZZ_CHECK(err->err == -EINVAL);
		FUZZ_CHECK(!strcmp(err->msg, tdx_caps_check_get_problem(check, 0)));
	} else {
		FUZZ_CHECK(err->err == 0);
	}
}

static void build(struct fuzz_in *in, struct tdx_caps *caps,
		  const struct tdx_td_config *cfg, bool accepted)
{
	size_t ncaps = tdx_caps_cpuid_count(caps), cap;
	unsigned int nhost = fuzz_u8(in) % 8, capsel;
	uint32_t gpaw = cfg->sz >= offsetof(struct tdx_td_config, gpaw) + sizeof(cfg->gpaw) &&
			cfg->gpaw ?
			cfg->gpaw : 48;
	struct kvm_cpuid2 *host;
	struct kvm_cpuid_entry2 *out;
	struct tdx_error e;
	int r;

	host = calloc(1, sizeof(*host) + nhost * sizeof(host->entries[0]));
	if (!host)
		abort();
	host->nent = nhost;
	for (unsigned int i = 0; i < nhost; i++) {
		struct kvm_cpuid_entry2 *h = &host->entries[i];

		h->function = fuzz_u32(in);
		h->index = fuzz_u8(in);
		h->flags = fuzz_u8(in) & 1 ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
		h->eax = fuzz_u32(in);
		h->ebx = fuzz_u32(in);
		h->ecx = fuzz_u32(in);
		h->edx = fuzz_u32(in);
	}
	capsel = fuzz_u8(in);
	cap = capsel % 4 == 0 ? ncaps : capsel % 4 == 1 ? MAX_ENTRIES :
	      capsel % 4 == 2 ? (ncaps ? ncaps - 1 : 0) : 0;
	out = cap ? calloc(cap, sizeof(*out)) : NULL;
	if (cap && !out)
		abort();
	tdx_err_clear(&e);
	r = tdx_caps_build_init_cpuid(caps, cfg, capsel & 4 ? NULL : host, 1, out, cap, &e);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL || r == -E2BIG);
		FUZZ_CHECK(e.err == r && e.msg[0]);
		if (accepted && cap >= ncaps)
			FUZZ_CHECK(tdx_caps_lookup(caps, 0x80000008u, 0) < 0);
		goto out;
	}
	FUZZ_CHECK((size_t)r == ncaps && ncaps <= cap);
	FUZZ_CHECK(tdx_caps_lookup(caps, 0x80000008u, 0) >= 0);
	for (size_t i = 0; i < ncaps; i++) {
		struct tdx_cpuid_entry c;
		const struct kvm_cpuid_entry2 *o = &out[i];

		tdx_caps_get_cpuid(caps, i, &c);
		FUZZ_CHECK(o->function == c.function && o->index == c.index);
		FUZZ_CHECK(o->flags == (c.flags & TDX_CPUID_FLAG_INDEXED ?
					KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0));
		if (c.function == 7 && c.index == 0)
			FUZZ_CHECK(!(o->ebx & TDX_CPUID7_EBX_TSX) &&
				   !(o->ecx & TDX_CPUID7_ECX_WAITPKG));
		if (c.function == TDX_GPAW_LEAF)
			FUZZ_CHECK(((o->eax & TDX_GPAW_MASK) >> TDX_GPAW_SHIFT) == gpaw);
		if (!accepted)
			continue;
		/* an accepted config sets only configurable bits */
		FUZZ_CHECK(!(o->eax & ~c.eax & (c.function == TDX_GPAW_LEAF ?
						 ~TDX_GPAW_MASK : ~0u)));
		FUZZ_CHECK(!(o->ebx & ~c.ebx) && !(o->ecx & ~c.ecx) &&
			   !(o->edx & ~c.edx));
	}
out:
	free(out);
	free(host);
}

static void config(struct fuzz_in *in, struct tdx_caps *caps)
{
	struct tdx_cpuid_entry *cpuid = NULL;
	struct tdx_caps_check *check = NULL, *again = NULL;
	struct tdx_error err;
	struct cfg_buf cb;
	int r, r2;

	read_config(in, caps, &cb, &cpuid);
	tdx_err_clear(&err);
	r = tdx_caps_check_run(caps, &cb.cfg, &err, &check);
	if (r == -ENOMEM)
		abort();
	check_problems(check, &err, r);
	/* deterministic, and the public call agrees: the same verdict and list */
	r2 = tdx_caps_check_config(caps, &cb.cfg, &again);
	FUZZ_CHECK(r2 == r && tdx_caps_check_problem_count(again) == (size_t)r);
	if (r)
		FUZZ_CHECK(!strcmp(tdx_caps_check_get_problem(check, 0),
				   tdx_caps_check_get_problem(again, 0)));
	tdx_caps_check_free(again);
	tdx_caps_check_free(check);
	build(in, caps, &cb.cfg, r == 0);
	free(cpuid);

	tdx_err_clear(&err);
	check = NULL;
	r = tdx_caps_check_run(caps, NULL, &err, &check);
	FUZZ_CHECK(r == 1);
	check_problems(check, &err, r);
	tdx_caps_check_free(check);
}

/* ---- text: parse and format ------------------------------------------- */

typedef int (*parse_fn)(const char *, uint64_t *, size_t *);
typedef int (*format_fn)(uint64_t, char *, size_t);

static void format_roundtrip(parse_fn parse, format_fn format, uint64_t x)
{
	char full[1024], small[64];
	uint64_t back = ~x;
	size_t bad = 0;
	int len = format(x, NULL, 0);

	FUZZ_CHECK(len > 0 && (size_t)len < sizeof(full));
	FUZZ_CHECK(format(x, full, sizeof(full)) == len && strlen(full) == (size_t)len);
	FUZZ_CHECK(parse(full, &back, &bad) == 0 && back == x);
	/* truncation: snprintf semantics, a NUL-terminated prefix */
	for (size_t sz = 1; sz <= sizeof(small); sz += 7) {
		memset(small, 'Z', sizeof(small));
		FUZZ_CHECK(format(x, small, sz) == len);
		FUZZ_CHECK(strlen(small) == ((size_t)len < sz ? (size_t)len : sz - 1));
		FUZZ_CHECK(!strncmp(small, full, strlen(small)));
		if (sz < sizeof(small))
			FUZZ_CHECK(small[sz] == 'Z');
	}
}

static void mask_parse(parse_fn parse, format_fn format, const char *s)
{
	uint64_t m = 0x5a5a5a5a5a5a5a5aull;
	size_t bad = (size_t)-1;
	int r = parse(s, &m, &bad);

	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r) {
		FUZZ_CHECK(m == 0x5a5a5a5a5a5a5a5aull);	/* untouched on failure */
		FUZZ_CHECK(bad <= strlen(s));
		return;
	}
	format_roundtrip(parse, format, m);
}

static void to_hex(const uint8_t d[48], char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 48; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[96] = 0;
}

static void to_b64(const uint8_t d[48], char *out)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (int i = 0; i < 16; i++) {
		uint32_t v = (uint32_t)d[3 * i] << 16 | (uint32_t)d[3 * i + 1] << 8 |
			     d[3 * i + 2];

		for (int j = 0; j < 4; j++)
			out[4 * i + j] = b64[(v >> (18 - 6 * j)) & 63];
	}
	out[64] = 0;
}

static void digest_roundtrip(const uint8_t d[48])
{
	char hex[2 + 97], b64[65];
	uint8_t back[48];

	to_hex(d, hex + 2);
	hex[0] = '0';
	hex[1] = 'x';
	to_b64(d, b64);
	FUZZ_CHECK(tdx_digest_parse(hex + 2, back) == 0 && !memcmp(back, d, 48));
	memset(back, 0, sizeof(back));
	FUZZ_CHECK(tdx_digest_parse(hex, back) == 0 && !memcmp(back, d, 48));
	memset(back, 0, sizeof(back));
	FUZZ_CHECK(tdx_digest_parse(b64, back) == 0 && !memcmp(back, d, 48));
}

static void text(const uint8_t *p, size_t n, uint64_t x1, uint64_t x2)
{
	char *s = malloc(n + 1);
	uint8_t d[48];
	int r;

	if (!s)
		abort();
	memcpy(s, p, n);
	s[n] = 0;
	mask_parse(tdx_attrs_parse, tdx_attrs_format, s);
	mask_parse(tdx_xfam_parse, tdx_xfam_format, s);
	memset(d, 0xee, sizeof(d));
	r = tdx_digest_parse(s, d);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r) {
		for (size_t i = 0; i < sizeof(d); i++)
			FUZZ_CHECK(d[i] == 0xee);
	} else {
		size_t len = strlen(s);

		FUZZ_CHECK(len == 64 || len == 96 || len == 98);
		digest_roundtrip(d);
	}
	free(s);

	format_roundtrip(tdx_attrs_parse, tdx_attrs_format, x1);
	format_roundtrip(tdx_xfam_parse, tdx_xfam_format, x1);
	format_roundtrip(tdx_attrs_parse, tdx_attrs_format, x2);
	format_roundtrip(tdx_xfam_parse, tdx_xfam_format, x2);
	for (size_t i = 0; i < 48; i++)
		d[i] = (uint8_t)(x1 >> (8 * (i % 8))) ^ (uint8_t)(x2 >> (8 * (i / 6 % 8)));
	digest_roundtrip(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct tdx_caps *caps = decode(&in);
	uint64_t x1 = size >= 8 ? fuzz_uint(&(struct fuzz_in){ data, 8 }, 8) : 0;
	uint64_t x2 = size >= 16 ? fuzz_uint(&(struct fuzz_in){ data + 8, 8 }, 8) : 0;

	if (caps) {
		config(&in, caps);
		tdx_caps_free(caps);
	}
	text(in.p, in.n, x1, x2);
	return 0;
}
