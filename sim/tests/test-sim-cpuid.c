/* SPDX-License-Identifier: MIT */
/*
 * The simulator's CPUID model, one test per kernel rule (sim/RULES.md,
 * group "CPUID"): KVM_SET_CPUID2 / KVM_GET_CPUID2 (arch/x86/kvm/cpuid.c),
 * arch_prctl XSTATE permissions (arch/x86/kernel/fpu/xstate.c), the
 * vCPU's MAXPHYADDR in INIT_VCPU and MapGPA, KVM_GET_SUPPORTED_CPUID,
 * KVM_TDX_GET_CPUID and the INIT_VM leaf 0x1F list.
 */
#include <sys/syscall.h>

#include "simtest.h"

int arch_prctl(int code, unsigned long addr);	/* glibc, no header */

#define ARCH_GET_XCOMP_SUPP		0x1021
#define ARCH_GET_XCOMP_PERM		0x1022
#define ARCH_REQ_XCOMP_PERM		0x1023
#define ARCH_GET_XCOMP_GUEST_PERM	0x1024
#define ARCH_REQ_XCOMP_GUEST_PERM	0x1025

#define F1_ECX_X2APIC	(1U << 21)
#define F1_ECX_OSXSAVE	(1U << 27)
#define F1_EDX_APIC	(1U << 9)

struct cpuid_buf {
	struct kvm_cpuid2 h;
	struct kvm_cpuid_entry2 e[300];
};

static struct kvm_cpuid_entry2 *ent(struct cpuid_buf *c, uint32_t fn, uint32_t idx,
				    uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	struct kvm_cpuid_entry2 *e = &c->e[c->h.nent++];

	*e = (struct kvm_cpuid_entry2){ .function = fn, .index = idx, .eax = eax,
					.ebx = ebx, .ecx = ecx, .edx = edx };
	if (fn == 4 || fn == 7 || fn == 0xd || fn == 0x1f)
		e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	return e;
}

/* A vCPU table a correct VMM gives a TD (QEMU-like: MAXPHYADDR 52). */
static void base_table(struct cpuid_buf *c)
{
	memset(c, 0, sizeof(*c));
	ent(c, 0, 0, 0x23, 0x756e6547, 0x6c65746e, 0x49656e69);
	ent(c, 1, 0, 0xc06f2, 0, F1_ECX_X2APIC, 0);
	ent(c, 0x80000000, 0, 0x80000008, 0, 0, 0);
	ent(c, 0x80000008, 0, (48 << 8) | 52, 0, 0, 0);
}

static long set_cpuid(int vcpu, struct cpuid_buf *c)
{
	return xioctl(vcpu, KVM_SET_CPUID2, (uintptr_t)c);
}

static long get_cpuid(int vcpu, struct cpuid_buf *c, unsigned nent)
{
	memset(c, 0, sizeof(*c));
	c->h.nent = nent;
	return xioctl(vcpu, KVM_GET_CPUID2, (uintptr_t)c);
}

static struct kvm_cpuid_entry2 *find(struct cpuid_buf *c, uint32_t fn, uint32_t idx)
{
	for (unsigned i = 0; i < c->h.nent; i++)
		if (c->e[i].function == fn && c->e[i].index == idx)
			return &c->e[i];
	return NULL;
}

static int plain_vcpu(int *vm_out)
{
	int k = st_kvm(), vm = (int)xioctl(k, KVM_CREATE_VM, 0), v;

	ck_assert_int_ge(vm, 0);
	close(k);
	v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(v, 0);
	*vm_out = vm;
	return v;
}

static long xprctl(int code, unsigned long arg)
{
	long r = syscall(SYS_arch_prctl, code, arg);

	return r < 0 ? -errno : r;
}

/* ---- KVM_SET_CPUID2 --------------------------------------------------------- */
START_TEST(set_cpuid2_e2big)
{
	struct cpuid_buf c;
	int vm, v = plain_vcpu(&vm);

	st_require_sim();
	base_table(&c);
	c.h.nent = 257;		/* > KVM_MAX_CPUID_ENTRIES */
	ck_errno(set_cpuid(v, &c), E2BIG);
	c.h.nent = 256;
	ck_assert_int_eq(set_cpuid(v, &c), 0);
	close(v);
	close(vm);
}
END_TEST

