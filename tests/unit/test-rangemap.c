/* SPDX-License-Identifier: MIT */
/* Unit tests: the private/shared range map (lib/rangemap.c). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rangemap.h"

#define PG 4096ULL

struct seen {
	size_t n;
	uint64_t start[64], size[64];
	bool priv[64];
};

static int collect(void *data, uint64_t start, uint64_t size, bool priv)
{
	struct seen *s = data;

	ck_assert_uint_lt(s->n, 64);
	s->start[s->n] = start;
	s->size[s->n] = size;
	s->priv[s->n] = priv;
	s->n++;
	return 0;
}

static struct tdx_rangemap *mk(uint64_t limit)
{
	struct tdx_rangemap *m = NULL;

	ck_assert_int_eq(tdx_rangemap_new(limit, &m), 0);
	ck_assert_ptr_nonnull(m);
	return m;
}

/* Check the full partition equals the given [start,end,priv] triples. */
static void expect(struct tdx_rangemap *m, size_t n, const uint64_t (*t)[3])
{
	struct seen s = { 0 };
	size_t i;

	ck_assert_int_eq(tdx_rangemap_foreach(m, collect, &s), 0);
	ck_assert_uint_eq(s.n, n);
	ck_assert_uint_eq(tdx_rangemap_count(m), n);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(s.start[i], t[i][0]);
		ck_assert_uint_eq(s.start[i] + s.size[i], t[i][1]);
		ck_assert_int_eq(s.priv[i], (int)t[i][2]);
	}
}

START_TEST(new_rejects_bad_limits)
{
	struct tdx_rangemap *m = NULL;

	ck_assert_int_eq(tdx_rangemap_new(0, &m), -EINVAL);
	ck_assert_int_eq(tdx_rangemap_new(PG + 1, &m), -EINVAL);
	ck_assert_int_eq(tdx_rangemap_new(1ULL << 63, &m), -EINVAL);
	ck_assert_int_eq(tdx_rangemap_new(PG, NULL), -EINVAL);
	ck_assert_ptr_null(m);
	tdx_rangemap_free(NULL);
}
END_TEST

START_TEST(initially_all_shared)
{
	struct tdx_rangemap *m = mk(1ULL << 40);
	const uint64_t t[][3] = { { 0, 1ULL << 40, 0 } };

	expect(m, 1, t);
	ck_assert_int_eq(tdx_rangemap_get(m, 0), 0);
	ck_assert_int_eq(tdx_rangemap_get(m, (1ULL << 40) - 1), 0);
	ck_assert_int_eq(tdx_rangemap_get(m, 1ULL << 40), -EINVAL);
	ck_assert_uint_eq(tdx_rangemap_private_count(m), 0);
	ck_assert_uint_eq(tdx_rangemap_private_bytes(m), 0);
	ck_assert_int_eq(tdx_rangemap_range_state(m, 0, 1ULL << 40), 0);
	tdx_rangemap_free(m);
}
END_TEST

START_TEST(set_rejects_out_of_range)
{
	struct tdx_rangemap *m = mk(16 * PG);
	const uint64_t t[][3] = { { 0, 16 * PG, 0 } };

	ck_assert_int_eq(tdx_rangemap_set(m, 16 * PG, PG, true), -EINVAL);
	ck_assert_int_eq(tdx_rangemap_set(m, 15 * PG, 2 * PG, true), -EINVAL);
	ck_assert_int_eq(tdx_rangemap_set(m, PG, UINT64_MAX, true), -EINVAL);
	ck_assert_int_eq(tdx_rangemap_set(m, 0, 0, true), 0);
	ck_assert_int_eq(tdx_rangemap_range_state(m, 0, 0), -EINVAL);
	ck_assert_int_eq(tdx_rangemap_range_state(m, 8 * PG, 9 * PG), -EINVAL);
	expect(m, 1, t);
	tdx_rangemap_free(m);
}
END_TEST

START_TEST(coalesce_adjacent_and_overlapping)
{
	struct tdx_rangemap *m = mk(64 * PG);

	ck_assert_int_eq(tdx_rangemap_set(m, 4 * PG, 4 * PG, true), 0);
	ck_assert_int_eq(tdx_rangemap_set(m, 8 * PG, 4 * PG, true), 0);	/* touches right */
	ck_assert_int_eq(tdx_rangemap_set(m, 2 * PG, 2 * PG, true), 0);	/* touches left */
	{
		const uint64_t t[][3] = { { 0, 2 * PG, 0 }, { 2 * PG, 12 * PG, 1 },
					  { 12 * PG, 64 * PG, 0 } };
		expect(m, 3, t);
	}
	ck_assert_uint_eq(tdx_rangemap_private_count(m), 1);
	/* a range bridging two private ranges merges all three */
	ck_assert_int_eq(tdx_rangemap_set(m, 20 * PG, 4 * PG, true), 0);
	ck_assert_uint_eq(tdx_rangemap_private_count(m), 2);
	ck_assert_int_eq(tdx_rangemap_set(m, 12 * PG, 8 * PG, true), 0);
	{
		const uint64_t t[][3] = { { 0, 2 * PG, 0 }, { 2 * PG, 24 * PG, 1 },
					  { 24 * PG, 64 * PG, 0 } };
		expect(m, 3, t);
	}
	/* setting a sub-range to the state it already has changes nothing */
	ck_assert_int_eq(tdx_rangemap_set(m, 5 * PG, 3 * PG, true), 0);
	ck_assert_int_eq(tdx_rangemap_set(m, 40 * PG, 3 * PG, false), 0);
	ck_assert_uint_eq(tdx_rangemap_count(m), 3);
	ck_assert_uint_eq(tdx_rangemap_private_bytes(m), 22 * PG);
	tdx_rangemap_free(m);
}
END_TEST

