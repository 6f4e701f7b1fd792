/* SPDX-License-Identifier: MIT */
/*
 * tdboot: boot a TD from -bios style TDVF firmware, using only libtdx's
 * public API.
 *
 *   probe -> capabilities -> check the configuration -> TD create/init ->
 *   memory -> firmware + HOB (launch plan) -> vCPUs -> load -> finalize ->
 *   one thread per vCPU until the TD shuts down or reports a fatal error.
 *
 * Exit status: 0 the TD shut down; 1 the launch failed, the TD reported a
 * fatal error or a vCPU failed; 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/kvm.h>

#include "tdboot.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tdboot --bios FIRMWARE [--memory SIZE] [--vcpus N]\n"
		"              [--attributes LIST] [--xfam LIST] [--mrconfigid V]\n"
		"              [--mrowner V] [--mrownerconfig V] [--tsc-khz N]\n"
		"              [--report FILE] [--qgs ADDR] [--device PATH] [--quiet]\n"
		"              [--kernel FILE] [--cmdline STR]\n"
		"  ADDR: quote generation service, unix:PATH or vsock:CID:PORT\n"
		"  --kernel/--cmdline: Payload/PayloadParam for td-shim style firmware\n"
		"  SIZE: bytes with an optional K, M or G suffix (default 2G)\n"
		"  LIST: names (tdx-info shows them) or a number, e.g. sept-ve-disable\n"
		"  V:    48 bytes as 96 hex digits or base64\n");
}

static int parse_size(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || v == 0 || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*ret = (uint64_t)v << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct tdboot_opts *o)
{
	static const struct option lo[] = {
		{ "bios", required_argument, NULL, 'b' },
		{ "memory", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "attributes", required_argument, NULL, 'a' },
		{ "xfam", required_argument, NULL, 'x' },
		{ "mrconfigid", required_argument, NULL, 'C' },
		{ "mrowner", required_argument, NULL, 'O' },
		{ "mrownerconfig", required_argument, NULL, 'P' },
		{ "tsc-khz", required_argument, NULL, 't' },
		{ "report", required_argument, NULL, 'r' },
		{ "device", required_argument, NULL, 'd' },
		{ "qgs", required_argument, NULL, 'q' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "cmdline", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	size_t bad;
	int c;

	o->memory = 2ull << 30;
	o->vcpus = 1;
	o->cfg = TDX_OPTS(tdx_td_config);
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'b': o->bios = optarg; break;
		case 'r': o->report = optarg; break;
		case 'd': o->device = optarg; break;
		case 'q': o->qgs = optarg; break;
		case 'k': o->kernel = optarg; break;
		case 'l': o->cmdline = optarg; break;
		case 'Q': o->quiet = true; break;
		case 'm':
			if (parse_size(optarg, &o->memory) || (o->memory & 0xfff)) {
				fprintf(stderr, "tdboot: --memory '%s': not a 4 KiB-aligned size\n", optarg);
				return -1;
			}
			break;
		case 'c':
			if (parse_uint(optarg, TDBOOT_MAX_VCPUS, &v) || !v) {
				fprintf(stderr, "tdboot: --vcpus '%s': 1..%d\n", optarg, TDBOOT_MAX_VCPUS);
				return -1;
			}
			o->vcpus = (unsigned int)v;
			break;
		case 'a':
			if (tdx_attrs_parse(optarg, &o->cfg.attributes, &bad)) {
				fprintf(stderr, "tdboot: --attributes: unknown attribute at '%s'\n",
					optarg + bad);
				return -1;
			}
			/* as given: an empty list means none, not the default */
			o->cfg.flags |= TDX_TD_CONFIG_EXACT_ATTRIBUTES;
			break;
		case 'x':
			if (tdx_xfam_parse(optarg, &o->cfg.xfam, &bad)) {
				fprintf(stderr, "tdboot: --xfam: unknown XFAM component at '%s'\n",
					optarg + bad);
				return -1;
			}
			break;
		case 'C':
		case 'O':
		case 'P':
			if (tdx_digest_parse(optarg, c == 'C' ? o->cfg.mrconfigid :
					     c == 'O' ? o->cfg.mrowner : o->cfg.mrownerconfig)) {
				fprintf(stderr, "tdboot: '%s' is not 48 bytes of hex or base64\n", optarg);
				return -1;
			}
			break;
		case 't':
			if (parse_uint(optarg, UINT32_MAX, &v)) {
				fprintf(stderr, "tdboot: --tsc-khz '%s': not a number\n", optarg);
				return -1;
			}
			o->cfg.tsc_khz = (uint32_t)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tdboot: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->bios) {
		fprintf(stderr, "tdboot: --bios FIRMWARE is required\n");
		return -1;
	}
	return 0;
}

