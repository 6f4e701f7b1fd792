/* SPDX-License-Identifier: MIT */
/* /dev/kvm ioctls and KVM_CHECK_EXTENSION (kvm_dev_ioctl() in virt/kvm/kvm_main.c,
 * kvm_arch_dev_ioctl() and kvm_vm_ioctl_check_extension() in arch/x86/kvm/x86.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm-x86.h"

void vm_track(struct sim_vm *vm);

#define VM_TYPES ((1UL << KVM_X86_DEFAULT_VM) | (1UL << KVM_X86_TDX_VM))

static long get_supported_cpuid(unsigned long arg)
{
	struct kvm_cpuid_entry2 *ents;
	struct kvm_cpuid2 hdr;
	unsigned n, cap;
	long r = 0;

	if (sim_copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < 1)
		return -E2BIG;
	cap = hdr.nent > SIM_MAX_CPUID ? SIM_MAX_CPUID : hdr.nent;
	ents = calloc(SIM_MAX_CPUID, sizeof(*ents));
	if (!ents)
		return -ENOMEM;
	/* kvm_dev_ioctl_get_cpuid(): the preset CPU through __do_cpuid_func()
	 * (cpu-model.c); the 0xD XCR0 follows the process's guest XSTATE
	 * permission (kvm_get_filtered_xcr0()). */
	r = kvm_supported_cpuid(G.caps, xperm_guest(), ents, cap);
	if (r < 0) {
		/* nent is not updated */
	} else {
		n = (unsigned)r;
		r = 0;
		hdr.nent = n;
		if (sim_copy_to_user(arg + sizeof(hdr), ents, n * sizeof(*ents)) ||
		    sim_copy_to_user(arg, &hdr, sizeof(hdr)))
			r = -EFAULT;
	}
	free(ents);
	return r;
}

long vm_create(unsigned long type)
{
	struct sim_vm *vm;
	int fd, r;

	if (type >= 32 || !(VM_TYPES & (1UL << type)))
		return -EINVAL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->caps = malloc(sizeof(*vm->caps));
	if (!vm->caps) {
		free(vm);
		return -ENOMEM;
	}
	memcpy(vm->caps, G.caps, sizeof(*vm->caps));
	if (G.no_5level)
		vm->caps->has_5level_ept = false;
	vm->kernel = G.kernel;
	if (vm->kernel < SIM_K618)
		vm->caps->supported_xfam &= ~0x1800ULL; /* no CET in XSS before 6.18 */
	vm->type = type;
	vm->creator = getpid();
	vm->serial = ++G.vm_serial;
	vm->tsc_khz = SIM_HOST_TSC_KHZ;
	vm->apic_bus_ns = 1;	/* kvm_arch_init_vm(): APIC_BUS_CYCLE_NS_DEFAULT */
	vm->max_vcpus = SIM_KVM_MAX_VCPUS;
	if (type == KVM_X86_TDX_VM) {
		vm->td_state = TD_UNINIT;
		vm->guest = gscript_get(G.guest);
		if (vm->caps->present_cpus < vm->max_vcpus)
			vm->max_vcpus = vm->caps->present_cpus;
		vm->pre_fault_allowed = false;
	} else {
		vm->pre_fault_allowed = true;
	}
	fd = memfd_create("tdxsim-vm", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		gscript_put(vm->guest);
		free(vm->caps);
		free(vm);
		return r;
	}
	r = fdt_set(fd, SK_VM, vm);
	if (r < 0) {
		real_close(fd);
		gscript_put(vm->guest);
		free(vm->caps);
		free(vm);
		return r;
	}
	vm->fd = fd;
	vm->fd_open = true;
	vm->refs = 1;
	vm_track(vm);
	return fd;
}

long dev_ioctl(unsigned long req, unsigned long arg, const char **name)
{
	switch (req) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : SIM_KVM_API_VERSION;
	case KVM_CHECK_EXTENSION:
		return check_extension(NULL, (long)arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : SIM_VCPU_MMAP_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return get_supported_cpuid(arg);
	case KVM_CREATE_VM:
		return vm_create(arg);
	default: {
		long r = dev_x86_ioctl(req, arg);

		if (r != SIM_NOT_MINE)
			return r;
		trace_unmodelled();
		return -EINVAL; /* kvm_arch_dev_ioctl default */
	}
	}
}
