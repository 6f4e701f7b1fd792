/* SPDX-License-Identifier: MIT */
/* One test per kernel rule: raw ioctls against the simulator, exact errnos. */
#include <linux/falloc.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "simtest.h"

#define PAGE 4096UL

/* ---- /dev/kvm ---------------------------------------------------------------- */
START_TEST(dev_basics)
{
	int k = st_kvm();

	st_require_sim();
	ck_assert_int_eq(xioctl(k, KVM_GET_API_VERSION, 0), 12);
	ck_assert_int_eq(xioctl(k, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES), 0x21);
	ck_assert_int_eq(xioctl(k, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES), 0x8);
	ck_assert_int_eq(xioctl(k, KVM_CHECK_EXTENSION, KVM_CAP_EXIT_HYPERCALL), 0x1000);
	ck_assert_int_eq(xioctl(k, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_FLAGS), 0x3);
	ck_assert_int_eq(xioctl(k, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS), 1024);
	ck_assert_int_eq(xioctl(k, KVM_CHECK_EXTENSION, 9999), 0);
	ck_assert_int_eq(xioctl(k, KVM_GET_VCPU_MMAP_SIZE, 0), 12288);
	ck_errno(xioctl(k, _IO(KVMIO, 0x77), 0), EINVAL);
	ck_errno(xioctl(k, KVM_CREATE_VM, 7), EINVAL);
	ck_errno(xioctl(k, KVM_CREATE_VM, 2), EINVAL);
	ck_assert(fcntl(k, F_GETFD) & FD_CLOEXEC);
	close(k);
	k = open("/dev/kvm", O_RDWR);
	ck_assert_int_ge(k, 0);
	ck_assert(!(fcntl(k, F_GETFD) & FD_CLOEXEC));
	close(k);
}
END_TEST

START_TEST(dev_supported_cpuid_e2big)
{
	int k = st_kvm();
	struct { struct kvm_cpuid2 h; struct kvm_cpuid_entry2 e[256]; } c;

	memset(&c, 0, sizeof(c));
	c.h.nent = 2;
	ck_errno(xioctl(k, KVM_GET_SUPPORTED_CPUID, (uintptr_t)&c), E2BIG);
	ck_assert_int_eq(c.h.nent, 2);
	c.h.nent = 256;
	ck_assert_int_eq(xioctl(k, KVM_GET_SUPPORTED_CPUID, (uintptr_t)&c), 0);
	ck_assert_int_gt(c.h.nent, 2);
	ck_assert_uint_eq(c.e[0].function, 0);
	close(k);
}
END_TEST

START_TEST(fd_kinds_and_cloexec)
{
	int vm = st_td_inited(), v, g;
	void *run;

	ck_assert(fcntl(vm, F_GETFD) & FD_CLOEXEC);
	ck_errno(xioctl(vm, _IO(KVMIO, 0x77), 0), ENOTTY);
	v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(v, 0);
	ck_assert(fcntl(v, F_GETFD) & FD_CLOEXEC);
	ck_errno(xioctl(v, _IO(KVMIO, 0x77), 0), EINVAL);
	ck_errno(xioctl(v, _IO(0x12, 0x77), 0), EINVAL);
	ck_errno(xioctl(v, KVM_GET_REGS, 0), EINVAL);
	ck_errno(xioctl(v, KVM_SMI, 0), ENOTTY);
	ck_errno(xioctl(v, KVM_SET_TSC_KHZ, 2000000), EINVAL);
	run = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, v, 0);
	ck_assert_ptr_ne(run, MAP_FAILED);
	munmap(run, 12288);
	g = st_gmem(vm, 1 << 20);
	ck_assert(!(fcntl(g, F_GETFD) & FD_CLOEXEC)); /* as the kernel does */
	close(g);
	close(v);
	close(vm);
}
END_TEST

/* An fd closed without close() (close_range, dup2 onto it, a raw syscall)
 * frees the kernel object; its number may come back as another file. */
START_TEST(fd_closed_unseen_is_not_simulated)
{
	int vm = st_td(), vm2, n, v, null, k[16], nk = 0;

	ck_assert_int_eq(syscall(SYS_close, vm), 0);
	null = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(dup2(null, vm), vm);	/* the number comes back */
	close(null);
	n = vm;
	ck_errno(xioctl(n, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS), ENOTTY); /* /dev/null */
	ck_assert_int_eq(tdxsim_ctl_vm_report(n, NULL, 0), -EBADF);
	tdxsim_ctl_reset();
	ck_assert_int_ge(fcntl(n, F_GETFD), 0); /* the reset left the reused fd alone */
	close(n);

	/* dup2() onto a live vCPU fd */
	vm2 = st_td_inited();
	v = (int)xioctl(vm2, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(v, 0);
	null = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(dup2(null, v), v);
	ck_errno(xioctl(v, KVM_RUN, 0), ENOTTY);
	close(null);
	close(v);
	/* a new simulated fd at a stale number replaces the stale object */
	ck_assert_int_eq(syscall(SYS_close, vm2), 0);
	do {
		k[nk] = st_kvm();
	} while (k[nk] < vm2 && ++nk < 15);
	ck_assert_int_eq(k[nk], vm2);
	ck_assert_int_eq(xioctl(vm2, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS), 0x7); /* /dev/kvm */
	for (int i = 0; i <= nk; i++)
		close(k[i]);
}
END_TEST

START_TEST(non_td_vm)
{
	int k = st_kvm(), vm = (int)xioctl(k, KVM_CREATE_VM, 0), v;

	ck_assert_int_ge(vm, 0);
	ck_errno(st_tdx(vm, KVM_TDX_CAPABILITIES, 0, 0, NULL), ENOTTY);
	ck_assert_int_eq(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES), 0);
	v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(v, 0);
	ck_errno(st_tdx(v, KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL);
	close(v);
	close(vm);
	close(k);
}
END_TEST

/* ---- VM fd -------------------------------------------------------------------- */
START_TEST(create_vcpu_before_init_vm_eio)
{
	int vm = st_td();

	st_split_irqchip(vm);
	ck_errno(xioctl(vm, KVM_CREATE_VCPU, 0), EIO);
	close(vm);
}
END_TEST

START_TEST(create_vcpu_without_split_irqchip_einval)
{
	int vm = st_td();

	ck_assert_int_eq(st_init_vm(vm, 48, NULL), 0);
	ck_errno(xioctl(vm, KVM_CREATE_VCPU, 0), EINVAL);
	close(vm);
}
END_TEST

START_TEST(create_vcpu_duplicate_and_range)
{
	int vm = st_td_inited(), v = (int)xioctl(vm, KVM_CREATE_VCPU, 3);

	ck_assert_int_ge(v, 0);
	ck_errno(xioctl(vm, KVM_CREATE_VCPU, 3), EEXIST);
	ck_errno(xioctl(vm, KVM_CREATE_VCPU, 4096), EINVAL);
	close(v);
	close(vm);
}
END_TEST

START_TEST(split_irqchip_rules)
{
	int vm = st_td();
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 5000 } };

	ck_errno(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), EINVAL);
	cap.args[0] = 24;
	cap.flags = 1;
	ck_errno(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), EINVAL);
	cap.flags = 0;
	ck_assert_int_eq(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), 0);
	ck_errno(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), EEXIST);
	ck_errno(xioctl(vm, KVM_CREATE_IRQCHIP, 0), EEXIST); /* split irqchip: EEXIST first */
	close(vm);
}
END_TEST

