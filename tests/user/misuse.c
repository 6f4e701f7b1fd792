// SPDX-License-Identifier: MIT
/*
 * Misuse cases an outside user makes, each asserting what the installed
 * headers / man pages promise (the comment or message names the page).
 * Written from <libtdx.h> and the man pages only.  Runs against tdxsim
 * (LD_PRELOAD, simulated host); exit 77 without a TDX host or OVMF.fd.
 *
 * FINDING lines mark where the docs are silent and what happened; they do
 * not fail the run.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libtdx.h>

#define OVMF "/usr/share/ovmf/OVMF.fd"
#define RAM (256ULL << 20)
#define HOLE 0xC0000000ULL /* between RAM and the firmware */

static int ncases, nfail, nfind;

#define CASE(name, cond)                                                     \
	do {                                                                 \
		ncases++;                                                    \
		if (!(cond)) {                                               \
			nfail++;                                             \
			fprintf(stderr, "FAIL line %d: %s: %s\n", __LINE__,  \
				name, #cond);                                \
		}                                                            \
	} while (0)

#define EQ(name, expr, want)                                                 \
	do {                                                                 \
		long long got_ = (long long)(expr), want_ = (long long)(want); \
		ncases++;                                                    \
		if (got_ != want_) {                                         \
			nfail++;                                             \
			fprintf(stderr, "FAIL line %d: %s: %s = %lld, want %lld\n", \
				__LINE__, name, #expr, got_, want_);         \
		}                                                            \
	} while (0)

#define FINDING(...)                                                         \
	do {                                                                 \
		nfind++;                                                     \
		fprintf(stderr, "FINDING: " __VA_ARGS__);                    \
		fputc('\n', stderr);                                         \
	} while (0)

/* A record names errno, a non-empty step and (when given) the field. */
static int rec_is(const struct tdx_error *e, int err, const char *field)
{
	if (!e || tdx_error_get_errno(e) != err || !*tdx_error_get_step(e) ||
	    !*tdx_error_get_message(e))
		goto bad;
	if (field && strcmp(tdx_error_get_field(e), field))
		goto bad;
	return 1;
bad:
	fprintf(stderr, "  record: errno %d step '%s' field '%s' bit %d msg '%s'\n",
		e ? tdx_error_get_errno(e) : 0, e ? tdx_error_get_step(e) : "",
		e ? tdx_error_get_field(e) : "", e ? tdx_error_get_bit(e) : 0,
		e ? tdx_error_get_message(e) : "");
	return 0;
}

/* A copy of a record, to show a call left it alone. */
struct snap {
	int err;
	char msg[256];
};

static struct snap snap_of(const struct tdx_error *e)
{
	struct snap sn = { tdx_error_get_errno(e), "" };

	snprintf(sn.msg, sizeof(sn.msg), "%s", tdx_error_get_message(e));
	return sn;
}

static int snap_same(const struct tdx_error *e, struct snap sn)
{
	return tdx_error_get_errno(e) == sn.err && !strcmp(tdx_error_get_message(e), sn.msg);
}

static int rec_clean(const struct tdx_error *e)
{
	return tdx_error_get_errno(e) == 0 && !*tdx_error_get_step(e) &&
	       !*tdx_error_get_field(e) && tdx_error_get_bit(e) == -1 &&
	       tdx_error_get_hw(e) == 0 && !*tdx_error_get_message(e);
}

struct fix {
	struct tdx_ctx *ctx;
	struct tdx_tdvf *tdvf;
	struct tdx_layout *layout;
	struct tdx_plan *plan;
	uint64_t hob;
};

enum stage { ST_CREATED, ST_INIT, ST_MEM, ST_VCPU, ST_LOADED, ST_FINAL };

struct td {
	struct tdx_vm *vm;
	struct tdx_mem *mem;
	struct tdx_vcpu *vcpu;
};

static struct tdx_td_config base_cfg(void)
{
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);

	cfg.vcpus = 2;
	return cfg;
}

static int td_make(struct fix *f, enum stage st, struct td *t)
{
	struct tdx_td_config cfg = base_cfg();

	memset(t, 0, sizeof(*t));
	if (tdx_vm_new(f->ctx, NULL, &t->vm))
		return -1;
	if (st >= ST_INIT && tdx_vm_init(t->vm, &cfg))
		return -1;
	if (st >= ST_MEM && (tdx_mem_new(t->vm, NULL, &t->mem) ||
			     tdx_mem_add_layout(t->mem, f->layout)))
		return -1;
	if (st >= ST_VCPU && (tdx_vcpu_new(t->vm, 0, &t->vcpu) ||
			      tdx_vcpu_init(t->vcpu, f->hob)))
		return -1;
	if (st >= ST_LOADED && tdx_load_plan(t->mem, f->plan, t->vcpu, NULL, NULL))
		return -1;
	if (st >= ST_FINAL && tdx_vm_finalize(t->vm))
		return -1;
	return 0;
}

static void td_free(struct td *t)
{
	tdx_vcpu_unref(t->vcpu);
	tdx_mem_unref(t->mem);
	tdx_vm_unref(t->vm);
}

/* ---------------------------------------------------------------- */

static void null_args(struct fix *f)
{
	struct tdx_ctx *c = NULL;
	struct tdx_probe *p = NULL;
	struct tdx_layout *l = NULL;
	struct tdx_caps *caps = NULL;
	struct tdx_tdvf_diag d;
	struct tdx_tdvf *tv = NULL;
	char longpath[8192];
	uint64_t m;
	size_t bad = 99;

	/* common.h tdx_ctx_new: -EINVAL (NULL ret_ctx, empty or over-long path) */
	EQ("ctx_new NULL ret", tdx_ctx_new(NULL, NULL), -EINVAL);
	EQ("ctx_new empty path", tdx_ctx_new("", &c), -EINVAL);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = 0;
	EQ("ctx_new over-long path", tdx_ctx_new(longpath, &c), -EINVAL);
	CASE("ctx_new failure leaves ret alone", c == NULL);
	/* probe.h: -EINVAL (NULL argument) */
	EQ("ctx_probe NULL ctx", tdx_ctx_probe(NULL, &p), -EINVAL);
	EQ("ctx_probe NULL ret", tdx_ctx_probe(f->ctx, NULL), -EINVAL);
	/* vm.h/mem.h/vcpu.h NULLs */
	EQ("mem_new NULL vm", tdx_mem_new(NULL, NULL, NULL), -EINVAL);
	EQ("mem_convert_ex NULL mem", tdx_mem_convert_ex(NULL, 0, 4096, 0), -EINVAL);
	EQ("mem_get_last_reject NULL", tdx_mem_get_last_reject(NULL, NULL), -EINVAL);
	EQ("mem_get_stats NULL", tdx_mem_get_stats(NULL, NULL), -EINVAL);
	EQ("mem_get_region NULL", tdx_mem_get_region(NULL, 0, NULL), -EINVAL);
	EQ("mem_get_host_addr NULL", tdx_mem_get_host_addr(NULL, 0, 1, NULL), -EINVAL);
	EQ("mem_get_gmem NULL", tdx_mem_get_gmem(NULL, 0, NULL, NULL), -EINVAL);
	EQ("mem_region_count NULL", tdx_mem_region_count(NULL), 0);
	EQ("mem_is_private NULL", tdx_mem_is_private(NULL, 0, 4096), -EINVAL);
	EQ("mem_add_layout NULL", tdx_mem_add_layout(NULL, f->layout), -EINVAL);
	EQ("vcpu_kick NULL", tdx_vcpu_kick(NULL), -EINVAL);
	EQ("vcpu_convert NULL", tdx_vcpu_convert(NULL, NULL, NULL), -EINVAL);
	/* tdvf.h: -EINVAL (NULL path or ret_tdvf); diag always filled */
	EQ("tdvf_open NULL path", tdx_tdvf_open(NULL, NULL, &d, &tv), -EINVAL);
	EQ("tdvf_open NULL path diag", d.code, TDX_TDVF_E_ARGUMENT);
	EQ("tdvf_open NULL ret", tdx_tdvf_open(OVMF, NULL, &d, NULL), -EINVAL);
	EQ("tdvf_parse NULL buf", tdx_tdvf_parse(NULL, 4096, NULL, &d, &tv), -EINVAL);
	EQ("tdvf_get_section NULL", tdx_tdvf_get_section(NULL, 0, NULL), -EINVAL);
	EQ("tdvf_get_section range",
	   tdx_tdvf_get_section(f->tdvf, tdx_tdvf_section_count(f->tdvf),
				&(struct tdx_tdvf_section){ 0 }), -ERANGE);
	EQ("tdvf_find_section none",
	   tdx_tdvf_find_section(f->tdvf, 99, 0, &(size_t){ 0 }), -ENOENT);
	/* layout.h */
	EQ("layout_new_q35 NULL ret", tdx_layout_new_q35(RAM, 0, NULL, NULL), -EINVAL);
	EQ("layout_new_q35 size 0", tdx_layout_new_q35(0, 0, NULL, &l), -EINVAL);
	EQ("layout_new_q35 misaligned", tdx_layout_new_q35(RAM + 1, 0, NULL, &l), -EINVAL);
	EQ("layout_new_q35 fw > 4G", tdx_layout_new_q35(RAM, 8ULL << 30, NULL, &l), -EINVAL);
	EQ("layout_new NULL", tdx_layout_new(NULL, 1, NULL, &l), -EINVAL);
	EQ("layout_new count 0",
	   tdx_layout_new(&(struct tdx_layout_range){ 0, 4096, TDX_LAYOUT_RAM, 0 }, 0,
			  NULL, &l), -EINVAL);
	{
		struct tdx_layout_range r[2] = {
			{ 0, 8192, TDX_LAYOUT_RAM, 0 },
			{ 4096, 4096, TDX_LAYOUT_RAM, 0 },
		};
		EQ("layout_new overlap", tdx_layout_new(r, 2, &bad, &l), -EINVAL);
		EQ("layout_new overlap bad_index", bad, 1);
		r[1].gpa = 8192;
		r[1].kind = 7;
		EQ("layout_new bad kind", tdx_layout_new(r, 2, &bad, &l), -EINVAL);
		r[1].kind = TDX_LAYOUT_RAM;
		r[1].reserved = 1;
		EQ("layout_new reserved", tdx_layout_new(r, 2, &bad, &l), -EINVAL);
		EQ("layout_new too many", tdx_layout_new(r, TDX_LAYOUT_MAX_RANGES + 1, NULL, &l),
		   -E2BIG);
	}
	EQ("layout_get_range NULL", tdx_layout_get_range(NULL, 0, NULL), -EINVAL);
	EQ("layout_get_range range",
	   tdx_layout_get_range(f->layout, 99, &(struct tdx_layout_range){ 0 }), -ERANGE);
	CASE("layout failures leave ret alone", l == NULL);
	/* plan.h */
	EQ("plan_new NULL tdvf", tdx_plan_new(NULL, NULL, NULL, &(struct tdx_plan *){ 0 }),
	   -EINVAL);
	EQ("plan_get_hob_gpa NULL", tdx_plan_get_hob_gpa(NULL, &m), -EINVAL);
	EQ("plan_get_op range",
	   tdx_plan_get_op(f->plan, 999, &(struct tdx_plan_op){ 0 }), -ERANGE);
	/* caps.h */
	EQ("caps_check_config NULL caps", tdx_caps_check_config(NULL, NULL, NULL), -EINVAL);
	EQ("caps_new_from_values NULL cpuid with count",
	   tdx_caps_new_from_values(0, 3, NULL, NULL, 3, &caps), -EINVAL);
	{
		struct tdx_cpuid_entry e[2] = { { .function = 7 }, { .function = 7 } };
		EQ("caps_new_from_values duplicate",
		   tdx_caps_new_from_values(0, 3, NULL, e, 2, &caps), -EINVAL);
	}
	{
		static struct tdx_cpuid_entry many[257];
		for (int i = 0; i < 257; i++)
			many[i].function = 0x40000000u + i;
		EQ("caps_new_from_values > 256",
		   tdx_caps_new_from_values(0, 3, NULL, many, 257, &caps), -EINVAL);
	}
	CASE("caps failures leave ret alone", caps == NULL);
	EQ("attrs_parse bogus", tdx_attrs_parse("sept-ve-disable,bogus", &m, &bad), -EINVAL);
	EQ("attrs_parse bad offset", bad, 16);
	EQ("attrs_parse empty word", tdx_attrs_parse("debug,,perfmon", &m, NULL), -EINVAL);
	EQ("xfam_parse bogus", tdx_xfam_parse("avx,nope", &m, &bad), -EINVAL);
	CASE("attrs_format length with NULL buf", tdx_attrs_format(TDX_ATTR_DEBUG, NULL, 0) ==
						       (int)strlen("debug"));
	/* attest.h */
	EQ("attest_new NULL opts", tdx_attest_new(NULL, NULL, &(struct tdx_attest *){ 0 }),
	   -EINVAL);
	EQ("attest_notify_msi vector 5", tdx_attest_notify_msi(5, 0, &(uint32_t){ 0 },
							      &(uint32_t){ 0 },
							      &(uint32_t){ 0 }), -EINVAL);
	EQ("attest_get_quote NULL", tdx_attest_get_quote(NULL, 0, 4096, NULL), -EINVAL);
	EQ("attest_get_stats NULL", tdx_attest_get_stats(NULL, NULL), -EINVAL);
	/* unknown values of the name helpers */
	CASE("exit_type_name unknown", !strcmp(tdx_exit_type_name(999), "unknown"));
	CASE("vm_type_name unknown", tdx_vm_type_name(99) == NULL);
	CASE("mem_rule_name unknown", !strcmp(tdx_mem_rule_name(99), "?"));
	CASE("tdvf_code_name unknown", tdx_tdvf_code_name(9999) == NULL);
	CASE("tdvf_strerror unknown", !strcmp(tdx_tdvf_strerror(9999), "unknown TDVF code"));
	CASE("layout_kind_name unknown", tdx_layout_kind_name(9) == NULL);
	CASE("feature_name unknown", tdx_feature_name(TDX_FEATURE_COUNT) == NULL);
	CASE("plan_source_name unknown", tdx_plan_source_name(99) == NULL);
	CASE("quote_status_name unknown", tdx_quote_status_name(5) == NULL);
	CASE("attr_name unnamed", tdx_attr_name(1) == NULL);
	CASE("tdvf_section_type_name unknown", tdx_tdvf_section_type_name(7) == NULL);
	/* freeing NULL (libtdx(7): unref accepts NULL and returns NULL; _free accepts NULL) */
	CASE("ctx_unref NULL", tdx_ctx_unref(NULL) == NULL);
	CASE("vm_unref NULL", tdx_vm_unref(NULL) == NULL);
	CASE("vcpu_unref NULL", tdx_vcpu_unref(NULL) == NULL);
	CASE("mem_unref NULL", tdx_mem_unref(NULL) == NULL);
	CASE("vm_ref NULL", tdx_vm_ref(NULL) == NULL);
	CASE("vcpu_ref NULL", tdx_vcpu_ref(NULL) == NULL);
	tdx_probe_free(NULL);
	tdx_tdvf_free(NULL);
	tdx_layout_free(NULL);
	tdx_plan_free(NULL);
	tdx_caps_free(NULL);
	tdx_caps_check_free(NULL);
	tdx_attest_free(NULL);
	tdx_measurement_free(NULL);
	CASE("every _free(NULL) returned", 1 + 0 * ncases);
}

/* ---------------------------------------------------------------- */

static void opts_cases(struct fix *f)
{
	const struct tdx_error *ce = tdx_ctx_get_last_error(f->ctx);
	struct tdx_vm *vm = NULL;
	struct tdx_tdvf *tv = NULL;
	struct tdx_tdvf_diag d;
	struct tdx_layout *l = NULL;
	struct tdx_plan *plan = NULL;
	struct {
		struct tdx_vm_opts o;
		uint64_t tail[4];
	} big;

	struct tdx_vm_opts vo = TDX_OPTS(tdx_vm_opts);
	vo.sz = 0;
	EQ("vm_new sz 0", tdx_vm_new(f->ctx, &vo, &vm), -EINVAL);
	/* common.h: message "sz is 0: declare the struct with TDX_OPTS()" */
	CASE("vm_new sz 0 message", strstr(tdx_error_get_message(ce), "TDX_OPTS()") != NULL);
	CASE("vm_new sz 0 on ctx record", rec_is(ce, -EINVAL, NULL));

	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.tail[2] = 0xdead;
	EQ("vm_new too big, garbage tail", tdx_vm_new(f->ctx, &big.o, &vm), -EINVAL);
	big.tail[2] = 0;
	EQ("vm_new too big, zero tail", tdx_vm_new(f->ctx, &big.o, &vm), 0);
	vm = tdx_vm_unref(vm);

	vo = TDX_OPTS(tdx_vm_opts);
	vo.kick_signal = SIGKILL;
	{
		int r = tdx_vm_new(f->ctx, &vo, &vm);
		/* vm.h lists the allowed kick signals; the result for another is not stated. */
		if (r != -EINVAL)
			FINDING("tdx_vm_new(kick_signal = SIGKILL) returned %d; vm.h lists the "
				"allowed signals but not the error for another", r);
		CASE("vm_new SIGKILL kick signal refused", r < 0);
		vm = tdx_vm_unref(vm);
	}
	vo = TDX_OPTS(tdx_vm_opts);
	vo.sz = sizeof(size_t) + 2; /* an older, shorter struct: read what sz covers */
	vo.ioapic_pins = 0xffff;    /* not covered: must not be read */
	EQ("vm_new shorter sz", tdx_vm_new(f->ctx, &vo, &vm), 0);
	vm = tdx_vm_unref(vm);
	vo = TDX_OPTS(tdx_vm_opts);
	vo.ioapic_pins = 0xffff;
	CASE("vm_new absurd ioapic_pins refused", tdx_vm_new(f->ctx, &vo, &vm) < 0);
	vm = tdx_vm_unref(vm);

	/* tdvf opts */
	struct tdx_tdvf_opts to = TDX_OPTS(tdx_tdvf_opts);
	to.sz = 0;
	EQ("tdvf_open sz 0", tdx_tdvf_open(OVMF, &to, &d, &tv), -EINVAL);
	EQ("tdvf_open sz 0 diag", d.code, TDX_TDVF_E_ARGUMENT);
	to = TDX_OPTS(tdx_tdvf_opts);
	to.reserved = 1;
	EQ("tdvf_open reserved", tdx_tdvf_open(OVMF, &to, &d, &tv), -EINVAL);
	to = TDX_OPTS(tdx_tdvf_opts);
	to.flags = 1ull << 40;
	EQ("tdvf_open unknown flag", tdx_tdvf_open(OVMF, &to, &d, &tv), -EINVAL);
	EQ("tdvf_open unknown flag diag", d.code, TDX_TDVF_E_ARGUMENT);
	to = TDX_OPTS(tdx_tdvf_opts);
	to.gpaw = 50;
	{
		int r = tdx_tdvf_open(OVMF, &to, &d, &tv);
		if (r != -EINVAL)
			FINDING("tdx_tdvf_open with gpaw 50 returned %d (tdvf.h: gpaw 48 or 52)", r);
		tdx_tdvf_free(tv);
		tv = NULL;
	}
	CASE("tdvf failures leave ret alone", tv == NULL);

	/* layout opts */
	struct tdx_layout_opts lo = TDX_OPTS(tdx_layout_opts);
	lo.sz = 0;
	EQ("layout_new_q35 sz 0", tdx_layout_new_q35(RAM, 0, &lo, &l), -EINVAL);
	lo = TDX_OPTS(tdx_layout_opts);
	lo.max_ram_below_4g = 12345;
	EQ("layout_new_q35 unaligned max_ram_below_4g", tdx_layout_new_q35(RAM, 0, &lo, &l),
	   -EINVAL);

	/* plan opts */
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	po.sz = 0;
	EQ("plan_new sz 0", tdx_plan_new(f->ctx, f->tdvf, &po, &plan), -EINVAL);
	CASE("plan_new sz 0 on ctx record", rec_is(ce, -EINVAL, NULL));
	po = TDX_OPTS(tdx_plan_opts);
	po.hob_len = 16; /* NULL pointer with a length */
	EQ("plan_new NULL hob with length", tdx_plan_new(f->ctx, f->tdvf, &po, &plan), -EINVAL);
	po = TDX_OPTS(tdx_plan_opts);
	po.payload = "x";
	po.payload_len = 1;
	EQ("plan_new payload without section", tdx_plan_new(f->ctx, f->tdvf, &po, &plan),
	   -EINVAL);
	CASE("plan_new payload names field", rec_is(ce, -EINVAL, "payload"));
	{
		/* a layout too small for the TD_HOB/TempMem sections */
		struct tdx_layout *tiny = NULL;
		tdx_layout_new_q35(1ULL << 20, tdx_tdvf_get_image_size(f->tdvf), NULL, &tiny);
		po = TDX_OPTS(tdx_plan_opts);
		po.layout = tiny;
		EQ("plan_new layout without the sections",
		   tdx_plan_new(f->ctx, f->tdvf, &po, &plan), -EINVAL);
		CASE("plan_new layout field", rec_is(ce, -EINVAL, "layout"));
		tdx_layout_free(tiny);
	}
	CASE("plan failures leave ret alone", plan == NULL);

	/* attest opts */
	struct tdx_attest *att = NULL;
	struct tdx_attest_opts ao = TDX_OPTS(tdx_attest_opts);
	EQ("attest_new without map", tdx_attest_new(f->ctx, &ao, &att), -EINVAL);
	ao.map = (tdx_attest_map_fn)(void (*)(void))abort; /* never called */
	ao.reserved = 1;
	EQ("attest_new reserved", tdx_attest_new(f->ctx, &ao, &att), -EINVAL);
	ao.reserved = 0;
	ao.qgs = "tcp:1.2.3.4:99";
	EQ("attest_new bad address", tdx_attest_new(f->ctx, &ao, &att), -EINVAL);
	CASE("attest_new failure on ctx record", rec_is(ce, -EINVAL, NULL));
	ao.qgs = NULL;
	ao.max_buffer_size = 5000;
	EQ("attest_new buffer not 4K multiple", tdx_attest_new(f->ctx, &ao, &att), -EINVAL);
	ao.max_buffer_size = 0;
	ao.mode = 7;
	EQ("attest_new unknown mode", tdx_attest_new(f->ctx, &ao, &att), -EINVAL);
	CASE("attest failures leave ret alone", att == NULL);
}

/* ---------------------------------------------------------------- */

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		perror(path);
	if (fd >= 0)
		close(fd);
}

