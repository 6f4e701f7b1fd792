/* SPDX-License-Identifier: MIT */
/*
 * guest_memfd, memslots, memory attributes, pre-fault, and the S-EPT state
 * per GFN, as Linux 7.2 handles them (virt/kvm/kvm_main.c, guest_memfd.c,
 * arch/x86/kvm/mmu/mmu.c; each function names the one it models, and
 * sim/RULES.md lists the rules).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim.h"

uint64_t rmap_get_run(const struct sim_rmap *m, uint64_t x, uint64_t *run_end);
bool rmap_any(const struct sim_rmap *m, uint64_t start, uint64_t end);

#define PAGE_ALIGNED(x) (((x) & (SIM_PAGE_SIZE - 1)) == 0)
#define SIM_TASK_SIZE 0x00007ffffffff000ULL

static bool vm_is_td(const struct sim_vm *vm)
{
	return vm->type == KVM_X86_TDX_VM;
}

/* ---- guest_memfd --------------------------------------------------------- */
/* kvm_gmem_create(), __kvm_gmem_create() (guest_memfd.c) */
long mem_create_gmem(struct sim_vm *vm, unsigned long arg)
{
	struct kvm_create_guest_memfd c;
	struct sim_gmem *g;
	uint64_t allowed = 0;
	int fd, r;

	if (sim_copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (vm->kernel >= SIM_K618)
		allowed = vm_is_td(vm) ? GUEST_MEMFD_FLAG_MMAP
				       : GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
	if (c.flags & ~allowed)
		return -EINVAL;
	if ((int64_t)c.size <= 0 || !PAGE_ALIGNED(c.size))
		return -EINVAL;

	/* The kernel installs guest_memfd fds without O_CLOEXEC. */
	fd = memfd_create("tdxsim-gmem", 0);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)c.size) < 0) {
		r = -errno;
		real_close(fd);
		return r == -EFBIG ? -EINVAL : r;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		real_close(fd);
		return -ENOMEM;
	}
	g->vm = vm;
	g->fd = fd;
	g->size = c.size;
	g->flags = c.flags;
	r = fdt_set(fd, SK_GMEM, g);
	if (r < 0) {
		free(g);
		real_close(fd);
		return r;
	}
	vm_get(vm);
	return fd;
}

int gmem_populate(struct sim_gmem *g, uint64_t pg0, uint64_t pg1)
{
	static const unsigned char zero[16 * SIM_PAGE_SIZE];
	uint64_t off = pg0 * SIM_PAGE_SIZE, end = pg1 * SIM_PAGE_SIZE;

	if (pg1 > g->size / SIM_PAGE_SIZE)
		pg1 = g->size / SIM_PAGE_SIZE;
	if (pg0 >= pg1)
		return 0;
	end = pg1 * SIM_PAGE_SIZE;
	/* Written, not fallocated: tmpfs reports unwritten fallocated pages as
	 * holes.  The host never sees private contents, so zeros. */
	while (off < end) {
		size_t n = end - off < sizeof(zero) ? (size_t)(end - off) : sizeof(zero);
		ssize_t w = pwrite(g->fd, zero, n, (off_t)off);

		if (w <= 0)
			return w < 0 && errno != ENOSPC ? -errno : -ENOMEM;
		off += (uint64_t)w;
	}
	return rmap_set(&g->populated, pg0, pg1, 1);
}

static void gmem_zap_bound(struct sim_gmem *g, uint64_t off, uint64_t end);

