/* SPDX-License-Identifier: MIT */
/* tdboot's launch report, exit summary and --report JSON. */
#include <stdio.h>
#include <string.h>

#include "tdboot.h"

void tdboot_hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = 0;
}

static const char *src_name(uint32_t s)
{
	const char *n = tdx_plan_source_name(s);

	return n ? n : "?";
}

void tdboot_print_launch(const struct tdboot *tb)
{
	char buf[256], mrtd[97];
	size_t i;

	printf("== tdboot launch report ==\n");
	printf("firmware:    %s (%zu bytes, %zu sections)\n", tb->opts.bios,
	       tdx_tdvf_get_image_size(tb->tdvf), tdx_tdvf_section_count(tb->tdvf));
	printf("memory:      %llu MiB, %u vCPU(s)\n",
	       (unsigned long long)(tb->opts.memory >> 20), tb->opts.vcpus);
	tdx_attrs_format(tdx_vm_get_attributes(tb->vm), buf, sizeof(buf));
	printf("attributes:  0x%016llx (%s)\n",
	       (unsigned long long)tdx_vm_get_attributes(tb->vm), buf);
	tdx_xfam_format(tdx_vm_get_xfam(tb->vm), buf, sizeof(buf));
	printf("xfam:        0x%016llx (%s)\n", (unsigned long long)tdx_vm_get_xfam(tb->vm), buf);
	printf("shared bit:  0x%llx\n", (unsigned long long)tdx_vm_get_shared_bit(tb->vm));
	printf("RAM layout:\n");
	for (i = 0; i < tdx_layout_range_count(tb->layout); i++) {
		struct tdx_layout_range r;

		if (tdx_layout_get_range(tb->layout, i, &r))
			continue;
		printf("  0x%012llx-0x%012llx %s\n", (unsigned long long)r.gpa,
		       (unsigned long long)(r.gpa + r.size - 1),
		       tdx_layout_kind_name(r.kind));
	}
	printf("sections loaded:\n");
	for (i = 0; i < tdx_plan_op_count(tb->plan); i++) {
		struct tdx_plan_op op;

		if (tdx_plan_get_op(tb->plan, i, &op))
			continue;
		printf("  #%u %-12s gpa 0x%08llx pages %-4llu %-9s %s\n", (unsigned int)op.section,
		       tdx_tdvf_section_type_name(op.type), (unsigned long long)op.gpa,
		       (unsigned long long)op.pages, src_name(op.source),
		       !op.added ? "not added" : op.measured ? "measured" : "");
	}
	printf("TD HOB:      0x%llx\n", (unsigned long long)tb->hob_gpa);
	if (tb->have_mrtd) {
		tdboot_hex(tb->expected_mrtd, 48, mrtd);
		printf("expected MRTD: %s\n", mrtd);
	}
	printf("== running ==\n");
	fflush(stdout);
}

