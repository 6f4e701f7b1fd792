/* SPDX-License-Identifier: MIT */
/*
 * Range map: sorted disjoint [start, end) runs carrying a non-zero value;
 * everything else is 0.  Used for GFN attributes (TiB-sized guests stay a
 * handful of runs) and for guest_memfd populated/bound page sets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

void rmap_free(struct sim_rmap *m)
{
	free(m->r);
	memset(m, 0, sizeof(*m));
}

static int reserve(struct sim_rmap *m, size_t need)
{
	if (need <= m->cap)
		return 0;
	size_t nc = m->cap ? m->cap : 8;
	while (nc < need)
		nc *= 2;
	struct sim_range *n = realloc(m->r, nc * sizeof(*n));
	if (!n)
		return -ENOMEM;
	m->r = n;
	m->cap = nc;
	return 0;
}

int rmap_set(struct sim_rmap *m, uint64_t start, uint64_t end, uint64_t val)
{
	struct sim_range *out;
	size_t n = 0;

	if (start >= end)
		return 0;
	/* Worst case: every run kept, one split into two, plus the new one. */
	out = malloc((m->n + 3) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++)		/* entirely before */
		if (m->r[i].end <= start)
			out[n++] = m->r[i];
	for (size_t i = 0; i < m->n; i++)		/* left remnant */
		if (m->r[i].start < start && m->r[i].end > start)
			out[n++] = (struct sim_range){ m->r[i].start, start, m->r[i].val };
	if (val)
		out[n++] = (struct sim_range){ start, end, val };
	for (size_t i = 0; i < m->n; i++)		/* right remnant */
		if (m->r[i].start < end && m->r[i].end > end)
			out[n++] = (struct sim_range){ end, m->r[i].end, m->r[i].val };
	for (size_t i = 0; i < m->n; i++)		/* entirely after */
		if (m->r[i].start >= end)
			out[n++] = m->r[i];
	/* Merge adjacent runs with equal values. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && out[k - 1].end == out[i].start && out[k - 1].val == out[i].val)
			out[k - 1].end = out[i].end;
		else
			out[k++] = out[i];
	}
	if (reserve(m, k) < 0) {
		free(out);
		return -ENOMEM;
	}
	if (k)	/* m->r may still be NULL for an empty map */
		memcpy(m->r, out, k * sizeof(*out));
	m->n = k;
	free(out);
	return 0;
}

/* Value at x; *run_end (optional) = end of the run of that value. */
uint64_t rmap_get_run(const struct sim_rmap *m, uint64_t x, uint64_t *run_end);
uint64_t rmap_get_run(const struct sim_rmap *m, uint64_t x, uint64_t *run_end)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->r[mid].end <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->n && m->r[lo].start <= x) {
		if (run_end)
			*run_end = m->r[lo].end;
		return m->r[lo].val;
	}
	if (run_end)
		*run_end = lo < m->n ? m->r[lo].start : UINT64_MAX;
	return 0;
}

uint64_t rmap_get(const struct sim_rmap *m, uint64_t x)
{
	return rmap_get_run(m, x, NULL);
}

/* Total length of runs with value val (val != 0). */
uint64_t rmap_count(const struct sim_rmap *m, uint64_t val)
{
	uint64_t t = 0;

	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].val == val)
			t += m->r[i].end - m->r[i].start;
	return t;
}

/* Is any point in [start, end) non-zero? */
bool rmap_any(const struct sim_rmap *m, uint64_t start, uint64_t end);
bool rmap_any(const struct sim_rmap *m, uint64_t start, uint64_t end)
{
	uint64_t run_end;

	if (start >= end)
		return false;
	if (rmap_get_run(m, start, &run_end))
		return true;
	return run_end < end;
}
