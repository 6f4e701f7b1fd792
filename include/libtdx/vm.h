/* SPDX-License-Identifier: MIT */
/**
 * DOC: vm - create, initialise and finalise a Trust Domain
 *
 * Order (enforced by KVM; libtdx checks it first and says which step is
 * out of order):
 *
 *   tdx_vm_new()       KVM_CREATE_VM(KVM_X86_TDX_VM), KVM_TDX_CAPABILITIES,
 *                      split irqchip (24 pins), x2APIC API, MapGPA
 *                      hypercall exits, APIC bus cycle (40 ns)
 *   tdx_vm_init()      checks the config, VM-scope TSC, KVM_TDX_INIT_VM
 *   ... vCPUs and memory (vcpu/mem layers) ...
 *   tdx_vm_finalize()  KVM_TDX_FINALIZE_VM
 *   tdx_vm_unref()     closes the VM fd (KVM then tears the TD down)
 *
 * Thread safety: one thread at a time per tdx_vm.
 */
#ifndef LIBTDX_VM_H
#define LIBTDX_VM_H

#include <libtdx/common.h>
#include <libtdx/caps.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct tdx_vm_opts - TD creation options; TDX_OPTS(tdx_vm_opts).
 * @ioapic_pins: split-irqchip IOAPIC pins routed to userspace (0 = 24)
 * @apic_bus_ns: APIC bus cycle in ns (0 = 40, the 25 MHz TDX fixes)
 * @init_retries: KVM_TDX_INIT_VM attempts on -EAGAIN (entropy
 *   exhaustion; 0 = 10000)
 * @kick_signal: the signal tdx_vcpu_kick() sends to a vCPU thread inside
 *   KVM_RUN: SIGUSR1, SIGUSR2 or SIGRTMIN..SIGRTMAX; 0 = SIGRTMIN.  When the
 *   signal's disposition is SIG_DFL or SIG_IGN, tdx_vm_new() installs a
 *   handler that does nothing (SA_RESTART); a handler of the VMM's is kept.
 *   The handler stays installed after the VM is gone.
 */
struct tdx_vm_opts {
	size_t sz;
	uint32_t ioapic_pins;
	uint32_t apic_bus_ns;
	uint32_t init_retries;
	uint32_t kick_signal;
};

/** TD states as libtdx tracks them (tdx_vm_get_state()). */
#define TDX_VM_CREATED		0
#define TDX_VM_INITIALIZED	1
#define TDX_VM_FINALIZED	2

/** struct tdx_vm - a TD; reference counted; holds a ctx reference. */
struct tdx_vm;

/**
 * tdx_vm_new() - create a TD VM and prepare it for KVM_TDX_INIT_VM.
 * @opts: NULL for defaults.
 *
 * Return: 0; -EINVAL (bad opts) or the failing ioctl's errno (-EINVAL from
 * KVM_CREATE_VM when the host has no TDX VM type; -ENOTTY when the
 * kvm_intel tdx parameter is off); -ENOMEM.  Nothing is leaked on failure.
 * Detail (which step) in tdx_ctx_get_last_error().
 */
int tdx_vm_new(struct tdx_ctx *ctx, const struct tdx_vm_opts *opts,
	       struct tdx_vm **ret_vm);
