/* SPDX-License-Identifier: MIT */
/*
 * TDVF descriptor and section parsing, validation and accessors.  Pure:
 * the only syscalls are open/fstat/mmap/pread/mprotect (mmap of the file
 * with TDX_TDVF_MAP)/munmap in tdx_tdvf_open().
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tdvf-internal.h"

#define DESC_SIGNATURE	0x46564454u	/* "TDVF" */
#define DESC_HEADER	16
#define SECTION_SIZE	32
#define MAX_WARNINGS	64
#define RESET_VECTOR	0xfffffff0ull

/* e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae, the GUID edk2 puts before "TDVF". */
static const uint8_t metadata_guid[16] = {
	0xf3, 0xf9, 0xea, 0xe9, 0x8e, 0x16, 0xd5, 0x44,
	0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae,
};

struct tdx_tdvf {
	const uint8_t *image;
	size_t size;
	void *map;			/* non-NULL when we read the image into it */
	uint64_t desc_off;
	bool legacy;
	size_t nsec;
	struct tdx_tdvf_section *sec;
	size_t nwarn;
	struct tdx_tdvf_diag warn[MAX_WARNINGS];
};

/* ---- diagnostics ----------------------------------------------------- */

__attribute__((format(printf, 6, 0)))
static void diag_vset(struct tdx_tdvf_diag *d, int err, int code, int section,
		      uint64_t offset, const char *fmt, va_list ap)
{
	d->code = code;
	d->section = section;
	d->offset = offset;
	d->err = err;
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
}

int tdx_tdvf_fail(struct tdx_tdvf_diag *d, int err, int code, int section,
		  uint64_t offset, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return err;
	va_start(ap, fmt);
	diag_vset(d, err, code, section, offset, fmt, ap);
	va_end(ap);
	return err;
}

void tdx_tdvf_diag_ok(struct tdx_tdvf_diag *d)
{
	if (!d)
		return;
	memset(d, 0, sizeof(*d));
	d->code = TDX_TDVF_OK;
	d->section = TDX_TDVF_NO_SECTION;
}

