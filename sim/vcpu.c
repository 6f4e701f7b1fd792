/* SPDX-License-Identifier: MIT */
/* vCPU fd ioctls (kvm_vcpu_ioctl() in virt/kvm/kvm_main.c,
 * kvm_arch_vcpu_ioctl() in arch/x86/kvm/x86.c, tdx_vcpu_ioctl() in vmx/tdx.c). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kvm-x86.h"

static bool is_td(const struct sim_vcpu *v)
{
	return v->vm->type == KVM_X86_TDX_VM;
}

#define SYNC_X86_VALID_FIELDS	(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)

/* kvm_arch_vcpu_ioctl_run(), in its order: an UNINITIALIZED vCPU (an AP
 * before INIT) blocks; then the sync-regs fields (none for a TD: protected
 * state, kvm_sync_valid_fields()); then, for a TD, guest_run() does the
 * pending completion, immediate_exit and tdx_vcpu_pre_run().  EINTR from
 * immediate_exit leaves exit_reason as it was. */
static long run(struct sim_vcpu *v)
{
	struct kvm_run *r = v->run;
	uint64_t valid = is_td(v) ? 0 : SYNC_X86_VALID_FIELDS;

	if (v->mp_state == KVM_MP_STATE_UNINITIALIZED)
		return vcpu_run_uninitialized(v);
	if ((r->kvm_valid_regs & ~valid) || (r->kvm_dirty_regs & ~valid))
		return -EINVAL;
	if (is_td(v))
		return guest_run(v);
	if (r->immediate_exit)
		return -EINTR;
	/* No guest code runs for a plain VM: it stops at once. */
	v->ran = true;
	r->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

/* kvm_arch_vcpu_ioctl_set_mpstate(): the states other than RUNNABLE need the
 * local APIC in the kernel; SIPI_RECEIVED is stored as INIT_RECEIVED. */
static long set_mp_state(struct sim_vcpu *v, unsigned long arg)
{
	uint32_t st;

	if (sim_copy_from_user(&st, arg, sizeof(st)))
		return -EFAULT;
	switch (st) {
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_HALTED:
	case KVM_MP_STATE_AP_RESET_HOLD:
	case KVM_MP_STATE_INIT_RECEIVED:
	case KVM_MP_STATE_SIPI_RECEIVED:
		if (!v->vm->irqchip)
			return -EINVAL;
		break;
	case KVM_MP_STATE_RUNNABLE:
		break;
	default:
		return -EINVAL;
	}
	v->mp_state = st == KVM_MP_STATE_SIPI_RECEIVED ? KVM_MP_STATE_INIT_RECEIVED : st;
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
		return vcpu_set_cpuid2(v, arg);
	case KVM_SET_CPUID:
		return vcpu_set_cpuid(v, arg);
	case KVM_GET_CPUID2:
		return vcpu_get_cpuid2(v, arg);
	case KVM_MEMORY_ENCRYPT_OP:
		if (!is_td(v))
			return -EINVAL;
		return tdx_vcpu_op(v, arg);
	case KVM_PRE_FAULT_MEMORY:
		return mem_pre_fault(v, arg);
	case KVM_GET_TSC_KHZ:
		return v->tsc_khz;
	case KVM_SET_TSC_KHZ: {
		/* kvm_arch_vcpu_ioctl(KVM_SET_TSC_KHZ): guest_tsc_protected (a
		 * TD) first, then the max_guest_tsc_khz bound (VMX has TSC
		 * scaling), 0 = the host's rate; kvm_set_tsc_khz() sets the
		 * vCPU's virtual_tsc_khz that KVM_GET_TSC_KHZ reports. */
		uint32_t khz = (uint32_t)arg;

		if (is_td(v) || khz >= SIM_MAX_GUEST_TSC_KHZ)
			return -EINVAL;
		v->tsc_khz = khz ? khz : SIM_HOST_TSC_KHZ;
		return 0;
	}
	case KVM_SMI:
		return is_td(v) ? -ENOTTY : 0;
	case KVM_GET_MP_STATE:
		return sim_copy_to_user(arg, &v->mp_state, sizeof(v->mp_state)) ? -EFAULT : 0;
	case KVM_SET_MP_STATE:
		return set_mp_state(v, arg);
	case KVM_NMI:
		/* kvm_vcpu_ioctl_nmi() → kvm_inject_nmi(): queued until the
		 * next guest entry; kvm_vcpu_has_events() sees it. */
		v->nmi_queued++;
		return 0;
	case KVM_SET_SIGNAL_MASK:
		return set_signal_mask(v, arg);
	default: {
		/* kvm-misc.c; anything else: kvm_arch_vcpu_ioctl default, or a
		 * call the simulator does not know (marked in the trace) */
		long r = vcpu_x86_ioctl(v, req, arg);

		if (r != SIM_NOT_MINE)
			return r;
		trace_unmodelled();
		return -EINVAL;
	}
	}
}