START_TEST(create_irqchip_616)
{
	int vm;

	ck_assert_int_eq(tdxsim_ctl_set_kernel("6.16"), 0);
	vm = st_td();
	ck_assert_int_eq(xioctl(vm, KVM_CREATE_IRQCHIP, 0), 0);
	ck_errno(xioctl(vm, KVM_CREATE_IRQCHIP, 0), EEXIST);
	ck_assert_int_eq(st_init_vm(vm, 48, NULL), 0);
	ck_errno(xioctl(vm, KVM_CREATE_VCPU, 0), EINVAL); /* full irqchip */
	close(vm);
}
END_TEST

/* kvm_arch_vm_ioctl(KVM_CREATE_IRQCHIP): EEXIST (an irqchip, split included)
 * comes before the TD refusal (ENOTTY, 6.18+), which comes before EINVAL for
 * vCPUs already created. */
START_TEST(create_irqchip_eexist_first)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0), td2 = st_td();

	ck_errno(xioctl(vm, KVM_CREATE_IRQCHIP, 0), EEXIST);	/* split irqchip */
	ck_errno(xioctl(td2, KVM_CREATE_IRQCHIP, 0), ENOTTY);
	close(td2);
	close(v);
	close(vm);
}
END_TEST

START_TEST(apic_bus_and_hypercall_caps)
{
	int vm = st_td();
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_APIC_BUS_CYCLES_NS, .args = { 40 } };

	ck_errno(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), ENXIO);
	st_split_irqchip(vm);
	cap.args[0] = 0;
	ck_errno(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), EINVAL);
	/* overflow guard: U32_MAX * 128 * ns must fit in 64 bits */
	cap.args[0] = 0x2000001;
	ck_errno(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), EINVAL);
	cap.args[0] = 0x2000000;
	ck_assert_int_eq(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), 0);
	cap.args[0] = 40;
	ck_assert_int_eq(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), 0);
	cap.cap = KVM_CAP_EXIT_HYPERCALL;
	cap.args[0] = 0x1001;
	ck_errno(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), EINVAL);
	cap.args[0] = 0x1000;
	ck_assert_int_eq(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), 0);
	ck_errno(xioctl(vm, KVM_SET_TSC_KHZ, 0x7fffffff), EINVAL);
	ck_assert_int_eq(xioctl(vm, KVM_SET_TSC_KHZ, 2500000), 0);
	ck_assert_int_eq(xioctl(vm, KVM_GET_TSC_KHZ, 0), 2500000);
	close(vm);
}
END_TEST

START_TEST(mm_check_fork_eio)
{
	int vm = st_td(), st;
	pid_t p = fork();

	ck_assert_int_ge(p, 0);
	if (p == 0) {
		long r = xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

		_exit(r == -EIO ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(p, &st, 0), p);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_gt(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS), 0);
	close(vm);
}
END_TEST

/* ---- CAPABILITIES --------------------------------------------------------------- */
START_TEST(caps_e2big_nent_unchanged)
{
	int vm = st_td();
	struct kvm_tdx_capabilities *c = calloc(1, sizeof(*c) + 256 * 40);

	c->cpuid.nent = 27;
	c->supported_attrs = 0x1234;
	ck_errno(st_tdx(vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)c, NULL), E2BIG);
	ck_assert_uint_eq(c->cpuid.nent, 27);
	ck_assert_uint_eq(c->supported_attrs, 0x1234); /* nothing written */
	ck_errno(st_tdx(vm, KVM_TDX_CAPABILITIES, 1, (uintptr_t)c, NULL), EINVAL);
	ck_errno(st_tdx(vm, KVM_TDX_CAPABILITIES, 0, 0x10, NULL), EFAULT);
	c->cpuid.nent = 28;
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)c, NULL), 0);
	ck_assert_uint_eq(c->cpuid.nent, 28);
	ck_assert_uint_eq(c->supported_attrs, 0x10000000);
	ck_assert_uint_eq(c->supported_xfam, 0x61ae7);
	ck_assert_uint_eq(c->user_tdvmcallinfo_1_r11, 0x2);
	ck_assert_uint_eq(c->cpuid.entries[9].function, 0x80000008);
	ck_assert_uint_eq((c->cpuid.entries[9].eax >> 16) & 0xff, 0xff);
	free(c);
	close(vm);
}
END_TEST

START_TEST(caps_presets)
{
	struct kvm_tdx_capabilities *c;
	int vm;

	ck_assert_int_eq(tdxsim_ctl_set_caps("minimal"), 0);
	vm = st_td();
	c = st_caps(vm);
	ck_assert_uint_eq(c->cpuid.nent, 6);
	free(c);
	close(vm);
	ck_assert_int_eq(tdxsim_ctl_set_caps("emr-1.5.06"), 0);
	vm = st_td();
	c = st_caps(vm);
	ck_assert_uint_eq(c->cpuid.nent, 18);
	free(c);
	close(vm);
	ck_assert_int_eq(tdxsim_ctl_set_kernel("6.16"), 0);
	ck_assert_int_eq(tdxsim_ctl_set_caps("realistic"), 0);
	vm = st_td();
	c = st_caps(vm);
	ck_assert_uint_eq(c->supported_xfam, 0x602e7);
	free(c);
	close(vm);
	ck_assert_int_ne(tdxsim_ctl_set_caps("no-such-preset"), 0);
}
END_TEST

/* ---- INIT_VM ------------------------------------------------------------------------ */
START_TEST(init_vm_ok_and_twice)
{
	int vm = st_td();
	uint64_t hw = 1;

	ck_assert_int_eq(st_init_vm(vm, 48, &hw), 0);
	ck_assert_uint_eq(hw, 0);
	ck_errno(st_init_vm(vm, 48, NULL), EINVAL);
	close(vm);
}
END_TEST

START_TEST(init_vm_nent_e2big)
{
	int vm = st_td();
	struct kvm_tdx_init_vm *iv = st_init_args(vm, 48);

	iv->cpuid.nent = 257;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), E2BIG);
	free(iv);
	close(vm);
}
END_TEST

START_TEST(init_vm_flags_reserved_padding)
{
	int vm = st_td();
	struct kvm_tdx_init_vm *iv = st_init_args(vm, 48);
	struct kvm_tdx_cmd c = { .id = KVM_TDX_INIT_VM, .data = (uintptr_t)iv, .hw_error = 1 };

	ck_errno(xioctl(vm, KVM_MEMORY_ENCRYPT_OP, (uintptr_t)&c), EINVAL);
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 1, (uintptr_t)iv, NULL), EINVAL);
	iv->reserved[11] = 1;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	iv->reserved[11] = 0;
	iv->cpuid.padding = 1;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	iv->cpuid.padding = 0;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, 8, NULL), EFAULT);
	ck_errno(st_tdx(vm, 9, 0, 0, NULL), EINVAL);
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL);
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), 0);
	free(iv);
	close(vm);
}
END_TEST

