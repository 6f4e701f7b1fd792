/* SPDX-License-Identifier: MIT */
/* Launch plan internals shared by plan.c, measure.c and the unit tests. */
#ifndef LIBTDX_PLAN_INTERNAL_H
#define LIBTDX_PLAN_INTERNAL_H

#include <stdint.h>
#include <stddef.h>

#include "internal.h"
#include "libtdx/plan.h"
#include "libtdx/tdvf.h"

struct tdx_plan {
	size_t n_ops;
	struct tdx_plan_op *ops;
	const uint8_t **src;		/* per op: source bytes or NULL */
	size_t n_priv;
	struct tdx_plan_range *priv;	/* sorted, merged */
	bool has_hob;
	uint64_t hob_gpa;
	uint64_t pages_added;
	uint64_t pages_measured;
	void *hob_copy;
	void *param_copy;
};

/*
 * Build a plan from decoded sections (table order) and the image they
 * refer to.  tdx_plan_new() calls it with the parsed TDVF's sections;
 * unit tests call it directly with sections a parser would reject
 * (overlaps) to reach the plan's own checks.  Failures are recorded in e
 * (may be NULL).
 */
/*
 * ram/ram_count: the RAM ranges (may be NULL/0: not checked); opts->layout
 * is ignored here, and opts->hob is used as given.
 */
int tdx_plan_build(struct tdx_error *e, const uint8_t *image, size_t image_size,
		   const struct tdx_tdvf_section *secs, size_t n,
		   const struct tdx_plan_range *ram, size_t ram_count,
		   const struct tdx_plan_opts *opts, struct tdx_plan **ret_plan);

#endif
