/* SPDX-License-Identifier: MIT */
/*
 * Scripted guest (KVM_RUN engine): exit layouts at the kernel's offsets
 * (struct kvm_run in include/uapi/linux/kvm.h), MapGPA chunking, conversion checks, TDVMCALL
 * exits, fatal-error registers, floods, concurrency, script errors.
 */
#include <linux/falloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "simtest.h"

#define PAGE 4096ULL
#define MiB (1ULL << 20)
#define RAM (64 * MiB)
#define SB (1ULL << 47)
#define ST_INVALID 0x8000000000000000ULL
#define ST_UNSUPP 0x8000000000000003ULL

/* Raw access to struct kvm_run by offset, as the kernel lays it out. */
static uint64_t U64(const void *run, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)run + off, 8);
	return v;
}

static uint32_t U32(const void *run, size_t off)
{
	uint32_t v;

	memcpy(&v, (const char *)run + off, 4);
	return v;
}

static void W64(void *run, size_t off, uint64_t v)
{
	memcpy((char *)run + off, &v, 8);
}

#define EXIT_REASON(r) U32(r, 8)

struct td {
	int vm, gmem, v[4];
	struct kvm_run *run[4];
	void *mem;
	unsigned n;
};

static void set_script(const char *text)
{
	char err[512] = "";

	ck_assert_msg(tdxsim_ctl_set_guest_text(text, err, sizeof(err)) == 0, "%s", err);
}

/* A finalized TD: 64 MiB private RAM at GPA 0 (guest_memfd offset = GPA),
 * pages 0x200000-0x201fff added (populated), n vCPUs. */
static void td_up(struct td *t, const char *script, unsigned n, bool map_gpa_cap)
{
	static char src[2 * 4096] __attribute__((aligned(4096)));

	st_require_sim();
	memset(t, 0, sizeof(*t));
	if (script)
		set_script(script);
	t->vm = st_td();
	if (map_gpa_cap) {
		struct kvm_enable_cap c = { .cap = KVM_CAP_EXIT_HYPERCALL,
					    .args = { 1ULL << KVM_HC_MAP_GPA_RANGE } };

		ck_assert_int_eq(xioctl(t->vm, KVM_ENABLE_CAP, (uintptr_t)&c), 0);
	}
	st_split_irqchip(t->vm);
	ck_assert_int_eq(st_init_vm(t->vm, 48, NULL), 0);
	t->mem = st_private_ram(t->vm, 0, RAM, &t->gmem);
	t->n = n;
	for (unsigned i = 0; i < n; i++) {
		t->v[i] = st_vcpu(t->vm, i);
		t->run[i] = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, t->v[i], 0);
		ck_assert_ptr_ne(t->run[i], MAP_FAILED);
	}
	memset(src, 0x5a, sizeof(src));
	ck_assert_int_eq(st_add_pages(t->v[0], src, 0x200000, 2, true, NULL), 0);
	ck_assert_int_eq(st_tdx(t->vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
}

static void td_down(struct td *t)
{
	for (unsigned i = 0; i < t->n; i++) {
		munmap(t->run[i], 12288);
		close(t->v[i]);
	}
	close(t->gmem);
	munmap(t->mem, RAM);
	close(t->vm);
}

static long run(struct td *t, unsigned i)
{
	return xioctl(t->v[i], KVM_RUN, 0);
}

/* What a correct VMM does to convert (QEMU's kvm_convert_memory). */
static void convert(struct td *t, uint64_t gpa, uint64_t size, bool priv, bool punch)
{
	ck_assert_int_eq(st_attrs(t->vm, gpa, size, priv ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0), 0);
	if (!priv && punch)
		ck_assert_int_eq(fallocate(t->gmem, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					   (off_t)gpa, (off_t)size), 0);
}

static char *report(struct td *t)
{
	int n = tdxsim_ctl_vm_report(t->vm, NULL, 0);
	char *b;

	ck_assert_int_gt(n, 0);
	b = malloc((size_t)n + 1);
	tdxsim_ctl_vm_report(t->vm, b, (size_t)n + 1);
	return b;
}

static bool report_has(struct td *t, const char *s)
{
	char *r = report(t);
	bool ok = strstr(r, s) != NULL;

	if (!ok)
		fprintf(stderr, "report lacks '%s':\n%s\n", s, r);
	free(r);
	return ok;
}

static bool error_has(const char *s)
{
	char buf[1024];

	for (unsigned long i = 0; i < tdxsim_ctl_guest_errors(); i++)
		if (tdxsim_ctl_guest_error_get(i, buf, sizeof(buf)) >= 0 && strstr(buf, s))
			return true;
	return false;
}

/* A correct VMM loop for one vCPU: answers everything; returns the final
 * exit reason (SHUTDOWN or SYSTEM_EVENT); collects port 0x3f8/0x402 output. */
struct vmm_log {
	char serial[512];
	size_t nserial;
	unsigned long exits;
	unsigned long io, mapgpa, faults, tdx;
};

static uint32_t vmm_loop(struct td *t, unsigned i, struct vmm_log *log)
{
	struct kvm_run *r = t->run[i];

	for (;;) {
		long ret = run(t, i);
		uint32_t reason = EXIT_REASON(r);

		log->exits++;
		if (ret == -EFAULT && reason == KVM_EXIT_MEMORY_FAULT) {
			log->faults++;
			convert(t, U64(r, 40), U64(r, 48), U64(r, 32) & 8, true);
			continue;
		}
		ck_assert_int_eq(ret, 0);
		switch (reason) {
		case KVM_EXIT_IO:
			log->io++;
			if (r->io.direction == KVM_EXIT_IO_OUT &&
			    (r->io.port == 0x3f8 || r->io.port == 0x402) &&
			    log->nserial < sizeof(log->serial) - 1)
				log->serial[log->nserial++] = *((char *)r + r->io.data_offset);
			else if (r->io.direction == KVM_EXIT_IO_IN)
				memset((char *)r + r->io.data_offset, 0x60, r->io.size);
			break;
		case KVM_EXIT_HYPERCALL:
			log->mapgpa++;
			convert(t, U64(r, 40), U64(r, 48) * PAGE, U64(r, 56) == 0x10, true);
			W64(r, 88, 0);
			break;
		case KVM_EXIT_TDX:
			log->tdx++;
			W64(r, 48, 0);
			if (U64(r, 40) == 0x10000)
				W64(r, 64, 0x2);
			break;
		case KVM_EXIT_MMIO:
			break;
		case KVM_EXIT_SHUTDOWN:
		case KVM_EXIT_SYSTEM_EVENT:
			return reason;
		default:
			ck_abort_msg("unexpected exit %u", reason);
		}
	}
}

/* ---- script parsing ---------------------------------------------------------- */
static void parse_fails(const char *text, const char *msg)
{
	char err[512] = "";

	ck_assert_int_eq(tdxsim_ctl_set_guest_text(text, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, msg) != NULL, "error '%s' lacks '%s'", err, msg);
}

START_TEST(parse_errors)
{
	st_require_sim();
	parse_fails("mapgpa 0 4K shared\n", "script:1: 'mapgpa' before any [vcpu");
	parse_fails("[vcpu 0]\n# c\n\nbogus 1\n", "script:4: unknown event 'bogus'");
	parse_fails("[vcpu 0]\nmapgpa 0x1000 4K both\n", "script:2: mapgpa: expected 'private' or 'shared'");
	parse_fails("[vcpu 0]\nmapgpa 0x1000\n", "script:2: mapgpa: wrong number of arguments");
	parse_fails("[vcpu 0]\nout 0x3f8 1 zz\n", "script:2: out VALUE: bad number 'zz'");
	parse_fails("[vcpu 0]\nrepeat 3 {\nshutdown\n", "script:2: 'repeat' block not closed");
	parse_fails("[vcpu 0]\n}\n", "script:2: '}' without 'repeat'");
	parse_fails("[vcpu 0-3]\n[vcpu 2]\n", "script:2: vCPU 2 already has a section");
	parse_fails("[vcpu *]\n[vcpu *]\n", "script:2: a second [vcpu *] section");
	parse_fails("[cpu 0]\n", "script:1: expected [vcpu N]");
	parse_fails("[vcpu 0]\nserial \"abc\n", "script:2: unterminated string");
	parse_fails("[vcpu 0]\nserial abc\n", "script:2: serial: the text must be in double quotes");
	parse_fails("[vcpu 0]\nfatal 0 \"0123456789012345678901234567890123456789012345678901234567890123456789\"\n",
		    "at most 64");
	parse_fails("[vcpu 0]\nexpect color 1\n", "script:2: expect: unknown item 'color'");
	parse_fails("[vcpu 0]\nserial \"\\q\"\n", "unknown escape");
	parse_fails("", "no [vcpu ...] section");
	/* tdcall_to_vmx_exit_reason(): leaves KVM handles as VMX exits */
	parse_fails("[vcpu 0]\ntdvmcall 10\n", "script:2: tdvmcall: leaf 10 is handled by KVM");
	parse_fails("[vcpu 0]\ntdvmcall 48\n", "script:2: tdvmcall: leaf 48 is handled by KVM");
	parse_fails("[vcpu 0]\nkvm-hypercall 0\n", "NR 0 is a standard TDVMCALL");
	parse_fails("[vcpu 0]\nkvm-hypercall 9 1\n", "not modelled");
	parse_fails("[vcpu 0]\nunaccepted\n", "unaccepted: wrong number of arguments");
	/* valid: everything at once */
	set_script("# all events\n[vcpu 0]\nmapgpa 0x1000 2M shared\nmapgpa-raw 0x800000001000 4K\n"
		   "fault 0x1000 private\nout 0x80 1 0x12\nin 0x3fd 1\nserial \"a\\r\\n\\x41\\0\"\n"
		   "debugcon \"x\"\nouts 0x3f9 \"y\"\nmmio-read 0xfed00000 4\nmmio-write 0xfed00000 8 1\n"
		   "getquote 0x1000 4K\ngetquote 0x1000 4K private\nnotify 32\ntdvmcall-info 1\n"
		   "tdvmcall 0x10005\nfatal 0x1000\nfatal 0x1000 \"m\" 0x2000\nfatal 1 0x2000\n"
		   "fatal-raw 0xffff 1 2 3 4 5 6 7 8 9 10\nhlt\nhlt 10\nsleep 1\n"
		   "repeat 2 {\n  repeat 3 {\n    out 0x80 1 1\n  }\n}\nflood 10 notify 40\n"
		   "expect status success\nexpect r11 2\nexpect exits 1\nshutdown\n"
		   "[vcpu 1-2]\nhlt\n[vcpu *]\nshutdown # trailing comment\n");
	ck_assert_int_eq(tdxsim_ctl_set_guest(NULL), 0);
}
END_TEST

START_TEST(wrapper_guest_option)
{
	char path[] = "/tmp/tdxsim-guest-XXXXXX";
	int fd = mkstemp(path), st;
	const char bad[] = "[vcpu 0]\nshutdown\nmapgpa 1 2 3\n";
	pid_t p;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, bad, sizeof(bad) - 1), (ssize_t)sizeof(bad) - 1);
	close(fd);
	p = fork();
	if (p == 0) {
		int dn = open("/dev/null", O_WRONLY);

		dup2(dn, 2);
		execl(TDXSIM_EXE, "tdxsim", "--guest", path, "--", "true", (char *)NULL);
		_exit(99);
	}
	ck_assert_int_eq(waitpid(p, &st, 0), p);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 2);
	unlink(path);
	/* the shipped script by name */
	ck_assert_int_eq(tdxsim_ctl_set_guest("tdvf-early-boot"), 0);
	ck_assert_int_eq(tdxsim_ctl_set_guest("no-such-script"), -EINVAL);
	ck_assert_int_eq(tdxsim_ctl_set_guest(""), 0);
}
END_TEST