START_TEST(init_vm_gpaw)
{
	int vm = st_td();

	ck_errno(st_init_vm(vm, 50, NULL), EINVAL);
	ck_errno(st_init_vm(vm, 0, NULL), EINVAL);
	ck_assert_int_eq(st_init_vm(vm, 52, NULL), 0);
	close(vm);
	ck_assert_int_eq(tdxsim_ctl_set_5level_ept(0), 0);
	vm = st_td();
	ck_errno(st_init_vm(vm, 52, NULL), EINVAL);
	ck_assert_int_eq(st_init_vm(vm, 48, NULL), 0);
	close(vm);
	ck_assert_int_eq(tdxsim_ctl_set_5level_ept(1), 0);
	ck_assert_int_eq(tdxsim_ctl_set_caps("realistic-no5level"), 0);
	vm = st_td();
	ck_errno(st_init_vm(vm, 52, NULL), EINVAL);
	close(vm);
}
END_TEST

START_TEST(init_vm_attrs_xfam_kvm)
{
	int vm = st_td();
	struct kvm_tdx_init_vm *iv = st_init_args(vm, 48);

	iv->attributes = 0x1; /* DEBUG: not in KVM's supported set */
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	iv->attributes = 0x10000000;
	iv->xfam = 0x8; /* BNDREGS */
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	free(iv);
	close(vm);
}
END_TEST

START_TEST(init_vm_module_xfam_group_rule)
{
	int vm = st_td();
	struct kvm_tdx_init_vm *iv = st_init_args(vm, 48);
	uint64_t hw = 0;

	iv->xfam = 0x27; /* OPMASK without ZMM_Hi256/Hi16_ZMM */
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, &hw), EINVAL);
	ck_assert_uint_eq(hw, 0xC000010000000041ULL);
	iv->xfam = 0x803; /* CET_U without CET_S */
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, &hw), EINVAL);
	ck_assert_uint_eq(hw, 0xC000010000000041ULL);
	iv->xfam = 0; /* becomes 0x3 */
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, &hw), 0);
	ck_assert_uint_eq(hw, 0);
	free(iv);
	close(vm);
}
END_TEST

START_TEST(init_vm_module_tsc_range)
{
	int vm = st_td();
	uint64_t hw = 0;

	ck_assert_int_eq(xioctl(vm, KVM_SET_TSC_KHZ, 50000), 0); /* 2 x 25 MHz */
	ck_errno(st_init_vm(vm, 48, &hw), EINVAL);
	ck_assert_uint_eq(hw, 0xC000010000000046ULL);
	ck_assert_int_eq(xioctl(vm, KVM_SET_TSC_KHZ, 3000000), 0);
	ck_assert_int_eq(st_init_vm(vm, 48, &hw), 0);
	close(vm);
}
END_TEST

START_TEST(init_vm_module_cpuid_mask)
{
	int vm = st_td();
	struct kvm_tdx_init_vm *iv = st_init_args(vm, 48);
	uint64_t hw = 0;

	iv->cpuid.entries[0].ecx |= 1U << 0; /* 1.ECX SSE3: not configurable */
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, &hw), EINVAL);
	ck_assert_uint_eq(hw, 0xC000010000000045ULL);
	iv->cpuid.entries[0].ecx &= ~1U;
	iv->cpuid.entries[0].eax = 0x000806F8; /* not this platform's FMS */
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, &hw), EINVAL);
	ck_assert_uint_eq(hw, 0xC000010000000045ULL);
	iv->cpuid.entries[0].eax = 0x000C06F2;
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, &hw), 0);
	free(iv);
	close(vm);
}
END_TEST

START_TEST(init_vm_caps_verbatim_1f_eio)
{
	/* CAPABILITIES' 0x1F masks passed verbatim are not a valid topology. */
	int vm = st_td();
	struct kvm_tdx_init_vm *iv = st_init_args(vm, 48);
	struct kvm_tdx_capabilities *c = st_caps(vm);
	uint64_t hw = 0;

	for (unsigned i = 0; i < iv->cpuid.nent; i++)
		if (iv->cpuid.entries[i].function == 0x1f) {
			iv->cpuid.entries[i].eax = c->cpuid.entries[i].eax;
			iv->cpuid.entries[i].ebx = c->cpuid.entries[i].ebx;
			iv->cpuid.entries[i].ecx = c->cpuid.entries[i].ecx;
		}
	hw = 1;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, &hw), EIO);
	/* The module status (0xC000090400000000, CPUID_LEAF_1F_FORMAT) is not
	 * OPERAND_INVALID: KVM bugs the VM and does not pass it on. */
	ck_assert_uint_eq(hw, 0);
	ck_errno(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS), EIO); /* VM bugged */
	free(c);
	free(iv);
	close(vm);
}
END_TEST

START_TEST(init_vm_cpuid_matching)
{
	int vm = st_td();
	struct kvm_tdx_init_vm *iv = st_init_args(vm, 48);
	struct kvm_cpuid_entry2 *e = iv->cpuid.entries;
	unsigned n = iv->cpuid.nent, i8 = 9;

	ck_assert_uint_eq(e[i8].function, 0x80000008);
	/* leaf 0xD is not configurable: count mismatch */
	e[n] = (struct kvm_cpuid_entry2){ .function = 0xd, .flags = 1 };
	iv->cpuid.nent = n + 1;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	iv->cpuid.nent = n;
	/* TSX bit in 7.0 */
	e[5].ebx |= 1U << 4;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	e[5].ebx &= ~(1U << 4);
	e[5].ecx |= 1U << 5; /* WAITPKG */
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	e[5].ecx &= ~(1U << 5);
	/* no 0x80000008 */
	e[i8] = e[n - 1];
	iv->cpuid.nent = n - 1;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	/* minimal entry set: only 0x80000008 */
	e[0] = (struct kvm_cpuid_entry2){ .function = 0x80000008, .eax = 48 << 16 };
	iv->cpuid.nent = 1;
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), 0);
	free(iv);
	close(vm);
}
END_TEST

/* A leaf without sub-leaves (1, 0xA, 0x1C, 0x19, 0x80000008) is looked up with
 * index 0: an entry flagged SIGNIFCANT_INDEX with another index does not match
 * it, so the count differs from nent (TDX module, tdh_mng_init.c). */
START_TEST(init_vm_flagged_index_on_leaf_without_subleaf)
{
	int vm = st_td();
	struct kvm_tdx_init_vm *iv = st_init_args(vm, 48);
	struct kvm_cpuid_entry2 *e = iv->cpuid.entries;

	ck_assert_uint_eq(e[0].function, 1);
	e[0].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	e[0].index = 1;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	e[0].index = 0; /* flagged, index 0: matches */
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), 0);
	free(iv);
	close(vm);
}
END_TEST

START_TEST(init_vm_minimal_preset_fails)
{
	int vm;

	ck_assert_int_eq(tdxsim_ctl_set_caps("minimal"), 0);
	vm = st_td();
	ck_errno(st_init_vm(vm, 48, NULL), EINVAL); /* no configurable 0x80000008 */
	close(vm);
}
END_TEST

