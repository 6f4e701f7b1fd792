/* SPDX-License-Identifier: MIT */
/* VM fd ioctls (kvm_vm_ioctl() in virt/kvm/kvm_main.c,
 * kvm_arch_vm_ioctl() in arch/x86/kvm/x86.c, tdx_vm_ioctl() in vmx/tdx.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm-x86.h"

static bool is_td(const struct sim_vm *vm)
{
	return vm->type == KVM_X86_TDX_VM;
}

static long create_irqchip(struct sim_vm *vm)
{
	/* kvm_arch_vm_ioctl(KVM_CREATE_IRQCHIP): -EEXIST before the
	 * has_protected_eoi refusal */
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
	r = (int)sim_vcpu_precreate_id(vm, id);
	if (r < 0)
		return r;
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
	v->tsc_khz = vm->tsc_khz;	/* kvm_arch_vcpu_create(): kvm_set_tsc_khz(default_tsc_khz) */
	/* kvm_arch_vcpu_create(): BSP (kvm_vcpu_is_reset_bsp(), id 0) or no
	 * in-kernel irqchip → RUNNABLE; an AP with an irqchip waits for INIT. */
	v->mp_state = (!vm->irqchip || id == sim_bsp_vcpu_id(vm)) ? KVM_MP_STATE_RUNNABLE
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
		return vm_enable_cap(vm, arg);
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
	case KVM_MEMORY_ENCRYPT_REG_REGION:
	case KVM_MEMORY_ENCRYPT_UNREG_REGION: {
		/* kvm_arch_vm_ioctl(): the region is copied first (EFAULT);
		 * VMX/TDX has no mem_enc_(un)register_region: ENOTTY. */
		struct kvm_enc_region reg;

		if (sim_copy_from_user(&reg, arg, sizeof(reg)))
			return -EFAULT;
		return -ENOTTY;
	}
	default: {
		long r = vm_x86_ioctl(vm, req, arg);

		if (r != SIM_NOT_MINE)
			return r;
		trace_unmodelled();
		return -ENOTTY; /* kvm_arch_vm_ioctl default */
	}
	}
}