/* ---- MapGPA ------------------------------------------------------------------------- */
START_TEST(mapgpa_chunks_layout)
{
	struct td t;
	struct kvm_run *r;

	td_up(&t, "[vcpu 0]\nmapgpa 0x400000 5M shared\nexpect status success\nexpect exits 3\n"
	      "mapgpa 0x400000 4K private\nexpect status success\n", 1, true);
	r = t.run[0];
	for (int c = 0; c < 3; c++) {
		uint64_t len = c < 2 ? 2 * MiB : MiB;

		ck_assert_int_eq(run(&t, 0), 0);
		ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_HYPERCALL);
		ck_assert_uint_eq(U64(r, 32), 12);			/* nr */
		ck_assert_uint_eq(U64(r, 40), 0x400000 + c * 2 * MiB);	/* args[0]: no shared bit */
		ck_assert_uint_eq(U64(r, 48), len / PAGE);		/* args[1]: pages */
		ck_assert_uint_eq(U64(r, 56), 0);			/* args[2]: DECRYPTED */
		ck_assert_uint_eq(U64(r, 88), 0);			/* ret preset */
		ck_assert_uint_eq(U64(r, 96), 1);			/* flags: long mode */
		convert(&t, U64(r, 40), len, false, true);
	}
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(U64(r, 40), 0x400000);
	ck_assert_uint_eq(U64(r, 48), 1);
	ck_assert_uint_eq(U64(r, 56), 0x10);			/* ENCRYPTED */
	convert(&t, 0x400000, PAGE, true, false);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_SHUTDOWN);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	ck_assert(report_has(&t, "line 2 mapgpa: 3 exits, status success"));
	ck_assert(report_has(&t, "\"state\": \"shutdown\""));
	/* after shutdown: shutdown again */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_SHUTDOWN);
	td_down(&t);
}
END_TEST

START_TEST(mapgpa_without_cap_no_exit)
{
	struct td t;

	td_up(&t, "[vcpu 0]\nmapgpa 0x400000 2M shared\nexpect status subfunc-unsupported\n"
	      "expect exits 0\nout 0x80 1 7\n", 1, false);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_IO);	/* MapGPA did not exit */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_SHUTDOWN);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	ck_assert(report_has(&t, "mapgpa: 0 exits, status subfunc-unsupported"));
	td_down(&t);
}
END_TEST