TDX_PRINTF(5, 6)
static void warn(struct tdx_tdvf *t, int code, int section, uint64_t offset,
		 const char *fmt, ...)
{
	va_list ap;

	if (t->nwarn >= MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	diag_vset(&t->warn[t->nwarn++], 0, code, section, offset, fmt, ap);
	va_end(ap);
}

/* ---- names ----------------------------------------------------------- */

static const char *const type_names[] = {
	[TDX_TDVF_SECTION_BFV] = "BFV",
	[TDX_TDVF_SECTION_CFV] = "CFV",
	[TDX_TDVF_SECTION_TD_HOB] = "TD_HOB",
	[TDX_TDVF_SECTION_TEMP_MEM] = "TempMem",
	[TDX_TDVF_SECTION_PERM_MEM] = "PermMem",
	[TDX_TDVF_SECTION_PAYLOAD] = "Payload",
	[TDX_TDVF_SECTION_PAYLOAD_PARAM] = "PayloadParam",
};

TDX_EXPORT const char *tdx_tdvf_section_type_name(uint32_t type)
{
	return type < TDX_ARRAY_SIZE(type_names) ? type_names[type] : NULL;
}

static const char *tname(uint32_t type)
{
	const char *n = tdx_tdvf_section_type_name(type);

	return n ? n : "unknown";
}

static const struct {
	int code;
	const char *name;
	const char *text;
} codes[] = {
	{ TDX_TDVF_OK, "OK", "success" },
	{ TDX_TDVF_E_ARGUMENT, "E_ARGUMENT", "invalid argument or options" },
	{ TDX_TDVF_E_IO, "E_IO", "cannot open or map the image" },
	{ TDX_TDVF_E_NOMEM, "E_NOMEM", "out of memory" },
	{ TDX_TDVF_E_IMAGE_SIZE, "E_IMAGE_SIZE", "image smaller than 4 KiB or not below 4 GiB" },
	{ TDX_TDVF_E_NO_FOOTER, "E_NO_FOOTER", "no GUIDed table footer: no TDX metadata" },
	{ TDX_TDVF_E_TABLE_LENGTH, "E_TABLE_LENGTH", "GUIDed table length out of range" },
	{ TDX_TDVF_E_ENTRY_LENGTH, "E_ENTRY_LENGTH", "GUIDed table entry length out of range" },
	{ TDX_TDVF_E_NO_TDX_ENTRY, "E_NO_TDX_ENTRY", "no TDX metadata offset entry: not a TDX firmware" },
	{ TDX_TDVF_E_TDX_ENTRY_DUPLICATE, "E_TDX_ENTRY_DUPLICATE", "more than one TDX metadata offset entry" },
	{ TDX_TDVF_E_TDX_ENTRY_SIZE, "E_TDX_ENTRY_SIZE", "TDX metadata offset entry data is not 4 bytes" },
	{ TDX_TDVF_E_METADATA_OFFSET, "E_METADATA_OFFSET", "TDX metadata offset outside the image" },
	{ TDX_TDVF_E_LEGACY_OFFSET, "E_LEGACY_OFFSET", "legacy metadata pointer outside the image" },
	{ TDX_TDVF_E_SIGNATURE, "E_SIGNATURE", "descriptor signature is not \"TDVF\"" },
	{ TDX_TDVF_E_DESCRIPTOR_TRUNCATED, "E_DESCRIPTOR_TRUNCATED", "descriptor extends past the end of the image" },
	{ TDX_TDVF_E_VERSION, "E_VERSION", "descriptor version is not 1" },
	{ TDX_TDVF_E_SECTION_COUNT, "E_SECTION_COUNT", "fewer than 2 sections" },
	{ TDX_TDVF_E_DESCRIPTOR_LENGTH, "E_DESCRIPTOR_LENGTH", "descriptor length is not 16 + 32 * sections" },
	{ TDX_TDVF_E_SECTION_TYPE, "E_SECTION_TYPE", "unknown section type" },
	{ TDX_TDVF_E_ATTR_RESERVED, "E_ATTR_RESERVED", "reserved attribute bits set" },
	{ TDX_TDVF_E_MEM_SIZE_ZERO, "E_MEM_SIZE_ZERO", "section memory size is zero" },
	{ TDX_TDVF_E_MEM_ADDR_ALIGN, "E_MEM_ADDR_ALIGN", "section address not 4 KiB aligned" },
	{ TDX_TDVF_E_MEM_SIZE_ALIGN, "E_MEM_SIZE_ALIGN", "section memory size not 4 KiB aligned" },
	{ TDX_TDVF_E_RAW_GT_MEM, "E_RAW_GT_MEM", "raw data larger than the memory size" },
	{ TDX_TDVF_E_GPA_WRAP, "E_GPA_WRAP", "section GPA range wraps around" },
	{ TDX_TDVF_E_GPA_SHARED, "E_GPA_SHARED", "section GPA range reaches the shared bit" },
	{ TDX_TDVF_E_RAW_SIZE_ZERO, "E_RAW_SIZE_ZERO", "BFV/CFV without raw data" },
	{ TDX_TDVF_E_RAW_NOT_EMPTY, "E_RAW_NOT_EMPTY", "TD_HOB/TempMem/PermMem with raw data" },
	{ TDX_TDVF_E_RAW_OUT_OF_FILE, "E_RAW_OUT_OF_FILE", "raw data extends past the end of the image" },
	{ TDX_TDVF_E_DATA_ALIGN, "E_DATA_ALIGN", "BFV/CFV data offset not 4 KiB aligned" },
	{ TDX_TDVF_E_MEM_OUT_OF_FILE, "E_MEM_OUT_OF_FILE", "BFV/CFV memory size extends past the end of the image" },
	{ TDX_TDVF_E_BFV_NO_MR_EXTEND, "E_BFV_NO_MR_EXTEND", "BFV is not measured (no MR_EXTEND)" },
	{ TDX_TDVF_E_PAGE_AUG_NOT_PERMMEM, "E_PAGE_AUG_NOT_PERMMEM", "PAGE_AUG on a section other than PermMem" },
	{ TDX_TDVF_E_PERMMEM_ATTR, "E_PERMMEM_ATTR", "PermMem attributes are not exactly PAGE_AUG" },
	{ TDX_TDVF_E_OVERLAP, "E_OVERLAP", "two sections overlap in guest memory" },
	{ TDX_TDVF_E_TD_HOB_DUPLICATE, "E_TD_HOB_DUPLICATE", "more than one TD_HOB section" },
	{ TDX_TDVF_E_NO_TD_HOB, "E_NO_TD_HOB", "no TD_HOB section (and no PermMem)" },
	{ TDX_TDVF_E_PAYLOAD_DUPLICATE, "E_PAYLOAD_DUPLICATE", "more than one Payload section" },
	{ TDX_TDVF_E_PAYLOAD_PARAM_DUPLICATE, "E_PAYLOAD_PARAM_DUPLICATE", "more than one PayloadParam section" },
	{ TDX_TDVF_E_PAYLOAD_PARAM_ALONE, "E_PAYLOAD_PARAM_ALONE", "PayloadParam without a Payload" },
	{ TDX_TDVF_E_NO_BFV, "E_NO_BFV", "no BFV section" },
	{ TDX_TDVF_E_RESET_VECTOR, "E_RESET_VECTOR", "no BFV covers the reset vector 0xfffffff0" },
	{ TDX_TDVF_E_NOT_IN_RAM, "E_NOT_IN_RAM", "section not entirely inside one RAM range" },
	{ TDX_TDVF_E_HOB_OVERFLOW, "E_HOB_OVERFLOW", "TD HOB larger than the TD_HOB section" },
	{ TDX_TDVF_E_BUFFER_SMALL, "E_BUFFER_SMALL", "output buffer too small" },
	{ TDX_TDVF_W_IMAGE_SIZE_ALIGN, "W_IMAGE_SIZE_ALIGN", "image size not a multiple of 64 KiB" },
	{ TDX_TDVF_W_METADATA_GUID, "W_METADATA_GUID", "no metadata GUID in front of the descriptor" },
	{ TDX_TDVF_W_DATA_OFFSET, "W_DATA_OFFSET", "data offset set on a section without raw data" },
	{ TDX_TDVF_W_MEM_GT_RAW, "W_MEM_GT_RAW", "BFV/CFV memory size exceeds its raw data" },
	{ TDX_TDVF_W_MR_EXTEND, "W_MR_EXTEND", "MR_EXTEND on a section that is normally not measured" },
	{ TDX_TDVF_W_FLASH_PLACEMENT, "W_FLASH_PLACEMENT", "BFV/CFV not where the image is mapped below 4 GiB" },
};

TDX_EXPORT const char *tdx_tdvf_code_name(int code)
{
	for (size_t i = 0; i < TDX_ARRAY_SIZE(codes); i++)
		if (codes[i].code == code)
			return codes[i].name;
	return NULL;
}

TDX_EXPORT const char *tdx_tdvf_strerror(int code)
{
	for (size_t i = 0; i < TDX_ARRAY_SIZE(codes); i++)
		if (codes[i].code == code)
			return codes[i].text;
	return "unknown TDVF code";
}

/* ---- parsing --------------------------------------------------------- */

static bool is_fv(uint32_t type)
{
	return type == TDX_TDVF_SECTION_BFV || type == TDX_TDVF_SECTION_CFV;
}

static int parse_descriptor(struct tdx_tdvf *t, struct tdx_tdvf_diag *d,
			    uint64_t *ret_count)
{
	const uint8_t *p = t->image + t->desc_off;
	uint64_t off = t->desc_off, len, n;
	int nometa = t->legacy ? -ENOMSG : -EINVAL;

	if (tdx_rd32(p) != DESC_SIGNATURE)
		return tdx_tdvf_fail(d, nometa, TDX_TDVF_E_SIGNATURE,
				     TDX_TDVF_NO_SECTION, off,
				     "no \"TDVF\" signature at 0x%llx (found %08x)",
				     (unsigned long long)off, tdx_rd32(p));
	len = tdx_rd32(p + 4);
	if (off + len > t->size)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_DESCRIPTOR_TRUNCATED,
				     TDX_TDVF_NO_SECTION, off + 4,
				     "descriptor at 0x%llx of length 0x%llx runs past the image end 0x%zx",
				     (unsigned long long)off, (unsigned long long)len, t->size);
	if (tdx_rd32(p + 8) != 1)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_VERSION,
				     TDX_TDVF_NO_SECTION, off + 8,
				     "descriptor version %u, only 1 is defined",
				     tdx_rd32(p + 8));
	n = tdx_rd32(p + 12);
	if (n < 2)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_SECTION_COUNT,
				     TDX_TDVF_NO_SECTION, off + 12,
				     "descriptor lists %llu section(s), at least 2 needed",
				     (unsigned long long)n);
	if (len != DESC_HEADER + SECTION_SIZE * n)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_DESCRIPTOR_LENGTH,
				     TDX_TDVF_NO_SECTION, off + 4,
				     "descriptor length 0x%llx does not match %llu sections (0x%llx)",
				     (unsigned long long)len, (unsigned long long)n,
				     (unsigned long long)(DESC_HEADER + SECTION_SIZE * n));
	if (off < 16 || memcmp(p - 16, metadata_guid, 16) != 0)
		warn(t, TDX_TDVF_W_METADATA_GUID, TDX_TDVF_NO_SECTION,
		     off < 16 ? 0 : off - 16,
		     "no metadata GUID e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae before the descriptor");
	*ret_count = n;
	return 0;
}

