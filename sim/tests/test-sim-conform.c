// SPDX-License-Identifier: MIT
/*
 * Conformance of tdxsim's raw-ioctl surface against the Linux 7.2 source.
 *
 * Written from the kernel source (virt/kvm/kvm_main.c, virt/kvm/guest_memfd.c,
 * arch/x86/kvm/x86.c, arch/x86/kvm/mmu/mmu.c, arch/x86/kvm/vmx/main.c and
 * vmx/tdx.c), not from the simulator: each test names the kernel function
 * whose checks it expects, in the order the kernel makes them. Raw ioctls
 * only, no libtdx.
 */
#include <linux/falloc.h>
#include <sys/wait.h>

#include "simtest.h"

#define PG 4096UL
#define SHARED_BIT_48 (1ULL << 47) /* gfn_direct_bits for GPAW 48, tdx_td_init() */

/* ---- helpers -------------------------------------------------------- */

static void *page_buf(size_t n)
{
	void *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	memset(p, 0x5a, n * PG);
	return p;
}

static long tdx_cmd_hw(int fd, uint32_t id, uint32_t flags, uint64_t data, uint64_t hw)
{
	struct kvm_tdx_cmd c = { .id = id, .flags = flags, .data = data, .hw_error = hw };

	return xioctl(fd, KVM_MEMORY_ENCRYPT_OP, (unsigned long)&c);
}

static uint32_t caps_nent(int vm)
{
	struct kvm_tdx_capabilities *c = st_caps(vm);
	uint32_t n = c->cpuid.nent;

	free(c);
	return n;
}

/* A TD with INIT_VM, vCPU 0 (INIT_VCPU'd), 16 private pages at GPA 0 in
 * slot 0 and page 0 added; finalized if asked. */
struct td {
	int vm, vcpu, gmem;
	void *src;
};

static struct td td_ready(bool finalize)
{
	struct td t;

	t.vm = st_td_inited();
	t.vcpu = st_vcpu(t.vm, 0);
	st_private_ram(t.vm, 0, 16 * PG, &t.gmem);
	t.src = page_buf(4);
	ck_assert_int_eq(st_add_pages(t.vcpu, t.src, 0, 1, true, NULL), 0);
	if (finalize)
		ck_assert_int_eq(st_tdx(t.vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	return t;
}

static long region1(int vm, uint32_t slot, uint64_t gpa, uint64_t size, uint64_t uaddr, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = uaddr,
	};

	return xioctl(vm, KVM_SET_USER_MEMORY_REGION, (uintptr_t)&r);
}

static long region2(int vm, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
		    uint64_t uaddr, uint32_t gfd, uint64_t goff)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = uaddr,
		.guest_memfd = gfd, .guest_memfd_offset = goff,
	};

	return xioctl(vm, KVM_SET_USER_MEMORY_REGION2, (uintptr_t)&r);
}

static long gmem_create(int vm, uint64_t size, uint64_t flags)
{
	struct kvm_create_guest_memfd g = { .size = size, .flags = flags };
	long r = xioctl(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&g);

	if (r >= 0)
		close((int)r);
	return r;
}

static long prefault(int vcpu, struct kvm_pre_fault_memory *r)
{
	return xioctl(vcpu, KVM_PRE_FAULT_MEMORY, (uintptr_t)r);
}

/* ---- /dev/kvm: kvm_dev_ioctl(), kvm_arch_init_vm() ------------------ */

/* kvm_dev_ioctl(): KVM_GET_API_VERSION and KVM_GET_VCPU_MMAP_SIZE take no
 * argument: a non-zero arg is EINVAL. */
START_TEST(t_dev_arg_must_be_zero)
{
	int k = st_kvm();

	ck_assert_int_eq(xioctl(k, KVM_GET_API_VERSION, 0), 12);
	ck_errno(xioctl(k, KVM_GET_API_VERSION, 1), EINVAL);
	ck_assert_int_eq(xioctl(k, KVM_GET_VCPU_MMAP_SIZE, 0), 3 * 4096);
	ck_errno(xioctl(k, KVM_GET_VCPU_MMAP_SIZE, 1), EINVAL);
	close(k);
}
END_TEST

/* kvm_arch_init_vm() -> kvm_is_vm_type_supported(): type < 32 and its bit
 * set in KVM_CAP_VM_TYPES; the type is an unsigned long, so high bits are
 * not truncated away. */
START_TEST(t_create_vm_types)
{
	int k = st_kvm();
	long types = xioctl(k, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);

	ck_assert_int_gt(types, 0);
	ck_assert(types & (1L << KVM_X86_TDX_VM));
	for (unsigned long t = 0; t < 40; t++) {
		long vm = xioctl(k, KVM_CREATE_VM, t);

		if (t < 32 && (types & (1L << t))) {
			ck_assert_msg(vm >= 0, "type %lu: %ld", t, vm);
			close((int)vm);
		} else {
			ck_assert_msg(vm == -EINVAL, "type %lu: %ld", t, vm);
		}
	}
	ck_errno(xioctl(k, KVM_CREATE_VM, (1UL << 32) | KVM_X86_TDX_VM), EINVAL);
	ck_errno(xioctl(k, KVM_CREATE_VM, ~0UL), EINVAL);
	close(k);
}
END_TEST

/* ---- KVM_MEMORY_ENCRYPT_OP dispatch: tdx_get_cmd(), tdx_vm_ioctl(),
 * tdx_vcpu_unlocked_ioctl(), tdx_vcpu_ioctl(), vt_*mem_enc_ioctl() ------ */

/* tdx_get_cmd(): a non-zero hw_error is EINVAL for every sub-command, on
 * the VM fd and on the vCPU fd, before anything else is looked at. */
START_TEST(t_hw_error_in_is_einval)
{
	struct td t = td_ready(false);
	struct kvm_tdx_capabilities *c = calloc(1, sizeof(*c) + 256 * sizeof(struct kvm_cpuid_entry2));

	c->cpuid.nent = 256;
	ck_errno(tdx_cmd_hw(t.vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)c, 1), EINVAL);
	ck_errno(tdx_cmd_hw(t.vm, KVM_TDX_INIT_VM, 0, 0, 1), EINVAL);
	ck_errno(tdx_cmd_hw(t.vm, KVM_TDX_FINALIZE_VM, 0, 0, 1), EINVAL);
	ck_errno(tdx_cmd_hw(t.vcpu, KVM_TDX_INIT_VCPU, 0, 0, 1), EINVAL);
	ck_errno(tdx_cmd_hw(t.vcpu, KVM_TDX_GET_CPUID, 0, 0, 1), EINVAL);
	ck_errno(tdx_cmd_hw(t.vcpu, KVM_TDX_INIT_MEM_REGION, 0, 0, 1), EINVAL);
	/* and nothing happened: FINALIZE still works */
	ck_assert_int_eq(st_tdx(t.vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	free(c);
}
END_TEST

/* tdx_vm_ioctl(): only CAPABILITIES, INIT_VM and FINALIZE_VM are VM-scoped;
 * the vCPU sub-commands and unknown ids are EINVAL on the VM fd. */
START_TEST(t_vcpu_cmds_on_vm_fd)
{
	struct td t = td_ready(false);
	struct kvm_tdx_init_mem_region r = { .source_addr = (uintptr_t)t.src, .gpa = PG, .nr_pages = 1 };
	struct kvm_cpuid2 cp = { .nent = 0 };

	ck_errno(st_tdx(t.vm, KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL);
	ck_errno(st_tdx(t.vm, KVM_TDX_INIT_MEM_REGION, 0, (uintptr_t)&r, NULL), EINVAL);
	ck_errno(st_tdx(t.vm, KVM_TDX_GET_CPUID, 0, (uintptr_t)&cp, NULL), EINVAL);
	ck_errno(st_tdx(t.vm, 99, 0, 0, NULL), EINVAL);
	ck_errno(st_tdx(t.vm, 0xffffffff, 0, 0, NULL), EINVAL);
	ck_assert_uint_eq(r.nr_pages, 1);
}
END_TEST

/* tdx_vcpu_unlocked_ioctl() returns -ENOIOCTLCMD for ids other than
 * INIT_MEM_REGION/INIT_VCPU, so kvm_vcpu_ioctl() goes on to
 * tdx_vcpu_ioctl(), whose default is EINVAL: the VM sub-commands are EINVAL
 * on a vCPU fd. */
START_TEST(t_vm_cmds_on_vcpu_fd)
{
	struct td t = td_ready(false);
	struct kvm_tdx_capabilities *c = calloc(1, sizeof(*c) + 256 * sizeof(struct kvm_cpuid_entry2));

	c->cpuid.nent = 256;
	ck_errno(st_tdx(t.vcpu, KVM_TDX_CAPABILITIES, 0, (uintptr_t)c, NULL), EINVAL);
	ck_errno(st_tdx(t.vcpu, KVM_TDX_INIT_VM, 0, 0, NULL), EINVAL);
	ck_errno(st_tdx(t.vcpu, KVM_TDX_FINALIZE_VM, 0, 0, NULL), EINVAL);
	ck_errno(st_tdx(t.vcpu, 99, 0, 0, NULL), EINVAL);
	/* the TD was not finalized through the vCPU fd */
	ck_assert_int_eq(st_tdx(t.vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	free(c);
}
END_TEST

/* vt_mem_enc_ioctl(): ENOTTY on a VM that is not a TD;
 * vt_vcpu_mem_enc_unlocked_ioctl(): EINVAL on a vCPU that is not a TD's. */
START_TEST(t_enc_op_on_plain_vm)
{
	int k = st_kvm(), vm = (int)xioctl(k, KVM_CREATE_VM, KVM_X86_DEFAULT_VM), v;
	struct kvm_tdx_capabilities *c = calloc(1, sizeof(*c) + 256 * sizeof(struct kvm_cpuid_entry2));

	ck_assert_int_ge(vm, 0);
	c->cpuid.nent = 256;
	ck_errno(st_tdx(vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)c, NULL), ENOTTY);
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, 0, NULL), ENOTTY);
	v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(v, 0);
	ck_errno(st_tdx(v, KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL);
	ck_errno(st_tdx(v, KVM_TDX_GET_CPUID, 0, 0, NULL), EINVAL);
	free(c);
	close(v);
	close(vm);
	close(k);
}
END_TEST

/* ---- KVM_TDX_CAPABILITIES: tdx_get_capabilities() ------------------- */

/* flags EINVAL first; then get_user(nent) EFAULT; nent below
 * num_cpuid_config is E2BIG *without* writing anything back (the function
 * returns before copy_to_user(), and tdx_vm_ioctl() returns directly);
 * success writes nent = num_cpuid_config. No TD state is required. */
START_TEST(t_capabilities)
{
	int vm = st_td();
	uint32_t n = caps_nent(vm);
	struct kvm_tdx_capabilities *c = calloc(1, sizeof(*c) + 256 * sizeof(struct kvm_cpuid_entry2));

	ck_assert_uint_gt(n, 1);
	c->cpuid.nent = 256;
	ck_errno(st_tdx(vm, KVM_TDX_CAPABILITIES, 1, (uintptr_t)c, NULL), EINVAL);
	ck_errno(st_tdx(vm, KVM_TDX_CAPABILITIES, 1, 0, NULL), EINVAL);
	ck_errno(st_tdx(vm, KVM_TDX_CAPABILITIES, 0, 0, NULL), EFAULT);

	memset(c, 0, sizeof(*c));
	c->cpuid.nent = n - 1;
	c->supported_attrs = 0x1234;
	ck_errno(st_tdx(vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)c, NULL), E2BIG);
	ck_assert_uint_eq(c->cpuid.nent, n - 1);
	ck_assert_uint_eq(c->supported_attrs, 0x1234);

	c->cpuid.nent = 0;
	ck_errno(st_tdx(vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)c, NULL), E2BIG);
	ck_assert_uint_eq(c->cpuid.nent, 0);

	c->cpuid.nent = n;
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)c, NULL), 0);
	ck_assert_uint_eq(c->cpuid.nent, n);
	c->cpuid.nent = 256;
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)c, NULL), 0);
	ck_assert_uint_eq(c->cpuid.nent, n);
	free(c);
	close(vm);
}
END_TEST

