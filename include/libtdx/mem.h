/* SPDX-License-Identifier: MIT */
/**
 * DOC: mem - private memory regions and private<->shared conversion
 *
 * A &struct tdx_mem holds the guest RAM of one TD.  Each RAM region is
 *
 *   - a guest_memfd (KVM_CREATE_GUEST_MEMFD, flags 0) holding the private
 *     pages, one per region, bound at offset 0;
 *   - a shared backing the host can read and write: an anonymous mapping
 *     (default), a memfd mapped MAP_SHARED (TDX_MEM_REGION_MEMFD), or
 *     memory the caller supplies (tdx_mem_region_opts.host_addr);
 *   - one memslot (KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD).
 *
 * At VM creation every GPA is shared (KVM's default); tdx_mem_add_layout()
 * makes the TD's RAM private as it adds it, as QEMU does, so a TD's memory
 * starts private and the guest shares what it needs.  The guest converts
 * pages with TDVMCALL MapGPA (KVM_EXIT_HYPERCALL, nr 12) or implicitly by
 * touching a page with the other access type (KVM_EXIT_MEMORY_FAULT); the
 * VMM answers both with tdx_mem_convert().  A conversion sets the KVM
 * memory attributes, then discards the stale copy: going shared, the
 * private page (fallocate(PUNCH_HOLE|KEEP_SIZE) on the guest_memfd); going
 * private, the shared page (madvise(MADV_DONTNEED) on anonymous memory,
 * fallocate(PUNCH_HOLE) on the memfd).  libtdx keeps its own map of the
 * private ranges, because KVM has no call to read the attributes back.
 *
 * GPAs: every address taken here is a GPA *without* the shared bit, which
 * is how KVM reports them (memory_fault.gpa, MapGPA args[0]).  A GPA with
 * the shared bit set is rejected (-EINVAL), unless the caller passes
 * TDX_MEM_CONVERT_STRIP_SHARED to tdx_mem_convert_ex().
 *
 * Thread safety: tdx_mem_convert*(), tdx_mem_add_region(), the accessors
 * and tdx_mem_get_stats() may be called from any number of threads at once
 * (vCPU threads converting concurrently): a mutex inside the tdx_mem
 * serialises the region table, the attribute ioctl, the discard and the
 * range-map update.  It is never held across anything that can block
 * indefinitely (no log callback runs under it).  tdx_mem_unref() of the
 * last reference must not race with other calls.
 */
#ifndef LIBTDX_MEM_H
#define LIBTDX_MEM_H

#include <libtdx/common.h>
#include <libtdx/layout.h>
#include <libtdx/vm.h>

