/* SPDX-License-Identifier: MIT */
/*
 * Regenerates the seed corpora in tests/fuzz/corpus/<target>/ (small
 * synthetic inputs).  Not run by the build; usage:
 *   ninja -C build tests/fuzz/gen-fuzz-corpus
 *   ./build/tests/fuzz/gen-fuzz-corpus tests/fuzz/corpus
 * The input formats are described at the top of each fuzz-<target>.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tdvf-image.h"

#define S 0x2000

static const char *root;

static int save(const char *dir, const char *name, const uint8_t *b, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, dir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
	f = fopen(path, "wbe");
	if (!f || fwrite(b, 1, len, f) != len) {
		perror(path);
		return 1;
	}
	return fclose(f) != 0;
}

/* ---- a growing little-endian byte buffer ------------------------------- */

struct out {
	uint8_t b[0x10000];
	size_t n;
};

static void put(struct out *o, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		o->b[o->n++] = (uint8_t)(v >> (8 * i));
}

static void put_bytes(struct out *o, const void *p, size_t len)
{
	memcpy(o->b + o->n, p, len);
	o->n += len;
}

static void put_be32(struct out *o, uint32_t v)
{
	for (int i = 3; i >= 0; i--)
		o->b[o->n++] = (uint8_t)(v >> (8 * i));
}

/* ---- tdvf ------------------------------------------------------------- */

static int gen_tdvf(void)
{
	static uint8_t b[S];
	struct ti_config cfg = { .size = S };
	struct ti_section sec[8];
	size_t desc;
	int r = 0;

	desc = ti_build(b, &cfg);
	r |= save("tdvf", "valid-8k", b, S);
	r |= save("tdvf", "truncated-100", b, 100);

	ti_put32(b, desc + 8, 2);
	r |= save("tdvf", "bad-version-8k", b, S);

	ti_build(b, &cfg);
	ti_put64(b, TI_SEC(desc, 3, 8), 0x80a000);
	r |= save("tdvf", "overlap-8k", b, S);

	cfg.no_footer = 1;
	cfg.legacy = 1;
	ti_build(b, &cfg);
	r |= save("tdvf", "legacy-8k", b, S);

	/* PermMem, Payload and PayloadParam, eight sections */
	ti_default_sections(S, sec);
	sec[2].type = 4;
	sec[2].attr = 2;
	sec[6] = (struct ti_section){ 0, 0, 0x1000000, 0x100000, 5, 1 };
	sec[7] = (struct ti_section){ 0, 0, 0x1100000, 0x1000, 6, 0 };
	memset(&cfg, 0, sizeof(cfg));
	cfg.size = S;
	cfg.sec = sec;
	cfg.nsec = 8;
	ti_build(b, &cfg);
	r |= save("tdvf", "payload-permmem-8k", b, S);
	return r;
}

/* ---- qgs-wire ---------------------------------------------------------- */

struct qgs_ctl {
	uint8_t chunk, capsel;
	uint32_t capraw;
	uint16_t report_len;
	uint8_t req_flags, capslack, resp_raw, errsel;
	uint16_t r16;
	uint32_t rtype, rother;
	uint16_t quote_len;
};

static void qgs_ctl(struct out *o, const struct qgs_ctl *c)
{
	put(o, c->chunk, 1);
	put(o, c->capsel, 1);
	put(o, c->capraw, 4);
	put(o, c->report_len, 2);
	put(o, c->req_flags, 1);
	put(o, c->capslack, 1);
	put(o, c->resp_raw, 1);
	put(o, c->errsel, 1);
	put(o, c->r16, 2);
	put(o, c->rtype, 4);
	put(o, c->rother, 4);
	put(o, c->quote_len, 2);
}

/* A framed GET_QUOTE_RESP with a quote of qlen bytes (0xq1, 0xq2, ...). */
static void qgs_reply(struct out *o, uint32_t err, uint32_t qlen, uint32_t type)
{
	put_be32(o, 24 + qlen);
	put(o, 1, 2);
	put(o, 1, 2);
	put(o, type, 4);
	put(o, 24 + qlen, 4);
	put(o, err, 4);
	put(o, 0, 4);
	put(o, qlen, 4);
	for (uint32_t i = 0; i < qlen; i++)
		put(o, 0x40 + i, 1);
}