/* vfs_fallocate() (fs/open.c), then kvm_gmem_fallocate() (guest_memfd.c) */
int gmem_fallocate(struct sim_gmem *g, int mode, uint64_t off, uint64_t len)
{
	if ((int64_t)off < 0 || (int64_t)len <= 0)
		return -EINVAL; /* vfs_fallocate */
	if (!(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	if ((int64_t)(off + len) < 0)
		return -EFBIG; /* vfs_fallocate: wraparound */
	if (!PAGE_ALIGNED(off) || !PAGE_ALIGNED(len))
		return -EINVAL;
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		uint64_t end = off + len > g->size ? g->size : off + len;

		if (off >= end)
			return 0;
		/* kvm_gmem_punch_hole() frees the pages: punch the backing
		 * memfd too, and forget that they were populated. */
		if (real_fallocate(g->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				   (off_t)off, (off_t)(end - off)) < 0)
			return -errno;
		gmem_zap_bound(g, off, end);
		return rmap_set(&g->populated, off / SIM_PAGE_SIZE, end / SIM_PAGE_SIZE, 0);
	}
	if (off + len > g->size)
		return -EINVAL;
	/* kvm_gmem_allocate(): pages allocated, not prepared (not populated). */
	if (real_fallocate(g->fd, FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) < 0)
		return errno == ENOSPC ? -ENOMEM : -errno;
	return 0;
}

/* ---- S-EPT ------------------------------------------------------------------ */
void sept_zap(struct sim_vm *vm, uint64_t gfn0, uint64_t gfn1)
{
	if (gfn0 < gfn1)
		rmap_set(&vm->sept, gfn0, gfn1, SEPT_NONE);
}

/* kvm_gmem_punch_hole() → kvm_gmem_invalidate_start(): the private mappings
 * of every memslot bound to [off, end) of g go. */
static void gmem_zap_bound(struct sim_gmem *g, uint64_t off, uint64_t end)
{
	struct sim_vm *vm = g->vm;

	for (size_t i = 0; vm && i < vm->nslots; i++) {
		struct sim_memslot *s = &vm->slots[i];
		uint64_t lo = off > s->gmem_off ? off : s->gmem_off;
		uint64_t hi = end < s->gmem_off + s->size ? end : s->gmem_off + s->size;

		if (s->gmem != g || lo >= hi)
			continue;
		sept_zap(vm, (s->gpa + (lo - s->gmem_off)) / SIM_PAGE_SIZE,
			 (s->gpa + (hi - s->gmem_off)) / SIM_PAGE_SIZE);
	}
}

/* ---- memslots ------------------------------------------------------------- */
struct sim_memslot *mem_find_slot(struct sim_vm *vm, uint64_t gfn)
{
	for (size_t i = 0; i < vm->nslots; i++) {
		struct sim_memslot *s = &vm->slots[i];
		uint64_t base = s->gpa / SIM_PAGE_SIZE;

		if (gfn >= base && gfn < base + s->size / SIM_PAGE_SIZE)
			return s;
	}
	return NULL;
}

static struct sim_memslot *slot_by_id(struct sim_vm *vm, uint32_t id)
{
	for (size_t i = 0; i < vm->nslots; i++)
		if (vm->slots[i].id == id)
			return &vm->slots[i];
	return NULL;
}

static void slot_unbind(struct sim_memslot *s)
{
	if (s->gmem)
		rmap_set(&s->gmem->bound, s->gmem_off / SIM_PAGE_SIZE,
			 (s->gmem_off + s->size) / SIM_PAGE_SIZE, 0);
	s->gmem = NULL;
}

void mem_free_slots(struct sim_vm *vm)
{
	for (size_t i = 0; i < vm->nslots; i++)
		slot_unbind(&vm->slots[i]);
	free(vm->slots);
	vm->slots = NULL;
	vm->nslots = vm->slots_cap = 0;
}

/* kvm_set_memory_region() (kvm_main.c): check_memory_region_flags(), the
 * general sanity checks, kvm_gmem_bind(), kvm_arch_prepare_memory_region(). */
long mem_set_region(struct sim_vm *vm, const struct kvm_userspace_memory_region2 *m)
{
	uint32_t valid = KVM_MEM_LOG_DIRTY_PAGES;
	uint16_t as_id = (uint16_t)(m->slot >> 16), id = (uint16_t)m->slot;
	unsigned nr_as = vm_is_td(vm) ? 1 : 2;
	struct sim_memslot *old, ns;
	struct sim_obj *go;
	uint64_t npages, base_gfn;

	/* check_memory_region_flags */
	/* GUEST_MEMFD is incompatible with READONLY (and TDs have no RO memory) */
	if (!vm_is_td(vm) && !(m->flags & KVM_MEM_GUEST_MEMFD))
		valid |= KVM_MEM_READONLY;
	if (vm_is_td(vm) || vm->kernel >= SIM_K618)
		valid |= KVM_MEM_GUEST_MEMFD;
	if (m->flags & KVM_MEM_GUEST_MEMFD)
		valid &= ~KVM_MEM_LOG_DIRTY_PAGES;
	if (m->flags & ~valid)
		return -EINVAL;
	/* general sanity */
	if (!PAGE_ALIGNED(m->memory_size) || !PAGE_ALIGNED(m->guest_phys_addr))
		return -EINVAL;
	if (!PAGE_ALIGNED(m->userspace_addr) ||
	    m->userspace_addr + m->memory_size < m->userspace_addr ||
	    m->userspace_addr + m->memory_size > SIM_TASK_SIZE)
		return -EINVAL;
	if ((m->flags & KVM_MEM_GUEST_MEMFD) &&
	    (!PAGE_ALIGNED(m->guest_memfd_offset) ||
	     m->guest_memfd_offset + m->memory_size < m->guest_memfd_offset))
		return -EINVAL;
	if (as_id >= nr_as || id >= SIM_USER_MEM_SLOTS)
		return -EINVAL;
	if (m->guest_phys_addr + m->memory_size < m->guest_phys_addr)
		return -EINVAL;
	if (m->memory_size / SIM_PAGE_SIZE > SIM_MEM_MAX_NR_PAGES)
		return -EINVAL;
	if (as_id != 0)
		return 0; /* SMM address space of a normal VM: accepted, not modelled */

	old = slot_by_id(vm, id);
	if (!m->memory_size) {
		if (!old)
			return -EINVAL;
		/* kvm_arch_flush_shadow_memslot(): the slot's mappings go */
		sept_zap(vm, old->gpa / SIM_PAGE_SIZE, (old->gpa + old->size) / SIM_PAGE_SIZE);
		slot_unbind(old);
		*old = vm->slots[--vm->nslots];
		return 0;
	}
	npages = m->memory_size / SIM_PAGE_SIZE;
	base_gfn = m->guest_phys_addr / SIM_PAGE_SIZE;
	if (old) {
		/* guest_memfd slots are immutable: they can only be deleted */
		if ((m->flags & KVM_MEM_GUEST_MEMFD) || (old->flags & KVM_MEM_GUEST_MEMFD))
			return -EINVAL;
		if (m->userspace_addr != old->uaddr || m->memory_size != old->size ||
		    ((m->flags ^ old->flags) & KVM_MEM_READONLY))
			return -EINVAL;
		if (base_gfn == old->gpa / SIM_PAGE_SIZE && m->flags == old->flags)
			return 0;
	}
	/* overlap (create or move) */
	if (!old || base_gfn != old->gpa / SIM_PAGE_SIZE) {
		for (size_t i = 0; i < vm->nslots; i++) {
			struct sim_memslot *s = &vm->slots[i];
			uint64_t sb = s->gpa / SIM_PAGE_SIZE, se = sb + s->size / SIM_PAGE_SIZE;

			if (s == old)
				continue;
			if (base_gfn < se && sb < base_gfn + npages)
				return -EEXIST;
		}
	}
	memset(&ns, 0, sizeof(ns));
	ns.id = id;
	ns.flags = m->flags;
	ns.gpa = m->guest_phys_addr;
	ns.size = m->memory_size;
	ns.uaddr = m->userspace_addr;
	if (m->flags & KVM_MEM_GUEST_MEMFD) {
		int gfd = (int)m->guest_memfd;

		if (gfd < 0 || fcntl(gfd, F_GETFD) < 0)
			return -EBADF;
		go = fdt_get(gfd);
		if (!go || go->kind != SK_GMEM || go->gmem->vm != vm)
			return -EINVAL;
		if (m->guest_memfd_offset + m->memory_size > go->gmem->size)
			return -EINVAL;
		/* kvm_gmem_bind(): a range already bound to a memslot */
		if (rmap_any(&go->gmem->bound, m->guest_memfd_offset / SIM_PAGE_SIZE,
			     (m->guest_memfd_offset + m->memory_size) / SIM_PAGE_SIZE))
			return -EEXIST;
		ns.gmem = go->gmem;
		ns.gmem_off = m->guest_memfd_offset;
	}
	/* kvm_arch_prepare_memory_region: max GFN and shared-bit alias */
	if (base_gfn + npages > (1ULL << (SIM_MAX_PHYS_BITS - 12)))
		return -EINVAL;
	if (vm->shared_bit &&
	    ((m->guest_phys_addr + m->memory_size - 1) & vm->shared_bit))
		return -EINVAL;

	if (ns.gmem && rmap_set(&ns.gmem->bound, ns.gmem_off / SIM_PAGE_SIZE,
				(ns.gmem_off + ns.size) / SIM_PAGE_SIZE, 1) < 0)
		return -ENOMEM;
	if (old) {
		old->gpa = ns.gpa;
		old->flags = ns.flags;
		return 0;
	}
	if (vm->nslots == vm->slots_cap) {
		size_t nc = vm->slots_cap ? vm->slots_cap * 2 : 8;
		struct sim_memslot *n = realloc(vm->slots, nc * sizeof(*n));

		if (!n) {
			slot_unbind(&ns);
			return -ENOMEM;
		}
		vm->slots = n;
		vm->slots_cap = nc;
	}
	vm->slots[vm->nslots++] = ns;
	return 0;
}

/* ---- attributes ------------------------------------------------------------- */
/* kvm_vm_ioctl_set_mem_attributes() (kvm_main.c) */
long mem_set_attributes(struct sim_vm *vm, unsigned long arg)
{
	struct kvm_memory_attributes a;
	/* kvm_supported_mem_attributes(): PRIVATE with private memory, else
	 * nothing. The ioctl itself exists for every VM type: a TDX host
	 * selects KVM_GENERIC_MEMORY_ATTRIBUTES (arch/x86/kvm/Kconfig), so a
	 * plain VM gets EINVAL for PRIVATE and 0 for attributes 0, never
	 * ENOTTY (kvm_vm_ioctl()). */
	uint64_t supported = vm_is_td(vm) ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;

	if (sim_copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return -EINVAL;
	if (a.attributes & ~supported)
		return -EINVAL;
	if (a.size == 0 || a.address + a.size < a.address)
		return -EINVAL;
	if (!PAGE_ALIGNED(a.address) || !PAGE_ALIGNED(a.size))
		return -EINVAL;
	/* kvm_vm_set_mem_attributes() → kvm_arch_pre_set_memory_attributes():
	 * the range's mappings of the other kind are zapped; for to-shared
	 * that removes private pages from the S-EPT (tdx_sept_remove_leaf_spte()),
	 * before FINALIZE too, so INIT_MEM_REGION may add them again. */
	if (!(a.attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE))
		sept_zap(vm, a.address / SIM_PAGE_SIZE, (a.address + a.size) / SIM_PAGE_SIZE);
	return rmap_set(&vm->attrs, a.address / SIM_PAGE_SIZE,
			(a.address + a.size) / SIM_PAGE_SIZE, a.attributes);
}

/* ---- KVM_PRE_FAULT_MEMORY --------------------------------------------------- */
/* kvm_vcpu_pre_fault_memory() (kvm_main.c), kvm_arch_vcpu_pre_fault_memory() (mmu.c) */
long mem_pre_fault(struct sim_vcpu *vcpu, unsigned long arg)
{
	struct sim_vm *vm = vcpu->vm;
	struct kvm_pre_fault_memory r;
	uint64_t full;
	long ret = 0;

	if (sim_copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	/* The ioctl writes the range back whatever the result. */
	if (r.flags ||
	    !PAGE_ALIGNED(r.gpa) || !PAGE_ALIGNED(r.size) || r.gpa + r.size <= r.gpa)
		return sim_copy_to_user(arg, &r, sizeof(r)) ? -EFAULT : -EINVAL;
	full = r.size;
	while (r.size) {
		struct sim_memslot *s;
		uint64_t gfn = r.gpa / SIM_PAGE_SIZE, run_end, slot_end, end, attrs;

		if (!vm->pre_fault_allowed) {
			ret = -EOPNOTSUPP;
			break;
		}
		if (vm->shared_bit && (r.gpa & vm->shared_bit)) {
			ret = -EINVAL;
			break;
		}
		s = mem_find_slot(vm, gfn);
		if (!s) {
			ret = -ENOENT;
			break;
		}
		attrs = rmap_get_run(&vm->attrs, gfn, &run_end);
		if ((attrs & KVM_MEMORY_ATTRIBUTE_PRIVATE) &&
		    (!(s->flags & KVM_MEM_GUEST_MEMFD) || !s->gmem)) {
			ret = -EFAULT;
			break;
		}
		slot_end = (s->gpa + s->size) / SIM_PAGE_SIZE;
		end = run_end < slot_end ? run_end : slot_end;
		if ((end - gfn) * SIM_PAGE_SIZE > r.size)
			end = gfn + r.size / SIM_PAGE_SIZE;
		if (attrs & KVM_MEMORY_ATTRIBUTE_PRIVATE) {
			/* A private fault allocates (and prepares) the
			 * guest_memfd pages. */
			uint64_t pg0 = s->gmem_off / SIM_PAGE_SIZE + (gfn - s->gpa / SIM_PAGE_SIZE);
			int e = gmem_populate(s->gmem, pg0, pg0 + (end - gfn));

			if (e < 0) {
				ret = e;
				break;
			}
			/* TDH.MEM.PAGE.AUG: mapped, PENDING until the guest
			 * accepts (pages already mapped stay as they are). */
			for (uint64_t x = gfn; x < end;) {
				uint64_t re, st = rmap_get_run(&vm->sept, x, &re);

				re = re < end ? re : end;
				if (st == SEPT_NONE && rmap_set(&vm->sept, x, re, SEPT_PENDING) < 0) {
					ret = -ENOMEM;
					break;
				}
				x = re;
			}
			if (ret)
				break;
		}
		r.size -= (end - gfn) * SIM_PAGE_SIZE;
		r.gpa = end * SIM_PAGE_SIZE;
	}
	if (sim_copy_to_user(arg, &r, sizeof(r)))
		return -EFAULT;
	return full == r.size ? ret : 0;
}