/* ---- vCPU commands ------------------------------------------------------------------ */
START_TEST(init_vcpu_rules)
{
	int vm = st_td_inited(), v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);

	ck_errno(st_tdx(v, KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL); /* no CPUID */
	ck_assert_int_eq(st_set_cpuid(v, false), 0);
	ck_errno(st_tdx(v, KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL); /* no x2APIC */
	ck_assert_int_eq(st_set_cpuid(v, true), 0);
	ck_errno(st_tdx(v, KVM_TDX_INIT_VCPU, 1, 0, NULL), EINVAL);
	ck_assert_int_eq(st_tdx(v, KVM_TDX_INIT_VCPU, 0, 0x800000, NULL), 0);
	ck_errno(st_tdx(v, KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL); /* twice */
	ck_errno(st_tdx(v, KVM_TDX_CAPABILITIES, 0, 0, NULL), EINVAL);
	ck_errno(st_tdx(v, KVM_TDX_FINALIZE_VM, 0, 0, NULL), EINVAL);
	close(v);
	close(vm);
}
END_TEST

START_TEST(vcpu_cmds_before_init_vm)
{
	int vm = st_td(), k = st_kvm(), dvm, v;

	(void)vm;
	/* A vCPU cannot exist before INIT_VM, so use one created after and a
	 * fresh TD for FINALIZE-before-INIT. */
	ck_errno(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), EINVAL);
	dvm = st_td_inited();
	v = st_vcpu(dvm, 0);
	ck_assert_int_eq(st_tdx(dvm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	ck_errno(st_tdx(dvm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), EINVAL); /* twice */
	ck_errno(st_tdx(v, KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL);
	ck_errno(st_tdx(v, KVM_TDX_GET_CPUID, 0, 0, NULL), EINVAL);
	ck_errno(xioctl(dvm, KVM_CREATE_VCPU, 1), EIO);
	ck_errno(st_init_vm(dvm, 48, NULL), EINVAL);
	close(v);
	close(dvm);
	close(k);
	close(vm);
}
END_TEST

/* After FINALIZE a vCPU command is EINVAL.  6.16-6.18 check that before
 * reading the command (an unreadable one is still EINVAL); 6.19 and later read
 * it first (EFAULT).  6.17 has no TDX change from 6.16. */
START_TEST(vcpu_cmd_state_checked_before_copy_until_619)
{
	static const struct { const char *k; int err; } ks[] = {
		{ "6.16", EINVAL }, { "6.17", EINVAL }, { "6.18", EINVAL },
		{ "6.19", EFAULT }, { "7.0", EFAULT }, { "7.1", EFAULT }, { "7.2", EFAULT },
	};

	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		int vm, v;

		ck_assert_int_eq(tdxsim_ctl_set_kernel(ks[i].k), 0);
		vm = st_td_inited();
		v = st_vcpu(vm, 0);
		ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
		ck_assert_msg(xioctl(v, KVM_MEMORY_ENCRYPT_OP, 8) == -ks[i].err,
			      "kernel %s: expected %s", ks[i].k, strerror(ks[i].err));
		close(v);
		close(vm);
	}
}
END_TEST

START_TEST(get_cpuid_e2big)
{
	int vm = st_td_inited(), v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	struct { struct kvm_cpuid2 h; struct kvm_cpuid_entry2 e[256]; } c;
	unsigned need;
	bool found = false;

	memset(&c, 0, sizeof(c));
	c.h.nent = 1;
	c.h.padding = 0x55;
	ck_errno(st_tdx(v, KVM_TDX_GET_CPUID, 0, (uintptr_t)&c, NULL), E2BIG);
	need = c.h.nent;
	ck_assert_uint_gt(need, 1);
	ck_assert_uint_eq(c.h.padding, 0x55);
	ck_assert_uint_eq(c.e[0].function, 0); /* no entries written */
	ck_assert_int_eq(st_tdx(v, KVM_TDX_GET_CPUID, 0, (uintptr_t)&c, NULL), 0);
	ck_assert_uint_eq(c.h.nent, need);
	for (unsigned i = 0; i < c.h.nent; i++)
		if (c.e[i].function == 0x80000008) {
			ck_assert_uint_eq((c.e[i].eax >> 16) & 0xff, 48);
			found = true;
		}
	ck_assert(found);
	close(v);
	close(vm);
}
END_TEST

START_TEST(run_preconditions)
{
	int vm = st_td_inited(), v0 = st_vcpu(vm, 0), v1 = (int)xioctl(vm, KVM_CREATE_VCPU, 1);
	struct kvm_run *run = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, v0, 0);

	ck_assert_ptr_ne(run, MAP_FAILED);
	ck_errno(xioctl(v0, KVM_RUN, 0), EINVAL); /* before FINALIZE: tdx_vcpu_pre_run() */
	/* immediate_exit is checked before tdx_vcpu_pre_run() */
	run->immediate_exit = 1;
	run->exit_reason = 0x1234;
	ck_errno(xioctl(v0, KVM_RUN, 0), EINTR);
	ck_assert_uint_eq(run->exit_reason, 0x1234);
	run->immediate_exit = 0;
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	ck_assert_int_ge(v1, 0);	/* an AP without INIT_VCPU blocks: test-sim-guest */
	run->kvm_valid_regs = 1;
	ck_errno(xioctl(v0, KVM_RUN, 0), EINVAL);
	run->kvm_valid_regs = 0;
	run->immediate_exit = 1;
	ck_errno(xioctl(v0, KVM_RUN, 0), EINTR);
	run->immediate_exit = 0;
	ck_assert_int_eq(xioctl(v0, KVM_RUN, 0), 0);
	ck_assert_uint_eq(run->exit_reason, KVM_EXIT_SHUTDOWN);
	munmap(run, 12288);
	close(v1);
	close(v0);
	close(vm);
}
END_TEST

/* kvm_vcpu_ioctl(): KVM_RUN with a non-zero argument is EINVAL before anything
 * else, on a TD and on a plain VM. */
START_TEST(run_arg_nonzero_einval)
{
	int vm = st_td_inited(), v0 = st_vcpu(vm, 0), k = st_kvm();
	int pvm = (int)xioctl(k, KVM_CREATE_VM, 0), pv = (int)xioctl(pvm, KVM_CREATE_VCPU, 0);
	struct kvm_run *run;

	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	run = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, v0, 0);
	ck_assert_ptr_ne(run, MAP_FAILED);
	run->immediate_exit = 1;
	ck_errno(xioctl(v0, KVM_RUN, 1), EINVAL);
	ck_errno(xioctl(v0, KVM_RUN, 0), EINTR);
	ck_assert_int_ge(pv, 0);
	ck_errno(xioctl(pv, KVM_RUN, (unsigned long)run), EINVAL);
	ck_assert_int_eq(xioctl(pv, KVM_RUN, 0), 0);
	munmap(run, 12288);
	close(pv);
	close(pvm);
	close(k);
	close(v0);
	close(vm);
}
END_TEST

/* kvm_sync_valid_fields(): a plain VM accepts REGS/SREGS/EVENTS (bits 0-2)
 * in kvm_valid_regs/kvm_dirty_regs, any other bit is EINVAL (checked on this
 * machine's real KVM too); a TD accepts none (run_preconditions). */
START_TEST(run_sync_regs_plain_vm)
{
	int k = st_kvm(), vm = (int)xioctl(k, KVM_CREATE_VM, 0), v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	struct kvm_run *run = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, v, 0);

	ck_assert_ptr_ne(run, MAP_FAILED);
	run->kvm_valid_regs = 0x100;
	ck_errno(xioctl(v, KVM_RUN, 0), EINVAL);
	run->kvm_valid_regs = 0;
	run->kvm_dirty_regs = 0x8;
	ck_errno(xioctl(v, KVM_RUN, 0), EINVAL);
	run->kvm_dirty_regs = 0;
	run->kvm_valid_regs = 0x7;
	ck_assert_int_eq(xioctl(v, KVM_RUN, 0), 0);
	munmap(run, 12288);
	close(v);
	close(vm);
	close(k);
}
END_TEST