static int gen_qgs(void)
{
	struct out o;
	int r = 0;

	/* nothing received yet: tdx_qgs_resp_progress(NULL, 0, ...) */
	r |= save("qgs-wire", "empty-nothing-received", (const uint8_t *)"", 0);

	o.n = 0;
	qgs_ctl(&o, &(struct qgs_ctl){ .chunk = 6, .report_len = 64, .quote_len = 16 });
	qgs_reply(&o, 0, 32, 1);
	r |= save("qgs-wire", "quote-32", o.b, o.n);

	o.n = 0;
	qgs_ctl(&o, &(struct qgs_ctl){ .chunk = 0, .capsel = 1, .report_len = 1024,
				       .req_flags = 1, .capslack = 9, .errsel = 1 });
	qgs_reply(&o, 0x12001, 0, 1);
	r |= save("qgs-wire", "error-unexpected", o.b, o.n);

	o.n = 0;
	qgs_ctl(&o, &(struct qgs_ctl){ .chunk = 3, .capsel = 2, .report_len = 1,
				       .req_flags = 2, .resp_raw = 0x81, .r16 = 40 });
	qgs_reply(&o, 0, 8, 1);
	o.n -= 5;
	r |= save("qgs-wire", "truncated", o.b, o.n);

	o.n = 0;
	qgs_ctl(&o, &(struct qgs_ctl){ .chunk = 1, .capsel = 4, .capraw = 40,
				       .report_len = 0, .resp_raw = 0x44, .rtype = 3 });
	qgs_reply(&o, 0, 64, 1);
	r |= save("qgs-wire", "over-cap", o.b, o.n);

	o.n = 0;
	qgs_ctl(&o, &(struct qgs_ctl){ .chunk = 9, .capsel = 0, .report_len = 1020,
				       .resp_raw = 0x3e, .errsel = 9, .r16 = 1,
				       .rtype = 1, .rother = 0x12003 });
	qgs_reply(&o, 0, 4, 0);
	put(&o, 0, 1);		/* trailing byte */
	r |= save("qgs-wire", "wrong-type-trailing", o.b, o.n);
	return r;
}

/* ---- caps ------------------------------------------------------------- */

struct leaf {
	uint32_t function;
	uint8_t index;
	uint32_t eax, ebx, ecx, edx;
};

/* Configurable leaves close to what a Sapphire Rapids host reports. */
static const struct leaf caps_leaves[] = {
	{ 0x1, 0, 0x0fff3fff, 0, 0x31fa3203, 0x1fa9fbff },
	{ 0x7, 0, 0, 0xdc7ec9bb, 0x1b434f6e, 0x3ac14c10 },
	{ 0x7, 1, 0x00001d30, 0, 0, 0 },
	{ 0xd, 0, 0x000602e7, 0, 0, 0 },
	{ 0xd, 1, 0x0000000f, 0, 0x00001800, 0 },
	{ 0x1f, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff },
	{ 0x80000008, 0, 0x00ff00ff, 0, 0, 0 },
};

static void caps_blob(struct out *o, size_t count, unsigned int mode, uint32_t k,
		      const struct leaf *l)
{
	put(o, (1ull << 28) | 1, 8);		/* attrs: sept-ve-disable, debug */
	put(o, 0x000602e7, 8);			/* xfam */
	put(o, 0, 8);
	put(o, 2, 8);				/* user r11: SetupEventNotify */
	put(o, 0, 8);
	put(o, 0, 8);
	put(o, count, 2);
	put(o, mode, 1);
	put(o, k, 4);
	for (size_t i = 0; i < count; i++) {
		put(o, l[i].function, 4);
		put(o, l[i].index, 1);
		put(o, l[i].eax, 4);
		put(o, l[i].ebx, 4);
		put(o, l[i].ecx, 4);
		put(o, l[i].edx, 4);
	}
}

