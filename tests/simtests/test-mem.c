/* SPDX-License-Identifier: MIT */
/*
 * mem layer under the simulator: region setup (exact ioctls, validation,
 * fault injection without leaks), conversion (validation rules, attribute
 * ioctl, discards, stats), concurrency.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "vm-internal.h"
#include "tdxsim-control.h"
#include "testutil.h"

#define PG	4096ULL
#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)

static struct tdx_ctx *ctx;
static struct tdx_vm *vm;
static struct tdx_mem *mem;

static void setup(void)
{
	tdxsim_ctl_reset();
	ck_assert_int_eq(tdxsim_ctl_active(), 1);
	ck_assert_int_eq(tdx_ctx_new(NULL, &ctx), 0);
	ck_assert_int_eq(tdx_vm_new(ctx, NULL, &vm), 0);
	ck_assert_int_eq(tdx_mem_new(vm, NULL, &mem), 0);
}

static void teardown(void)
{
	tdx_mem_unref(mem);
	tdx_vm_unref(vm);
	tdx_ctx_unref(ctx);
	mem = NULL;
	vm = NULL;
	ctx = NULL;
}

/* ---- trace helpers ------------------------------------------------- */

struct tline {
	char name[64];
	char kind[16];
	int fd;
	long ret;
	char err[32];
};

static void trace_line(unsigned long i, struct tline *t)
{
	char buf[200];

	ck_assert_int_ge(tdxsim_ctl_trace_get(i, buf, sizeof(buf)), 0);
	ck_assert_int_eq(sscanf(buf, "%*d %63s %15s fd=%d ret=%ld errno=%31s",
				t->name, t->kind, &t->fd, &t->ret, t->err), 5);
}

/* Assert the trace since base holds exactly these call names. */
static void expect_trace(unsigned long base, const char *const *names, size_t n)
{
	unsigned long cnt = tdxsim_ctl_trace_count();
	struct tline t;
	size_t i;

	ck_assert_uint_eq(cnt - base, n);
	for (i = 0; i < n; i++) {
		trace_line(base + i, &t);
		ck_assert_str_eq(t.name, names[i]);
	}
}

/* Number of trace lines since base with this name (and fd, if >= 0). */
static int count_trace(unsigned long base, const char *name, int fd)
{
	unsigned long i, cnt = tdxsim_ctl_trace_count();
	struct tline t;
	int n = 0;

	for (i = base; i < cnt; i++) {
		trace_line(i, &t);
		if (!strcmp(t.name, name) && (fd < 0 || t.fd == fd) && t.ret >= 0)
			n++;
	}
	return n;
}

static int report_memslots(void)
{
	char buf[8192];
	const char *p;

	ck_assert_int_gt(tdxsim_ctl_vm_report(tdx_vm_get_fd(vm), buf, sizeof(buf)), 0);
	p = strstr(buf, "\"memslots\": ");
	ck_assert_ptr_nonnull(p);
	return atoi(p + strlen("\"memslots\": "));
}

/*
 * Bytes mapped in this process.  A leaked region mapping shows up as a
 * growth of at least the region size; unlike a count of mappings, this is
 * immune to allocator noise (valgrind, malloc arenas).
 */
static uint64_t mapped_bytes(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long long a, b;
	char line[512];
	uint64_t n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx", &a, &b) == 2)
			n += b - a;
	fclose(f);
	return n;
}

#define ASSERT_NO_MAP_LEAK(before, region) \
	ck_assert_uint_lt(mapped_bytes(), (before) + (region))

/* ---- regions ------------------------------------------------------- */

START_TEST(region_setup_exact_ioctls)
{
	static const char *const add[] = { "KVM_CREATE_GUEST_MEMFD",
					   "KVM_SET_USER_MEMORY_REGION2" };
	static const char *const del[] = { "KVM_SET_USER_MEMORY_REGION2",
					   "close" };
	struct tdx_mem_region_info ri;
	unsigned long base = tdxsim_ctl_trace_count();
	uint32_t slot = 99;
	void *hva;
	uint64_t off;
	int fd;

	ck_assert_int_eq(tdx_mem_add_region(mem, 1 * GiB, 64 * MiB, NULL, &slot), 0);
	expect_trace(base, add, 2);
	ck_assert_uint_eq(slot, 0);
	ck_assert_uint_eq(tdx_mem_region_count(mem), 1);
	ck_assert_int_eq(tdx_mem_get_region(mem, 0, &ri), 0);
	ck_assert_uint_eq(ri.gpa, 1 * GiB);
	ck_assert_uint_eq(ri.size, 64 * MiB);
	ck_assert_int_eq(ri.backing, TDX_MEM_BACKING_ANON);
	ck_assert_int_eq(ri.memfd, -1);
	ck_assert_int_ge(ri.gmem_fd, 0);
	/* the kernel (and the simulator) leave FD_CLOEXEC off: libtdx sets it */
	ck_assert_int_ne(fcntl(ri.gmem_fd, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(tdx_mem_get_region(mem, 1, &ri), -ERANGE);
	ck_assert_int_eq(report_memslots(), 1);

	ck_assert_int_eq(tdx_mem_get_host_addr(mem, 1 * GiB + 8192, 4096, &hva), 0);
	ck_assert_ptr_eq(hva, (char *)ri.host_addr + 8192);
	memset(hva, 0xab, 4096);	/* the shared view is writable */
	ck_assert_int_eq(tdx_mem_get_host_addr(mem, 1 * GiB + 64 * MiB - 4096, 8192, &hva),
			 -EFAULT);
	ck_assert_int_eq(tdx_mem_get_host_addr(mem, 0, 1, &hva), -EFAULT);
	ck_assert_int_eq(tdx_mem_get_gmem(mem, 1 * GiB + 3 * PG, &fd, &off), 0);
	ck_assert_int_eq(fd, ri.gmem_fd);
	ck_assert_uint_eq(off, 3 * PG);
	ck_assert_int_eq(tdx_mem_get_gmem(mem, 2 * GiB, &fd, &off), -EFAULT);

	/* slots are assigned lowest first */
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, 1 * MiB, NULL, &slot), 0);
	ck_assert_uint_eq(slot, 1);
	ck_assert_int_eq(tdx_mem_get_region(mem, 0, &ri), 0);
	ck_assert_uint_eq(ri.gpa, 0);	/* sorted by gpa */

	base = tdxsim_ctl_trace_count();
	mem = tdx_mem_unref(mem);
	ck_assert_int_eq(count_trace(base, "KVM_SET_USER_MEMORY_REGION2", -1), 2);
	ck_assert_int_eq(count_trace(base, "close", -1), 2);
	ck_assert_int_eq(report_memslots(), 0);
	(void)del;
}
END_TEST