static void firmware_cases(struct fix *f, const char *dir)
{
	struct tdx_tdvf *tv = NULL;
	struct tdx_tdvf_diag d;
	char path[512];
	const uint8_t *img = tdx_tdvf_get_image(f->tdvf);
	size_t len = tdx_tdvf_get_image_size(f->tdvf);
	uint64_t doff = tdx_tdvf_get_descriptor_offset(f->tdvf);
	uint8_t *copy = malloc(len);

	if (!copy)
		return;
	EQ("tdvf_open missing file", tdx_tdvf_open("/nonexistent/OVMF.fd", NULL, &d, &tv),
	   -ENOENT);
	EQ("tdvf_open missing file diag", d.code, TDX_TDVF_E_IO);
	EQ("tdvf_open missing file diag err", d.err, -ENOENT);
	EQ("tdvf_open directory", tdx_tdvf_open(dir, NULL, &d, &tv), -EINVAL);
	EQ("tdvf_open directory diag", d.code, TDX_TDVF_E_IO);
	EQ("tdvf_open /dev/null", tdx_tdvf_open("/dev/null", NULL, &d, &tv), -EINVAL);
	EQ("tdvf_open /dev/null diag", d.code, TDX_TDVF_E_IO);

	snprintf(path, sizeof(path), "%s/fifo", dir);
	if (mkfifo(path, 0600) == 0) {
		alarm(10); /* tdvf.h: a FIFO never blocks the call */
		EQ("tdvf_open FIFO", tdx_tdvf_open(path, NULL, &d, &tv), -EINVAL);
		EQ("tdvf_open FIFO diag", d.code, TDX_TDVF_E_IO);
		alarm(0);
	}
	snprintf(path, sizeof(path), "%s/empty", dir);
	write_file(path, "", 0);
	EQ("tdvf_open empty", tdx_tdvf_open(path, NULL, &d, &tv), -EINVAL);
	EQ("tdvf_open empty diag", d.code, TDX_TDVF_E_IMAGE_SIZE);

	snprintf(path, sizeof(path), "%s/truncated", dir);
	write_file(path, img, len / 2);
	EQ("tdvf_open truncated (no footer)", tdx_tdvf_open(path, NULL, &d, &tv), -ENOMSG);
	EQ("tdvf_open truncated diag", d.code, TDX_TDVF_E_NO_FOOTER);

	memset(copy, 0, 65536);
	snprintf(path, sizeof(path), "%s/zeros", dir);
	write_file(path, copy, 65536);
	EQ("tdvf_open non-TDVF", tdx_tdvf_open(path, NULL, &d, &tv), -ENOMSG);
	EQ("tdvf_open non-TDVF diag", d.code, TDX_TDVF_E_NO_FOOTER);

	memcpy(copy, img, len);
	copy[doff] ^= 0xff; /* "TDVF" signature */
	snprintf(path, sizeof(path), "%s/badsig", dir);
	write_file(path, copy, len);
	EQ("tdvf_open bad signature", tdx_tdvf_open(path, NULL, &d, &tv), -EINVAL);
	EQ("tdvf_open bad signature diag", d.code, TDX_TDVF_E_SIGNATURE);
	CASE("tdvf diag err matches", d.err == -EINVAL && d.message[0]);

	memcpy(copy, img, len);
	copy[doff + 8] = 9; /* Version (after "TDVF" and Length) */
	EQ("tdx_tdvf_parse bad version", tdx_tdvf_parse(copy, len, NULL, &d, &tv), -EINVAL);
	EQ("tdx_tdvf_parse bad version diag", d.code, TDX_TDVF_E_VERSION);
	EQ("tdx_tdvf_parse bad version offset", d.offset, doff + 8);

	memcpy(copy, img, len);
	copy[doff + 12] = 1; /* NumberOfSectionEntries */
	copy[doff + 13] = copy[doff + 14] = copy[doff + 15] = 0;
	EQ("tdx_tdvf_parse 1 section", tdx_tdvf_parse(copy, len, NULL, &d, &tv), -EINVAL);
	EQ("tdx_tdvf_parse 1 section diag", d.code, TDX_TDVF_E_SECTION_COUNT);

	EQ("tdvf_parse too small", tdx_tdvf_parse(img, 100, NULL, &d, &tv), -EINVAL);
	EQ("tdvf_parse too small diag", d.code, TDX_TDVF_E_IMAGE_SIZE);
	CASE("tdvf failures leave ret alone", tv == NULL);
	free(copy);
}

