/* SPDX-License-Identifier: MIT */
/* Fault injection, trace, report file and the tdxsim wrapper. */
#include <sys/wait.h>

#include "simtest.h"

#define PAGE 4096UL

START_TEST(fail_nth)
{
	int k = st_kvm();
	unsigned long base = tdxsim_ctl_call_count();

	ck_assert_int_eq(tdxsim_ctl_fail_nth(base + 2, EIO), 0);
	ck_assert_int_eq(xioctl(k, KVM_GET_API_VERSION, 0), 12);
	ck_errno(xioctl(k, KVM_GET_API_VERSION, 0), EIO);
	ck_assert_int_eq(xioctl(k, KVM_GET_API_VERSION, 0), 12);
	ck_assert_uint_eq(tdxsim_ctl_call_count(), base + 3);
	close(k);
}
END_TEST

START_TEST(fail_init_vm_eagain_times)
{
	int vm = st_td(), i;
	uint64_t hw = 7;

	st_split_irqchip(vm);
	ck_assert_int_eq(tdxsim_ctl_fail_spec("ioctl=KVM_TDX_INIT_VM:errno=EAGAIN:times=3"), 0);
	for (i = 0; i < 3; i++)
		ck_errno(st_init_vm(vm, 48, &hw), EAGAIN);
	ck_assert_int_eq(st_init_vm(vm, 48, &hw), 0); /* QEMU-style retry succeeds */
	ck_assert_uint_eq(hw, 0);
	close(vm);
}
END_TEST

START_TEST(fail_init_vm_einval_hw)
{
	int vm = st_td();
	uint64_t hw = 0;

	ck_assert_int_eq(tdxsim_ctl_fail_spec(
		"ioctl=KVM_TDX_INIT_VM:errno=EINVAL:hw=0xC000010000000045"), 0);
	/* validation failures do not consume the module fault */
	ck_errno(st_init_vm(vm, 50, &hw), EINVAL);
	ck_assert_uint_eq(hw, 0);
	ck_errno(st_init_vm(vm, 48, &hw), EINVAL);
	ck_assert_uint_eq(hw, 0xC000010000000045ULL);
	ck_assert_int_eq(st_init_vm(vm, 48, &hw), 0);
	close(vm);
}
END_TEST

/* hw= reaches hw_error only with EINVAL: KVM passes on a TDH.MNG.INIT status
 * only when it is OPERAND_INVALID; EAGAIN and EIO leave hw_error 0. */
START_TEST(fail_init_vm_hw_only_with_einval)
{
	int vm = st_td();
	uint64_t hw = 1;

	ck_assert_int_eq(tdxsim_ctl_fail_spec(
		"ioctl=KVM_TDX_INIT_VM:errno=EAGAIN:hw=0x8000020300000000"), 0);
	ck_errno(st_init_vm(vm, 48, &hw), EAGAIN);
	ck_assert_uint_eq(hw, 0);
	ck_assert_int_eq(tdxsim_ctl_fail_spec(
		"ioctl=KVM_TDX_INIT_VM:errno=EIO:hw=0xC000090400000000"), 0);
	hw = 1;
	ck_errno(st_init_vm(vm, 48, &hw), EIO);
	ck_assert_uint_eq(hw, 0);
	ck_errno(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS), EIO); /* bugged */
	close(vm);
}
END_TEST

START_TEST(fail_finalize_ebusy_then_ok)
{
	int vm = st_td_inited();
	int v = st_vcpu(vm, 0); /* TDH.MR.FINALIZE needs an initialised vCPU */
	uint64_t hw = 0;

	ck_assert_int_eq(tdxsim_ctl_fail_ioctl("KVM_TDX_FINALIZE_VM", EBUSY, 0x8000020000000000ULL, 1), 0);
	ck_errno(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, &hw), EBUSY);
	ck_assert_uint_eq(hw, 0x8000020000000000ULL);
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, &hw), 0);
	ck_assert_uint_eq(hw, 0);
	close(v);
	close(vm);
}
END_TEST

START_TEST(fail_finalize_eio_kills_vm)
{
	int vm = st_td_inited();

	ck_assert_int_eq(tdxsim_ctl_fail_spec("ioctl=KVM_TDX_FINALIZE_VM:errno=EIO"), 0);
	ck_errno(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), EIO);
	ck_errno(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS), EIO);
	close(vm);
}
END_TEST

