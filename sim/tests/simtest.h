/* SPDX-License-Identifier: MIT */
/* Helpers for the simulator's own tests: raw ioctls, no libtdx. */
#ifndef TDXSIM_SIMTEST_H
#define TDXSIM_SIMTEST_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../lib/uapi/kvm-tdx.h"
#include "../tdxsim-control.h"

/* ioctl returning -errno (or the result). */
static inline long xioctl(int fd, unsigned long req, unsigned long arg)
{
	int r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

#define ck_errno(call, e) ck_assert_int_eq((call), -(e))

/*
 * main() of a simulator self-test: exit 77 (skip) unless libtdxsim.so is
 * preloaded, else run the suite with each test in its own child (fresh
 * simulator state) and exit 1 if any failed.
 */
static inline int st_run_suite(Suite *s)
{
	SRunner *r = srunner_create(s);
	int failed;

	if (!tdxsim_ctl_active()) {
		printf("SKIP: libtdxsim.so is not preloaded\n");
		srunner_free(r);
		return 77;
	}
	srunner_set_fork_status(r, CK_FORK);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}

static inline int st_kvm(void)
{
	int k = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	ck_assert_msg(k >= 0, "open /dev/kvm: %s", strerror(errno));
	return k;
}

static inline int st_td(void)
{
	int k = st_kvm(), vm = (int)xioctl(k, KVM_CREATE_VM, KVM_X86_TDX_VM);

	ck_assert_int_ge(vm, 0);
	close(k);
	return vm;
}

static inline long st_tdx(int fd, uint32_t id, uint32_t flags, uint64_t data,
			  uint64_t *hw)
{
	struct kvm_tdx_cmd c = { .id = id, .flags = flags, .data = data };
	long r = xioctl(fd, KVM_MEMORY_ENCRYPT_OP, (unsigned long)&c);

	if (hw)
		*hw = c.hw_error;
	return r;
}

static inline struct kvm_tdx_capabilities *st_caps(int vm)
{
	struct kvm_tdx_capabilities *c = calloc(1, sizeof(*c) + 256 * sizeof(struct kvm_cpuid_entry2));

	c->cpuid.nent = 256;
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)c, NULL), 0);
	return c;
}

static inline bool st_has_subleaf(uint32_t f)
{
	return f == 4 || f == 7 || f == 0x18 || f == 0x1f || f == 0x23;
}

/* A KVM_TDX_INIT_VM that a real module accepts (caps-derived, sane values). */
static inline struct kvm_tdx_init_vm *st_init_args(int vm, unsigned gpaw)
{
	struct kvm_tdx_capabilities *c = st_caps(vm);
	struct kvm_tdx_init_vm *iv = calloc(1, sizeof(*iv) + 256 * sizeof(struct kvm_cpuid_entry2));

	iv->attributes = 0x10000000; /* SEPT_VE_DISABLE */
	iv->xfam = 0xe7;	      /* x87 SSE AVX AVX-512 */
	for (unsigned i = 0; i < c->cpuid.nent; i++) {
		struct kvm_cpuid_entry2 e = c->cpuid.entries[i];

		if (st_has_subleaf(e.function))
			e.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		if (e.function == 1)
			e.eax = 0; /* native family/model/stepping */
		if (e.function == 0x1f)
			e.eax = e.ebx = e.ecx = e.edx = 0; /* native topology */
		if (e.function == 0x80000008)
			e.eax = (gpaw << 16) | 52;
		iv->cpuid.entries[iv->cpuid.nent++] = e;
	}
	free(c);
	return iv;
}

static inline long st_init_vm(int vm, unsigned gpaw, uint64_t *hw)
{
	struct kvm_tdx_init_vm *iv = st_init_args(vm, gpaw);
	long r = st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, hw);

	free(iv);
	return r;
}

static inline void st_split_irqchip(int vm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };

	ck_assert_int_eq(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), 0);
}