/* ---------------------------------------------------------------- */

static void config_cases(struct fix *f)
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

/* ---------------------------------------------------------------- */

static void order_cases(struct fix *f)
{
	struct td t, t2;
	struct tdx_vcpu *v2 = NULL, *v3 = NULL;
	struct tdx_td_config cfg = base_cfg();
	const struct tdx_error *ve, *cpe, *me;
	struct tdx_exit ex;
	struct tdx_mem_reject rj;
	struct tdx_mem_stats st;
	struct tdx_mem_region_opts ro = TDX_OPTS(tdx_mem_region_opts);
	struct tdx_mem_opts mo = TDX_OPTS(tdx_mem_opts);
	struct tdx_load_opts lo = TDX_OPTS(tdx_load_opts);
	struct tdx_mem *m2 = NULL;
	void *hva;
	int fd;
	uint64_t off;

	if (td_make(f, ST_CREATED, &t)) {
		CASE("td_make", 0);
		return;
	}
	ve = tdx_vm_get_last_error(t.vm);
	CASE("fresh VM record is clean", rec_clean(ve));
	/* vm.h: finalize before init -EINVAL, step in the record */
	EQ("finalize before init", tdx_vm_finalize(t.vm), -EINVAL);
	CASE("finalize before init record", rec_is(ve, -EINVAL, NULL));
	/* vcpu.h: vCPU before init -EINVAL, on the VM's record */
	EQ("vcpu_new before init", tdx_vcpu_new(t.vm, 0, &v2), -EINVAL);
	CASE("vcpu_new before init record", rec_is(ve, -EINVAL, NULL));
	mo.reserved = 1;
	EQ("mem_new reserved opts", tdx_mem_new(t.vm, &mo, &m2), -EINVAL);
	CASE("mem_new failure on VM record", rec_is(ve, -EINVAL, NULL));
	EQ("mem_new NULL ret", tdx_mem_new(t.vm, NULL, NULL), -EINVAL);

	EQ("vm_init", tdx_vm_init(t.vm, &cfg), 0);
	EQ("init twice", tdx_vm_init(t.vm, &cfg), -EALREADY);
	EQ("vcpu_new id out of range", tdx_vcpu_new(t.vm, 1u << 30, &v2), -EINVAL);
	CASE("vcpu_new id field", rec_is(ve, -EINVAL, "id"));
	EQ("vcpu_new NULL ret", tdx_vcpu_new(t.vm, 0, NULL), -EINVAL);

	EQ("mem_new", tdx_mem_new(t.vm, NULL, &t.mem), 0);
	me = tdx_mem_get_last_error(t.mem);
	CASE("fresh mem record is clean", rec_clean(me));
	EQ("mem_get_last_reject none yet", tdx_mem_get_last_reject(t.mem, &rj), -ENOENT);
	EQ("mem_add_layout", tdx_mem_add_layout(t.mem, f->layout), 0);
	EQ("mem_add_layout again (overlap)", tdx_mem_add_layout(t.mem, f->layout), -EEXIST);
	CASE("mem_add_layout overlap record", rec_is(me, -EEXIST, NULL));
	/* mem.h tdx_mem_add_region validation */
	EQ("add_region size 0", tdx_mem_add_region(t.mem, 1ULL << 40, 0, NULL, NULL), -EINVAL);
	CASE("add_region size 0 step validate",
	     rec_is(me, -EINVAL, NULL) && !strcmp(tdx_error_get_step(me), "validate"));
	EQ("add_region unaligned gpa",
	   tdx_mem_add_region(t.mem, (1ULL << 40) + 1, 4096, NULL, NULL), -EINVAL);
	EQ("add_region unaligned size",
	   tdx_mem_add_region(t.mem, 1ULL << 40, 4097, NULL, NULL), -EINVAL);
	EQ("add_region wrap",
	   tdx_mem_add_region(t.mem, ~0xfffULL, 8192, NULL, NULL), -EINVAL);
	EQ("add_region reaching shared bit",
	   tdx_mem_add_region(t.mem, (1ULL << 47) - 4096, 8192, NULL, NULL), -EINVAL);
	EQ("add_region overlap", tdx_mem_add_region(t.mem, 0, 4096, NULL, NULL), -EEXIST);
	ro.flags = TDX_MEM_REGION_READONLY;
	EQ("add_region read-only", tdx_mem_add_region(t.mem, 1ULL << 40, 4096, &ro, NULL),
	   -EINVAL);
	ro.flags = 1u << 20;
	EQ("add_region unknown flag", tdx_mem_add_region(t.mem, 1ULL << 40, 4096, &ro, NULL),
	   -EINVAL);
	ro.flags = TDX_MEM_REGION_MEMFD;
	ro.host_addr = &ro;
	EQ("add_region memfd + host_addr",
	   tdx_mem_add_region(t.mem, 1ULL << 40, 4096, &ro, NULL), -EINVAL);
	ro = TDX_OPTS(tdx_mem_region_opts);
	ro.flags = TDX_MEM_REGION_FIXED_SLOT;
	ro.slot = 0;
	EQ("add_region fixed slot in use",
	   tdx_mem_add_region(t.mem, 1ULL << 40, 4096, &ro, NULL), -EEXIST);
	ro.sz = 0;
	EQ("add_region opts sz 0", tdx_mem_add_region(t.mem, 1ULL << 40, 4096, &ro, NULL),
	   -EINVAL);
	{
		/* accessors (const handle) record nothing */
		struct snap sn = snap_of(me);
		EQ("get_host_addr outside RAM", tdx_mem_get_host_addr(t.mem, HOLE, 4096, &hva),
		   -EFAULT);
		EQ("get_gmem outside RAM (accessor)", tdx_mem_get_gmem(t.mem, HOLE, &fd, &off),
		   -EFAULT);
		CASE("mem accessors recorded nothing", snap_same(me, sn));
	}
	EQ("get_host_addr wrap", tdx_mem_get_host_addr(t.mem, ~0ULL, 16, &hva), -EINVAL);
	EQ("get_gmem outside RAM", tdx_mem_get_gmem(t.mem, HOLE, &fd, &off), -EFAULT);
	EQ("is_private size 0", tdx_mem_is_private(t.mem, 0, 0), -EINVAL);
	EQ("is_private beyond 2^52", tdx_mem_is_private(t.mem, 1ULL << 52, 4096), -EINVAL);
	EQ("get_region range", tdx_mem_get_region(t.mem, 99, &(struct tdx_mem_region_info){ 0 }),
	   -ERANGE);

	/* conversion validation (mem.h tdx_mem_convert_ex) */
#define REJ(name, gpa, size, flags, want_err, want_rule)                            \
	do {                                                                        \
		EQ(name, tdx_mem_convert_ex(t.mem, gpa, size, flags), want_err);   \
		CASE(name " rule", tdx_mem_get_last_reject(t.mem, &rj) == 0 &&      \
				       rj.rule == (want_rule) && rj.err == (want_err)); \
		CASE(name " record",                                                \
		     rec_is(me, want_err, tdx_mem_rule_name(want_rule)) &&          \
		     !strcmp(tdx_error_get_step(me), "validate"));                  \
	} while (0)
	REJ("convert unknown flag", 0, 4096, 1u << 9, -EINVAL, TDX_MEM_RULE_FLAGS);
	REJ("convert holes+private", 0, 4096,
	    TDX_MEM_CONVERT_ALLOW_HOLES | TDX_MEM_CONVERT_PRIVATE, -EINVAL, TDX_MEM_RULE_FLAGS);
	REJ("convert size 0", 0, 0, 0, -EINVAL, TDX_MEM_RULE_SIZE_ZERO);
	REJ("convert unaligned gpa", 0x1001, 4096, 0, -EINVAL, TDX_MEM_RULE_ALIGN);
	REJ("convert unaligned size", 0x1000, 100, 0, -EINVAL, TDX_MEM_RULE_ALIGN);
	REJ("convert wrap", ~0xfffULL, 8192, 0, -EINVAL, TDX_MEM_RULE_WRAP);
	REJ("convert shared bit set", (1ULL << 47) | 0x1000, 4096, 0, -EINVAL,
	    TDX_MEM_RULE_SHARED_BIT);
	REJ("convert to private outside RAM", HOLE, 4096, TDX_MEM_CONVERT_PRIVATE, -EFAULT,
	    TDX_MEM_RULE_NOT_RAM);
	REJ("convert straddling RAM end", RAM - 4096, 8192, 0, -EINVAL, TDX_MEM_RULE_STRADDLE);
	EQ("stats", tdx_mem_get_stats(t.mem, &st), 0);
	EQ("stats.rejected counts them", st.rejected, 9);
	EQ("convert to shared in a hole is a no-op", tdx_mem_convert(t.mem, HOLE, 4096, false), 0);
	tdx_mem_get_stats(t.mem, &st);
	EQ("stats.mmio_noops", st.mmio_noops, 1);
	EQ("convert straddle with ALLOW_HOLES",
	   tdx_mem_convert_ex(t.mem, RAM - 4096, 8192, TDX_MEM_CONVERT_ALLOW_HOLES), 0);
	EQ("RAM end now shared", tdx_mem_is_private(t.mem, RAM - 4096, 4096), 0);
	EQ("convert back", tdx_mem_convert(t.mem, RAM - 4096, 4096, true), 0);

	/* vCPUs */
	EQ("vcpu_new", tdx_vcpu_new(t.vm, 0, &t.vcpu), 0);
	ve = tdx_vcpu_get_last_error(t.vcpu);
	CASE("fresh vCPU record is clean", rec_clean(ve));
	EQ("vcpu_new same id", tdx_vcpu_new(t.vm, 0, &v2) < 0, 1);
	EQ("compare_cpuid before vcpu_init", tdx_vcpu_compare_cpuid(t.vcpu, NULL, 0), -EINVAL);
	EQ("run before vcpu_init", tdx_vcpu_run(t.vcpu, &ex), -EINVAL);
	CASE("run before init record", rec_is(ve, -EINVAL, NULL));
	EQ("load_plan with uninitialised vCPU",
	   tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL), -EINVAL);
	CASE("load_plan failure on mem record", rec_is(me, -EINVAL, NULL));
	EQ("vcpu_init", tdx_vcpu_init(t.vcpu, f->hob), 0);
	EQ("vcpu_init twice", tdx_vcpu_init(t.vcpu, f->hob), -EALREADY);
	{
		struct snap sn = snap_of(ve);
	EQ("get_cpuid range", tdx_vcpu_get_cpuid(t.vcpu, tdx_vcpu_cpuid_count(t.vcpu),
						   &(struct tdx_cpuid_entry){ 0 }), -ERANGE);
		EQ("compare_cpuid (accessor)", tdx_vcpu_compare_cpuid(t.vcpu, NULL, 0) >= 0, 1);
		CASE("vcpu accessors recorded nothing", snap_same(ve, sn));
	}
	EQ("second vcpu", tdx_vcpu_new(t.vm, 1, &v2), 0);
	EQ("third vcpu over cfg.vcpus", tdx_vcpu_new(t.vm, 2, &v3), -EINVAL);
	CASE("vcpus field", rec_is(tdx_vm_get_last_error(t.vm), -EINVAL, "vcpus"));
	EQ("run before finalize", tdx_vcpu_run(t.vcpu, &ex), -EINVAL);
	CASE("run before finalize record", rec_is(ve, -EINVAL, NULL));
	lo.reserved = 1;
	EQ("load_plan reserved opts", tdx_load_plan(t.mem, f->plan, t.vcpu, &lo, NULL), -EINVAL);
	EQ("load_plan NULL plan", tdx_load_plan(t.mem, NULL, t.vcpu, NULL, NULL), -EINVAL);

	/* a vCPU of another TD */
	if (td_make(f, ST_VCPU, &t2) == 0) {
		EQ("load_plan with another TD's vCPU",
		   tdx_load_plan(t.mem, f->plan, t2.vcpu, NULL, NULL), -EINVAL);
		ex = (struct tdx_exit){ .type = TDX_EXIT_MEMORY_FAULT };
		ex.u.convert.gpa = 0;
		ex.u.convert.size = 4096;
		EQ("vcpu_convert with another TD's mem", tdx_vcpu_convert(t.vcpu, t2.mem, &ex),
		   -EINVAL);
	} else {
		CASE("second TD", 0);
	}
	td_free(&t2);

	{
		/* load.h: a plan range not covered by the regions is -EINVAL */
		struct td t3;
		struct tdx_layout *small = NULL;
		if (tdx_layout_new_q35(4ULL << 20, tdx_tdvf_get_image_size(f->tdvf), NULL,
				       &small) == 0 &&
		    td_make(f, ST_INIT, &t3) == 0 && tdx_mem_new(t3.vm, NULL, &t3.mem) == 0 &&
		    tdx_mem_add_layout(t3.mem, small) == 0 &&
		    tdx_vcpu_new(t3.vm, 0, &t3.vcpu) == 0 && tdx_vcpu_init(t3.vcpu, f->hob) == 0) {
			EQ("load_plan into regions that miss its ranges",
			   tdx_load_plan(t3.mem, f->plan, t3.vcpu, NULL, NULL), -EINVAL);
			CASE("load_plan not-covered record",
			     rec_is(tdx_mem_get_last_error(t3.mem), -EINVAL, "plan"));
		} else {
			CASE("small TD", 0);
		}
		td_free(&t3);
		tdx_layout_free(small);
	}
	EQ("load_plan", tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL), 0);
	EQ("load_plan twice", tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL), -EALREADY);
	{
		struct tdx_plan_op op;
		tdx_plan_get_op(f->plan, 0, &op);
		REJ("to shared over the initial image before finalize", op.gpa, 4096, 0, -EBUSY,
		    TDX_MEM_RULE_INITIAL_IMAGE);
	}

	/* exits the VMM fabricates or answers wrongly */
	ex = (struct tdx_exit){ .type = TDX_EXIT_IO };
	EQ("complete an IO exit", tdx_vcpu_complete(t.vcpu, &ex, 0), -EINVAL);
	CASE("complete failure on vCPU record", rec_is(ve, -EINVAL, NULL));
	EQ("answer_tdvmcall_info on IO exit (record)",
	   tdx_vcpu_answer_tdvmcall_info(t.vcpu, &ex, 0, 0, 0, 0) == -EINVAL &&
	   rec_is(ve, -EINVAL, "exit"), 1);
	EQ("answer_tdvmcall_info on IO exit",
	   tdx_vcpu_answer_tdvmcall_info(t.vcpu, &ex, 0, 0, 0, 0), -EINVAL);
	EQ("vcpu_convert of an IO exit", tdx_vcpu_convert(t.vcpu, t.mem, &ex), -EINVAL);
	EQ("vcpu_convert NULL exit", tdx_vcpu_convert(t.vcpu, t.mem, NULL), -EINVAL);
	EQ("vcpu_convert NULL mem", tdx_vcpu_convert(t.vcpu, NULL, &ex), -EINVAL);
	ex = (struct tdx_exit){ .type = TDX_EXIT_MAP_GPA };
	ex.u.convert.gpa = 0x1000000;
	ex.u.convert.size = 4096;
	/* vcpu.h: the run area no longer holds an exit of that kind: field "exit" */
	EQ("complete a MAP_GPA exit the vCPU is not stopped at",
	   tdx_vcpu_complete(t.vcpu, &ex, TDX_TDVMCALL_SUCCESS), -EINVAL);
	CASE("complete not-pending field", rec_is(ve, -EINVAL, "exit"));

	/* vcpu.h tdx_vcpu_convert: refused memory fault = -EFAULT, step
	 * "memory fault", the rule as field, on the vCPU's record only */
	{
		struct tdx_error_snapshot {
			int err;
			char step[64];
		} before = { tdx_error_get_errno(me), "" };
		snprintf(before.step, sizeof(before.step), "%s", tdx_error_get_step(me));
		ex = (struct tdx_exit){ .type = TDX_EXIT_MEMORY_FAULT };
		ex.u.convert.gpa = HOLE;
		ex.u.convert.size = 4096;
		ex.u.convert.to_private = 1;
		EQ("memory fault to private outside RAM", tdx_vcpu_convert(t.vcpu, t.mem, &ex),
		   -EFAULT);
		CASE("memory fault record", rec_is(ve, -EFAULT, tdx_mem_rule_name(TDX_MEM_RULE_NOT_RAM)) &&
					    !strcmp(tdx_error_get_step(ve), "memory fault"));
		CASE("memory fault message names the GPA",
		     strstr(tdx_error_get_message(ve), "c0000000") != NULL);
		/* common.h: the record of the first handle, and only that one */
		CASE("mem record untouched by vcpu_convert",
		     tdx_error_get_errno(me) == before.err &&
		     !strcmp(tdx_error_get_step(me), before.step));
		CASE("reject still recorded for the mem", tdx_mem_get_last_reject(t.mem, &rj) == 0 &&
							  rj.rule == TDX_MEM_RULE_NOT_RAM);
		ex.u.convert.gpa = 0x1001;
		ex.u.convert.to_private = 0;
		EQ("memory fault unaligned", tdx_vcpu_convert(t.vcpu, t.mem, &ex), -EFAULT);
		CASE("unaligned fault rule", rec_is(ve, -EFAULT, tdx_mem_rule_name(TDX_MEM_RULE_ALIGN)));
		ex.u.convert.gpa = RAM - 4096;
		ex.u.convert.size = 8192;
		EQ("memory fault straddling", tdx_vcpu_convert(t.vcpu, t.mem, &ex), -EFAULT);
		CASE("straddling fault rule",
		     rec_is(ve, -EFAULT, tdx_mem_rule_name(TDX_MEM_RULE_STRADDLE)));
	}
	/* a refused MapGPA is answered to the guest: 0 */
	ex = (struct tdx_exit){ .type = TDX_EXIT_MAP_GPA };
	ex.u.convert.gpa = 0x1000800;
	ex.u.convert.size = 4096;
	EQ("MapGPA unaligned answered INVALID_OPERAND", tdx_vcpu_convert(t.vcpu, t.mem, &ex), 0);
	CASE("MapGPA unaligned rejected", tdx_mem_get_last_reject(t.mem, &rj) == 0 &&
					      rj.rule == TDX_MEM_RULE_ALIGN);
	ex.u.convert.gpa = 0x1000000;
	ex.u.convert.size = UINT64_MAX; /* the guest's count overflowed */
	EQ("MapGPA overflowing size answered", tdx_vcpu_convert(t.vcpu, t.mem, &ex), 0);

	EQ("finalize", tdx_vm_finalize(t.vm), 0);
	EQ("finalize twice", tdx_vm_finalize(t.vm), -EALREADY);
	cpe = tdx_vm_get_last_error(t.vm);
	EQ("init after finalize", tdx_vm_init(t.vm, &cfg), -EALREADY);
	EQ("vcpu_new after finalize", tdx_vcpu_new(t.vm, 1, &v3), -EINVAL);
	CASE("vcpu_new after finalize record", rec_is(cpe, -EINVAL, NULL));
	EQ("vcpu_init after finalize", tdx_vcpu_init(v2, f->hob), -EINVAL);
	CASE("vcpu_init after finalize record", rec_is(tdx_vcpu_get_last_error(v2), -EINVAL, NULL));
	EQ("load_plan after finalize", tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL), -EINVAL);
	EQ("run uninitialised vCPU of a finalised TD", tdx_vcpu_run(v2, &ex), -EINVAL);
	EQ("kick", tdx_vcpu_kick(t.vcpu), 0);
	EQ("kick again before running", tdx_vcpu_kick(t.vcpu), 0);
	EQ("kicked run", tdx_vcpu_run(t.vcpu, &ex), 0);
	EQ("kicked run exit", ex.type, TDX_EXIT_INTR);
	{
		int r = tdx_vcpu_run(t.vcpu, &ex);
		/* vcpu.h: kicks are not counted: several before a run give one INTR */
		CASE("two pending kicks give one TDX_EXIT_INTR", r == 0 && ex.type != TDX_EXIT_INTR);
	}
	/* the guest script (tdvf-early-boot): run to its first MapGPA */
	for (int i = 0; i < 200 && ex.type != TDX_EXIT_MAP_GPA; i++) {
		if (ex.type == TDX_EXIT_GET_TDVMCALL_INFO)
			tdx_vcpu_answer_tdvmcall_info(t.vcpu, &ex, 0, 0, 0, 0);
		if (ex.type == TDX_EXIT_SHUTDOWN || tdx_vcpu_run(t.vcpu, &ex) < 0)
			break;
	}
	if (ex.type == TDX_EXIT_MAP_GPA) {
		/* vcpu.h: only SUCCESS, RETRY, INVALID_OPERAND reach the guest */
		EQ("complete MAP_GPA with GPA_INUSE",
		   tdx_vcpu_complete(t.vcpu, &ex, TDX_TDVMCALL_GPA_INUSE), -EINVAL);
		CASE("complete status field", rec_is(ve, -EINVAL, "status"));
		EQ("complete MAP_GPA with ALIGN_ERROR",
		   tdx_vcpu_complete(t.vcpu, &ex, TDX_TDVMCALL_ALIGN_ERROR), -EINVAL);
		EQ("answer_tdvmcall_info on a MAP_GPA exit",
		   tdx_vcpu_answer_tdvmcall_info(t.vcpu, &ex, 0, 0, 0, 0), -EINVAL);
		EQ("serve the MapGPA", tdx_vcpu_convert(t.vcpu, t.mem, &ex), 0);
		EQ("converted", tdx_mem_is_private(t.mem, ex.u.convert.gpa, ex.u.convert.size), 0);
	} else {
		printf("note: no guest script (TDXSIM_GUEST unset): MapGPA cases skipped\n");
	}
	CASE("order failures leave ret alone", v3 == NULL && m2 == NULL);
	tdx_vcpu_unref(v2);
	td_free(&t);
}