START_TEST(fail_mem_region_eintr_progress)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0);
	void *src = mmap(NULL, 8 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_tdx_init_mem_region r;

	st_private_ram(vm, 0, 8 * PAGE, NULL);
	ck_assert_int_eq(tdxsim_ctl_fail_spec(
		"ioctl=KVM_TDX_INIT_MEM_REGION:errno=EINTR:after_pages=3"), 0);
	ck_errno(st_add_pages(v, src, 0, 8, true, &r), EINTR);
	ck_assert_uint_eq(r.nr_pages, 5);
	ck_assert_uint_eq(r.gpa, 3 * PAGE);
	ck_assert_uint_eq(r.source_addr, (uintptr_t)src + 3 * PAGE);
	/* resubmit the updated struct, as QEMU does */
	ck_assert_int_eq(st_tdx(v, KVM_TDX_INIT_MEM_REGION, 1, (uintptr_t)&r, NULL), 0);
	ck_assert_uint_eq(r.nr_pages, 0);
	close(v);
	close(vm);
}
END_TEST

/* The INIT_MEM_REGION module fault fires at page after_pages, after KVM's
 * checks of that page; a call that stops earlier does not use it up. */
START_TEST(fail_mem_region_fault_waits_for_its_page)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0);
	void *src = mmap(NULL, 16 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_tdx_init_mem_region r;

	st_private_ram(vm, 0, 16 * PAGE, NULL);
	ck_assert_int_eq(tdxsim_ctl_fail_spec(
		"ioctl=KVM_TDX_INIT_MEM_REGION:errno=EBUSY:after_pages=5"), 0);
	/* 3 pages: the call ends before page 5 */
	ck_assert_int_eq(st_add_pages(v, src, 0, 3, true, &r), 0);
	ck_assert_uint_eq(r.nr_pages, 0);
	/* 8 pages: fails at its page 5, progress written back */
	ck_errno(st_add_pages(v, src, 3 * PAGE, 8, true, &r), EBUSY);
	ck_assert_uint_eq(r.nr_pages, 3);
	ck_assert_uint_eq(r.gpa, 8 * PAGE);
	ck_assert_int_eq(st_tdx(v, KVM_TDX_INIT_MEM_REGION, 1, (uintptr_t)&r, NULL), 0);

	/* EIO at page 0: KVM's own checks of that page come first */
	ck_assert_int_eq(tdxsim_ctl_fail_spec("ioctl=KVM_TDX_INIT_MEM_REGION:errno=EIO"), 0);
	ck_errno(st_add_pages(v, src, 0x100000, 1, true, NULL), EINVAL); /* no memslot */
	ck_errno(st_add_pages(v, src, 0, 1, true, NULL), EIO);	/* already added */
	ck_errno(st_add_pages(v, src, 12 * PAGE, 1, true, NULL), EIO); /* the module */
	ck_errno(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS), EIO); /* bugged */
	munmap(src, 16 * PAGE);
	close(v);
	close(vm);
}
END_TEST

/* A TDH.VP.CREATE/ADDCX/INIT failure is EIO with the VM bugged
 * (tdx_td_vcpu_init() in vmx/tdx.c); KVM's own checks come first. */
START_TEST(fail_init_vcpu_eio_kills_vm)
{
	int vm = st_td_inited(), v = (int)xioctl(vm, KVM_CREATE_VCPU, 0);

	ck_assert_int_ge(v, 0);
	ck_assert_int_eq(st_set_cpuid(v, true), 0);
	ck_assert_int_eq(tdxsim_ctl_fail_spec("ioctl=KVM_TDX_INIT_VCPU:errno=EIO"), 0);
	ck_errno(st_tdx(v, KVM_TDX_INIT_VCPU, 1, 0, NULL), EINVAL); /* flags: not used up */
	ck_errno(st_tdx(v, KVM_TDX_INIT_VCPU, 0, 0, NULL), EIO);
	ck_errno(st_tdx(v, KVM_TDX_INIT_VCPU, 0, 0, NULL), EIO);	/* dead VM */
	ck_errno(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS), EIO);
	close(v);
	close(vm);
}
END_TEST

