// SPDX-License-Identifier: MIT
/* Misuse of the TD configuration, the kick signal, layouts and firmware snapshots. */
#include "misuse.h"

void config_cases(struct fix *f)
{
	struct tdx_caps *caps = NULL;
	struct tdx_caps_check *chk = NULL;
	struct tdx_td_config cfg;
	struct td t;
	const struct tdx_error *ve;
	struct tdx_cpuid_entry e = { 0 };
	uint64_t sup;
	int bit = -1;

	if (tdx_caps_query(f->ctx, &caps)) {
		CASE("caps_query", 0);
		return;
	}
	EQ("find_cpuid non-configurable leaf 0x2", tdx_caps_find_cpuid(caps, 2, 0, &e),
	   -ENOENT);
	EQ("caps_get_cpuid range", tdx_caps_get_cpuid(caps, tdx_caps_cpuid_count(caps), &e),
	   -ERANGE);
	CASE("check_config NULL cfg is a problem", tdx_caps_check_config(caps, NULL, NULL) >= 1);

	if (td_make(f, ST_CREATED, &t)) {
		CASE("td_make", 0);
		goto out;
	}
	ve = tdx_vm_get_last_error(t.vm);

	/* unsupported attribute: DEBUG (bit 0) -- KVM accepts only SEPT_VE_DISABLE */
	cfg = base_cfg();
	cfg.attributes = TDX_ATTR_DEBUG | TDX_ATTR_SEPT_VE_DISABLE;
	CASE("check_config DEBUG", tdx_caps_check_config(caps, &cfg, &chk) >= 1);
	CASE("check_config names the attribute",
	     chk && tdx_caps_check_get_problem(chk, 0) &&
	     strstr(tdx_caps_check_get_problem(chk, 0), "debug"));
	tdx_caps_check_free(chk);
	chk = NULL;
	EQ("vm_init DEBUG", tdx_vm_init(t.vm, &cfg), -EINVAL);
	CASE("vm_init DEBUG field", rec_is(ve, -EINVAL, "attributes"));
	EQ("vm_init DEBUG bit", tdx_error_get_bit(ve), 0);
	EQ("vm_init refused: state unchanged", tdx_vm_get_state(t.vm), TDX_VM_CREATED);

	cfg.attributes = TDX_ATTR_PERFMON;
	EQ("vm_init PERFMON", tdx_vm_init(t.vm, &cfg), -EINVAL);
	EQ("vm_init PERFMON bit", tdx_error_get_bit(ve), 63);

	/* an XFAM bit the module does not support */
	sup = tdx_caps_get_supported_xfam(caps);
	for (int b = 2; b < 20; b++)
		if (!(sup & (1ULL << b)) && !((1ULL << b) & (TDX_XFAM_AVX512 | TDX_XFAM_CET |
							      TDX_XFAM_AMX | TDX_XFAM_MPX))) {
			bit = b;
			break;
		}
	cfg = base_cfg();
	if (bit >= 0) {
		cfg.xfam = tdx_caps_get_default_xfam(caps) | (1ULL << bit);
		CASE("check_config unsupported xfam", tdx_caps_check_config(caps, &cfg, NULL) >= 1);
		EQ("vm_init unsupported xfam", tdx_vm_init(t.vm, &cfg), -EINVAL);
		CASE("vm_init xfam field", rec_is(ve, -EINVAL, "xfam"));
		EQ("vm_init xfam bit", tdx_error_get_bit(ve), bit);
	}
	/* module group rule: AVX-512 needs AVX */
	cfg.xfam = TDX_XFAM_X87 | TDX_XFAM_SSE | TDX_XFAM_AVX512;
	EQ("vm_init AVX-512 without AVX", tdx_vm_init(t.vm, &cfg), -EINVAL);
	CASE("vm_init AVX-512 field", rec_is(ve, -EINVAL, "xfam"));
	cfg.xfam = tdx_caps_get_default_xfam(caps) & ~TDX_XFAM_AVX512_OPMASK;
	if (tdx_caps_get_default_xfam(caps) & TDX_XFAM_AVX512_OPMASK)
		EQ("vm_init partial AVX-512", tdx_vm_init(t.vm, &cfg), -EINVAL);

	cfg = base_cfg();
	cfg.gpaw = 50;
	EQ("vm_init gpaw 50", tdx_vm_init(t.vm, &cfg), -EINVAL);
	CASE("vm_init gpaw field", rec_is(ve, -EINVAL, "gpaw"));
	cfg = base_cfg();
	cfg.tsc_khz = 12345;
	EQ("vm_init bad tsc", tdx_vm_init(t.vm, &cfg), -EINVAL);
	CASE("vm_init tsc field", rec_is(ve, -EINVAL, "tsc_khz"));

	/* CPUID for a leaf the module does not let the VMM configure */
	cfg = base_cfg();
	e = (struct tdx_cpuid_entry){ .function = 0x2, .eax = 1 };
	cfg.cpuid = &e;
	cfg.cpuid_count = 1;
	CASE("check_config non-configurable leaf", tdx_caps_check_config(caps, &cfg, &chk) >= 1);
	CASE("check_config names the leaf",
	     chk && tdx_caps_check_get_problem(chk, 0) &&
	     (strstr(tdx_caps_check_get_problem(chk, 0), "0x2") ||
	      strstr(tdx_caps_check_get_problem(chk, 0), "0x00000002")));
	tdx_caps_check_free(chk);
	chk = NULL;
	EQ("vm_init non-configurable leaf", tdx_vm_init(t.vm, &cfg), -EINVAL);
	CASE("vm_init cpuid field", rec_is(ve, -EINVAL, "cpuid"));
	cfg.cpuid_count = 2; /* duplicate */
	{
		struct tdx_cpuid_entry two[2] = { { .function = 7, .flags = TDX_CPUID_FLAG_INDEXED },
						  { .function = 7, .flags = TDX_CPUID_FLAG_INDEXED } };
		cfg.cpuid = two;
		CASE("check_config duplicate leaf", tdx_caps_check_config(caps, &cfg, NULL) >= 1);
	}
	cfg = base_cfg();
	cfg.sz = 0;
	EQ("vm_init cfg sz 0", tdx_vm_init(t.vm, &cfg), -EINVAL);
	CASE("vm_init cfg sz 0 message", strstr(tdx_error_get_message(ve), "TDX_OPTS()") != NULL);
	EQ("still not initialised", tdx_vm_get_state(t.vm), TDX_VM_CREATED);
	EQ("vm_get_xfam before init", tdx_vm_get_xfam(t.vm), 0);
	EQ("vm_get_shared_bit before init", tdx_vm_get_shared_bit(t.vm), 0);
	td_free(&t);
out:
	tdx_caps_free(caps);
}