START_TEST(mapgpa_guest_errors_no_exit)
{
	struct td t;

	/* unaligned, wrapping, mixed private/shared, beyond MAXPHYADDR (52): no exit */
	td_up(&t, "[vcpu 0]\nmapgpa 0x400800 4K shared\nexpect status align-error\n"
	      "mapgpa-raw 0x7ffffffff000 8K\nexpect status invalid-operand\nexpect value 0x7ffffffff000\n"
	      "mapgpa-raw 0x10000000000000 4K\nexpect status invalid-operand\n"
	      "mapgpa 0x400000 0 shared\nexpect status invalid-operand\n", 1, true);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_SHUTDOWN);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	td_down(&t);
}
END_TEST

/* tdx_map_gpa() checks kvm_vcpu_is_legal_gpa() (the vCPU's MAXPHYADDR, 52
 * here), not the TD's GPA width: on a GPAW-48 TD a GPA with bit 48 set is
 * legal and private (bit 47 clear), so it exits to the VMM as given. */
START_TEST(mapgpa_legal_above_gpaw_exits)
{
	struct td t;

	td_up(&t, "[vcpu 0]\nmapgpa-raw 0x1000000400000 4K\nexpect status invalid-operand\n", 1, true);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_HYPERCALL);
	ck_assert_uint_eq(U64(t.run[0], 40), 0x1000000400000);
	ck_assert_uint_eq(U64(t.run[0], 48), 1);
	ck_assert_uint_eq(U64(t.run[0], 56), KVM_MAP_GPA_RANGE_ENCRYPTED);
	W64(t.run[0], 88, EINVAL);	/* a careful VMM refuses a GPA outside its RAM */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_SHUTDOWN);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	td_down(&t);
}
END_TEST

START_TEST(mapgpa_vmm_refuses)
{
	struct td t;

	td_up(&t, "[vcpu 0]\nmapgpa 0x400000 4M shared\nexpect status invalid-operand\n"
	      "expect value 0x800000400000\nexpect exits 1\n", 1, true);
	ck_assert_int_eq(run(&t, 0), 0);
	W64(t.run[0], 88, EINVAL);	/* the VMM says no */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_SHUTDOWN);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	ck_assert(report_has(&t, "the VMM refused the chunk at 0x400000"));
	td_down(&t);
}
END_TEST

/* tdx_complete_vmcall_map_gpa(): hypercall.ret EAGAIN → RETRY, EINVAL →
 * INVALID_OPERAND (R11 = the chunk's guest GPA); any other value fails that
 * KVM_RUN with EINVAL, and the guest then resumes believing it succeeded. */
START_TEST(mapgpa_completion_protocol)
{
	struct td t;

	td_up(&t, "[vcpu 0]\nmapgpa 0x400000 4M shared\nexpect status retry\n"
	      "expect value 0x800000400000\n"
	      "mapgpa 0x400000 2M shared\nexpect status invalid-operand\n"
	      "mapgpa 0x400000 4M shared\nexpect status success\nexpect value 0x10001\n"
	      "out 0x80 1 7\n", 1, true);
	ck_assert_int_eq(run(&t, 0), 0);
	W64(t.run[0], 88, EAGAIN);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_HYPERCALL);
	W64(t.run[0], 88, EINVAL);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_HYPERCALL);
	ck_assert_uint_eq(U64(t.run[0], 40), 0x400000);
	W64(t.run[0], 88, 1);	/* not 0, EAGAIN or EINVAL */
	ck_errno(run(&t, 0), EINVAL);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_HYPERCALL);	/* untouched */
	ck_assert_int_eq(run(&t, 0), 0);	/* the guest resumes: no second chunk */
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_IO);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	ck_assert(report_has(&t, "the VMM refused the chunk at 0x400000 (hypercall.ret EAGAIN)"));
	ck_assert(report_has(&t, "KVM_RUN failed with EINVAL"));
	td_down(&t);
}
END_TEST

/* Before 7.2 the simulator keeps the earlier model: any non-zero
 * hypercall.ret is INVALID_OPERAND (the version that brought the EAGAIN /
 * EINVAL protocol is unknown here). */
START_TEST(mapgpa_completion_before_72)
{
	struct td t;

	ck_assert_int_eq(tdxsim_ctl_set_kernel("7.1"), 0);
	td_up(&t, "[vcpu 0]\nmapgpa 0x400000 2M shared\nexpect status invalid-operand\n"
	      "mapgpa 0x400000 2M shared\nexpect status invalid-operand\nout 0x80 1 1\n", 1, true);
	ck_assert_int_eq(run(&t, 0), 0);
	W64(t.run[0], 88, EAGAIN);
	ck_assert_int_eq(run(&t, 0), 0);
	W64(t.run[0], 88, 1);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_IO);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	td_down(&t);
	ck_assert_int_eq(tdxsim_ctl_set_kernel("7.2"), 0);
}
END_TEST

/* tdx_complete_vmcall_map_gpa(): kvm_vcpu_has_events() between chunks (here a
 * KVM_NMI) stops the call with RETRY, R11 = the next chunk. */
START_TEST(mapgpa_retry_events_pending)
{
	struct td t;

	td_up(&t, "[vcpu 0]\nmapgpa 0x400000 6M shared\nexpect status retry\n"
	      "expect value 0x800000600000\nexpect exits 1\n"
	      "mapgpa 0x600000 4M shared\nexpect status success\nexpect exits 2\n", 1, true);
	ck_assert_int_eq(run(&t, 0), 0);
	convert(&t, 0x400000, 2 * MiB, false, true);
	ck_assert_int_eq(xioctl(t.v[0], KVM_NMI, 0), 0);
	ck_assert_int_eq(run(&t, 0), 0);	/* RETRY; the NMI is injected at entry */
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_HYPERCALL);
	ck_assert_uint_eq(U64(t.run[0], 40), 0x600000);
	convert(&t, 0x600000, 2 * MiB, false, true);
	ck_assert_int_eq(run(&t, 0), 0);	/* no event pending: next chunk */
	ck_assert_uint_eq(U64(t.run[0], 40), 0x800000);
	convert(&t, 0x800000, 2 * MiB, false, true);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_SHUTDOWN);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	ck_assert(report_has(&t, "events pending: RETRY at 0x600000"));
	td_down(&t);
}
END_TEST

/* tdx_handle_ept_violation(): a guest access to a private page it has not
 * accepted (PENDING) with SEPT_VE_DISABLE kills the VM (kvm_vm_dead(), KVM_RUN
 * EIO, every later ioctl EIO).  Pages added by INIT_MEM_REGION are accepted. */
