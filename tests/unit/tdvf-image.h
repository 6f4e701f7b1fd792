/* SPDX-License-Identifier: MIT */
/*
 * Builds synthetic TDVF images for tests and the fuzz seed corpus, written
 * from the layout in docs (GUIDed footer table, descriptor, sections), not
 * with libtdx's own code.
 *
 * The default image of size S (a multiple of 4 KiB, >= 8 KiB) mirrors
 * Debian's OVMF.fd section list:
 *   0 CFV      data 0x0    raw 0x1000    at 4G - S            mem 0x1000
 *   1 BFV      data 0x1000 raw S-0x1000  at 4G - S + 0x1000   mem S-0x1000  MR_EXTEND
 *   2 TempMem  0x810000 +0x10000
 *   3 TempMem  0x80b000 +0x2000
 *   4 TD_HOB   0x809000 +0x2000
 *   5 TempMem  0x800000 +0x6000
 * The descriptor sits at S/2 (inside the BFV data) behind the metadata
 * GUID.  The footer table holds a 4-byte dummy entry, then the TDX entry.
 */
#ifndef LIBTDX_TDVF_IMAGE_H
#define LIBTDX_TDVF_IMAGE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TI_4G 0x100000000ull

struct ti_section {
	uint32_t data_off, raw;
	uint64_t gpa, mem;
	uint32_t type, attr;
};

struct ti_config {
	size_t size;			/* image size */
	size_t desc_off;		/* 0 = size / 2 */
	const struct ti_section *sec;	/* NULL = the default six */
	size_t nsec;
	int tdx_data_len;		/* bytes of TDX entry data; 0 = 4 */
	int no_footer;			/* leave the footer table out */
	int legacy;			/* with no_footer: write the legacy pointer */
};

/* Byte positions of the footer table (from the end), for a default build. */
#define TI_FOOTER_GUID(sz)	((sz) - 0x30)
#define TI_TABLE_LEN(sz)	((sz) - 0x32)
#define TI_TDX_GUID(sz)		((sz) - 0x42)
#define TI_TDX_LEN(sz)		((sz) - 0x44)
#define TI_TDX_DATA(sz)		((sz) - 0x48)
#define TI_DUMMY_GUID(sz)	((sz) - 0x58)
#define TI_DUMMY_LEN(sz)	((sz) - 0x5a)
#define TI_TABLE_START(sz)	((sz) - 0x5e)
#define TI_LEGACY(sz)		((sz) - 0x20)
/* A section entry field: i = index, f = 0 DataOffset, 4 Raw, 8 Addr, 16 Mem, 24 Type, 28 Attr */
#define TI_SEC(desc, i, f)	((desc) + 16 + 32 * (i) + (f))

static const uint8_t ti_footer_guid[16] = {	/* 96b582de-1fb2-45f7-baea-a366c55a082d */
	0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };
static const uint8_t ti_tdx_guid[16] = {	/* e47a6535-984a-4798-865e-4685a7bf8ec2 */
	0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
	0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2 };
static const uint8_t ti_sev_es_guid[16] = {	/* 00f771de-1a7e-4fcb-890e-68c77e2fb44e */
	0xde, 0x71, 0xf7, 0x00, 0x7e, 0x1a, 0xcb, 0x4f,
	0x89, 0x0e, 0x68, 0xc7, 0x7e, 0x2f, 0xb4, 0x4e };
static const uint8_t ti_meta_guid[16] = {	/* e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae */
	0xf3, 0xf9, 0xea, 0xe9, 0x8e, 0x16, 0xd5, 0x44,
	0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae };

static inline void ti_put16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)v;
	b[off + 1] = (uint8_t)(v >> 8);
}