/* tdx_vm_ioctl() answers CAPABILITIES before the TD state guard: it works
 * after INIT_VM and after FINALIZE_VM too. */
START_TEST(t_capabilities_any_state)
{
	struct td t = td_ready(true);

	ck_assert_uint_gt(caps_nent(t.vm), 0);
}
END_TEST

/* ---- KVM_TDX_INIT_VM: tdx_td_init(), setup_tdparams*() -------------- */

/* tdx_td_init(): state != UNINITIALIZED is EINVAL before flags and before
 * reading data. */
START_TEST(t_init_vm_twice)
{
	int vm = st_td_inited();

	ck_errno(st_init_vm(vm, 48, NULL), EINVAL);
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, 0, NULL), EINVAL);
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 1, 0, NULL), EINVAL);
	close(vm);
}
END_TEST

/* tdx_td_init(): flags EINVAL before get_user(nent) EFAULT; nent >
 * KVM_MAX_CPUID_ENTRIES (256) E2BIG; reserved[] or cpuid.padding non-zero
 * EINVAL. Failures leave the TD uninitialised: a good INIT_VM then works. */
START_TEST(t_init_vm_args)
{
	int vm = st_td();
	struct kvm_tdx_init_vm *iv = st_init_args(vm, 48);
	struct kvm_tdx_init_vm *big = calloc(1, sizeof(*big) + 257 * sizeof(struct kvm_cpuid_entry2));

	st_split_irqchip(vm);
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 1, (uintptr_t)iv, NULL), EINVAL);
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 1, 0, NULL), EINVAL);
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, 0, NULL), EFAULT);

	big->cpuid.nent = 257;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)big, NULL), E2BIG);

	iv->reserved[11] = 1;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	iv->reserved[11] = 0;
	iv->cpuid.padding = 1;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	iv->cpuid.padding = 0;

	ck_assert_int_eq(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), 0);
	free(iv);
	free(big);
	close(vm);
}
END_TEST

/* setup_tdparams(): attributes/xfam outside the supported sets EINVAL;
 * setup_tdparams_eptp_controls(): no CPUID 0x80000008 entry, or a GPAW
 * other than 48/52, EINVAL; setup_tdparams_cpuids(): an entry that is not
 * a configurable leaf (copy_cnt != nent) EINVAL. */
START_TEST(t_init_vm_params)
{
	int vm = st_td();
	struct kvm_tdx_capabilities *c = st_caps(vm);
	struct kvm_tdx_init_vm *iv = st_init_args(vm, 48);
	unsigned i8 = 0;

	st_split_irqchip(vm);
	for (unsigned i = 0; i < iv->cpuid.nent; i++)
		if (iv->cpuid.entries[i].function == 0x80000008)
			i8 = i;
	ck_assert_uint_eq(iv->cpuid.entries[i8].function, 0x80000008);

	if (~c->supported_attrs) {
		uint64_t bad = ~c->supported_attrs & -~c->supported_attrs;

		iv->attributes |= bad;
		ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
		iv->attributes &= ~bad;
	}
	if (~c->supported_xfam) {
		uint64_t bad = ~c->supported_xfam & -~c->supported_xfam;

		iv->xfam |= bad;
		ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
		iv->xfam &= ~bad;
	}

	/* GPAW 50 */
	iv->cpuid.entries[i8].eax = (50 << 16) | 52;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	iv->cpuid.entries[i8].eax = (48 << 16) | 52;

	/* no 0x80000008 entry */
	{
		struct kvm_cpuid_entry2 save = iv->cpuid.entries[i8];

		iv->cpuid.entries[i8] = iv->cpuid.entries[iv->cpuid.nent - 1];
		iv->cpuid.nent--;
		ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
		iv->cpuid.entries[iv->cpuid.nent++] = iv->cpuid.entries[i8];
		iv->cpuid.entries[i8] = save;
	}

	/* a leaf the module has no CPUID_CONFIG slot for */
	iv->cpuid.entries[iv->cpuid.nent] = (struct kvm_cpuid_entry2){ .function = 0x4fffffff };
	iv->cpuid.nent++;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	iv->cpuid.nent--;

	ck_assert_int_eq(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), 0);
	free(c);
	free(iv);
	close(vm);
}
END_TEST

/* ---- KVM_TDX_FINALIZE_VM: tdx_td_finalize() ------------------------- */

/* !is_hkid_assigned() (no INIT_VM) EINVAL; RUNNABLE (second call) EINVAL. */
START_TEST(t_finalize_state)
{
	int vm = st_td();
	struct td t;

	ck_errno(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), EINVAL);
	close(vm);
	t = td_ready(true);
	ck_errno(st_tdx(t.vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), EINVAL);
}
END_TEST

/* tdx_td_finalize() checks neither cmd->flags nor cmd->data (unlike what
 * intel-tdx.rst says): FINALIZE with both non-zero succeeds. */
START_TEST(t_finalize_ignores_flags_data)
{
	struct td t = td_ready(false);

	ck_assert_int_eq(st_tdx(t.vm, KVM_TDX_FINALIZE_VM, 1, 0xdead000, NULL), 0);
}
END_TEST

/* ---- KVM_CREATE_VCPU: kvm_vm_ioctl_create_vcpu(), tdx_vcpu_create() -- */

/* id >= KVM_MAX_VCPU_IDS EINVAL (the id is an unsigned long, not
 * truncated); tdx_vcpu_create(): state != INITIALIZED EIO (before INIT_VM,
 * and after FINALIZE); no split irqchip EINVAL; then a duplicate id EEXIST
 * (checked after kvm_arch_vcpu_create(), so after FINALIZE a duplicate id
 * is EIO). */
