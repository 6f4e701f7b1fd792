/* SPDX-License-Identifier: MIT */
/* The TD HOB: memory map from sections + layout, then PHIT/resources/end. */
#include <stdlib.h>
#include <string.h>

#include "tdvf-internal.h"

struct placed {
	uint64_t gpa, size;
	size_t section;
	size_t ram;		/* index into the RAM array */
};

struct ram {
	uint64_t gpa, end;
};

static int cmp_placed(const void *a, const void *b)
{
	const struct placed *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

/* Section types that must be in RAM. */
static bool needs_ram(uint32_t type)
{
	return type == TDX_TDVF_SECTION_TD_HOB || type == TDX_TDVF_SECTION_TEMP_MEM ||
	       type == TDX_TDVF_SECTION_PERM_MEM;
}

/*
 * The memory map, allocated (*ret_map, *ret_count); NULL map with count 0
 * when there is no RAM at all.
 */
static int memmap_alloc(const struct tdx_tdvf *tdvf, const struct tdx_layout *layout,
			struct tdx_tdvf_diag *d, struct tdx_memmap_entry **ret_map,
			size_t *ret_count)
{
	size_t nl = tdx_layout_range_count(layout), ns = tdx_tdvf_section_count(tdvf);
	size_t nram = 0, nacc = 0, n = 0, i, j, k;
	struct ram *ram = calloc(nl ? nl : 1, sizeof(*ram));
	struct placed *acc = calloc(ns ? ns : 1, sizeof(*acc));
	struct tdx_memmap_entry *map = NULL;
	int r = 0;

	if (!ram || !acc) {
		r = tdx_tdvf_fail(d, -ENOMEM, TDX_TDVF_E_NOMEM, TDX_TDVF_NO_SECTION, 0,
				  "out of memory");
		goto out;
	}
	for (i = 0; i < nl; i++) {
		struct tdx_layout_range lr;

		tdx_layout_get_range(layout, i, &lr);
		if (lr.kind == TDX_LAYOUT_RAM)
			ram[nram++] = (struct ram){ lr.gpa, lr.gpa + lr.size };
	}

	for (i = 0; i < ns; i++) {
		struct tdx_tdvf_section s;
		uint64_t end;
		size_t lo = 0, hi = nram;
		bool inside, overlaps;

		tdx_tdvf_get_section(tdvf, i, &s);
		end = s.gpa + s.mem_size;
		/* lo = number of RAM ranges starting at or below s.gpa */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (ram[mid].gpa <= s.gpa)
				lo = mid + 1;
			else
				hi = mid;
		}
		inside = lo > 0 && end <= ram[lo - 1].end && s.gpa < ram[lo - 1].end;
		overlaps = (lo > 0 && s.gpa < ram[lo - 1].end) ||
			   (lo < nram && ram[lo].gpa < end);
		if (!inside && (overlaps || needs_ram(s.type))) {
			r = tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_NOT_IN_RAM, (int)i,
					  tdx_tdvf_get_descriptor_offset(tdvf) + 16 + 32 * (uint64_t)i,
					  "section %zu (%s) [0x%llx, 0x%llx) is not inside one RAM range",
					  i, tdx_tdvf_section_type_name(s.type),
					  (unsigned long long)s.gpa, (unsigned long long)end);
			goto out;
		}
		if (inside && s.type != TDX_TDVF_SECTION_PERM_MEM)
			acc[nacc++] = (struct placed){ s.gpa, s.mem_size, i, lo - 1 };
	}
	qsort(acc, nacc, sizeof(*acc), cmp_placed);

	map = calloc(nram + 2 * nacc + 1, sizeof(*map));
	if (!map) {
		r = tdx_tdvf_fail(d, -ENOMEM, TDX_TDVF_E_NOMEM, TDX_TDVF_NO_SECTION, 0,
				  "out of memory");
		goto out;
	}
	for (k = 0, j = 0; k < nram; k++) {
		uint64_t cur = ram[k].gpa;

		for (; j < nacc && acc[j].ram == k; j++) {
			if (acc[j].gpa > cur)
				map[n++] = (struct tdx_memmap_entry){
					cur, acc[j].gpa - cur, false, -1 };
			map[n++] = (struct tdx_memmap_entry){
				acc[j].gpa, acc[j].size, true, (int)acc[j].section };
			cur = acc[j].gpa + acc[j].size;
		}
		if (cur < ram[k].end)
			map[n++] = (struct tdx_memmap_entry){ cur, ram[k].end - cur, false, -1 };
	}
	*ret_map = map;
	*ret_count = n;
	map = NULL;
out:
	free(map);
	free(acc);
	free(ram);
	return r;
}

TDX_EXPORT int tdx_hob_get_memmap(const struct tdx_tdvf *tdvf, const struct tdx_layout *layout,
				  struct tdx_memmap_entry *out, size_t cap,
				  struct tdx_tdvf_diag *diag)
{
	struct tdx_memmap_entry *map;
	size_t n;
	int r;