START_TEST(region_teardown_order)
{
	static const char *const del[] = { "KVM_SET_USER_MEMORY_REGION2", "close" };
	int fds = tu_count_fds();
	uint64_t maps = mapped_bytes();
	unsigned long base;

	ck_assert_int_eq(tdx_mem_add_region(mem, 0, 64 * MiB, NULL, NULL), 0);
	base = tdxsim_ctl_trace_count();
	mem = tdx_mem_unref(mem);
	expect_trace(base, del, 2);
	ck_assert_int_eq(tu_count_fds(), fds);
	ASSERT_NO_MAP_LEAK(maps, 64 * MiB);
}
END_TEST

START_TEST(region_validation_before_the_kernel)
{
	struct tdx_mem_region_opts o = TDX_OPTS(tdx_mem_region_opts);
	unsigned long calls = tdxsim_ctl_call_count();
	const struct tdx_error *e = tdx_mem_get_last_error(mem);
	struct { unsigned char buf[sizeof(struct tdx_mem_region_opts) + 8]; } big;

	o.flags = TDX_MEM_REGION_READONLY;
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, MiB, &o, NULL), -EINVAL);
	ck_assert_str_eq(tdx_error_get_step(e), "validate");
	ck_assert_str_eq(tdx_error_get_field(e), "flags");
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "read-only"));
	o.flags = 1u << 20;
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, MiB, &o, NULL), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(e), "flags");
	o.flags = TDX_MEM_REGION_MEMFD;
	o.host_addr = (void *)0x10000;
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, MiB, &o, NULL), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(e), "host_addr");
	o.flags = 0;
	o.host_addr = (void *)0x10800;
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, MiB, &o, NULL), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(e), "host_addr");
	memset(&big, 0, sizeof(big));
	*(size_t *)big.buf = sizeof(big);
	big.buf[sizeof(big) - 1] = 1;
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, MiB, (void *)&big, NULL), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(e), "opts");

	ck_assert_int_eq(tdx_mem_add_region(mem, 0, 0, NULL, NULL), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(e), "size");
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, MiB + 1, NULL, NULL), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(e), "size");
	ck_assert_int_eq(tdx_mem_add_region(mem, 0x800, MiB, NULL, NULL), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(e), "gpa");
	ck_assert_int_eq(tdx_mem_add_region(mem, UINT64_MAX - PG + 1, 2 * PG, NULL, NULL),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "wraps"));
	/* before INIT_VM no shared bit is fixed: the limit is 2^52 */
	ck_assert_int_eq(tdx_mem_add_region(mem, (1ULL << 52) - PG, 2 * PG, NULL, NULL),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "shared bit"));
	ck_assert_uint_eq(tdxsim_ctl_call_count(), calls);

	/* overlap and slots, after one good region */
	ck_assert_int_eq(tdx_mem_add_region(mem, 1 * GiB, 16 * MiB, NULL, NULL), 0);
	calls = tdxsim_ctl_call_count();
	ck_assert_int_eq(tdx_mem_add_region(mem, 1 * GiB + 15 * MiB, 2 * MiB, NULL, NULL),
			 -EEXIST);
	ck_assert_ptr_nonnull(strstr(tdx_error_get_message(e), "overlaps"));
	ck_assert_int_eq(tdx_mem_add_region(mem, 1 * GiB - MiB, 2 * MiB, NULL, NULL),
			 -EEXIST);
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, 4 * GiB, NULL, NULL), -EEXIST);
	o.flags = TDX_MEM_REGION_FIXED_SLOT;
	o.host_addr = NULL;
	o.slot = 0;
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, MiB, &o, NULL), -EEXIST);
	ck_assert_str_eq(tdx_error_get_field(e), "slot");
	o.slot = 40000;
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, MiB, &o, NULL), -EINVAL);
	ck_assert_str_eq(tdx_error_get_field(e), "slot");
	ck_assert_uint_eq(tdxsim_ctl_call_count(), calls);
	ck_assert_uint_eq(tdx_mem_region_count(mem), 1);

	/* adjacent is fine; a fixed slot is used as given */
	o.slot = 7;
	ck_assert_int_eq(tdx_mem_add_region(mem, 1 * GiB + 16 * MiB, MiB, &o, NULL), 0);
	ck_assert_int_eq(tdx_mem_add_region(mem, 1 * GiB - MiB, MiB, NULL, NULL), 0);
	ck_assert_uint_eq(tdx_mem_region_count(mem), 3);
}
END_TEST