START_TEST(t_create_vcpu_rules)
{
	int vm = st_td();
	struct td t;

	ck_errno(xioctl(vm, KVM_CREATE_VCPU, 1UL << 32), EINVAL);
	ck_errno(xioctl(vm, KVM_CREATE_VCPU, 0), EIO);
	ck_assert_int_eq(st_init_vm(vm, 48, NULL), 0);
	ck_errno(xioctl(vm, KVM_CREATE_VCPU, 0), EINVAL); /* no split irqchip */
	close(vm);

	t = td_ready(false);
	ck_errno(xioctl(t.vm, KVM_CREATE_VCPU, 0), EEXIST);
	ck_assert_int_eq(st_tdx(t.vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	ck_errno(xioctl(t.vm, KVM_CREATE_VCPU, 1), EIO);
	ck_errno(xioctl(t.vm, KVM_CREATE_VCPU, 0), EIO);
}
END_TEST

/* ---- KVM_TDX_INIT_VCPU: tdx_vcpu_init() ------------------------------ */

/* flags EINVAL; second INIT_VCPU EINVAL; x2APIC missing from the vCPU's
 * CPUID: kvm_apic_set_base() refuses X2APIC_ENABLE, EINVAL; after FINALIZE
 * tdx_vcpu_unlocked_ioctl() refuses with EINVAL. */
START_TEST(t_init_vcpu_rules)
{
	struct td t = td_ready(false);
	int v1 = (int)xioctl(t.vm, KVM_CREATE_VCPU, 1);

	ck_assert_int_ge(v1, 0);
	ck_errno(st_tdx(t.vcpu, KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL);
	ck_assert_int_eq(st_set_cpuid(v1, false), 0);
	ck_errno(st_tdx(v1, KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL);
	ck_assert_int_eq(st_set_cpuid(v1, true), 0);
	ck_errno(st_tdx(v1, KVM_TDX_INIT_VCPU, 1, 0, NULL), EINVAL);
	ck_assert_int_eq(st_tdx(t.vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	ck_errno(st_tdx(v1, KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL);
	close(v1);
}
END_TEST

/* kvm_vm_ioctl_create_vcpu(): created_vcpus >= kvm->max_vcpus EINVAL;
 * tdx_vm_init() caps a TD's max_vcpus at num_present_cpus(), which
 * KVM_CAP_MAX_VCPUS on the VM reports. */
/* num_present_cpus() and num_online_cpus() are the simulated host's: one
 * package of the preset's CPU (Xeon 8570: 112 logical processors), or
 * "present_cpus" of a caps file; not this machine's count. */
START_TEST(t_present_cpus_are_the_hosts)
{
	const char *dir = getenv("TDXSIM_DATA_DIR");
	char src[4096], path[] = "/tmp/sim-conform-caps-XXXXXX";
	static char text[1 << 20];
	FILE *f;
	size_t n;
	int k, vm, fd;

	ck_assert_ptr_nonnull(dir);
	snprintf(src, sizeof(src), "%s/tdx-caps-realistic.json", dir);
	ck_assert_int_eq(tdxsim_ctl_set_caps("realistic"), 0);
	k = st_kvm();
	ck_assert_int_eq(xioctl(k, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS), 112);
	vm = st_td();
	ck_assert_int_eq(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS), 112);
	ck_assert_int_eq(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS), 112);
	close(vm);
	/* the same host with 4 CPUs */
	f = fopen(src, "re");
	ck_assert_ptr_nonnull(f);
	n = fread(text + 1, 1, sizeof(text) - 64, f);
	fclose(f);
	ck_assert(n > 2 && text[1] == '{');
	text[n + 1] = 0;
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_gt(fprintf(f, "{\"present_cpus\": 4,%s", text + 2), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(tdxsim_ctl_set_caps(path), 0);
	vm = st_td();
	ck_assert_int_eq(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS), 4);
	ck_assert_int_eq(xioctl(k, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS), 4);
	close(vm);
	close(k);
	unlink(path);
	ck_assert_int_eq(tdxsim_ctl_set_caps("realistic"), 0);
}
END_TEST

START_TEST(t_create_vcpu_max)
{
	int vm = st_td_inited();
	long max = xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	int *v = calloc((size_t)max + 1, sizeof(int));

	ck_assert_int_gt(max, 0);
	ck_assert_int_le(max, 4096);
	for (long i = 0; i < max; i++) {
		v[i] = (int)xioctl(vm, KVM_CREATE_VCPU, (unsigned long)i * 2);
		ck_assert_int_ge(v[i], 0);
	}
	ck_errno(xioctl(vm, KVM_CREATE_VCPU, (unsigned long)max * 2), EINVAL);
	for (long i = 0; i < max; i++)
		close(v[i]);
	free(v);
	close(vm);
}
END_TEST

/* ---- KVM_TDX_GET_CPUID: tdx_vcpu_ioctl(), tdx_vcpu_get_cpuid() ------- */

/* nent too small: E2BIG with the needed count written to nent; flags are
 * not checked; no INIT_VCPU needed (it reads TD-scope metadata); after
 * FINALIZE tdx_vcpu_ioctl() refuses with EINVAL. */
START_TEST(t_get_cpuid)
{
	struct td t = td_ready(false);
	struct kvm_cpuid2 *cp = calloc(1, sizeof(*cp) + 256 * sizeof(struct kvm_cpuid_entry2));
	int v1 = (int)xioctl(t.vm, KVM_CREATE_VCPU, 1);
	uint32_t need;

	ck_assert_int_ge(v1, 0);
	cp->nent = 1;
	cp->entries[0].function = 0xdeadbeef;
	ck_errno(st_tdx(t.vcpu, KVM_TDX_GET_CPUID, 0, (uintptr_t)cp, NULL), E2BIG);
	need = cp->nent;
	ck_assert_uint_gt(need, 1);
	/* only the header is copied out on E2BIG */
	ck_assert_uint_eq(cp->entries[0].function, 0xdeadbeef);
	ck_assert_int_eq(st_tdx(t.vcpu, KVM_TDX_GET_CPUID, 0, (uintptr_t)cp, NULL), 0);
	ck_assert_uint_eq(cp->nent, need);
	cp->nent = 256;
	ck_assert_int_eq(st_tdx(t.vcpu, KVM_TDX_GET_CPUID, 1, (uintptr_t)cp, NULL), 0);
	ck_assert_uint_eq(cp->nent, need);
	cp->nent = 256;
	ck_assert_int_eq(st_tdx(v1, KVM_TDX_GET_CPUID, 0, (uintptr_t)cp, NULL), 0);
	ck_errno(st_tdx(t.vcpu, KVM_TDX_GET_CPUID, 0, 0, NULL), EFAULT);

	ck_assert_int_eq(st_tdx(t.vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	cp->nent = 256;
	ck_errno(st_tdx(t.vcpu, KVM_TDX_GET_CPUID, 0, (uintptr_t)cp, NULL), EINVAL);
	free(cp);
	close(v1);
}
END_TEST

/* ---- KVM_TDX_INIT_MEM_REGION: tdx_vcpu_init_mem_region(),
 * kvm_gmem_populate() --------------------------------------------------- */

/* vCPU not INIT_VCPU'd EINVAL (before flags and before reading data);
 * flags other than MEASURE EINVAL before copy_from_user; data NULL
 * EFAULT. */
START_TEST(t_init_mem_region_order)
{
	struct td t = td_ready(false);
	int v1 = (int)xioctl(t.vm, KVM_CREATE_VCPU, 1);
	struct kvm_tdx_init_mem_region r = { .source_addr = (uintptr_t)t.src, .gpa = PG, .nr_pages = 1 };

	ck_assert_int_ge(v1, 0);
	ck_errno(st_tdx(v1, KVM_TDX_INIT_MEM_REGION, 0, (uintptr_t)&r, NULL), EINVAL);
	ck_errno(st_tdx(v1, KVM_TDX_INIT_MEM_REGION, 0, 0, NULL), EINVAL);
	ck_errno(st_tdx(t.vcpu, KVM_TDX_INIT_MEM_REGION, 2, (uintptr_t)&r, NULL), EINVAL);
	ck_errno(st_tdx(t.vcpu, KVM_TDX_INIT_MEM_REGION, 2, 0, NULL), EINVAL);
	ck_errno(st_tdx(t.vcpu, KVM_TDX_INIT_MEM_REGION, 0, 0, NULL), EFAULT);
	ck_assert_int_eq(st_tdx(t.vcpu, KVM_TDX_INIT_MEM_REGION, 0, (uintptr_t)&r, NULL), 0);
	ck_assert_uint_eq(r.nr_pages, 0);
	ck_assert_uint_eq(r.gpa, 2 * PG);
	ck_assert_uint_eq(r.source_addr, (uintptr_t)t.src + PG);
	close(v1);
}
END_TEST

/* source/gpa not page aligned, nr_pages 0, gpa + size wrapping, a start or
 * an end GPA with the shared bit: EINVAL, and nothing written back. */
START_TEST(t_init_mem_region_args)
{
	struct td t = td_ready(false);
	uint64_t src = (uintptr_t)t.src;
	struct kvm_tdx_init_mem_region bad[] = {
		{ src + 8, PG, 1 },
		{ src, PG + 8, 1 },
		{ src, PG, 0 },
		{ src, PG, 1ULL << 52 },	/* gpa + (n << 12) wraps */
		{ src, SHARED_BIT_48, 1 },	/* shared GPA */
		{ src, SHARED_BIT_48 - PG, 2 }, /* ends in the shared half */
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kvm_tdx_init_mem_region r = bad[i];

		ck_assert_msg(st_add_pages(t.vcpu, (void *)(uintptr_t)r.source_addr, r.gpa, r.nr_pages, true, &r) == -EINVAL,
			      "case %u", i);
		ck_assert_msg(memcmp(&r, &bad[i], sizeof(r)) == 0, "case %u written back", i);
	}
}
END_TEST

/* kvm_gmem_populate(): no memslot, or a memslot without guest_memfd,
 * EINVAL; __kvm_gmem_populate(): a shared (not PRIVATE) page EINVAL. A
 * failure after some pages is reported with the progress written back
 * (tdx_vcpu_init_mem_region() always copies the region out). */
START_TEST(t_init_mem_region_memslots)
{
	struct td t = td_ready(false);
	void *shm = page_buf(4);
	struct kvm_tdx_init_mem_region r;

	/* no memslot at 1 GiB */
	ck_errno(st_add_pages(t.vcpu, t.src, 1ULL << 30, 1, false, &r), EINVAL);
	ck_assert_uint_eq(r.nr_pages, 1);
	/* a plain (non-gmem) memslot at 2 GiB, PRIVATE attribute */
	ck_assert_int_eq(st_slot(t.vm, 1, 2ULL << 30, 4 * PG, shm, -1, 0), 0);
	ck_assert_int_eq(st_attrs(t.vm, 2ULL << 30, 4 * PG, KVM_MEMORY_ATTRIBUTE_PRIVATE), 0);
	ck_errno(st_add_pages(t.vcpu, t.src, 2ULL << 30, 1, false, &r), EINVAL);
	/* page 5 of the private slot made shared */
	ck_assert_int_eq(st_attrs(t.vm, 5 * PG, PG, 0), 0);
	ck_errno(st_add_pages(t.vcpu, t.src, 5 * PG, 1, false, &r), EINVAL);
	ck_assert_uint_eq(r.nr_pages, 1);
	/* pages 3, 4 added, 5 refused: progress written back */
	ck_errno(st_add_pages(t.vcpu, t.src, 3 * PG, 3, false, &r), EINVAL);
	ck_assert_uint_eq(r.gpa, 5 * PG);
	ck_assert_uint_eq(r.nr_pages, 1);
	ck_assert_uint_eq(r.source_addr, (uintptr_t)t.src + 2 * PG);
	/* last page of the slot then past its end */
	ck_errno(st_add_pages(t.vcpu, t.src, 15 * PG, 2, false, &r), EINVAL);
	ck_assert_uint_eq(r.gpa, 16 * PG);
	ck_assert_uint_eq(r.nr_pages, 1);
}
END_TEST

/* Once RUNNABLE: tdx_vcpu_unlocked_ioctl() refuses with EINVAL before
 * looking at flags or data. */
START_TEST(t_init_mem_region_after_finalize)
{
	struct td t = td_ready(true);
	struct kvm_tdx_init_mem_region r = { (uintptr_t)t.src, PG, 1 };

	ck_errno(st_tdx(t.vcpu, KVM_TDX_INIT_MEM_REGION, 0, (uintptr_t)&r, NULL), EINVAL);
	ck_errno(st_tdx(t.vcpu, KVM_TDX_INIT_MEM_REGION, 0, 0, NULL), EINVAL);
	ck_assert_uint_eq(r.nr_pages, 1);
}
END_TEST

/* ---- KVM_CREATE_GUEST_MEMFD: kvm_gmem_create() ----------------------- */

/* flags outside kvm_gmem_get_supported_flags(): on a TD that is MMAP only
 * (INIT_SHARED needs !kvm_arch_has_private_mem()); size <= 0 or not page
 * aligned EINVAL. */
START_TEST(t_gmem_create)
{
	int vm = st_td();

	ck_assert_int_ge(gmem_create(vm, PG, 0), 0);
	ck_assert_int_ge(gmem_create(vm, PG, GUEST_MEMFD_FLAG_MMAP), 0);
	ck_errno(gmem_create(vm, PG, GUEST_MEMFD_FLAG_INIT_SHARED), EINVAL);
	ck_errno(gmem_create(vm, PG, GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED), EINVAL);
	ck_errno(gmem_create(vm, PG, 1ULL << 2), EINVAL);
	ck_errno(gmem_create(vm, PG, 1ULL << 63), EINVAL);
	ck_errno(gmem_create(vm, 0, 0), EINVAL);
	ck_errno(gmem_create(vm, PG + 1, 0), EINVAL);
	ck_errno(gmem_create(vm, 512, 0), EINVAL);
	ck_errno(gmem_create(vm, 1ULL << 63, 0), EINVAL); /* negative loff_t */
	ck_errno(gmem_create(vm, ~0ULL & ~(PG - 1), 0), EINVAL);
	close(vm);
}
END_TEST

/* kvm_gmem_fallocate(): KEEP_SIZE is required and only PUNCH_HOLE may be
 * added (EOPNOTSUPP), offset/len page aligned (EINVAL); allocating past
 * i_size is EINVAL (kvm_gmem_allocate()), punching past it is not
 * (kvm_gmem_punch_hole() has no size check); vfs_fallocate(): len 0 is
 * EINVAL. */
START_TEST(t_gmem_fallocate)
{
	int vm = st_td(), g = st_gmem(vm, 4 * PG);

	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE, 0, PG), 0);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 0, PG), 0);
	ck_assert_int_eq(fallocate(g, 0, 0, PG), -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE, 0, PG), -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE, 1, PG), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE, 0, PG + 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 0, 100), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE, 2 * PG, 4 * PG), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 2 * PG, 4 * PG), 0);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE, 0, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(g);
	close(vm);
}
END_TEST