START_TEST(split_in_the_middle_and_trim)
{
	struct tdx_rangemap *m = mk(64 * PG);

	ck_assert_int_eq(tdx_rangemap_set(m, 0, 64 * PG, true), 0);
	{
		const uint64_t t[][3] = { { 0, 64 * PG, 1 } };
		expect(m, 1, t);
	}
	ck_assert_int_eq(tdx_rangemap_set(m, 10 * PG, 2 * PG, false), 0);
	{
		const uint64_t t[][3] = { { 0, 10 * PG, 1 }, { 10 * PG, 12 * PG, 0 },
					  { 12 * PG, 64 * PG, 1 } };
		expect(m, 3, t);
	}
	ck_assert_int_eq(tdx_rangemap_get(m, 10 * PG - 1), 1);
	ck_assert_int_eq(tdx_rangemap_get(m, 10 * PG), 0);
	ck_assert_int_eq(tdx_rangemap_get(m, 12 * PG - 1), 0);
	ck_assert_int_eq(tdx_rangemap_get(m, 12 * PG), 1);
	ck_assert_int_eq(tdx_rangemap_range_state(m, 0, 10 * PG), 1);
	ck_assert_int_eq(tdx_rangemap_range_state(m, 0, 11 * PG), TDX_RANGEMAP_MIXED);
	ck_assert_int_eq(tdx_rangemap_range_state(m, 10 * PG, 2 * PG), 0);
	ck_assert_int_eq(tdx_rangemap_range_state(m, 11 * PG, 2 * PG), TDX_RANGEMAP_MIXED);
	/* trim both ends; shared covering the gap exactly and beyond */
	ck_assert_int_eq(tdx_rangemap_set(m, 0, 2 * PG, false), 0);
	ck_assert_int_eq(tdx_rangemap_set(m, 60 * PG, 4 * PG, false), 0);
	ck_assert_int_eq(tdx_rangemap_set(m, 8 * PG, 8 * PG, false), 0);
	{
		const uint64_t t[][3] = { { 0, 2 * PG, 0 }, { 2 * PG, 8 * PG, 1 },
					  { 8 * PG, 16 * PG, 0 },
					  { 16 * PG, 60 * PG, 1 },
					  { 60 * PG, 64 * PG, 0 } };
		expect(m, 5, t);
	}
	ck_assert_uint_eq(tdx_rangemap_private_bytes(m), 50 * PG);
	/* shared over several private ranges at once */
	ck_assert_int_eq(tdx_rangemap_set(m, PG, 62 * PG, false), 0);
	{
		const uint64_t t[][3] = { { 0, 64 * PG, 0 } };
		expect(m, 1, t);
	}
	ck_assert_uint_eq(tdx_rangemap_private_count(m), 0);
	ck_assert_uint_eq(tdx_rangemap_private_bytes(m), 0);
	tdx_rangemap_free(m);
}
END_TEST

START_TEST(edges_of_the_address_space)
{
	struct tdx_rangemap *m = mk(8 * PG);

	ck_assert_int_eq(tdx_rangemap_set(m, 0, PG, true), 0);
	ck_assert_int_eq(tdx_rangemap_set(m, 7 * PG, PG, true), 0);
	{
		const uint64_t t[][3] = { { 0, PG, 1 }, { PG, 7 * PG, 0 },
					  { 7 * PG, 8 * PG, 1 } };
		expect(m, 3, t);
	}
	ck_assert_int_eq(tdx_rangemap_get(m, 8 * PG - 1), 1);
	ck_assert_int_eq(tdx_rangemap_set(m, PG, 6 * PG, true), 0);
	ck_assert_uint_eq(tdx_rangemap_count(m), 1);
	ck_assert_int_eq(tdx_rangemap_range_state(m, 0, 8 * PG), 1);
	tdx_rangemap_free(m);
}
END_TEST

static int stop_at_second(void *data, uint64_t start, uint64_t size, bool priv)
{
	int *n = data;

	return ++*n == 2 ? 42 : 0;
}

