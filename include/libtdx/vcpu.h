/* SPDX-License-Identifier: MIT */
/**
 * DOC: vcpu - create and initialise TD vCPUs
 *
 * Order per vCPU (after tdx_vm_init(), before tdx_vm_finalize()):
 *
 *   tdx_vcpu_new()   KVM_CREATE_VCPU, mmap of struct kvm_run
 *   tdx_vcpu_init()  KVM_TDX_GET_CPUID -> KVM_SET_CPUID2 (x2APIC present)
 *                    -> KVM_TDX_INIT_VCPU with the TD HOB address in RCX
 *
 * KVM_SET_CPUID2 must precede KVM_TDX_INIT_VCPU: KVM puts the vCPU in x2APIC
 * mode at INIT_VCPU and refuses (-EINVAL) if its CPUID lacks x2APIC.
 *
 * Thread model: one thread per vCPU.  A tdx_vcpu is used by one thread at a
 * time; different vCPUs of one TD may run concurrently.
 */
#ifndef LIBTDX_VCPU_H
#define LIBTDX_VCPU_H

#include <libtdx/common.h>
#include <libtdx/caps.h>
#include <libtdx/vm.h>

#ifdef __cplusplus
extern "C" {
#endif

/** struct tdx_vcpu - a TD vCPU; reference counted; holds a VM reference. */
struct tdx_vcpu;

/**
 * tdx_vcpu_new() - KVM_CREATE_VCPU and map its run area.
 * @id: vCPU id (becomes the initial x2APIC id); must be < tdx_vm_max_vcpus()
 *
 * Return: 0; -EINVAL (id out of range; or the TD is not initialised /
 * already finalised: step and message in tdx_vm_last_error()); the
 * kernel's errno otherwise.  Nothing leaks on failure.
 */
int tdx_vcpu_new(struct tdx_vm *vm, unsigned int id, struct tdx_vcpu **ret_vcpu);
struct tdx_vcpu *tdx_vcpu_ref(struct tdx_vcpu *vcpu);
/** tdx_vcpu_unref() - the last reference unmaps the run area and closes the fd. */
struct tdx_vcpu *tdx_vcpu_unref(struct tdx_vcpu *vcpu);
/** tdx_vcpu_get_fd() - the vCPU fd (borrowed), e.g. for KVM_RUN. */
int tdx_vcpu_get_fd(const struct tdx_vcpu *vcpu);
/** tdx_vcpu_id() - the vCPU id. */
unsigned int tdx_vcpu_id(const struct tdx_vcpu *vcpu);
/** tdx_vcpu_run_area() - the mmap'd struct kvm_run (borrowed; valid while the vCPU lives). */
void *tdx_vcpu_run_area(const struct tdx_vcpu *vcpu);
/** tdx_vcpu_vm() - the VM (borrowed). */
struct tdx_vm *tdx_vcpu_vm(const struct tdx_vcpu *vcpu);
/** tdx_vcpu_initialized() - KVM_TDX_INIT_VCPU succeeded. */
bool tdx_vcpu_initialized(const struct tdx_vcpu *vcpu);
/** tdx_vcpu_last_error() - the vCPU's last-error record. */
const struct tdx_error *tdx_vcpu_last_error(const struct tdx_vcpu *vcpu);

/**
 * tdx_vcpu_init() - set the vCPU's CPUID from the TD's (KVM_TDX_GET_CPUID,
 * with its -E2BIG protocol) and issue KVM_TDX_INIT_VCPU.
 * @hob_gpa: the TD HOB's guest-physical address (TDVF reads it from RCX)
 *
 * Return: 0; -EALREADY (already initialised); -EINVAL (TD not initialised
 * or already finalised); the kernel's errno otherwise.
 */
int tdx_vcpu_init(struct tdx_vcpu *vcpu, uint64_t hob_gpa);

/** Kinds of CPUID report lines. */
#define TDX_CPUID_REQUESTED_NOT_SUPPORTED	1 /* asked for, TD does not have it */
#define TDX_CPUID_FORCED_ON			2 /* TD has it, not asked for */

/**
 * struct tdx_cpuid_diff - one difference between what the VMM configured
 * (the INIT_VM CPUID) and what the TD really got (KVM_TDX_GET_CPUID).
 */
struct tdx_cpuid_diff {
	uint32_t kind;		/* TDX_CPUID_* */
	uint32_t function;
	uint32_t index;
	uint32_t reg;		/* 0 eax, 1 ebx, 2 ecx, 3 edx */
	uint32_t bits;		/* the differing bits */
};

/**
 * tdx_vcpu_cpuid_count() - number of CPUID entries the TD reported
 * (valid after tdx_vcpu_init()).
 */
size_t tdx_vcpu_cpuid_count(const struct tdx_vcpu *vcpu);
/** tdx_vcpu_cpuid_get() - entry @i; 0 or -ERANGE. */
int tdx_vcpu_cpuid_get(const struct tdx_vcpu *vcpu, size_t i,
		       struct tdx_cpuid_entry *ret_entry);
/**
 * tdx_vcpu_cpuid_report() - compare requested and actual CPUID, as QEMU does
 * after init, for the leaves the VMM configured.
 * @diffs: array of @max entries, or NULL to count.
 *
 * Return: the number of differences (may exceed @max), or -EINVAL before
 * tdx_vcpu_init().
 */
int tdx_vcpu_cpuid_report(const struct tdx_vcpu *vcpu,
			  struct tdx_cpuid_diff *diffs, size_t max);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_VCPU_H */
