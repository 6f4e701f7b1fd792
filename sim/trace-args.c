/* SPDX-License-Identifier: MIT */
/*
 * The argument fields of a trace line: what a VMM asked for, decoded from
 * its memory before the call is handled, so a trace shows the capabilities
 * probed and enabled, the memslots, the INIT_VM configuration and the
 * regions added (tdxsim(1) "TRACE" lists the fields).  An unreadable
 * argument is simply not described: the handler reports EFAULT.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sim.h"

static void cap_field(long cap)
{
	const char *n = cap_name(cap);

	if (n)
		trace_note("cap=%s", n);
	else
		trace_note("cap=%ld", cap);
}

/* Keep INIT_VM's CPUID entries as passed (for the report). */
static void keep_init_vm_cpuid(struct sim_vm *vm, uint64_t data, uint32_t nent)
{
	struct kvm_cpuid_entry2 *e;

	if (!vm || nent > SIM_MAX_CPUID)
		return;
	e = calloc(nent ? nent : 1, sizeof(*e));
	if (!e)
		return;
	if (sim_copy_from_user(e, data + sizeof(struct kvm_tdx_init_vm),
			       nent * sizeof(*e))) {
		free(e);
		return;
	}
	free(vm->init_vm_in);
	vm->init_vm_in = e;
	vm->init_vm_nin = nent;
}

static void tdx_cmd(struct sim_vm *vm, unsigned long arg)
{
	struct kvm_tdx_cmd c;

	if (sim_copy_from_user(&c, arg, sizeof(c)))
		return;
	if (c.flags)
		trace_note("flags=0x%x", c.flags);
	switch (c.id) {
	case KVM_TDX_INIT_VM: {
		struct kvm_tdx_init_vm iv;

		if (sim_copy_from_user(&iv, c.data, sizeof(iv)))
			return;
		trace_note("attributes=0x%llx xfam=0x%llx nent=%u",
			   (unsigned long long)iv.attributes,
			   (unsigned long long)iv.xfam, iv.cpuid.nent);
		keep_init_vm_cpuid(vm, c.data, iv.cpuid.nent);
		break;
	}
	case KVM_TDX_INIT_VCPU:
		trace_note("data=0x%llx", (unsigned long long)c.data);
		break;
	case KVM_TDX_INIT_MEM_REGION: {
		struct kvm_tdx_init_mem_region r;

		if (sim_copy_from_user(&r, c.data, sizeof(r)))
			return;
		trace_note("gpa=0x%llx pages=%llu", (unsigned long long)r.gpa,
			   (unsigned long long)r.nr_pages);
		break;
	}
	default:
		break;
	}
}

void trace_describe(enum sim_kind kind, struct sim_vm *vm, unsigned long req,
		    unsigned long arg)
{
	switch (req) {
	case KVM_CHECK_EXTENSION:
		cap_field((long)arg);
		break;
	case KVM_CREATE_VM:
		trace_note("type=%lu", arg);
		break;
	case KVM_CREATE_VCPU:
		trace_note("id=%lu", arg);
		break;
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap c;

		if (sim_copy_from_user(&c, arg, sizeof(c)))
			return;
		cap_field((long)c.cap);
		trace_note("args0=0x%llx", (unsigned long long)c.args[0]);
		if (c.flags)
			trace_note("flags=0x%x", c.flags);
		break;
	}
	case KVM_SET_USER_MEMORY_REGION:
	case KVM_SET_USER_MEMORY_REGION2: {
		struct kvm_userspace_memory_region2 m = { 0 };

		if (sim_copy_from_user(&m, arg, req == KVM_SET_USER_MEMORY_REGION2 ?
				       sizeof(m) : sizeof(struct kvm_userspace_memory_region)))
			return;
		trace_note("slot=0x%x flags=0x%x gpa=0x%llx size=0x%llx", m.slot, m.flags,
			   (unsigned long long)m.guest_phys_addr,
			   (unsigned long long)m.memory_size);
		if (req == KVM_SET_USER_MEMORY_REGION2 && (m.flags & KVM_MEM_GUEST_MEMFD))
			trace_note("gmem_fd=%u gmem_offset=0x%llx", m.guest_memfd,
				   (unsigned long long)m.guest_memfd_offset);
		break;
	}
	case KVM_SET_MEMORY_ATTRIBUTES: {
		struct kvm_memory_attributes a;

		if (sim_copy_from_user(&a, arg, sizeof(a)))
			return;
		trace_note("gpa=0x%llx size=0x%llx attributes=0x%llx",
			   (unsigned long long)a.address, (unsigned long long)a.size,
			   (unsigned long long)a.attributes);
		break;
	}
	case KVM_CREATE_GUEST_MEMFD: {
		struct kvm_create_guest_memfd g;

		if (sim_copy_from_user(&g, arg, sizeof(g)))
			return;
		trace_note("size=0x%llx flags=0x%llx", (unsigned long long)g.size,
			   (unsigned long long)g.flags);
		break;
	}
	case KVM_PRE_FAULT_MEMORY: {
		struct kvm_pre_fault_memory r;

		if (sim_copy_from_user(&r, arg, sizeof(r)))
			return;
		trace_note("gpa=0x%llx size=0x%llx", (unsigned long long)r.gpa,
			   (unsigned long long)r.size);
		break;
	}
	case KVM_SET_TSC_KHZ:
		trace_note("khz=%lu", arg);
		break;
	case KVM_MEMORY_ENCRYPT_OP:
		if (kind == SK_VM || kind == SK_VCPU)
			tdx_cmd(kind == SK_VM ? vm : NULL, arg);
		break;
	default:
		break;
	}
}