#ifdef __cplusplus
extern "C" {
#endif

/** struct tdx_mem - the RAM regions and private/shared state of one TD. */
struct tdx_mem;

/**
 * struct tdx_mem_opts - options for tdx_mem_new(); TDX_OPTS(tdx_mem_opts).
 * @slot_base: the first memslot id tdx_mem_add_region() assigns (0 = 0);
 *   leave room below it for slots the VMM creates itself.
 * @reserved: must be zero (makes the padding explicit, so TDX_OPTS() zeroes it)
 */
struct tdx_mem_opts {
	size_t sz;
	uint32_t slot_base;
	uint32_t reserved;
};

/**
 * tdx_mem_new() - create the memory object of a TD.
 * @vm: the TD; tdx_mem holds a reference to it.
 * @opts: NULL for defaults.
 * @ret_mem: the new object (refcount 1).
 *
 * Issues KVM_CHECK_EXTENSION(KVM_CAP_NR_MEMSLOTS) on the VM to learn the
 * slot limit (KVM's 32764 if the query fails).
 *
 * Return: 0; -EINVAL (NULL @vm or @ret_mem, bad @opts or @slot_base:
 * detail in tdx_vm_get_last_error()); -ECHILD (not the VM's creator
 * process); -EIO (the TD is dead); -ENOMEM.
 */
int tdx_mem_new(struct tdx_vm *vm, const struct tdx_mem_opts *opts,
		struct tdx_mem **ret_mem);
/** tdx_mem_ref() - take a reference; returns @mem. */
struct tdx_mem *tdx_mem_ref(struct tdx_mem *mem);
/**
 * tdx_mem_unref() - drop a reference (NULL is fine); the last one deletes
 * every memslot (KVM_SET_USER_MEMORY_REGION2 with size 0), unmaps the
 * shared backings libtdx mapped, closes the guest_memfds and memfds, and
 * drops the VM reference.  Always returns NULL.
 */
struct tdx_mem *tdx_mem_unref(struct tdx_mem *mem);
/**
 * tdx_mem_get_last_error() - the last-error record (never NULL for a valid
 * @mem).  With several threads calling, it holds whichever failure came
 * last; tdx_mem_get_last_reject() gives a consistent copy of the validation
 * part.
 */
const struct tdx_error *tdx_mem_get_last_error(const struct tdx_mem *mem);
/** tdx_mem_get_vm() - the TD (borrowed). */
struct tdx_vm *tdx_mem_get_vm(const struct tdx_mem *mem);

/* ---------------------------------------------------------------------- */
/* Regions                                                                 */
/* ---------------------------------------------------------------------- */

/** Shared backing: a memfd mapped MAP_SHARED (default: anonymous memory). */
#define TDX_MEM_REGION_MEMFD		(1u << 0)
/** Use tdx_mem_region_opts.slot instead of assigning a slot id. */
#define TDX_MEM_REGION_FIXED_SLOT	(1u << 1)
/**
 * Never discard the shared backing on conversion to private (e.g. hugetlb
 * memory the caller supplied, where a 4 KiB discard is impossible).
 */
#define TDX_MEM_REGION_NO_DISCARD	(1u << 2)
/** Read-only memory: always rejected (-EINVAL), a TD cannot have it. */
#define TDX_MEM_REGION_READONLY		(1u << 3)

/**
 * struct tdx_mem_region_opts - options for tdx_mem_add_region();
 * TDX_OPTS(tdx_mem_region_opts).
 * @flags: TDX_MEM_REGION_*
 * @slot: memslot id, used with TDX_MEM_REGION_FIXED_SLOT only
 * @host_addr: caller-supplied shared backing of the region's size, 4 KiB
 *   aligned, mapped for reading and writing, kept mapped until the region
 *   is gone; libtdx never unmaps it.  NULL: libtdx maps one.  Going private
 *   libtdx discards it with madvise(MADV_DONTNEED) unless
 *   TDX_MEM_REGION_NO_DISCARD (for a MAP_SHARED file mapping that only
 *   drops the page-table entries).  Cannot be combined with
 *   TDX_MEM_REGION_MEMFD.
 * @name: memfd name for TDX_MEM_REGION_MEMFD (NULL = "libtdx-ram")
 */
struct tdx_mem_region_opts {
	size_t sz;
	uint32_t flags;
	uint32_t slot;
	void *host_addr;
	const char *name;
};

/** Shared backing kinds reported in struct tdx_mem_region_info.backing. */
#define TDX_MEM_BACKING_ANON	0
#define TDX_MEM_BACKING_MEMFD	1
#define TDX_MEM_BACKING_CALLER	2

/**
 * struct tdx_mem_region_info - one region (tdx_mem_get_region()).
 * @gpa: first GPA (without the shared bit)
 * @size: bytes
 * @slot: memslot id
 * @flags: TDX_MEM_REGION_* as given
 * @backing: TDX_MEM_BACKING_*
 * @gmem_fd: the guest_memfd (borrowed; bound at offset 0)
 * @memfd: the memfd behind the shared view, or -1 (borrowed)
 * @host_addr: the shared view
 */
struct tdx_mem_region_info {
	uint64_t gpa;
	uint64_t size;
	uint32_t slot;
	uint32_t flags;
	int backing;
	int gmem_fd;
	int memfd;
	void *host_addr;
};

/**
 * tdx_mem_add_region() - add a RAM region: guest_memfd, shared backing,
 * memslot.
 * @gpa: first GPA, 4 KiB aligned, shared bit clear
 * @size: bytes, > 0, 4 KiB aligned
 * @opts: NULL for defaults (anonymous backing, next free slot id)
 * @ret_slot: the memslot id used (may be NULL)
 *
 * Checked before any syscall, in this order (step "validate", field named
 * in the error record): unknown or read-only flags, MEMFD with host_addr
 * (-EINVAL); size 0, size/gpa/host_addr not 4 KiB aligned, gpa + size
 * wrapping (-EINVAL); a range reaching the shared bit (or beyond 2^52
 * before tdx_vm_init() fixed the bit) (-EINVAL); overlap with a region of
 * this tdx_mem (-EEXIST); a fixed slot already used here or at/over the
 * slot limit (-EEXIST / -EINVAL); no free slot (-ENOSPC).
 * Then: KVM_CREATE_GUEST_MEMFD{size, flags 0} (FD_CLOEXEC is checked and
 * set if the kernel left it off), memfd_create(MFD_CLOEXEC) + ftruncate
 * for a memfd, mmap (MAP_SHARED|MAP_NORESERVE for the memfd,
 * MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE otherwise, PROT_READ|WRITE),
 * and one KVM_SET_USER_MEMORY_REGION2{slot, KVM_MEM_GUEST_MEMFD, gpa,
 * size, host address, guest_memfd, offset 0}.  On any failure everything
 * done so far is undone: no fd, mapping or slot is left.
 *
 * The new region is shared, like all memory at VM creation (KVM's default
 * attributes), until converted -- tdx_mem_add_layout() adds the TD's RAM
 * and makes it private; a region added after conversions keeps whatever
 * state the map records for its range (shared unless converted while it
 * was a hole).
 *
 * Thread safety: may run concurrently with conversions and other adds.
 *
 * Return: 0; the -errno above; the kernel's errno from the failing
 * syscall (-EEXIST from KVM for an overlap with a slot libtdx did not
 * create, -EINVAL, -ENOMEM, -EMFILE, ...), step = the syscall/ioctl name.
 */
int tdx_mem_add_region(struct tdx_mem *mem, uint64_t gpa, uint64_t size,
		       const struct tdx_mem_region_opts *opts,
		       uint32_t *ret_slot);

/** tdx_mem_region_count() - number of regions (0 for NULL). */
size_t tdx_mem_region_count(const struct tdx_mem *mem);
/**
 * tdx_mem_get_region() - region @idx, in ascending GPA order.
 * Return: 0, -EINVAL (NULL), -ERANGE (no such index).
 */
int tdx_mem_get_region(const struct tdx_mem *mem, size_t idx,
		       struct tdx_mem_region_info *ret_info);
/**
 * tdx_mem_get_host_addr() - host address of the shared view of
 * [@gpa, @gpa + @size) (@size 0 is treated as 1).
 *
 * Return: 0; -EINVAL (NULL args, wrap); -EFAULT (not entirely inside one
 * region).  The caller must know the range is shared (the guest gave it
 * up); the private side is never reachable from the host.
 */
int tdx_mem_get_host_addr(const struct tdx_mem *mem, uint64_t gpa, uint64_t size,
			  void **ret_hva);
/**
 * tdx_mem_get_gmem() - the guest_memfd and offset holding @gpa's private page
 * (for KVM_TDX_INIT_MEM_REGION-style users and tests).
 * @ret_fd: borrowed fd; @ret_offset: byte offset in it.
 * Return: 0; -EINVAL (NULL args); -EFAULT (no region holds @gpa).
 */
int tdx_mem_get_gmem(const struct tdx_mem *mem, uint64_t gpa, int *ret_fd,
		     uint64_t *ret_offset);

/* ---------------------------------------------------------------------- */
/* Conversion                                                              */
/* ---------------------------------------------------------------------- */

/** Convert to private (else to shared). */
#define TDX_MEM_CONVERT_PRIVATE		(1u << 0)
/** Clear the shared bit from @gpa before validating (raw guest GPAs). */
#define TDX_MEM_CONVERT_STRIP_SHARED	(1u << 1)
/**
 * To shared only: accept a range that straddles RAM and non-RAM; the RAM
 * parts are converted, the holes are left alone (counted as no-ops).
 * Without it such a range is rejected (-EINVAL, rule STRADDLE).
 */
#define TDX_MEM_CONVERT_ALLOW_HOLES	(1u << 2)

/**
 * enum tdx_mem_rule - why a conversion request was rejected.
 * @TDX_MEM_RULE_NONE: not rejected
 * @TDX_MEM_RULE_FLAGS: unknown flag, or ALLOW_HOLES with PRIVATE
 * @TDX_MEM_RULE_SIZE_ZERO: size 0
 * @TDX_MEM_RULE_ALIGN: gpa or size not 4 KiB aligned
 * @TDX_MEM_RULE_WRAP: gpa + size wraps around 2^64
 * @TDX_MEM_RULE_SHARED_BIT: the range has the shared bit set or reaches it
 *   (i.e. lies beyond the guest physical address width)
 * @TDX_MEM_RULE_NOT_RAM: to private, but no part of the range is RAM
 * @TDX_MEM_RULE_STRADDLE: the range is partly RAM, partly not
 * @TDX_MEM_RULE_INITIAL_IMAGE: to shared before KVM_TDX_FINALIZE_VM, over
 *   pages added with KVM_TDX_INIT_MEM_REGION (-EBUSY): KVM would remove
 *   them from the TD while the measurement still counts them
 */
enum tdx_mem_rule {
	TDX_MEM_RULE_NONE = 0,
	TDX_MEM_RULE_FLAGS,
	TDX_MEM_RULE_SIZE_ZERO,
	TDX_MEM_RULE_ALIGN,
	TDX_MEM_RULE_WRAP,
	TDX_MEM_RULE_SHARED_BIT,
	TDX_MEM_RULE_NOT_RAM,
	TDX_MEM_RULE_STRADDLE,
	TDX_MEM_RULE_INITIAL_IMAGE,
};

/** tdx_mem_rule_name() - "align", "wrap", ...; "?" for an unknown value. */
const char *tdx_mem_rule_name(int rule);

/**
 * struct tdx_mem_reject - the last rejected conversion request.
 * @err: the negative errno returned
 * @rule: enum tdx_mem_rule
 * @gpa: the GPA as passed
 * @size: the size as passed
 * @flags: the flags as passed
 * @seq: rejected-request counter value at that time (1 = first)
 */
struct tdx_mem_reject {
	int err;
	int rule;
	uint64_t gpa;
	uint64_t size;
	uint32_t flags;
	uint64_t seq;
};

/**
 * tdx_mem_convert() - convert a range between private and shared on behalf
 * of the guest.  Same as tdx_mem_convert_ex() with flags
 * TDX_MEM_CONVERT_PRIVATE or 0.
 */
int tdx_mem_convert(struct tdx_mem *mem, uint64_t gpa, uint64_t size,
		    bool to_private);

/**
 * tdx_mem_convert_ex() - convert [@gpa, @gpa + @size).
 * @gpa: GPA without the shared bit (as KVM reports it), 4 KiB aligned
 * @size: bytes, > 0, 4 KiB aligned
 * @flags: TDX_MEM_CONVERT_*
 *
 * @gpa and @size come from the guest and are untrusted.  Validation, in
 * order; a failure returns the errno shown, bumps the rejected counter,
 * records the rule, gpa and size (tdx_mem_get_last_reject(), and
 * tdx_mem_get_last_error() with step "validate" and the rule name as field),
 * and leaves the object fully usable:
 *
 *   FLAGS -EINVAL, SIZE_ZERO -EINVAL, ALIGN -EINVAL, WRAP -EINVAL,
 *   SHARED_BIT -EINVAL, INITIAL_IMAGE -EBUSY (to shared before
 *   tdx_vm_finalize() over pages tdx_load_plan() added: KVM would remove
 *   them from the TD while MRTD counts them), then against the regions: a range entirely inside
 *   RAM (possibly across adjacent regions) is converted; a to-shared range
 *   entirely outside RAM (an MMIO hole: OVMF does this) is accepted as a
 *   no-op and counted; to private outside RAM is NOT_RAM -EFAULT; a range
 *   straddling RAM and a hole is STRADDLE -EINVAL (to shared with
 *   TDX_MEM_CONVERT_ALLOW_HOLES: the RAM parts are converted).
 *
 * Conversion: KVM_SET_MEMORY_ATTRIBUTES{gpa, size, PRIVATE (0x8) or 0}
 * once over each run of adjacent RAM regions (one run, the whole range,
 * unless TDX_MEM_CONVERT_ALLOW_HOLES skips holes), then per region: going shared,
 * fallocate(guest_memfd, PUNCH_HOLE|KEEP_SIZE); going private,
 * madvise(MADV_DONTNEED) (anonymous / caller memory) or
 * fallocate(memfd, PUNCH_HOLE|KEEP_SIZE), skipped with
 * TDX_MEM_REGION_NO_DISCARD.  The range map is updated.  Converting a
 * range to the state it already has repeats the same steps (harmless).
 * If the ioctl fails, its run did not change and its errno is returned
 * (step "KVM_SET_MEMORY_ATTRIBUTES"); without ALLOW_HOLES nothing changed.
 * With ALLOW_HOLES the runs are converted in address order, so the runs
 * before a failing one stay converted (the map follows KVM:
 * tdx_mem_is_private() tells which).  If a discard fails after the attributes
 * changed, the conversion stands (the map follows KVM), 0 is returned,
 * discard_errors is bumped and a warning logged: a stale page wastes
 * memory but leaks nothing.
 *
 * Thread safety: callable from many vCPU threads at once; each call is
 * atomic with respect to the others.
 *
 * Return: 0 (converted, or no-op for a hole); the -errno above; -EINVAL
 * for a NULL @mem.
 */
int tdx_mem_convert_ex(struct tdx_mem *mem, uint64_t gpa, uint64_t size,
		       uint32_t flags);

/**
 * tdx_mem_get_last_reject() - a consistent copy of the last rejected request.
 * Return: 0; -ENOENT (nothing rejected yet); -EINVAL (NULL).
 */
int tdx_mem_get_last_reject(const struct tdx_mem *mem, struct tdx_mem_reject *ret_reject);

/**
 * tdx_mem_is_private() - the state libtdx recorded for [@gpa, @gpa+@size).
 * Return: 1 all private, 0 all shared, 2 mixed; -EINVAL (NULL, size 0,
 * wrap, at or beyond 2^52).
 */
int tdx_mem_is_private(const struct tdx_mem *mem, uint64_t gpa, uint64_t size);

/**
 * struct tdx_mem_stats - counters since tdx_mem_new().
 * @to_private: successful conversions to private
 * @to_shared: successful conversions to shared (no-op holes excluded)
 * @bytes_to_private: RAM bytes converted to private
 * @bytes_to_shared: RAM bytes converted to shared
 * @mmio_noops: to-shared requests (or parts, with ALLOW_HOLES) that hit
 *   only non-RAM and were accepted without doing anything
 * @rejected: requests that failed validation
 * @errors: requests the kernel refused (attribute ioctl failures)
 * @discard_errors: discards that failed after a successful attribute change
 * @private_bytes: bytes currently private
 * @private_ranges: maximal private ranges currently recorded
 * @map_bytes: heap memory used by the range map
 */
struct tdx_mem_stats {
	uint64_t to_private;
	uint64_t to_shared;
	uint64_t bytes_to_private;
	uint64_t bytes_to_shared;
	uint64_t mmio_noops;
	uint64_t rejected;
	uint64_t errors;
	uint64_t discard_errors;
	uint64_t private_bytes;
	uint64_t private_ranges;
	uint64_t map_bytes;
};

/** tdx_mem_get_stats() - a consistent snapshot.  Return: 0 or -EINVAL. */
int tdx_mem_get_stats(const struct tdx_mem *mem, struct tdx_mem_stats *ret_stats);

/**
 * tdx_mem_add_layout() - add one region per TDX_LAYOUT_RAM and
 * TDX_LAYOUT_FIRMWARE range of @layout (anonymous shared backing, slots
 * assigned in order) and mark it private, as QEMU does for a TD's RAM: the
 * guest starts with private memory and converts what it shares (MapGPA).
 * TDX_LAYOUT_RESERVED ranges are left alone.
 *
 * Return: 0, or the first failing tdx_mem_add_region() or
 * tdx_mem_convert() errno (regions added before it stay; detail in
 * tdx_mem_get_last_error()); -EINVAL for NULL.
 */
int tdx_mem_add_layout(struct tdx_mem *mem, const struct tdx_layout *layout);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_MEM_H */