/* ---------------------------------------------------------------- */

/* libtdx(7)/common.h: which record a call writes. */
static void record_cases(struct fix *f)
{
	const struct tdx_error *ce = tdx_ctx_get_last_error(f->ctx);
	struct tdx_caps *caps = NULL;
	struct tdx_td_config cfg = base_cfg();
	struct tdx_vm_opts vo = TDX_OPTS(tdx_vm_opts);
	struct tdx_vm *vm = NULL;
	struct tdx_plan *plan = NULL;
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	char msg[256];

	/* a fresh context has a clean record */
	struct tdx_ctx *c2 = NULL;
	if (tdx_ctx_new(NULL, &c2) == 0) {
		CASE("fresh ctx record is clean", rec_clean(tdx_ctx_get_last_error(c2)));
		tdx_ctx_unref(c2);
	}
	/* tdx_vm_new failing records on the context */
	vo.ioapic_pins = 0;
	vo.sz = 0;
	EQ("vm_new bad opts", tdx_vm_new(f->ctx, &vo, &vm), -EINVAL);
	CASE("vm_new records on ctx", rec_is(ce, -EINVAL, NULL));
	/* tdx_caps_check_config records nothing: the ctx record stays */
	snprintf(msg, sizeof(msg), "%s", tdx_error_get_message(ce));
	if (tdx_caps_query(f->ctx, &caps) == 0) {
		cfg.attributes = TDX_ATTR_DEBUG;
		CASE("check_config fails", tdx_caps_check_config(caps, &cfg, NULL) > 0);
		CASE("check_config recorded nothing", !strcmp(msg, tdx_error_get_message(ce)));
		tdx_caps_free(caps);
	}
	/* tdx_plan_new(ctx, ...) records on ctx with step "plan" */
	po.payload_param = "x";
	po.payload_param_len = 1;
	EQ("plan_new payload_param without section", tdx_plan_new(f->ctx, f->tdvf, &po, &plan),
	   -EINVAL);
	CASE("plan_new step plan", rec_is(ce, -EINVAL, NULL) &&
				   !strcmp(tdx_error_get_step(ce), "plan"));
	/* tdx_measure_plan(ctx, NULL) */
	{
		uint8_t mrtd[TDX_MRTD_SIZE];
		EQ("measure_plan NULL plan", tdx_measure_plan(f->ctx, NULL, NULL, mrtd, NULL),
		   -EINVAL);
		CASE("measure_plan records on ctx", rec_is(ce, -EINVAL, NULL));
	}
	/* tdx_caps_query with a context on a missing device records on it */
	if (tdx_ctx_new("/nonexistent/kvm", &c2) == 0) {
		struct tdx_probe *p = NULL;
		int r = tdx_caps_query(c2, &caps);
		CASE("caps_query on missing device fails", r < 0);
		CASE("caps_query records on ctx", rec_is(tdx_ctx_get_last_error(c2), r, NULL));
		EQ("get_fd on missing device", tdx_ctx_get_fd(c2), -ENOENT);
		/* probe of a missing device is a successful report */
		EQ("probe missing device", tdx_ctx_probe(c2, &p), 0);
		CASE("probe says unsupported", p && !tdx_probe_is_supported(p) &&
					       tdx_probe_reason_count(p) > 0 &&
					       tdx_probe_get_open_errno(p) == -ENOENT &&
					       tdx_probe_get_reason(p, 99) == NULL);
		tdx_probe_free(p);
		tdx_ctx_unref(c2);
	}
}

