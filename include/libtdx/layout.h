/* SPDX-License-Identifier: MIT */
/**
 * DOC: layout - the guest physical memory layout of a TD
 *
 * A layout is a sorted list of non-overlapping ranges: RAM, the firmware
 * image, and reserved ranges (given by callers for their own use; libtdx
 * ignores them when it builds the TD HOB).  It is what the TD HOB reports
 * as memory (tdx_hob_build()) and where a VMM creates memory slots.
 *
 * tdx_layout_new_q35() computes the layout QEMU's q35 machine uses:
 *
 *  - below-4G RAM: all RAM when RAM < 0xB0000000 (2.75 GiB); otherwise
 *    2 GiB (0x80000000), the rest starting at 4 GiB;
 *  - the firmware at [4 GiB - firmware size, 4 GiB).
 *
 * tdx_layout_new() takes the caller's own ranges instead.
 *
 * Thread safety: a struct tdx_layout is immutable; any number of threads
 * may read it.
 */
#ifndef LIBTDX_LAYOUT_H
#define LIBTDX_LAYOUT_H

#include <libtdx/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Range kinds (struct tdx_layout_range.kind). */
#define TDX_LAYOUT_RAM		1	/* guest RAM (private, reported in the HOB) */
#define TDX_LAYOUT_FIRMWARE	2	/* the firmware image (flash) */
#define TDX_LAYOUT_RESERVED	3	/* anything else the VMM places; not RAM */

/** TDX_LAYOUT_MAX_RANGES - most ranges a layout may hold. */
#define TDX_LAYOUT_MAX_RANGES	1024

/** TDX_LAYOUT_Q35_LOWMEM_LIMIT - q35 keeps all RAM below 4 GiB under this size. */
#define TDX_LAYOUT_Q35_LOWMEM_LIMIT	0xb0000000ull
/** TDX_LAYOUT_Q35_LOWMEM_SPLIT - below-4G RAM for larger TDs. */
#define TDX_LAYOUT_Q35_LOWMEM_SPLIT	0x80000000ull

/**
 * struct tdx_layout_range - one range of guest physical memory.
 * @gpa: base, 4 KiB aligned
 * @size: bytes, 4 KiB aligned, non-zero; @gpa + @size fits in a uint64_t
 * @kind: TDX_LAYOUT_RAM, TDX_LAYOUT_FIRMWARE or TDX_LAYOUT_RESERVED
 * @reserved: must be 0
 */
struct tdx_layout_range {
	uint64_t gpa;
	uint64_t size;
	uint32_t kind;
	uint32_t reserved;
};

/**
 * struct tdx_layout_opts - options for tdx_layout_new_q35(); TDX_OPTS(tdx_layout_opts).
 * @sz: sizeof(struct tdx_layout_opts), set by TDX_OPTS()
 * @max_ram_below_4g: lower the below-4G RAM to at most this (QEMU's
 *   max-ram-below-4g); 0 = no extra limit; 4 KiB aligned
 */
struct tdx_layout_opts {
	size_t sz;
	uint64_t max_ram_below_4g;
};

/** struct tdx_layout - a validated memory layout (opaque, immutable). */
struct tdx_layout;

/**
 * tdx_layout_new_q35() - the layout QEMU q35 gives a TD.
 * @ram_size: bytes of RAM, non-zero, 4 KiB aligned
 * @fw_size: bytes of firmware mapped just below 4 GiB (e.g.
 *   tdx_tdvf_get_image_size()); 4 KiB aligned; 0 for none
 * @opts: NULL for defaults
 * @ret_layout: ranges in address order: RAM [0, below), firmware
 *   [4 GiB - @fw_size, 4 GiB), RAM [4 GiB, 4 GiB + above)
 *
 * Return: 0; -EINVAL (zero or misaligned size, bad opts, firmware larger
 * than 4 GiB or overlapping below-4G RAM, RAM end wrapping 2^64, NULL
 * @ret_layout); -ENOMEM.
 */
int tdx_layout_new_q35(uint64_t ram_size, uint64_t fw_size,
		       const struct tdx_layout_opts *opts,
		       struct tdx_layout **ret_layout);

/**
 * tdx_layout_new() - a layout from the caller's ranges (copied).
 * @ranges: sorted by address, non-overlapping (touching is fine), each
 *   4 KiB aligned with a non-zero size, not wrapping, a known kind,
 *   reserved field 0
 * @count: 1 .. %TDX_LAYOUT_MAX_RANGES
 * @bad_index: optional; on -EINVAL, the index of the first offending
 *   range (for an overlap or order problem, the later of the two); left
 *   alone otherwise
 * @ret_layout: the layout
 *
 * Return: 0; -EINVAL (a rule above, NULL @ranges or @ret_layout, zero
 * @count); -E2BIG (more than %TDX_LAYOUT_MAX_RANGES); -ENOMEM.
 */
int tdx_layout_new(const struct tdx_layout_range *ranges, size_t count,
		   size_t *bad_index, struct tdx_layout **ret_layout);

/** tdx_layout_free() - free (NULL is fine). */
void tdx_layout_free(struct tdx_layout *layout);
/** tdx_layout_range_count() - number of ranges. */
size_t tdx_layout_range_count(const struct tdx_layout *layout);
/**
 * tdx_layout_get_range() - range @i, in address order.
 *
 * Return: 0, -EINVAL (NULL argument), -ERANGE (@i out of range).
 */
int tdx_layout_get_range(const struct tdx_layout *layout, size_t i,
			 struct tdx_layout_range *ret_range);
/** tdx_layout_get_ram_size() - total bytes of TDX_LAYOUT_RAM ranges. */
uint64_t tdx_layout_get_ram_size(const struct tdx_layout *layout);
/** tdx_layout_kind_name() - "RAM", "firmware", "reserved"; NULL otherwise. */
const char *tdx_layout_kind_name(uint32_t kind);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_LAYOUT_H */
