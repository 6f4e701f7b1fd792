/* SPDX-License-Identifier: MIT */
/* struct tdx_vm, shared by vm.c and the layers built on a VM (vcpu, mem). */
#ifndef LIBTDX_VM_INTERNAL_H
#define LIBTDX_VM_INTERNAL_H

#include "internal.h"

struct tdx_vm {
	atomic_int refs;
	struct tdx_ctx *ctx;
	int fd;
	pid_t pid;
	int state;
	bool dead;
	const struct tdx_caps *caps;	/* the context's, lent */
	unsigned int max_vcpus;		/* KVM_CAP_MAX_VCPUS: how many */
	unsigned int max_vcpu_id;	/* KVM_CAP_MAX_VCPU_ID: ids below this */
	unsigned int td_vcpus;		/* tdx_td_config.vcpus (0: not given) */
	atomic_uint n_vcpus;		/* created so far (KVM never lowers it) */
	atomic_uint n_inited_vcpus;	/* through tdx_vcpu_init() (TDH.VP.INIT) */
	uint32_t init_retries;
	uint64_t shared_bit;
	uint64_t xfam;
	uint64_t attributes;
	/* the CPUID array passed to INIT_VM (what the VMM asked for) */
	struct kvm_cpuid_entry2 *init_cpuid;
	size_t n_init_cpuid;
	int kick_signal;		/* tdx_vcpu_kick() */
	struct tdx_error error;
};

/* -ECHILD after fork, -EIO when dead, else 0 (recorded in e, step
 * "validate": libtdx refuses before any ioctl). */
int tdx_vm_check_usable(const struct tdx_vm *vm, struct tdx_error *e);
/* arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM) when @xfam has AMX; 0 or -errno
 * (recorded in vm->error).  xstate-perm.c. */
int tdx_vm_request_xfd_perm(struct tdx_vm *vm, uint64_t xfam);

#endif