static int check_section(struct tdx_tdvf *t, size_t i, uint64_t entry,
			 uint32_t gpaw, struct tdx_tdvf_diag *d)
{
	const uint8_t *p = t->image + entry;
	struct tdx_tdvf_section *s = &t->sec[i];
	uint64_t limit = 1ull << (gpaw - 1), end;
	int idx = (int)i;
	const char *tn;

	s->data_offset = tdx_rd32(p);
	s->raw_size = tdx_rd32(p + 4);
	s->gpa = tdx_rd64(p + 8);
	s->mem_size = tdx_rd64(p + 16);
	s->type = tdx_rd32(p + 24);
	s->attributes = tdx_rd32(p + 28);
	s->measured = s->attributes & TDX_TDVF_ATTR_MR_EXTEND;
	s->page_aug = s->attributes & TDX_TDVF_ATTR_PAGE_AUG;
	tn = tname(s->type);

	if (!tdx_tdvf_section_type_name(s->type))
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_SECTION_TYPE, idx,
				     entry + 24, "section %zu: unknown type %u", i, s->type);
	if (s->attributes & ~(TDX_TDVF_ATTR_MR_EXTEND | TDX_TDVF_ATTR_PAGE_AUG))
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_ATTR_RESERVED, idx,
				     entry + 28, "section %zu (%s): reserved attribute bits in 0x%x",
				     i, tn, s->attributes);
	if (s->mem_size == 0)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_MEM_SIZE_ZERO, idx,
				     entry + 16, "section %zu (%s): memory size 0", i, tn);
	if (s->gpa & TDX_PAGE_MASK)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_MEM_ADDR_ALIGN, idx,
				     entry + 8, "section %zu (%s): address 0x%llx not 4 KiB aligned",
				     i, tn, (unsigned long long)s->gpa);
	if (s->mem_size & TDX_PAGE_MASK)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_MEM_SIZE_ALIGN, idx,
				     entry + 16, "section %zu (%s): memory size 0x%llx not 4 KiB aligned",
				     i, tn, (unsigned long long)s->mem_size);
	if (s->raw_size > s->mem_size)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_RAW_GT_MEM, idx,
				     entry + 4, "section %zu (%s): raw size 0x%llx exceeds memory size 0x%llx",
				     i, tn, (unsigned long long)s->raw_size,
				     (unsigned long long)s->mem_size);
	end = s->gpa + s->mem_size;
	if (end < s->gpa)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_GPA_WRAP, idx,
				     entry + 8, "section %zu (%s): [0x%llx, +0x%llx) wraps around",
				     i, tn, (unsigned long long)s->gpa,
				     (unsigned long long)s->mem_size);
	if (end > limit)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_GPA_SHARED, idx,
				     entry + 8, "section %zu (%s): ends at 0x%llx, above the shared bit 0x%llx (GPAW %u)",
				     i, tn, (unsigned long long)end,
				     (unsigned long long)limit, gpaw);
	if (is_fv(s->type) && s->raw_size == 0)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_RAW_SIZE_ZERO, idx,
				     entry + 4, "section %zu (%s): no raw data", i, tn);
	if ((s->type == TDX_TDVF_SECTION_TD_HOB || s->type == TDX_TDVF_SECTION_TEMP_MEM ||
	     s->type == TDX_TDVF_SECTION_PERM_MEM) && s->raw_size != 0)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_RAW_NOT_EMPTY, idx,
				     entry + 4, "section %zu (%s): raw size 0x%llx, must be 0",
				     i, tn, (unsigned long long)s->raw_size);
	if (s->raw_size && s->data_offset + s->raw_size > t->size)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_RAW_OUT_OF_FILE, idx,
				     entry, "section %zu (%s): raw data [0x%llx, +0x%llx) past the image end 0x%zx",
				     i, tn, (unsigned long long)s->data_offset,
				     (unsigned long long)s->raw_size, t->size);
	if (is_fv(s->type) && (s->data_offset & TDX_PAGE_MASK))
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_DATA_ALIGN, idx,
				     entry, "section %zu (%s): data offset 0x%llx not 4 KiB aligned",
				     i, tn, (unsigned long long)s->data_offset);
	if (is_fv(s->type) && s->data_offset + s->mem_size > t->size)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_MEM_OUT_OF_FILE, idx,
				     entry + 16, "section %zu (%s): [0x%llx, +0x%llx) past the image end 0x%zx",
				     i, tn, (unsigned long long)s->data_offset,
				     (unsigned long long)s->mem_size, t->size);
	if (s->type == TDX_TDVF_SECTION_BFV && !s->measured)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_BFV_NO_MR_EXTEND, idx,
				     entry + 28, "section %zu (BFV): not measured (attributes 0x%x lack MR_EXTEND)",
				     i, s->attributes);
	if (s->page_aug && s->type != TDX_TDVF_SECTION_PERM_MEM)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_PAGE_AUG_NOT_PERMMEM, idx,
				     entry + 28, "section %zu (%s): PAGE_AUG is only for PermMem",
				     i, tn);
	if (s->type == TDX_TDVF_SECTION_PERM_MEM && s->attributes != TDX_TDVF_ATTR_PAGE_AUG)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_PERMMEM_ATTR, idx,
				     entry + 28, "section %zu (PermMem): attributes 0x%x, must be exactly PAGE_AUG",
				     i, s->attributes);

	/* warnings */
	if (s->raw_size == 0 && s->data_offset != 0)
		warn(t, TDX_TDVF_W_DATA_OFFSET, idx, entry,
		     "section %zu (%s): data offset 0x%llx without raw data",
		     i, tn, (unsigned long long)s->data_offset);
	if (is_fv(s->type) && s->mem_size > s->raw_size)
		warn(t, TDX_TDVF_W_MEM_GT_RAW, idx, entry + 16,
		     "section %zu (%s): memory size 0x%llx > raw size 0x%llx (QEMU copies image bytes, the spec zero-fills)",
		     i, tn, (unsigned long long)s->mem_size,
		     (unsigned long long)s->raw_size);
	if (s->measured && (s->type == TDX_TDVF_SECTION_CFV ||
			    s->type == TDX_TDVF_SECTION_TD_HOB ||
			    s->type == TDX_TDVF_SECTION_TEMP_MEM ||
			    s->type == TDX_TDVF_SECTION_PAYLOAD_PARAM))
		warn(t, TDX_TDVF_W_MR_EXTEND, idx, entry + 28,
		     "section %zu (%s): MR_EXTEND set; MRTD will cover its content",
		     i, tn);
	if (is_fv(s->type) && s->gpa != TDX_4G - t->size + s->data_offset)
		warn(t, TDX_TDVF_W_FLASH_PLACEMENT, idx, entry + 8,
		     "section %zu (%s): at 0x%llx, but the image maps it at 0x%llx",
		     i, tn, (unsigned long long)s->gpa,
		     (unsigned long long)(TDX_4G - t->size + s->data_offset));
	return 0;
}