/* ---- INIT_MEM_REGION --------------------------------------------------------------- */
/* tdx_vcpu_init_mem_region() tests gpa + (nr_pages << PAGE_SHIFT) <= gpa: a
 * count whose byte size wraps to a small value passes, and the page loop then
 * stops where the memslot ends (EINVAL, with the progress written back). */
START_TEST(mem_region_wrapped_nr_pages)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0);
	void *src = mmap(NULL, 32 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_tdx_init_mem_region out;

	st_private_ram(vm, 0x100000, 16 * PAGE, NULL);
	ck_errno(st_add_pages(v, src, 0x100000, 1ULL << 52, false, &out), EINVAL);	/* wraps to 0 */
	ck_assert_uint_eq(out.nr_pages, 1ULL << 52);
	ck_errno(st_add_pages(v, src, 0x100000, (1ULL << 52) + 1, false, &out), EINVAL);
	ck_assert_uint_eq(out.gpa, 0x110000);
	ck_assert_uint_eq(out.nr_pages, (1ULL << 52) + 1 - 16);
	munmap(src, 32 * PAGE);
	close(v);
	close(vm);
}
END_TEST

START_TEST(mem_region_rules)
{
	int vm = st_td_inited(), v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	void *src = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_tdx_init_mem_region out;

	st_private_ram(vm, 0x100000, 16 * PAGE, NULL);
	ck_errno(st_add_pages(v, src, 0x100000, 1, true, NULL), EINVAL); /* vCPU not initialised */
	ck_assert_int_eq(st_set_cpuid(v, true), 0);
	ck_assert_int_eq(st_tdx(v, KVM_TDX_INIT_VCPU, 0, 0, NULL), 0);
	ck_errno(st_add_pages(v, (char *)src + 1, 0x100000, 1, true, NULL), EINVAL);
	ck_errno(st_add_pages(v, src, 0x100800, 1, true, NULL), EINVAL);
	ck_errno(st_add_pages(v, src, 0x100000, 0, true, NULL), EINVAL);
	ck_errno(st_add_pages(v, src, 0x100000 | (1ULL << 47), 1, true, NULL), EINVAL);
	ck_errno(st_add_pages(v, src, 0x200000, 1, true, NULL), EINVAL); /* no slot */
	{
		struct kvm_tdx_init_mem_region r = { (uintptr_t)src, 0x100000, 1 };

		ck_errno(st_tdx(v, KVM_TDX_INIT_MEM_REGION, 2, (uintptr_t)&r, NULL), EINVAL);
		ck_errno(st_tdx(v, KVM_TDX_INIT_MEM_REGION, 0, 16, NULL), EFAULT);
	}
	ck_assert_int_eq(st_attrs(vm, 0x104000, PAGE, 0), 0);
	ck_errno(st_add_pages(v, src, 0x102000, 4, true, &out), EINVAL); /* page 3 shared */
	ck_assert_uint_eq(out.gpa, 0x104000);
	ck_assert_uint_eq(out.nr_pages, 2);
	ck_assert_uint_eq(out.source_addr, (uintptr_t)src + 2 * PAGE);
	{
		/* unreadable source: a PROT_NONE page (source_addr 0 is "no
		 * source", EOPNOTSUPP: tdx_gmem_post_populate()) */
		void *gone = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ck_assert_ptr_ne(gone, MAP_FAILED);
		ck_errno(st_add_pages(v, gone, 0x100000, 1, true, NULL), EFAULT);
		munmap(gone, PAGE);
	}
	ck_assert_int_eq(st_add_pages(v, src, 0x100000, 1, true, &out), 0);
	ck_assert_uint_eq(out.nr_pages, 0);
	ck_errno(st_add_pages(v, src, 0x100000, 1, true, NULL), EIO); /* 7.0+: re-add */
	munmap(src, 16 * PAGE);
	close(v);
	close(vm);
}
END_TEST

START_TEST(mem_region_readd_616_eexist)
{
	int vm, v;
	void *src = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_int_eq(tdxsim_ctl_set_kernel("6.16"), 0);
	vm = st_td_inited();
	v = st_vcpu(vm, 0);
	st_private_ram(vm, 0, 4 * PAGE, NULL);
	ck_assert_int_eq(st_add_pages(v, src, 0, 1, false, NULL), 0);
	ck_errno(st_add_pages(v, src, 0, 1, false, NULL), EEXIST);
	close(v);
	close(vm);
}
END_TEST

/* Which error wins in the page loop depends on the kernel: up to 6.19
 * kvm_gmem_populate() refuses a prepared folio (EEXIST) before the attribute
 * check and the source is pinned last, in tdx_gmem_post_populate(); from 7.0
 * the source is pinned first and a re-add is found by the map step (EIO), after
 * the attribute check (kvm_gmem_populate(), tdx_gmem_post_populate()). */
START_TEST(mem_region_loop_order_per_kernel)
{
	static const struct { const char *k; int readd_shared, noread_shared; } ks[] = {
		{ "6.16", EEXIST, EINVAL }, { "6.18", EEXIST, EINVAL },
		{ "6.19", EEXIST, EINVAL }, { "7.0", EINVAL, EFAULT },
		{ "7.1", EINVAL, EFAULT }, { "7.2", EINVAL, EFAULT },
	};
	void *src = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *gone = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); /* unreadable */

	ck_assert_ptr_ne(gone, MAP_FAILED);
	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		int vm, v;

		ck_assert_int_eq(tdxsim_ctl_set_kernel(ks[i].k), 0);
		vm = st_td_inited();
		v = st_vcpu(vm, 0);
		st_private_ram(vm, 0, 4 * PAGE, NULL);
		ck_assert_int_eq(st_add_pages(v, src, 0, 1, false, NULL), 0);
		ck_assert_int_eq(st_attrs(vm, 0, 2 * PAGE, 0), 0);
		/* page 0: added, now shared */
		ck_assert_msg(st_add_pages(v, src, 0, 1, false, NULL) == -ks[i].readd_shared,
			      "kernel %s: re-add of a shared page", ks[i].k);
		/* page 1: shared, unreadable source */
		ck_assert_msg(st_add_pages(v, gone, PAGE, 1, false, NULL) == -ks[i].noread_shared,
			      "kernel %s: shared page, unreadable source", ks[i].k);
		close(v);
		close(vm);
	}
	munmap(src, PAGE);
	munmap(gone, PAGE);
}
END_TEST