/* ---------------------------------------------------------------- */

/* After fork(), the child is not the VM's creator. */
static void fork_cases(struct fix *f)
{
	struct td t;
	int st = 0;
	pid_t pid;
	int pipefd[2];

	if (td_make(f, ST_VCPU, &t)) {
		CASE("td_make", 0);
		return;
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		td_free(&t);
		return;
	}
	pid = fork();
	if (pid == 0) {
		/* child: collect results, send them to the parent */
		struct tdx_td_config cfg = base_cfg();
		struct tdx_mem *m = NULL;
		struct tdx_vcpu *v = NULL;
		int r[8];

		r[0] = tdx_mem_new(t.vm, NULL, &m);
		r[1] = tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL);
		r[2] = tdx_vm_init(t.vm, &cfg); /* documented -ECHILD, before -EALREADY? */
		r[3] = tdx_vcpu_new(t.vm, 1, &v);
		r[4] = tdx_vm_finalize(t.vm);
		r[5] = tdx_mem_convert(t.mem, 0x1000000, 4096, false);
		r[6] = tdx_vcpu_kick(t.vcpu); /* vcpu.h: 0 (records nothing, no process check) */
		r[7] = tdx_mem_add_region(t.mem, 1ULL << 40, 4096, NULL, NULL);
		if (write(pipefd[1], r, sizeof(r)) != sizeof(r))
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	if (pid > 0) {
		int r[8];
		static const char *const name[8] = {
			"tdx_mem_new", "tdx_load_plan", "tdx_vm_init", "tdx_vcpu_new",
			"tdx_vm_finalize", "tdx_mem_convert", "tdx_vcpu_kick", "tdx_mem_add_region",
		};
		ssize_t n = read(pipefd[0], r, sizeof(r));
		waitpid(pid, &st, 0);
		CASE("child reported", n == sizeof(r) && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		if (n == sizeof(r)) {
			/* documented: mem.h, load.h, vm.h */
			EQ("fork: tdx_mem_new", r[0], -ECHILD);
			EQ("fork: tdx_load_plan", r[1], -ECHILD);
			EQ("fork: tdx_vcpu_kick", r[6], 0);
			for (int i = 2; i < 8; i++) {
				if (i == 6)
					continue;
				CASE("fork: call fails in the child", r[i] < 0);
				if (r[i] != -ECHILD)
					FINDING("in a fork child %s returned %d (%s), not -ECHILD",
						name[i], r[i], strerror(-r[i]));
			}
		}
	}
	close(pipefd[0]);
	/* the parent's TD still works */
	EQ("parent: load_plan after the child", tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL), 0);
	EQ("parent: finalize", tdx_vm_finalize(t.vm), 0);
	pid = fork();
	if (pid == 0) {
		struct tdx_exit ex;
		int r = tdx_vcpu_run(t.vcpu, &ex);
		_exit(r == -ECHILD ? 0 : r == -EIO ? 5 : r < 0 ? 6 : 7);
	}
	if (pid > 0) {
		waitpid(pid, &st, 0);
		CASE("fork: tdx_vcpu_run fails in the child",
		     WIFEXITED(st) && WEXITSTATUS(st) != 7);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			FINDING("in a fork child tdx_vcpu_run did not return -ECHILD (child "
				"status 0x%x: 5 = -EIO, 6 = another errno)", st);
	}
	td_free(&t);
}