START_TEST(region_memfd_and_caller_backing)
{
	struct tdx_mem_region_opts o = TDX_OPTS(tdx_mem_region_opts);
	struct tdx_mem_region_info ri;
	unsigned char c = 0;
	void *user;

	o.flags = TDX_MEM_REGION_MEMFD;
	o.name = "test-ram";
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, 4 * MiB, &o, NULL), 0);
	ck_assert_int_eq(tdx_mem_get_region(mem, 0, &ri), 0);
	ck_assert_int_eq(ri.backing, TDX_MEM_BACKING_MEMFD);
	ck_assert_int_ge(ri.memfd, 0);
	ck_assert_int_ne(fcntl(ri.memfd, F_GETFD) & FD_CLOEXEC, 0);
	((unsigned char *)ri.host_addr)[5 * PG] = 0x5a;	/* MAP_SHARED: visible in the memfd */
	ck_assert_int_eq(pread(ri.memfd, &c, 1, 5 * PG), 1);
	ck_assert_int_eq(c, 0x5a);

	user = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(user, MAP_FAILED);
	o = TDX_OPTS(tdx_mem_region_opts);
	o.host_addr = user;
	ck_assert_int_eq(tdx_mem_add_region(mem, 16 * MiB, 2 * MiB, &o, NULL), 0);
	ck_assert_int_eq(tdx_mem_get_region(mem, 1, &ri), 0);
	ck_assert_int_eq(ri.backing, TDX_MEM_BACKING_CALLER);
	ck_assert_ptr_eq(ri.host_addr, user);
	mem = tdx_mem_unref(mem);
	/* libtdx never unmaps the caller's memory */
	((volatile char *)user)[0] = 1;
	ck_assert_int_eq(munmap(user, 2 * MiB), 0);
}
END_TEST

/* Fail every ioctl of region setup in turn: nothing may leak. */
START_TEST(region_fault_injection_leaks_nothing)
{
	static const char *const ioctls[] = { "KVM_CREATE_GUEST_MEMFD",
					      "KVM_SET_USER_MEMORY_REGION2" };
	static const int errs[] = { ENOMEM, EEXIST };
	struct tdx_mem_region_opts o = TDX_OPTS(tdx_mem_region_opts);
	const struct tdx_error *e = tdx_mem_get_last_error(mem);
	int backing, fds;
	uint64_t maps;
	size_t i;

	for (backing = 0; backing < 2; backing++) {
		o.flags = backing ? TDX_MEM_REGION_MEMFD : 0;
		for (i = 0; i < TDX_ARRAY_SIZE(ioctls); i++) {
			fds = tu_count_fds();
			maps = mapped_bytes();
			ck_assert_int_eq(tdxsim_ctl_fail_ioctl(ioctls[i], errs[i], 0, 1), 0);
			ck_assert_int_eq(tdx_mem_add_region(mem, 0, 64 * MiB, &o, NULL),
					 -errs[i]);
			ck_assert_str_eq(tdx_error_get_step(e), ioctls[i]);
			ck_assert_int_eq(tu_count_fds(), fds);
			ASSERT_NO_MAP_LEAK(maps, 64 * MiB);
			ck_assert_uint_eq(tdx_mem_region_count(mem), 0);
			ck_assert_int_eq(report_memslots(), 0);
		}
		/* and by position: the n-th ioctl from now */
		for (i = 1; i <= 2; i++) {
			fds = tu_count_fds();
			maps = mapped_bytes();
			ck_assert_int_eq(tdxsim_ctl_fail_nth(tdxsim_ctl_call_count() + i,
							     EIO), 0);
			ck_assert_int_eq(tdx_mem_add_region(mem, 0, 64 * MiB, &o, NULL), -EIO);
			ck_assert_int_eq(tu_count_fds(), fds);
			ASSERT_NO_MAP_LEAK(maps, 64 * MiB);
			tdxsim_ctl_fail_clear();
		}
	}
	/* the object is still usable */
	maps = mapped_bytes();
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, 64 * MiB, &o, NULL), 0);
	ck_assert_int_eq(report_memslots(), 1);
	ck_assert_uint_ge(mapped_bytes(), maps + 64 * MiB);	/* the check sees a mapping */
}
END_TEST