START_TEST(set_cpuid2_vaddr_bits)
{
	static const unsigned bad[] = { 39, 47, 49, 52, 56, 58, 64 };
	static const unsigned good[] = { 0, 48, 57 };
	struct cpuid_buf c, g;
	int vm, v = plain_vcpu(&vm);

	st_require_sim();
	base_table(&c);
	ck_assert_int_eq(set_cpuid(v, &c), 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.e[3].eax = (bad[i] << 8) | 46;
		ck_errno(set_cpuid(v, &c), EINVAL);
	}
	/* the failed calls left the previous table (kvm_set_cpuid() swaps back) */
	ck_assert_int_eq(get_cpuid(v, &g, 300), 0);
	ck_assert_uint_eq(g.h.nent, 4);
	ck_assert_uint_eq(find(&g, 0x80000008, 0)->eax, (48 << 8) | 52);
	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		c.e[3].eax = (good[i] << 8) | 46;
		ck_assert_int_eq(set_cpuid(v, &c), 0);
	}
	close(v);
	close(vm);
}
END_TEST

START_TEST(get_cpuid2_e2big_and_runtime_bits)
{
	struct cpuid_buf c, g;
	int vm, v = plain_vcpu(&vm);

	st_require_sim();
	base_table(&c);
	c.e[1].ecx |= F1_ECX_OSXSAVE;	/* KVM owns OSXSAVE (CR4) and APIC (APIC base) */
	c.e[1].edx &= ~F1_EDX_APIC;
	ent(&c, 0xd, 0, 0x7, 0x1234, 0x340, 0);
	ck_assert_int_eq(set_cpuid(v, &c), 0);
	ck_errno(get_cpuid(v, &g, 4), E2BIG);
	ck_assert_uint_eq(g.h.nent, 4);		/* not updated */
	ck_assert_int_eq(get_cpuid(v, &g, 5), 0);
	ck_assert_uint_eq(g.h.nent, 5);
	ck_assert_uint_eq(find(&g, 1, 0)->ecx & F1_ECX_OSXSAVE, 0);
	ck_assert_uint_eq(find(&g, 1, 0)->edx & F1_EDX_APIC, F1_EDX_APIC);
	ck_assert_uint_eq(find(&g, 0xd, 0)->ebx, 576);	/* xstate size of XCR0 = FP */
	close(v);
	close(vm);
}
END_TEST

START_TEST(set_cpuid2_after_run_only_identical)
{
	struct cpuid_buf c;
	int vm, v = plain_vcpu(&vm);

	st_require_sim();
	base_table(&c);
	ck_assert_int_eq(set_cpuid(v, &c), 0);
	c.e[1].ecx |= 1;		/* before KVM_RUN anything valid goes */
	ck_assert_int_eq(set_cpuid(v, &c), 0);
	ck_assert_int_eq(xioctl(v, KVM_RUN, 0), 0);
	ck_assert_int_eq(set_cpuid(v, &c), 0);		/* identical */
	c.e[1].ecx |= F1_ECX_OSXSAVE;			/* a KVM-owned bit: still equal */
	ck_assert_int_eq(set_cpuid(v, &c), 0);
	c.e[1].ecx |= 2;
	ck_errno(set_cpuid(v, &c), EINVAL);		/* kvm_cpuid_check_equal() */
	c.e[1].ecx &= ~2U;
	c.h.nent = 3;
	ck_errno(set_cpuid(v, &c), EINVAL);		/* other nent */
	c.h.nent = 4;
	c.e[3].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	ck_errno(set_cpuid(v, &c), EINVAL);		/* flags compared too */
	close(v);
	close(vm);
}
END_TEST

