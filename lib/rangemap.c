/* SPDX-License-Identifier: MIT */
/*
 * Private/shared range map: a treap of the private intervals, nodes in an
 * index-addressed pool.  See rangemap.h for the contract.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rangemap.h"

#define NIL 0u			/* node 0 is never used */
#define POOL_MIN 16u
#define POOL_MAX 0x80000000u

struct rm_node {
	uint64_t start;		/* inclusive */
	uint64_t end;		/* exclusive */
	uint32_t l, r;		/* children; l doubles as the free-list link */
	uint32_t prio;
	uint32_t pad;
};

struct tdx_rangemap {
	struct rm_node *pool;
	uint32_t cap;		/* nodes allocated in pool (incl. node 0) */
	uint32_t used;		/* high-water mark: nodes [1, used) were handed out */
	uint32_t free_head;	/* free list through .l */
	uint32_t nfree;		/* nodes on the free list */
	uint32_t root;
	size_t nprivate;
	uint64_t private_bytes;
	uint64_t limit;
	uint64_t rng;
};

_Static_assert(sizeof(struct rm_node) == 32, "node size");

static uint32_t rm_random(struct tdx_rangemap *m)
{
	/* xorshift64*: per-map state, no global RNG */
	uint64_t x = m->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	m->rng = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

int tdx_rangemap_new(uint64_t limit, struct tdx_rangemap **ret_map)
{
	struct tdx_rangemap *m;

	if (!ret_map || !limit || (limit & 0xfff) || limit >= (1ULL << 63))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->pool = calloc(POOL_MIN, sizeof(*m->pool));
	if (!m->pool) {
		free(m);
		return -ENOMEM;
	}
	m->cap = POOL_MIN;
	m->used = 1;
	m->limit = limit;
	m->rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uintptr_t)m;
	if (!m->rng)
		m->rng = 1;
	*ret_map = m;
	return 0;
}

void tdx_rangemap_free(struct tdx_rangemap *m)
{
	if (!m)
		return;
	free(m->pool);
	free(m);
}

uint64_t tdx_rangemap_limit(const struct tdx_rangemap *m)
{
	return m->limit;
}

static uint32_t avail(const struct tdx_rangemap *m)
{
	return m->nfree + (m->cap - m->used);
}