void tdboot_print_summary(const struct tdboot *tb)
{
	const struct tdboot_result *r = &tb->res;
	unsigned int t;
	size_t i;

	printf("== tdboot summary ==\n");
	printf("result: %s%s%s\n", r->status ? r->status : "not started",
	       r->detail[0] ? ": " : "", r->detail);
	printf("exits:");
	for (t = 1; t < TDBOOT_EXIT_TYPES; t++)
		if (r->exits[t])
			printf(" %s=%llu", tdx_exit_type_name(t), (unsigned long long)r->exits[t]);
	printf("\nconversions (incl. the initial private RAM and image): %llu to private (%llu bytes), %llu to shared (%llu bytes), %llu MMIO no-ops, %llu rejected\n",
	       (unsigned long long)r->mem.to_private,
	       (unsigned long long)r->mem.bytes_to_private,
	       (unsigned long long)r->mem.to_shared,
	       (unsigned long long)r->mem.bytes_to_shared,
	       (unsigned long long)r->mem.mmio_noops,
	       (unsigned long long)r->mem.rejected);
	printf("serial bytes: %llu, debug-console bytes: %llu\n",
	       (unsigned long long)tb->dev.serial_bytes,
	       (unsigned long long)tb->dev.debug_bytes);
	if (tb->attest) {
		struct tdx_attest_stats as;

		if (!tdx_attest_get_stats(tb->attest, &as) && as.requests)
			printf("GetQuote: %llu requests, %llu rejected, %llu accepted, %llu succeeded, %llu failed\n",
			       (unsigned long long)as.requests, (unsigned long long)as.rejected,
			       (unsigned long long)as.accepted, (unsigned long long)as.succeeded,
			       (unsigned long long)as.failed);
	}
	if (tb->dev.unhandled_total) {
		printf("unhandled accesses (read as all-ones): %llu\n",
		       (unsigned long long)tb->dev.unhandled_total);
		for (i = 0; i < tb->dev.n_unhandled; i++)
			printf("  %s 0x%llx x%llu\n", tb->dev.unhandled[i].mmio ? "mmio" : "port",
			       (unsigned long long)tb->dev.unhandled[i].addr,
			       (unsigned long long)tb->dev.unhandled[i].count);
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int tdboot_write_json(const struct tdboot *tb, const char *path)
{
	const struct tdboot_result *r = &tb->res;
	FILE *f = fopen(path, "we");
	char mrtd[97];
	unsigned int t;
	size_t i;
	bool first;

	if (!f)
		return -1;
	fprintf(f, "{\n  \"firmware\": ");
	json_str(f, tb->opts.bios);
	fprintf(f, ",\n  \"memory\": %llu,\n  \"vcpus\": %u,\n  \"result\": ",
		(unsigned long long)tb->opts.memory, tb->opts.vcpus);
	json_str(f, r->status ? r->status : "not-started");
	fprintf(f, ",\n  \"detail\": ");
	json_str(f, r->detail);
	if (tb->vm)
		fprintf(f, ",\n  \"attributes\": \"0x%016llx\",\n  \"xfam\": \"0x%016llx\"",
			(unsigned long long)tdx_vm_get_attributes(tb->vm),
			(unsigned long long)tdx_vm_get_xfam(tb->vm));
	if (tb->have_mrtd) {
		tdboot_hex(tb->expected_mrtd, 48, mrtd);
		fprintf(f, ",\n  \"expected_mrtd\": \"%s\"", mrtd);
	}
	fprintf(f, ",\n  \"hob_gpa\": \"0x%llx\"", (unsigned long long)tb->hob_gpa);
	fprintf(f, ",\n  \"layout\": [");
	for (i = 0; tb->layout && i < tdx_layout_range_count(tb->layout); i++) {
		struct tdx_layout_range rg;

		if (tdx_layout_get_range(tb->layout, i, &rg))
			continue;
		fprintf(f, "%s{\"gpa\": \"0x%llx\", \"size\": \"0x%llx\", \"kind\": \"%s\"}",
			i ? ", " : "", (unsigned long long)rg.gpa,
			(unsigned long long)rg.size, tdx_layout_kind_name(rg.kind));
	}
	fprintf(f, "],\n  \"sections\": [");
	for (i = 0; tb->plan && i < tdx_plan_op_count(tb->plan); i++) {
		struct tdx_plan_op op;

		if (tdx_plan_get_op(tb->plan, i, &op))
			continue;
		fprintf(f, "%s\n    {\"index\": %u, \"type\": \"%s\", \"gpa\": \"0x%llx\", \"pages\": %llu, \"measured\": %s, \"added\": %s, \"source\": \"%s\"}",
			i ? "," : "", (unsigned int)op.section,
			tdx_tdvf_section_type_name(op.type), (unsigned long long)op.gpa,
			(unsigned long long)op.pages, op.measured ? "true" : "false",
			op.added ? "true" : "false", src_name(op.source));
	}
	fprintf(f, "\n  ],\n  \"load\": {\"sections\": %llu, \"pages_added\": %llu, \"pages_measured\": %llu, \"resumes\": %llu}",
		(unsigned long long)r->load.sections, (unsigned long long)r->load.pages_added,
		(unsigned long long)r->load.pages_measured, (unsigned long long)r->load.resumes);
	fprintf(f, ",\n  \"exits\": {");
	first = true;
	for (t = 1; t < TDBOOT_EXIT_TYPES; t++) {
		if (!r->exits[t])
			continue;
		fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", tdx_exit_type_name(t),
			(unsigned long long)r->exits[t]);
		first = false;
	}
	fprintf(f, "},\n  \"conversions\": {\"to_private\": %llu, \"to_shared\": %llu, \"bytes_to_private\": %llu, \"bytes_to_shared\": %llu, \"mmio_noops\": %llu, \"rejected\": %llu}",
		(unsigned long long)r->mem.to_private, (unsigned long long)r->mem.to_shared,
		(unsigned long long)r->mem.bytes_to_private,
		(unsigned long long)r->mem.bytes_to_shared,
		(unsigned long long)r->mem.mmio_noops, (unsigned long long)r->mem.rejected);
	fprintf(f, ",\n  \"serial_bytes\": %llu,\n  \"unhandled\": [",
		(unsigned long long)tb->dev.serial_bytes);
	for (i = 0; i < tb->dev.n_unhandled; i++)
		fprintf(f, "%s{\"kind\": \"%s\", \"addr\": \"0x%llx\", \"count\": %llu}",
			i ? ", " : "", tb->dev.unhandled[i].mmio ? "mmio" : "port",
			(unsigned long long)tb->dev.unhandled[i].addr,
			(unsigned long long)tb->dev.unhandled[i].count);
	fprintf(f, "],\n  \"unhandled_total\": %llu", (unsigned long long)tb->dev.unhandled_total);
	if (r->have_notify)
		fprintf(f, ",\n  \"event_notify_vector\": %u", r->notify_vector);
	if (tb->attest) {
		struct tdx_attest_stats as;

		if (!tdx_attest_get_stats(tb->attest, &as))
			fprintf(f, ",\n  \"get_quote\": {\"requests\": %llu, \"rejected\": %llu, \"accepted\": %llu, \"succeeded\": %llu, \"failed\": %llu}",
				(unsigned long long)as.requests, (unsigned long long)as.rejected,
				(unsigned long long)as.accepted, (unsigned long long)as.succeeded,
				(unsigned long long)as.failed);
	}
	fprintf(f, "\n}\n");
	return fclose(f) ? -1 : 0;
}