/* ---- KVM_SET_USER_MEMORY_REGION(2): kvm_vm_ioctl(),
 * check_memory_region_flags(), kvm_set_memory_region(), kvm_gmem_bind() -- */

/* check_memory_region_flags() on a TD: has_protected_state, so no
 * READONLY at all; GUEST_MEMFD excludes LOG_DIRTY_PAGES; unknown bits
 * EINVAL; LOG_DIRTY_PAGES alone is fine. kvm_vm_ioctl(): the v1 ioctl
 * takes only LOG_DIRTY_PAGES|READONLY. */
START_TEST(t_memslot_flags)
{
	int vm = st_td(), g = st_gmem(vm, 16 * PG);
	void *m = page_buf(4);
	uint64_t u = (uintptr_t)m;

	ck_errno(region2(vm, 0, KVM_MEM_READONLY, 0, 4 * PG, u, 0, 0), EINVAL);
	ck_errno(region1(vm, 0, 0, 4 * PG, u, KVM_MEM_READONLY), EINVAL);
	ck_errno(region2(vm, 0, KVM_MEM_READONLY | KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, g, 0), EINVAL);
	ck_errno(region2(vm, 0, KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, g, 0), EINVAL);
	ck_errno(region2(vm, 0, 1U << 3, 0, 4 * PG, u, 0, 0), EINVAL);
	ck_errno(region2(vm, 0, 1U << 31, 0, 4 * PG, u, 0, 0), EINVAL);
	ck_errno(region1(vm, 0, 0, 4 * PG, u, KVM_MEM_GUEST_MEMFD), EINVAL);
	ck_assert_int_eq(region2(vm, 0, KVM_MEM_LOG_DIRTY_PAGES, 0, 4 * PG, u, 0, 0), 0);
	ck_assert_int_eq(region1(vm, 1, 1ULL << 30, 4 * PG, u, 0), 0);
	close(g);
	close(vm);
}
END_TEST

/* kvm_set_memory_region() sanity checks, all EINVAL: size, GPA, uaddr not
 * page aligned; gmem offset not aligned or offset + size wrapping; as_id
 * >= 1 (a private-memory VM has one address space,
 * kvm_arch_nr_memslot_as_ids()); gpa + size wrapping; more than
 * KVM_MEM_MAX_NR_PAGES pages; deleting a slot that does not exist.
 * kvm_vm_ioctl_set_memory_region(): (u16)slot >= KVM_USER_MEM_SLOTS
 * (32764 on x86). */
START_TEST(t_memslot_sanity)
{
	int vm = st_td(), g = st_gmem(vm, 16 * PG);
	void *m = page_buf(4);
	uint64_t u = (uintptr_t)m;

	ck_errno(region2(vm, 0, 0, 0, 4 * PG + 1, u, 0, 0), EINVAL);
	ck_errno(region2(vm, 0, 0, 8, 4 * PG, u, 0, 0), EINVAL);
	ck_errno(region2(vm, 0, 0, 0, 4 * PG, u + 8, 0, 0), EINVAL);
	ck_errno(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, g, 8), EINVAL);
	ck_errno(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, g, ~0ULL & ~(PG - 1)), EINVAL);
	ck_errno(region2(vm, 1U << 16, 0, 0, 4 * PG, u, 0, 0), EINVAL);
	ck_errno(region2(vm, 1U << 16, KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, g, 0), EINVAL);
	ck_errno(region2(vm, 0, 0, ~0ULL & ~(PG - 1), 4 * PG, u, 0, 0), EINVAL);
	ck_errno(region2(vm, 0, 0, 0, 1ULL << 43, 0x10000, 0, 0), EINVAL);
	ck_errno(region2(vm, 3, 0, 0, 0, 0, 0, 0), EINVAL);
	ck_errno(region2(vm, 32764, 0, 0, 4 * PG, u, 0, 0), EINVAL);
	ck_errno(region2(vm, 32767, 0, 0, 4 * PG, u, 0, 0), EINVAL);
	ck_errno(region2(vm, 0xffff, 0, 0, 4 * PG, u, 0, 0), EINVAL);
	ck_assert_int_eq(region2(vm, 32763, 0, 0, 4 * PG, u, 0, 0), 0);
	close(g);
	close(vm);
}
END_TEST

/* kvm_gmem_bind(): fd not open EBADF; an fd that is not a guest_memfd, or
 * another VM's guest_memfd, EINVAL; offset + size past the file EINVAL;
 * an offset range already bound EEXIST. kvm_set_memory_region(): GPA
 * overlap with another slot EEXIST. */
START_TEST(t_memslot_gmem_bind)
{
	int vm = st_td(), vm2 = st_td(), g = st_gmem(vm, 16 * PG), g2 = st_gmem(vm2, 16 * PG);
	int mfd = memfd_create("x", MFD_CLOEXEC);
	void *m = page_buf(16);
	uint64_t u = (uintptr_t)m;

	ck_assert_int_ge(mfd, 0);
	ck_assert_int_eq(ftruncate(mfd, 16 * PG), 0);
	ck_errno(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, 1000, 0), EBADF);
	ck_errno(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, (uint32_t)mfd, 0), EINVAL);
	ck_errno(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, (uint32_t)g2, 0), EINVAL);
	ck_errno(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, g, 13 * PG), EINVAL);
	ck_errno(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 0, 17 * PG, u, g, 0), EINVAL);
	ck_assert_int_eq(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, g, 12 * PG), 0);
	/* offsets [12, 16) are taken */
	ck_errno(region2(vm, 1, KVM_MEM_GUEST_MEMFD, 1ULL << 30, 4 * PG, u, g, 10 * PG), EEXIST);
	ck_errno(region2(vm, 1, KVM_MEM_GUEST_MEMFD, 1ULL << 30, 1 * PG, u, g, 15 * PG), EEXIST);
	ck_assert_int_eq(region2(vm, 1, KVM_MEM_GUEST_MEMFD, 1ULL << 30, 4 * PG, u, g, 8 * PG), 0);
	/* GPA overlap */
	ck_errno(region2(vm, 2, KVM_MEM_GUEST_MEMFD, 2 * PG, 4 * PG, u, g, 0), EEXIST);
	ck_errno(region2(vm, 2, 0, (1ULL << 30) + 3 * PG, 4 * PG, u, 0, 0), EEXIST);
	close(mfd);
	close(g);
	close(g2);
	close(vm);
	close(vm2);
}
END_TEST

/* kvm_set_memory_region(): a guest_memfd slot is immutable. Re-issuing the
 * same region with GUEST_MEMFD is EINVAL (not a no-op), and so is
 * re-issuing it without the flag (flags ^ old->flags has GUEST_MEMFD);
 * it can be deleted, and its gmem range bound again. A plain slot
 * re-issued unchanged is a no-op (0), and can be moved. */
START_TEST(t_memslot_gmem_immutable)
{
	int vm = st_td(), g = st_gmem(vm, 16 * PG);
	void *m = page_buf(4);
	uint64_t u = (uintptr_t)m;

	ck_assert_int_eq(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, g, 0), 0);
	ck_errno(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, g, 0), EINVAL);
	ck_errno(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 8 * PG, 4 * PG, u, g, 8 * PG), EINVAL);
	ck_errno(region2(vm, 0, 0, 0, 4 * PG, u, 0, 0), EINVAL);
	ck_errno(region2(vm, 0, KVM_MEM_LOG_DIRTY_PAGES, 0, 4 * PG, u, 0, 0), EINVAL);
	ck_assert_int_eq(region2(vm, 0, 0, 0, 0, u, 0, 0), 0); /* delete */
	ck_assert_int_eq(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, g, 0), 0);

	ck_assert_int_eq(region2(vm, 1, 0, 1ULL << 30, 4 * PG, u, 0, 0), 0);
	ck_assert_int_eq(region2(vm, 1, 0, 1ULL << 30, 4 * PG, u, 0, 0), 0);
	ck_assert_int_eq(region2(vm, 1, KVM_MEM_LOG_DIRTY_PAGES, 1ULL << 30, 4 * PG, u, 0, 0), 0);
	ck_assert_int_eq(region2(vm, 1, 0, 2ULL << 30, 4 * PG, u, 0, 0), 0); /* move */
	ck_errno(region2(vm, 1, 0, 2ULL << 30, 8 * PG, u, 0, 0), EINVAL);	/* resize */
	ck_errno(region2(vm, 1, KVM_MEM_GUEST_MEMFD, 2ULL << 30, 4 * PG, u, g, 8 * PG), EINVAL);
	close(g);
	close(vm);
}
END_TEST

/* kvm_arch_prepare_memory_region(): after INIT_VM the shared bit is a
 * gfn_direct_bits alias; a slot whose last gfn has it is EINVAL
 * (kvm_is_gfn_alias()). */
START_TEST(t_memslot_alias_after_init)
{
	int vm = st_td_inited();
	void *m = page_buf(4);
	uint64_t u = (uintptr_t)m;

	ck_errno(region2(vm, 0, 0, SHARED_BIT_48, 4 * PG, u, 0, 0), EINVAL);
	ck_errno(region2(vm, 0, 0, SHARED_BIT_48 - 2 * PG, 4 * PG, u, 0, 0), EINVAL);
	ck_assert_int_eq(region2(vm, 0, 0, SHARED_BIT_48 - 4 * PG, 4 * PG, u, 0, 0), 0);
	close(vm);
}
END_TEST

/* ---- KVM_SET_MEMORY_ATTRIBUTES: kvm_vm_ioctl_set_mem_attributes() ---- */

/* flags EINVAL; attributes outside kvm_supported_mem_attributes() (PRIVATE
 * on a TD, nothing on a plain VM) EINVAL; size 0 or address + size
 * wrapping EINVAL; address or size not page aligned EINVAL. The range need
 * not be backed by a memslot. The struct is not written back (the ioctl
 * has no partial-progress report). */
