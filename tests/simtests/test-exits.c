/* SPDX-License-Identifier: MIT */
/*
 * vCPU exits through libtdx against the simulator's scripted guest (suite
 * 'sim'): every exit type decoded from the kernel's layout, answers checked
 * by the guest, hostile guests (conversions outside RAM, misaligned,
 * wrapping, huge, straddling; fatal messages without NUL; exit floods)
 * served without leaks, and several vCPU threads converting at once.
 */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"
#include "../../sim/tdxsim-control.h"

#define GIB (1ull << 30)
#define HOB 0x809000ull

struct td {
	struct tdx_ctx *ctx;
	struct tdx_vm *vm;
	struct tdx_mem *mem;
	struct tdx_vcpu *v[4];
	unsigned int n;
};

static void td_free(struct td *t)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		tdx_vcpu_unref(t->v[i]);
	tdx_mem_unref(t->mem);
	tdx_vm_unref(t->vm);
	tdx_ctx_unref(t->ctx);
	memset(t, 0, sizeof(*t));
}

/* A finalised TD with 1 GiB of RAM at 0 (private) and n vCPUs running script. */
static void td_new(struct td *t, unsigned int n, const char *script)
{
	char err[256] = "";
	unsigned int i;

	memset(t, 0, sizeof(*t));
	ck_assert_msg(tdxsim_ctl_set_guest_text(script, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(tdx_ctx_new(NULL, &t->ctx), 0);
	ck_assert_int_eq(tdx_vm_new(t->ctx, NULL, &t->vm), 0);
	ck_assert_int_eq(tdx_vm_init(t->vm, NULL), 0);
	ck_assert_int_eq(tdx_mem_new(t->vm, NULL, &t->mem), 0);
	ck_assert_int_eq(tdx_mem_add_region(t->mem, 0, 1 * GIB, NULL, NULL), 0);
	ck_assert_int_eq(tdx_mem_convert(t->mem, 0, 1 * GIB, true), 0);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(tdx_vcpu_new(t->vm, i, &t->v[i]), 0);
		ck_assert_int_eq(tdx_vcpu_init(t->v[i], HOB), 0);
	}
	t->n = n;
	ck_assert_int_eq(tdx_vm_finalize(t->vm), 0);
}

static void run1(struct tdx_vcpu *v, struct tdx_exit *ex)
{
	ck_assert_int_eq(tdx_vcpu_run(v, ex), 0);
}

/* Serve conversions the way a VMM must; returns the conversion status. */
static int serve_convert(struct td *t, struct tdx_vcpu *v, const struct tdx_exit *ex)
{
	return tdx_vcpu_convert(v, t->mem, ex);
}

static void no_guest_errors(void)
{
	char buf[300] = "";

	if (tdxsim_ctl_guest_errors())
		tdxsim_ctl_guest_error_get(0, buf, sizeof(buf));
	ck_assert_msg(tdxsim_ctl_guest_errors() == 0, "guest check failed: %s", buf);
}

/*
 * A kernel that returns a malformed exit: when corrupt_run is set, the
 * KVM_IO exit KVM_RUN leaves there gets an I/O buffer outside the run
 * area.  libtdx's ioctl() calls bind to this definition (the executable
 * comes first in symbol lookup); it forwards to the simulator's.
 */
static struct kvm_run *corrupt_run;

int ioctl(int fd, unsigned long req, ...)
{
	static int (*next)(int, unsigned long, ...);
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!next)
		next = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	r = next(fd, req, arg);
	if (req == KVM_RUN && corrupt_run && corrupt_run->exit_reason == KVM_EXIT_IO)
		corrupt_run->io.data_offset = 1u << 20;
	return r;
}

static void setup(void)
{
	ck_assert_msg(tdxsim_ctl_active(), "run under the simulator (LD_PRELOAD)");
	tdxsim_ctl_reset();
}