struct order {
	uint64_t gpa;
	size_t idx;
};

static int cmp_order(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	if (x->gpa != y->gpa)
		return x->gpa < y->gpa ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static uint64_t entry_off(const struct tdx_tdvf *t, size_t i)
{
	return t->desc_off + DESC_HEADER + (uint64_t)SECTION_SIZE * i;
}

static int check_overlap(struct tdx_tdvf *t, struct tdx_tdvf_diag *d)
{
	struct order *o = calloc(t->nsec, sizeof(*o));
	size_t i, prev;
	uint64_t prev_end = 0;
	int r = 0;

	if (!o)
		return tdx_tdvf_fail(d, -ENOMEM, TDX_TDVF_E_NOMEM, TDX_TDVF_NO_SECTION,
				     0, "out of memory");
	for (i = 0; i < t->nsec; i++) {
		o[i].gpa = t->sec[i].gpa;
		o[i].idx = i;
	}
	qsort(o, t->nsec, sizeof(*o), cmp_order);
	prev = o[0].idx;
	prev_end = t->sec[prev].gpa + t->sec[prev].mem_size;
	for (i = 1; i < t->nsec; i++) {
		const struct tdx_tdvf_section *s = &t->sec[o[i].idx];

		if (s->gpa < prev_end) {
			size_t a = prev < o[i].idx ? prev : o[i].idx;
			size_t b = prev < o[i].idx ? o[i].idx : prev;

			r = tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_OVERLAP, (int)b,
					  entry_off(t, b) + 8,
					  "section %zu (%s) overlaps section %zu (%s) in guest memory",
					  b, tname(t->sec[b].type), a, tname(t->sec[a].type));
			break;
		}
		prev = o[i].idx;
		prev_end = s->gpa + s->mem_size;
	}
	free(o);
	return r;
}