/* ---- AMX: arch_prctl guest permission ---------------------------------------- */
START_TEST(arch_prctl_xcomp_as_preset_host)
{
	uint64_t v = 0;

	st_require_sim();
	/* EMR: XCR0 0x602E7 (x87 SSE AVX AVX-512 PKRU AMX) */
	ck_assert_int_eq(xprctl(ARCH_GET_XCOMP_SUPP, (uintptr_t)&v), 0);
	ck_assert_uint_eq(v, 0x602e7);
	ck_assert_int_eq(xprctl(ARCH_GET_XCOMP_GUEST_PERM, (uintptr_t)&v), 0);
	ck_assert_uint_eq(v, 0x202e7);		/* default: no dynamic XTILE_DATA */
	ck_assert_int_eq(xprctl(ARCH_GET_XCOMP_PERM, (uintptr_t)&v), 0);
	ck_assert_uint_eq(v, 0x202e7);
	ck_errno(xprctl(ARCH_REQ_XCOMP_GUEST_PERM, 20), EINVAL);	/* >= XFEATURE_MAX */
	ck_errno(xprctl(ARCH_REQ_XCOMP_GUEST_PERM, 17), EOPNOTSUPP);	/* no facility */
	ck_errno(xprctl(ARCH_GET_XCOMP_GUEST_PERM, 0), EFAULT);
	ck_assert_int_eq(xprctl(ARCH_REQ_XCOMP_GUEST_PERM, 18), 0);
	ck_assert_int_eq(xprctl(ARCH_GET_XCOMP_GUEST_PERM, (uintptr_t)&v), 0);
	ck_assert_uint_eq(v, 0x602e7);
	ck_assert_int_eq(xprctl(ARCH_GET_XCOMP_PERM, (uintptr_t)&v), 0);
	ck_assert_uint_eq(v, 0x202e7);		/* the host permission is separate */
	/* glibc's arch_prctl() wrapper is answered the same way */
	ck_assert_int_eq(arch_prctl(ARCH_REQ_XCOMP_PERM, 18), 0);
	ck_assert_int_eq(arch_prctl(ARCH_GET_XCOMP_PERM, (uintptr_t)&v), 0);
	ck_assert_uint_eq(v, 0x602e7);
}
END_TEST

START_TEST(arch_prctl_no_amx_host)
{
	char path[] = "/tmp/tdxsim-noamx-XXXXXX.json", buf[65536], *p;
	uint64_t v = 0;
	FILE *f;
	size_t n;
	int fd;

	st_require_sim();
	/* the realistic preset with a KVM that reports no AMX in supported_xfam */
	snprintf(buf, sizeof(buf), "%s/tdx-caps-realistic.json", getenv("TDXSIM_DATA_DIR"));
	f = fopen(buf, "re");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strstr(buf, "\"supported_xfam\": \"0x0000000000061ae7\"");
	ck_assert_ptr_nonnull(p);
	memcpy(p + strlen("\"supported_xfam\": \"0x00000000000"), "01ae7", 5);
	fd = mkstemps(path, 5);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	close(fd);
	ck_assert_int_eq(tdxsim_ctl_set_caps(path), 0);
	unlink(path);
	ck_assert_int_eq(xprctl(ARCH_GET_XCOMP_SUPP, (uintptr_t)&v), 0);
	ck_assert_uint_eq(v, 0x2e7);
	ck_errno(xprctl(ARCH_REQ_XCOMP_GUEST_PERM, 18), EOPNOTSUPP);
	ck_assert_int_eq(xprctl(ARCH_GET_XCOMP_GUEST_PERM, (uintptr_t)&v), 0);
	ck_assert_uint_eq(v, 0x2e7);
}
END_TEST

START_TEST(set_cpuid2_amx_needs_guest_perm)
{
	struct cpuid_buf c;
	int vm = st_td_inited(), v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);

	st_require_sim();
	ck_assert_int_ge(v, 0);
	base_table(&c);
	ent(&c, 0xd, 0, 0x602e7, 0, 0x2b00, 0);
	ck_errno(set_cpuid(v, &c), EPERM);	/* __xfd_enable_feature() */
	/* the first vCPU locked the guest permission (fpu_lock_guest_permissions()) */
	ck_errno(xprctl(ARCH_REQ_XCOMP_GUEST_PERM, 18), EBUSY);
	c.e[4].eax = 0x202e7;			/* XTILE_CFG alone is not dynamic */
	ck_assert_int_eq(set_cpuid(v, &c), 0);
	close(v);
	close(vm);
}
END_TEST