/* 7.2: converting an added page to shared before FINALIZE removes it from the
 * S-EPT (kvm_vm_set_mem_attributes() → tdx_sept_remove_leaf_spte()), so it can
 * be added again; 7.1 keeps the earlier model (EIO until the hole is punched). */
START_TEST(readd_after_private_to_shared)
{
	static const struct { const char *k; int err; } ks[] = {
		{ "7.2", 0 }, { "7.1", EIO },
	};
	static char src[4096] __attribute__((aligned(4096)));

	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		int vm, v;

		ck_assert_int_eq(tdxsim_ctl_set_kernel(ks[i].k), 0);
		vm = st_td_inited();
		v = st_vcpu(vm, 0);
		st_private_ram(vm, 0, 4 * PAGE, NULL);
		ck_assert_int_eq(st_add_pages(v, src, 0, 1, true, NULL), 0);
		ck_errno(st_add_pages(v, src, 0, 1, true, NULL), EIO);	/* still mapped */
		ck_assert_int_eq(st_attrs(vm, 0, PAGE, 0), 0);
		ck_assert_int_eq(st_attrs(vm, 0, PAGE, KVM_MEMORY_ATTRIBUTE_PRIVATE), 0);
		ck_assert_msg(st_add_pages(v, src, 0, 1, true, NULL) == -ks[i].err,
			      "kernel %s", ks[i].k);
		close(v);
		close(vm);
	}
	ck_assert_int_eq(tdxsim_ctl_set_kernel("7.2"), 0);
}
END_TEST

/* Deleting a memslot removes its private mappings (kvm_arch_flush_shadow_memslot()
 * → tdx_sept_remove_leaf_spte()): on 7.2 the page can be added again through a
 * new slot on the same guest_memfd range; 7.1 keeps the earlier model (EIO). */
START_TEST(readd_after_memslot_delete)
{
	static const struct { const char *k; int err; } ks[] = {
		{ "7.2", 0 }, { "7.1", EIO },
	};
	static char src[4096] __attribute__((aligned(4096)));

	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		int vm, v, g;
		void *mem;

		ck_assert_int_eq(tdxsim_ctl_set_kernel(ks[i].k), 0);
		vm = st_td_inited();
		v = st_vcpu(vm, 0);
		mem = st_private_ram(vm, 0, 4 * PAGE, &g);
		ck_assert_int_eq(st_add_pages(v, src, 0, 1, true, NULL), 0);
		ck_assert_int_eq(st_slot(vm, 0, 0, 0, mem, -1, 0), 0);	/* delete */
		ck_assert_int_eq(st_slot(vm, 0, 0, 4 * PAGE, mem, g, 0), 0);
		ck_assert_msg(st_add_pages(v, src, 0, 1, true, NULL) == -ks[i].err,
			      "kernel %s", ks[i].k);
		close(v);
		close(g);
		munmap(mem, 4 * PAGE);
		close(vm);
	}
	ck_assert_int_eq(tdxsim_ctl_set_kernel("7.2"), 0);
}
END_TEST

/* kvm_mmu_faultin_pfn_gmem(): a private fault in a slot without guest_memfd
 * is a memory-fault exit, so KVM_PRE_FAULT_MEMORY fails with EFAULT. */
START_TEST(pre_fault_private_without_gmem_efault)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0);
	void *mem = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_pre_fault_memory p = { .gpa = 0x200000, .size = PAGE };

	ck_assert_int_eq(st_slot(vm, 1, 0x200000, 4 * PAGE, mem, -1, 0), 0);
	ck_assert_int_eq(st_attrs(vm, 0x200000, 4 * PAGE, KVM_MEMORY_ATTRIBUTE_PRIVATE), 0);
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	ck_errno(xioctl(v, KVM_PRE_FAULT_MEMORY, (uintptr_t)&p), EFAULT);
	ck_assert_uint_eq(p.size, PAGE);	/* nothing mapped */
	ck_assert_int_eq(st_attrs(vm, 0x200000, 4 * PAGE, 0), 0);
	ck_assert_int_eq(xioctl(v, KVM_PRE_FAULT_MEMORY, (uintptr_t)&p), 0);	/* shared: fine */
	munmap(mem, 4 * PAGE);
	close(v);
	close(vm);
}
END_TEST

START_TEST(mem_region_gmem_closed_efault)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0), g;
	void *src = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	st_private_ram(vm, 0, 4 * PAGE, &g);
	close(g);
	ck_errno(st_add_pages(v, src, 0, 1, false, NULL), EFAULT);
	close(v);
	close(vm);
}
END_TEST

START_TEST(punch_hole_allows_readd)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0), g;
	void *src = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	st_private_ram(vm, 0x10000, 4 * PAGE, &g);
	ck_assert_int_eq(st_add_pages(v, src, 0x11000, 1, false, NULL), 0);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, PAGE, PAGE), 0);
	ck_assert_int_eq(st_add_pages(v, src, 0x11000, 1, false, NULL), 0);
	close(g);
	close(v);
	close(vm);
}
END_TEST

/* guest_memfd pages live in the backing memfd: INIT_MEM_REGION, an allocating
 * fallocate and a private pre-fault allocate them, PUNCH_HOLE frees them (as
 * kvm_gmem_punch_hole() does), so lseek(SEEK_DATA) sees the model's state. */
static off_t data_at(int fd, off_t from)
{
	off_t d = lseek(fd, from, SEEK_DATA);

	ck_assert(d >= 0 || errno == ENXIO);
	return d;
}

START_TEST(gmem_backing_follows_populate_and_punch)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0), g;
	void *src = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_pre_fault_memory p = { .gpa = 0x10000 + 8 * PAGE, .size = 2 * PAGE };

	st_private_ram(vm, 0x10000, 16 * PAGE, &g);
	ck_assert_int_eq(data_at(g, 0), -1);
	ck_assert_int_eq(st_add_pages(v, src, 0x11000, 1, false, NULL), 0);
	ck_assert_int_eq(data_at(g, 0), (off_t)PAGE);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, PAGE, PAGE), 0);
	ck_assert_int_eq(data_at(g, 0), -1);
	/* allocated by fallocate but not prepared: it can still be added */
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE, 4 * PAGE, PAGE), 0);
	ck_assert_int_eq(st_add_pages(v, src, 0x14000, 1, false, NULL), 0);
	ck_assert_int_eq(data_at(g, 0), (off_t)(4 * PAGE));
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 0, 16 * PAGE), 0);
	ck_assert_int_eq(data_at(g, 0), -1);
	/* after FINALIZE a private pre-fault allocates the pages */
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	ck_assert_int_eq(xioctl(v, KVM_PRE_FAULT_MEMORY, (uintptr_t)&p), 0);
	ck_assert_int_eq(data_at(g, 0), (off_t)(8 * PAGE));
	ck_assert_int_eq(lseek(g, 8 * PAGE, SEEK_HOLE), (off_t)(10 * PAGE));
	/* offset + len beyond the maximum file size: vfs_fallocate EFBIG */
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
				   0x7ffffffffffff000LL, 0x2000), -1);
	ck_assert_int_eq(errno, EFBIG);
	munmap(src, PAGE);
	close(g);
	close(v);
	close(vm);
}
END_TEST

