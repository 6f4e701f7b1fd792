/* SPDX-License-Identifier: MIT */
/*
 * RAM regions of a TD: guest_memfd + shared backing + one memslot each.
 * Conversions live in mem-convert.c.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem-internal.h"
#include "vm-internal.h"

#define REGION_KNOWN_FLAGS (TDX_MEM_REGION_MEMFD | TDX_MEM_REGION_FIXED_SLOT | \
			    TDX_MEM_REGION_NO_DISCARD | TDX_MEM_REGION_READONLY)

uint64_t tdx_mem_gpa_limit(const struct tdx_mem *mem)
{
	uint64_t sb = tdx_vm_get_shared_bit(mem->vm);

	return sb ? sb : TDX_MEM_GPA_LIMIT;
}

TDX_EXPORT int tdx_mem_new(struct tdx_vm *vm, const struct tdx_mem_opts *opts,
			   struct tdx_mem **ret_mem)
{
	const char *why;
	struct tdx_ctx *ctx;
	struct tdx_mem *mem;
	long v;
	int r;

	if (!vm)
		return -EINVAL;
	if (!ret_mem)
		return tdx_err_null(&vm->error, "tdx_mem_new", "ret_mem");
	ctx = tdx_vm_get_ctx(vm);
	why = tdx_opts_problem(opts, offsetof(struct tdx_mem_opts, reserved));
	if (why)
		return tdx_err(&vm->error, -EINVAL, "tdx_mem_new", "opts", -1,
			       "struct tdx_mem_opts: %s", why);
	r = tdx_vm_check_usable(vm, &vm->error);
	if (r)
		return r;
	mem = calloc(1, sizeof(*mem));
	if (!mem)
		return tdx_err(&vm->error, -ENOMEM, "tdx_mem_new", NULL, -1,
			       "out of memory");
	atomic_init(&mem->refs, 1);
	mem->ctx = ctx;
	mem->vm_fd = tdx_vm_get_fd(vm);
	mem->slot_base = TDX_OPTS_GET(opts, slot_base, 0);
	tdx_err_clear(&mem->error);

	v = tdx_kvm_check_ext(ctx, mem->vm_fd, KVM_CAP_NR_MEMSLOTS);
	mem->max_slots = v > 0 && v <= 0x7fff ? (uint32_t)v : TDX_MEM_DEFAULT_SLOTS;
	if (mem->slot_base >= mem->max_slots) {
		r = tdx_err(&vm->error, -EINVAL, "tdx_mem_new", "slot_base", -1,
			    "slot_base %u is not below the memslot limit %u",
			    mem->slot_base, mem->max_slots);
		free(mem);
		return r;
	}
	r = tdx_rangemap_new(TDX_MEM_GPA_LIMIT, &mem->map);
	if (r) {
		free(mem);
		return tdx_err(&vm->error, r, "tdx_mem_new", NULL, -1,
			       "creating the private-range map: %s", strerror(-r));
	}
	r = pthread_mutex_init(&mem->lock, NULL);
	if (r) {
		tdx_rangemap_free(mem->map);
		free(mem);
		return tdx_err(&vm->error, -r, "tdx_mem_new", NULL, -1,
			       "pthread_mutex_init: %s", strerror(r));
	}
	mem->vm = tdx_vm_ref(vm);
	*ret_mem = mem;
	return 0;
}

TDX_EXPORT struct tdx_mem *tdx_mem_ref(struct tdx_mem *mem)
{
	if (mem)
		atomic_fetch_add(&mem->refs, 1);
	return mem;
}

static int set_slot(struct tdx_mem *mem, const struct tdx_mem_region *rg,
		    uint64_t size)
{
	struct kvm_userspace_memory_region2 m;

	memset(&m, 0, sizeof(m));
	m.slot = rg->slot;
	m.flags = KVM_MEM_GUEST_MEMFD;
	m.guest_phys_addr = rg->gpa;
	m.memory_size = size;
	m.userspace_addr = (uint64_t)(uintptr_t)rg->host;
	m.guest_memfd_offset = 0;
	m.guest_memfd = (uint32_t)rg->gmem_fd;
	/* NULL ctx: may run under mem->lock, where no log callback may run. */
	return (int)tdx_kvm_ioctl(NULL, mem->vm_fd, KVM_SET_USER_MEMORY_REGION2,
				  (unsigned long)&m);
}