static int check_sections(struct tdx_tdvf *t, struct tdx_tdvf_diag *d)
{
	size_t nhob = 0, npay = 0, nparam = 0, nperm = 0, nbfv = 0, i;
	ssize_t param = -1;
	bool reset = false;
	int r;

	r = check_overlap(t, d);
	if (r)
		return r;
	for (i = 0; i < t->nsec; i++) {
		const struct tdx_tdvf_section *s = &t->sec[i];

		switch (s->type) {
		case TDX_TDVF_SECTION_TD_HOB:
			if (nhob++)
				return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_TD_HOB_DUPLICATE,
						     (int)i, entry_off(t, i) + 24,
						     "section %zu: a second TD_HOB", i);
			break;
		case TDX_TDVF_SECTION_PERM_MEM:
			nperm++;
			break;
		case TDX_TDVF_SECTION_BFV:
			nbfv++;
			if (s->gpa <= RESET_VECTOR && s->gpa + s->mem_size >= TDX_4G)
				reset = true;
			break;
		default:
			break;
		}
	}
	if (!nhob && !nperm)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_NO_TD_HOB, TDX_TDVF_NO_SECTION,
				     t->desc_off, "no TD_HOB section");
	for (i = 0; i < t->nsec; i++) {
		if (t->sec[i].type == TDX_TDVF_SECTION_PAYLOAD && npay++)
			return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_PAYLOAD_DUPLICATE,
					     (int)i, entry_off(t, i) + 24,
					     "section %zu: a second Payload", i);
	}
	for (i = 0; i < t->nsec; i++) {
		if (t->sec[i].type != TDX_TDVF_SECTION_PAYLOAD_PARAM)
			continue;
		if (nparam++)
			return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_PAYLOAD_PARAM_DUPLICATE,
					     (int)i, entry_off(t, i) + 24,
					     "section %zu: a second PayloadParam", i);
		param = (ssize_t)i;
	}
	if (param >= 0 && !npay)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_PAYLOAD_PARAM_ALONE,
				     (int)param, entry_off(t, (size_t)param) + 24,
				     "section %zd: PayloadParam without a Payload", param);
	if (!nbfv)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_NO_BFV, TDX_TDVF_NO_SECTION,
				     t->desc_off, "no BFV section");
	if (!reset)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_RESET_VECTOR, TDX_TDVF_NO_SECTION,
				     t->desc_off, "no BFV covers the reset vector [0xfffffff0, 4 GiB)");
	return 0;
}

