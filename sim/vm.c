/* SPDX-License-Identifier: MIT */
/* VM fd ioctls (kvm-tdx-uapi.md §6.2). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim.h"

long check_extension(struct sim_vm *vm, long cap);

static bool is_td(const struct sim_vm *vm)
{
	return vm->type == KVM_X86_TDX_VM;
}

static long enable_cap(struct sim_vm *vm, unsigned long arg)
{
	struct kvm_enable_cap c;

	if (sim_copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.flags)
		return -EINVAL;
	switch (c.cap) {
	case KVM_CAP_SPLIT_IRQCHIP:
		if (c.args[0] > SIM_MAX_IOAPIC_PINS)
			return -EINVAL;
		if (vm->irqchip || vm->created_vcpus)
			return -EEXIST;
		vm->irqchip = 1;
		return 0;
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS: {
		uint64_t unused;

		/* x86.c: guard tmict_to_ns() against overflow, i.e. reject
		 * U32_MAX * 128 * ns >= 2^64 (ns > 0x2000000). */
		if (c.args[0] == 0 ||
		    __builtin_mul_overflow((uint64_t)UINT32_MAX * 128, c.args[0], &unused))
			return -EINVAL;
		if (!vm->irqchip)
			return -ENXIO;
		if (vm->created_vcpus)
			return -EINVAL;
		vm->apic_bus_ns = (uint32_t)c.args[0];
		return 0;
	}
	case KVM_CAP_EXIT_HYPERCALL:
		if (c.args[0] & ~(1ULL << KVM_HC_MAP_GPA_RANGE))
			return -EINVAL;
		vm->hypercall_mask = c.args[0];
		return 0;
	case KVM_CAP_X2APIC_API: {
		uint64_t valid = vm->kernel >= SIM_K700 ? 0xf : 0x3;

		if (c.args[0] & ~valid)
			return -EINVAL;
		if ((c.args[0] & 0xc) == 0xc)
			return -EINVAL;
		vm->x2apic_api = c.args[0];
		return 0;
	}
	default:
		trace_unmodelled();
		return -EINVAL;
	}
}

/* kvm_arch_vm_ioctl(KVM_CREATE_IRQCHIP): an irqchip already there (a TD's
 * split irqchip too) is EEXIST first; then a TD (has_protected_eoi, 6.18+)
 * ENOTTY; then vCPUs already created EINVAL. */
static long create_irqchip(struct sim_vm *vm)
{
	if (vm->irqchip)
		return -EEXIST;
	if (is_td(vm) && vm->kernel >= SIM_K618)
		return -ENOTTY;
	if (vm->created_vcpus)
		return -EINVAL;
	vm->irqchip = 2;
	return 0;
}

static long create_vcpu(struct sim_vm *vm, unsigned long id)
{
	struct sim_vcpu *v, **nv;
	int fd, r;

	if (id >= SIM_KVM_MAX_VCPU_IDS)
		return -EINVAL;
	if (vm->created_vcpus >= vm->max_vcpus)
		return -EINVAL;
	if (is_td(vm)) {
		if (vm->td_state != TD_INIT)
			return -EIO;
		if (vm->irqchip != 1)
			return -EINVAL;
	}
	for (size_t i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i]->id == id)
			return -EEXIST;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	fd = memfd_create("tdxsim-vcpu", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto err;
	}
	if (ftruncate(fd, SIM_VCPU_MMAP_SIZE) < 0) {
		r = -errno;
		goto err_fd;
	}
	v->run = mmap(NULL, SIM_VCPU_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		r = -errno;
		goto err_fd;
	}
	nv = realloc(vm->vcpus, (vm->nvcpus + 1) * sizeof(*nv));
	if (!nv) {
		r = -ENOMEM;
		goto err_map;
	}
	vm->vcpus = nv;
	r = fdt_set(fd, SK_VCPU, v);
	if (r < 0)
		goto err_map;
	vm->vcpus[vm->nvcpus++] = v;
	v->vm = vm;
	v->fd = fd;
	v->id = (uint32_t)id;
	/* kvm_arch_vcpu_create(): BSP (kvm_vcpu_is_reset_bsp(), id 0) or no
	 * in-kernel irqchip → RUNNABLE; an AP with an irqchip waits for INIT. */
	v->mp_state = (!vm->irqchip || id == 0) ? KVM_MP_STATE_RUNNABLE
						: KVM_MP_STATE_UNINITIALIZED;
	vm->created_vcpus++;
	xperm_lock_guest();	/* fpu_alloc_guest_fpstate() locks the guest XSTATE perm */
	vm_get(vm);
	return fd;
err_map:
	munmap(v->run, SIM_VCPU_MMAP_SIZE);
err_fd:
	real_close(fd);
err:
	free(v);
	return r;
}

long vm_ioctl(struct sim_vm *vm, unsigned long req, unsigned long arg,
	      const char **name)
{
	if (vm->creator != getpid() || vm->dead)
		return -EIO;

	switch (req) {
	case KVM_CHECK_EXTENSION:
		return check_extension(vm, (long)arg);
	case KVM_CREATE_VCPU:
		return create_vcpu(vm, arg);
	case KVM_ENABLE_CAP:
		return enable_cap(vm, arg);
	case KVM_CREATE_IRQCHIP:
		return create_irqchip(vm);
	case KVM_SET_TSC_KHZ: {
		uint32_t khz = (uint32_t)arg;

		if (khz >= SIM_MAX_GUEST_TSC_KHZ)
			return -EINVAL;
		if (khz == 0)
			khz = SIM_HOST_TSC_KHZ;
		if (vm->created_vcpus)
			return -EINVAL;
		vm->tsc_khz = khz;
		return 0;
	}
	case KVM_GET_TSC_KHZ:
		return vm->tsc_khz;
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region2 m;

		memset(&m, 0, sizeof(m));
		if (sim_copy_from_user(&m, arg, sizeof(struct kvm_userspace_memory_region)))
			return -EFAULT;
		if (m.flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
			return -EINVAL;
		return mem_set_region(vm, &m);
	}
	case KVM_SET_USER_MEMORY_REGION2: {
		struct kvm_userspace_memory_region2 m;

		if (sim_copy_from_user(&m, arg, sizeof(m)))
			return -EFAULT;
		return mem_set_region(vm, &m);
	}
	case KVM_SET_MEMORY_ATTRIBUTES:
		return mem_set_attributes(vm, arg);
	case KVM_CREATE_GUEST_MEMFD:
		return mem_create_gmem(vm, arg);
	case KVM_MEMORY_ENCRYPT_OP:
		if (!is_td(vm))
			return -ENOTTY;
		return tdx_vm_op(vm, arg);
	case KVM_IRQFD:
	case KVM_IOEVENTFD:
	case KVM_SET_GSI_ROUTING:
	case KVM_SET_TSS_ADDR:
	case KVM_SET_IDENTITY_MAP_ADDR:
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO:
		trace_unmodelled();
		return 0; /* accepted, not modelled */
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
		return vm->irqchip ? 0 : -ENXIO;
	case KVM_SIGNAL_MSI:
		return vm->irqchip ? 1 : -ENXIO;
	default:
		trace_unmodelled();
		return -ENOTTY; /* kvm_arch_vm_ioctl default */
	}
}