/* ---- guest_memfd / memslots / attributes ------------------------------------------ */
START_TEST(gmem_create_rules)
{
	int vm = st_td(), g;
	struct kvm_create_guest_memfd c = { .size = 0 };

	ck_errno(xioctl(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&c), EINVAL);
	c.size = 100;
	ck_errno(xioctl(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&c), EINVAL);
	c.size = PAGE;
	c.flags = GUEST_MEMFD_FLAG_INIT_SHARED;
	ck_errno(xioctl(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&c), EINVAL);
	c.flags = 4;
	ck_errno(xioctl(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&c), EINVAL);
	c.flags = GUEST_MEMFD_FLAG_MMAP;
	g = (int)xioctl(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&c);
	ck_assert_int_ge(g, 0);
	close(g);
	c.size = 1ULL << 40; /* 1 TiB: sparse */
	c.flags = 0;
	g = (int)xioctl(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&c);
	ck_assert_int_ge(g, 0);
	close(g);
	ck_errno(xioctl(vm, KVM_CREATE_GUEST_MEMFD, 8), EFAULT);
	ck_assert_int_eq(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_FLAGS), 1);
	close(vm);
	ck_assert_int_eq(tdxsim_ctl_set_kernel("6.16"), 0);
	vm = st_td();
	c.size = PAGE;
	c.flags = GUEST_MEMFD_FLAG_MMAP;
	ck_errno(xioctl(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&c), EINVAL);
	ck_assert_int_eq(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_FLAGS), 0);
	close(vm);
}
END_TEST

START_TEST(gmem_fallocate_rules)
{
	int vm = st_td(), g = st_gmem(vm, 8 * PAGE);

	ck_assert_int_eq(fallocate(g, 0, 0, PAGE), -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE, 0, PAGE), -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE, 0, 100), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE, 4 * PAGE, 8 * PAGE), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE, 0, 8 * PAGE), 0);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 0, PAGE), 0);
	close(g);
	close(vm);
}
END_TEST

START_TEST(memslot_rules)
{
	int vm = st_td(), g = st_gmem(vm, 16 * PAGE), g2, other = st_td();
	void *mem = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_userspace_memory_region2 r = { .slot = 1, .flags = KVM_MEM_READONLY,
		.guest_phys_addr = 0x100000, .memory_size = PAGE, .userspace_addr = (uintptr_t)mem };

	ck_errno(xioctl(vm, KVM_SET_USER_MEMORY_REGION2, (uintptr_t)&r), EINVAL); /* READONLY on TD */
	r.flags = KVM_MEM_GUEST_MEMFD | KVM_MEM_LOG_DIRTY_PAGES;
	ck_errno(xioctl(vm, KVM_SET_USER_MEMORY_REGION2, (uintptr_t)&r), EINVAL);
	r.flags = 0x80;
	ck_errno(xioctl(vm, KVM_SET_USER_MEMORY_REGION2, (uintptr_t)&r), EINVAL);
	ck_errno(st_slot(vm, 1, 0x100000, 100, mem, -1, 0), EINVAL);
	ck_errno(st_slot(vm, 1, 0x100800, PAGE, mem, -1, 0), EINVAL);
	ck_errno(st_slot(vm, 1, 0x100000, PAGE, (char *)mem + 8, -1, 0), EINVAL);
	ck_errno(st_slot(vm, 1 | (1 << 16), 0x100000, PAGE, mem, -1, 0), EINVAL);
	ck_errno(st_slot(vm, 32764, 0x100000, PAGE, mem, -1, 0), EINVAL);
	ck_errno(st_slot(vm, 1, 0xfffffffffffff000ULL, 2 * PAGE, mem, -1, 0), EINVAL);
	ck_errno(st_slot(vm, 1, 0, 0, mem, -1, 0), EINVAL); /* delete missing */
	ck_errno(st_slot(vm, 1, 0x100000, PAGE, mem, g, 1), EINVAL); /* offset unaligned */
	ck_errno(st_slot(vm, 1, 0x100000, PAGE, mem, 999, 0), EBADF);
	ck_errno(st_slot(vm, 1, 0x100000, PAGE, mem, 1, 0), EINVAL); /* not a gmem */
	g2 = st_gmem(other, PAGE);
	ck_errno(st_slot(vm, 1, 0x100000, PAGE, mem, g2, 0), EINVAL); /* other VM's gmem */
	ck_errno(st_slot(vm, 1, 0x100000, 2 * PAGE, mem, g, 15 * PAGE), EINVAL); /* past end */
	ck_assert_int_eq(st_slot(vm, 1, 0x100000, 4 * PAGE, mem, g, 0), 0);
	ck_errno(st_slot(vm, 2, 0x102000, 4 * PAGE, mem, -1, 0), EEXIST); /* overlap */
	ck_errno(st_slot(vm, 2, 0x200000, PAGE, mem, g, 2 * PAGE), EEXIST); /* binding overlap: kvm_gmem_bind() */
	ck_assert_int_eq(st_slot(vm, 2, 0x200000, PAGE, mem, g, 4 * PAGE), 0);
	ck_errno(st_slot(vm, 1, 0x100000, 4 * PAGE, mem, g, 0), EINVAL); /* gmem slot immutable */
	ck_assert_int_eq(st_slot(vm, 1, 0, 0, mem, -1, 0), 0); /* delete */
	ck_assert_int_eq(st_slot(vm, 1, 0x100000, 4 * PAGE, mem, g, 0), 0); /* binding freed */
	/* after INIT_VM the shared bit (47) is an alias */
	st_split_irqchip(vm);
	ck_assert_int_eq(st_init_vm(vm, 48, NULL), 0);
	ck_errno(st_slot(vm, 3, (1ULL << 47) - PAGE, 2 * PAGE, mem, -1, 0), EINVAL);
	ck_assert_int_eq(st_slot(vm, 3, (1ULL << 47) - 2 * PAGE, 2 * PAGE, mem, -1, 0), 0);
	close(g2);
	close(other);
	close(g);
	close(vm);
}
END_TEST

START_TEST(attributes_rules)
{
	int vm = st_td();
	struct kvm_memory_attributes a = { .address = 0, .size = PAGE, .attributes = 8, .flags = 1 };

	ck_errno(xioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, (uintptr_t)&a), EINVAL);
	ck_errno(st_attrs(vm, 0, PAGE, 0x1), EINVAL);
	ck_errno(st_attrs(vm, 0, 0, 8), EINVAL);
	ck_errno(st_attrs(vm, 0x800, PAGE, 8), EINVAL);
	ck_errno(st_attrs(vm, 0, 0x800, 8), EINVAL);
	ck_errno(st_attrs(vm, 0xfffffffffffff000ULL, 2 * PAGE, 8), EINVAL);
	/* 4 TiB private then holes: cheap (range map) */
	ck_assert_int_eq(st_attrs(vm, 0, 1ULL << 42, 8), 0);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(st_attrs(vm, (uint64_t)i << 30, PAGE, 0), 0);
	close(vm);
}
END_TEST