START_TEST(every_exit_type_decoded)
{
	struct tdx_exit ex;
	struct td t;
	char line[200];

	td_new(&t, 1,
	       "[vcpu 0]\n"
	       "out 0x3f8 1 0x41\n"
	       "in 0x3fd 1\n"
	       "expect value 0x60\n"
	       "mmio-write 0xfed00000 4 0x12345678\n"
	       "mmio-read 0xfed00010 8\n"
	       "fault 0x200000 shared\n"
	       "mapgpa 0x400000 5M shared\n"
	       "expect status success\n"
	       "getquote 0x400000 8K\n"
	       "expect status subfunc-unsupported\n"
	       "notify 48\n"
	       "expect status success\n"
	       "tdvmcall-info 1\n"
	       "expect r11 0x2\n"
	       "fatal 0x80000000000A0000 \"boom\" 0x1000\n"
	       "shutdown\n");
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_IO);
	ck_assert(ex.u.io.is_write && ex.u.io.port == 0x3f8 && ex.u.io.size == 1);
	ck_assert_uint_eq(ex.u.io.data[0], 0x41);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_IO);
	ck_assert(!ex.u.io.is_write && ex.u.io.port == 0x3fd);
	ex.u.io.data[0] = 0x60;		/* the VMM's answer, checked by the guest */
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_MMIO);
	ck_assert(ex.u.mmio.is_write && ex.u.mmio.gpa == 0xfed00000 && ex.u.mmio.len == 4);
	ck_assert_uint_eq(ex.u.mmio.data[0], 0x78);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_MMIO);
	ck_assert(!ex.u.mmio.is_write && ex.u.mmio.len == 8);
	/* implicit conversion: KVM_RUN's EFAULT is an exit, not an error */
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_MEMORY_FAULT);
	ck_assert_uint_eq(ex.u.convert.gpa, 0x200000);
	ck_assert_uint_eq(ex.u.convert.size, 4096);
	ck_assert(!ex.u.convert.to_private);
	ck_assert_int_eq(serve_convert(&t, t.v[0], &ex), 0);
	/* MapGPA of 5 MiB: three chunks of 2, 2, 1 MiB */
	for (int c = 0; c < 3; c++) {
		run1(t.v[0], &ex);
		ck_assert_int_eq(ex.type, TDX_EXIT_MAP_GPA);
		ck_assert_uint_eq(ex.u.convert.gpa, 0x400000 + c * 0x200000ull);
		ck_assert_uint_eq(ex.u.convert.size, c < 2 ? 0x200000 : 0x100000);
		ck_assert(!ex.u.convert.to_private);
		ck_assert_int_eq(serve_convert(&t, t.v[0], &ex), 0);
	}
	ck_assert_int_eq(tdx_mem_is_private(t.mem, 0x400000, 5 << 20), 0);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_GET_QUOTE);
	ck_assert(ex.u.get_quote.gpa == 0x400000 && ex.u.get_quote.size == 8192);
	tdx_vcpu_complete(t.v[0], &ex, TDX_TDVMCALL_SUBFUNC_UNSUPPORTED);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_SETUP_EVENT_NOTIFY);
	ck_assert_uint_eq(ex.u.notify.vector, 48);
	ck_assert_int_eq(tdx_vcpu_complete(t.v[0], &ex, TDX_TDVMCALL_SUCCESS), 0);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_GET_TDVMCALL_INFO);
	ck_assert_uint_eq(ex.u.tdvmcall_info.leaf, 1);
	ck_assert_int_eq(tdx_vcpu_answer_tdvmcall_info(t.v[0], &ex, 2, 0, 0, 0), 0);
	/* answering with the wrong helper is refused */
	ck_assert_int_eq(tdx_vcpu_answer_tdvmcall_info(t.v[0], &(struct tdx_exit){ .type = TDX_EXIT_IO }, 0, 0, 0, 0), -EINVAL);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_FATAL);
	ck_assert_uint_eq(ex.u.fatal.error_code, 0x80000000000A0000ull);
	ck_assert(ex.u.fatal.code_valid && ex.u.fatal.has_gpa);
	ck_assert_uint_eq(ex.u.fatal.gpa, 0x1000);
	ck_assert_str_eq(ex.u.fatal.message, "boom");
	tdx_exit_format(&ex, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, "boom"));
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_SHUTDOWN);
	no_guest_errors();
	td_free(&t);
}
END_TEST

START_TEST(fatal_message_without_nul_is_bounded)
{
	struct tdx_exit ex;
	struct td t;

	/* 64 message bytes, no NUL, with non-printable bytes; then a malformed code */
	td_new(&t, 1,
	       "[vcpu 0]\n"
	       "fatal 0 \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab\\x01\\xff\\x7fZ\"\n"
	       "fatal-raw 0x5000 0x1234 0 0x4141414141414141\n"
	       "shutdown\n");
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_FATAL);
	ck_assert_uint_eq(ex.u.fatal.message_len, 64);
	ck_assert_uint_eq(strlen(ex.u.fatal.message), 64);
	ck_assert(!memcmp(ex.u.fatal.message + 60, "???Z", 4));
	ck_assert(!ex.u.fatal.has_gpa);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_FATAL);
	ck_assert(!ex.u.fatal.code_valid);	/* low 16 bits set: GHCI says invalid */
	ck_assert_str_eq(ex.u.fatal.message, "AAAAAAAA");	/* only R14 exposed */
	td_free(&t);
}
END_TEST

