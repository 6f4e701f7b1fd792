// SPDX-License-Identifier: MIT
/* Misuse of calls on values: NULLs, opts structs, firmware files, the TD HOB. */
#include "misuse.h"

void null_args(struct fix *f)
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

void opts_cases(struct fix *f)
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

void firmware_cases(struct fix *f, const char *dir)
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

/* ---------------------------------------------------------------- */

/* libtdx-hob(3) */
void hob_cases(struct fix *f)
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