/* ---------------------------------------------------------------- */

static void noop_handler(int sig)
{
	(void)sig;
}

static void more_cases(struct fix *f, const char *dir)
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

/* ---------------------------------------------------------------- */

static void *no_map(void *userdata, uint64_t gpa, uint64_t len)
{
	(void)userdata;
	(void)gpa;
	(void)len;
	return NULL;
}

/* libtdx-attest(3): answers without a QGS; libtdx-vcpu(3): vCPU ids */
static void attest_and_id_cases(struct fix *f)
{
	struct tdx_attest_opts ao = TDX_OPTS(tdx_attest_opts);
	struct tdx_attest *att = NULL;
	struct tdx_attest_answer a;
	struct tdx_exit ex = { .type = TDX_EXIT_IO };
	struct tdx_vcpu *v = NULL, *v2 = NULL;
	uint32_t lo, hi, data;
	uint64_t st;
	struct td t;

	ao.map = no_map;
	if (tdx_attest_new(f->ctx, &ao, &att)) {
		CASE("attest_new", 0);
		return;
	}
	a.status = 77;
	EQ("attest_handle_exit of an IO exit", tdx_attest_handle_exit(att, &ex, 0, &a), -ENOTSUP);
	EQ("attest_handle_exit leaves ret untouched", a.status, 77);
	st = 5;
	EQ("get_quote size 0", tdx_attest_get_quote(att, 0x1000, 0, &st), 0);
	EQ("get_quote size 0 status", st, TDX_TDVMCALL_INVALID_OPERAND);
	EQ("get_quote unaligned", tdx_attest_get_quote(att, 0x1001, 4096, &st), 0);
	EQ("get_quote unaligned status", st, TDX_TDVMCALL_ALIGN_ERROR);
	CASE("get_quote rejection recorded",
	     *tdx_error_get_message(tdx_attest_get_last_error(att)) != 0);
	EQ("get_quote header not mapped", tdx_attest_get_quote(att, 0x1000, 4096, &st), 0);
	EQ("get_quote header not mapped status", st, TDX_TDVMCALL_INVALID_OPERAND);
	EQ("notify vector 300", tdx_attest_setup_event_notify(att, 300, 0, &st), 0);
	EQ("notify vector 300 status", st, TDX_TDVMCALL_INVALID_OPERAND);
	EQ("notify vector 31", tdx_attest_setup_event_notify(att, 31, 0, &st), 0);
	EQ("notify vector 31 status", st, TDX_TDVMCALL_INVALID_OPERAND);
	EQ("tdvmcall_info leaf 2", tdx_attest_answer_tdvmcall_info(att, 2, &a), 0);
	EQ("tdvmcall_info leaf 2 status", a.status, TDX_TDVMCALL_INVALID_OPERAND);
	EQ("tdvmcall_info leaf 1", tdx_attest_answer_tdvmcall_info(att, 1, &a), 0);
	EQ("tdvmcall_info leaf 1 status", a.status, TDX_TDVMCALL_SUCCESS);
	/* NULL tdvmcallinfo: user R11 lists SetupEventNotifyInterrupt (attest.h) */
	EQ("tdvmcall_info leaf 1 r11", a.r11, TDX_TDVMCALLINFO_SETUP_EVENT_NOTIFY);
	EQ("notify_msi", tdx_attest_notify_msi(40, 0x123, &lo, &hi, &data), 0);
	CASE("notify_msi encoding", lo == (0xFEE00000u | (0x23u << 12)) && hi == 0x100 &&
					data == 40);
	CASE("quote_status_name", !strcmp(tdx_quote_status_name(TDX_QUOTE_STATUS_IN_FLIGHT),
					  "in-flight"));
	tdx_attest_free(att);

	if (td_make(f, ST_INIT, &t)) {
		CASE("td_make", 0);
		return;
	}
	/* vcpu.h: ids below KVM_CAP_MAX_VCPU_ID (4096 here), may be sparse */
	EQ("vcpu_new sparse id 4000", tdx_vcpu_new(t.vm, 4000, &v), 0);
	EQ("vcpu id", tdx_vcpu_get_id(v), 4000);
	EQ("vcpu_new id 4096", tdx_vcpu_new(t.vm, 4096, &v2), -EINVAL);
	CASE("vcpu_new id 4096 field", rec_is(tdx_vm_get_last_error(t.vm), -EINVAL, "id"));
	EQ("cpuid_count before vcpu_init", tdx_vcpu_cpuid_count(v), 0);
	CASE("not initialised", !tdx_vcpu_is_initialized(v));
	tdx_vcpu_unref(v);
	td_free(&t);
}