/* The process's address-space size now (VmSize), in bytes. */
static uint64_t vm_size(void)
{
	unsigned long long pages = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%llu", &pages), 1);
	fclose(f);
	return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* mmap failure (address-space limit): the guest_memfd is closed again. */
START_TEST(region_mmap_failure_leaks_nothing)
{
	const struct tdx_error *e = tdx_mem_get_last_error(mem);
	struct rlimit old, lim;
	int fds = tu_count_fds(), r;
	uint64_t maps = mapped_bytes();

	ck_assert_int_eq(getrlimit(RLIMIT_AS, &old), 0);
	lim = old;
	/*
	 * 4 GiB above the address space in use now: room for what the test
	 * and a sanitizer runtime allocate (ASan/TSan reserve terabytes of
	 * shadow up front, so an absolute limit would starve them), far below
	 * the 64 GiB the region asks for.
	 */
	lim.rlim_cur = vm_size() + 4 * GiB;
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &lim), 0);
	r = tdx_mem_add_region(mem, 0, 64 * GiB, NULL, NULL);
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &old), 0);
	/* ENOMEM natively; valgrind's mmap says EINVAL */
	ck_assert(r == -ENOMEM || r == -EINVAL);
	ck_assert_str_eq(tdx_error_get_step(e), "mmap");
	ck_assert_int_eq(tu_count_fds(), fds);
	ASSERT_NO_MAP_LEAK(maps, 64 * GiB);
	ck_assert_int_eq(report_memslots(), 0);
}
END_TEST

/* ---- conversion ---------------------------------------------------- */

/* RAM: [1 GiB, 1 GiB + 16 MiB) and [1 GiB + 16 MiB, 1 GiB + 32 MiB) adjacent,
 * hole, [2 GiB, 2 GiB + 16 MiB). */
static void add_layout(uint32_t flags)
{
	struct tdx_mem_region_opts o = TDX_OPTS(tdx_mem_region_opts);

	o.flags = flags;
	ck_assert_int_eq(tdx_mem_add_region(mem, 1 * GiB, 16 * MiB, &o, NULL), 0);
	ck_assert_int_eq(tdx_mem_add_region(mem, 1 * GiB + 16 * MiB, 16 * MiB, &o, NULL), 0);
	ck_assert_int_eq(tdx_mem_add_region(mem, 2 * GiB, 16 * MiB, &o, NULL), 0);
}

static void expect_reject(uint64_t gpa, uint64_t size, uint32_t flags, int err,
			  int rule)
{
	const struct tdx_error *e = tdx_mem_get_last_error(mem);
	unsigned long calls = tdxsim_ctl_call_count();
	struct tdx_mem_stats before, after;
	struct tdx_mem_reject rj;

	ck_assert_int_eq(tdx_mem_get_stats(mem, &before), 0);
	ck_assert_int_eq(tdx_mem_convert_ex(mem, gpa, size, flags), err);
	ck_assert_uint_eq(tdxsim_ctl_call_count(), calls);	/* no ioctl */
	ck_assert_int_eq(tdx_mem_get_stats(mem, &after), 0);
	ck_assert_uint_eq(after.rejected, before.rejected + 1);
	ck_assert_uint_eq(after.to_private + after.to_shared,
			  before.to_private + before.to_shared);
	ck_assert_int_eq(tdx_mem_get_last_reject(mem, &rj), 0);
	ck_assert_int_eq(rj.err, err);
	ck_assert_int_eq(rj.rule, rule);
	ck_assert_uint_eq(rj.gpa, gpa);
	ck_assert_uint_eq(rj.size, size);
	ck_assert_uint_eq(rj.flags, flags);
	ck_assert_uint_eq(rj.seq, after.rejected);
	ck_assert_int_eq(tdx_error_get_errno(e), err);
	ck_assert_str_eq(tdx_error_get_step(e), "validate");
	ck_assert_str_eq(tdx_error_get_field(e), tdx_mem_rule_name(rule));
}

START_TEST(convert_validation_rules)
{
	const uint32_t P = TDX_MEM_CONVERT_PRIVATE;
	struct tdx_mem_reject rj;
	struct tdx_mem_stats st;

	add_layout(0);
	ck_assert_int_eq(tdx_mem_get_last_reject(mem, &rj), -ENOENT);
	expect_reject(1 * GiB, PG, 1u << 9, -EINVAL, TDX_MEM_RULE_FLAGS);
	expect_reject(1 * GiB, PG, P | TDX_MEM_CONVERT_ALLOW_HOLES, -EINVAL,
		      TDX_MEM_RULE_FLAGS);
	expect_reject(1 * GiB, 0, P, -EINVAL, TDX_MEM_RULE_SIZE_ZERO);
	expect_reject(1 * GiB + 0x800, PG, P, -EINVAL, TDX_MEM_RULE_ALIGN);
	expect_reject(1 * GiB, PG + 1, 0, -EINVAL, TDX_MEM_RULE_ALIGN);
	expect_reject(UINT64_MAX - PG + 1, 2 * PG, P, -EINVAL, TDX_MEM_RULE_WRAP);
	/* no shared bit before INIT_VM: 2^52 is the limit */
	expect_reject(1ULL << 52, PG, 0, -EINVAL, TDX_MEM_RULE_SHARED_BIT);
	expect_reject((1ULL << 52) - PG, 2 * PG, 0, -EINVAL, TDX_MEM_RULE_SHARED_BIT);
	/* to private outside RAM */
	expect_reject(3 * GiB, PG, P, -EFAULT, TDX_MEM_RULE_NOT_RAM);
	/* straddling RAM and the hole, both directions */
	expect_reject(1 * GiB + 32 * MiB - PG, 2 * PG, P, -EINVAL, TDX_MEM_RULE_STRADDLE);
	expect_reject(1 * GiB + 32 * MiB - PG, 2 * PG, 0, -EINVAL, TDX_MEM_RULE_STRADDLE);
	expect_reject(1 * GiB - PG, 2 * PG, 0, -EINVAL, TDX_MEM_RULE_STRADDLE);
	ck_assert_str_eq(tdx_mem_rule_name(99), "?");

	/* the object stays usable: a valid conversion goes through */
	ck_assert_int_eq(tdx_mem_convert(mem, 1 * GiB, 2 * MiB, true), 0);
	ck_assert_int_eq(tdx_mem_is_private(mem, 1 * GiB, 2 * MiB), 1);
	ck_assert_int_eq(tdx_mem_get_stats(mem, &st), 0);
	ck_assert_uint_eq(st.rejected, 12);
	ck_assert_uint_eq(st.to_private, 1);
	ck_assert_uint_eq(st.bytes_to_private, 2 * MiB);
}
END_TEST