START_TEST(fail_generic_and_bad_specs)
{
	int k = st_kvm();

	ck_assert_int_eq(tdxsim_ctl_fail_ioctl("KVM_CREATE_VM", ENOMEM, 0, 2), 0);
	ck_errno(xioctl(k, KVM_CREATE_VM, 5), ENOMEM);
	ck_errno(xioctl(k, KVM_CREATE_VM, 5), ENOMEM);
	ck_assert_int_ge(xioctl(k, KVM_CREATE_VM, 5), 0);
	ck_assert_int_ne(tdxsim_ctl_fail_spec("ioctl=KVM_NOPE:errno=EIO"), 0);
	ck_assert_int_ne(tdxsim_ctl_fail_spec("ioctl=KVM_RUN"), 0);
	ck_assert_int_ne(tdxsim_ctl_fail_spec("nth=3:ioctl=KVM_RUN:errno=EIO"), 0);
	ck_assert_int_ne(tdxsim_ctl_fail_spec("ioctl=KVM_RUN:errno=EWHAT"), 0);
	ck_assert_int_ne(tdxsim_ctl_fail_spec("ioctl=KVM_RUN:errno=EIO:bogus=1"), 0);
	ck_assert_int_eq(tdxsim_ctl_fail_spec("ioctl=KVM_RUN:errno=EIO:times=always,nth=99:errno=5"), 0);
	tdxsim_ctl_fail_clear();
	close(k);
}
END_TEST

START_TEST(trace_api)
{
	int k = st_kvm(), found = 0;
	unsigned long n0 = tdxsim_ctl_trace_count(), n;
	char line[256];

	ck_errno(xioctl(k, KVM_CREATE_VM, 9), EINVAL);
	close(k);
	n = tdxsim_ctl_trace_count();
	ck_assert_uint_ge(n, n0 + 2);
	for (unsigned long i = 0; i < n; i++) {
		ck_assert_int_gt(tdxsim_ctl_trace_get(i, line, sizeof(line)), 0);
		if (strstr(line, "KVM_CREATE_VM dev") && strstr(line, "errno=EINVAL"))
			found |= 1;
		if (strstr(line, "close dev"))
			found |= 2;
	}
	ck_assert_int_eq(found, 3);
	ck_assert_int_eq(tdxsim_ctl_trace_get(n + 5, line, sizeof(line)), -1);
}
END_TEST

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = calloc(1, 1 << 20);

	ck_assert_ptr_nonnull(f);
	fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

/* The trace names the arguments, and marks what the simulator does not model. */
static bool trace_has(unsigned long from, const char *a, const char *b)
{
	char line[640];

	for (unsigned long i = from; i < tdxsim_ctl_trace_count(); i++)
		if (tdxsim_ctl_trace_get(i, line, sizeof(line)) > 0 && strstr(line, a) &&
		    (!b || strstr(line, b)))
			return true;
	return false;
}

START_TEST(trace_args_and_unmodelled)
{
	unsigned long n0 = tdxsim_ctl_trace_count();
	struct kvm_enable_cap cap = { .cap = 123456, .args = { 7 } };
	int vm = st_td_inited(), v = st_vcpu(vm, 0);

	ck_assert(trace_has(n0, "KVM_CREATE_VM dev", "type=5"));
	ck_assert(trace_has(n0, "KVM_ENABLE_CAP vm", "cap=KVM_CAP_SPLIT_IRQCHIP args0=0x18"));
	ck_assert(trace_has(n0, "KVM_TDX_INIT_VM vm", "xfam=0x"));
	ck_assert(trace_has(n0, "KVM_CREATE_VCPU vm", "id=0"));
	ck_assert(!trace_has(n0, "sim=unmodelled", NULL));
	/* a capability the model knows is not marked; one it does not is */
	ck_assert_int_eq(xioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES), 0x21);
	ck_assert(trace_has(n0, "cap=KVM_CAP_VM_TYPES", NULL));
	ck_assert(!trace_has(n0, "cap=KVM_CAP_VM_TYPES", "sim=unmodelled"));
	ck_assert_int_eq(xioctl(vm, KVM_CHECK_EXTENSION, 123456), 0);
	ck_assert(trace_has(n0, "KVM_CHECK_EXTENSION vm", "cap=123456 sim=unmodelled"));
	ck_errno(xioctl(vm, KVM_ENABLE_CAP, (uintptr_t)&cap), EINVAL);
	ck_assert(trace_has(n0, "KVM_ENABLE_CAP vm", "errno=EINVAL cap=123456 args0=0x7 sim=unmodelled"));
	ck_errno(xioctl(vm, _IO(KVMIO, 0xfe), 0), ENOTTY);
	ck_assert(trace_has(n0, "ioctl_0xaefe vm", "sim=unmodelled"));
	ck_errno(xioctl(v, _IO(KVMIO, 0xfe), 0), EINVAL);
	ck_assert(trace_has(n0, "ioctl_0xaefe vcpu", "sim=unmodelled"));
	/* the range a pre-fault asked for (refused before FINALIZE) */
	{
		struct kvm_pre_fault_memory pf = { .gpa = 0x1000, .size = 0x2000 };

		ck_assert_int_lt(xioctl(v, KVM_PRE_FAULT_MEMORY, (uintptr_t)&pf), 0);
		ck_assert(trace_has(n0, "KVM_PRE_FAULT_MEMORY vcpu", "gpa=0x1000 size=0x2000"));
	}
	/* KVM_RUN names the exit reason it left in kvm_run */
	{
		int k = st_kvm(), pvm = (int)xioctl(k, KVM_CREATE_VM, 0);
		int pv = (int)xioctl(pvm, KVM_CREATE_VCPU, 0);

		ck_assert_int_ge(pv, 0);
		ck_assert_int_eq(xioctl(pv, KVM_RUN, 0), 0);
		ck_assert(trace_has(n0, "KVM_RUN vcpu", "ret=0 errno=0 exit=8"));
		close(pv);
		close(pvm);
		close(k);
	}
	/* a protected-state refusal of a TD vCPU is the kernel's, not a gap */
	ck_errno(xioctl(v, KVM_GET_REGS, 0), EINVAL);
	ck_assert(trace_has(n0, "KVM_GET_REGS vcpu", "errno=EINVAL"));
	ck_assert(!trace_has(n0, "KVM_GET_REGS vcpu", "sim=unmodelled"));
}
END_TEST

