/* SPDX-License-Identifier: MIT */
/* struct tdx_vcpu, shared by vcpu.c (setup) and vcpu-exit.c (run/exits). */
#ifndef LIBTDX_VCPU_INTERNAL_H
#define LIBTDX_VCPU_INTERNAL_H

#include "internal.h"

struct tdx_vcpu {
	atomic_int refs;
	struct tdx_vm *vm;
	unsigned int id;
	int fd;
	void *run;
	size_t run_size;
	bool initialized;
	struct kvm_cpuid_entry2 *cpuid;	/* from KVM_TDX_GET_CPUID */
	size_t n_cpuid;
	struct tdx_error error;
	/*
	 * Kick: the thread inside tdx_vcpu_run() (valid while running), under
	 * kick_lock so tdx_vcpu_kick() never signals a thread that has left.
	 */
	pthread_mutex_t kick_lock;
	pthread_t thread;
	bool running;
	/* the signal mask given with KVM_SET_SIGNAL_MASK, if any */
	bool sigmask_set;
	uint64_t sigmask;
};

#endif