static int parse(struct tdx_tdvf *t, uint64_t flags, uint32_t gpaw,
		 struct tdx_tdvf_diag *d)
{
	uint64_t n = 0, i;
	int r;

	if (t->size < TDX_PAGE_SIZE || t->size >= TDX_4G)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_IMAGE_SIZE, TDX_TDVF_NO_SECTION,
				     0, "image size 0x%zx is not in [4 KiB, 4 GiB)", t->size);
	if (t->size % 0x10000)
		warn(t, TDX_TDVF_W_IMAGE_SIZE_ALIGN, TDX_TDVF_NO_SECTION, 0,
		     "image size 0x%zx is not a multiple of 64 KiB", t->size);
	r = tdx_tdvf_locate(t->image, t->size, flags, d, &t->desc_off, &t->legacy);
	if (r)
		return r;
	r = parse_descriptor(t, d, &n);
	if (r)
		return r;
	t->sec = calloc(n, sizeof(*t->sec));
	if (!t->sec)
		return tdx_tdvf_fail(d, -ENOMEM, TDX_TDVF_E_NOMEM, TDX_TDVF_NO_SECTION,
				     0, "out of memory for %llu sections", (unsigned long long)n);
	t->nsec = n;
	for (i = 0; i < n; i++) {
		r = check_section(t, i, entry_off(t, i), gpaw, d);
		if (r)
			return r;
	}
	r = check_sections(t, d);
	if (r)
		return r;
	if ((flags & TDX_TDVF_STRICT) && t->nwarn) {
		const struct tdx_tdvf_diag *w = &t->warn[0];

		return tdx_tdvf_fail(d, -EINVAL, w->code, w->section, w->offset,
				     "strict: %s", w->message);
	}
	return 0;
}