/** tdx_vm_ref() - take a reference (NULL is fine); returns @vm. */
struct tdx_vm *tdx_vm_ref(struct tdx_vm *vm);
/** tdx_vm_unref() - drop a reference; the last one closes the VM fd. Returns NULL. */
struct tdx_vm *tdx_vm_unref(struct tdx_vm *vm);
/** tdx_vm_get_fd() - the VM fd (borrowed) for KVM_RUN-side ioctls the VMM issues itself. */
int tdx_vm_get_fd(const struct tdx_vm *vm);
/** tdx_vm_get_ctx() - the context (borrowed). */
struct tdx_ctx *tdx_vm_get_ctx(const struct tdx_vm *vm);
/** tdx_vm_get_caps() - the capabilities queried at creation (borrowed). */
const struct tdx_caps *tdx_vm_get_caps(const struct tdx_vm *vm);
/** tdx_vm_get_max_vcpus() - KVM_CAP_MAX_VCPUS on this VM. */
unsigned int tdx_vm_get_max_vcpus(const struct tdx_vm *vm);
/** tdx_vm_get_state() - TDX_VM_CREATED / _INITIALIZED / _FINALIZED. */
int tdx_vm_get_state(const struct tdx_vm *vm);
/** tdx_vm_get_shared_bit() - the GPA shared bit (1<<47 or 1<<51) after init, else 0. */
uint64_t tdx_vm_get_shared_bit(const struct tdx_vm *vm);
/** tdx_vm_get_xfam() - the XFAM passed to INIT_VM (after defaults), 0 before. */
uint64_t tdx_vm_get_xfam(const struct tdx_vm *vm);
/** tdx_vm_get_attributes() - the attributes passed to INIT_VM, 0 before. */
uint64_t tdx_vm_get_attributes(const struct tdx_vm *vm);
/** tdx_vm_get_last_error() - the VM's last-error record. */
const struct tdx_error *tdx_vm_get_last_error(const struct tdx_vm *vm);

/**
 * tdx_vm_init() - check @cfg (tdx_caps_check_config()), set the TSC, and
 * issue KVM_TDX_INIT_VM, retrying -EAGAIN up to opts->init_retries times.
 * @cfg: NULL for defaults.
 *
 * Return: 0; -EINVAL (config rejected by libtdx: the first problem, with
 * its field and bit, in the VM's last-error record; for all of them call
 * tdx_caps_check_config(tdx_vm_get_caps(vm), cfg, ...); vcpus above the
 * maximum, field "vcpus"; GPAW 52 on a host without 5-level EPT, field
 * "gpaw"; all of these with step "validate", before any ioctl; or by
 * KVM/the TDX module: hw_error in the error record, e.g.
 * TDX_OPERAND_INVALID with operand CPUID_CONFIG, step "KVM_TDX_INIT_VM");
 * -EALREADY (already initialised, step "validate"); -EOPNOTSUPP (tsc_khz set without KVM_CAP_VM_TSC_CONTROL);
 * -EAGAIN (retries exhausted); -ECHILD (not the VM's creator process);
 * when the XFAM has AMX tile data, the errno of
 * arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM, 18), requested first because the
 * vCPUs' KVM_SET_CPUID2 fails with EPERM without it (-EBUSY: a vCPU of
 * this process already exists without it; -EOPNOTSUPP, -EINVAL: the host
 * kernel cannot); step "arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM)", field
 * "xfam", bit 18;
 * -EIO (the module failed; the VM is dead -- except when KVM refused
 * because a CPU package has no online CPU: the TD stays TDX_VM_CREATED,
 * the record says so, and tdx_vm_init() may be retried); -ENOMEM.  (The CPUID array
 * passed to KVM has one entry per configurable leaf of the caps, which
 * hold at most 256, so the E2BIG of a too-large array cannot occur.)
 */
int tdx_vm_init(struct tdx_vm *vm, const struct tdx_td_config *cfg);
/**
 * tdx_vm_finalize() - KVM_TDX_FINALIZE_VM: seal the measurement; vCPUs can
 * run afterwards, no more vCPUs or initial memory can be added.
 *
 * At least one vCPU of this TD must have completed tdx_vcpu_init(): the TDX
 * module refuses TDH.MR.FINALIZE without one (TDX_NO_VCPUS) and KVM then
 * marks the VM bugged, so libtdx refuses first.
 *
 * Return: 0; -EINVAL (not initialised, or no vCPU initialised: field
 * "vcpus"; step "validate", no ioctl issued, the TD stays usable);
 * -EALREADY (already finalised, step "validate"); -EBUSY (TDX_OPERAND_BUSY after 100
 * tries 0.1 ms apart, hw_error set; the TD is intact, retry later);
 * -EIO (module failure, VM dead).
 */
int tdx_vm_finalize(struct tdx_vm *vm);

/** tdx_vm_type_name() - "default", "sw-protected", "sev", "sev-es", "snp", "tdx"; NULL if unknown. */
const char *tdx_vm_type_name(unsigned int type);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_VM_H */