START_TEST(set_cpuid2_amx_with_guest_perm)
{
	struct cpuid_buf c;
	int vm, v;

	st_require_sim();
	ck_assert_int_eq(xprctl(ARCH_REQ_XCOMP_GUEST_PERM, 18), 0);	/* as QEMU does */
	vm = st_td_inited();
	v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(v, 0);
	ck_assert_int_eq(xprctl(ARCH_REQ_XCOMP_GUEST_PERM, 18), 0);	/* already granted */
	base_table(&c);
	ent(&c, 0xd, 0, 0x602e7, 0, 0x2b00, 0);
	ck_assert_int_eq(set_cpuid(v, &c), 0);
	ck_assert_int_eq(st_tdx(v, KVM_TDX_INIT_VCPU, 0, 0x800000, NULL), 0);
	close(v);
	close(vm);
}
END_TEST

/* ---- MAXPHYADDR ---------------------------------------------------------------- */
START_TEST(init_vcpu_apic_base_needs_maxphyaddr)
{
	struct cpuid_buf c;
	int vm = st_td_inited(), vm2 = st_td_inited(), v0, v1, v2;

	st_require_sim();
	v0 = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	v1 = (int)xioctl(vm, KVM_CREATE_VCPU, 1);
	v2 = (int)xioctl(vm2, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(v1, 0);
	ck_assert_int_ge(v2, 0);
	base_table(&c);
	c.e[3].eax = (48 << 8) | 31;	/* APIC base 0xFEE00000 needs 32 bits */
	ck_assert_int_eq(set_cpuid(v0, &c), 0);
	ck_errno(st_tdx(v0, KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL);	/* kvm_apic_set_base() */
	c.e[3].eax = (48 << 8) | 32;
	ck_assert_int_eq(set_cpuid(v0, &c), 0);
	ck_assert_int_eq(st_tdx(v0, KVM_TDX_INIT_VCPU, 0, 0, NULL), 0);
	/* 0x80000000.EAX below 0x80000008: leaf 0x80000008 is ignored, MAXPHYADDR 36 */
	c.e[2].eax = 0x80000007;
	c.e[3].eax = (48 << 8) | 24;
	ck_assert_int_eq(set_cpuid(v1, &c), 0);
	ck_assert_int_eq(st_tdx(v1, KVM_TDX_INIT_VCPU, 0, 0, NULL), 0);
	/* no x2APIC in CPUID: X2APIC_ENABLE is a reserved bit */
	base_table(&c);
	c.e[1].ecx = 0;
	ck_assert_int_eq(set_cpuid(v2, &c), 0);
	ck_errno(st_tdx(v2, KVM_TDX_INIT_VCPU, 0, 0, NULL), EINVAL);
	close(v0);
	close(v1);
	close(v2);
	close(vm);
	close(vm2);
}
END_TEST

START_TEST(mapgpa_needs_shared_bit_below_maxphyaddr)
{
	static char src[4096] __attribute__((aligned(4096)));
	struct kvm_enable_cap cap = { .cap = KVM_CAP_EXIT_HYPERCALL,
				      .args = { 1ULL << KVM_HC_MAP_GPA_RANGE } };
	struct kvm_run *run;
	struct cpuid_buf c;
	char err[256];
	void *mem;
	int vm, v, gmem;

	st_require_sim();
	/* MAXPHYADDR 36 (no 0x80000008): the shared bit 47 makes the GPA illegal */
	ck_assert_int_eq(tdxsim_ctl_set_guest_text(
		"[vcpu 0]\nmapgpa 0x1000000 4K shared\nexpect status invalid-operand\n"
		"expect value 0x800001000000\nexpect exits 0\n"
		"mapgpa 0x1000000 4K private\nexpect exits 1\n", err, sizeof(err)), 0);
	vm = st_td();
	ck_assert_int_eq(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), 0);
	st_split_irqchip(vm);
	ck_assert_int_eq(st_init_vm(vm, 48, NULL), 0);
	mem = st_private_ram(vm, 0, 32 << 20, &gmem);
	v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	base_table(&c);
	c.h.nent = 2;
	ck_assert_int_eq(set_cpuid(v, &c), 0);
	ck_assert_int_eq(st_tdx(v, KVM_TDX_INIT_VCPU, 0, 0x800000, NULL), 0);
	ck_assert_int_eq(st_add_pages(v, src, 0x200000, 1, false, NULL), 0);
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	run = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, v, 0);
	ck_assert_ptr_ne(run, MAP_FAILED);
	ck_assert_int_eq(xioctl(v, KVM_RUN, 0), 0);
	ck_assert_uint_eq(run->exit_reason, KVM_EXIT_HYPERCALL);	/* the private one */
	ck_assert_int_eq(st_attrs(vm, 0x1000000, 4096, KVM_MEMORY_ATTRIBUTE_PRIVATE), 0);
	ck_assert_int_eq(xioctl(v, KVM_RUN, 0), 0);
	ck_assert_uint_eq(run->exit_reason, KVM_EXIT_SHUTDOWN);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	munmap(run, 12288);
	close(v);
	close(gmem);
	munmap(mem, 32 << 20);
	close(vm);
}
END_TEST