static void noop_handler(int sig)
{
	(void)sig;
}

void more_cases(struct fix *f, const char *dir)
{
	struct tdx_td_config cfg;
	struct td t;
	const struct tdx_error *ve;
	struct tdx_caps *caps = NULL;
	struct tdx_layout *l = NULL;
	struct tdx_layout_range rr;
	struct tdx_tdvf *tv = NULL;
	struct tdx_tdvf_diag d;
	struct tdx_tdvf_opts to = TDX_OPTS(tdx_tdvf_opts);
	struct tdx_vm_opts vo = TDX_OPTS(tdx_vm_opts);
	struct sigaction sa, old;
	char path[600];
	struct {
		struct tdx_td_config c;
		uint64_t tail[2];
	} big;

	if (tdx_caps_query(f->ctx, &caps) || td_make(f, ST_CREATED, &t)) {
		CASE("setup", 0);
		tdx_caps_free(caps);
		return;
	}
	ve = tdx_vm_get_last_error(t.vm);
	/* vcpu.h/caps.h: vcpus is at most tdx_vm_get_max_vcpus() */
	cfg = base_cfg();
	cfg.vcpus = tdx_vm_get_max_vcpus(t.vm) + 1;
	EQ("vm_init vcpus above max", tdx_vm_init(t.vm, &cfg), -EINVAL);
	CASE("vm_init vcpus field", rec_is(ve, -EINVAL, "vcpus"));
	cfg = base_cfg();
	cfg.cpuid_count = 1; /* cpuid NULL */
	EQ("vm_init NULL cpuid with a count", tdx_vm_init(t.vm, &cfg), -EINVAL);
	CASE("vm_init NULL cpuid field", rec_is(ve, -EINVAL, "cpuid"));
	cfg = base_cfg();
	cfg.flags = 1u << 7;
	EQ("vm_init unknown config flag", tdx_vm_init(t.vm, &cfg), -EINVAL);
	CASE("vm_init flags field", rec_is(ve, -EINVAL, "flags"));
	memset(&big, 0, sizeof(big));
	big.c = base_cfg();
	big.c.sz = sizeof(big);
	big.tail[1] = 1;
	EQ("vm_init config too big, garbage tail", tdx_vm_init(t.vm, &big.c), -EINVAL);
	/* a region before init may not reach 2^52 (mem.h) */
	EQ("mem_new before init", tdx_mem_new(t.vm, NULL, &t.mem), 0);
	EQ("add_region beyond 2^52 before init",
	   tdx_mem_add_region(t.mem, (1ULL << 52) - 4096, 8192, NULL, NULL), -EINVAL);
	/* defaults: attributes 0 = tdx_caps_get_default_attrs(), xfam 0 = default */
	cfg = base_cfg();
	EQ("vm_init defaults", tdx_vm_init(t.vm, &cfg), 0);
	EQ("default attributes", tdx_vm_get_attributes(t.vm), tdx_caps_get_default_attrs(caps));
	EQ("default attributes = SEPT_VE_DISABLE where supported",
	   tdx_caps_get_default_attrs(caps),
	   tdx_caps_get_supported_attrs(caps) & TDX_ATTR_SEPT_VE_DISABLE);
	EQ("default xfam", tdx_vm_get_xfam(t.vm), tdx_caps_get_default_xfam(caps));
	EQ("default xfam = TDX_XFAM_DEFAULT & supported", tdx_caps_get_default_xfam(caps),
	   TDX_XFAM_DEFAULT & tdx_caps_get_supported_xfam(caps));
	EQ("run NULL exit", tdx_vcpu_run(NULL, NULL), -EINVAL);
	td_free(&t);

	if (td_make(f, ST_CREATED, &t) == 0) {
		cfg = base_cfg();
		cfg.flags = TDX_TD_CONFIG_EXACT_ATTRIBUTES;
		EQ("vm_init exact attributes 0", tdx_vm_init(t.vm, &cfg), 0);
		EQ("exact attributes 0 kept", tdx_vm_get_attributes(t.vm), 0);
		/* holders keep what they need: unref the VM and the context first */
		EQ("mem_new", tdx_mem_new(t.vm, NULL, &t.mem), 0);
		EQ("vcpu_new", tdx_vcpu_new(t.vm, 1, &t.vcpu), 0);
		struct tdx_vm *vm = t.vm;
		t.vm = tdx_vm_unref(t.vm);
		CASE("vCPU keeps its VM", tdx_vcpu_get_vm(t.vcpu) == vm &&
					  tdx_mem_get_vm(t.mem) == vm);
		EQ("add_layout after the VMM dropped its VM reference",
		   tdx_mem_add_layout(t.mem, f->layout), 0);
		EQ("vcpu_init after the VMM dropped its VM reference",
		   tdx_vcpu_init(t.vcpu, f->hob), 0);
		td_free(&t);
	}

	/* vm.h kick_signal: a handler is installed for SIG_DFL; the VMM's is kept */
	signal(SIGUSR1, SIG_DFL);
	vo.kick_signal = SIGUSR1;
	if (tdx_vm_new(f->ctx, &vo, &t.vm) == 0) {
		sigaction(SIGUSR1, NULL, &sa);
		CASE("kick signal handler installed", sa.sa_handler != SIG_DFL &&
						      sa.sa_handler != SIG_IGN &&
						      (sa.sa_flags & SA_RESTART));
		t.vm = tdx_vm_unref(t.vm);
		sigaction(SIGUSR1, NULL, &old);
		CASE("kick handler stays after the VM", old.sa_handler == sa.sa_handler);
	}
	signal(SIGUSR1, SIG_DFL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = noop_handler;
	sigaction(SIGUSR2, &sa, &old);
	vo.kick_signal = SIGUSR2;
	if (tdx_vm_new(f->ctx, &vo, &t.vm) == 0) {
		sigaction(SIGUSR2, NULL, &sa);
		CASE("VMM's own kick handler kept", sa.sa_handler == noop_handler);
		t.vm = tdx_vm_unref(t.vm);
	}
	sigaction(SIGUSR2, &old, NULL);

	/* layout.h q35 */
	EQ("q35 firmware overlapping below-4G RAM",
	   tdx_layout_new_q35(2560ULL << 20, 2ULL << 30, NULL, &l), -EINVAL);
	EQ("q35 3 GiB", tdx_layout_new_q35(3ULL << 30, 2ULL << 20, NULL, &l), 0);
	EQ("q35 3 GiB ranges", tdx_layout_range_count(l), 3);
	CASE("q35 3 GiB split at 2 GiB",
	     tdx_layout_get_range(l, 0, &rr) == 0 && rr.gpa == 0 &&
	     rr.size == TDX_LAYOUT_Q35_LOWMEM_SPLIT && rr.kind == TDX_LAYOUT_RAM);
	CASE("q35 3 GiB rest at 4 GiB",
	     tdx_layout_get_range(l, 2, &rr) == 0 && rr.gpa == 1ULL << 32 &&
	     rr.size == 1ULL << 30 && rr.kind == TDX_LAYOUT_RAM);
	EQ("q35 ram size", tdx_layout_get_ram_size(l), 3ULL << 30);
	tdx_layout_free(l);

	/* tdvf.h: by default a snapshot; a later truncation cannot reach it */
	snprintf(path, sizeof(path), "%s/snapshot", dir);
	write_file(path, tdx_tdvf_get_image(f->tdvf), tdx_tdvf_get_image_size(f->tdvf));
	if (tdx_tdvf_open(path, NULL, &d, &tv) == 0) {
		truncate(path, 0);
		CASE("snapshot survives truncation",
		     memcmp(tdx_tdvf_get_image(tv), tdx_tdvf_get_image(f->tdvf),
			    tdx_tdvf_get_image_size(f->tdvf)) == 0);
		tdx_tdvf_free(tv);
		tv = NULL;
	} else {
		CASE("tdvf_open copy", 0);
	}
	to.flags = TDX_TDVF_MAP;
	EQ("tdvf_open MAP", tdx_tdvf_open(OVMF, &to, &d, &tv), 0);
	EQ("MAP diag ok", d.code, TDX_TDVF_OK);
	CASE("MAP image is the same", tv && tdx_tdvf_get_image_size(tv) ==
					    tdx_tdvf_get_image_size(f->tdvf));
	tdx_tdvf_free(tv);
	tv = NULL;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	alarm(10);
	EQ("tdvf_open MAP on a FIFO", tdx_tdvf_open(path, &to, &d, &tv), -EINVAL);
	alarm(0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/snapshot", dir);
	unlink(path);
	tdx_caps_free(caps);
}