START_TEST(hostile_conversions_rejected_vmm_stays_up)
{
	struct tdx_mem_stats st;
	const struct tdx_error *e;
	struct tdx_exit ex;
	struct td t;
	int fds = tu_count_fds(), rejected = 0, served = 0, r;

	/* RAM is [0, 1 GiB); the shared bit is 1 << 47 */
	td_new(&t, 1,
	       "[vcpu 0]\n"
	       "mapgpa 0x40000000 2M private\n"		/* outside RAM */
	       "expect status invalid-operand\n"
	       "mapgpa 0x3ffff000 8K private\n"		/* straddles the end of RAM */
	       "expect status invalid-operand\n"
	       "mapgpa 0x100000 4K shared\n"
	       "expect status success\n"
	       "mapgpa 0x100000 8K private\n"		/* straddles shared/private: fine */
	       "expect status success\n"
	       "mapgpa 0x7ffffffff000 0x2000 private\n"	/* up to the shared bit: guest-side check */
	       "mapgpa 0x1000 0x1001 shared\n"		/* misaligned: ALIGN_ERROR, no exit */
	       "expect status align-error\n"
	       "mapgpa-raw 0xfffffffffffff000 0x2000\n"	/* wraps: INVALID_OPERAND, no exit */
	       "expect status invalid-operand\n"
	       "mapgpa 0x0 0x7ffffffff000 private\n"	/* huge: many 2 MiB chunks */
	       "fault 0x40001000 private\n"		/* private access outside any slot */
	       "shutdown\n");
	/* The README loop: refused MapGPAs are answered (0), the refused
	 * memory fault is the reason to stop (it would re-fault forever). */
	for (;;) {
		ck_assert_int_eq(tdx_vcpu_run(t.v[0], &ex), 0);
		if (ex.type == TDX_EXIT_SHUTDOWN)
			break;
		ck_assert_msg(ex.type == TDX_EXIT_MAP_GPA || ex.type == TDX_EXIT_MEMORY_FAULT,
			      "unexpected exit %s", tdx_exit_type_name(ex.type));
		r = serve_convert(&t, t.v[0], &ex);
		if (r) {
			rejected++;
			break;
		}
		served++;
		ck_assert_int_lt(served, 100000);
	}
	ck_assert_int_eq(rejected, 1);
	ck_assert_int_eq(ex.type, TDX_EXIT_MEMORY_FAULT);
	ck_assert_int_eq(r, -EFAULT);
	e = tdx_vcpu_get_last_error(t.v[0]);
	ck_assert_str_eq(tdx_error_get_step(e), "memory fault");
	ck_assert_str_eq(tdx_error_get_field(e), "not-ram");
	ck_assert_msg(strstr(tdx_error_get_message(e), "GPA 0x40001000") &&
		      strstr(tdx_error_get_message(e), "rule not-ram"),
		      "%s", tdx_error_get_message(e));
	ck_assert_int_eq(tdx_mem_get_stats(t.mem, &st), 0);
	/* three MapGPA refusals (outside RAM, straddling, the huge range at
	 * 1 GiB) and the memory fault */
	ck_assert_uint_eq(st.rejected, 4);
	/* the TD is still fully usable: state is consistent */
	ck_assert_int_eq(tdx_mem_is_private(t.mem, 0x100000, 0x2000), 1);
	td_free(&t);
	ck_assert_int_eq(tu_count_fds(), fds);
}
END_TEST

START_TEST(exit_flood_served)
{
	struct tdx_exit ex;
	struct td t;
	unsigned long n = 0;

	td_new(&t, 1, "[vcpu 0]\nflood 20000 out 0x80 1 0x55\nshutdown\n");
	do {
		ck_assert_int_eq(tdx_vcpu_run(t.v[0], &ex), 0);
		n++;
	} while (ex.type == TDX_EXIT_IO);
	ck_assert_int_eq(ex.type, TDX_EXIT_SHUTDOWN);
	ck_assert_uint_eq(n, 20001);
	td_free(&t);
}
END_TEST