/* The report carries the TD HOB as added at the INIT_VCPU GPA, and the
 * CPUID leaves INIT_VM configured. */
START_TEST(report_hob_and_cpuid)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0);	/* HOB GPA 0x800000 */
	unsigned char *src = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static char js[1 << 17];
	const char *h;

	ck_assert_ptr_ne(src, MAP_FAILED);
	st_private_ram(vm, 0x7ff000, 0x4000, NULL);
	src[0] = 0xaa;			/* page 0x7ff000: before the HOB */
	src[4096] = 0x01;		/* 0x800000: the HOB's first bytes */
	src[4096 + 1] = 0x00;
	src[4096 + 2] = 0x38;
	src[2 * 4096 + 5] = 0x7e;	/* 0x801000, byte 5 */
	ck_assert_int_eq(st_add_pages(v, src, 0x7ff000, 3, false, NULL), 0);
	ck_assert_int_gt(tdxsim_ctl_vm_report(vm, js, sizeof(js)), 0);
	ck_assert_ptr_nonnull(strstr(js, "\"hob_gpa\": \"0x800000\""));
	h = strstr(js, "\"hob\": \"");
	ck_assert_ptr_nonnull(h);
	h += strlen("\"hob\": \"");
	ck_assert_int_eq(strncmp(h, "010038", 6), 0);
	ck_assert_int_eq(strspn(h + 6, "0"), 2 * (4096 + 5) - 6);
	ck_assert_int_eq(strncmp(h + 2 * (4096 + 5), "7e\"", 3), 0);
	/* INIT_VM's 0x80000008 leaf is configured, with the GPAW cleared */
	ck_assert_ptr_nonnull(strstr(js, "{\"leaf\": \"0x80000008\", \"subleaf\": \"0x0\", "
				     "\"eax\": \"0x00000034\""));
	/* ... and INIT_VM's input is kept as passed, GPAW 48 included */
	ck_assert_ptr_nonnull(strstr(js, "{\"leaf\": \"0x80000008\", \"subleaf\": \"0x0\", "
				     "\"flags\": \"0x0\", \"eax\": \"0x00300034\""));
	munmap(src, 3 * 4096);
}
END_TEST

/* td_cpuid lists only the configurable leaves INIT_VM set */
START_TEST(report_td_cpuid_only_set_leaves)
{
	int vm = st_td();
	struct kvm_tdx_init_vm *iv;
	static char js[1 << 16];
	char *tc, *end;

	st_split_irqchip(vm);
	iv = st_init_args(vm, 48);
	for (unsigned i = 0; i < iv->cpuid.nent; i++)
		if (iv->cpuid.entries[i].function == 0x80000008)
			iv->cpuid.entries[0] = iv->cpuid.entries[i];
	iv->cpuid.nent = 1;
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), 0);
	free(iv);
	ck_assert_int_gt(tdxsim_ctl_vm_report(vm, js, sizeof(js)), 0);
	tc = strstr(js, "\"td_cpuid\": [");
	ck_assert_ptr_nonnull(tc);
	end = strchr(tc, ']');
	ck_assert_ptr_nonnull(end);
	*end = 0;
	ck_assert_ptr_nonnull(strstr(tc, "\"leaf\": \"0x80000008\""));
	ck_assert_ptr_null(strstr(tc, "}, {"));	/* that one leaf only */
}
END_TEST