START_TEST(t_mem_attributes)
{
	int vm = st_td(), k = st_kvm(), plain = (int)xioctl(k, KVM_CREATE_VM, 0);
	struct kvm_memory_attributes a = { .address = 1ULL << 40, .size = 1ULL << 30,
					   .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE, .flags = 1 };
	struct kvm_memory_attributes a0;

	ck_assert_int_ge(plain, 0);
	ck_errno(xioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, (uintptr_t)&a), EINVAL);
	a.flags = 0;
	ck_errno(st_attrs(vm, 0, PG, 1ULL << 0), EINVAL);
	ck_errno(st_attrs(vm, 0, PG, KVM_MEMORY_ATTRIBUTE_PRIVATE | (1ULL << 4)), EINVAL);
	ck_errno(st_attrs(vm, 0, 0, KVM_MEMORY_ATTRIBUTE_PRIVATE), EINVAL);
	ck_errno(st_attrs(vm, ~0ULL & ~(PG - 1), 2 * PG, KVM_MEMORY_ATTRIBUTE_PRIVATE), EINVAL);
	ck_errno(st_attrs(vm, 8, PG, KVM_MEMORY_ATTRIBUTE_PRIVATE), EINVAL);
	ck_errno(st_attrs(vm, 0, PG + 8, KVM_MEMORY_ATTRIBUTE_PRIVATE), EINVAL);
	a0 = a;
	ck_assert_int_eq(xioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, (uintptr_t)&a), 0);
	ck_assert_int_eq(memcmp(&a, &a0, sizeof(a)), 0);
	ck_assert_int_eq(st_attrs(vm, 1ULL << 40, 1ULL << 30, 0), 0);

	ck_errno(st_attrs(plain, 0, PG, KVM_MEMORY_ATTRIBUTE_PRIVATE), EINVAL);
	ck_assert_int_eq(st_attrs(plain, 0, PG, 0), 0);
	close(plain);
	close(k);
	close(vm);
}
END_TEST

/* ---- KVM_PRE_FAULT_MEMORY: kvm_vcpu_pre_fault_memory(),
 * kvm_arch_vcpu_pre_fault_memory() --------------------------------------- */

/* flags EINVAL; gpa/size unaligned or gpa + size <= gpa (size 0 included)
 * EINVAL — all before pre_fault_allowed, which a TD gets only at
 * FINALIZE (tdx_td_finalize()): before that EOPNOTSUPP. */
START_TEST(t_prefault_before_finalize)
{
	struct td t = td_ready(false);
	struct kvm_pre_fault_memory r = { .gpa = PG, .size = PG, .flags = 1 };

	ck_errno(prefault(t.vcpu, &r), EINVAL);
	r.flags = 0;
	r.gpa = 8;
	ck_errno(prefault(t.vcpu, &r), EINVAL);
	r.gpa = PG;
	r.size = 8;
	ck_errno(prefault(t.vcpu, &r), EINVAL);
	r.size = 0;
	ck_errno(prefault(t.vcpu, &r), EINVAL);
	r.gpa = ~0ULL & ~(PG - 1);
	r.size = 2 * PG;
	ck_errno(prefault(t.vcpu, &r), EINVAL);
	r.gpa = PG;
	r.size = PG;
	ck_errno(prefault(t.vcpu, &r), EOPNOTSUPP);
	ck_assert_uint_eq(r.gpa, PG);
	ck_assert_uint_eq(r.size, PG);
}
END_TEST

/* After FINALIZE: a private page maps (0, range consumed and written
 * back); a GPA with the shared bit is an alias, EINVAL
 * (kvm_is_gfn_alias()); a GPA with no memslot: RET_PF_EMULATE -> ENOENT
 * (kvm_tdp_page_prefault()), nothing consumed. */
START_TEST(t_prefault_after_finalize)
{
	struct td t = td_ready(true);
	struct kvm_pre_fault_memory r = { .gpa = 2 * PG, .size = 2 * PG };

	ck_assert_int_eq(prefault(t.vcpu, &r), 0);
	ck_assert_uint_eq(r.gpa, 4 * PG);
	ck_assert_uint_eq(r.size, 0);
	r = (struct kvm_pre_fault_memory){ .gpa = SHARED_BIT_48 | (2 * PG), .size = PG };
	ck_errno(prefault(t.vcpu, &r), EINVAL);
	r = (struct kvm_pre_fault_memory){ .gpa = 1ULL << 30, .size = PG };
	ck_errno(prefault(t.vcpu, &r), ENOENT);
	ck_assert_uint_eq(r.gpa, 1ULL << 30);
	ck_assert_uint_eq(r.size, PG);
}
END_TEST

/* ---- another mm: kvm_vm_ioctl(), kvm_vcpu_ioctl(), kvm_dev_ioctl() ---- */

/* kvm->mm != current->mm: every VM and vCPU ioctl from a forked child is
 * EIO, KVM_MEMORY_ENCRYPT_OP and CHECK_EXTENSION included; /dev/kvm has
 * no such check (the child can create its own VM). */
START_TEST(t_fork_other_mm)
{
	struct td t = td_ready(false);
	int k = st_kvm();
	pid_t p = fork();

	ck_assert_int_ge(p, 0);
	if (p == 0) {
		/* no heap in the child: valgrind checks it for leaks at _exit;
		 * the status is the first failed check, from 2 up (valgrind's
		 * own error exit is 1) */
		static unsigned char cbuf[sizeof(struct kvm_tdx_capabilities) +
					  256 * sizeof(struct kvm_cpuid_entry2)];
		static unsigned char cpbuf[sizeof(struct kvm_cpuid2) +
					   256 * sizeof(struct kvm_cpuid_entry2)];
		struct kvm_tdx_capabilities *c = (void *)cbuf;
		struct kvm_cpuid2 *cp = (void *)cpbuf;
		long vm2;
		int bad = 0;

		c->cpuid.nent = 256;
		cp->nent = 256;
		if (!bad && (xioctl(t.vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) != -EIO))
			bad = 2;
		if (!bad && (st_tdx(t.vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)c, NULL) != -EIO))
			bad = 3;
		if (!bad && (st_tdx(t.vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL) != -EIO))
			bad = 4;
		if (!bad && (xioctl(t.vm, KVM_CREATE_VCPU, 5) != -EIO))
			bad = 5;
		if (!bad && (st_attrs(t.vm, 0, PG, 0) != -EIO))
			bad = 6;
		if (!bad && (st_tdx(t.vcpu, KVM_TDX_GET_CPUID, 0, (uintptr_t)cp, NULL) != -EIO))
			bad = 7;
		if (!bad && (xioctl(t.vcpu, KVM_GET_MP_STATE, (uintptr_t)cp) != -EIO))
			bad = 8;
		vm2 = xioctl(k, KVM_CREATE_VM, KVM_X86_TDX_VM);
		if (!bad && (vm2 < 0))
			bad = 9;
		_exit(bad);
	}
	{
		int st;

		ck_assert_int_eq(waitpid(p, &st, 0), p);
		ck_assert(WIFEXITED(st));
		ck_assert_msg(WEXITSTATUS(st) == 0, "child check %d failed", WEXITSTATUS(st));
	}
	/* the parent still owns the TD */
	ck_assert_int_eq(st_tdx(t.vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	close(k);
}
END_TEST


/* ---- second batch ---------------------------------------------------- */

/* kvm_gmem_populate(): source_addr 0 means no source page, and
 * tdx_gmem_post_populate() refuses that with EOPNOTSUPP; a source page
 * that cannot be read (PROT_NONE) fails get_user_pages_fast(): EFAULT. Nothing is
 * consumed in either case. */
START_TEST(t_init_mem_region_source)
{
	struct td t = td_ready(false);
	void *gone = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_tdx_init_mem_region r;

	ck_assert_ptr_ne(gone, MAP_FAILED);
	ck_errno(st_add_pages(t.vcpu, NULL, PG, 1, true, &r), EOPNOTSUPP);
	ck_assert_uint_eq(r.nr_pages, 1);
	ck_errno(st_add_pages(t.vcpu, gone, PG, 1, true, &r), EFAULT);
	ck_assert_uint_eq(r.nr_pages, 1);
	ck_assert_uint_eq(r.gpa, PG);
	ck_assert_int_eq(st_add_pages(t.vcpu, t.src, PG, 1, true, &r), 0);
}
END_TEST

/* Closing the guest_memfd unbinds it (kvm_gmem_release()); the memslot
 * stays but has no file: kvm_gmem_populate() EFAULT (gmem_get_file),
 * and a new binding of the closed fd is EBADF (kvm_gmem_bind()). */
START_TEST(t_gmem_closed_while_bound)
{
	struct td t = td_ready(false);
	void *m = page_buf(4);

	ck_assert_int_eq(close(t.gmem), 0);
	ck_errno(st_add_pages(t.vcpu, t.src, PG, 1, true, NULL), EFAULT);
	ck_errno(region2(t.vm, 1, KVM_MEM_GUEST_MEMFD, 1ULL << 30, 4 * PG, (uintptr_t)m,
			 (uint32_t)t.gmem, 0), EBADF);
}
END_TEST

/* kvm_arch_vm_ioctl(): KVM_MEMORY_ENCRYPT_(UN)REG_REGION copy the
 * argument first (EFAULT), then ENOTTY because VMX/TDX has no
 * mem_enc_(un)register_region. */
START_TEST(t_enc_reg_region)
{
	int vm = st_td();
	struct kvm_enc_region reg = { .addr = 0x10000, .size = PG };

	ck_errno(xioctl(vm, KVM_MEMORY_ENCRYPT_REG_REGION, 0), EFAULT);
	ck_errno(xioctl(vm, KVM_MEMORY_ENCRYPT_UNREG_REGION, 0), EFAULT);
	ck_errno(xioctl(vm, KVM_MEMORY_ENCRYPT_REG_REGION, (uintptr_t)&reg), ENOTTY);
	ck_errno(xioctl(vm, KVM_MEMORY_ENCRYPT_UNREG_REGION, (uintptr_t)&reg), ENOTTY);
	close(vm);
}
END_TEST

/* tdx_get_cmd(): copy_from_user of the command itself: EFAULT on the VM
 * fd and on the vCPU fd (the unlocked path reads it before any state
 * check, so also after FINALIZE). */
START_TEST(t_enc_op_bad_pointer)
{
	struct td t = td_ready(true);

	ck_errno(xioctl(t.vm, KVM_MEMORY_ENCRYPT_OP, 0), EFAULT);
	ck_errno(xioctl(t.vcpu, KVM_MEMORY_ENCRYPT_OP, 0), EFAULT);
}
END_TEST

/* kvm_arch_vcpu_precreate(): id >= max_vcpu_ids (KVM_MAX_VCPU_IDS unless
 * set, reported by KVM_CAP_MAX_VCPU_ID) EINVAL. */
START_TEST(t_create_vcpu_max_id)
{
	int vm = st_td_inited();
	long maxid = xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	int v;

	ck_assert_int_gt(maxid, 0);
	ck_errno(xioctl(vm, KVM_CREATE_VCPU, (unsigned long)maxid), EINVAL);
	v = (int)xioctl(vm, KVM_CREATE_VCPU, (unsigned long)maxid - 1);
	ck_assert_int_ge(v, 0);
	close(v);
	close(vm);
}
END_TEST

/* A vCPU fd holds a reference on its VM (kvm_vm_ioctl_create_vcpu() ->
 * kvm_get_kvm()): closing the VM fd does not kill the TD; vCPU ioctls
 * keep working, and so does a guest_memfd (which also pins the VM). */
START_TEST(t_vcpu_outlives_vm_fd)
{
	struct td t = td_ready(false);
	struct kvm_cpuid2 *cp = calloc(1, sizeof(*cp) + 256 * sizeof(struct kvm_cpuid_entry2));

	ck_assert_int_eq(close(t.vm), 0);
	cp->nent = 256;
	ck_assert_int_eq(st_tdx(t.vcpu, KVM_TDX_GET_CPUID, 0, (uintptr_t)cp, NULL), 0);
	ck_assert_int_eq(st_add_pages(t.vcpu, t.src, PG, 1, true, NULL), 0);
	ck_assert_int_eq(fallocate(t.gmem, FALLOC_FL_KEEP_SIZE, 8 * PG, PG), 0);
	free(cp);
}
END_TEST

/* Ioctls of another type: kvm_vcpu_ioctl() EINVAL (_IOC_TYPE != KVMIO);
 * kvm_vm_ioctl() -> kvm_arch_vm_ioctl() ENOTTY; kvm_dev_ioctl() ->
 * kvm_arch_dev_ioctl() EINVAL; guest_memfd has no ioctl at all: ENOTTY
 * (vfs_ioctl()). */
START_TEST(t_foreign_ioctls)
{
	struct td t = td_ready(false);
	int k = st_kvm();
	char buf[64];

	ck_errno(xioctl(t.vcpu, _IO('T', 0x01), (uintptr_t)buf), EINVAL);
	ck_errno(xioctl(t.vm, _IO('T', 0x01), (uintptr_t)buf), ENOTTY);
	ck_errno(xioctl(k, _IO('T', 0x01), (uintptr_t)buf), EINVAL);
	ck_errno(xioctl(t.gmem, KVM_CHECK_EXTENSION, 0), ENOTTY);
	ck_errno(xioctl(t.gmem, _IO('T', 0x01), (uintptr_t)buf), ENOTTY);
	close(k);
}
END_TEST

/* ---- third batch ----------------------------------------------------- */

/* kvm_vcpu_pre_fault_memory(): "success if at least one page was mapped":
 * a range whose first page maps and whose next page has no memslot
 * returns 0 with the remainder written back. */
START_TEST(t_prefault_partial)
{
	struct td t = td_ready(true);
	struct kvm_pre_fault_memory r = { .gpa = 15 * PG, .size = 2 * PG };

	ck_assert_int_eq(prefault(t.vcpu, &r), 0);
	ck_assert_uint_eq(r.gpa, 16 * PG);
	ck_assert_uint_eq(r.size, PG);
}
END_TEST

/* The mm check is in kvm_vm_ioctl()/kvm_vcpu_ioctl() only: a child's
 * fallocate() on an inherited guest_memfd works (kvm_gmem_fallocate() has
 * no such check), while its KVM_CREATE_GUEST_MEMFD and KVM_RUN are EIO. */
START_TEST(t_fork_gmem_and_run)
{
	struct td t = td_ready(true);
	pid_t p = fork();

	ck_assert_int_ge(p, 0);
	if (p == 0) {
		struct kvm_create_guest_memfd g = { .size = PG };
		int bad = 0;

		if (!bad && (fallocate(t.gmem, FALLOC_FL_KEEP_SIZE, 8 * PG, PG) != 0))
			bad = 2;
		if (!bad && (fallocate(t.gmem, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 8 * PG, PG) != 0))
			bad = 3;
		if (!bad && (xioctl(t.vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&g) != -EIO))
			bad = 4;
		if (!bad && (xioctl(t.vcpu, KVM_RUN, 0) != -EIO))
			bad = 5;
		_exit(bad);
	}
	{
		int st;

		ck_assert_int_eq(waitpid(p, &st, 0), p);
		ck_assert(WIFEXITED(st));
		ck_assert_msg(WEXITSTATUS(st) == 0, "child check %d failed", WEXITSTATUS(st));
	}
}
END_TEST

/* kvm_gmem_bind(): file->f_op != &kvm_gmem_fops: a VM, vCPU or /dev/kvm
 * fd given as guest_memfd is EINVAL. */
START_TEST(t_memslot_gmem_wrong_fd_kind)
{
	struct td t = td_ready(false);
	int k = st_kvm();
	void *m = page_buf(4);
	uint64_t u = (uintptr_t)m;

	ck_errno(region2(t.vm, 1, KVM_MEM_GUEST_MEMFD, 1ULL << 30, 4 * PG, u, (uint32_t)t.vm, 0), EINVAL);
	ck_errno(region2(t.vm, 1, KVM_MEM_GUEST_MEMFD, 1ULL << 30, 4 * PG, u, (uint32_t)t.vcpu, 0), EINVAL);
	ck_errno(region2(t.vm, 1, KVM_MEM_GUEST_MEMFD, 1ULL << 30, 4 * PG, u, (uint32_t)k, 0), EINVAL);
	close(k);
}
END_TEST

/* vfs_fallocate() before kvm_gmem_fallocate(): offset < 0 or len <= 0
 * EINVAL; offset + len overflowing loff_t EFBIG. */
START_TEST(t_gmem_fallocate_vfs)
{
	int vm = st_td(), g = st_gmem(vm, 4 * PG);

	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE, -(off_t)PG, PG), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE, 0, -(off_t)PG), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(fallocate(g, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 1LL << 62, 1LL << 62), -1);
	ck_assert_int_eq(errno, EFBIG);
	close(g);
	close(vm);
}
END_TEST