struct thr {
	struct td *t;
	unsigned int idx;
	int conversions;
	int err;
};

static void *vcpu_loop(void *p)
{
	struct thr *a = p;
	struct tdx_exit ex;

	for (;;) {
		if (tdx_vcpu_run(a->t->v[a->idx], &ex)) {
			a->err = -1;
			break;
		}
		if (ex.type == TDX_EXIT_SHUTDOWN)
			break;
		if (ex.type == TDX_EXIT_MAP_GPA || ex.type == TDX_EXIT_MEMORY_FAULT) {
			if (serve_convert(a->t, a->t->v[a->idx], &ex))
				a->err = -2;
			a->conversions++;
		}
	}
	return NULL;
}

START_TEST(vcpu_threads_convert_concurrently)
{
	static const char script[] =
		"[vcpu 0]\nrepeat 50 {\nmapgpa 0x1000000 2M shared\nmapgpa 0x1000000 2M private\n}\nmapgpa 0x1000000 2M shared\nshutdown\n"
		"[vcpu 1]\nrepeat 50 {\nmapgpa 0x2000000 2M shared\nmapgpa 0x2000000 2M private\n}\nmapgpa 0x2000000 2M shared\nshutdown\n"
		"[vcpu 2]\nrepeat 50 {\nfault 0x3000000 shared\nfault 0x3000000 private\n}\nshutdown\n"
		"[vcpu 3]\nrepeat 50 {\nmapgpa 0x4000000 4K shared\nmapgpa 0x4000000 4K private\n}\nshutdown\n";
	struct thr a[4];
	pthread_t th[4];
	struct tdx_mem_stats st;
	struct td t;
	unsigned int i, n;

	/* as many vCPUs as the (simulated) host allows, up to 4: KVM caps a
	 * TD's vCPUs at the number of present CPUs */
	{
		struct tdx_ctx *c;
		struct tdx_vm *probe_vm;

		ck_assert_int_eq(tdx_ctx_new(NULL, &c), 0);
		ck_assert_int_eq(tdx_vm_new(c, NULL, &probe_vm), 0);
		n = tdx_vm_get_max_vcpus(probe_vm) < 4 ? tdx_vm_get_max_vcpus(probe_vm) : 4;
		tdx_vm_unref(probe_vm);
		tdx_ctx_unref(c);
	}
	ck_assert_uint_ge(n, 2);
	td_new(&t, n, script);
	for (i = 0; i < n; i++) {
		a[i] = (struct thr){ &t, i, 0, 0 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, vcpu_loop, &a[i]), 0);
	}
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(a[i].err, 0);
	}
	ck_assert_int_eq(a[0].conversions, 101);
	ck_assert_int_eq(a[1].conversions, 101);
	ck_assert_int_eq(tdx_mem_is_private(t.mem, 0x1000000, 2 << 20), 0);
	ck_assert_int_eq(tdx_mem_is_private(t.mem, 0x2000000, 2 << 20), 0);
	if (n > 2) {
		ck_assert_int_eq(a[2].conversions, 100);
		ck_assert_int_eq(tdx_mem_is_private(t.mem, 0x3000000, 4096), 1);
	}
	if (n > 3)
		ck_assert_int_eq(tdx_mem_is_private(t.mem, 0x4000000, 4096), 1);
	ck_assert_int_eq(tdx_mem_get_stats(t.mem, &st), 0);
	ck_assert_uint_eq(st.rejected, 0);
	no_guest_errors();
	td_free(&t);
}
END_TEST

START_TEST(convert_helper_rejects_non_conversions)
{
	struct tdx_exit ex = { .type = TDX_EXIT_IO };
	struct td t, other;

	td_new(&t, 1, "[vcpu 0]\nshutdown\n");
	td_new(&other, 1, "[vcpu 0]\nshutdown\n");
	ck_assert_int_eq(tdx_vcpu_convert(t.v[0], t.mem, &ex), -EINVAL);
	ex.type = TDX_EXIT_MAP_GPA;
	ex.u.convert.gpa = 0x1000;
	ex.u.convert.size = 0x1000;
	ck_assert_int_eq(tdx_vcpu_convert(t.v[0], other.mem, &ex), -EINVAL);
	ck_assert_int_eq(tdx_vcpu_convert(NULL, t.mem, &ex), -EINVAL);
	td_free(&other);
	td_free(&t);
}
END_TEST