static int fail_msg(struct tdboot *tb, const char *what, const char *msg)
{
	snprintf(tb->res.detail, sizeof(tb->res.detail), "%s: %s", what, msg);
	tb->res.status = "launch-failed";
	fprintf(stderr, "tdboot: %s\n", tb->res.detail);
	return 1;
}

static int fail(struct tdboot *tb, const char *what, const struct tdx_error *e, int r)
{
	return fail_msg(tb, what, e && *tdx_error_get_message(e) ?
			tdx_error_get_message(e) : strerror(-r));
}

static int probe(struct tdboot *tb)
{
	struct tdx_probe *p;
	size_t i;
	int r;

	r = tdx_ctx_probe(tb->ctx, &p);
	if (r)
		return fail(tb, "probe", NULL, r);
	if (tdx_probe_is_supported(p)) {
		tdx_probe_free(p);
		return 0;
	}
	fprintf(stderr, "tdboot: this host cannot run TDs:\n");
	for (i = 0; i < tdx_probe_reason_count(p); i++)
		fprintf(stderr, "  reason: %s\n", tdx_probe_get_reason(p, i));
	for (i = 0; i < tdx_probe_hint_count(p); i++)
		fprintf(stderr, "  hint: %s\n", tdx_probe_get_hint(p, i));
	snprintf(tb->res.detail, sizeof(tb->res.detail), "%s",
		 tdx_probe_reason_count(p) ? tdx_probe_get_reason(p, 0) : "not supported");
	tb->res.status = "launch-failed";
	tdx_probe_free(p);
	return 1;
}