	if (!tdvf || !layout || (!out && cap))
		return tdx_tdvf_fail(diag, -EINVAL, TDX_TDVF_E_ARGUMENT,
				     TDX_TDVF_NO_SECTION, 0, "NULL argument");
	r = memmap_alloc(tdvf, layout, diag, &map, &n);
	if (r)
		return r;
	if (n > INT32_MAX) {
		free(map);
		return tdx_tdvf_fail(diag, -EINVAL, TDX_TDVF_E_ARGUMENT,
				     TDX_TDVF_NO_SECTION, 0, "memory map too large");
	}
	if (out)
		memcpy(out, map, (n < cap ? n : cap) * sizeof(*map));
	free(map);
	tdx_tdvf_diag_ok(diag);
	return (int)n;
}

static void put_header(uint8_t *p, uint16_t type, uint16_t len)
{
	tdx_wr16(p, type);
	tdx_wr16(p + 2, len);
	tdx_wr32(p + 4, 0);
}

/* Computes the HOB; writes it only when buf is non-NULL. */
static int build(const struct tdx_tdvf *tdvf, const struct tdx_layout *layout,
		 const struct tdx_hob_opts *opts, uint8_t *buf, size_t buf_size,
		 struct tdx_tdvf_diag *d, size_t *ret_len)
{
	struct tdx_tdvf_section hob;
	struct tdx_memmap_entry *map;
	size_t idx, n, len, i;
	uint8_t *p;
	int r;

	if (!tdvf || !layout || !ret_len || tdx_opts_problem(opts, sizeof(*opts)))
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_ARGUMENT,
				     TDX_TDVF_NO_SECTION, 0, "NULL argument or bad opts");
	if (tdx_tdvf_find_section(tdvf, TDX_TDVF_SECTION_TD_HOB, 0, &idx) < 0)
		return tdx_tdvf_fail(d, -ENOENT, TDX_TDVF_E_NO_TD_HOB,
				     TDX_TDVF_NO_SECTION, 0, "the firmware has no TD_HOB section");
	tdx_tdvf_get_section(tdvf, idx, &hob);
	r = memmap_alloc(tdvf, layout, d, &map, &n);
	if (r)
		return r;
	len = TDX_HOB_HANDOFF_LEN + n * TDX_HOB_RESOURCE_LEN + TDX_HOB_END_LEN;
	if (len > hob.mem_size) {
		free(map);
		return tdx_tdvf_fail(d, -ENOSPC, TDX_TDVF_E_HOB_OVERFLOW, (int)idx,
				     tdx_tdvf_get_descriptor_offset(tdvf) + 16 + 32 * (uint64_t)idx,
				     "TD HOB of %zu bytes (%zu resource descriptors) does not fit the 0x%llx-byte TD_HOB section",
				     len, n, (unsigned long long)hob.mem_size);
	}
	if (buf && len > buf_size) {
		free(map);
		return tdx_tdvf_fail(d, -ENOBUFS, TDX_TDVF_E_BUFFER_SMALL,
				     TDX_TDVF_NO_SECTION, 0,
				     "TD HOB needs %zu bytes, buffer has %zu", len, buf_size);
	}
	if (buf) {
		memset(buf, 0, buf_size);
		p = buf;
		put_header(p, TDX_HOB_TYPE_HANDOFF, TDX_HOB_HANDOFF_LEN);
		tdx_wr32(p + 8, TDX_HOB_HANDOFF_VERSION);
		/* BootMode, memory top/bottom, free top/bottom: 0 */
		tdx_wr64(p + 48, hob.gpa + len);
		p += TDX_HOB_HANDOFF_LEN;
		for (i = 0; i < n; i++, p += TDX_HOB_RESOURCE_LEN) {
			put_header(p, TDX_HOB_TYPE_RESOURCE, TDX_HOB_RESOURCE_LEN);
			/* owner GUID (8..23): zero */
			tdx_wr32(p + 24, map[i].accepted ? TDX_HOB_RES_SYSTEM_MEMORY :
							   TDX_HOB_RES_MEMORY_UNACCEPTED);
			tdx_wr32(p + 28, TDX_HOB_RES_ATTR_TDVF);
			tdx_wr64(p + 32, map[i].gpa);
			tdx_wr64(p + 40, map[i].size);
		}
		put_header(p, TDX_HOB_TYPE_END, TDX_HOB_END_LEN);
	}
	free(map);
	tdx_tdvf_diag_ok(d);
	*ret_len = len;
	return 0;
}

TDX_EXPORT int tdx_hob_get_size(const struct tdx_tdvf *tdvf, const struct tdx_layout *layout,
				const struct tdx_hob_opts *opts, struct tdx_tdvf_diag *diag,
				size_t *ret_size)
{
	return build(tdvf, layout, opts, NULL, 0, diag, ret_size);
}

TDX_EXPORT int tdx_hob_build(const struct tdx_tdvf *tdvf, const struct tdx_layout *layout,
			     const struct tdx_hob_opts *opts, void *buf, size_t buf_size,
			     struct tdx_tdvf_diag *diag, size_t *ret_len)
{
	if (!buf)
		return tdx_tdvf_fail(diag, -EINVAL, TDX_TDVF_E_ARGUMENT,
				     TDX_TDVF_NO_SECTION, 0, "NULL buffer");
	return build(tdvf, layout, opts, buf, buf_size, diag, ret_len);
}