START_TEST(unaccepted_access_kills_vm)
{
	struct td t;
	struct kvm_pre_fault_memory p = { .gpa = 0x400000, .size = PAGE };

	td_up(&t, "[vcpu 0]\nunaccepted 0x200000\nunaccepted 0x400000\nout 0x80 1 1\n", 1, false);
	/* pre-faulted after FINALIZE: TDH.MEM.PAGE.AUG, PENDING */
	ck_assert_int_eq(xioctl(t.v[0], KVM_PRE_FAULT_MEMORY, (uintptr_t)&p), 0);
	ck_errno(run(&t, 0), EIO);
	ck_assert(report_has(&t, "no exit: GPA 0x200000 is mapped and accepted"));
	ck_assert(report_has(&t, "guest access before accepting GPA 0x400000: the VM is dead"));
	ck_assert(report_has(&t, "\"dead\": true"));
	ck_errno(run(&t, 0), EIO);
	ck_errno(st_attrs(t.vm, 0, PAGE, 0), EIO);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);	/* the guest's bug, not the VMM's */
	td_down(&t);
}
END_TEST

/* Without SEPT_VE_DISABLE the same access is a #VE inside the guest: no exit. */
START_TEST(unaccepted_access_ve_without_sept_ve_disable)
{
	struct kvm_tdx_init_vm *iv;
	struct kvm_run *r;
	int vm, v, g;
	void *mem;

	st_require_sim();
	set_script("[vcpu 0]\nunaccepted 0x300000\nexpect status success\nout 0x80 1 1\n");
	vm = st_td();
	st_split_irqchip(vm);
	iv = st_init_args(vm, 48);
	iv->attributes = 0;	/* no SEPT_VE_DISABLE */
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, NULL), 0);
	free(iv);
	mem = st_private_ram(vm, 0, 4 * MiB, &g);
	v = st_vcpu(vm, 0);
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	r = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, v, 0);
	ck_assert_ptr_ne(r, MAP_FAILED);
	ck_assert_int_eq(xioctl(v, KVM_RUN, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_IO);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	{
		char buf[8192];
		int n = tdxsim_ctl_vm_report(vm, buf, sizeof(buf));

		ck_assert_int_gt(n, 0);
		ck_assert_ptr_nonnull(strstr(buf, "#VE in the guest at GPA 0x300000"));
	}
	munmap(r, 12288);
	close(v);
	close(g);
	munmap(mem, 4 * MiB);
	close(vm);
}
END_TEST

/* A TDVMCALL with R10 != 0 is a KVM PV hypercall (tdx_emulate_vmcall() →
 * ____kvm_emulate_hypercall()): KVM answers most itself (R10 and
 * run->hypercall.ret = the result); KVM_HC_MAP_GPA_RANGE exits with the
 * guest's raw arguments (shared bit kept, no chunks) and any hypercall.ret
 * goes back to R10 (complete_hypercall_exit()). */
START_TEST(kvm_hypercall_r10_nonzero)
{
	struct td t;

	td_up(&t, "[vcpu 0]\nkvm-hypercall 1\nexpect status 0\n"
	      "kvm-hypercall 7 1 2 3 4\nexpect status 0xfffffffffffffc18\n"
	      "kvm-hypercall 12 0x400001 1 0\nexpect status 0xffffffffffffffea\n"
	      "kvm-hypercall 12 0x800000400000 0 0\nexpect status 0xffffffffffffffea\n"
	      "kvm-hypercall 12 0x800000400000 600 0\nexpect status 0x1234\nexpect exits 1\n"
	      "out 0x80 1 1\n", 1, true);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_HYPERCALL);
	ck_assert_uint_eq(U64(t.run[0], 32), 12);		/* nr */
	ck_assert_uint_eq(U64(t.run[0], 40), 0x800000400000);	/* shared bit kept */
	ck_assert_uint_eq(U64(t.run[0], 48), 600);		/* not chunked */
	ck_assert_uint_eq(U64(t.run[0], 88), 0);
	W64(t.run[0], 88, 0x1234);	/* any value reaches the guest */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_IO);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	td_down(&t);
	/* without KVM_CAP_EXIT_HYPERCALL bit 12: -KVM_ENOSYS, no exit */
	td_up(&t, "[vcpu 0]\nkvm-hypercall 12 0x400000 1 0\nexpect status 0xfffffffffffffc18\n"
	      "out 0x80 1 1\n", 1, false);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_IO);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	td_down(&t);
}
END_TEST

START_TEST(mapgpa_not_converted_fails_loudly)
{
	struct td t;

	td_up(&t, "[vcpu 0]\nmapgpa 0x400000 2M shared\nmapgpa 0x200000 8K shared\n", 1, true);
	ck_assert_int_eq(run(&t, 0), 0);
	/* re-enter without converting */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 1);
	ck_assert(error_has("line 2 (mapgpa): MapGPA chunk 0x400000+0x200000 to shared: the VMM "
			    "re-entered without KVM_SET_MEMORY_ATTRIBUTES (GPA 0x400000 is still private)"));
	/* second event: 0x200000 is populated (INIT_MEM_REGION); attributes
	 * changed but no hole punched */
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_HYPERCALL);
	convert(&t, 0x200000, 2 * PAGE, false, false);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 2);
	ck_assert(error_has("2 guest_memfd pages still allocated (no FALLOC_FL_PUNCH_HOLE)"));
	ck_assert(report_has(&t, "\"guest_errors\": [\"vm "));
	td_down(&t);
}
END_TEST

/* The guest_memfd backing follows the model: an accepted to-private MapGPA
 * allocates the pages (the guest accepts them), the VMM's punch frees them. */
START_TEST(mapgpa_private_allocates_punch_frees)
{
	struct td t;

	td_up(&t, "[vcpu 0]\nmapgpa 0x400000 8K shared\nmapgpa 0x400000 8K private\n"
	      "mapgpa 0x400000 8K shared\n", 1, true);
	ck_assert_int_eq(lseek(t.gmem, 0x200000, SEEK_DATA), 0x200000); /* INIT_MEM_REGION */
	ck_assert_int_eq(lseek(t.gmem, 0x200000, SEEK_HOLE), 0x202000);
	ck_assert_int_eq(run(&t, 0), 0);
	convert(&t, 0x400000, 2 * PAGE, false, true);
	ck_assert_int_eq(run(&t, 0), 0);
	convert(&t, 0x400000, 2 * PAGE, true, false);
	ck_assert_int_eq(run(&t, 0), 0);	/* accepted: allocated */
	ck_assert_int_eq(lseek(t.gmem, 0x300000, SEEK_DATA), 0x400000);
	ck_assert_int_eq(lseek(t.gmem, 0x400000, SEEK_HOLE), 0x402000);
	convert(&t, 0x400000, 2 * PAGE, false, true);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_SHUTDOWN);
	ck_assert_int_eq(lseek(t.gmem, 0x300000, SEEK_DATA), -1);
	ck_assert_int_eq(errno, ENXIO);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	td_down(&t);
}
END_TEST

START_TEST(mapgpa_immediate_exit_order)
{
	struct td t;
	struct kvm_run *r;

	td_up(&t, "[vcpu 0]\nmapgpa 0x400000 4M shared\nout 0x80 1 1\n", 1, true);
	r = t.run[0];
	ck_assert_int_eq(run(&t, 0), 0);
	convert(&t, 0x400000, 2 * MiB, false, true);
	/* completion runs before immediate_exit and exits with the next chunk */
	r->immediate_exit = 1;
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_HYPERCALL);
	ck_assert_uint_eq(U64(r, 40), 0x600000);
	convert(&t, 0x600000, 2 * MiB, false, true);
	ck_errno(run(&t, 0), EINTR);	/* last chunk done, then immediate_exit */
	/* kvm_arch_vcpu_ioctl_run() leaves exit_reason alone on this EINTR */
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_HYPERCALL);
	r->immediate_exit = 0;
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_IO);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	td_down(&t);
}
END_TEST