static int firmware(struct tdboot *tb)
{
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_tdvf_diag diag;
	int r;

	memset(&diag, 0, sizeof(diag));
	r = tdx_tdvf_open(tb->opts.bios, NULL, &diag, &tb->tdvf);
	if (r) {
		snprintf(tb->res.detail, sizeof(tb->res.detail), "%s: %s (%s)",
			 tb->opts.bios, diag.message[0] ? diag.message : strerror(-r),
			 tdx_tdvf_code_name(diag.code) ? tdx_tdvf_code_name(diag.code) : "?");
		tb->res.status = "launch-failed";
		fprintf(stderr, "tdboot: %s\n", tb->res.detail);
		return 1;
	}
	r = tdx_layout_new_q35(tb->opts.memory, tdx_tdvf_get_image_size(tb->tdvf), NULL,
			       &tb->layout);
	if (r)
		return fail(tb, "RAM layout", NULL, r);
	po.layout = tb->layout;
	if (tb->opts.kernel) {
		int fd = open(tb->opts.kernel, O_RDONLY | O_CLOEXEC);
		struct stat st;

		if (fd < 0 || fstat(fd, &st) || !st.st_size) {
			r = fd < 0 || errno ? -errno : -EINVAL;
			if (fd >= 0)
				close(fd);
			return fail(tb, tb->opts.kernel, NULL, r ? r : -EINVAL);
		}
		tb->kernel_len = (size_t)st.st_size;
		tb->kernel = mmap(NULL, tb->kernel_len, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (tb->kernel == MAP_FAILED) {
			tb->kernel = NULL;
			return fail(tb, tb->opts.kernel, NULL, -errno);
		}
		po.payload = tb->kernel;
		po.payload_len = tb->kernel_len;
	}
	if (tb->opts.cmdline) {
		po.payload_param = tb->opts.cmdline;
		po.payload_param_len = strlen(tb->opts.cmdline) + 1;
	}
	r = tdx_plan_new(tb->ctx, tb->tdvf, &po, &tb->plan);
	if (r)
		return fail(tb, "launch plan", tdx_ctx_get_last_error(tb->ctx), r);
	if (tdx_plan_get_hob_gpa(tb->plan, &tb->hob_gpa))
		tb->hob_gpa = 0;
	r = tdx_measure_plan(tb->ctx, tb->plan, NULL, tb->expected_mrtd, NULL);
	tb->have_mrtd = r == 0;
	return 0;
}

static int create_td(struct tdboot *tb)
{
	struct tdx_caps_check *check;
	size_t i;
	int r;

	r = tdx_vm_new(tb->ctx, NULL, &tb->vm);
	if (r)
		return fail(tb, "TD creation", tdx_ctx_get_last_error(tb->ctx), r);
	/*
	 * Without --attributes, cfg.attributes stays 0: libtdx's default,
	 * SEPT_VE_DISABLE when the module offers it, as QEMU's tdx-guest
	 * (sept-ve-disable=on); a Linux guest panics without it on a module
	 * that does not let the guest disable SEPT #VEs itself
	 * (disable_sept_ve(), arch/x86/coco/tdx/tdx.c).  --attributes sets
	 * TDX_TD_CONFIG_EXACT_ATTRIBUTES.
	 */
	r = tdx_caps_check_config(tdx_vm_get_caps(tb->vm), &tb->opts.cfg, &check);
	if (r < 0)
		return fail(tb, "configuration", NULL, r);
	if (r > 0) {
		fprintf(stderr, "tdboot: the requested TD configuration is not supported:\n");
		for (i = 0; i < tdx_caps_check_problem_count(check); i++)
			fprintf(stderr, "  %s\n", tdx_caps_check_get_problem(check, i));
		fail_msg(tb, "configuration", tdx_caps_check_get_problem(check, 0));
		tdx_caps_check_free(check);
		return 1;
	}
	tdx_caps_check_free(check);
	tb->opts.cfg.vcpus = tb->opts.vcpus;	/* the CPUID topology */
	r = tdx_vm_init(tb->vm, &tb->opts.cfg);
	if (r)
		return fail(tb, "KVM_TDX_INIT_VM", tdx_vm_get_last_error(tb->vm), r);
	if (tb->opts.vcpus > tdx_vm_get_max_vcpus(tb->vm)) {
		fprintf(stderr, "tdboot: %u vCPUs requested, the TD allows %u\n",
			tb->opts.vcpus, tdx_vm_get_max_vcpus(tb->vm));
		return fail(tb, "vCPUs", NULL, -EINVAL);
	}
	return 0;
}

static int memory_and_vcpus(struct tdboot *tb)
{
	unsigned int i;
	int r;

	r = tdx_mem_new(tb->vm, NULL, &tb->mem);
	if (r)
		return fail(tb, "memory", tdx_vm_get_last_error(tb->vm), r);
	r = tdx_mem_add_layout(tb->mem, tb->layout);
	if (r)
		return fail(tb, "memory regions", tdx_mem_get_last_error(tb->mem), r);
	for (i = 0; i < tb->opts.vcpus; i++) {
		r = tdx_vcpu_new(tb->vm, i, &tb->vcpus[i]);
		if (r)
			return fail(tb, "vCPU creation", tdx_vm_get_last_error(tb->vm), r);
		r = tdx_vcpu_init(tb->vcpus[i], tb->hob_gpa);
		if (r)
			return fail(tb, "vCPU init", tdx_vcpu_get_last_error(tb->vcpus[i]), r);
	}
	return 0;
}

/* attest callbacks: guest buffers must be shared RAM; notify by MSI. */
static void *attest_map(void *ud, uint64_t gpa, uint64_t len)
{
	struct tdboot *tb = ud;
	void *p;

	if (tdx_mem_is_private(tb->mem, gpa, len) != 0 ||
	    tdx_mem_get_host_addr(tb->mem, gpa, len, &p))
		return NULL;
	return p;
}

static int attest_notify(void *ud, uint32_t vector, uint32_t apic_id)
{
	struct tdboot *tb = ud;
	struct kvm_msi msi;
	int r;

	memset(&msi, 0, sizeof(msi));
	r = tdx_attest_notify_msi(vector, apic_id, &msi.address_lo,
				  &msi.address_hi, &msi.data);
	if (r)
		return r;
	return ioctl(tdx_vm_get_fd(tb->vm), KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}

static int attestation(struct tdboot *tb)
{
	struct tdx_attest_opts ao = TDX_OPTS(tdx_attest_opts);
	struct tdx_tdvmcallinfo info;
	int r;

	tdx_caps_get_tdvmcallinfo(tdx_vm_get_caps(tb->vm), &info);
	ao.qgs = tb->opts.qgs;
	ao.tdvmcallinfo = &info;
	ao.map = attest_map;
	ao.notify = attest_notify;
	ao.userdata = tb;
	r = tdx_attest_new(tb->ctx, &ao, &tb->attest);
	if (r)
		return fail(tb, "attestation (--qgs)", tdx_ctx_get_last_error(tb->ctx), r);
	return 0;
}

static void cpuid_report(struct tdboot *tb)
{
	struct tdx_cpuid_diff d[64];
	static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
	int n, i;

	n = tdx_vcpu_compare_cpuid(tb->vcpus[0], d, 64);
	if (n <= 0 || tb->opts.quiet)
		return;
	printf("CPUID: %d difference(s) between the configuration and the TD:\n", n);
	for (i = 0; i < n && i < 64; i++)
		printf("  leaf 0x%x.%u %s bits 0x%08x: %s\n", d[i].function, d[i].index,
		       regs[d[i].reg & 3], d[i].bits,
		       d[i].kind == TDX_CPUID_REQUESTED_NOT_SUPPORTED ?
		       "requested but not supported" : "forced on by TDX");
}

static int load(struct tdboot *tb)
{
	int r;

	r = tdx_load_plan(tb->mem, tb->plan, tb->vcpus[0], NULL, &tb->res.load);
	if (r)
		return fail(tb, "loading the firmware", tdx_mem_get_last_error(tb->mem), r);
	r = tdx_vm_finalize(tb->vm);
	if (r)
		return fail(tb, "KVM_TDX_FINALIZE_VM", tdx_vm_get_last_error(tb->vm), r);
	return 0;
}

static void cleanup(struct tdboot *tb)
{
	unsigned int i;

	tdx_attest_free(tb->attest);	/* before the guest memory it writes */
	for (i = 0; i < TDBOOT_MAX_VCPUS; i++)
		tdx_vcpu_unref(tb->vcpus[i]);
	tdx_mem_unref(tb->mem);
	tdx_vm_unref(tb->vm);
	tdx_plan_free(tb->plan);
	tdx_layout_free(tb->layout);
	tdx_tdvf_free(tb->tdvf);
	if (tb->kernel)
		munmap(tb->kernel, tb->kernel_len);
	tdx_ctx_unref(tb->ctx);
	devices_destroy(&tb->dev);
	pthread_mutex_destroy(&tb->lock);
}

int main(int argc, char **argv)
{
	static struct tdboot tb;	/* large; zeroed */
	int rc, r;

	if (parse_args(argc, argv, &tb.opts)) {
		usage(stderr);
		return 2;
	}
	pthread_mutex_init(&tb.lock, NULL);
	devices_init(&tb.dev, stdout, NULL);
	r = tdx_ctx_new(tb.opts.device, &tb.ctx);
	if (r) {
		fprintf(stderr, "tdboot: %s\n", strerror(-r));
		return r == -EINVAL ? 2 : 1;
	}
	rc = probe(&tb);
	if (!rc)
		rc = firmware(&tb);
	if (!rc)
		rc = create_td(&tb);
	if (!rc)
		rc = memory_and_vcpus(&tb);
	if (!rc)
		rc = attestation(&tb);
	if (!rc) {
		cpuid_report(&tb);
		rc = load(&tb);
	}
	if (!rc) {
		if (!tb.opts.quiet)
			tdboot_print_launch(&tb);
		rc = tdboot_run(&tb);
	}
	if (tb.mem)
		tdx_mem_get_stats(tb.mem, &tb.res.mem);
	if (!tb.opts.quiet || rc)
		tdboot_print_summary(&tb);
	if (tb.opts.report && tdboot_write_json(&tb, tb.opts.report)) {
		fprintf(stderr, "tdboot: cannot write %s: %s\n", tb.opts.report,
			strerror(errno));
		rc = 1;
	}
	cleanup(&tb);
	return rc;
}