/* ---- INIT_VM leaf 0x1F (TDX module TDH.MNG.INIT topology scan) ------------------ */
/* INIT_VM with 0x1F sub-leaves 0..5 set to ecx[i] (eax 1 for valid levels). */
static long init_vm_1f(const uint32_t ecx[6])
{
	int vm = st_td();
	struct kvm_tdx_init_vm *iv;
	uint64_t hw = 0;
	long r;

	st_split_irqchip(vm);
	iv = st_init_args(vm, 48);
	for (unsigned i = 0; i < iv->cpuid.nent; i++) {
		struct kvm_cpuid_entry2 *e = &iv->cpuid.entries[i];

		if (e->function != 0x1f)
			continue;
		e->ecx = ecx[e->index];
		e->eax = ((ecx[e->index] >> 8) & 0xff) ? 1 + e->index : 0;
		e->ebx = ((ecx[e->index] >> 8) & 0xff) ? 2 : 0;
	}
	r = st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, &hw);
	if (r == -EIO)
		ck_assert_uint_eq(hw, 0);	/* not OPERAND_INVALID: KVM keeps it 0 */
	free(iv);
	close(vm);
	return r;
}

START_TEST(init_vm_1f_list_ends_at_type_0)
{
	/* QEMU's shape: SMT, core, then terminators with ECX[7:0] = sub-leaf */
	static const uint32_t qemu[6] = { 0x100, 0x201, 2, 3, 4, 5 };
	static const uint32_t zeros[6] = { 0x100, 0x201, 0, 0, 0, 0 };
	static const uint32_t die[6] = { 0x100, 0x201, 0x502, 3, 0, 0 };
	static const uint32_t junk[6] = { 0x100, 0x201, 0x00ff, 0x0011, 0, 0 };

	st_require_sim();
	ck_assert_int_eq(init_vm_1f(qemu), 0);
	ck_assert_int_eq(init_vm_1f(zeros), 0);
	ck_assert_int_eq(init_vm_1f(die), 0);
	ck_assert_int_eq(init_vm_1f(junk), 0);	/* type 0 ends it, whatever ECX[7:0] */
}
END_TEST

START_TEST(init_vm_1f_format_errors_eio)
{
	static const uint32_t bad_number[6] = { 0x100, 0x200, 2, 3, 4, 5 };	/* ECX[7:0] != 1 */
	static const uint32_t no_core[6] = { 0x100, 0x301, 2, 3, 4, 5 };
	static const uint32_t not_rising[6] = { 0x200, 0x201, 2, 3, 4, 5 };
	static const uint32_t type_max[6] = { 0x100, 0x201, 0x602, 3, 4, 5 };
	static const uint32_t first_invalid[6] = { 0x1, 0x201, 2, 3, 4, 5 };
	static const uint32_t smt_not_first[6] = { 0x0, 0x101, 2, 3, 4, 5 };

	st_require_sim();
	ck_errno(init_vm_1f(bad_number), EIO);
	ck_errno(init_vm_1f(no_core), EIO);
	ck_errno(init_vm_1f(not_rising), EIO);
	ck_errno(init_vm_1f(type_max), EIO);
	ck_errno(init_vm_1f(first_invalid), EIO);
	ck_errno(init_vm_1f(smt_not_first), EIO);
}
END_TEST