/* Release what a region holds (the memslot must already be gone). */
static void region_release(struct tdx_mem_region *rg)
{
	if (rg->host && rg->backing != TDX_MEM_BACKING_CALLER)
		munmap(rg->host, rg->size);
	if (rg->memfd >= 0)
		close(rg->memfd);
	if (rg->gmem_fd >= 0)
		close(rg->gmem_fd);
	rg->host = NULL;
	rg->memfd = rg->gmem_fd = -1;
}

static void mem_free(struct tdx_mem *mem)
{
	size_t i;
	int r;

	for (i = 0; i < mem->nregions; i++) {
		struct tdx_mem_region *rg = &mem->regions[i];

		r = set_slot(mem, rg, 0);
		if (r)
			tdx_warn(mem->ctx, "deleting memslot %u (gpa 0x%llx) failed: %s",
				 rg->slot, (unsigned long long)rg->gpa,
				 strerror(-r));
		region_release(rg);
	}
	free(mem->regions);
	tdx_rangemap_free(mem->map);
	tdx_rangemap_free(mem->added);
	pthread_mutex_destroy(&mem->lock);
	tdx_vm_unref(mem->vm);
	free(mem);
}

TDX_EXPORT struct tdx_mem *tdx_mem_unref(struct tdx_mem *mem)
{
	if (mem && atomic_fetch_sub(&mem->refs, 1) == 1)
		mem_free(mem);
	return NULL;
}

TDX_EXPORT const struct tdx_error *tdx_mem_get_last_error(const struct tdx_mem *mem)
{
	return mem ? &mem->error : NULL;
}

TDX_EXPORT struct tdx_vm *tdx_mem_get_vm(const struct tdx_mem *mem)
{
	return mem ? mem->vm : NULL;
}

/* ---- adding a region ------------------------------------------------ */

static bool slot_used(const struct tdx_mem *mem, uint32_t slot)
{
	size_t i;

	for (i = 0; i < mem->nregions; i++)
		if (mem->regions[i].slot == slot)
			return true;
	return false;
}