START_TEST(convert_mmio_hole_is_a_noop)
{
	unsigned long calls;
	struct tdx_mem_stats st;

	add_layout(0);
	calls = tdxsim_ctl_call_count();
	/* OVMF shares MMIO below 4 GiB and the 64-bit PCI hole */
	ck_assert_int_eq(tdx_mem_convert(mem, 3 * GiB, 256 * MiB, false), 0);
	ck_assert_int_eq(tdx_mem_convert(mem, 1 * GiB + 32 * MiB, PG, false), 0);
	ck_assert_uint_eq(tdxsim_ctl_call_count(), calls);
	ck_assert_int_eq(tdx_mem_get_stats(mem, &st), 0);
	ck_assert_uint_eq(st.mmio_noops, 2);
	ck_assert_uint_eq(st.to_shared, 0);
	ck_assert_uint_eq(st.rejected, 0);
}
END_TEST

START_TEST(convert_straddle_with_allow_holes)
{
	unsigned long base;
	struct tdx_mem_stats st;
	const uint64_t gpa = 1 * GiB + 32 * MiB - 2 * PG;

	add_layout(0);
	ck_assert_int_eq(tdx_mem_convert(mem, gpa, 2 * PG, true), 0);
	base = tdxsim_ctl_trace_count();
	ck_assert_int_eq(tdx_mem_convert_ex(mem, gpa, 2 * GiB, TDX_MEM_CONVERT_ALLOW_HOLES), 0);
	/* two RAM runs: [gpa, 1G+32M) and [2G, 2G+16M) */
	ck_assert_int_eq(count_trace(base, "KVM_SET_MEMORY_ATTRIBUTES", -1), 2);
	ck_assert_int_eq(count_trace(base, "fallocate", -1), 2);
	ck_assert_int_eq(tdx_mem_is_private(mem, gpa, 2 * PG), 0);
	ck_assert_int_eq(tdx_mem_get_stats(mem, &st), 0);
	ck_assert_uint_eq(st.mmio_noops, 1);
	ck_assert_uint_eq(st.to_shared, 1);
	ck_assert_uint_eq(st.bytes_to_shared, 2 * PG + 16 * MiB);
}
END_TEST

START_TEST(convert_across_adjacent_regions)
{
	struct tdx_mem_region_info r0, r1;
	const uint64_t gpa = 1 * GiB + 16 * MiB - 2 * PG;
	unsigned long base;

	add_layout(0);
	ck_assert_int_eq(tdx_mem_get_region(mem, 0, &r0), 0);
	ck_assert_int_eq(tdx_mem_get_region(mem, 1, &r1), 0);
	base = tdxsim_ctl_trace_count();
	ck_assert_int_eq(tdx_mem_convert(mem, gpa, 4 * PG, true), 0);
	/* one attribute ioctl for the whole range */
	{
		static const char *const t[] = { "KVM_SET_MEMORY_ATTRIBUTES" };

		expect_trace(base, t, 1);
	}
	ck_assert_int_eq(tdx_mem_is_private(mem, gpa, 4 * PG), 1);
	ck_assert_int_eq(tdx_mem_is_private(mem, gpa - PG, 4 * PG), 2);
	base = tdxsim_ctl_trace_count();
	ck_assert_int_eq(tdx_mem_convert(mem, gpa, 4 * PG, false), 0);
	/* one punch per guest_memfd */
	ck_assert_int_eq(count_trace(base, "KVM_SET_MEMORY_ATTRIBUTES", -1), 1);
	ck_assert_int_eq(count_trace(base, "fallocate", r0.gmem_fd), 1);
	ck_assert_int_eq(count_trace(base, "fallocate", r1.gmem_fd), 1);
	ck_assert_int_eq(tdx_mem_is_private(mem, 1 * GiB, 32 * MiB), 0);
}
END_TEST