int tdx_rangemap_reserve(struct tdx_rangemap *m)
{
	struct rm_node *p;
	uint32_t ncap;

	if (avail(m) >= 1)
		return 0;
	if (m->cap >= POOL_MAX)
		return -ENOMEM;
	ncap = m->cap * 2;
	p = realloc(m->pool, (size_t)ncap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	m->pool = p;
	m->cap = ncap;
	return 0;
}

static uint32_t node_alloc(struct tdx_rangemap *m, uint64_t start, uint64_t end)
{
	uint32_t n;

	if (m->nfree) {
		n = m->free_head;
		m->free_head = m->pool[n].l;
		m->nfree--;
	} else {
		n = m->used++;	/* caller reserved */
	}
	m->pool[n].start = start;
	m->pool[n].end = end;
	m->pool[n].l = m->pool[n].r = NIL;
	m->pool[n].prio = rm_random(m);
	m->nprivate++;
	m->private_bytes += end - start;
	return n;
}

static void node_free(struct tdx_rangemap *m, uint32_t n)
{
	m->nprivate--;
	m->private_bytes -= m->pool[n].end - m->pool[n].start;
	m->pool[n].l = m->free_head;
	m->free_head = n;
	m->nfree++;
}

/* Split t into *a (start < key) and *b (start >= key). */
static void split(struct rm_node *p, uint32_t t, uint64_t key, uint32_t *a,
		  uint32_t *b)
{
	if (t == NIL) {
		*a = *b = NIL;
	} else if (p[t].start < key) {
		split(p, p[t].r, key, &p[t].r, b);
		*a = t;
	} else {
		split(p, p[t].l, key, a, &p[t].l);
		*b = t;
	}
}

/* Merge a and b; every start in a is below every start in b. */
static uint32_t merge(struct rm_node *p, uint32_t a, uint32_t b)
{
	if (a == NIL)
		return b;
	if (b == NIL)
		return a;
	if (p[a].prio > p[b].prio) {
		p[a].r = merge(p, p[a].r, b);
		return a;
	}
	p[b].l = merge(p, a, p[b].l);
	return b;
}

/* Free a whole subtree, returning the largest end seen (0 for an empty tree). */
static uint64_t free_tree(struct tdx_rangemap *m, uint32_t t)
{
	uint64_t e, x;

	if (t == NIL)
		return 0;
	e = m->pool[t].end;
	x = free_tree(m, m->pool[t].l);
	if (x > e)
		e = x;
	x = free_tree(m, m->pool[t].r);
	if (x > e)
		e = x;
	node_free(m, t);
	return e;
}

static uint32_t rightmost(const struct rm_node *p, uint32_t t)
{
	if (t == NIL)
		return NIL;
	while (p[t].r != NIL)
		t = p[t].r;
	return t;
}

int tdx_rangemap_set(struct tdx_rangemap *m, uint64_t start, uint64_t size,
		     bool priv)
{
	uint64_t s = start, e, ns, ne, mend;
	uint32_t L, R, M, R2, last, tmp, mid = NIL;
	uint64_t rem_lo_s = 0, rem_lo_e = 0;
	bool rem_lo = false;
	int r;

	if (!m)
		return -EINVAL;
	if (!size)
		return 0;
	if (start >= m->limit || size > m->limit - start)
		return -EINVAL;
	r = tdx_rangemap_reserve(m);
	if (r)
		return r;
	e = s + size;
	ns = s;
	ne = e;

	split(m->pool, m->root, s, &L, &R);
	/* The last interval starting before s may overlap or touch [s, e). */
	last = rightmost(m->pool, L);
	if (last != NIL && m->pool[last].end >= s &&
	    (priv || m->pool[last].end > s)) {
		uint64_t ls = m->pool[last].start, le = m->pool[last].end;

		split(m->pool, L, ls, &L, &tmp);	/* tmp == last */
		node_free(m, tmp);
		if (priv) {
			ns = ls;
			if (le > ne)
				ne = le;
		} else {
			rem_lo = true;
			rem_lo_s = ls;
			rem_lo_e = s;
			if (le > e) {
				/* [s, e) punched out of the middle of one interval */
				M = NIL;
				R2 = R;
				mend = le;
				goto build;
			}
		}
	}
	/*
	 * Intervals starting inside [s, e) are swallowed; going private, one
	 * starting exactly at e touches and is merged too.
	 */
	split(m->pool, R, priv ? e + 1 : e, &M, &R2);
	mend = free_tree(m, M);
build:
	if (priv) {
		if (mend > ne)
			ne = mend;
		mid = node_alloc(m, ns, ne);
	} else {
		if (rem_lo)
			mid = node_alloc(m, rem_lo_s, rem_lo_e);
		if (mend > e)
			mid = merge(m->pool, mid, node_alloc(m, e, mend));
	}
	m->root = merge(m->pool, merge(m->pool, L, mid), R2);
	return 0;
}

/* The interval with the largest start <= addr, or NIL. */
static uint32_t find_pred(const struct tdx_rangemap *m, uint64_t addr)
{
	const struct rm_node *p = m->pool;
	uint32_t t = m->root, best = NIL;

	while (t != NIL) {
		if (p[t].start <= addr) {
			best = t;
			t = p[t].r;
		} else {
			t = p[t].l;
		}
	}
	return best;
}

/* The interval with the smallest start > addr, or NIL. */
static uint32_t find_succ(const struct tdx_rangemap *m, uint64_t addr)
{
	const struct rm_node *p = m->pool;
	uint32_t t = m->root, best = NIL;

	while (t != NIL) {
		if (p[t].start > addr) {
			best = t;
			t = p[t].l;
		} else {
			t = p[t].r;
		}
	}
	return best;
}

int tdx_rangemap_get(const struct tdx_rangemap *m, uint64_t addr)
{
	uint32_t t;

	if (!m || addr >= m->limit)
		return -EINVAL;
	t = find_pred(m, addr);
	return t != NIL && m->pool[t].end > addr;
}

int tdx_rangemap_range_state(const struct tdx_rangemap *m, uint64_t start,
			     uint64_t size)
{
	uint64_t e;
	uint32_t t;

	if (!m || !size || start >= m->limit || size > m->limit - start)
		return -EINVAL;
	e = start + size;
	t = find_pred(m, start);
	if (t != NIL && m->pool[t].end > start)
		return m->pool[t].end >= e ? 1 : TDX_RANGEMAP_MIXED;
	t = find_succ(m, start);
	if (t != NIL && m->pool[t].start < e)
		return TDX_RANGEMAP_MIXED;
	return 0;
}

struct walk {
	const struct tdx_rangemap *m;
	tdx_rangemap_fn fn;
	void *data;
	uint64_t pos;		/* end of the last range reported */
};

static int walk_tree(struct walk *w, uint32_t t)
{
	const struct rm_node *p = w->m->pool;
	int r;

	if (t == NIL)
		return 0;
	r = walk_tree(w, p[t].l);
	if (r)
		return r;
	if (p[t].start > w->pos) {
		r = w->fn(w->data, w->pos, p[t].start - w->pos, false);
		if (r)
			return r;
	}
	r = w->fn(w->data, p[t].start, p[t].end - p[t].start, true);
	if (r)
		return r;
	w->pos = p[t].end;
	return walk_tree(w, p[t].r);
}

int tdx_rangemap_foreach(const struct tdx_rangemap *m, tdx_rangemap_fn fn,
			 void *data)
{
	struct walk w = { .m = m, .fn = fn, .data = data, .pos = 0 };
	int r;

	if (!m || !fn)
		return -EINVAL;
	r = walk_tree(&w, m->root);
	if (r)
		return r;
	if (w.pos < m->limit)
		return fn(data, w.pos, m->limit - w.pos, false);
	return 0;
}

size_t tdx_rangemap_count(const struct tdx_rangemap *m)
{
	const struct rm_node *p = m->pool;
	uint32_t t;
	size_t n;

	if (!m->nprivate)
		return 1;
	n = 2 * m->nprivate + 1;
	/* leftmost interval starting at 0 leaves no shared gap before it */
	t = m->root;
	while (p[t].l != NIL)
		t = p[t].l;
	if (p[t].start == 0)
		n--;
	if (p[rightmost(p, m->root)].end == m->limit)
		n--;
	return n;
}

size_t tdx_rangemap_private_count(const struct tdx_rangemap *m)
{
	return m->nprivate;
}

uint64_t tdx_rangemap_private_bytes(const struct tdx_rangemap *m)
{
	return m->private_bytes;
}

size_t tdx_rangemap_mem_used(const struct tdx_rangemap *m)
{
	return sizeof(*m) + (size_t)m->cap * sizeof(struct rm_node);
}