/* A vCPU lives as long as its VM, not its fd: after close() of the vCPU fd
 * the id is still taken (kvm_vm_ioctl_create_vcpu(): EEXIST) and it still
 * counts against max_vcpus. */
START_TEST(t_vcpu_survives_fd_close)
{
	int vm = st_td_inited();
	int v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);

	ck_assert_int_ge(v, 0);
	ck_assert_int_eq(close(v), 0);
	ck_errno(xioctl(vm, KVM_CREATE_VCPU, 0), EEXIST);
	close(vm);
}
END_TEST

/* kvm_set_memory_region(): userspace_addr needs only alignment and
 * access_ok(): 0 is accepted (a guest_memfd slot need not have shared
 * memory), an address outside the user range is EINVAL. */
START_TEST(t_memslot_uaddr)
{
	int vm = st_td(), g = st_gmem(vm, 16 * PG);

	ck_assert_int_eq(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 0, 4 * PG, 0, g, 0), 0);
	ck_assert_int_eq(region2(vm, 1, 0, 1ULL << 30, 4 * PG, 0, 0, 0), 0);
	ck_errno(region2(vm, 2, 0, 2ULL << 30, 4 * PG, 0xffff800000000000ULL, 0, 0), EINVAL);
	close(g);
	close(vm);
}
END_TEST

static int find_leaf(const struct kvm_tdx_init_vm *iv, uint32_t f, uint32_t i)
{
	for (unsigned n = 0; n < iv->cpuid.nent; n++)
		if (iv->cpuid.entries[n].function == f && iv->cpuid.entries[n].index == i)
			return (int)n;
	return -1;
}

/* setup_tdparams_cpuids() -> tdx_unsupported_cpuid(): a CPUID 7.0 entry
 * with TSX (HLE, RTM) or WAITPKG is EINVAL, whatever the module allows. */
START_TEST(t_init_vm_tsx_waitpkg)
{
	int vm = st_td();
	struct kvm_tdx_init_vm *iv = st_init_args(vm, 48);
	int i7 = find_leaf(iv, 7, 0);

	st_split_irqchip(vm);
	ck_assert_int_ge(i7, 0);
	iv->cpuid.entries[i7].ebx |= 1U << 4; /* HLE */
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	iv->cpuid.entries[i7].ebx &= ~(1U << 4);
	iv->cpuid.entries[i7].ebx |= 1U << 11; /* RTM */
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	iv->cpuid.entries[i7].ebx &= ~(1U << 11);
	iv->cpuid.entries[i7].ecx |= 1U << 5; /* WAITPKG */
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	iv->cpuid.entries[i7].ecx &= ~(1U << 5);
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), 0);
	free(iv);
	close(vm);
}
END_TEST

/* kvm_find_cpuid_entry2(): an entry without KVM_CPUID_FLAG_SIGNIFCANT_INDEX
 * matches every subleaf. A lone leaf-7 entry without the flag then fills
 * both CPUID_CONFIG slots 7.0 and 7.1, so copy_cnt (2) != nent (1) in
 * setup_tdparams_cpuids(): EINVAL. */
START_TEST(t_init_vm_index_not_significant)
{
	int vm = st_td();
	struct kvm_tdx_init_vm *iv = st_init_args(vm, 48);
	int i7 = find_leaf(iv, 7, 0), i71 = find_leaf(iv, 7, 1);

	st_split_irqchip(vm);
	ck_assert_int_ge(i7, 0);
	ck_assert_int_ge(i71, 0);
	/* drop 7.1 (and 7.2 if given), keep 7.0 without the flag */
	for (int n = (int)iv->cpuid.nent - 1; n >= 0; n--)
		if (iv->cpuid.entries[n].function == 7 && iv->cpuid.entries[n].index != 0)
			iv->cpuid.entries[n] = iv->cpuid.entries[--iv->cpuid.nent];
	i7 = find_leaf(iv, 7, 0);
	iv->cpuid.entries[i7].flags = 0;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), EINVAL);
	/* with the flag the same set is fine */
	iv->cpuid.entries[i7].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), 0);
	free(iv);
	close(vm);
}
END_TEST

/* tdx_get_capabilities() copies a kzalloc'ed struct of
 * struct_size(caps, cpuid.entries, nent) bytes: reserved[], cpuid.padding,
 * every entry's flags and padding are zero, whatever the buffer held;
 * init_kvm_tdx_caps(): kernel_tdvmcallinfo_1_r11/r12 0,
 * user_tdvmcallinfo_1_r11 = SETUP_EVENT_NOTIFY_INTERRUPT (bit 1), r12 0;
 * td_init_cpuid_entry2(): 0x80000008 EAX[23:16] = 0xff, 7.0 without
 * HLE/RTM/WAITPKG; bytes past the last entry are not written. */