START_TEST(trace_file_and_report)
{
	char tpath[] = "/tmp/tdxsim-trace-XXXXXX", rpath[] = "/tmp/tdxsim-report-XXXXXX";
	int tfd = mkstemp(tpath), rfd = mkstemp(rpath), vm, v;
	char *t, *rep;

	ck_assert_int_ge(tfd, 0);
	ck_assert_int_ge(rfd, 0);
	close(tfd);
	close(rfd);
	setenv("TDXSIM_TRACE", tpath, 1);
	setenv("TDXSIM_REPORT", rpath, 1);
	tdxsim_ctl_reset(); /* re-read the environment */
	vm = st_td_inited();
	v = st_vcpu(vm, 0);
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	close(vm);
	rep = slurp(rpath);
	ck_assert_str_eq(rep, ""); /* the vCPU still holds the TD */
	free(rep);
	close(v);
	rep = slurp(rpath);
	ck_assert_ptr_nonnull(strstr(rep, "\"simulated\": true"));
	ck_assert_ptr_nonnull(strstr(rep, "\"finalized\": true"));
	ck_assert_ptr_nonnull(strstr(rep, "\"mrtd\": \""));
	ck_assert_ptr_nonnull(strstr(rep, "\"pages_added\": 0"));
	ck_assert_ptr_nonnull(strstr(rep, "\"vcpus\": 1"));
	ck_assert_ptr_nonnull(strstr(rep, "{\"ioctl\": \"KVM_CREATE_VM\", \"errno\": 0}"));
	ck_assert_ptr_nonnull(strstr(rep, "{\"ioctl\": \"KVM_TDX_FINALIZE_VM\", \"errno\": 0}"));
	ck_assert_ptr_nonnull(strstr(rep, "\"calls_truncated\": 0, \"guest_script\": null, \"guest_errors\": []"));
	ck_assert_ptr_nonnull(strstr(rep, "\"guest_vcpus\": [], \"td_cpuid\": ["));
	ck_assert_ptr_nonnull(strstr(rep, "], \"init_vm_cpuid\": [{\"leaf\": \"0x"));
	ck_assert_ptr_nonnull(strstr(rep, "\"hob_gpa\": \"0x800000\", \"hob\": \"\"}\n"));
	ck_assert_ptr_null(strchr(strchr(rep, '\n') + 1, '\n')); /* one line */
	free(rep);
	t = slurp(tpath);
	ck_assert_ptr_nonnull(strstr(t, " KVM_TDX_INIT_VM vm fd="));
	ck_assert_ptr_nonnull(strstr(t, " KVM_TDX_INIT_VCPU vcpu fd="));
	free(t);
	unlink(tpath);
	unlink(rpath);
}
END_TEST

START_TEST(report_unfinalized_at_exit)
{
	char rpath[] = "/tmp/tdxsim-report-XXXXXX";
	int rfd = mkstemp(rpath), st;
	pid_t p;
	char *rep;

	close(rfd);
	setenv("TDXSIM_REPORT", rpath, 1);
	tdxsim_ctl_reset();
	p = fork();
	if (p == 0) {
		int vm = st_td();

		(void)vm;
		exit(0); /* destructor reports TDs still alive */
	}
	ck_assert_int_eq(waitpid(p, &st, 0), p);
	rep = slurp(rpath);
	ck_assert_ptr_nonnull(strstr(rep, "\"mrtd\": null"));
	ck_assert_ptr_nonnull(strstr(rep, "\"finalized\": false"));
	free(rep);
	unlink(rpath);
}
END_TEST

