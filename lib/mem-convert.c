/* SPDX-License-Identifier: MIT */
/*
 * Private<->shared conversion on behalf of the guest (MapGPA and implicit
 * memory-fault exits): validation of the untrusted request, the attribute
 * ioctl, the discard of the stale copy, and the range-map update.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem-internal.h"
#include "vm-internal.h"

#define CONVERT_KNOWN_FLAGS (TDX_MEM_CONVERT_PRIVATE | \
			     TDX_MEM_CONVERT_STRIP_SHARED | \
			     TDX_MEM_CONVERT_ALLOW_HOLES)

static const char *const rule_names[] = {
	[TDX_MEM_RULE_NONE] = "none",
	[TDX_MEM_RULE_FLAGS] = "flags",
	[TDX_MEM_RULE_SIZE_ZERO] = "size-zero",
	[TDX_MEM_RULE_ALIGN] = "align",
	[TDX_MEM_RULE_WRAP] = "wrap",
	[TDX_MEM_RULE_SHARED_BIT] = "shared-bit",
	[TDX_MEM_RULE_NOT_RAM] = "not-ram",
	[TDX_MEM_RULE_STRADDLE] = "straddle",
	[TDX_MEM_RULE_INITIAL_IMAGE] = "initial-image",
};

TDX_EXPORT const char *tdx_mem_rule_name(int rule)
{
	if (rule >= 0 && (size_t)rule < TDX_ARRAY_SIZE(rule_names))
		return rule_names[rule];
	return "?";
}

/* Record a rejected request.  Lock held. */
static int reject(struct tdx_mem *mem, int err, int rule, uint64_t gpa,
		  uint64_t size, uint32_t flags, const char *why)
{
	mem->stats.rejected++;
	mem->reject.err = err;
	mem->reject.rule = rule;
	mem->reject.gpa = gpa;
	mem->reject.size = size;
	mem->reject.flags = flags;
	mem->reject.seq = mem->stats.rejected;
	mem->has_reject = true;
	return tdx_err(&mem->error, err, "validate", tdx_mem_rule_name(rule), -1,
		       "conversion to %s of [gpa 0x%llx, size 0x%llx) rejected (%s): %s",
		       flags & TDX_MEM_CONVERT_PRIVATE ? "private" : "shared",
		       (unsigned long long)gpa, (unsigned long long)size,
		       tdx_mem_rule_name(rule), why);
}

