/* SPDX-License-Identifier: MIT */
/* vCPU fd ioctls (kvm-tdx-uapi.md §6.6, §4.3). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

static bool is_td(const struct sim_vcpu *v)
{
	return v->vm->type == KVM_X86_TDX_VM;
}

static long set_cpuid2(struct sim_vcpu *v, unsigned long arg)
{
	struct kvm_cpuid2 hdr;

	if (sim_copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > SIM_MAX_CPUID)
		return -E2BIG;
	if (sim_copy_from_user(v->cpuid, arg + sizeof(hdr),
			       hdr.nent * sizeof(v->cpuid[0])))
		return -EFAULT;
	v->cpuid_nent = hdr.nent;
	return 0;
}

static long get_cpuid2(struct sim_vcpu *v, unsigned long arg)
{
	struct kvm_cpuid2 hdr;

	if (sim_copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < v->cpuid_nent)
		return -E2BIG;
	hdr.nent = v->cpuid_nent;
	if (sim_copy_to_user(arg + sizeof(hdr), v->cpuid,
			     v->cpuid_nent * sizeof(v->cpuid[0])) ||
	    sim_copy_to_user(arg, &hdr, sizeof(hdr)))
		return -EFAULT;
	return 0;
}

static long run(struct sim_vcpu *v)
{
	struct kvm_run *r = v->run;

	if (is_td(v) && (r->kvm_valid_regs || r->kvm_dirty_regs))
		return -EINVAL;
	if (is_td(v) && (!v->initialized || v->vm->td_state != TD_RUNNABLE))
		return -EINVAL;
	/* A TD runs its guest script (run.c): completion of the last exit,
	 * then immediate_exit, then the next events. */
	if (is_td(v))
		return guest_run(v);
	if (r->immediate_exit) {
		r->exit_reason = KVM_EXIT_INTR;
		return -EINTR;
	}
	/* No guest code runs for a plain VM: it stops at once. */
	r->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

/* KVM_SET_SIGNAL_MASK: the mask applies while KVM_RUN waits (hlt, sleep). */
static long set_signal_mask(struct sim_vcpu *v, unsigned long arg)
{
	struct kvm_signal_mask h;
	unsigned char bits[8];

	if (!arg) {
		v->sigmask_set = false;
		return 0;
	}
	if (sim_copy_from_user(&h, arg, sizeof(h)))
		return -EFAULT;
	if (h.len != sizeof(bits))
		return -EINVAL;
	if (sim_copy_from_user(bits, arg + sizeof(h), sizeof(bits)))
		return -EFAULT;
	sigemptyset(&v->sigmask);
	memcpy(&v->sigmask, bits, sizeof(bits));
	v->sigmask_set = true;
	return 0;
}

static long msrs(unsigned long arg)
{
	struct kvm_msrs h;

	if (sim_copy_from_user(&h, arg, sizeof(h)))
		return -EFAULT;
	if (h.nmsrs >= 256)
		return -E2BIG;
	return h.nmsrs;
}

long vcpu_ioctl(struct sim_vcpu *v, unsigned long req, unsigned long arg,
		const char **name)
{
	struct sim_vm *vm = v->vm;

	if (vm->creator != getpid() || vm->dead)
		return -EIO;
	if (_IOC_TYPE(req) != KVMIO)
		return -EINVAL;

	switch (req) {
	case KVM_RUN:
		/* kvm_vcpu_ioctl(): KVM_RUN takes no argument. */
		if (arg)
			return -EINVAL;
		return run(v);
	case KVM_SET_CPUID2:
		return set_cpuid2(v, arg);
	case KVM_GET_CPUID2:
		return get_cpuid2(v, arg);
	case KVM_MEMORY_ENCRYPT_OP:
		if (!is_td(v))
			return -EINVAL;
		return tdx_vcpu_op(v, arg);
	case KVM_PRE_FAULT_MEMORY:
		return mem_pre_fault(v, arg);
	case KVM_GET_TSC_KHZ:
		return vm->tsc_khz;
	case KVM_SET_TSC_KHZ:
		return is_td(v) ? -EINVAL : 0;
	case KVM_SMI:
		return is_td(v) ? -ENOTTY : 0;
	case KVM_GET_MP_STATE: {
		uint32_t st = (!is_td(v) || v->initialized) ? KVM_MP_STATE_RUNNABLE
							    : KVM_MP_STATE_UNINITIALIZED;

		return sim_copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
	}
	case KVM_SET_MP_STATE:
		return 0;
	case KVM_SET_SIGNAL_MASK:
		return set_signal_mask(v, arg);
	case KVM_GET_MSRS:
	case KVM_SET_MSRS:
		return msrs(arg);
	case KVM_GET_REGS: case KVM_SET_REGS: case KVM_GET_SREGS: case KVM_SET_SREGS:
	case KVM_GET_FPU: case KVM_SET_FPU: case KVM_GET_XSAVE: case KVM_SET_XSAVE:
	case KVM_GET_XSAVE2: case KVM_GET_LAPIC: case KVM_SET_LAPIC:
	case KVM_GET_DEBUGREGS: case KVM_SET_DEBUGREGS: case KVM_GET_XCRS:
	case KVM_SET_XCRS: case KVM_SET_GUEST_DEBUG:
		/* on a TD: the state is protected (guest_state_protected in
		 * arch/x86/kvm/x86.c); on a plain VM the model is minimal. */
		if (!is_td(v))
			trace_unmodelled();
		return -EINVAL;
	default:
		/* anything else: kvm_arch_vcpu_ioctl default, or a call the
		 * simulator does not know (marked in the trace). */
		trace_unmodelled();
		return -EINVAL;
	}
}