START_TEST(convert_strip_shared_bit)
{
	uint64_t sb;
	struct tdx_vm *vm2 = NULL;
	struct tdx_mem *mem2 = NULL;
	struct tdx_mem_reject rj;

	/* A TD whose shared bit is fixed needs INIT_VM. */
	ck_assert_int_eq(tdx_vm_new(ctx, NULL, &vm2), 0);
	if (tdx_vm_init(vm2, NULL)) {
		/*
		 * This simulator/caps combination cannot INIT_VM: fix the bit
		 * the way a 48-bit GPAW INIT_VM would, to test libtdx's checks.
		 */
		fprintf(stderr, "convert_strip_shared_bit: INIT_VM failed (%s); shared bit set by hand\n",
			tdx_error_get_message(tdx_vm_get_last_error(vm2)));
		tdx_vm_unref(vm2);
		ck_assert_int_eq(tdx_vm_new(ctx, NULL, &vm2), 0);
		vm2->shared_bit = 1ULL << 47;
	}
	sb = tdx_vm_get_shared_bit(vm2);
	ck_assert_uint_ne(sb, 0);
	ck_assert_int_eq(tdx_mem_new(vm2, NULL, &mem2), 0);
	/* regions: memslots take GPAs below the shared bit */
	ck_assert_int_eq(tdx_mem_add_region(mem2, sb - 2 * MiB, 4 * MiB, NULL, NULL), -EINVAL);
	ck_assert_int_eq(tdx_mem_add_region(mem2, sb, 4 * MiB, NULL, NULL), -EINVAL);
	ck_assert_int_eq(tdx_mem_add_region(mem2, 1 * GiB, 2 * MiB, NULL, NULL), 0);
	ck_assert_int_eq(tdx_mem_add_region(mem2, sb - 2 * MiB, 2 * MiB, NULL, NULL), 0);
	/* conversions: the shared bit is rejected unless the caller strips it */
	ck_assert_int_eq(tdx_mem_convert(mem2, sb | 1 * GiB, PG, false), -EINVAL);
	ck_assert_int_eq(tdx_mem_get_last_reject(mem2, &rj), 0);
	ck_assert_int_eq(rj.rule, TDX_MEM_RULE_SHARED_BIT);
	ck_assert_uint_eq(rj.gpa, sb | 1 * GiB);
	ck_assert_int_eq(tdx_mem_convert_ex(mem2, sb | 1 * GiB, PG,
					    TDX_MEM_CONVERT_STRIP_SHARED |
					    TDX_MEM_CONVERT_PRIVATE), 0);
	ck_assert_int_eq(tdx_mem_is_private(mem2, 1 * GiB, PG), 1);
	/* the last RAM page below the bit is fine, one more page reaches it */
	ck_assert_int_eq(tdx_mem_convert(mem2, sb - PG, PG, true), 0);
	ck_assert_int_eq(tdx_mem_convert(mem2, sb - PG, 2 * PG, false), -EINVAL);
	ck_assert_int_eq(tdx_mem_get_last_reject(mem2, &rj), 0);
	ck_assert_int_eq(rj.rule, TDX_MEM_RULE_SHARED_BIT);
	/* MMIO above RAM but below the bit is still a no-op */
	ck_assert_int_eq(tdx_mem_convert(mem2, sb / 2, PG, false), 0);
	tdx_mem_unref(mem2);
	tdx_vm_unref(vm2);
}
END_TEST

START_TEST(convert_discards_the_stale_side)
{
	struct tdx_mem_region_opts o = TDX_OPTS(tdx_mem_region_opts);
	struct tdx_mem_region_info anon, mfd;
	unsigned char page[PG];
	unsigned long base;
	volatile unsigned char *p;
	off_t d;

	ck_assert_int_eq(tdx_mem_add_region(mem, 0, 4 * MiB, NULL, NULL), 0);
	o.flags = TDX_MEM_REGION_MEMFD;
	ck_assert_int_eq(tdx_mem_add_region(mem, 1 * GiB, 4 * MiB, &o, NULL), 0);
	ck_assert_int_eq(tdx_mem_get_region(mem, 0, &anon), 0);
	ck_assert_int_eq(tdx_mem_get_region(mem, 1, &mfd), 0);

	/* going private drops the shared copy: anonymous memory reads 0 again */
	p = (unsigned char *)anon.host_addr + 3 * PG;
	p[0] = 0x11;
	base = tdxsim_ctl_trace_count();
	ck_assert_int_eq(tdx_mem_convert(mem, 3 * PG, PG, true), 0);
	{
		static const char *const t[] = { "KVM_SET_MEMORY_ATTRIBUTES" };

		expect_trace(base, t, 1);	/* madvise is not on a KVM fd */
	}
	ck_assert_int_eq(p[0], 0);

	/* ... and the memfd gets a hole */
	memset(page, 0x22, sizeof(page));
	ck_assert_int_eq(pwrite(mfd.memfd, page, PG, 5 * PG), (ssize_t)PG);
	ck_assert_int_eq(lseek(mfd.memfd, 5 * PG, SEEK_DATA), (off_t)(5 * PG));
	ck_assert_int_eq(tdx_mem_convert(mem, 1 * GiB + 5 * PG, PG, true), 0);
	d = lseek(mfd.memfd, 5 * PG, SEEK_DATA);
	ck_assert(d < 0 || d >= (off_t)(6 * PG));
	ck_assert_int_eq(((volatile unsigned char *)mfd.host_addr)[5 * PG], 0);

	/* going shared punches the guest_memfd */
	ck_assert_int_eq(pwrite(mfd.gmem_fd, page, PG, 7 * PG), (ssize_t)PG);
	ck_assert_int_eq(tdx_mem_convert(mem, 1 * GiB + 7 * PG, PG, true), 0);
	base = tdxsim_ctl_trace_count();
	ck_assert_int_eq(tdx_mem_convert(mem, 1 * GiB + 7 * PG, PG, false), 0);
	{
		static const char *const t[] = { "KVM_SET_MEMORY_ATTRIBUTES", "fallocate" };
		struct tline tl;

		expect_trace(base, t, 2);
		trace_line(base + 1, &tl);
		ck_assert_int_eq(tl.fd, mfd.gmem_fd);
		ck_assert_str_eq(tl.kind, "gmem");
		ck_assert_int_eq(tl.ret, 0);
	}
	d = lseek(mfd.gmem_fd, 7 * PG, SEEK_DATA);
	if (d >= 0 && d < (off_t)(8 * PG))
		fprintf(stderr, "convert_discards_the_stale_side: the simulator models the guest_memfd punch without punching its backing memfd; checked through the trace only\n");
}
END_TEST