static inline void ti_put32(uint8_t *b, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

static inline void ti_put64(uint8_t *b, size_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t ti_get32(const uint8_t *b, size_t off)
{
	return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 |
	       (uint32_t)b[off + 2] << 16 | (uint32_t)b[off + 3] << 24;
}

/* The default section list for an image of @size bytes. */
static inline void ti_default_sections(size_t size, struct ti_section s[6])
{
	const struct ti_section d[6] = {
		{ 0, 0x1000, TI_4G - size, 0x1000, 1, 0 },
		{ 0x1000, (uint32_t)(size - 0x1000), TI_4G - size + 0x1000, size - 0x1000, 0, 1 },
		{ 0, 0, 0x810000, 0x10000, 3, 0 },
		{ 0, 0, 0x80b000, 0x2000, 3, 0 },
		{ 0, 0, 0x809000, 0x2000, 2, 0 },
		{ 0, 0, 0x800000, 0x6000, 3, 0 },
	};
	memcpy(s, d, sizeof(d));
}

/* Fill buf (cfg->size bytes); returns the descriptor offset. */
static inline size_t ti_build(uint8_t *b, const struct ti_config *cfg)
{
	size_t size = cfg->size, desc = cfg->desc_off ? cfg->desc_off : size / 2;
	struct ti_section def[6];
	const struct ti_section *s = cfg->sec;
	size_t n = cfg->nsec, i;
	int dlen = cfg->tdx_data_len ? cfg->tdx_data_len : 4;

	if (!s) {
		ti_default_sections(size, def);
		s = def;
		n = 6;
	}
	memset(b, 0, size);
	/* something code-like in the last 32 bytes */
	memset(b + size - 0x20, 0x90, 0x20);

	memcpy(b + desc - 16, ti_meta_guid, 16);
	ti_put32(b, desc, 0x46564454);			/* "TDVF" */
	ti_put32(b, desc + 4, (uint32_t)(16 + 32 * n));
	ti_put32(b, desc + 8, 1);
	ti_put32(b, desc + 12, (uint32_t)n);
	for (i = 0; i < n; i++) {
		ti_put32(b, TI_SEC(desc, i, 0), s[i].data_off);
		ti_put32(b, TI_SEC(desc, i, 4), s[i].raw);
		ti_put64(b, TI_SEC(desc, i, 8), s[i].gpa);
		ti_put64(b, TI_SEC(desc, i, 16), s[i].mem);
		ti_put32(b, TI_SEC(desc, i, 24), s[i].type);
		ti_put32(b, TI_SEC(desc, i, 28), s[i].attr);
	}

	if (cfg->no_footer) {
		if (cfg->legacy)
			ti_put32(b, TI_LEGACY(size), (uint32_t)desc);
		return desc;
	}
	/* footer: GUID at end-0x30, total length at end-0x32 */
	memcpy(b + TI_FOOTER_GUID(size), ti_footer_guid, 16);
	{
		size_t cur = TI_TABLE_LEN(size);	/* end of the entries */
		size_t tlen = 18;

		/* TDX entry: data, u16 length, GUID */
		memcpy(b + cur - 16, ti_tdx_guid, 16);
		ti_put16(b, cur - 18, (uint16_t)(dlen + 18));
		if (dlen >= 4)
			ti_put32(b, cur - 18 - dlen, (uint32_t)(size - desc));
		cur -= dlen + 18;
		tlen += dlen + 18;
		/* dummy SEV-ES entry with 4 bytes */
		memcpy(b + cur - 16, ti_sev_es_guid, 16);
		ti_put16(b, cur - 18, 22);
		ti_put32(b, cur - 22, 0x0080b004);
		tlen += 22;
		ti_put16(b, TI_TABLE_LEN(size), (uint16_t)tlen);
	}
	return desc;
}

/* Allocate and build the default image of @size bytes. */
static inline uint8_t *ti_default(size_t size, size_t *ret_desc)
{
	struct ti_config cfg = { .size = size };
	uint8_t *b = malloc(size);

	if (b)
		*ret_desc = ti_build(b, &cfg);
	return b;
}

#endif