static inline long st_set_cpuid(int vcpu, bool x2apic)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[4];
	} c = { .h = { .nent = 4 } };

	c.e[0].function = 0;
	c.e[0].eax = 0x23;
	c.e[1].function = 1;
	c.e[1].ecx = x2apic ? (1U << 21) : 0;
	/* MAXPHYADDR 52, 48 virtual bits, as QEMU gives a TD: MapGPA of a
	 * shared GPA needs the shared bit below MAXPHYADDR
	 * (kvm_vcpu_is_legal_gpa()). */
	c.e[2].function = 0x80000000;
	c.e[2].eax = 0x80000008;
	c.e[3].function = 0x80000008;
	c.e[3].eax = (48 << 8) | 52;
	return xioctl(vcpu, KVM_SET_CPUID2, (uintptr_t)&c);
}

/* TD after INIT_VM with split irqchip; returns the VM fd. */
static inline int st_td_inited(void)
{
	int vm = st_td();

	st_split_irqchip(vm);
	ck_assert_int_eq(st_init_vm(vm, 48, NULL), 0);
	return vm;
}

/* A vCPU with x2APIC CPUID, INIT_VCPU'd. */
static inline int st_vcpu(int vm, unsigned id)
{
	int v = (int)xioctl(vm, KVM_CREATE_VCPU, id);

	ck_assert_int_ge(v, 0);
	ck_assert_int_eq(st_set_cpuid(v, true), 0);
	ck_assert_int_eq(st_tdx(v, KVM_TDX_INIT_VCPU, 0, 0x800000, NULL), 0);
	return v;
}

static inline int st_gmem(int vm, uint64_t size)
{
	struct kvm_create_guest_memfd g = { .size = size };
	long fd = xioctl(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&g);

	ck_assert_int_ge(fd, 0);
	return (int)fd;
}

static inline long st_slot(int vm, uint32_t slot, uint64_t gpa, uint64_t size,
			   void *uaddr, int gmem, uint64_t goff)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)uaddr,
	};

	if (gmem >= 0) {
		r.flags = KVM_MEM_GUEST_MEMFD;
		r.guest_memfd = (uint32_t)gmem;
		r.guest_memfd_offset = goff;
	}
	return xioctl(vm, KVM_SET_USER_MEMORY_REGION2, (uintptr_t)&r);
}

static inline long st_attrs(int vm, uint64_t gpa, uint64_t size, uint64_t attrs)
{
	struct kvm_memory_attributes a = { .address = gpa, .size = size, .attributes = attrs };

	return xioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, (uintptr_t)&a);
}

/* shared memory + a guest_memfd slot 0 at [gpa, gpa+size), private. */
static inline void *st_private_ram(int vm, uint64_t gpa, uint64_t size, int *gmem_out)
{
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int g = st_gmem(vm, size);

	ck_assert_ptr_ne(mem, MAP_FAILED);
	ck_assert_int_eq(st_slot(vm, 0, gpa, size, mem, g, 0), 0);
	ck_assert_int_eq(st_attrs(vm, gpa, size, KVM_MEMORY_ATTRIBUTE_PRIVATE), 0);
	if (gmem_out)
		*gmem_out = g;
	return mem;
}

static inline long st_add_pages(int vcpu, void *src, uint64_t gpa, uint64_t n,
				bool measure, struct kvm_tdx_init_mem_region *out)
{
	struct kvm_tdx_init_mem_region r = { .source_addr = (uintptr_t)src, .gpa = gpa, .nr_pages = n };
	long ret = st_tdx(vcpu, KVM_TDX_INIT_MEM_REGION, measure ? KVM_TDX_MEASURE_MEMORY_REGION : 0,
			  (uintptr_t)&r, NULL);

	if (out)
		*out = r;
	return ret;
}

static inline void st_require_sim(void)
{
	ck_assert_msg(tdxsim_ctl_active(), "libtdxsim.so is not preloaded");
}

#endif
