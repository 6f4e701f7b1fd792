/* SPDX-License-Identifier: MIT */
/* Shared between tdvf.c, tdvf-footer.c, layout.c and hob.c.  Never installed. */
#ifndef LIBTDX_TDVF_INTERNAL_H
#define LIBTDX_TDVF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

#define TDX_4G		0x100000000ull
#define TDX_PAGE_SIZE	0x1000ull
#define TDX_PAGE_MASK	(TDX_PAGE_SIZE - 1)

/* Little-endian reads from a byte buffer; the caller has bounds-checked. */
static inline uint16_t tdx_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t tdx_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t tdx_rd64(const uint8_t *p)
{
	return (uint64_t)tdx_rd32(p) | (uint64_t)tdx_rd32(p + 4) << 32;
}

static inline void tdx_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void tdx_wr32(uint8_t *p, uint32_t v)
{
	tdx_wr16(p, (uint16_t)v);
	tdx_wr16(p + 2, (uint16_t)(v >> 16));
}

static inline void tdx_wr64(uint8_t *p, uint64_t v)
{
	tdx_wr32(p, (uint32_t)v);
	tdx_wr32(p + 4, (uint32_t)(v >> 32));
}

/*
 * Fill *d (may be NULL) with code/section/offset/err and a formatted
 * message; returns err so callers can "return tdx_tdvf_fail(...)".
 */
int tdx_tdvf_fail(struct tdx_tdvf_diag *d, int err, int code, int section,
		  uint64_t offset, const char *fmt, ...) TDX_PRINTF(6, 7);
void tdx_tdvf_diag_ok(struct tdx_tdvf_diag *d);

/*
 * Find the TDVF descriptor of an image whose size is already known to be
 * in [4 KiB, 4 GiB): through the GUIDed footer table, or (flags has
 * TDX_TDVF_ALLOW_LEGACY and there is no footer GUID) the legacy pointer.
 * Guarantees *ret_off + 16 <= size.  Returns 0, -EINVAL or -ENOMSG.
 */
int tdx_tdvf_locate(const uint8_t *img, size_t size, uint64_t flags,
		    struct tdx_tdvf_diag *d, uint64_t *ret_off, bool *ret_legacy);

#endif