/* ---- implicit conversion ------------------------------------------------------------------ */
START_TEST(fault_layout_and_conversion)
{
	struct td t;
	struct kvm_run *r;

	td_up(&t, "[vcpu 0]\nfault 0x200123 shared\nfault 0x200000 private\nfault 0x300000 private\n"
	      "expect exits 0\n", 1, false);
	r = t.run[0];
	ck_errno(run(&t, 0), EFAULT);
	ck_assert_uint_eq(EXIT_REASON(r), 39);
	ck_assert_uint_eq(U64(r, 32), 0);		/* shared access */
	ck_assert_uint_eq(U64(r, 40), 0x200000);	/* page, no shared bit */
	ck_assert_uint_eq(U64(r, 48), 4096);
	convert(&t, 0x200000, PAGE, false, true);
	ck_errno(run(&t, 0), EFAULT);
	ck_assert_uint_eq(EXIT_REASON(r), 39);
	ck_assert_uint_eq(U64(r, 32), 8);		/* private access */
	ck_assert_uint_eq(U64(r, 40), 0x200000);
	convert(&t, 0x200000, PAGE, true, false);
	/* 0x300000 is already private: no exit */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_SHUTDOWN);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	ck_assert(report_has(&t, "no exit: GPA 0x300000 is already private"));
	td_down(&t);
}
END_TEST

START_TEST(fault_not_converted_stuck)
{
	struct td t;
	struct kvm_run *r;

	td_up(&t, "[vcpu 0]\nfault 0x500000 shared\nshutdown\n", 1, false);
	r = t.run[0];
	for (int i = 0; i < 9; i++) {	/* the first exit and 8 re-raises */
		ck_errno(run(&t, 0), EFAULT);
		ck_assert_uint_eq(EXIT_REASON(r), 39);
		ck_assert_uint_eq(U64(r, 40), 0x500000);
	}
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	ck_errno(run(&t, 0), EFAULT);
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_INTERNAL_ERROR);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 1);
	ck_assert(error_has("re-entered 8 times without converting"));
	ck_errno(run(&t, 0), EFAULT);	/* stays stuck */
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 1);
	ck_assert(report_has(&t, "\"state\": \"failed\""));
	td_down(&t);
}
END_TEST

START_TEST(fault_shared_without_punch)
{
	struct td t;

	/* private fault allocates the page; back to shared must punch it */
	td_up(&t, "[vcpu 0]\nfault 0x600000 shared\nfault 0x600000 private\nfault 0x600000 shared\n",
	      1, false);
	ck_errno(run(&t, 0), EFAULT);
	convert(&t, 0x600000, PAGE, false, false);	/* never populated: fine */
	ck_errno(run(&t, 0), EFAULT);
	convert(&t, 0x600000, PAGE, true, false);
	ck_errno(run(&t, 0), EFAULT);
	convert(&t, 0x600000, PAGE, false, false);	/* forgot the punch */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 1);
	ck_assert(error_has("memory fault 0x600000 to shared: attribute changed but the "
			    "guest_memfd page is still allocated"));
	td_down(&t);
}
END_TEST

/* ---- port I/O and MMIO ---------------------------------------------------------------- */
START_TEST(io_and_mmio_layout)
{
	struct td t;
	struct kvm_run *r;
	const char *s = "hi\n";

	td_up(&t, "[vcpu 0]\nserial \"hi\\n\"\ndebugcon \"!\"\nin 0x3fd 1\nexpect value 0x60\n"
	      "out 0x80 2 0xbeef\nin 0xcf8 4\nexpect value 0x12345678\nout 0x80 3 1\n"
	      "expect status invalid-operand\nmmio-read 0x8000fed00000 8\nexpect value 0x1122334455667788\n"
	      "mmio-write 0xfed00010 4 0xcafe\nmmio-read 0xfed00ffe 4\nexpect value 0xaabbccdd\n"
	      "mmio-read 0xfed00000 4 private\nexpect status invalid-operand\n"
	      "mmio-write 0xfed00000 3 1\nexpect status invalid-operand\n",
	      1, false);
	r = t.run[0];
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(run(&t, 0), 0);
		ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_IO);
		ck_assert_uint_eq(r->io.direction, KVM_EXIT_IO_OUT);
		ck_assert_uint_eq(r->io.size, 1);
		ck_assert_uint_eq(r->io.port, 0x3f8);
		ck_assert_uint_eq(r->io.count, 1);
		ck_assert_uint_eq(r->io.data_offset, 4096);
		ck_assert_int_eq(*((char *)r + r->io.data_offset), s[i]);
	}
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(r->io.port, 0x402);
	ck_assert_int_eq(*((char *)r + 4096), '!');
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(r->io.direction, KVM_EXIT_IO_IN);
	ck_assert_uint_eq(r->io.port, 0x3fd);
	*((unsigned char *)r + 4096) = 0x60;
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(r->io.direction, KVM_EXIT_IO_OUT);
	ck_assert_uint_eq(r->io.size, 2);
	ck_assert_uint_eq(*(uint16_t *)((char *)r + 4096), 0xbeef);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(r->io.size, 4);
	*(uint32_t *)((char *)r + 4096) = 0x12345678;
	ck_assert_int_eq(run(&t, 0), 0);	/* size 3: no exit; then MMIO */
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_MMIO);
	ck_assert_uint_eq(U64(r, 32), 0xfed00000);	/* phys_addr, shared bit stripped */
	ck_assert_uint_eq(U32(r, 48), 8);		/* len */
	ck_assert_uint_eq(*((uint8_t *)r + 52), 0);	/* is_write */
	W64(r, 40, 0x1122334455667788ULL);		/* data */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_MMIO);
	ck_assert_uint_eq(U64(r, 32), 0xfed00010);
	ck_assert_uint_eq(U32(r, 48), 4);
	ck_assert_uint_eq(*((uint8_t *)r + 52), 1);
	ck_assert_uint_eq(U32(r, 40), 0xcafe);
	/* tdx_emulate_mmio() does not refuse a page-crossing access */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_MMIO);
	ck_assert_uint_eq(U64(r, 32), 0xfed00ffe);
	ck_assert_uint_eq(U32(r, 48), 4);
	W64(r, 40, 0xaabbccdd);
	ck_assert_int_eq(run(&t, 0), 0);	/* private GPA, size 3: no exits */
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_SHUTDOWN);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	td_down(&t);
}
END_TEST