/* ---- KVM_GET_SUPPORTED_CPUID (kvm_dev_ioctl_get_cpuid(), __do_cpuid_func()) ------ */
static long supported(int kvm, struct cpuid_buf *c, unsigned nent)
{
	memset(c, 0, sizeof(*c));
	c->h.nent = nent;
	return xioctl(kvm, KVM_GET_SUPPORTED_CPUID, (uintptr_t)c);
}

START_TEST(supported_cpuid_is_the_emr_host)
{
	struct cpuid_buf c;
	struct kvm_cpuid_entry2 *e;
	int k = st_kvm();
	unsigned n;

	st_require_sim();
	ck_assert_int_eq(supported(k, &c, 256), 0);
	n = c.h.nent;
	ck_assert_uint_gt(n, 40);
	ck_assert_uint_eq(find(&c, 0, 0)->eax, 0x20);			/* the CPU's max leaf */
	e = find(&c, 1, 0);
	ck_assert_uint_eq(e->eax, 0xc06f2);				/* family 6 model 207 stepping 2 */
	ck_assert_uint_eq(e->ecx & 0x81200000U, 0x81200000U);		/* x2APIC TSC-deadline hypervisor */
	ck_assert_uint_eq(e->ecx & F1_ECX_OSXSAVE, 0);			/* RUNTIME_F */
	e = find(&c, 7, 0);
	ck_assert_uint_eq(e->flags, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	ck_assert_uint_eq(e->eax, 2);
	ck_assert_uint_eq(e->ecx & (1U << 3), 1U << 3);			/* PKU */
	ck_assert_uint_eq(e->ecx & (1U << 4), 0);			/* OSPKE: RUNTIME_F */
	ck_assert_uint_eq(e->edx & 0x1400000U, 0x1400000U);		/* AMX-TILE AMX-BF16 */
	ck_assert_ptr_nonnull(find(&c, 0x1d, 1));			/* AMX palette */
	ck_assert_uint_eq(find(&c, 4, 4)->eax & 0x1f, 0);		/* cache list up to its end */
	ck_assert_ptr_null(find(&c, 4, 5));
	ck_assert_uint_eq(find(&c, 0xb, 0)->ecx, 0);			/* no host topology */
	ck_assert_ptr_null(find(&c, 0xb, 1));
	/* GuestPhysAddrSize = MAXPHYADDR with 5-level TDP: not 0 */
	ck_assert_uint_eq(find(&c, 0x80000008, 0)->eax, (52 << 16) | (57 << 8) | 52);
	ck_assert_uint_eq(find(&c, 0x40000000, 0)->ebx, 0x4b4d564b);	/* "KVMK" */
	/* without the guest permission no AMX state (kvm_get_filtered_xcr0()) */
	e = find(&c, 0xd, 0);
	ck_assert_uint_eq(e->eax, 0x2e7);
	ck_assert_uint_eq(e->ebx, 0xa88);				/* XSAVE size of 0x2e7 */
	ck_assert_ptr_null(find(&c, 0xd, 17));
	ck_assert_uint_eq(find(&c, 0xd, 1)->ecx, 0x1800);		/* CET in XSS */
	ck_assert_int_eq(xprctl(ARCH_REQ_XCOMP_GUEST_PERM, 18), 0);
	ck_assert_int_eq(supported(k, &c, 256), 0);
	ck_assert_uint_eq(c.h.nent, n + 2);				/* 0xD.17, 0xD.18 */
	e = find(&c, 0xd, 0);
	ck_assert_uint_eq(e->eax, 0x602e7);
	ck_assert_uint_eq(e->ebx, 0x2b00);
	ck_assert_ptr_nonnull(find(&c, 0xd, 18));
	/* too small: E2BIG, nent not updated; 0 → E2BIG; > 256 is clamped */
	ck_errno(supported(k, &c, n), E2BIG);
	ck_assert_uint_eq(c.h.nent, n);
	ck_errno(supported(k, &c, 0), E2BIG);
	ck_assert_int_eq(supported(k, &c, 300), 0);
	close(k);
}
END_TEST

START_TEST(supported_cpuid_4level_tdp_caps_guest_phys_bits)
{
	struct cpuid_buf c;
	int k;

	st_require_sim();
	ck_assert_int_eq(tdxsim_ctl_set_5level_ept(0), 0);
	k = st_kvm();
	ck_assert_int_eq(supported(k, &c, 256), 0);
	/* MAXPHYADDR 52, but 4-level TDP maps only 48 bits */
	ck_assert_uint_eq(find(&c, 0x80000008, 0)->eax, (48 << 16) | (57 << 8) | 52);
	close(k);
}
END_TEST

/* ---- KVM_TDX_GET_CPUID (tdx_vcpu_get_cpuid(), TDX module virtualisation) -------- */
static long td_get_cpuid(int vcpu, struct cpuid_buf *c, unsigned nent)
{
	memset(c, 0, sizeof(*c));
	c->h.nent = nent;
	return st_tdx(vcpu, KVM_TDX_GET_CPUID, 0, (uintptr_t)c, NULL);
}

START_TEST(td_get_cpuid_walks_every_readable_leaf)
{
	struct cpuid_buf c;
	struct kvm_cpuid_entry2 *e;
	int vm = st_td_inited(), v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	unsigned n;

	st_require_sim();
	ck_assert_int_eq(td_get_cpuid(v, &c, 256), 0);
	n = c.h.nent;
	ck_assert_uint_eq(find(&c, 0, 0)->eax, 0x23);			/* module: max leaf 0x23 */
	e = find(&c, 1, 0);
	ck_assert_ptr_nonnull(e);					/* leaf 1 is always there */
	ck_assert_uint_eq(e->flags, 0);
	ck_assert_uint_eq(e->eax, 0xc06f2);				/* FMS 0: native */
	ck_assert_uint_eq(e->ecx & (1U << 31), 1U << 31);		/* fixed1: hypervisor */
	ck_assert_uint_eq(e->ecx & (1U << 5), 0);			/* fixed0: VMX */
	/* sub-leaves walked 0.. until the module has none, flagged */
	for (unsigned i = 0; i <= 18; i++) {
		e = find(&c, 0xd, i);
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(e->flags, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	}
	ck_assert_ptr_null(find(&c, 0xd, 19));
	ck_assert_ptr_nonnull(find(&c, 4, 4));
	ck_assert_ptr_null(find(&c, 4, 5));
	ck_assert_ptr_nonnull(find(&c, 0x1f, 5));
	ck_assert_ptr_nonnull(find(&c, 0xb, 2));
	ck_assert_ptr_nonnull(find(&c, 0x23, 3));
	/* leaves the module does not virtualise are not listed */
	ck_assert_ptr_null(find(&c, 9, 0));
	ck_assert_ptr_null(find(&c, 0x10, 0));
	ck_assert_ptr_null(find(&c, 0x16, 0));
	ck_assert_ptr_null(find(&c, 0x80000003, 0));
	ck_assert_ptr_nonnull(find(&c, 0x80000008, 0));
	/* XFAM 0xe7: AVX-512 yes, AMX and PKRU no */
	e = find(&c, 0xd, 0);
	ck_assert_uint_eq(e->eax, 0xe7);
	ck_assert_uint_eq(e->ecx, 0xa80);
	ck_assert_uint_eq(find(&c, 0xd, 18)->eax, 0);
	ck_assert_uint_eq(find(&c, 7, 0)->edx & 0x3400000U, 0);	/* AMX bits cleared */
	ck_assert_uint_eq(find(&c, 7, 0)->ecx & (1U << 3), 0);		/* PKU without XFAM PKRU */
	ck_assert_uint_eq(find(&c, 0x1d, 0)->eax, 0);
	/* 0x1F all zero at INIT_VM: the CPU's topology, 0xB derived from it */
	ck_assert_uint_eq(find(&c, 0x1f, 1)->ecx, 0x201);
	ck_assert_uint_eq(find(&c, 0xb, 1)->ecx, 0x201);
	/* GPA width patched in by KVM; MAXPHYADDR native (52); LA57 → 57 */
	ck_assert_uint_eq(find(&c, 0x80000008, 0)->eax, (48 << 16) | (57 << 8) | 52);
	ck_assert_uint_eq(find(&c, 0x15, 0)->ebx, 2100000 / 25000);
	ck_assert_uint_eq(find(&c, 0x21, 0)->ebx, 0x65746e49);		/* "IntelTDX    " */
	ck_assert_uint_eq(find(&c, 0xa, 0)->eax, 0);			/* no PERFMON: no PMU */
	/* too small: E2BIG with the needed count */
	ck_errno(td_get_cpuid(v, &c, n - 1), E2BIG);
	ck_assert_uint_eq(c.h.nent, n);
	close(v);
	close(vm);
}
END_TEST

START_TEST(td_get_cpuid_gpaw52_and_config)
{
	struct kvm_tdx_init_vm *iv;
	struct cpuid_buf c;
	int vm = st_td(), v;

	st_require_sim();
	st_split_irqchip(vm);
	iv = st_init_args(vm, 52);
	iv->xfam = 0x602e7;				/* with AMX and PKRU */
	for (unsigned i = 0; i < iv->cpuid.nent; i++) {
		struct kvm_cpuid_entry2 *e = &iv->cpuid.entries[i];

		if (e->function == 7 && e->index == 0)
			e->ecx &= ~(1U << 16);		/* no LA57: 48 linear bits */
		if (e->function == 0x1f) {		/* a 2-level topology of our own */
			static const uint32_t ecx[6] = { 0x100, 0x201, 2, 3, 4, 5 };

			e->eax = e->index < 2 ? 1 + e->index : 0;
			e->ebx = e->index < 2 ? 2 * (e->index + 1) : 0;
			e->ecx = ecx[e->index];
		}
	}
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), 0);
	free(iv);
	v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_eq(td_get_cpuid(v, &c, 256), 0);
	ck_assert_uint_eq(find(&c, 0x80000008, 0)->eax, (52 << 16) | (48 << 8) | 52);
	ck_assert_uint_eq(find(&c, 0xd, 0)->eax, 0x602e7);
	ck_assert_uint_eq(find(&c, 0xd, 0)->ecx, 0x2b00);
	ck_assert_uint_eq(find(&c, 0xd, 18)->eax, 0x2000);
	ck_assert_uint_eq(find(&c, 0xd, 1)->eax & (1U << 4), 1U << 4);	/* XFD with AMX */
	ck_assert_uint_eq(find(&c, 7, 0)->edx & 0x1400000U, 0x1400000U);
	ck_assert_uint_eq(find(&c, 7, 0)->ecx & (1U << 3), 1U << 3);	/* PKU */
	ck_assert_uint_eq(find(&c, 0x1f, 1)->ebx, 4);
	ck_assert_uint_eq(find(&c, 0xb, 1)->ebx, 4);
	ck_assert_uint_eq(find(&c, 0x1f, 2)->ecx, 2);
	close(v);
	close(vm);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sim-cpuid");
	TCase *t = tcase_create("cpuid");

	tcase_add_test(t, set_cpuid2_e2big);
	tcase_add_test(t, set_cpuid2_vaddr_bits);
	tcase_add_test(t, get_cpuid2_e2big_and_runtime_bits);
	tcase_add_test(t, set_cpuid2_after_run_only_identical);
	tcase_add_test(t, arch_prctl_xcomp_as_preset_host);
	tcase_add_test(t, arch_prctl_no_amx_host);
	tcase_add_test(t, set_cpuid2_amx_needs_guest_perm);
	tcase_add_test(t, set_cpuid2_amx_with_guest_perm);
	tcase_add_test(t, init_vcpu_apic_base_needs_maxphyaddr);
	tcase_add_test(t, mapgpa_needs_shared_bit_below_maxphyaddr);
	tcase_add_test(t, init_vm_1f_list_ends_at_type_0);
	tcase_add_test(t, init_vm_1f_format_errors_eio);
	tcase_add_test(t, supported_cpuid_is_the_emr_host);
	tcase_add_test(t, supported_cpuid_4level_tdp_caps_guest_phys_bits);
	tcase_add_test(t, td_get_cpuid_walks_every_readable_leaf);
	tcase_add_test(t, td_get_cpuid_gpaw52_and_config);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return st_run_suite(suite());
}