static int check_opts(const struct tdx_tdvf_opts *opts, struct tdx_tdvf_diag *d,
		      uint64_t *ret_flags, uint32_t *ret_gpaw)
{
	uint64_t flags;
	uint32_t gpaw;

	const char *why = tdx_opts_problem(opts, offsetof(struct tdx_tdvf_opts, reserved));

	if (why)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_ARGUMENT, TDX_TDVF_NO_SECTION,
				     0, "struct tdx_tdvf_opts: %s", why);
	flags = TDX_OPTS_GET(opts, flags, 0);
	gpaw = TDX_OPTS_GET(opts, gpaw, 0);
	if (flags & ~(TDX_TDVF_ALLOW_LEGACY | TDX_TDVF_STRICT | TDX_TDVF_MAP))
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_ARGUMENT, TDX_TDVF_NO_SECTION,
				     0, "unknown flags 0x%llx", (unsigned long long)flags);
	if (gpaw == 0)
		gpaw = 48;
	if (gpaw != 48 && gpaw != 52)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_ARGUMENT, TDX_TDVF_NO_SECTION,
				     0, "gpaw %u: must be 48 or 52", gpaw);
	*ret_flags = flags;
	*ret_gpaw = gpaw;
	return 0;
}

/* Takes ownership of map (may be NULL) in every case. */
static int parse_common(const void *buf, size_t len, void *map,
			const struct tdx_tdvf_opts *opts,
			struct tdx_tdvf_diag *d, struct tdx_tdvf **ret)
{
	struct tdx_tdvf *t;
	uint64_t flags = 0;
	uint32_t gpaw = 48;
	int r;

	r = check_opts(opts, d, &flags, &gpaw);
	if (r)
		goto fail_map;
	t = calloc(1, sizeof(*t));
	if (!t) {
		r = tdx_tdvf_fail(d, -ENOMEM, TDX_TDVF_E_NOMEM, TDX_TDVF_NO_SECTION,
				  0, "out of memory");
		goto fail_map;
	}
	t->image = buf;
	t->size = len;
	t->map = map;
	r = parse(t, flags, gpaw, d);
	if (r) {
		tdx_tdvf_free(t);
		return r;
	}
	tdx_tdvf_diag_ok(d);
	*ret = t;
	return 0;

fail_map:
	if (map)
		munmap(map, len);
	return r;
}

TDX_EXPORT int tdx_tdvf_parse(const void *buf, size_t len,
			      const struct tdx_tdvf_opts *opts,
			      struct tdx_tdvf_diag *diag, struct tdx_tdvf **ret_tdvf)
{
	if ((!buf && len) || !ret_tdvf)
		return tdx_tdvf_fail(diag, -EINVAL, TDX_TDVF_E_ARGUMENT,
				     TDX_TDVF_NO_SECTION, 0,
				     "NULL buffer or result pointer");
	return parse_common(buf, len, NULL, opts, diag, ret_tdvf);
}

/*
 * Read the whole file into a private anonymous mapping: the image is a
 * snapshot, so a file truncated or rewritten later can neither raise
 * SIGBUS in the caller nor change bytes after they were validated.
 */
static int read_image(int fd, size_t len, void **ret_map)
{
	uint8_t *map;
	size_t off = 0;
	int r;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	while (off < len) {
		ssize_t n = pread(fd, map + off, len - off, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;	/* 0: the file shrank */
			munmap(map, len);
			return r;
		}
		off += (size_t)n;
	}
	mprotect(map, len, PROT_READ);
	*ret_map = map;
	return 0;
}

TDX_EXPORT int tdx_tdvf_open(const char *path, const struct tdx_tdvf_opts *opts,
			     struct tdx_tdvf_diag *diag, struct tdx_tdvf **ret_tdvf)
{
	struct stat st;
	void *map = NULL;
	size_t len;
	int fd, r;