START_TEST(foreach_stops)
{
	struct tdx_rangemap *m = mk(8 * PG);
	int n = 0;

	ck_assert_int_eq(tdx_rangemap_set(m, 2 * PG, PG, true), 0);
	ck_assert_int_eq(tdx_rangemap_foreach(m, stop_at_second, &n), 42);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(tdx_rangemap_foreach(m, NULL, NULL), -EINVAL);
	tdx_rangemap_free(m);
}
END_TEST

/* ---- randomised comparison against a bitmap ------------------------- */

#define NPAGES 512

struct check_walk {
	const unsigned char *bits;
	uint64_t pos;
	int last;
	size_t n;
	size_t bad;	/* pages whose state differs (plain counter: fast) */
};

static int check_range(void *data, uint64_t start, uint64_t size, bool priv)
{
	struct check_walk *w = data;
	uint64_t p;

	ck_assert_uint_eq(start, w->pos);	/* contiguous */
	ck_assert_uint_gt(size, 0);
	ck_assert_int_ne(w->last, (int)priv);	/* alternating = coalesced */
	for (p = start / PG; p < (start + size) / PG; p++)
		if (w->bits[p] != priv)
			w->bad++;
	w->pos = start + size;
	w->last = priv;
	w->n++;
	return 0;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

START_TEST(random_vs_bitmap)
{
	unsigned char bits[NPAGES];
	uint64_t seed = 0x1234567ULL + (uint64_t)_i * 7919;
	struct tdx_rangemap *m = mk(NPAGES * PG);
	int iter;

	memset(bits, 0, sizeof(bits));
	for (iter = 0; iter < 4000; iter++) {
		uint64_t a = rnd(&seed) % NPAGES;
		uint64_t n = 1 + rnd(&seed) % (iter % 3 ? 16 : NPAGES);
		bool priv = rnd(&seed) & 1;
		uint64_t p, bytes = 0, q, qn;
		struct check_walk w = { .bits = bits, .pos = 0, .last = -1 };
		int expect_state, any0 = 0, any1 = 0;

		if (a + n > NPAGES)
			n = NPAGES - a;
		ck_assert_int_eq(tdx_rangemap_set(m, a * PG, n * PG, priv), 0);
		memset(bits + a, priv, n);

		ck_assert_int_eq(tdx_rangemap_foreach(m, check_range, &w), 0);
		ck_assert_uint_eq(w.bad, 0);
		ck_assert_uint_eq(w.pos, NPAGES * PG);
		ck_assert_uint_eq(w.n, tdx_rangemap_count(m));
		for (p = 0; p < NPAGES; p++)
			bytes += bits[p] * PG;
		ck_assert_uint_eq(tdx_rangemap_private_bytes(m), bytes);
		for (p = 0; p < 8; p++) {
			q = rnd(&seed) % NPAGES;
			ck_assert_int_eq(tdx_rangemap_get(m, q * PG + rnd(&seed) % PG),
					 bits[q]);
		}
		q = rnd(&seed) % NPAGES;
		qn = 1 + rnd(&seed) % (NPAGES - q);
		for (p = q; p < q + qn; p++) {
			any0 |= !bits[p];
			any1 |= bits[p];
		}
		expect_state = any0 && any1 ? TDX_RANGEMAP_MIXED : any1;
		ck_assert_int_eq(tdx_rangemap_range_state(m, q * PG, qn * PG),
				 expect_state);
	}
	tdx_rangemap_free(m);
}
END_TEST

/* Memory follows the number of ranges, not the address space. */
START_TEST(memory_is_proportional_to_ranges)
{
	struct tdx_rangemap *m = mk(1ULL << 52);
	size_t base = tdx_rangemap_mem_used(m), i;

	ck_assert_int_eq(tdx_rangemap_set(m, 0, (1ULL << 52) - PG, true), 0);
	ck_assert_uint_eq(tdx_rangemap_mem_used(m), base);
	for (i = 0; i < 10000; i++)
		ck_assert_int_eq(tdx_rangemap_set(m, (i + 1) * 2 * (1ULL << 30), PG,
						  false), 0);
	ck_assert_uint_eq(tdx_rangemap_private_count(m), 10001);
	ck_assert_uint_le(tdx_rangemap_mem_used(m), base + 2 * 10001 * 32 + 64);
	tdx_rangemap_free(m);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("rangemap");
	TCase *tc = tcase_create("rangemap");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, new_rejects_bad_limits);
	tcase_add_test(tc, initially_all_shared);
	tcase_add_test(tc, set_rejects_out_of_range);
	tcase_add_test(tc, coalesce_adjacent_and_overlapping);
	tcase_add_test(tc, split_in_the_middle_and_trim);
	tcase_add_test(tc, edges_of_the_address_space);
	tcase_add_test(tc, foreach_stops);
	tcase_add_loop_test(tc, random_vs_bitmap, 0, 8);
	tcase_add_test(tc, memory_is_proportional_to_ranges);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