/* ---- KVM_EXIT_TDX ------------------------------------------------------------------------- */
START_TEST(tdx_exits_layout)
{
	struct td t;
	struct kvm_run *r;

	td_up(&t, "[vcpu 0]\ngetquote 0x700000 8K\nexpect status success\n"
	      "getquote 0x700000 8K private\nexpect status invalid-operand\nexpect exits 0\n"
	      "notify 0x40\nexpect status 0x8000000000000001\nnotify 31\nnotify 256\n"
	      "expect status invalid-operand\ntdvmcall-info 0\nexpect status success\n"
	      "tdvmcall-info 1\nexpect r11 0x2\nexpect r14 0x44\ntdvmcall-info 2\n"
	      "expect status invalid-operand\ntdvmcall 0x10005\nexpect status subfunc-unsupported\n",
	      1, false);
	r = t.run[0];
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(r), 40);
	ck_assert_uint_eq(U64(r, 32), 0);		/* flags */
	ck_assert_uint_eq(U64(r, 40), 0x10002);		/* nr */
	ck_assert_uint_eq(U64(r, 48), ST_UNSUPP);	/* ret preset */
	ck_assert_uint_eq(U64(r, 56), 0x700000);	/* gpa without shared bit */
	ck_assert_uint_eq(U64(r, 64), 8192);
	W64(r, 48, 0);
	ck_assert_int_eq(run(&t, 0), 0);		/* private GetQuote: no exit */
	ck_assert_uint_eq(EXIT_REASON(r), 40);
	ck_assert_uint_eq(U64(r, 40), 0x10004);
	ck_assert_uint_eq(U64(r, 48), ST_UNSUPP);
	ck_assert_uint_eq(U64(r, 56), 0x40);
	W64(r, 48, 0x8000000000000001ULL);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(r), 40);
	ck_assert_uint_eq(U64(r, 40), 0x10000);
	ck_assert_uint_eq(U64(r, 48), 0);		/* ret = SUCCESS */
	ck_assert_uint_eq(U64(r, 56), 1);		/* leaf */
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(U64(r, 64 + 8 * i), 0);
	W64(r, 64, 2);
	W64(r, 88, 0x44);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_SHUTDOWN);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	ck_assert(report_has(&t, "r11 0x2 r12 0x0 r13 0x0 r14 0x44"));
	td_down(&t);
}
END_TEST

START_TEST(expect_failure_recorded)
{
	struct td t;

	td_up(&t, "[vcpu 0]\ngetquote 0x700000 4K\nexpect status success\n", 1, false);
	ck_assert_int_eq(run(&t, 0), 0);	/* the VMM leaves ret at SUBFUNC_UNSUPPORTED */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 1);
	ck_assert(error_has("line 3 (expect): expect status success (0x0) after line 2: the guest "
			    "got subfunc-unsupported (0x8000000000000003)"));
	td_down(&t);
}
END_TEST

/* ---- ReportFatalError -------------------------------------------------------------------- */
enum { AX, CX, DX, BX, SP, BP, SI, DI, R8, R9, R10, R11, R12, R13, R14, R15 };

static uint64_t fd_(const struct kvm_run *r, int reg)
{
	return U64(r, 40 + 8 * (size_t)reg);
}

START_TEST(fatal_layout)
{
	struct td t;
	struct kvm_run *r;
	const char *m64 = "ABCDEFGHabcdefgh0123456789!@#$%^IJKLMNOPijklmnop)(*&^%$#QRSTUVWX";

	td_up(&t, "[vcpu 0]\nfatal 0x10000 \"boom\" 0x7000\n"
	      "fatal 0x20000 \"ABCDEFGHabcdefgh0123456789!@#$%^IJKLMNOPijklmnop)(*&^%$#QRSTUVWX\"\n"
	      "fatal 0x1234\nfatal-raw 0x4084 0x55 0x66 0x4141 0x4242 0x4343 0x4444\n", 1, false);
	r = t.run[0];
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_SYSTEM_EVENT);
	ck_assert_uint_eq(U32(r, 32), 7);		/* type TDX_FATAL */
	ck_assert_uint_eq(U32(r, 36), 16);		/* ndata */
	ck_assert_uint_eq(fd_(r, AX), 77);		/* TDH.VP.ENTER status */
	ck_assert_uint_eq(fd_(r, R11), 0x10003);
	ck_assert_uint_eq(fd_(r, R12), 0x10000 | (1ULL << 63));
	ck_assert_uint_eq(fd_(r, R13), 0x7000);
	ck_assert_uint_eq(fd_(r, CX), 0x3c00 | (1ULL << 14));
	ck_assert_uint_eq(fd_(r, R14), 0x6d6f6f62ULL);	/* "boom\0" LE */
	ck_assert_uint_eq(fd_(r, SP), 0);
	ck_assert_uint_eq(fd_(r, BP), 0);
	ck_assert_uint_eq(fd_(r, R15), 0);
	/* 64 bytes: every message register, no NUL */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(fd_(r, CX), 0x3c00 | (1 << 14) | (1 << 15) | (1 << 3) | (1 << 7) |
			  (1 << 6) | (1 << 8) | (1 << 9) | (1 << 2));
	{
		static const int order[8] = { R14, R15, BX, DI, SI, R8, R9, DX };
		char got[65];

		for (int i = 0; i < 8; i++) {
			uint64_t v = fd_(r, order[i]);

			memcpy(got + 8 * i, &v, 8);
		}
		got[64] = 0;
		ck_assert_str_eq(got, m64);
	}
	ck_assert_uint_eq(fd_(r, R12), 0x20000);
	ck_assert_uint_eq(fd_(r, R13), 0);
	/* code only */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(fd_(r, CX), 0x3c00);
	ck_assert_uint_eq(fd_(r, R12), 0x1234);		/* malformed: low bits set */
	ck_assert_uint_eq(fd_(r, R14), 0);
	/* raw: R12/R13 not exposed -> 0; RBX, RDI, R14 exposed (0x4084 = bits 14, 7, 2) */
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(fd_(r, CX), 0x4084);
	ck_assert_uint_eq(fd_(r, R12), 0);
	ck_assert_uint_eq(fd_(r, R13), 0);
	ck_assert_uint_eq(fd_(r, R14), 0x4141);
	ck_assert_uint_eq(fd_(r, R15), 0);		/* not exposed */
	ck_assert_uint_eq(fd_(r, BX), 0);		/* not exposed */
	ck_assert_uint_eq(fd_(r, DI), 0x4444);
	ck_assert_uint_eq(fd_(r, DX), 0);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(r), KVM_EXIT_SHUTDOWN);
	td_down(&t);
}
END_TEST

/* ---- floods and repeat --------------------------------------------------------------------- */
START_TEST(flood_and_repeat)
{
	struct td t;
	unsigned long n = 0, outs = 0, notes = 0;

	td_up(&t, "[vcpu 0]\nflood 20000 out 0x80 1 0x55\nrepeat 3 {\n notify 40\n repeat 2 {\n"
	      "  out 0x81 1 1\n }\n}\nrepeat 0 {\n shutdown\n}\nflood 5 notify 7\n", 1, false);
	for (;;) {
		ck_assert_int_eq(run(&t, 0), 0);
		n++;
		if (EXIT_REASON(t.run[0]) == KVM_EXIT_SHUTDOWN)
			break;
		if (EXIT_REASON(t.run[0]) == KVM_EXIT_IO)
			outs++;
		else if (EXIT_REASON(t.run[0]) == 40)
			notes++;
		ck_assert_uint_lt(n, 100000);
	}
	ck_assert_uint_eq(outs, 20006);
	ck_assert_uint_eq(notes, 3);
	ck_assert(report_has(&t, "\"events\": 20014"));
	ck_assert(report_has(&t, "\"results_truncated\": 19015"));
	td_down(&t);
}
END_TEST