START_TEST(pre_fault_rules)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0);
	struct kvm_pre_fault_memory p = { .gpa = 0, .size = 4 * PAGE };

	st_private_ram(vm, 0, 16 * PAGE, NULL);
	ck_errno(xioctl(v, KVM_PRE_FAULT_MEMORY, (uintptr_t)&p), EOPNOTSUPP);
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	p.flags = 1;
	ck_errno(xioctl(v, KVM_PRE_FAULT_MEMORY, (uintptr_t)&p), EINVAL);
	p.flags = 0;
	p.size = 0;
	ck_errno(xioctl(v, KVM_PRE_FAULT_MEMORY, (uintptr_t)&p), EINVAL);
	p.size = 4 * PAGE;
	p.gpa = 1ULL << 47;
	ck_errno(xioctl(v, KVM_PRE_FAULT_MEMORY, (uintptr_t)&p), EINVAL);
	p.gpa = 0;
	ck_assert_int_eq(xioctl(v, KVM_PRE_FAULT_MEMORY, (uintptr_t)&p), 0);
	ck_assert_uint_eq(p.gpa, 4 * PAGE);
	ck_assert_uint_eq(p.size, 0);
	p.gpa = 0x100000;
	p.size = PAGE;
	ck_errno(xioctl(v, KVM_PRE_FAULT_MEMORY, (uintptr_t)&p), ENOENT);
	{
		/* the range is copied back even after EINVAL: read-only -> EFAULT */
		struct kvm_pre_fault_memory *ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
						       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ck_assert_ptr_ne(ro, MAP_FAILED);
		*ro = (struct kvm_pre_fault_memory){ .gpa = 0, .size = PAGE, .flags = 1 };
		ck_errno(xioctl(v, KVM_PRE_FAULT_MEMORY, (uintptr_t)ro), EINVAL);
		ck_assert_int_eq(mprotect(ro, PAGE, PROT_READ), 0);
		ck_errno(xioctl(v, KVM_PRE_FAULT_MEMORY, (uintptr_t)ro), EFAULT);
		munmap(ro, PAGE);
	}
	close(v);
	close(vm);
}
END_TEST

/* check_memory_region_flags(): READONLY is never valid with GUEST_MEMFD, even
 * on a VM that has read-only memory (a 6.18+ default VM can use guest_memfd). */
START_TEST(memslot_readonly_guest_memfd_default_vm)
{
	int k = st_kvm(), vm = (int)xioctl(k, KVM_CREATE_VM, 0), g;
	void *mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_userspace_memory_region2 r = { .slot = 0,
		.flags = KVM_MEM_GUEST_MEMFD | KVM_MEM_READONLY, .guest_phys_addr = 0,
		.memory_size = PAGE, .userspace_addr = (uintptr_t)mem };

	ck_assert_int_ge(vm, 0);
	g = st_gmem(vm, PAGE);
	r.guest_memfd = (uint32_t)g;
	ck_errno(xioctl(vm, KVM_SET_USER_MEMORY_REGION2, (uintptr_t)&r), EINVAL);
	r.flags = KVM_MEM_GUEST_MEMFD;
	ck_assert_int_eq(xioctl(vm, KVM_SET_USER_MEMORY_REGION2, (uintptr_t)&r), 0);
	r.slot = 1;
	r.flags = KVM_MEM_READONLY;
	r.guest_phys_addr = 0x100000;
	ck_assert_int_eq(xioctl(vm, KVM_SET_USER_MEMORY_REGION2, (uintptr_t)&r), 0);
	munmap(mem, PAGE);
	close(g);
	close(vm);
	close(k);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sim-rules");
	TCase *t = tcase_create("rules");

	tcase_add_test(t, dev_basics);
	tcase_add_test(t, dev_supported_cpuid_e2big);
	tcase_add_test(t, fd_kinds_and_cloexec);
	tcase_add_test(t, fd_closed_unseen_is_not_simulated);
	tcase_add_test(t, non_td_vm);
	tcase_add_test(t, create_vcpu_before_init_vm_eio);
	tcase_add_test(t, create_vcpu_without_split_irqchip_einval);
	tcase_add_test(t, create_vcpu_duplicate_and_range);
	tcase_add_test(t, split_irqchip_rules);
	tcase_add_test(t, create_irqchip_616);
	tcase_add_test(t, apic_bus_and_hypercall_caps);
	tcase_add_test(t, mm_check_fork_eio);
	tcase_add_test(t, caps_e2big_nent_unchanged);
	tcase_add_test(t, caps_presets);
	tcase_add_test(t, init_vm_ok_and_twice);
	tcase_add_test(t, init_vm_nent_e2big);
	tcase_add_test(t, init_vm_flags_reserved_padding);
	tcase_add_test(t, init_vm_gpaw);
	tcase_add_test(t, init_vm_attrs_xfam_kvm);
	tcase_add_test(t, init_vm_module_xfam_group_rule);
	tcase_add_test(t, init_vm_module_tsc_range);
	tcase_add_test(t, init_vm_module_cpuid_mask);
	tcase_add_test(t, init_vm_caps_verbatim_1f_eio);
	tcase_add_test(t, init_vm_cpuid_matching);
	tcase_add_test(t, init_vm_flagged_index_on_leaf_without_subleaf);
	tcase_add_test(t, init_vm_minimal_preset_fails);
	tcase_add_test(t, init_vcpu_rules);
	tcase_add_test(t, vcpu_cmds_before_init_vm);
	tcase_add_test(t, vcpu_cmd_state_checked_before_copy_until_619);
	tcase_add_test(t, get_cpuid_e2big);
	tcase_add_test(t, run_preconditions);
	tcase_add_test(t, run_arg_nonzero_einval);
	tcase_add_test(t, run_sync_regs_plain_vm);
	tcase_add_test(t, mem_region_wrapped_nr_pages);
	tcase_add_test(t, create_irqchip_eexist_first);
	tcase_add_test(t, readd_after_private_to_shared);
	tcase_add_test(t, readd_after_memslot_delete);
	tcase_add_test(t, pre_fault_private_without_gmem_efault);
	tcase_add_test(t, mem_region_rules);
	tcase_add_test(t, mem_region_readd_616_eexist);
	tcase_add_test(t, mem_region_loop_order_per_kernel);
	tcase_add_test(t, mem_region_gmem_closed_efault);
	tcase_add_test(t, punch_hole_allows_readd);
	tcase_add_test(t, gmem_backing_follows_populate_and_punch);
	tcase_add_test(t, gmem_create_rules);
	tcase_add_test(t, gmem_fallocate_rules);
	tcase_add_test(t, memslot_rules);
	tcase_add_test(t, attributes_rules);
	tcase_add_test(t, pre_fault_rules);
	tcase_add_test(t, memslot_readonly_guest_memfd_default_vm);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return st_run_suite(suite());
}