/* Index of the first region ending above gpa. */
static size_t first_after(const struct tdx_mem *mem, uint64_t gpa)
{
	size_t lo = 0, hi = mem->nregions;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mem->regions[mid].gpa + mem->regions[mid].size <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Bytes of [gpa, end) that lie in RAM regions.  Lock held. */
static uint64_t ram_bytes(const struct tdx_mem *mem, uint64_t gpa, uint64_t end)
{
	uint64_t n = 0;
	size_t i;

	for (i = first_after(mem, gpa); i < mem->nregions; i++) {
		const struct tdx_mem_region *rg = &mem->regions[i];
		uint64_t s = rg->gpa > gpa ? rg->gpa : gpa;
		uint64_t e = rg->gpa + rg->size < end ? rg->gpa + rg->size : end;

		if (rg->gpa >= end)
			break;
		n += e - s;
	}
	return n;
}

static int punch(int fd, uint64_t off, uint64_t len)
{
	int r;

	do {
		r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)off, (off_t)len);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

/* Discard the stale copy of [s, e) inside rg.  Lock held. */
static int discard(const struct tdx_mem_region *rg, uint64_t s, uint64_t e,
		   bool to_private, const char **step)
{
	uint64_t off = s - rg->gpa, len = e - s;

	if (!to_private) {
		*step = "fallocate(guest_memfd)";
		return punch(rg->gmem_fd, off, len);
	}
	if (rg->flags & TDX_MEM_REGION_NO_DISCARD)
		return 0;
	if (rg->backing == TDX_MEM_BACKING_MEMFD) {
		*step = "fallocate(memfd)";
		return punch(rg->memfd, off, len);
	}
	*step = "madvise";
	return madvise((char *)rg->host + off, len, MADV_DONTNEED) < 0 ? -errno : 0;
}

static int set_attributes(struct tdx_mem *mem, uint64_t gpa, uint64_t size,
			  bool to_private)
{
	struct kvm_memory_attributes a;

	memset(&a, 0, sizeof(a));
	a.address = gpa;
	a.size = size;
	a.attributes = to_private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
	a.flags = 0;
	/* NULL ctx: we hold mem->lock, so no log callback may run here. */
	return (int)tdx_kvm_ioctl(NULL, mem->vm_fd, KVM_SET_MEMORY_ATTRIBUTES,
				  (unsigned long)&a);
}

/* What happened, for logging once the lock is dropped. */
struct outcome {
	int rule;		/* TDX_MEM_RULE_* of a refusal, else NONE */
	int discard_err;
	const char *discard_step;
	uint64_t discard_gpa;
	bool noop;
};

/*
 * Convert one run [s, e) that is entirely RAM (possibly several adjacent
 * regions starting at index i).  Lock held.
 */
static int convert_run(struct tdx_mem *mem, size_t i, uint64_t s, uint64_t e,
		       bool to_private, struct outcome *out)
{
	int r;

	r = tdx_rangemap_reserve(mem->map);
	if (r)
		return tdx_err(&mem->error, r, "tdx_mem_convert", NULL, -1,
			       "out of memory for the range map");
	r = set_attributes(mem, s, e - s, to_private);
	if (r)
		return tdx_err(&mem->error, r, "KVM_SET_MEMORY_ATTRIBUTES", NULL,
			       -1, "KVM_SET_MEMORY_ATTRIBUTES(gpa 0x%llx, size 0x%llx, %s) failed: %s",
			       (unsigned long long)s, (unsigned long long)(e - s),
			       to_private ? "PRIVATE" : "shared", strerror(-r));
	for (; i < mem->nregions && mem->regions[i].gpa < e; i++) {
		const struct tdx_mem_region *rg = &mem->regions[i];
		uint64_t rs = rg->gpa > s ? rg->gpa : s;
		uint64_t re = rg->gpa + rg->size < e ? rg->gpa + rg->size : e;
		const char *step = "";
		int d = discard(rg, rs, re, to_private, &step);

		if (d) {
			mem->stats.discard_errors++;
			if (!out->discard_err) {
				out->discard_err = d;
				out->discard_step = step;
				out->discard_gpa = rs;
			}
		}
	}
	/* Cannot fail: reserved above, range checked against the limit. */
	tdx_rangemap_set(mem->map, s, e - s, to_private);
	if (to_private)
		mem->stats.bytes_to_private += e - s;
	else
		mem->stats.bytes_to_shared += e - s;
	return 0;
}

/* Validate and convert.  Lock held. */
static int convert_locked(struct tdx_mem *mem, uint64_t gpa_in, uint64_t size,
			  uint32_t flags, struct outcome *out)
{
	bool to_private = flags & TDX_MEM_CONVERT_PRIVATE;
	uint64_t sb = tdx_vm_get_shared_bit(mem->vm);
	uint64_t limit = tdx_mem_gpa_limit(mem);
	uint64_t gpa = gpa_in, end, ram, pos;
	bool holes = false;
	size_t i;
	int r;

	if (flags & ~CONVERT_KNOWN_FLAGS)
		return reject(mem, -EINVAL, TDX_MEM_RULE_FLAGS, gpa_in, size, flags,
			      "unknown flags");
	if ((flags & TDX_MEM_CONVERT_ALLOW_HOLES) && to_private)
		return reject(mem, -EINVAL, TDX_MEM_RULE_FLAGS, gpa_in, size, flags,
			      "ALLOW_HOLES applies to conversions to shared only");
	if ((flags & TDX_MEM_CONVERT_STRIP_SHARED) && sb)
		gpa &= ~sb;
	if (!size)
		return reject(mem, -EINVAL, TDX_MEM_RULE_SIZE_ZERO, gpa_in, size,
			      flags, "size is 0");
	if ((gpa | size) & (TDX_MEM_PAGE - 1))
		return reject(mem, -EINVAL, TDX_MEM_RULE_ALIGN, gpa_in, size, flags,
			      "gpa and size must be 4 KiB aligned");
	if (size > UINT64_MAX - gpa)
		return reject(mem, -EINVAL, TDX_MEM_RULE_WRAP, gpa_in, size, flags,
			      "gpa + size wraps around");
	if (gpa >= limit || size > limit - gpa)
		return reject(mem, -EINVAL, TDX_MEM_RULE_SHARED_BIT, gpa_in, size,
			      flags, sb ?
			      "the range has the shared bit set or reaches it (pass GPAs without the shared bit, as KVM reports them)" :
			      "the range reaches beyond 2^52");
	end = gpa + size;
	/*
	 * Before FINALIZE, making pages of the initial image shared removes
	 * them from the TD: KVM_SET_MEMORY_ATTRIBUTES invalidates the
	 * guest_memfd range and tdx_sept_remove_leaf_spte()
	 * (arch/x86/kvm/vmx/tdx.c) issues TDH.MEM.PAGE.REMOVE with no check
	 * of the TD's state, while TDH.MR.EXTEND has already put them in
	 * MRTD.  The TD would start from an image other than the measured one.
	 */
	if (!to_private && mem->added && tdx_vm_get_state(mem->vm) != TDX_VM_FINALIZED &&
	    tdx_rangemap_range_state(mem->added, gpa, size) != 0)
		return reject(mem, -EBUSY, TDX_MEM_RULE_INITIAL_IMAGE, gpa_in, size,
			      flags, "the range holds pages of the initial image (added with KVM_TDX_INIT_MEM_REGION) and the TD is not finalised: KVM would remove them while the measurement counts them");
	ram = ram_bytes(mem, gpa, end);
	if (!ram) {
		if (to_private)
			return reject(mem, -EFAULT, TDX_MEM_RULE_NOT_RAM, gpa_in,
				      size, flags, "no RAM region there (MMIO or unpopulated)");
		/* OVMF shares MMIO holes: nothing to do, but count it. */
		mem->stats.mmio_noops++;
		out->noop = true;
		return 0;
	}
	if (ram != size) {
		if (!(flags & TDX_MEM_CONVERT_ALLOW_HOLES))
			return reject(mem, -EINVAL, TDX_MEM_RULE_STRADDLE, gpa_in,
				      size, flags, "the range straddles RAM and non-RAM");
		holes = true;
	}

	/* Convert each maximal run of adjacent RAM regions. */
	pos = gpa;
	i = first_after(mem, gpa);
	while (i < mem->nregions && mem->regions[i].gpa < end) {
		size_t first = i;
		uint64_t s = mem->regions[i].gpa > pos ? mem->regions[i].gpa : pos;
		uint64_t e = mem->regions[i].gpa + mem->regions[i].size;

		while (i + 1 < mem->nregions && mem->regions[i + 1].gpa == e &&
		       e < end) {
			i++;
			e = mem->regions[i].gpa + mem->regions[i].size;
		}
		if (e > end)
			e = end;
		r = convert_run(mem, first, s, e, to_private, out);
		if (r) {
			mem->stats.errors++;
			return r;
		}
		pos = e;
		i++;
	}
	if (holes)
		mem->stats.mmio_noops++;
	if (to_private)
		mem->stats.to_private++;
	else
		mem->stats.to_shared++;
	return 0;
}

int tdx_mem_convert_rule(struct tdx_mem *mem, uint64_t gpa, uint64_t size,
			 uint32_t flags, int *ret_rule, struct tdx_error *rec)
{
	struct outcome out = { 0 };
	struct tdx_error saved;
	uint64_t rejected;
	int r;

	if (!mem)
		return -EINVAL;
	/*
	 * After fork(2) the child's KVM_SET_MEMORY_ATTRIBUTES fails with EIO
	 * (kvm_vm_ioctl() refuses a caller whose mm is not the VM's); answer
	 * ECHILD, as every VM and vCPU call does.  Checked before the lock:
	 * the child has a single thread, so the record needs no lock, and the
	 * lock may have been held by another thread of the parent at fork.
	 */
	if (mem->vm->pid != getpid())
		return tdx_vm_check_usable(mem->vm, rec ? rec : &mem->error);
	pthread_mutex_lock(&mem->lock);
	/*
	 * A caller with its own record (tdx_vcpu_convert(): the vCPU's) gets
	 * the detail there; the mem's record stays as it was (one call, one
	 * record: common.h).  Every writer of mem->error holds the lock.
	 */
	if (rec)
		saved = mem->error;
	rejected = mem->stats.rejected;
	r = tdx_vm_check_usable(mem->vm, &mem->error);
	if (!r)
		r = convert_locked(mem, gpa, size, flags, &out);
	if (mem->stats.rejected != rejected)
		out.rule = mem->reject.rule;
	if (rec) {
		*rec = mem->error;
		mem->error = saved;
	}
	pthread_mutex_unlock(&mem->lock);
	if (ret_rule)
		*ret_rule = out.rule;

	/* Logging only now: a log callback may block. */
	if (r)
		tdx_dbg(mem->ctx, "conversion of [0x%llx, +0x%llx) to %s failed: %s",
			(unsigned long long)gpa, (unsigned long long)size,
			flags & TDX_MEM_CONVERT_PRIVATE ? "private" : "shared",
			strerror(-r));
	else if (out.noop)
		tdx_dbg(mem->ctx, "to-shared conversion of non-RAM [0x%llx, +0x%llx): no-op",
			(unsigned long long)gpa, (unsigned long long)size);
	if (out.discard_err)
		tdx_warn(mem->ctx, "conversion at gpa 0x%llx: %s failed (%s); the stale copy stays allocated",
			 (unsigned long long)out.discard_gpa, out.discard_step,
			 strerror(-out.discard_err));
	return r;
}

TDX_EXPORT int tdx_mem_convert_ex(struct tdx_mem *mem, uint64_t gpa,
				  uint64_t size, uint32_t flags)
{
	return tdx_mem_convert_rule(mem, gpa, size, flags, NULL, NULL);
}

TDX_EXPORT int tdx_mem_convert(struct tdx_mem *mem, uint64_t gpa,
			       uint64_t size, bool to_private)
{
	return tdx_mem_convert_ex(mem, gpa, size,
				  to_private ? TDX_MEM_CONVERT_PRIVATE : 0);
}

/* Accessors lock a const object: the lock is not part of its value. */
#define MEM_LOCK(m)   pthread_mutex_lock(&((struct tdx_mem *)(m))->lock)
#define MEM_UNLOCK(m) pthread_mutex_unlock(&((struct tdx_mem *)(m))->lock)

TDX_EXPORT int tdx_mem_get_last_reject(const struct tdx_mem *mem,
				       struct tdx_mem_reject *ret_reject)
{
	int r = 0;

	if (!mem || !ret_reject)
		return -EINVAL;
	MEM_LOCK(mem);
	if (mem->has_reject)
		*ret_reject = mem->reject;
	else
		r = -ENOENT;
	MEM_UNLOCK(mem);
	return r;
}

TDX_EXPORT int tdx_mem_is_private(const struct tdx_mem *mem, uint64_t gpa,
				  uint64_t size)
{
	int r;

	if (!mem)
		return -EINVAL;
	MEM_LOCK(mem);
	r = tdx_rangemap_range_state(mem->map, gpa, size);
	MEM_UNLOCK(mem);
	return r;
}

TDX_EXPORT int tdx_mem_get_stats(const struct tdx_mem *mem,
				 struct tdx_mem_stats *ret_stats)
{
	if (!mem || !ret_stats)
		return -EINVAL;
	MEM_LOCK(mem);
	*ret_stats = mem->stats;
	ret_stats->private_bytes = tdx_rangemap_private_bytes(mem->map);
	ret_stats->private_ranges = tdx_rangemap_private_count(mem->map);
	ret_stats->map_bytes = tdx_rangemap_mem_used(mem->map);
	MEM_UNLOCK(mem);
	return 0;
}

bool tdx_mem_any_added(struct tdx_mem *mem, uint64_t gpa, uint64_t size)
{
	bool any;

	if (!size)
		return false;
	pthread_mutex_lock(&mem->lock);
	any = mem->added && tdx_rangemap_range_state(mem->added, gpa, size) != 0;
	pthread_mutex_unlock(&mem->lock);
	return any;
}

int tdx_mem_mark_added(struct tdx_mem *mem, uint64_t gpa, uint64_t size)
{
	int r = 0;

	if (!size)
		return 0;
	pthread_mutex_lock(&mem->lock);
	if (!mem->added)
		r = tdx_rangemap_new(TDX_MEM_GPA_LIMIT, &mem->added);
	if (!r)
		r = tdx_rangemap_set(mem->added, gpa, size, true);
	pthread_mutex_unlock(&mem->lock);
	return r;
}