/* ---------------------------------------------------------------- */

/* libtdx-ctx(3) "Error records": the remaining promises */
static void record_rule_cases(struct fix *f, const char *dir)
{
	const struct tdx_error *ce = tdx_ctx_get_last_error(f->ctx);
	struct tdx_ctx *c = NULL;
	struct tdx_td_config cfg = base_cfg();
	uint8_t mrtd[TDX_MRTD_SIZE], mrtd2[TDX_MRTD_SIZE];
	char path[600], dev[300];
	struct td t;

	/* NULL record: errno -EINVAL, bit -1, hw 0, strings "" */
	EQ("error_get_errno(NULL)", tdx_error_get_errno(NULL), -EINVAL);
	EQ("error_get_bit(NULL)", tdx_error_get_bit(NULL), -1);
	EQ("error_get_hw(NULL)", tdx_error_get_hw(NULL), 0);
	CASE("error string accessors of NULL are \"\"",
	     !strcmp(tdx_error_get_step(NULL), "") && !strcmp(tdx_error_get_field(NULL), "") &&
	     !strcmp(tdx_error_get_message(NULL), ""));
	CASE("ctx accessors of NULL", tdx_ctx_get_last_error(NULL) == NULL &&
				      tdx_ctx_get_device(NULL) == NULL);
	EQ("ctx_get_fd(NULL)", tdx_ctx_get_fd(NULL), -EINVAL);
	/* tdx_ctx_new: a device path of 256 bytes or longer is refused */
	memset(dev, 'k', sizeof(dev));
	dev[0] = '/';
	dev[255] = 0;
	EQ("ctx_new 255-byte path", tdx_ctx_new(dev, &c), 0);
	CASE("device kept", c && !strcmp(tdx_ctx_get_device(c), dev));
	/* tdx_ctx_get_fd: open(2)'s errno, step "open" on the context */
	EQ("ctx_get_fd of a missing device", tdx_ctx_get_fd(c), -ENOENT);
	CASE("ctx_get_fd record", rec_is(tdx_ctx_get_last_error(c), -ENOENT, NULL) &&
				  !strcmp(tdx_error_get_step(tdx_ctx_get_last_error(c)), "open"));
	c = tdx_ctx_unref(c);
	dev[256] = 0;
	dev[255] = 'k';
	EQ("ctx_new 256-byte path", tdx_ctx_new(dev, &c), -EINVAL);

	/* tdx_measure_firmware records on the context: a parse failure as
	 * step "tdvf", field the code name */
	snprintf(path, sizeof(path), "%s/empty", dir);
	EQ("measure_firmware of an empty file",
	   tdx_measure_firmware(f->ctx, path, NULL, mrtd, NULL), -EINVAL);
	CASE("measure_firmware record", rec_is(ce, -EINVAL, "E_IMAGE_SIZE") &&
					!strcmp(tdx_error_get_step(ce), "tdvf"));
	EQ("measure_firmware OVMF", tdx_measure_firmware(f->ctx, OVMF, NULL, mrtd, NULL), 0);
	EQ("measure_plan", tdx_measure_plan(f->ctx, f->plan, NULL, mrtd2, NULL), 0);
	/* the HOB of OVMF's TD_HOB section is not measured: same MRTD */
	CASE("measure_firmware = measure_plan", !memcmp(mrtd, mrtd2, sizeof(mrtd)));

	/* "successful calls do not clear it, except tdx_vm_finalize(),
	 * tdx_vcpu_init() ...": a failed then successful tdx_vm_init() keeps it */
	if (td_make(f, ST_CREATED, &t) == 0) {
		const struct tdx_error *ve = tdx_vm_get_last_error(t.vm);
		cfg.gpaw = 50;
		EQ("vm_init bad gpaw", tdx_vm_init(t.vm, &cfg), -EINVAL);
		cfg.gpaw = 0;
		EQ("vm_init", tdx_vm_init(t.vm, &cfg), 0);
		CASE("a success does not clear the VM record", rec_is(ve, -EINVAL, "gpaw"));
		EQ("mem_new", tdx_mem_new(t.vm, NULL, &t.mem), 0);
		EQ("add_layout", tdx_mem_add_layout(t.mem, f->layout), 0);
		EQ("vcpu_new", tdx_vcpu_new(t.vm, 0, &t.vcpu), 0);
		EQ("run before init (fails)", tdx_vcpu_run(t.vcpu, &(struct tdx_exit){ 0 }), -EINVAL);
		EQ("vcpu_init", tdx_vcpu_init(t.vcpu, f->hob), 0);
		CASE("tdx_vcpu_init starts from a clean record",
		     rec_clean(tdx_vcpu_get_last_error(t.vcpu)));
		EQ("load", tdx_load_plan(t.mem, f->plan, t.vcpu, NULL, NULL), 0);
		EQ("finalize", tdx_vm_finalize(t.vm), 0);
		CASE("tdx_vm_finalize starts from a clean record", rec_clean(ve));
	} else {
		CASE("td_make", 0);
	}
	td_free(&t);
}

