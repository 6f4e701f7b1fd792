/* SPDX-License-Identifier: MIT */
/* Guest physical memory layouts: q35 like QEMU, or the caller's own. */
#include <stdlib.h>
#include <string.h>

#include "tdvf-internal.h"

struct tdx_layout {
	size_t count;
	uint64_t ram_size;
	struct tdx_layout_range r[];
};

static bool kind_ok(uint32_t kind)
{
	return kind == TDX_LAYOUT_RAM || kind == TDX_LAYOUT_FIRMWARE ||
	       kind == TDX_LAYOUT_RESERVED;
}

TDX_EXPORT const char *tdx_layout_kind_name(uint32_t kind)
{
	switch (kind) {
	case TDX_LAYOUT_RAM:
		return "RAM";
	case TDX_LAYOUT_FIRMWARE:
		return "firmware";
	case TDX_LAYOUT_RESERVED:
		return "reserved";
	default:
		return NULL;
	}
}

/* Index of the first invalid range, or count if all are valid. */
static size_t first_bad(const struct tdx_layout_range *r, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (!kind_ok(r[i].kind) || r[i].reserved || r[i].size == 0 ||
		    (r[i].gpa & TDX_PAGE_MASK) || (r[i].size & TDX_PAGE_MASK) ||
		    r[i].size > UINT64_MAX - r[i].gpa)
			return i;
		if (i > 0 && r[i].gpa < r[i - 1].gpa + r[i - 1].size)
			return i;
	}
	return count;
}

static int make(const struct tdx_layout_range *r, size_t count,
		struct tdx_layout **ret)
{
	struct tdx_layout *l = calloc(1, sizeof(*l) + count * sizeof(*r));

	if (!l)
		return -ENOMEM;
	l->count = count;
	memcpy(l->r, r, count * sizeof(*r));
	for (size_t i = 0; i < count; i++)
		if (r[i].kind == TDX_LAYOUT_RAM)
			l->ram_size += r[i].size;
	*ret = l;
	return 0;
}

TDX_EXPORT int tdx_layout_new(const struct tdx_layout_range *ranges, size_t count,
			      size_t *bad_index, struct tdx_layout **ret_layout)
{
	size_t bad;

	if (!ranges || !count || !ret_layout)
		return -EINVAL;
	if (count > TDX_LAYOUT_MAX_RANGES)
		return -E2BIG;
	bad = first_bad(ranges, count);
	if (bad < count) {
		if (bad_index)
			*bad_index = bad;
		return -EINVAL;
	}
	return make(ranges, count, ret_layout);
}

TDX_EXPORT int tdx_layout_new_q35(uint64_t ram_size, uint64_t fw_size,
				  const struct tdx_layout_opts *opts,
				  struct tdx_layout **ret_layout)
{
	struct tdx_layout_range r[3];
	uint64_t below, above, limit;
	size_t n = 0;

	if (!ret_layout || tdx_opts_problem(opts, sizeof(*opts)))
		return -EINVAL;
	limit = TDX_OPTS_GET(opts, max_ram_below_4g, 0);
	if (!ram_size || (ram_size & TDX_PAGE_MASK) || (fw_size & TDX_PAGE_MASK) ||
	    fw_size > TDX_4G || (limit & TDX_PAGE_MASK))
		return -EINVAL;

	below = ram_size >= TDX_LAYOUT_Q35_LOWMEM_LIMIT ?
		TDX_LAYOUT_Q35_LOWMEM_SPLIT : ram_size;
	if (limit && below > limit)
		below = limit;
	above = ram_size - below;
	if (below + fw_size > TDX_4G)
		return -EINVAL;
	if (above > UINT64_MAX - TDX_4G)
		return -EINVAL;

	memset(r, 0, sizeof(r));
	if (below)
		r[n++] = (struct tdx_layout_range){ 0, below, TDX_LAYOUT_RAM, 0 };
	if (fw_size)
		r[n++] = (struct tdx_layout_range){ TDX_4G - fw_size, fw_size,
						    TDX_LAYOUT_FIRMWARE, 0 };
	if (above)
		r[n++] = (struct tdx_layout_range){ TDX_4G, above, TDX_LAYOUT_RAM, 0 };
	return make(r, n, ret_layout);
}

TDX_EXPORT void tdx_layout_free(struct tdx_layout *layout)
{
	free(layout);
}

TDX_EXPORT size_t tdx_layout_range_count(const struct tdx_layout *layout)
{
	return layout ? layout->count : 0;
}

TDX_EXPORT int tdx_layout_get_range(const struct tdx_layout *layout, size_t i,
				    struct tdx_layout_range *ret_range)
{
	if (!layout || !ret_range)
		return -EINVAL;
	if (i >= layout->count)
		return -ERANGE;
	*ret_range = layout->r[i];
	return 0;
}

TDX_EXPORT uint64_t tdx_layout_get_ram_size(const struct tdx_layout *layout)
{
	return layout ? layout->ram_size : 0;
}