/* asan: the child's ASAN_OPTIONS (NULL: unset); the default keeps ours. */
static int run_tdxsim_asan(const char *const *args, const char *asan)
{
	int st;
	pid_t p = fork();

	if (p == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (asan != (const char *)-1) {
			/* a user's shell: no simulator preloaded yet (an
			 * ASan-built wrapper would not start behind it
			 * without verify_asan_link_order=0) */
			unsetenv("LD_PRELOAD");
			if (asan)
				setenv("ASAN_OPTIONS", asan, 1);
			else
				unsetenv("ASAN_OPTIONS");
		}

		dup2(devnull, 2);
		dup2(devnull, 1);
		execv(TDXSIM_EXE, (char *const *)args);
		_exit(126);
	}
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run_tdxsim(const char *const *args)
{
	return run_tdxsim_asan(args, (const char *)-1);
}

/* The wrapper appends what it needs to the user's ASAN_OPTIONS. */
START_TEST(wrapper_keeps_asan_options)
{
	const char *is_user[] = { "tdxsim", "--", "sh", "-c",
		"test \"$ASAN_OPTIONS\" = detect_leaks=0:halt_on_error=1:verify_asan_link_order=0",
		NULL };
	const char *is_default[] = { "tdxsim", "--", "sh", "-c",
		"test \"$ASAN_OPTIONS\" = verify_asan_link_order=0", NULL };
	const char *is_theirs[] = { "tdxsim", "--", "sh", "-c",
		"test \"$ASAN_OPTIONS\" = verify_asan_link_order=1:detect_leaks=1", NULL };

	ck_assert_int_eq(run_tdxsim_asan(is_user, "detect_leaks=0:halt_on_error=1"), 0);
	ck_assert_int_eq(run_tdxsim_asan(is_default, NULL), 0);
	ck_assert_int_eq(run_tdxsim_asan(is_default, ""), 0);
#ifdef __SANITIZE_ADDRESS__
	/* their choice is kept: an ASan-built simulator preloaded into sh then
	 * refuses to start, as they asked */
	ck_assert_int_ne(run_tdxsim_asan(is_theirs, "verify_asan_link_order=1:detect_leaks=1"), 0);
#else
	ck_assert_int_eq(run_tdxsim_asan(is_theirs, "verify_asan_link_order=1:detect_leaks=1"), 0);
#endif
}
END_TEST

START_TEST(wrapper_usage)
{
	const char *none[] = { "tdxsim", NULL };
	const char *badopt[] = { "tdxsim", "--frobnicate", "--", "true", NULL };
	const char *badk[] = { "tdxsim", "--kernel", "5.4", "--", "true", NULL };
	const char *badf[] = { "tdxsim", "--fail", "nth=zero:errno=EIO", "--", "true", NULL };
	const char *ok[] = { "tdxsim", "--caps", "minimal", "--kernel", "6.18", "--", "true", NULL };
	const char *list[] = { "tdxsim", "--list-presets", NULL };
	const char *run[] = { "tdxsim", "--", "sh", "-c",
		"exec 3<>/dev/kvm && test -e /proc/self/fd/3", NULL };

	ck_assert_int_eq(run_tdxsim(none), 2);
	ck_assert_int_eq(run_tdxsim(badopt), 2);
	ck_assert_int_eq(run_tdxsim(badk), 2);
	ck_assert_int_eq(run_tdxsim(badf), 2);
	ck_assert_int_eq(run_tdxsim(ok), 0);
	ck_assert_int_eq(run_tdxsim(list), 0);
	ck_assert_int_eq(run_tdxsim(run), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sim-faults");
	TCase *t = tcase_create("faults");

	tcase_add_test(t, fail_nth);
	tcase_add_test(t, trace_args_and_unmodelled);
	tcase_add_test(t, report_hob_and_cpuid);
	tcase_add_test(t, report_td_cpuid_only_set_leaves);
	tcase_add_test(t, fail_init_vm_eagain_times);
	tcase_add_test(t, fail_init_vm_einval_hw);
	tcase_add_test(t, fail_init_vm_hw_only_with_einval);
	tcase_add_test(t, fail_finalize_ebusy_then_ok);
	tcase_add_test(t, fail_finalize_eio_kills_vm);
	tcase_add_test(t, fail_mem_region_eintr_progress);
	tcase_add_test(t, fail_mem_region_fault_waits_for_its_page);
	tcase_add_test(t, fail_init_vcpu_eio_kills_vm);
	tcase_add_test(t, fail_generic_and_bad_specs);
	tcase_add_test(t, trace_api);
	tcase_add_test(t, trace_file_and_report);
	tcase_add_test(t, report_unfinalized_at_exit);
	tcase_add_test(t, wrapper_usage);
	tcase_add_test(t, wrapper_keeps_asan_options);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return st_run_suite(suite());
}