/* ---------------------------------------------------------------- */

/* libtdx-hob(3) */
static void hob_cases(struct fix *f)
{
	struct tdx_tdvf_diag d;
	struct tdx_hob_opts ho = TDX_OPTS(tdx_hob_opts);
	struct tdx_layout *tiny = NULL;
	uint8_t buf[8192], ref[8];
	size_t len = 0, size = 0;
	int n;

	EQ("hob_get_size", tdx_hob_get_size(f->tdvf, f->layout, NULL, &d, &size), 0);
	CASE("hob size non-zero", size > 0 && size <= sizeof(buf));
	memset(buf, 0xa5, sizeof(buf));
	memcpy(ref, buf, sizeof(ref));
	EQ("hob_build buffer too small", tdx_hob_build(f->tdvf, f->layout, NULL, buf, size - 1,
						       &d, &len), -ENOBUFS);
	EQ("hob_build too small diag", d.code, TDX_TDVF_E_BUFFER_SMALL);
	CASE("hob_build failure leaves buf unchanged", !memcmp(buf, ref, sizeof(ref)));
	ho.sz = 0;
	EQ("hob_build opts sz 0", tdx_hob_build(f->tdvf, f->layout, &ho, buf, sizeof(buf), &d,
						&len), -EINVAL);
	EQ("hob_build NULL layout", tdx_hob_build(f->tdvf, NULL, NULL, buf, sizeof(buf), &d, &len),
	   -EINVAL);
	EQ("hob_build", tdx_hob_build(f->tdvf, f->layout, NULL, buf, sizeof(buf), &d, &len), 0);
	EQ("hob_build length = hob_get_size", len, size);
	CASE("hob_build zeroes the rest", buf[sizeof(buf) - 1] == 0);
	n = tdx_hob_get_memmap(f->tdvf, f->layout, NULL, 0, &d);
	CASE("memmap count", n > 0);
	EQ("memmap NULL out with a cap", tdx_hob_get_memmap(f->tdvf, f->layout, NULL, 4, &d),
	   -EINVAL);
	/* TD_HOB/TempMem must lie in RAM: a 1 MiB layout misses them */
	if (tdx_layout_new_q35(1ULL << 20, tdx_tdvf_get_image_size(f->tdvf), NULL, &tiny) == 0) {
		EQ("hob_build sections not in RAM",
		   tdx_hob_build(f->tdvf, tiny, NULL, buf, sizeof(buf), &d, &len), -EINVAL);
		EQ("hob_build not in RAM diag", d.code, TDX_TDVF_E_NOT_IN_RAM);
		tdx_layout_free(tiny);
	}
}

int main(void)
{
	struct fix f = { 0 };
	struct tdx_probe *p = NULL;
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_tdvf_diag d;
	char dir[] = "/tmp/libtdx-misuse-XXXXXX";
	char path[600];
	int rc = 1;

	if (access(OVMF, R_OK)) {
		printf("SKIP: %s not readable\n", OVMF);
		return 77;
	}
	if (tdx_ctx_new(NULL, &f.ctx) || tdx_ctx_probe(f.ctx, &p))
		return 1;
	if (!tdx_probe_is_supported(p)) {
		printf("SKIP: no TDX host (run under tdxsim)\n");
		tdx_probe_free(p);
		tdx_ctx_unref(f.ctx);
		return 77;
	}
	tdx_probe_free(p);
	if (tdx_tdvf_open(OVMF, NULL, &d, &f.tdvf) ||
	    tdx_layout_new_q35(RAM, tdx_tdvf_get_image_size(f.tdvf), NULL, &f.layout))
		goto out;
	po.layout = f.layout;
	if (tdx_plan_new(f.ctx, f.tdvf, &po, &f.plan) || tdx_plan_get_hob_gpa(f.plan, &f.hob))
		goto out;
	if (!mkdtemp(dir))
		goto out;

	null_args(&f);
	opts_cases(&f);
	firmware_cases(&f, dir);
	more_cases(&f, dir);
	attest_and_id_cases(&f);
	record_rule_cases(&f, dir);
	hob_cases(&f);
	config_cases(&f);
	order_cases(&f);
	record_cases(&f);
	fork_cases(&f);

	const char *names[] = { "fifo", "empty", "truncated", "zeros", "badsig" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	printf("misuse: %d cases, %d failed, %d findings\n", ncases, nfail, nfind);
	rc = nfail ? 1 : 0;
out:
	tdx_plan_free(f.plan);
	tdx_layout_free(f.layout);
	tdx_tdvf_free(f.tdvf);
	tdx_ctx_unref(f.ctx);
	return rc;
}