START_TEST(wrong_vmm_answer_is_caught_by_the_guest)
{
	struct tdx_exit ex;
	struct td t;

	/* A VMM that acknowledges MapGPA without converting: the simulated
	 * guest notices, which is what makes these tests trustworthy. */
	td_new(&t, 1, "[vcpu 0]\nmapgpa 0x1000000 4K shared\nshutdown\n");
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_MAP_GPA);
	tdx_vcpu_complete(t.v[0], &ex, 0);
	tdx_vcpu_run(t.v[0], &ex);
	ck_assert_uint_ge(tdxsim_ctl_guest_errors(), 1);
	td_free(&t);
}
END_TEST

/*
 * tdx_complete_vmcall_map_gpa() (arch/x86/kvm/vmx/tdx.c) accepts only 0,
 * EAGAIN and EINVAL in hypercall.ret; anything else fails the next KVM_RUN
 * with -EINVAL on a real host.  The value libtdx leaves there is checked
 * directly, since it is what the kernel reads.
 */
START_TEST(map_gpa_answers_use_kvm_encoding)
{
	struct kvm_run *run;
	struct tdx_exit ex;
	struct td t;

	td_new(&t, 1,
	       "[vcpu 0]\n"
	       "mapgpa 0x40000000 4K private\n"	/* outside RAM: refused */
	       "expect status invalid-operand\n"
	       "mapgpa 0x100000 4K shared\n"
	       "mapgpa 0x200000 4K shared\n"
	       "shutdown\n");
	run = tdx_vcpu_get_run_area(t.v[0]);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_MAP_GPA);
	/* a refused MapGPA is served: the guest is told, the VMM goes on */
	ck_assert_int_eq(tdx_vcpu_convert(t.v[0], t.mem, &ex), 0);
	ck_assert_uint_eq(run->hypercall.ret, EINVAL);	/* INVALID_OPERAND */
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_MAP_GPA);
	ck_assert_int_eq(tdx_vcpu_convert(t.v[0], t.mem, &ex), 0);
	ck_assert_uint_eq(run->hypercall.ret, 0);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_MAP_GPA);
	/* statuses KVM cannot carry are refused, the run area untouched */
	run->hypercall.ret = 0x1234;
	ck_assert_int_eq(tdx_vcpu_complete(t.v[0], &ex, TDX_TDVMCALL_GPA_INUSE), -EINVAL);
	ck_assert_int_eq(tdx_vcpu_complete(t.v[0], &ex, TDX_TDVMCALL_ALIGN_ERROR), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(tdx_vcpu_get_last_error(t.v[0])), "status");
	ck_assert_uint_eq(run->hypercall.ret, 0x1234);
	ck_assert_int_eq(tdx_vcpu_complete(t.v[0], &ex, TDX_TDVMCALL_RETRY), 0);
	ck_assert_uint_eq(run->hypercall.ret, EAGAIN);
	ck_assert_int_eq(tdx_vcpu_complete(t.v[0], &ex, TDX_TDVMCALL_INVALID_OPERAND), 0);
	ck_assert_uint_eq(run->hypercall.ret, EINVAL);
	ck_assert_int_eq(tdx_vcpu_convert(t.v[0], t.mem, &ex), 0);
	ck_assert_uint_eq(run->hypercall.ret, 0);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_SHUTDOWN);
	no_guest_errors();
	td_free(&t);
}
END_TEST

/* A VMM can answer MapGPA RETRY: the guest sees TDVMCALL_STATUS_RETRY with
 * R11 = the chunk to ask again from (tdx_complete_vmcall_map_gpa()). */
START_TEST(map_gpa_retry_reaches_the_guest)
{
	struct tdx_exit ex;
	struct td t;

	td_new(&t, 1,
	       "[vcpu 0]\n"
	       "mapgpa 0x100000 4K shared\n"
	       "expect status retry\n"
	       "expect value 0x800000100000\n"	/* R11: the guest's GPA, shared bit set */
	       "mapgpa 0x100000 4K shared\n"
	       "expect status success\n"
	       "shutdown\n");
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_MAP_GPA);
	ck_assert_int_eq(tdx_vcpu_complete(t.v[0], &ex, TDX_TDVMCALL_RETRY), 0);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_MAP_GPA);
	ck_assert_int_eq(tdx_vcpu_convert(t.v[0], t.mem, &ex), 0);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_SHUTDOWN);
	no_guest_errors();
	td_free(&t);
}
END_TEST

