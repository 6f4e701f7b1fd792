/* SPDX-License-Identifier: MIT */
/*
 * Private/shared range map (internal, pure: no syscalls, no locking).
 *
 * Tracks which parts of a guest physical address space [0, limit) are
 * private.  Everything starts shared, which is KVM's default at VM creation.
 * Only the private ranges are stored, as maximal (coalesced) non-overlapping
 * intervals; the shared ranges are the gaps between them, so the two states
 * always alternate and two adjacent ranges never have the same state.
 *
 * Storage: a treap (randomised balanced binary search tree) keyed by range
 * start, whose nodes live in one growable pool addressed by 32-bit indices
 * (32 bytes per node).  Memory is proportional to the peak number of private
 * ranges, never to the guest size; set/get/range_state are O(log n)
 * expected, plus O(k log n) for the k ranges a set() swallows (each range is
 * created once and swallowed at most once, so that term is amortised O(1)).
 *
 * Callers serialise access (the mem layer holds its mutex).
 */
#ifndef LIBTDX_RANGEMAP_H
#define LIBTDX_RANGEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tdx_rangemap;

/* Returned by tdx_rangemap_range_state() for a range with both states. */
#define TDX_RANGEMAP_MIXED 2

/*
 * A map of [0, limit), all shared.  limit must be a non-zero multiple of
 * 4 KiB below 2^63.  Return: 0, -EINVAL, -ENOMEM.
 */
int tdx_rangemap_new(uint64_t limit, struct tdx_rangemap **ret_map);
void tdx_rangemap_free(struct tdx_rangemap *map);
uint64_t tdx_rangemap_limit(const struct tdx_rangemap *map);

/*
 * Make sure the next set() cannot fail with -ENOMEM.  One set() needs at
 * most one node more than the map holds (splitting a private range in two).
 * Return: 0 or -ENOMEM.
 */
int tdx_rangemap_reserve(struct tdx_rangemap *map);

/*
 * Set [start, start + size) private or shared, splitting and coalescing as
 * needed.  size 0 is a no-op.  Return: 0; -EINVAL when the range wraps or
 * passes limit (the map is unchanged); -ENOMEM (unchanged; cannot happen
 * right after a successful tdx_rangemap_reserve()).
 */
int tdx_rangemap_set(struct tdx_rangemap *map, uint64_t start, uint64_t size,
		     bool private_);

/* State of one address: 1 private, 0 shared, -EINVAL at or beyond limit. */
int tdx_rangemap_get(const struct tdx_rangemap *map, uint64_t addr);

/*
 * State of [start, start + size): 1 all private, 0 all shared,
 * TDX_RANGEMAP_MIXED, or -EINVAL (size 0, wrap, beyond limit).
 */
int tdx_rangemap_range_state(const struct tdx_rangemap *map, uint64_t start,
			     uint64_t size);

/*
 * Call fn for every maximal range of the partition of [0, limit), in address
 * order, alternating states.  fn returns 0 to go on; a non-zero value stops
 * the walk and is returned.  fn must not modify the map.
 */
typedef int (*tdx_rangemap_fn)(void *data, uint64_t start, uint64_t size,
			       bool private_);
int tdx_rangemap_foreach(const struct tdx_rangemap *map, tdx_rangemap_fn fn,
			 void *data);

/* Number of maximal ranges in the partition of [0, limit) (both states). */
size_t tdx_rangemap_count(const struct tdx_rangemap *map);
/* Number of maximal private ranges. */
size_t tdx_rangemap_private_count(const struct tdx_rangemap *map);
/* Total private bytes. */
uint64_t tdx_rangemap_private_bytes(const struct tdx_rangemap *map);
/* Heap bytes the map holds (struct + node pool capacity). */
size_t tdx_rangemap_mem_used(const struct tdx_rangemap *map);

#endif /* LIBTDX_RANGEMAP_H */