/* ---- concurrency, hlt, signals ------------------------------------------------------------- */
struct thr {
	struct td *t;
	unsigned i;
	struct vmm_log log;
	uint32_t last;
};

static void *vcpu_thread(void *p)
{
	struct thr *a = p;

	a->last = vmm_loop(a->t, a->i, &a->log);
	return NULL;
}

START_TEST(two_vcpus_concurrently)
{
	struct td t;
	struct thr a[2];
	pthread_t th[2];

	/* each vCPU converts its own range (a real guest does not convert a
	 * range another vCPU is converting) */
	td_up(&t, "[vcpu 0]\nflood 3000 out 0x80 1 1\nrepeat 50 {\n mapgpa 0x1000000 4M shared\n"
	      " fault 0x1000000 private\n mapgpa 0x1000000 4M private\n}\nsleep 20\nshutdown\n"
	      "[vcpu 1]\nflood 3000 out 0x80 1 1\nrepeat 50 {\n mapgpa 0x2000000 4M shared\n"
	      " fault 0x2000000 private\n mapgpa 0x2000000 4M private\n}\nhlt\nshutdown\n"
	      "[vcpu *]\nshutdown\n", 2, true);
	for (int i = 0; i < 2; i++) {
		a[i] = (struct thr){ .t = &t, .i = (unsigned)i };
		ck_assert_int_eq(pthread_create(&th[i], NULL, vcpu_thread, &a[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(a[i].last, KVM_EXIT_SHUTDOWN);
		ck_assert_uint_eq(a[i].log.io, 3000);
	}
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(a[i].log.mapgpa, 50 * 4);
		ck_assert_uint_eq(a[i].log.faults, 50);
	}
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	td_down(&t);
}
END_TEST

static void on_usr1(int sig)
{
	(void)sig;
}

/* QEMU's way, free of races: SIGUSR1 is blocked in the thread and
 * unblocked only inside KVM_RUN (KVM_SET_SIGNAL_MASK). */
static void kick_setup(int vcpu_fd, bool block)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	union {
		uint32_t len;
		unsigned char b[16];	/* struct kvm_signal_mask + 8 bytes of sigset */
	} m = { .b = { 0 } };
	sigset_t set;

	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
	if (!block)
		return;
	m.len = 4;
	ck_errno(xioctl(vcpu_fd, KVM_SET_SIGNAL_MASK, (uintptr_t)&m), EINVAL);
	m.len = 8;
	ck_assert_int_eq(xioctl(vcpu_fd, KVM_SET_SIGNAL_MASK, (uintptr_t)&m), 0);
}

struct kicker {
	pthread_t target;
	int delay_ms;
};

static void *kick(void *p)
{
	struct kicker *k = p;
	struct timespec ts = { 0, k->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

/* kvm_arch_vcpu_ioctl_run(): an AP is UNINITIALIZED (kvm_arch_vcpu_create())
 * until INIT_VCPU (tdx_td_vcpu_init()).  Its KVM_RUN blocks before any other
 * check: immediate_exit → EINTR (exit_reason untouched), a signal → EINTR
 * with KVM_EXIT_INTR, pending events → EAGAIN. */
START_TEST(run_uninitialized_ap_blocks)
{
	struct kicker k;
	pthread_t kt;
	struct kvm_run *r;
	uint32_t mp = 99;
	int vm, v0, v1;

	st_require_sim();
	vm = st_td_inited();
	v0 = st_vcpu(vm, 0);
	v1 = (int)xioctl(vm, KVM_CREATE_VCPU, 1);
	ck_assert_int_ge(v1, 0);
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	r = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, v1, 0);
	ck_assert_ptr_ne(r, MAP_FAILED);
	ck_assert_int_eq(xioctl(v1, KVM_GET_MP_STATE, (uintptr_t)&mp), 0);
	ck_assert_uint_eq(mp, KVM_MP_STATE_UNINITIALIZED);
	ck_assert_int_eq(xioctl(v0, KVM_GET_MP_STATE, (uintptr_t)&mp), 0);
	ck_assert_uint_eq(mp, KVM_MP_STATE_RUNNABLE);
	r->exit_reason = 0x1234;
	r->immediate_exit = 1;
	r->kvm_valid_regs = 1;	/* checked only after the UNINITIALIZED block */
	ck_errno(xioctl(v1, KVM_RUN, 0), EINTR);
	ck_assert_uint_eq(r->exit_reason, 0x1234);
	r->immediate_exit = 0;
	kick_setup(v1, true);
	k = (struct kicker){ .target = pthread_self(), .delay_ms = 30 };
	pthread_create(&kt, NULL, kick, &k);
	ck_errno(xioctl(v1, KVM_RUN, 0), EINTR);	/* blocked until the signal */
	pthread_join(kt, NULL);
	ck_assert_uint_eq(r->exit_reason, KVM_EXIT_INTR);
	ck_assert_int_eq(xioctl(v1, KVM_NMI, 0), 0);
	ck_errno(xioctl(v1, KVM_RUN, 0), EAGAIN);
	/* KVM_SET_MP_STATE RUNNABLE: now the other checks apply */
	mp = KVM_MP_STATE_RUNNABLE;
	ck_assert_int_eq(xioctl(v1, KVM_SET_MP_STATE, (uintptr_t)&mp), 0);
	ck_errno(xioctl(v1, KVM_RUN, 0), EINVAL);	/* sync regs */
	r->kvm_valid_regs = 0;
	ck_errno(xioctl(v1, KVM_RUN, 0), EINVAL);	/* tdx_vcpu_pre_run(): no INIT_VCPU */
	kick_setup(-1, false);
	munmap(r, 12288);
	close(v1);
	close(v0);
	close(vm);
}
END_TEST

struct closer {
	int fd;
	pthread_t target;
};

static void *close_then_kick(void *p)
{
	struct closer *c = p;
	struct timespec ts = { 0, 20 * 1000000L };

	nanosleep(&ts, NULL);
	close(c->fd);
	nanosleep(&ts, NULL);
	pthread_kill(c->target, SIGUSR1);
	return NULL;
}

/* The blocked KVM_RUN holds its file: closing the fd meanwhile does not end
 * it, the signal does (EINTR, not EBADF). */
START_TEST(run_uninitialized_ap_survives_close)
{
	struct closer c;
	pthread_t th;
	int vm, v0, v1;

	st_require_sim();
	vm = st_td_inited();
	v0 = st_vcpu(vm, 0);
	v1 = (int)xioctl(vm, KVM_CREATE_VCPU, 1);
	ck_assert_int_ge(v1, 0);
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	kick_setup(v1, true);
	c = (struct closer){ .fd = v1, .target = pthread_self() };
	pthread_create(&th, NULL, close_then_kick, &c);
	ck_errno(xioctl(v1, KVM_RUN, 0), EINTR);
	pthread_join(th, NULL);
	kick_setup(-1, false);
	close(v0);
	close(vm);
}
END_TEST

START_TEST(hlt_wakes_on_shutdown_and_signal)
{
	struct td t;
	struct thr a;
	pthread_t th, kt;
	struct kicker k;
	struct timespec t0, t1;

	td_up(&t, "[vcpu 0]\nsleep 30\nshutdown\n[vcpu 1]\nhlt\nout 0x80 1 1\nhlt 40\nshutdown\n", 2, false);
	kick_setup(t.v[1], true);
	/* a signal interrupts hlt: EINTR, the hlt continues on the next KVM_RUN */
	k = (struct kicker){ .target = pthread_self(), .delay_ms = 20 };
	pthread_create(&kt, NULL, kick, &k);
	ck_errno(run(&t, 1), EINTR);
	ck_assert_uint_eq(EXIT_REASON(t.run[1]), KVM_EXIT_INTR);
	pthread_join(kt, NULL);
	/* vCPU 0 shuts down in another thread (after sleeping 30 ms without the
	 * lock): vCPU 1's hlt ends */
	a = (struct thr){ .t = &t, .i = 0 };
	pthread_create(&th, NULL, vcpu_thread, &a);
	ck_assert_int_eq(run(&t, 1), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[1]), KVM_EXIT_IO);
	pthread_join(th, NULL);
	ck_assert_uint_eq(a.last, KVM_EXIT_SHUTDOWN);
	/* hlt 40 after the TD stopped: returns at once */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(run(&t, 1), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_uint_eq(EXIT_REASON(t.run[1]), KVM_EXIT_SHUTDOWN);
	ck_assert_int_lt((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000, 30);
	kick_setup(-1, false);
	td_down(&t);
}
END_TEST

START_TEST(sleep_honours_signal_mask)
{
	struct td t;
	struct kicker k;
	pthread_t kt;

	td_up(&t, "[vcpu 0]\nsleep 300\n", 1, false);
	kick_setup(t.v[0], true);
	k = (struct kicker){ .target = pthread_self(), .delay_ms = 20 };
	pthread_create(&kt, NULL, kick, &k);
	ck_errno(run(&t, 0), EINTR);
	pthread_join(kt, NULL);
	/* immediate_exit while sleeping is also a kick */
	t.run[0]->immediate_exit = 1;
	ck_errno(run(&t, 0), EINTR);
	t.run[0]->immediate_exit = 0;
	ck_assert_int_eq(run(&t, 0), 0);	/* the rest of the 300 ms */
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_SHUTDOWN);
	kick_setup(-1, false);
	td_down(&t);
}
END_TEST

/* ---- the shipped script ------------------------------------------------------------------------- */
START_TEST(shipped_tdvf_early_boot)
{
	struct td t;
	struct thr a[2];
	pthread_t th[2];

	st_require_sim();
	ck_assert_int_eq(tdxsim_ctl_set_guest("tdvf-early-boot"), 0);
	td_up(&t, NULL, 2, true);
	for (int i = 0; i < 2; i++) {
		a[i] = (struct thr){ .t = &t, .i = (unsigned)i };
		pthread_create(&th[i], NULL, vcpu_thread, &a[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ck_assert_uint_eq(a[0].last, KVM_EXIT_SHUTDOWN);
	ck_assert_uint_eq(a[1].last, KVM_EXIT_SHUTDOWN);
	a[0].log.serial[a[0].log.nserial] = 0;
	ck_assert_str_eq(a[0].log.serial, "TDVF (simulated) booting\r\n"
			 "TDVF: jumping to DXE (simulated end)\r\n");
	ck_assert_uint_eq(a[0].log.mapgpa, 2);
	ck_assert_uint_eq(a[0].log.faults, 1);
	ck_assert_uint_eq(a[0].log.tdx, 1);
	ck_assert_uint_eq(tdxsim_ctl_guest_errors(), 0);
	ck_assert(report_has(&t, "tdvf-early-boot.txt\""));
	td_down(&t);
}
END_TEST

START_TEST(no_script_is_shutdown)
{
	struct td t;

	td_up(&t, NULL, 1, false);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_SHUTDOWN);
	ck_assert(report_has(&t, "\"guest_script\": null"));
	td_down(&t);
	/* a script without a section for this vCPU: shutdown too */
	td_up(&t, "[vcpu 3]\nout 0x80 1 1\n", 1, false);
	ck_assert_int_eq(run(&t, 0), 0);
	ck_assert_uint_eq(EXIT_REASON(t.run[0]), KVM_EXIT_SHUTDOWN);
	td_down(&t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sim-guest");
	TCase *t = tcase_create("guest");

	tcase_set_timeout(t, 60);
	/* CK_FORK=no (valgrind): no state from the previous test */
	tcase_add_checked_fixture(t, tdxsim_ctl_reset, NULL);
	tcase_add_test(t, parse_errors);
	tcase_add_test(t, wrapper_guest_option);
	tcase_add_test(t, mapgpa_chunks_layout);
	tcase_add_test(t, mapgpa_without_cap_no_exit);
	tcase_add_test(t, mapgpa_guest_errors_no_exit);
	tcase_add_test(t, mapgpa_vmm_refuses);
	tcase_add_test(t, mapgpa_not_converted_fails_loudly);
	tcase_add_test(t, mapgpa_private_allocates_punch_frees);
	tcase_add_test(t, mapgpa_immediate_exit_order);
	tcase_add_test(t, mapgpa_completion_protocol);
	tcase_add_test(t, mapgpa_completion_before_72);
	tcase_add_test(t, mapgpa_legal_above_gpaw_exits);
	tcase_add_test(t, mapgpa_retry_events_pending);
	tcase_add_test(t, run_uninitialized_ap_blocks);
	tcase_add_test(t, run_uninitialized_ap_survives_close);
	tcase_add_test(t, unaccepted_access_kills_vm);
	tcase_add_test(t, unaccepted_access_ve_without_sept_ve_disable);
	tcase_add_test(t, kvm_hypercall_r10_nonzero);
	tcase_add_test(t, fault_layout_and_conversion);
	tcase_add_test(t, fault_not_converted_stuck);
	tcase_add_test(t, fault_shared_without_punch);
	tcase_add_test(t, io_and_mmio_layout);
	tcase_add_test(t, tdx_exits_layout);
	tcase_add_test(t, expect_failure_recorded);
	tcase_add_test(t, fatal_layout);
	tcase_add_test(t, flood_and_repeat);
	tcase_add_test(t, two_vcpus_concurrently);
	tcase_add_test(t, hlt_wakes_on_shutdown_and_signal);
	tcase_add_test(t, sleep_honours_signal_mask);
	tcase_add_test(t, shipped_tdvf_early_boot);
	tcase_add_test(t, no_script_is_shutdown);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return st_run_suite(suite());
}