START_TEST(t_capabilities_layout)
{
	int vm = st_td();
	size_t sz = sizeof(struct kvm_tdx_capabilities) + 256 * sizeof(struct kvm_cpuid_entry2);
	struct kvm_tdx_capabilities *c = malloc(sz);
	const unsigned char *past;
	bool seen8 = false, seen7 = false;

	memset(c, 0xaa, sz);
	c->cpuid.nent = 256;
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)c, NULL), 0);
	for (unsigned i = 0; i < sizeof(c->reserved) / sizeof(c->reserved[0]); i++)
		ck_assert_msg(c->reserved[i] == 0, "reserved[%u]", i);
	ck_assert_uint_eq(c->cpuid.padding, 0);
	ck_assert_uint_eq(c->kernel_tdvmcallinfo_1_r11, 0);
	ck_assert_uint_eq(c->kernel_tdvmcallinfo_1_r12, 0);
	ck_assert_uint_eq(c->user_tdvmcallinfo_1_r11, 1ULL << 1);
	ck_assert_uint_eq(c->user_tdvmcallinfo_1_r12, 0);
	ck_assert_uint_ne(c->supported_attrs, 0);
	ck_assert_uint_ne(c->supported_xfam, 0);
	for (unsigned i = 0; i < c->cpuid.nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->cpuid.entries[i];

		ck_assert_msg(e->flags == 0, "entry %u flags %#x", i, e->flags);
		ck_assert(e->padding[0] == 0 && e->padding[1] == 0 && e->padding[2] == 0);
		if (e->function == 0x80000008) {
			seen8 = true;
			ck_assert_uint_eq((e->eax >> 16) & 0xff, 0xff);
		}
		if (e->function == 7 && e->index == 0) {
			seen7 = true;
			ck_assert_uint_eq(e->ebx & ((1U << 4) | (1U << 11)), 0);
			ck_assert_uint_eq(e->ecx & (1U << 5), 0);
		}
	}
	ck_assert(seen8 && seen7);
	past = (const unsigned char *)&c->cpuid.entries[c->cpuid.nent];
	for (size_t i = 0; i < sizeof(struct kvm_cpuid_entry2); i++)
		ck_assert_uint_eq(past[i], 0xaa);
	free(c);
	close(vm);
}
END_TEST

/* Each ioctl belongs to one kind of fd. /dev/kvm: kvm_dev_ioctl() ->
 * kvm_arch_dev_ioctl() default EINVAL. VM fd: kvm_vm_ioctl() ->
 * kvm_arch_vm_ioctl() default ENOTTY. vCPU fd: kvm_vcpu_ioctl() ->
 * kvm_arch_vcpu_ioctl() default EINVAL. */
START_TEST(t_ioctl_scope)
{
	struct td t = td_ready(false);
	int k = st_kvm();
	char buf[512] = { 0 };
	uintptr_t b = (uintptr_t)buf;

	ck_errno(xioctl(k, KVM_CREATE_VCPU, 0), EINVAL);
	ck_errno(xioctl(k, KVM_MEMORY_ENCRYPT_OP, b), EINVAL);
	ck_errno(xioctl(k, KVM_SET_USER_MEMORY_REGION2, b), EINVAL);
	ck_errno(xioctl(k, KVM_CREATE_GUEST_MEMFD, b), EINVAL);
	ck_errno(xioctl(k, KVM_RUN, 0), EINVAL);

	ck_errno(xioctl(t.vm, KVM_GET_API_VERSION, 0), ENOTTY);
	ck_errno(xioctl(t.vm, KVM_CREATE_VM, KVM_X86_TDX_VM), ENOTTY);
	ck_errno(xioctl(t.vm, KVM_GET_VCPU_MMAP_SIZE, 0), ENOTTY);
	ck_errno(xioctl(t.vm, KVM_RUN, 0), ENOTTY);
	ck_errno(xioctl(t.vm, KVM_PRE_FAULT_MEMORY, b), ENOTTY);
	ck_errno(xioctl(t.vm, KVM_GET_SUPPORTED_CPUID, b), ENOTTY);

	ck_errno(xioctl(t.vcpu, KVM_GET_API_VERSION, 0), EINVAL);
	ck_errno(xioctl(t.vcpu, KVM_CREATE_VM, KVM_X86_TDX_VM), EINVAL);
	ck_errno(xioctl(t.vcpu, KVM_CREATE_VCPU, 3), EINVAL);
	ck_errno(xioctl(t.vcpu, KVM_SET_USER_MEMORY_REGION2, b), EINVAL);
	ck_errno(xioctl(t.vcpu, KVM_SET_MEMORY_ATTRIBUTES, b), EINVAL);
	ck_errno(xioctl(t.vcpu, KVM_CREATE_GUEST_MEMFD, b), EINVAL);
	ck_errno(xioctl(t.vcpu, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY), EINVAL);
	close(k);
}
END_TEST

/* kvm_vm_ioctl_create_vcpu(): the max_vcpus check comes before the
 * duplicate-id check, and a refused CREATE_VCPU does not count; a vCPU
 * without KVM_SET_CPUID2 has no x2APIC, so INIT_VCPU is EINVAL
 * (tdx_vcpu_init() -> kvm_apic_set_base()). */
START_TEST(t_create_vcpu_order)
{
	int vm = st_td_inited();
	long max = xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	int *v = calloc((size_t)max + 1, sizeof(int));

	ck_assert_int_gt(max, 0);
	ck_assert_int_le(max, 4096);
	v[0] = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(v[0], 0);
	ck_errno(st_tdx(v[0], KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL); /* no CPUID yet */
	ck_errno(xioctl(vm, KVM_CREATE_VCPU, 0), EEXIST);
	for (long i = 1; i < max; i++) {
		v[i] = (int)xioctl(vm, KVM_CREATE_VCPU, (unsigned long)i);
		ck_assert_int_ge(v[i], 0);
	}
	ck_errno(xioctl(vm, KVM_CREATE_VCPU, 0), EINVAL);
	for (long i = 0; i < max; i++)
		close(v[i]);
	free(v);
	close(vm);
}
END_TEST

/* VM, vCPU and guest_memfd fds are ordinary files: a dup() is the same
 * file (same kvm, same vcpu), and the object lives until its last fd
 * is closed (kvm_vm_release(), kvm_vcpu_release() run at the last fput()). */
START_TEST(t_dup_fds)
{
	struct td t = td_ready(false);
	int vm2 = dup(t.vm), vc2 = fcntl(t.vcpu, F_DUPFD_CLOEXEC, 100);
	struct kvm_cpuid2 *cp = calloc(1, sizeof(*cp) + 256 * sizeof(struct kvm_cpuid_entry2));

	ck_assert_int_ge(vm2, 0);
	ck_assert_int_ge(vc2, 100);
	ck_assert_int_eq(xioctl(vm2, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY), 1);
	ck_assert_int_eq(close(t.vm), 0);
	ck_assert_int_eq(close(t.vcpu), 0);
	cp->nent = 256;
	ck_assert_int_eq(st_tdx(vc2, KVM_TDX_GET_CPUID, 0, (uintptr_t)cp, NULL), 0);
	ck_assert_int_eq(st_add_pages(vc2, t.src, PG, 1, true, NULL), 0);
	ck_assert_int_eq(st_tdx(vm2, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	close(vc2);
	close(vm2);
	free(cp);
}
END_TEST

/* A forked child closing its copies of the fds does not touch the
 * parent's VM (the files stay referenced by the parent). */
START_TEST(t_fork_child_close)
{
	struct td t = td_ready(false);
	pid_t p = fork();
	int st;

	ck_assert_int_ge(p, 0);
	if (p == 0) {
		close(t.vcpu);
		close(t.gmem);
		close(t.vm);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(p, &st, 0), p);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(st_add_pages(t.vcpu, t.src, PG, 1, true, NULL), 0);
	ck_assert_int_eq(st_tdx(t.vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
}
END_TEST

/* A guest_memfd is released (and unbound: kvm_gmem_release()) only when
 * its last fd is closed; a dup() of it can be bound as guest_memfd and
 * fallocate()d. */
START_TEST(t_dup_gmem)
{
	struct td t = td_ready(false);
	int g2 = dup(t.gmem);
	void *m = page_buf(4);

	ck_assert_int_ge(g2, 0);
	ck_assert_int_eq(close(t.gmem), 0);
	ck_assert_int_eq(st_add_pages(t.vcpu, t.src, PG, 1, true, NULL), 0);
	ck_assert_int_eq(fallocate(g2, FALLOC_FL_KEEP_SIZE, 8 * PG, PG), 0);
	/* the file is 16 pages and [0, 16) is bound to slot 0 */
	ck_errno(region2(t.vm, 1, KVM_MEM_GUEST_MEMFD, 1ULL << 30, 4 * PG, (uintptr_t)m, (uint32_t)g2, 0), EEXIST);
	ck_assert_int_eq(close(g2), 0);
	ck_errno(st_add_pages(t.vcpu, t.src, 2 * PG, 1, true, NULL), EFAULT);
}
END_TEST

/* dup2() of a VM fd onto another number, then closing the original: the
 * new number is the VM. */
START_TEST(t_dup2_vm)
{
	struct td t = td_ready(false);
	int n = 200;

	ck_assert_int_eq(dup2(t.vm, n), n);
	ck_assert_int_eq(close(t.vm), 0);
	ck_assert_int_eq(st_tdx(n, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	ck_errno(st_tdx(n, KVM_TDX_FINALIZE_VM, 0, 0, NULL), EINVAL);
	close(n);
}
END_TEST

/* guest_memfd is not TD-only in 7.2: kvm_gmem_create() has no VM-type
 * check, and a plain VM (no private memory) also takes INIT_SHARED
 * (kvm_arch_supports_gmem_init_shared()); check_memory_region_flags()
 * accepts GUEST_MEMFD on it (still without READONLY or LOG_DIRTY_PAGES),
 * and READONLY alone is fine there (no protected state). */
START_TEST(t_gmem_plain_vm)
{
	int k = st_kvm(), vm = (int)xioctl(k, KVM_CREATE_VM, KVM_X86_DEFAULT_VM), g;
	void *m = page_buf(4);
	uint64_t u = (uintptr_t)m;
	struct kvm_create_guest_memfd cg = { .size = 16 * PG };

	ck_assert_int_ge(vm, 0);
	ck_assert_int_ge(gmem_create(vm, PG, GUEST_MEMFD_FLAG_INIT_SHARED | GUEST_MEMFD_FLAG_MMAP), 0);
	ck_assert_int_ge(gmem_create(vm, PG, GUEST_MEMFD_FLAG_INIT_SHARED), 0);
	ck_errno(gmem_create(vm, PG, 1ULL << 2), EINVAL);
	g = (int)xioctl(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&cg);
	ck_assert_int_ge(g, 0);
	ck_errno(region2(vm, 0, KVM_MEM_GUEST_MEMFD | KVM_MEM_READONLY, 0, 4 * PG, u, g, 0), EINVAL);
	ck_errno(region2(vm, 0, KVM_MEM_GUEST_MEMFD | KVM_MEM_LOG_DIRTY_PAGES, 0, 4 * PG, u, g, 0), EINVAL);
	ck_assert_int_eq(region2(vm, 0, KVM_MEM_GUEST_MEMFD, 0, 4 * PG, u, g, 0), 0);
	ck_assert_int_eq(region2(vm, 1, KVM_MEM_READONLY, 1ULL << 30, 4 * PG, u, 0, 0), 0);
	close(g);
	close(vm);
	close(k);
}
END_TEST

/* After FINALIZE, closing the guest_memfd unbinds it (kvm_gmem_release());
 * a private pre-fault then finds no file: kvm_gmem_get_pfn() EFAULT. */
START_TEST(t_prefault_gmem_closed)
{
	struct td t = td_ready(true);
	struct kvm_pre_fault_memory r = { .gpa = 2 * PG, .size = PG };

	ck_assert_int_eq(close(t.gmem), 0);
	ck_errno(prefault(t.vcpu, &r), EFAULT);
	ck_assert_uint_eq(r.size, PG);
}
END_TEST

/* TDX module tdh_mr_finalize(): a TD without a TDH.VP.INIT'ed vCPU fails
 * with TDX_NO_VCPUS (0xC000060900000000); tdx_td_finalize() reports it in
 * hw_error and TDX_BUG_ON() bugs the VM: EIO now, and EIO for every later
 * VM and vCPU ioctl (kvm_vm_ioctl(), kvm_vcpu_ioctl(): vm_dead). A vCPU
 * created but not INIT_VCPU'd does not count. No pages are needed. */
START_TEST(t_finalize_no_vcpus)
{
	int vm = st_td_inited(), v;
	uint64_t hw = 0;

	ck_errno(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, &hw), EIO);
	ck_assert_uint_eq(hw, 0xC000060900000000ULL);
	ck_errno(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY), EIO);
	ck_errno(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), EIO);
	close(vm);

	vm = st_td_inited();
	v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(v, 0);
	ck_errno(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, &hw), EIO);
	ck_assert_uint_eq(hw, 0xC000060900000000ULL);
	ck_errno(xioctl(v, KVM_GET_MP_STATE, (uintptr_t)&hw), EIO);
	close(v);
	close(vm);

	/* one initialised vCPU and no pages: fine */
	vm = st_td_inited();
	v = st_vcpu(vm, 0);
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, &hw), 0);
	ck_assert_uint_eq(hw, 0);
	close(v);
	close(vm);
}
END_TEST

/* TDH.MNG.INIT refusals come back from __tdx_td_init() as EINVAL with the
 * module's status in hw_error (TDX_OPERAND_INVALID | operand id), and the
 * TD stays uninitialised. TDX module check_xfam(): AVX-512 needs AVX and
 * all three AVX-512 bits (5, 6, 7) together (operand XFAM, 65);
 * read_and_set_td_configurations(): TSC_FREQUENCY in 25 MHz units
 * (TDX_TSC_KHZ_TO_25MHZ() of KVM_SET_TSC_KHZ) within [4, 400] (operand
 * TSC_FREQUENCY, 70). */
START_TEST(t_init_vm_module_refusals)
{
	int vm = st_td();
	struct kvm_tdx_init_vm *iv = st_init_args(vm, 48);
	uint64_t hw = 0;

	st_split_irqchip(vm);
	iv->xfam = 0x3 | 0x4 | 0x20; /* opmask without ZMM */
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, &hw), EINVAL);
	ck_assert_uint_eq(hw, 0xC000010000000000ULL | 65);
	iv->xfam = 0x3 | 0xe0; /* AVX-512 without AVX */
	hw = 0;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, &hw), EINVAL);
	ck_assert_uint_eq(hw, 0xC000010000000000ULL | 65);
	iv->xfam = 0xe7;

	ck_assert_int_eq(xioctl(vm, KVM_SET_TSC_KHZ, 99999), 0); /* 3 units */
	hw = 0;
	ck_errno(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, &hw), EINVAL);
	ck_assert_uint_eq(hw, 0xC000010000000000ULL | 70);
	ck_assert_int_eq(xioctl(vm, KVM_SET_TSC_KHZ, 100000), 0); /* 4 units */
	hw = 1;
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, &hw), 0);
	ck_assert_uint_eq(hw, 0);
	free(iv);
	close(vm);
}
END_TEST