/* A malformed exit is an error, and the caller's struct tdx_exit is untouched. */
START_TEST(malformed_exit_leaves_ret_exit_untouched)
{
	struct tdx_exit ex, before;
	struct td t;

	td_new(&t, 1,
	       "[vcpu 0]\n"
	       "out 0x80 1 0x12\n"
	       "out 0x80 1 0x34\n"
	       "shutdown\n");
	corrupt_run = tdx_vcpu_get_run_area(t.v[0]);
	memset(&ex, 0x5a, sizeof(ex));
	before = ex;
	ck_assert_int_eq(tdx_vcpu_run(t.v[0], &ex), -EPROTO);
	ck_assert_mem_eq(&ex, &before, sizeof(ex));
	ck_assert_str_eq(tdx_error_get_step(tdx_vcpu_get_last_error(t.v[0])), "KVM_RUN");
	corrupt_run = NULL;
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_IO);
	ck_assert_uint_eq(ex.u.io.data[0], 0x34);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_SHUTDOWN);
	td_free(&t);
}
END_TEST

/* ---- tdx_vcpu_kick() -------------------------------------------------- */

struct runner {
	struct tdx_vcpu *v;
	struct tdx_exit ex;
	int r;
	sigset_t block;		/* signals blocked in the vCPU thread */
};

static void *run_thread(void *arg)
{
	struct runner *rn = arg;

	pthread_sigmask(SIG_BLOCK, &rn->block, NULL);
	rn->r = tdx_vcpu_run(rn->v, &rn->ex);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A guest halted for 20 s: the kick ends KVM_RUN long before that. */
static void kick_while_running(bool block_signal)
{
	struct td t;
	struct runner rn = { 0 };
	pthread_t th;
	double t0;

	td_new(&t, 1, "[vcpu 0]\nhlt 20000\nshutdown\n");
	rn.v = t.v[0];
	sigemptyset(&rn.block);
	if (block_signal)
		sigaddset(&rn.block, SIGRTMIN);	/* the default kick signal */
	t0 = now_s();
	ck_assert_int_eq(pthread_create(&th, NULL, run_thread, &rn), 0);
	usleep(100 * 1000);			/* inside KVM_RUN, halted */
	ck_assert_int_eq(tdx_vcpu_kick(t.v[0]), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(rn.r, 0);
	ck_assert_int_eq(rn.ex.type, TDX_EXIT_INTR);
	ck_assert_msg(now_s() - t0 < 5, "the kick took %.1f s", now_s() - t0);
	td_free(&t);
}

START_TEST(kick_stops_a_running_vcpu)
{
	kick_while_running(false);
}
END_TEST

START_TEST(kick_stops_a_vcpu_whose_thread_blocks_the_signal)
{
	kick_while_running(true);
}
END_TEST

/* A kick before KVM_RUN is not lost: the next run returns INTR at once. */
START_TEST(kick_before_run_is_kept_once)
{
	struct td t;
	struct tdx_exit ex;

	td_new(&t, 1, "[vcpu 0]\nshutdown\n");
	ck_assert_int_eq(tdx_vcpu_kick(t.v[0]), 0);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_INTR);
	run1(t.v[0], &ex);
	ck_assert_int_eq(ex.type, TDX_EXIT_SHUTDOWN);
	ck_assert_int_eq(tdx_vcpu_kick(NULL), -EINVAL);
	td_free(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exits-sim");
	TCase *tc = tcase_create("exits");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_exit_type_decoded);
	tcase_add_test(tc, fatal_message_without_nul_is_bounded);
	tcase_add_test(tc, hostile_conversions_rejected_vmm_stays_up);
	tcase_add_test(tc, exit_flood_served);
	tcase_add_test(tc, vcpu_threads_convert_concurrently);
	tcase_add_test(tc, convert_helper_rejects_non_conversions);
	tcase_add_test(tc, wrong_vmm_answer_is_caught_by_the_guest);
	tcase_add_test(tc, malformed_exit_leaves_ret_exit_untouched);
	tcase_add_test(tc, map_gpa_answers_use_kvm_encoding);
	tcase_add_test(tc, map_gpa_retry_reaches_the_guest);
	tcase_add_test(tc, kick_stops_a_running_vcpu);
	tcase_add_test(tc, kick_stops_a_vcpu_whose_thread_blocks_the_signal);
	tcase_add_test(tc, kick_before_run_is_kept_once);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