/* Config: full size, given attrs/xfam, gpaw 48, 2.5 GHz, two entries. */
static void caps_config(struct out *o, uint64_t attrs, uint64_t xfam,
			uint32_t ebx_xor, uint32_t ecx_xor)
{
	put(o, 200, 1);		/* sz selector: the full struct */
	put(o, attrs, 8);
	put(o, xfam, 8);
	put(o, 1, 1);		/* gpaw 48 */
	put(o, 0, 4);
	put(o, 1, 1);		/* tsc: 100 * 25 MHz */
	put(o, 100, 4);
	put(o, 3, 1);		/* three entries */
	put(o, 0, 1);		/* ref leaf 1, unchanged */
	put(o, 0, 16);
	put(o, 1, 1);		/* ref leaf 7.0, EBX/ECX xor */
	put(o, 0, 4);
	put(o, ebx_xor, 4);
	put(o, ecx_xor, 4);
	put(o, 0, 4);
	put(o, 0xff, 1);	/* a raw leaf 0x80000008.0 with gpaw 48 */
	put(o, 0x80000008, 4);
	put(o, 0, 1);
	put(o, 0x00300030, 4);
	put(o, 0, 12);
	/* host: one entry for leaf 7.0, then the build cap selector */
	put(o, 1, 1);
	put(o, 7, 4);
	put(o, 0, 1);
	put(o, 1, 1);
	put(o, 0, 4);
	put(o, 0xffff0000, 4);
	put(o, 0xffffffff, 4);
	put(o, 0x0000ffff, 4);
	put(o, 0, 1);
}

static int gen_caps(void)
{
	static const char *const texts[][2] = {
		{ "sept-ve-disable,debug", "attrs-list" },
		{ "x87, SSE,avx512 ,amx_tilecfg,amx-tiledata,bit40", "xfam-list" },
		{ "0x10000001", "number" },
		{ "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
		  "00112233445566778899aabbccddeeff", "digest-hex" },
		{ "ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8AESIzRFVmd4iZqrvM3e7/",
		  "digest-b64" },
	};
	struct out o;
	int r = 0;
	size_t n = sizeof(caps_leaves) / sizeof(caps_leaves[0]);

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		o.n = 0;
		caps_blob(&o, n, 0, 0, caps_leaves);
		caps_config(&o, 1ull << 28, 0, 0x810, 0x20);	/* no TSX, WAITPKG */
		put_bytes(&o, texts[i][0], strlen(texts[i][0]));
		r |= save("caps", texts[i][1], o.b, o.n);
	}
	/* refused: TSX set, perfmon, no CET-S */
	o.n = 0;
	caps_blob(&o, n, 0, 0, caps_leaves);
	caps_config(&o, (1ull << 28) | (1ull << 63), 0x807, 0x10, 0);
	put_bytes(&o, "cet-u", 5);
	r |= save("caps", "config-problems", o.b, o.n);
	/* the kernel reports more entries than the array holds */
	o.n = 0;
	caps_blob(&o, n, 1, 2, caps_leaves);
	r |= save("caps", "nent-over", o.b, o.n);
	/* a leaf listed twice */
	{
		struct leaf dup[3] = { caps_leaves[0], caps_leaves[1], caps_leaves[0] };

		o.n = 0;
		caps_blob(&o, 3, 0, 0, dup);
		r |= save("caps", "duplicate", o.b, o.n);
	}
	return r;
}

/* ---- plan ------------------------------------------------------------- */

static void plan_ctl(struct out *o, uint8_t flags, uint32_t ram_pages,
		     uint16_t payload, uint16_t param, uint16_t hob, uint8_t stop,
		     uint32_t stop_at)
{
	put(o, flags, 1);
	put(o, ram_pages - 1, 4);
	put(o, payload, 2);
	put(o, param, 2);
	put(o, hob, 2);
	put(o, stop, 1);
	put(o, stop_at, 4);
}

