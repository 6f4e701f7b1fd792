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
#include <sys/eventfd.h>
#include <sys/timerfd.h>
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

static long en(int vm, uint32_t c, uint64_t a0)
{
	struct kvm_enable_cap e = { .cap = c, .args = { a0 } };

	return x(vm, KVM_ENABLE_CAP, (uintptr_t)&e);
}

/* The generic (vendor-independent) KVM surface: generic capabilities,
 * ENABLE_CAP argument checks, irqchip routing, irqfd, ioeventfd, coalesced
 * MMIO, filters, vCPU ioctls on a plain VM with a split irqchip. */
static void generic_surface(int k)
{
	static const struct { const char *n; long c; } caps[] = {
		{ "destroy_memory_region_works", KVM_CAP_DESTROY_MEMORY_REGION_WORKS },
		{ "join_memory_regions_works", KVM_CAP_JOIN_MEMORY_REGIONS_WORKS },
		{ "internal_error_data", KVM_CAP_INTERNAL_ERROR_DATA },
		{ "irq_routing", KVM_CAP_IRQ_ROUTING },
		{ "coalesced_mmio", KVM_CAP_COALESCED_MMIO },
		{ "coalesced_pio", KVM_CAP_COALESCED_PIO },
		{ "ioeventfd_any_length", KVM_CAP_IOEVENTFD_ANY_LENGTH },
		{ "check_extension_vm", KVM_CAP_CHECK_EXTENSION_VM },
		{ "enable_cap_vm", KVM_CAP_ENABLE_CAP_VM },
		{ "halt_poll", KVM_CAP_HALT_POLL },
		{ "binary_stats_fd", KVM_CAP_BINARY_STATS_FD },
		{ "system_event_data", KVM_CAP_SYSTEM_EVENT_DATA },
		{ "device_ctrl", KVM_CAP_DEVICE_CTRL },
		{ "signal_msi", KVM_CAP_SIGNAL_MSI },
		{ "irqfd_resample", KVM_CAP_IRQFD_RESAMPLE },
		{ "manual_dirty_log_protect2", KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 },
		{ "sync_mmu", KVM_CAP_SYNC_MMU },
		{ "mce", KVM_CAP_MCE },
		{ "pv_mmu", KVM_CAP_PV_MMU },
		{ "s390_psw", KVM_CAP_S390_PSW },
	};
	int vm, v, efd = eventfd(0, EFD_CLOEXEC), efd2 = eventfd(0, EFD_CLOEXEC);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), sfd;
	struct {
		struct kvm_irq_routing h;
		struct kvm_irq_routing_entry e[2];
	} rt;
	struct kvm_irqfd f = { .fd = (uint32_t)efd, .gsi = 5 };
	struct kvm_ioeventfd io = { .addr = 0xfe000000, .len = 3, .fd = efd };
	struct kvm_coalesced_mmio_zone z = { .addr = 0x70, .size = 2, .pio = 2 };
	struct kvm_msr_filter mf;
	struct {
		struct kvm_pmu_event_filter h;
		uint64_t ev[1];
	} pf = { .h = { .action = 2, .nevents = 1 } };
	struct kvm_clock_data cd;
	struct kvm_tpr_access_ctl tac = { .enabled = 1, .flags = 1 };
	struct kvm_vapic_addr va = { .vapic_addr = 0x10000 };
	struct kvm_interrupt irq = { .irq = 256 };
	struct kvm_vcpu_events ev;
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[8];
	} ec;
	uint64_t mcg = 0;
	char name[64];

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		snprintf(name, sizeof(name), "cap_%s", caps[i].n);
		recv_(name, x(k, KVM_CHECK_EXTENSION, caps[i].c));
	}
	memset(&ec, 0, sizeof(ec));
	ec.h.nent = 3;
	rec("emulated_cpuid_3", x(k, KVM_GET_EMULATED_CPUID, (uintptr_t)&ec));
	ec.h.nent = 8;
	ec.e[4].padding[0] = 1;
	rec("emulated_cpuid_padding", x(k, KVM_GET_EMULATED_CPUID, (uintptr_t)&ec));
	ec.e[4].padding[0] = 0;
	rec("emulated_cpuid", x(k, KVM_GET_EMULATED_CPUID, (uintptr_t)&ec));
	recv_("emulated_cpuid_nent", ec.h.nent);

	vm = (int)x(k, KVM_CREATE_VM, 0);
	if (vm < 0 || efd < 0 || tfd < 0)
		return;
	memset(&rt, 0, sizeof(rt));
	rt.h.nr = 1;
	rt.e[0].gsi = 5;
	rt.e[0].type = KVM_IRQ_ROUTING_MSI;
	rt.e[0].u.msi.address_lo = 0xfee00000;
	rec("gsi_routing_no_irqchip", x(vm, KVM_SET_GSI_ROUTING, (uintptr_t)&rt));
	rec("irqfd_no_irqchip", x(vm, KVM_IRQFD, (uintptr_t)&f));
	rec("irq_line_no_irqchip", x(vm, KVM_IRQ_LINE, (uintptr_t)&(struct kvm_irq_level){ .irq = 5 }));
	rec("signal_msi_no_irqchip", x(vm, KVM_SIGNAL_MSI, (uintptr_t)&(struct kvm_msi){ .address_lo = 0xfee00000 }));
	/* ENABLE_CAP argument checks */
	rec("en_halt_poll_big", en(vm, KVM_CAP_HALT_POLL, 1ULL << 32));
	rec("en_halt_poll", en(vm, KVM_CAP_HALT_POLL, 200000));
	rec("en_manual_dirty_2", en(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 2));
	rec("en_manual_dirty_3", en(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 3));
	rec("en_user_space_msr_8", en(vm, KVM_CAP_X86_USER_SPACE_MSR, 8));
	rec("en_emulation_failure_2", en(vm, KVM_CAP_EXIT_ON_EMULATION_FAILURE, 2));
	rec("en_bus_lock_3", en(vm, KVM_CAP_X86_BUS_LOCK_EXIT, 3));
	rec("en_max_vcpu_id_2", en(vm, KVM_CAP_MAX_VCPU_ID, 2));
	rec("en_max_vcpu_id_2_again", en(vm, KVM_CAP_MAX_VCPU_ID, 2));
	rec("en_max_vcpu_id_3", en(vm, KVM_CAP_MAX_VCPU_ID, 3));
	rec("en_irqchip", en(vm, KVM_CAP_IRQCHIP, 0));
	rec("en_nx_huge_pages_1", en(vm, KVM_CAP_VM_DISABLE_NX_HUGE_PAGES, 1));
	rec("en_split_4097", en(vm, KVM_CAP_SPLIT_IRQCHIP, 4097));
	rec("en_split_24", en(vm, KVM_CAP_SPLIT_IRQCHIP, 24));
	rec("en_split_again", en(vm, KVM_CAP_SPLIT_IRQCHIP, 24));
	rec("create_irqchip_after_split", x(vm, KVM_CREATE_IRQCHIP, 0));
	/* routing with a split irqchip */
	rt.e[1].gsi = 6;
	rt.e[1].type = KVM_IRQ_ROUTING_IRQCHIP;
	rt.e[1].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	rt.h.nr = 2;
	rec("gsi_routing_ioapic_split", x(vm, KVM_SET_GSI_ROUTING, (uintptr_t)&rt));
	rt.h.nr = 1;
	rt.h.flags = 1;
	rec("gsi_routing_flags", x(vm, KVM_SET_GSI_ROUTING, (uintptr_t)&rt));
	rt.h.flags = 0;
	rec("gsi_routing_msi", x(vm, KVM_SET_GSI_ROUTING, (uintptr_t)&rt));
	/* irqfd */
	f.fd = (uint32_t)tfd;
	rec("irqfd_timerfd", x(vm, KVM_IRQFD, (uintptr_t)&f));
	f.fd = 9999;
	rec("irqfd_badf", x(vm, KVM_IRQFD, (uintptr_t)&f));
	f.fd = (uint32_t)efd;
	rec("irqfd", x(vm, KVM_IRQFD, (uintptr_t)&f));
	rec("irqfd_twice", x(vm, KVM_IRQFD, (uintptr_t)&f));
	f.fd = (uint32_t)efd2;
	f.flags = KVM_IRQFD_FLAG_RESAMPLE;
	f.resamplefd = (uint32_t)efd;
	rec("irqfd_resample_split", x(vm, KVM_IRQFD, (uintptr_t)&f));
	f.flags = 8;
	rec("irqfd_bad_flags", x(vm, KVM_IRQFD, (uintptr_t)&f));
	f.fd = (uint32_t)efd;
	f.flags = KVM_IRQFD_FLAG_DEASSIGN;
	rec("irqfd_deassign", x(vm, KVM_IRQFD, (uintptr_t)&f));
	/* ioeventfd */
	rec("ioeventfd_len3", x(vm, KVM_IOEVENTFD, (uintptr_t)&io));
	io.len = 0;
	io.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
	rec("ioeventfd_len0_datamatch", x(vm, KVM_IOEVENTFD, (uintptr_t)&io));
	io.flags = 0x20;
	rec("ioeventfd_bad_flags", x(vm, KVM_IOEVENTFD, (uintptr_t)&io));
	io.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
	io.len = 4;
	io.datamatch = 1;
	rec("ioeventfd", x(vm, KVM_IOEVENTFD, (uintptr_t)&io));
	rec("ioeventfd_same", x(vm, KVM_IOEVENTFD, (uintptr_t)&io));
	io.flags = 0;
	io.fd = efd2;
	rec("ioeventfd_wildcard_collides", x(vm, KVM_IOEVENTFD, (uintptr_t)&io));
	io.flags = KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_DEASSIGN;
	rec("ioeventfd_deassign_missing", x(vm, KVM_IOEVENTFD, (uintptr_t)&io));
	io.fd = efd;
	rec("ioeventfd_deassign", x(vm, KVM_IOEVENTFD, (uintptr_t)&io));
	rec("coalesced_pio_2", x(vm, KVM_REGISTER_COALESCED_MMIO, (uintptr_t)&z));
	z.pio = 1;
	rec("coalesced_pio", x(vm, KVM_REGISTER_COALESCED_MMIO, (uintptr_t)&z));
	rec("coalesced_unregister", x(vm, KVM_UNREGISTER_COALESCED_MMIO, (uintptr_t)&z));
	/* filters, clock, TSS */
	memset(&mf, 0, sizeof(mf));
	mf.flags = KVM_MSR_FILTER_DEFAULT_DENY;
	rec("msr_filter_empty_deny", x(vm, KVM_X86_SET_MSR_FILTER, (uintptr_t)&mf));
	mf.flags = 0;
	mf.ranges[0].nmsrs = 8;
	mf.ranges[0].bitmap = (uint8_t *)&mcg;
	rec("msr_filter_range_no_flags", x(vm, KVM_X86_SET_MSR_FILTER, (uintptr_t)&mf));
	mf.ranges[0].flags = KVM_MSR_FILTER_READ;
	rec("msr_filter", x(vm, KVM_X86_SET_MSR_FILTER, (uintptr_t)&mf));
	rec("pmu_filter_bad_action", x(vm, KVM_SET_PMU_EVENT_FILTER, (uintptr_t)&pf));
	pf.h.action = KVM_PMU_EVENT_DENY;
	pf.h.nevents = 301;
	rec("pmu_filter_301", x(vm, KVM_SET_PMU_EVENT_FILTER, (uintptr_t)&pf));
	memset(&cd, 0, sizeof(cd));
	cd.flags = 0x100;
	rec("set_clock_bad_flags", x(vm, KVM_SET_CLOCK, (uintptr_t)&cd));
	rec("tss_addr_high", x(vm, KVM_SET_TSS_ADDR, 0xffffe000UL));
	rec("boot_cpu_id_big", x(vm, KVM_SET_BOOT_CPU_ID, 100000));
	sfd = (int)x(vm, KVM_GET_STATS_FD, 0);
	rec("vm_stats_fd", sfd);
	if (sfd >= 0) {
		recv_("vm_stats_cloexec", !!(fcntl(sfd, F_GETFD) & FD_CLOEXEC));
		close(sfd);
	}
	/* vCPU */
	v = (int)x(vm, KVM_CREATE_VCPU, 0);
	rec("create_vcpu_split", v);
	if (v >= 0) {
		rec("boot_cpu_id_after_vcpu", x(vm, KVM_SET_BOOT_CPU_ID, 0));
		rec("setup_mce_0", x(v, KVM_X86_SETUP_MCE, (uintptr_t)&mcg));
		mcg = 33;
		rec("setup_mce_33", x(v, KVM_X86_SETUP_MCE, (uintptr_t)&mcg));
		rec("tpr_flags", x(v, KVM_TPR_ACCESS_REPORTING, (uintptr_t)&tac));
		tac.flags = 0;
		rec("tpr", x(v, KVM_TPR_ACCESS_REPORTING, (uintptr_t)&tac));
		rec("vapic_not_in_slot", x(v, KVM_SET_VAPIC_ADDR, (uintptr_t)&va));
		rec("interrupt_256", x(v, KVM_INTERRUPT, (uintptr_t)&irq));
		irq.irq = 0x30;
		rec("interrupt", x(v, KVM_INTERRUPT, (uintptr_t)&irq));
		rec("interrupt_again", x(v, KVM_INTERRUPT, (uintptr_t)&irq));
		rec("nmi", x(v, KVM_NMI, 0));
		memset(&ev, 0, sizeof(ev));
		ev.flags = 0x40;
		rec("events_bad_flags", x(v, KVM_SET_VCPU_EVENTS, (uintptr_t)&ev));
		ev.flags = 0x10;
		rec("events_payload_without_cap", x(v, KVM_SET_VCPU_EVENTS, (uintptr_t)&ev));
		sfd = (int)x(v, KVM_GET_STATS_FD, 0);
		rec("vcpu_stats_fd", sfd);
		if (sfd >= 0)
			close(sfd);
		close(v);
	}
	close(vm);
	close(efd);
	close(efd2);
	close(tfd);
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
	/* KVM_SET_MEMORY_ATTRIBUTES is built only with
	 * CONFIG_KVM_GENERIC_MEMORY_ATTRIBUTES (kvm_vm_ioctl()), which a TDX
	 * host always has and this host may not: compare the invariant that
	 * the ioctl exists (not ENOTTY) iff /dev/kvm reports the capability
	 * (kvm_supported_mem_attributes(NULL) != 0). */
	recv_("vm_set_memory_attributes_iff_cap",
	      (x(k, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES) > 0) ==
	      (x(vm, KVM_SET_MEMORY_ATTRIBUTES, 0) != -ENOTTY));

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
	generic_surface(k);
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
