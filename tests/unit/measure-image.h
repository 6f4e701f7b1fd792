/* SPDX-License-Identifier: MIT */
/*
 * Test helpers for the plan and measure tests: build small TDVF images in
 * memory, and compute the expected MRTD independently of lib/measure.c
 * (the blocks are written out as the TDX module hashes them --
 * TDH.MEM.PAGE.ADD's 128-byte "MEM.PAGE.ADD" block and TDH.MR.EXTEND's
 * "MR.EXTEND" block plus the 256 chunk bytes, intel/tdx-module
 * src/vmm_dispatcher/api_calls/tdh_mem_page_add.c and tdh_mr_extend.c --
 * and hashed with EVP directly, one call per block, without any of the
 * library's buffering).
 */
#ifndef MEASURE_IMAGE_H
#define MEASURE_IMAGE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define MI_PAGE 4096u
#define MI_4G 0x100000000ull
#define MI_OVMF "/usr/share/ovmf/OVMF.fd"

struct mi_sec {
	uint32_t data_offset;
	uint32_t raw;
	uint64_t gpa;
	uint64_t mem;
	uint32_t type;
	uint32_t attr;
};

static inline void mi_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* GUIDs in EFI byte order. */
static const uint8_t mi_footer_guid[16] = {	/* 96b582de-1fb2-45f7-baea-a366c55a082d */
	0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };
static const uint8_t mi_tdx_offset_guid[16] = {	/* e47a6535-984a-4798-865e-4685a7bf8ec2 */
	0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
	0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2 };
static const uint8_t mi_metadata_guid[16] = {	/* e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae */
	0xf3, 0xf9, 0xea, 0xe9, 0x8e, 0x16, 0xd5, 0x44,
	0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae };

/*
 * An image of @size bytes (a multiple of 64 KiB) filled with a byte
 * pattern, with the GUIDed footer table and a TDVF descriptor listing
 * @secs at size - 0x800.  The caller frees it.
 */
static inline uint8_t *mi_build(size_t size, const struct mi_sec *secs, size_t n)
{
	uint8_t *img = malloc(size);
	size_t end = size, desc = size - 0x800;

	if (!img)
		return NULL;
	for (size_t i = 0; i < size; i++)
		img[i] = (uint8_t)(i * 7 + (i >> 12) * 13 + 1);
	/* footer GUID at end - 0x30, total length at end - 0x32 */
	memcpy(img + end - 0x30, mi_footer_guid, 16);
	mi_le(img + end - 0x32, 18 + 22, 2);
	/* TDX metadata offset entry: data, length, GUID */
	memcpy(img + end - 0x42, mi_tdx_offset_guid, 16);
	mi_le(img + end - 0x44, 22, 2);
	mi_le(img + end - 0x48, size - desc, 4);
	/* descriptor */
	memcpy(img + desc - 16, mi_metadata_guid, 16);
	memcpy(img + desc, "TDVF", 4);
	mi_le(img + desc + 4, 16 + 32 * n, 4);
	mi_le(img + desc + 8, 1, 4);
	mi_le(img + desc + 12, n, 4);
	for (size_t i = 0; i < n; i++) {
		uint8_t *s = img + desc + 16 + 32 * i;

		mi_le(s + 0, secs[i].data_offset, 4);
		mi_le(s + 4, secs[i].raw, 4);
		mi_le(s + 8, secs[i].gpa, 8);
		mi_le(s + 16, secs[i].mem, 8);
		mi_le(s + 24, secs[i].type, 4);
		mi_le(s + 28, secs[i].attr, 4);
	}
	return img;
}

/* ---- the reference model ------------------------------------------ */

/* TDH.MEM.PAGE.ADD: "MEM.PAGE.ADD", zeros to 16, GPA LE, zeros to 128. */
static inline void mi_add(EVP_MD_CTX *md, uint64_t gpa)
{
	uint8_t b[128] = { 0 };

	b[0] = 'M'; b[1] = 'E'; b[2] = 'M'; b[3] = '.';
	b[4] = 'P'; b[5] = 'A'; b[6] = 'G'; b[7] = 'E';
	b[8] = '.'; b[9] = 'A'; b[10] = 'D'; b[11] = 'D';
	mi_le(b + 16, gpa, 8);
	EVP_DigestUpdate(md, b, sizeof(b));
}

/* TDH.MR.EXTEND: "MR.EXTEND", zeros to 16, GPA LE, zeros; then 256 bytes. */
static inline void mi_extend(EVP_MD_CTX *md, uint64_t gpa, const uint8_t chunk[256])
{
	uint8_t b[128] = { 0 };

	b[0] = 'M'; b[1] = 'R'; b[2] = '.'; b[3] = 'E'; b[4] = 'X';
	b[5] = 'T'; b[6] = 'E'; b[7] = 'N'; b[8] = 'D';
	mi_le(b + 16, gpa, 8);
	EVP_DigestUpdate(md, b, sizeof(b));
	EVP_DigestUpdate(md, chunk, 128);
	EVP_DigestUpdate(md, chunk + 128, 128);
}

/*
 * One region to replay: @pages pages at @gpa, content = @data (@len
 * bytes, then zeros), measured or not, added or not.
 */
struct mi_region {
	uint64_t gpa;
	uint64_t pages;
	const uint8_t *data;
	size_t len;
	int measured;
	int added;
};

static inline void mi_chunk(const struct mi_region *r, uint64_t off, uint8_t out[256])
{
	for (int k = 0; k < 256; k++)
		out[k] = off + k < r->len ? r->data[off + k] : 0;
}

/* Expected MRTD; two_pass selects the older order. */
static inline void mi_expected(const struct mi_region *rs, size_t n, int two_pass,
			       uint8_t out[48])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int len;
	uint8_t chunk[256];

	EVP_DigestInit_ex(md, EVP_sha384(), NULL);
	for (size_t i = 0; i < n; i++) {
		const struct mi_region *r = &rs[i];

		if (!r->added)
			continue;
		for (uint64_t p = 0; p < r->pages; p++) {
			mi_add(md, r->gpa + p * MI_PAGE);
			if (!two_pass && r->measured)
				for (int j = 0; j < 16; j++) {
					mi_chunk(r, p * MI_PAGE + 256 * j, chunk);
					mi_extend(md, r->gpa + p * MI_PAGE + 256 * j, chunk);
				}
		}
		if (two_pass && r->measured)
			for (uint64_t p = 0; p < r->pages; p++)
				for (int j = 0; j < 16; j++) {
					mi_chunk(r, p * MI_PAGE + 256 * j, chunk);
					mi_extend(md, r->gpa + p * MI_PAGE + 256 * j, chunk);
				}
	}
	EVP_DigestFinal_ex(md, out, &len);
	EVP_MD_CTX_free(md);
}

static inline int mi_hex_eq(const uint8_t *d, const char *hex)
{
	char buf[97];

	for (int i = 0; i < 48; i++)
		snprintf(buf + 2 * i, 3, "%02x", d[i]);
	return !strcmp(buf, hex);
}

#endif
