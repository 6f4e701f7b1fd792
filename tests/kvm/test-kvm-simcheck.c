/* SPDX-License-Identifier: MIT */
/*
 * Cross-check: run the same non-TDX ioctl sequence against the real
 * /dev/kvm and against the simulator (this binary re-executed with
 * LD_PRELOAD=libtdxsim.so), and compare the results line by line.
 * Exit 77 when /dev/kvm is absent or lacks a feature the sequence needs.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/uapi/kvm-tdx.h"

static FILE *out;

static void rec(const char *what, long r)
{
	fprintf(out, "%s: %s\n", what, r >= 0 ? "ok" : strerror((int)-r));
}

static void recv_(const char *what, long v)
{
	fprintf(out, "%s: %ld\n", what, v);
}

static long x(int fd, unsigned long req, unsigned long arg)
{
	int r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

/* The sequence; prints one line per step.  Returns 77 if unsupported. */
static int sequence(void)
{
	int k = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, v, g;
	struct kvm_create_guest_memfd gm = { 0 };
	struct kvm_userspace_memory_region r;
	char *mem;

	if (k < 0)
		return 77;
	recv_("api_version", x(k, KVM_GET_API_VERSION, 0));
	rec("api_version_arg", x(k, KVM_GET_API_VERSION, 1));
	recv_("mmap_size", x(k, KVM_GET_VCPU_MMAP_SIZE, 0));
	rec("dev_unknown_ioctl", x(k, _IO(KVMIO, 0x77), 0));
	rec("create_vm_type_77", x(k, KVM_CREATE_VM, 77));
	rec("create_vm_type_31", x(k, KVM_CREATE_VM, 31));
	recv_("vm_types_has_default", x(k, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES) & 1);
	vm = (int)x(k, KVM_CREATE_VM, 0);
	rec("create_vm_default", vm);
	if (vm < 0)
		return 77;
	recv_("vm_cloexec", !!(fcntl(vm, F_GETFD) & FD_CLOEXEC));
	rec("vm_unknown_ioctl", x(vm, _IO(KVMIO, 0x77), 0));
	rec("vm_encrypt_op_non_td", x(vm, KVM_MEMORY_ENCRYPT_OP, 0));
	recv_("vm_cap_memory_attributes", x(vm, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES));
	rec("vm_set_memory_attributes_non_td", x(vm, KVM_SET_MEMORY_ATTRIBUTES, 0));

	v = (int)x(vm, KVM_CREATE_VCPU, 0);
	rec("create_vcpu", v);
	if (v >= 0) {
		recv_("vcpu_cloexec", !!(fcntl(v, F_GETFD) & FD_CLOEXEC));
		rec("vcpu_unknown_ioctl", x(v, _IO(KVMIO, 0x77), 0));
		rec("vcpu_foreign_type_ioctl", x(v, _IO(0x12, 0x77), 0));
		close(v);
	}

	mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = (struct kvm_userspace_memory_region){ 0, 0, 0x100000, 100, (uintptr_t)mem };
	rec("slot_size_unaligned", x(vm, KVM_SET_USER_MEMORY_REGION, (uintptr_t)&r));
	r.memory_size = 0x10000;
	r.guest_phys_addr = 0x100800;
	rec("slot_gpa_unaligned", x(vm, KVM_SET_USER_MEMORY_REGION, (uintptr_t)&r));
	r.guest_phys_addr = 0x100000;
	r.userspace_addr = (uintptr_t)mem + 8;
	rec("slot_uaddr_unaligned", x(vm, KVM_SET_USER_MEMORY_REGION, (uintptr_t)&r));
	r.userspace_addr = (uintptr_t)mem;
	r.flags = 0x80;
	rec("slot_bad_flags", x(vm, KVM_SET_USER_MEMORY_REGION, (uintptr_t)&r));
	r.flags = 0;
	rec("slot_create", x(vm, KVM_SET_USER_MEMORY_REGION, (uintptr_t)&r));
	r.memory_size = 0;
	r.slot = 5;
	rec("slot_delete_missing", x(vm, KVM_SET_USER_MEMORY_REGION, (uintptr_t)&r));
	r.slot = 0;
	rec("slot_delete", x(vm, KVM_SET_USER_MEMORY_REGION, (uintptr_t)&r));

	if (x(k, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD) > 0) {
		gm.size = 0;
		rec("gmem_size_0", x(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&gm));
		gm.size = 100;
		rec("gmem_size_unaligned", x(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&gm));
		gm.size = 8192;
		gm.flags = 4;
		rec("gmem_bad_flag", x(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&gm));
		gm.flags = 0;
		g = (int)x(vm, KVM_CREATE_GUEST_MEMFD, (uintptr_t)&gm);
		rec("gmem_create", g);
		if (g >= 0) {
			recv_("gmem_cloexec", !!(fcntl(g, F_GETFD) & FD_CLOEXEC));
			rec("gmem_falloc_no_keep_size", fallocate(g, 0, 0, 4096) ? -errno : 0);
			rec("gmem_falloc_unaligned",
			    fallocate(g, FALLOC_FL_KEEP_SIZE, 0, 100) ? -errno : 0);
			rec("gmem_falloc_past_end",
			    fallocate(g, FALLOC_FL_KEEP_SIZE, 4096, 8192) ? -errno : 0);
			rec("gmem_falloc_zero_range",
			    fallocate(g, FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE, 0, 4096) ? -errno : 0);
			rec("gmem_falloc", fallocate(g, FALLOC_FL_KEEP_SIZE, 0, 4096) ? -errno : 0);
			rec("gmem_punch",
			    fallocate(g, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 0, 4096) ? -errno : 0);
			close(g);
		}
	} else {
		fprintf(out, "guest_memfd: not supported by this kernel\n");
	}
	close(vm);
	close(k);
	return 0;
}