static int gen_plan(void)
{
	static uint8_t b[0x4000];
	struct ti_config cfg = { .size = S };
	struct ti_section sec[8];
	struct out o;
	int r = 0;

	ti_build(b, &cfg);
	o.n = 0;
	plan_ctl(&o, 0, 1, 0, 0, 0, 0, 3);
	put_bytes(&o, b, S);
	r |= save("plan", "valid-8k", o.b, o.n);

	/* with a 1 GiB q35 layout: the HOB is built */
	o.n = 0;
	plan_ctl(&o, 8, 0x40000, 0, 0, 0, 2, 17);
	put_bytes(&o, b, S);
	r |= save("plan", "layout-1g", o.b, o.n);

	/* 16 KiB: the BFV measures three pages, so the orders differ */
	cfg.size = 0x4000;
	ti_build(b, &cfg);
	o.n = 0;
	plan_ctl(&o, 4 | 64, 1, 0, 0, 48, 5, 40);
	put_bytes(&o, b, 0x4000);
	r |= save("plan", "hob-zero-fill-16k", o.b, o.n);

	/* payload and parameters (copies of image bytes), PermMem; a measured TD_HOB */
	ti_default_sections(S, sec);
	sec[2].type = 4;
	sec[2].attr = 2;
	sec[4].attr = 1;
	sec[6] = (struct ti_section){ 0, 0, 0x1000000, 0x4000, 5, 1 };
	sec[7] = (struct ti_section){ 0, 0, 0x1100000, 0x1000, 6, 1 };
	memset(&cfg, 0, sizeof(cfg));
	cfg.size = S;
	cfg.sec = sec;
	cfg.nsec = 8;
	ti_build(b, &cfg);
	o.n = 0;
	plan_ctl(&o, 8 | 16 | 32, 0x80000, 300, 14, 0, 1, 9);
	put_bytes(&o, b, S);
	r |= save("plan", "payload-param-8k", o.b, o.n);

	/* no TD_HOB (td-shim style): its range is PermMem instead */
	ti_default_sections(S, sec);
	sec[4].type = 4;
	sec[4].attr = 2;
	memset(&cfg, 0, sizeof(cfg));
	cfg.size = S;
	cfg.sec = sec;
	cfg.nsec = 6;
	ti_build(b, &cfg);
	o.n = 0;
	plan_ctl(&o, 0, 1, 0, 0, 0, 3, 2);
	put_bytes(&o, b, S);
	r |= save("plan", "no-hob-8k", o.b, o.n);

	/* 16 KiB image carrying its own 4 KiB payload (measured, 4 pages) */
	sec[0] = (struct ti_section){ 0, 0x1000, TI_4G - 0x4000, 0x1000, 1, 0 };
	sec[1] = (struct ti_section){ 0x1000, 0x1000, 0x1000000, 0x4000, 5, 1 };
	sec[2] = (struct ti_section){ 0x2000, 0x2000, TI_4G - 0x2000, 0x2000, 0, 1 };
	sec[3] = (struct ti_section){ 0, 0, 0x800000, 0x6000, 3, 0 };
	sec[4] = (struct ti_section){ 0, 0, 0x809000, 0x2000, 2, 0 };
	memset(&cfg, 0, sizeof(cfg));
	cfg.size = 0x4000;
	cfg.desc_off = 0x3000;
	cfg.sec = sec;
	cfg.nsec = 5;
	ti_build(b, &cfg);
	o.n = 0;
	plan_ctl(&o, 8, 0x40000, 0, 0, 0, 4, 100);
	put_bytes(&o, b, 0x4000);
	r |= save("plan", "payload-in-image-16k", o.b, o.n);

	/* legacy image (no footer table) */
	memset(&cfg, 0, sizeof(cfg));
	cfg.size = S;
	cfg.no_footer = 1;
	cfg.legacy = 1;
	ti_build(b, &cfg);
	o.n = 0;
	plan_ctl(&o, 1 | 128, 1, 0, 0, 0, 6, 0);
	put_bytes(&o, b, S);
	r |= save("plan", "legacy-8k", o.b, o.n);
	return r;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR (writes tdvf/, qgs-wire/, caps/, plan/)\n",
			argv[0]);
		return 2;
	}
	root = argv[1];
	return gen_tdvf() | gen_qgs() | gen_caps() | gen_plan();
}
