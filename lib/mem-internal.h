/* SPDX-License-Identifier: MIT */
/* Internals shared by mem-region.c and mem-convert.c.  Never installed. */
#ifndef LIBTDX_MEM_INTERNAL_H
#define LIBTDX_MEM_INTERNAL_H

#include <pthread.h>

#include "internal.h"
#include "rangemap.h"

#define TDX_MEM_PAGE		4096ULL
#define TDX_MEM_GPA_LIMIT	(1ULL << 52)	/* widest GPAW TDX supports */
#define TDX_MEM_DEFAULT_SLOTS	32764u		/* KVM_USER_MEM_SLOTS on x86 */

struct tdx_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint32_t slot;
	uint32_t flags;		/* TDX_MEM_REGION_* */
	int backing;		/* TDX_MEM_BACKING_* */
	int gmem_fd;
	int memfd;		/* -1 unless TDX_MEM_BACKING_MEMFD */
	void *host;
};

struct tdx_mem {
	atomic_int refs;
	struct tdx_vm *vm;	/* reference held */
	struct tdx_ctx *ctx;	/* borrowed from vm */
	int vm_fd;
	uint32_t slot_base;
	uint32_t max_slots;

	/* Everything below is protected by lock. */
	pthread_mutex_t lock;
	struct tdx_mem_region *regions;	/* sorted by gpa, non-overlapping */
	size_t nregions;
	size_t cap;
	struct tdx_rangemap *map;
	/* pages added with KVM_TDX_INIT_MEM_REGION ("private" = added);
	 * NULL until the first one */
	struct tdx_rangemap *added;
	struct tdx_mem_stats stats;	/* counters; map fields filled on read */
	struct tdx_mem_reject reject;
	bool has_reject;
	struct tdx_error error;
};

/* The limit a range must stay under: the shared bit, or 2^52 before INIT_VM. */
uint64_t tdx_mem_gpa_limit(const struct tdx_mem *mem);

/*
 * Record [gpa, gpa + size) as added with KVM_TDX_INIT_MEM_REGION (the
 * initial image).  Takes the lock.  Return: 0, -ENOMEM.
 */
int tdx_mem_mark_added(struct tdx_mem *mem, uint64_t gpa, uint64_t size);
/* Whether any page of [gpa, gpa + size) was added that way. */
bool tdx_mem_any_added(struct tdx_mem *mem, uint64_t gpa, uint64_t size);

/*
 * tdx_mem_convert_ex() that also tells whether a failure was a refusal by
 * one of the validation rules: *ret_rule is its TDX_MEM_RULE_*, or
 * TDX_MEM_RULE_NONE (converted, or failed in the kernel).  With @rec, a
 * failure's detail goes there instead of the mem's record (the reject
 * copy and the counters are the mem's either way).
 */
int tdx_mem_convert_rule(struct tdx_mem *mem, uint64_t gpa, uint64_t size,
			 uint32_t flags, int *ret_rule, struct tdx_error *rec);

#endif /* LIBTDX_MEM_INTERNAL_H */