static char *capture(bool sim)
{
	int p[2], st;
	char *buf = calloc(1, 1 << 16);
	size_t n = 0;
	ssize_t got;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		if (sim) {
			setenv("LD_PRELOAD", TDXSIM_LIB, 1);
			setenv("TDXSIM_DEVICE", "/dev/kvm", 1);
			setenv("TDXSIM_DATA_DIR", TDXSIM_DATA, 1);
		} else {
			unsetenv("LD_PRELOAD");
		}
		execl("/proc/self/exe", "test-kvm-simcheck", "--sequence", (char *)NULL);
		_exit(126);
	}
	close(p[1]);
	while ((got = read(p[0], buf + n, (1 << 16) - 1 - n)) > 0)
		n += (size_t)got;
	close(p[0]);
	waitpid(pid, &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return buf;
}

START_TEST(real_vs_sim)
{
	char *real = capture(false), *sim = capture(true);
	char *rs, *ss, *rl, *sl;

	printf("--- real /dev/kvm ---\n%s--- simulator ---\n%s", real, sim);
	rl = strtok_r(real, "\n", &rs);
	sl = strtok_r(sim, "\n", &ss);
	while (rl || sl) {
		ck_assert_msg(rl && sl, "sequences differ in length");
		ck_assert_str_eq(sl, rl);
		rl = strtok_r(NULL, "\n", &rs);
		sl = strtok_r(NULL, "\n", &ss);
	}
	free(real);
	free(sim);
}
END_TEST

int main(int argc, char **argv)
{
	SRunner *r;
	Suite *s;
	TCase *t;
	int fd, failed;

	if (argc > 1 && !strcmp(argv[1], "--sequence")) {
		out = stdout;
		return sequence();
	}
	if (getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "libtdxsim")) {
		printf("SKIP: must run without the simulator preloaded\n");
		return 77;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("SKIP: /dev/kvm not usable: %s\n", strerror(errno));
		return 77;
	}
	close(fd);
	s = suite_create("kvm-simcheck");
	t = tcase_create("crosscheck");
	tcase_add_test(t, real_vs_sim);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