	if (!path || !ret_tdvf)
		return tdx_tdvf_fail(diag, -EINVAL, TDX_TDVF_E_ARGUMENT,
				     TDX_TDVF_NO_SECTION, 0, "NULL path or result pointer");
	/*
	 * O_NONBLOCK: opening a FIFO for reading blocks until a writer comes
	 * (fifo_open(), fs/pipe.c), and a device may too.  Nothing but a
	 * regular file is read, so the flag never matters for what is.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		return tdx_tdvf_fail(diag, r, TDX_TDVF_E_IO, TDX_TDVF_NO_SECTION, 0,
				     "open %s: %s", path, strerror(-r));
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return tdx_tdvf_fail(diag, r, TDX_TDVF_E_IO, TDX_TDVF_NO_SECTION, 0,
				     "fstat %s: %s", path, strerror(-r));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return tdx_tdvf_fail(diag, -EINVAL, TDX_TDVF_E_IO, TDX_TDVF_NO_SECTION, 0,
				     "%s is not a regular file (%s)", path,
				     S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ?
				     "a directory" : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ?
				     "a device" : S_ISSOCK(st.st_mode) ? "a socket" : "not a file");
	}
	if ((uint64_t)st.st_size < TDX_PAGE_SIZE || (uint64_t)st.st_size >= TDX_4G) {
		close(fd);
		return tdx_tdvf_fail(diag, -EINVAL, TDX_TDVF_E_IMAGE_SIZE,
				     TDX_TDVF_NO_SECTION, 0,
				     "%s: size 0x%llx is not in [4 KiB, 4 GiB)", path,
				     (unsigned long long)st.st_size);
	}
	len = (size_t)st.st_size;
	if (TDX_OPTS_GET(opts, flags, 0) & TDX_TDVF_MAP) {
		/* mapped read-only, never copied (see tdvf.h for the caveat) */
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		r = map == MAP_FAILED ? -errno : 0;
		if (r)
			map = NULL;
	} else {
		r = read_image(fd, len, &map);
	}
	close(fd);
	if (r)
		return tdx_tdvf_fail(diag, r, TDX_TDVF_E_IO, TDX_TDVF_NO_SECTION, 0,
				     "reading %s: %s", path,
				     r == -EIO ? "the file shrank while it was read" :
				     strerror(-r));
	return parse_common(map, len, map, opts, diag, ret_tdvf);
}

TDX_EXPORT void tdx_tdvf_free(struct tdx_tdvf *tdvf)
{
	if (!tdvf)
		return;
	if (tdvf->map)
		munmap(tdvf->map, tdvf->size);
	free(tdvf->sec);
	free(tdvf);
}

/* ---- accessors ------------------------------------------------------- */

TDX_EXPORT const void *tdx_tdvf_get_image(const struct tdx_tdvf *tdvf)
{
	return tdvf ? tdvf->image : NULL;
}

TDX_EXPORT size_t tdx_tdvf_get_image_size(const struct tdx_tdvf *tdvf)
{
	return tdvf ? tdvf->size : 0;
}

TDX_EXPORT uint64_t tdx_tdvf_get_descriptor_offset(const struct tdx_tdvf *tdvf)
{
	return tdvf ? tdvf->desc_off : 0;
}

TDX_EXPORT bool tdx_tdvf_is_legacy(const struct tdx_tdvf *tdvf)
{
	return tdvf && tdvf->legacy;
}

TDX_EXPORT size_t tdx_tdvf_section_count(const struct tdx_tdvf *tdvf)
{
	return tdvf ? tdvf->nsec : 0;
}

TDX_EXPORT int tdx_tdvf_get_section(const struct tdx_tdvf *tdvf, size_t i,
				    struct tdx_tdvf_section *ret_section)
{
	if (!tdvf || !ret_section)
		return -EINVAL;
	if (i >= tdvf->nsec)
		return -ERANGE;
	*ret_section = tdvf->sec[i];
	return 0;
}

TDX_EXPORT int tdx_tdvf_find_section(const struct tdx_tdvf *tdvf, uint32_t type,
				     size_t start, size_t *ret_index)
{
	if (!tdvf || !ret_index)
		return -EINVAL;
	for (size_t i = start; i < tdvf->nsec; i++) {
		if (tdvf->sec[i].type == type) {
			*ret_index = i;
			return 0;
		}
	}
	return -ENOENT;
}

TDX_EXPORT int tdx_tdvf_get_section_data(const struct tdx_tdvf *tdvf, size_t i,
					 const void **ret_data, size_t *ret_len)
{
	const struct tdx_tdvf_section *s;

	if (!tdvf || !ret_data || !ret_len)
		return -EINVAL;
	if (i >= tdvf->nsec)
		return -ERANGE;
	s = &tdvf->sec[i];
	*ret_data = s->raw_size ? tdvf->image + s->data_offset : NULL;
	*ret_len = s->raw_size;
	return 0;
}

TDX_EXPORT size_t tdx_tdvf_warning_count(const struct tdx_tdvf *tdvf)
{
	return tdvf ? tdvf->nwarn : 0;
}

TDX_EXPORT int tdx_tdvf_get_warning(const struct tdx_tdvf *tdvf, size_t i,
				    struct tdx_tdvf_diag *ret_diag)
{
	if (!tdvf || !ret_diag)
		return -EINVAL;
	if (i >= tdvf->nwarn)
		return -ERANGE;
	*ret_diag = tdvf->warn[i];
	return 0;
}