START_TEST(convert_no_discard_flag)
{
	struct tdx_mem_region_opts o = TDX_OPTS(tdx_mem_region_opts);
	struct tdx_mem_region_info ri;
	volatile unsigned char *p;

	o.flags = TDX_MEM_REGION_NO_DISCARD;
	ck_assert_int_eq(tdx_mem_add_region(mem, 0, 1 * MiB, &o, NULL), 0);
	ck_assert_int_eq(tdx_mem_get_region(mem, 0, &ri), 0);
	p = ri.host_addr;
	p[0] = 0x33;
	ck_assert_int_eq(tdx_mem_convert(mem, 0, PG, true), 0);
	ck_assert_int_eq(p[0], 0x33);
}
END_TEST

START_TEST(convert_kernel_failure_changes_nothing)
{
	const struct tdx_error *e = tdx_mem_get_last_error(mem);
	struct tdx_mem_stats st;

	add_layout(0);
	ck_assert_int_eq(tdxsim_ctl_fail_ioctl("KVM_SET_MEMORY_ATTRIBUTES", ENOMEM, 0, 1), 0);
	ck_assert_int_eq(tdx_mem_convert(mem, 1 * GiB, 2 * MiB, true), -ENOMEM);
	ck_assert_str_eq(tdx_error_get_step(e), "KVM_SET_MEMORY_ATTRIBUTES");
	ck_assert_int_eq(tdx_mem_is_private(mem, 1 * GiB, 2 * MiB), 0);
	ck_assert_int_eq(tdx_mem_get_stats(mem, &st), 0);
	ck_assert_uint_eq(st.errors, 1);
	ck_assert_uint_eq(st.rejected, 0);
	ck_assert_uint_eq(st.to_private, 0);
	ck_assert_int_eq(tdx_mem_convert(mem, 1 * GiB, 2 * MiB, true), 0);
	ck_assert_int_eq(tdx_mem_is_private(mem, 1 * GiB, 2 * MiB), 1);
}
END_TEST

/*
 * ALLOW_HOLES converts each RAM run with its own ioctl: when the second
 * fails, the first stays converted and the map says so (as documented).
 */
START_TEST(convert_allow_holes_partial_failure_follows_kvm)
{
	const uint64_t gpa = 1 * GiB + 32 * MiB - 2 * PG;
	struct tdx_mem_stats st;

	add_layout(0);
	ck_assert_int_eq(tdx_mem_convert(mem, gpa, 2 * PG, true), 0);
	ck_assert_int_eq(tdx_mem_convert(mem, 2 * GiB, 16 * MiB, true), 0);
	ck_assert_int_eq(tdxsim_ctl_fail_spec(
		"ioctl=KVM_SET_MEMORY_ATTRIBUTES:errno=ENOMEM:skip=1"), 0);
	ck_assert_int_eq(tdx_mem_convert_ex(mem, gpa, 2 * GiB,
					    TDX_MEM_CONVERT_ALLOW_HOLES), -ENOMEM);
	ck_assert_str_eq(tdx_error_get_step(tdx_mem_get_last_error(mem)),
			 "KVM_SET_MEMORY_ATTRIBUTES");
	ck_assert_int_eq(tdx_mem_is_private(mem, gpa, 2 * PG), 0);	/* run 1 */
	ck_assert_int_eq(tdx_mem_is_private(mem, 2 * GiB, 16 * MiB), 1); /* run 2 */
	ck_assert_int_eq(tdx_mem_get_stats(mem, &st), 0);
	ck_assert_uint_eq(st.errors, 1);
	ck_assert_uint_eq(st.to_shared, 0);
}
END_TEST