/* kvm_vm_ioctl_check_extension_generic(): GUEST_MEMFD_FLAGS is
 * kvm_gmem_get_supported_flags(kvm): MMAP | INIT_SHARED without a VM (and
 * on a VM without private memory), MMAP alone on a TD; MEMORY_ATTRIBUTES
 * is PRIVATE on /dev/kvm (kvm_supported_mem_attributes(NULL)); GUEST_MEMFD
 * 1 everywhere; MULTI_ADDRESS_SPACE kvm_arch_nr_memslot_as_ids(): 1 on a
 * TD, 2 on a plain VM and on /dev/kvm (KVM_MAX_NR_ADDRESS_SPACES). */
START_TEST(t_gmem_caps)
{
	int k = st_kvm(), td = st_td(), vm = (int)xioctl(k, KVM_CREATE_VM, 0);

	ck_assert_int_ge(vm, 0);
	ck_assert_int_eq(xioctl(k, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_FLAGS), 3);
	ck_assert_int_eq(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_FLAGS), 3);
	ck_assert_int_eq(xioctl(td, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_FLAGS), 1);
	ck_assert_int_eq(xioctl(k, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES), KVM_MEMORY_ATTRIBUTE_PRIVATE);
	ck_assert_int_eq(xioctl(k, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD), 1);
	ck_assert_int_eq(xioctl(td, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD), 1);
	ck_assert_int_eq(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD), 1);
	ck_assert_int_eq(xioctl(td, KVM_CHECK_EXTENSION, KVM_CAP_MULTI_ADDRESS_SPACE), 1);
	ck_assert_int_eq(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MULTI_ADDRESS_SPACE), 2);
	ck_assert_int_eq(xioctl(k, KVM_CHECK_EXTENSION, KVM_CAP_MULTI_ADDRESS_SPACE), 2);
	close(vm);
	close(td);
	close(k);
}
END_TEST

/* Padding and reserved fields are not checked: kvm_set_memory_region()
 * ignores pad1/pad2 and, without KVM_MEM_GUEST_MEMFD, guest_memfd and
 * guest_memfd_offset; kvm_gmem_create() ignores reserved[];
 * kvm_vcpu_pre_fault_memory() ignores padding[]. */
START_TEST(t_padding_ignored)
{
	struct td t = td_ready(true);
	void *m = page_buf(4);
	struct kvm_userspace_memory_region2 r = {
		.slot = 1, .guest_phys_addr = 1ULL << 30, .memory_size = 4 * PG,
		.userspace_addr = (uintptr_t)m, .guest_memfd = 12345, .guest_memfd_offset = 7,
		.pad1 = 1, .pad2 = { 1, 2, 3 },
	};
	struct kvm_create_guest_memfd g = { .size = PG, .reserved = { 1, 2, 3, 4, 5, 6 } };
	struct kvm_pre_fault_memory p = { .gpa = 3 * PG, .size = PG, .padding = { 1, 2, 3, 4, 5 } };
	long fd;

	ck_assert_int_eq(xioctl(t.vm, KVM_SET_USER_MEMORY_REGION2, (uintptr_t)&r), 0);
	fd = xioctl(t.vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&g);
	ck_assert_int_ge(fd, 0);
	close((int)fd);
	ck_assert_int_eq(prefault(t.vcpu, &p), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sim-conform");
	TCase *tc = tcase_create("conform");

	tcase_add_test(tc, t_dev_arg_must_be_zero);
	tcase_add_test(tc, t_create_vm_types);
	tcase_add_test(tc, t_hw_error_in_is_einval);
	tcase_add_test(tc, t_vcpu_cmds_on_vm_fd);
	tcase_add_test(tc, t_vm_cmds_on_vcpu_fd);
	tcase_add_test(tc, t_enc_op_on_plain_vm);
	tcase_add_test(tc, t_capabilities);
	tcase_add_test(tc, t_capabilities_any_state);
	tcase_add_test(tc, t_init_vm_twice);
	tcase_add_test(tc, t_init_vm_args);
	tcase_add_test(tc, t_init_vm_params);
	tcase_add_test(tc, t_finalize_state);
	tcase_add_test(tc, t_finalize_ignores_flags_data);
	tcase_add_test(tc, t_create_vcpu_rules);
	tcase_add_test(tc, t_init_vcpu_rules);
	tcase_add_test(tc, t_create_vcpu_max);
	tcase_add_test(tc, t_present_cpus_are_the_hosts);
	tcase_add_test(tc, t_get_cpuid);
	tcase_add_test(tc, t_init_mem_region_order);
	tcase_add_test(tc, t_init_mem_region_args);
	tcase_add_test(tc, t_init_mem_region_memslots);
	tcase_add_test(tc, t_init_mem_region_after_finalize);
	tcase_add_test(tc, t_gmem_create);
	tcase_add_test(tc, t_gmem_fallocate);
	tcase_add_test(tc, t_memslot_flags);
	tcase_add_test(tc, t_memslot_sanity);
	tcase_add_test(tc, t_memslot_gmem_bind);
	tcase_add_test(tc, t_memslot_gmem_immutable);
	tcase_add_test(tc, t_memslot_alias_after_init);
	tcase_add_test(tc, t_mem_attributes);
	tcase_add_test(tc, t_prefault_before_finalize);
	tcase_add_test(tc, t_prefault_after_finalize);
	tcase_add_test(tc, t_fork_other_mm);
	tcase_add_test(tc, t_init_mem_region_source);
	tcase_add_test(tc, t_gmem_closed_while_bound);
	tcase_add_test(tc, t_enc_reg_region);
	tcase_add_test(tc, t_enc_op_bad_pointer);
	tcase_add_test(tc, t_create_vcpu_max_id);
	tcase_add_test(tc, t_vcpu_outlives_vm_fd);
	tcase_add_test(tc, t_foreign_ioctls);
	tcase_add_test(tc, t_prefault_partial);
	tcase_add_test(tc, t_fork_gmem_and_run);
	tcase_add_test(tc, t_memslot_gmem_wrong_fd_kind);
	tcase_add_test(tc, t_gmem_fallocate_vfs);
	tcase_add_test(tc, t_vcpu_survives_fd_close);
	tcase_add_test(tc, t_memslot_uaddr);
	tcase_add_test(tc, t_init_vm_tsx_waitpkg);
	tcase_add_test(tc, t_init_vm_index_not_significant);
	tcase_add_test(tc, t_capabilities_layout);
	tcase_add_test(tc, t_ioctl_scope);
	tcase_add_test(tc, t_create_vcpu_order);
	tcase_add_test(tc, t_dup_fds);
	tcase_add_test(tc, t_fork_child_close);
	tcase_add_test(tc, t_dup_gmem);
	tcase_add_test(tc, t_dup2_vm);
	tcase_add_test(tc, t_gmem_plain_vm);
	tcase_add_test(tc, t_prefault_gmem_closed);
	tcase_add_test(tc, t_finalize_no_vcpus);
	tcase_add_test(tc, t_init_vm_module_refusals);
	tcase_add_test(tc, t_gmem_caps);
	tcase_add_test(tc, t_padding_ignored);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	if (!tdxsim_ctl_active()) {
		fprintf(stderr, "libtdxsim.so is not preloaded\n");
		return EXIT_FAILURE;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