/* Index of the first region ending above gpa (== nregions if none). */
static size_t first_region_after(const struct tdx_mem *mem, uint64_t gpa)
{
	size_t lo = 0, hi = mem->nregions;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tdx_mem_region *rg = &mem->regions[mid];

		if (rg->gpa + rg->size <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* All checks that need no syscall; rg receives the decided slot etc. */
static int region_validate(struct tdx_mem *mem, uint64_t gpa, uint64_t size,
			   const struct tdx_mem_region_opts *opts,
			   struct tdx_mem_region *rg)
{
	const char *why;
	struct tdx_error *e = &mem->error;
	uint32_t flags = TDX_OPTS_GET(opts, flags, 0);
	void *host = TDX_OPTS_GET(opts, host_addr, NULL);
	uint64_t limit = tdx_mem_gpa_limit(mem);
	size_t i;

	why = tdx_opts_problem(opts, sizeof(struct tdx_mem_region_opts));
	if (why)
		return tdx_err(e, -EINVAL, "validate", "opts", -1,
			       "struct tdx_mem_region_opts: %s", why);
	if (flags & TDX_MEM_REGION_READONLY)
		return tdx_err(e, -EINVAL, "validate", "flags", 3,
			       "a TD cannot have read-only memory (KVM rejects KVM_MEM_READONLY for TDs)");
	if (flags & ~REGION_KNOWN_FLAGS)
		return tdx_err(e, -EINVAL, "validate", "flags", -1,
			       "unknown region flags 0x%x", flags & ~REGION_KNOWN_FLAGS);
	if ((flags & TDX_MEM_REGION_MEMFD) && host)
		return tdx_err(e, -EINVAL, "validate", "host_addr", -1,
			       "TDX_MEM_REGION_MEMFD and a caller-supplied host_addr exclude each other");
	if (!size)
		return tdx_err(e, -EINVAL, "validate", "size", -1,
			       "region at gpa 0x%llx has size 0",
			       (unsigned long long)gpa);
	if (size & (TDX_MEM_PAGE - 1))
		return tdx_err(e, -EINVAL, "validate", "size", -1,
			       "region size 0x%llx is not 4 KiB aligned",
			       (unsigned long long)size);
	if (gpa & (TDX_MEM_PAGE - 1))
		return tdx_err(e, -EINVAL, "validate", "gpa", -1,
			       "region gpa 0x%llx is not 4 KiB aligned",
			       (unsigned long long)gpa);
	if ((uintptr_t)host & (TDX_MEM_PAGE - 1))
		return tdx_err(e, -EINVAL, "validate", "host_addr", -1,
			       "host_addr %p is not 4 KiB aligned", host);
	if (size > UINT64_MAX - gpa)
		return tdx_err(e, -EINVAL, "validate", "size", -1,
			       "region gpa 0x%llx + size 0x%llx wraps",
			       (unsigned long long)gpa, (unsigned long long)size);
	if (gpa >= limit || size > limit - gpa)
		return tdx_err(e, -EINVAL, "validate", "gpa", -1,
			       "region [0x%llx, 0x%llx) reaches the shared bit / GPA limit 0x%llx; memslots take GPAs without the shared bit",
			       (unsigned long long)gpa,
			       (unsigned long long)(gpa + size),
			       (unsigned long long)limit);
	i = first_region_after(mem, gpa);
	if (i < mem->nregions && mem->regions[i].gpa < gpa + size)
		return tdx_err(e, -EEXIST, "validate", "gpa", -1,
			       "region [0x%llx, 0x%llx) overlaps region [0x%llx, 0x%llx) (slot %u)",
			       (unsigned long long)gpa,
			       (unsigned long long)(gpa + size),
			       (unsigned long long)mem->regions[i].gpa,
			       (unsigned long long)(mem->regions[i].gpa +
						    mem->regions[i].size),
			       mem->regions[i].slot);

	if (flags & TDX_MEM_REGION_FIXED_SLOT) {
		uint32_t slot = TDX_OPTS_GET(opts, slot, 0);

		if (slot >= mem->max_slots)
			return tdx_err(e, -EINVAL, "validate", "slot", -1,
				       "slot %u is not below the memslot limit %u",
				       slot, mem->max_slots);
		if (slot_used(mem, slot))
			return tdx_err(e, -EEXIST, "validate", "slot", -1,
				       "slot %u is already used by another region", slot);
		rg->slot = slot;
	} else {
		uint32_t slot = mem->slot_base;

		while (slot < mem->max_slots && slot_used(mem, slot))
			slot++;
		if (slot >= mem->max_slots)
			return tdx_err(e, -ENOSPC, "validate", "slot", -1,
				       "no free memslot id in [%u, %u)",
				       mem->slot_base, mem->max_slots);
		rg->slot = slot;
	}
	rg->gpa = gpa;
	rg->size = size;
	rg->flags = flags;
	rg->host = host;
	rg->backing = host ? TDX_MEM_BACKING_CALLER :
		      (flags & TDX_MEM_REGION_MEMFD) ? TDX_MEM_BACKING_MEMFD :
		      TDX_MEM_BACKING_ANON;
	return 0;
}

static int sys_err(struct tdx_mem *mem, const char *step, const char *what)
{
	int err = errno ? -errno : -EIO;

	return tdx_err(&mem->error, err, step, NULL, -1, "%s failed: %s",
		       what, strerror(-err));
}

/* guest_memfd, backing, memslot; everything undone on failure. */
static int region_create(struct tdx_mem *mem, struct tdx_mem_region *rg,
			 const char *name)
{
	struct tdx_error *e = &mem->error;
	struct kvm_create_guest_memfd g;
	long fd;
	int fl, r;

	memset(&g, 0, sizeof(g));
	g.size = rg->size;
	g.flags = 0;
	fd = tdx_kvm_ioctl(NULL, mem->vm_fd, KVM_CREATE_GUEST_MEMFD,
			   (unsigned long)&g);
	if (fd < 0)
		return tdx_err(e, (int)fd, "KVM_CREATE_GUEST_MEMFD", NULL, -1,
			       "KVM_CREATE_GUEST_MEMFD(size 0x%llx) failed: %s",
			       (unsigned long long)rg->size, strerror((int)-fd));
	rg->gmem_fd = (int)fd;
	/* O_CLOEXEC is the kernel's default for guest_memfd; make sure. */
	fl = fcntl(rg->gmem_fd, F_GETFD);
	if (fl < 0 || (!(fl & FD_CLOEXEC) &&
		       fcntl(rg->gmem_fd, F_SETFD, fl | FD_CLOEXEC) < 0)) {
		r = sys_err(mem, "fcntl", "setting FD_CLOEXEC on the guest_memfd");
		goto fail;
	}

	if (rg->backing == TDX_MEM_BACKING_MEMFD) {
		rg->memfd = memfd_create(name ? name : "libtdx-ram", MFD_CLOEXEC);
		if (rg->memfd < 0) {
			r = sys_err(mem, "memfd_create", "memfd_create");
			goto fail;
		}
		if (ftruncate(rg->memfd, (off_t)rg->size) < 0) {
			r = sys_err(mem, "ftruncate", "sizing the memfd");
			goto fail;
		}
		rg->host = mmap(NULL, rg->size, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_NORESERVE, rg->memfd, 0);
	} else if (rg->backing == TDX_MEM_BACKING_ANON) {
		rg->host = mmap(NULL, rg->size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				-1, 0);
	}
	if (rg->host == MAP_FAILED) {
		rg->host = NULL;
		r = sys_err(mem, "mmap", "mapping the shared backing");
		goto fail;
	}

	r = set_slot(mem, rg, rg->size);
	if (r) {
		tdx_err(e, r, "KVM_SET_USER_MEMORY_REGION2", NULL, -1,
			"KVM_SET_USER_MEMORY_REGION2(slot %u, gpa 0x%llx, size 0x%llx) failed: %s%s",
			rg->slot, (unsigned long long)rg->gpa,
			(unsigned long long)rg->size, strerror(-r),
			r == -EEXIST ? " (overlaps a memslot created outside this tdx_mem)" : "");
		goto fail;
	}
	return 0;
fail:
	region_release(rg);
	return r;
}

TDX_EXPORT int tdx_mem_add_region(struct tdx_mem *mem, uint64_t gpa,
				  uint64_t size,
				  const struct tdx_mem_region_opts *opts,
				  uint32_t *ret_slot)
{
	struct tdx_mem_region rg;
	size_t i;
	int r;

	if (!mem)
		return -EINVAL;
	r = tdx_vm_check_usable(mem->vm, &mem->error);
	if (r)
		return r;
	memset(&rg, 0, sizeof(rg));
	rg.gmem_fd = rg.memfd = -1;

	pthread_mutex_lock(&mem->lock);
	r = region_validate(mem, gpa, size, opts, &rg);
	if (r)
		goto out;
	if (mem->nregions == mem->cap) {
		size_t ncap = mem->cap ? mem->cap * 2 : 8;
		struct tdx_mem_region *n = realloc(mem->regions,
						   ncap * sizeof(*n));

		if (!n) {
			r = tdx_err(&mem->error, -ENOMEM, "tdx_mem_add_region",
				    NULL, -1, "out of memory");
			goto out;
		}
		mem->regions = n;
		mem->cap = ncap;
	}
	r = region_create(mem, &rg, TDX_OPTS_GET(opts, name, NULL));
	if (r)
		goto out;
	i = first_region_after(mem, gpa);
	memmove(&mem->regions[i + 1], &mem->regions[i],
		(mem->nregions - i) * sizeof(rg));
	mem->regions[i] = rg;
	mem->nregions++;
out:
	pthread_mutex_unlock(&mem->lock);
	if (r) {
		tdx_dbg(mem->ctx, "adding region [0x%llx, +0x%llx) failed: %s",
			(unsigned long long)gpa, (unsigned long long)size,
			strerror(-r));
		return r;
	}
	tdx_dbg(mem->ctx, "region [0x%llx, +0x%llx): slot %u, guest_memfd %d, %s backing at %p",
		(unsigned long long)gpa, (unsigned long long)size, rg.slot,
		rg.gmem_fd, rg.backing == TDX_MEM_BACKING_ANON ? "anonymous" :
		rg.backing == TDX_MEM_BACKING_MEMFD ? "memfd" : "caller",
		rg.host);
	if (ret_slot)
		*ret_slot = rg.slot;
	return 0;
}

/* ---- accessors ------------------------------------------------------ */

/* Accessors lock a const object: the lock is not part of its value. */
#define MEM_LOCK(m)   pthread_mutex_lock(&((struct tdx_mem *)(m))->lock)
#define MEM_UNLOCK(m) pthread_mutex_unlock(&((struct tdx_mem *)(m))->lock)

TDX_EXPORT size_t tdx_mem_region_count(const struct tdx_mem *mem)
{
	size_t n;

	if (!mem)
		return 0;
	MEM_LOCK(mem);
	n = mem->nregions;
	MEM_UNLOCK(mem);
	return n;
}

TDX_EXPORT int tdx_mem_get_region(const struct tdx_mem *mem, size_t idx,
				  struct tdx_mem_region_info *ret_info)
{
	const struct tdx_mem_region *rg;
	int r = 0;

	if (!mem || !ret_info)
		return -EINVAL;
	MEM_LOCK(mem);
	if (idx >= mem->nregions) {
		r = -ERANGE;
	} else {
		rg = &mem->regions[idx];
		ret_info->gpa = rg->gpa;
		ret_info->size = rg->size;
		ret_info->slot = rg->slot;
		ret_info->flags = rg->flags;
		ret_info->backing = rg->backing;
		ret_info->gmem_fd = rg->gmem_fd;
		ret_info->memfd = rg->memfd;
		ret_info->host_addr = rg->host;
	}
	MEM_UNLOCK(mem);
	return r;
}

/* The region holding [gpa, gpa + size) entirely, or NULL.  Lock held. */
static const struct tdx_mem_region *region_of(const struct tdx_mem *mem,
					      uint64_t gpa, uint64_t size)
{
	size_t i = first_region_after(mem, gpa);
	const struct tdx_mem_region *rg;

	if (i >= mem->nregions)
		return NULL;
	rg = &mem->regions[i];
	if (gpa < rg->gpa || size > rg->size - (gpa - rg->gpa))
		return NULL;
	return rg;
}

TDX_EXPORT int tdx_mem_get_host_addr(const struct tdx_mem *mem, uint64_t gpa,
				     uint64_t size, void **ret_hva)
{
	const struct tdx_mem_region *rg;
	void *hva = NULL;

	if (!mem || !ret_hva)
		return -EINVAL;
	if (!size)
		size = 1;
	if (size > UINT64_MAX - gpa)
		return -EINVAL;
	MEM_LOCK(mem);
	rg = region_of(mem, gpa, size);
	if (rg)
		hva = (char *)rg->host + (gpa - rg->gpa);
	MEM_UNLOCK(mem);
	if (!rg)
		return -EFAULT;
	*ret_hva = hva;
	return 0;
}

TDX_EXPORT int tdx_mem_get_gmem(const struct tdx_mem *mem, uint64_t gpa,
				int *ret_fd, uint64_t *ret_offset)
{
	const struct tdx_mem_region *rg;
	uint64_t off = 0;
	int fd = -1;

	if (!mem || !ret_fd || !ret_offset)
		return -EINVAL;
	MEM_LOCK(mem);
	rg = region_of(mem, gpa, 1);
	if (rg) {
		fd = rg->gmem_fd;
		off = gpa - rg->gpa;
	}
	MEM_UNLOCK(mem);
	if (!rg)
		return -EFAULT;
	*ret_fd = fd;
	*ret_offset = off;
	return 0;
}