START_TEST(convert_stats_and_map)
{
	struct tdx_mem_stats st;

	add_layout(0);
	ck_assert_int_eq(tdx_mem_convert(mem, 1 * GiB, 32 * MiB, true), 0);
	ck_assert_int_eq(tdx_mem_convert(mem, 2 * GiB, 16 * MiB, true), 0);
	ck_assert_int_eq(tdx_mem_convert(mem, 1 * GiB + 4 * MiB, 2 * PG, false), 0);
	ck_assert_int_eq(tdx_mem_get_stats(mem, &st), 0);
	ck_assert_uint_eq(st.to_private, 2);
	ck_assert_uint_eq(st.to_shared, 1);
	ck_assert_uint_eq(st.bytes_to_private, 48 * MiB);
	ck_assert_uint_eq(st.bytes_to_shared, 2 * PG);
	ck_assert_uint_eq(st.private_bytes, 48 * MiB - 2 * PG);
	ck_assert_uint_eq(st.private_ranges, 3);
	ck_assert_uint_gt(st.map_bytes, 0);
	ck_assert_int_eq(tdx_mem_is_private(mem, 1 * GiB + 4 * MiB, PG), 0);
	ck_assert_int_eq(tdx_mem_is_private(mem, 1 * GiB + 4 * MiB + 2 * PG, PG), 1);
	ck_assert_int_eq(tdx_mem_is_private(mem, 0, 0), -EINVAL);
}
END_TEST

/* ---- threads ------------------------------------------------------- */

#define NTHREADS 8
#define PER_THREAD_PAGES 256
#define ROUNDS 2000

struct worker {
	pthread_t t;
	int id;
	unsigned char final[PER_THREAD_PAGES];
	int failures;
	uint64_t conversions;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t seed = 0x9E3779B97F4A7C15ULL * (uint64_t)(w->id + 1);
	uint64_t base = 1 * GiB + (uint64_t)w->id * PER_THREAD_PAGES * PG;
	int i;

	memset(w->final, 0, sizeof(w->final));
	for (i = 0; i < ROUNDS; i++) {
		uint64_t pg, n, k;
		bool priv;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		pg = seed % PER_THREAD_PAGES;
		n = 1 + (seed >> 20) % 8;
		if (pg + n > PER_THREAD_PAGES)
			n = PER_THREAD_PAGES - pg;
		priv = (seed >> 40) & 1;
		if (tdx_mem_convert(mem, base + pg * PG, n * PG, priv))
			w->failures++;
		else
			w->conversions++;
		for (k = pg; k < pg + n; k++)
			w->final[k] = priv;
		/* every thread also hammers one shared window */
		if (tdx_mem_convert(mem, 2 * GiB, 16 * PG, i & 1))
			w->failures++;
		else
			w->conversions++;
		/* and sends a bad request now and then */
		if (i % 64 == 0 &&
		    tdx_mem_convert(mem, base + 1, PG, true) != -EINVAL)
			w->failures++;
	}
	return NULL;
}

START_TEST(concurrent_conversions)
{
	static struct worker w[NTHREADS];
	struct tdx_mem_stats st;
	uint64_t total = 0;
	int i, k, last;

	add_layout(0);
	for (i = 0; i < NTHREADS; i++) {
		w[i].id = i;
		w[i].failures = 0;
		w[i].conversions = 0;
		ck_assert_int_eq(pthread_create(&w[i].t, NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(pthread_join(w[i].t, NULL), 0);
		ck_assert_int_eq(w[i].failures, 0);
		total += w[i].conversions;
	}
	/* each thread's pages end in the state it last asked for */
	for (i = 0; i < NTHREADS; i++)
		for (k = 0; k < PER_THREAD_PAGES; k++) {
			uint64_t gpa = 1 * GiB + ((uint64_t)i * PER_THREAD_PAGES + k) * PG;

			if (tdx_mem_is_private(mem, gpa, PG) != w[i].final[k])
				ck_abort_msg("thread %d page %d: state differs", i, k);
		}
	/* the shared window is uniformly one state */
	last = tdx_mem_is_private(mem, 2 * GiB, 16 * PG);
	ck_assert(last == 0 || last == 1);
	ck_assert_int_eq(tdx_mem_get_stats(mem, &st), 0);
	ck_assert_uint_eq(st.to_private + st.to_shared, total);
	ck_assert_uint_eq(st.rejected, (uint64_t)NTHREADS * ((ROUNDS + 63) / 64));
	ck_assert_uint_eq(st.errors, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mem");
	TCase *tr = tcase_create("regions");
	TCase *tc = tcase_create("convert");
	TCase *tt = tcase_create("threads");

	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_add_test(tr, region_setup_exact_ioctls);
	tcase_add_test(tr, region_teardown_order);
	tcase_add_test(tr, region_validation_before_the_kernel);
	tcase_add_test(tr, region_memfd_and_caller_backing);
	tcase_add_test(tr, region_fault_injection_leaks_nothing);
	tcase_add_test(tr, region_mmap_failure_leaks_nothing);
	suite_add_tcase(s, tr);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, convert_validation_rules);
	tcase_add_test(tc, convert_mmio_hole_is_a_noop);
	tcase_add_test(tc, convert_straddle_with_allow_holes);
	tcase_add_test(tc, convert_across_adjacent_regions);
	tcase_add_test(tc, convert_strip_shared_bit);
	tcase_add_test(tc, convert_discards_the_stale_side);
	tcase_add_test(tc, convert_no_discard_flag);
	tcase_add_test(tc, convert_kernel_failure_changes_nothing);
	tcase_add_test(tc, convert_allow_holes_partial_failure_follows_kvm);
	tcase_add_test(tc, convert_stats_and_map);
	suite_add_tcase(s, tc);

	tcase_set_timeout(tt, 120);
	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_add_test(tt, concurrent_conversions);
	suite_add_tcase(s, tt);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
