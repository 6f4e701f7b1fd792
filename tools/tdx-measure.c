/* SPDX-License-Identifier: MIT */
/*
 * tdx-measure - predict a TD's MRTD from its firmware image.
 *
 *   tdx-measure [--json] [--transcript] [--order upstream|two-pass]
 *               [--kernel FILE] [--cmdline STR] FIRMWARE
 *
 * Exit: 0 success, 1 the image cannot be measured, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtdx.h>

#define EXIT_USAGE 2

struct out {
	bool json;
	bool first;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tdx-measure [OPTIONS] FIRMWARE\n"
		"Predict MRTD for a TDX firmware image (TDVF/OVMF, td-shim).\n\n"
		"  --order ORDER    upstream (default: upstream QEMU + KVM, per page\n"
		"                   PAGE.ADD then its MR.EXTENDs) or two-pass (older\n"
		"                   downstream stacks: per section all PAGE.ADDs, then\n"
		"                   all MR.EXTENDs)\n"
		"  --kernel FILE    payload for a Payload section (td-shim)\n"
		"  --cmdline STR    parameters for a PayloadParam section (with its NUL)\n"
		"  --json           print a JSON object\n"
		"  --transcript     also list every PAGE.ADD / MR.EXTEND in hash order\n"
		"  -h, --help       this text\n");
}

static int read_file(const char *path, void **ret_buf, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	size_t cap = 1 << 20, len = 0, n;
	char *buf = NULL, *nb;
	int err;

	if (!f)
		return -errno;
	for (;;) {
		nb = realloc(buf, cap);
		if (!nb) {
			err = -ENOMEM;
			goto fail;
		}
		buf = nb;
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len < cap) {
			if (ferror(f)) {
				err = -EIO;
				goto fail;
			}
			break;
		}
		cap *= 2;
	}
	fclose(f);
	*ret_buf = buf;
	*ret_len = len;
	return 0;
fail:
	free(buf);
	fclose(f);
	return err;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = 0;
}

static const char *kind_name(int kind)
{
	return kind == TDX_MEASURE_PAGE_ADD ? "PAGE.ADD" : "MR.EXTEND";
}

static int on_event(void *userdata, const struct tdx_measure_event *ev)
{
	struct out *o = userdata;

	if (o->json) {
		printf("%s\n    {\"seq\": %" PRIu64 ", \"op\": \"%s\", \"section\": %zu, \"gpa\": \"0x%" PRIx64 "\"}",
		       o->first ? "" : ",", ev->seq, kind_name(ev->kind),
		       ev->section, ev->gpa);
		o->first = false;
	} else {
		printf("%-9s section %zu gpa 0x%" PRIx64 "\n", kind_name(ev->kind),
		       ev->section, ev->gpa);
	}
	return 0;
}

static const char *type_name(uint32_t type)
{
	const char *n = tdx_tdvf_section_type_name(type);

	return n ? n : "?";
}

static void print_sections_text(const struct tdx_measurement *m)
{
	size_t i;

	for (i = 0; i < tdx_measurement_op_count(m); i++) {
		struct tdx_measure_op_summary s;

		if (tdx_measurement_get_op(m, i, &s))
			continue;
		printf("section %zu %-12s gpa 0x%09" PRIx64 " pages %-6" PRIu64
		       " %-10s source %-13s page_add %-6" PRIu64 " mr_extend %" PRIu64 "\n",
		       s.section, type_name(s.type), s.gpa, s.pages,
		       s.measured ? "measured" : "unmeasured",
		       tdx_plan_source_name(s.source), s.page_add, s.mr_extend);
	}
}

static void print_json(const struct tdx_measurement *m, const char *mrtd_hex)
{
	size_t i;

	printf("  \"mrtd\": \"%s\",\n", mrtd_hex);
	printf("  \"order\": \"%s\",\n", tdx_measure_order_name(tdx_measurement_get_order(m)));
	printf("  \"page_add\": %" PRIu64 ",\n", tdx_measurement_get_page_add_count(m));
	printf("  \"mr_extend\": %" PRIu64 ",\n", tdx_measurement_get_mr_extend_count(m));
	printf("  \"hashed_bytes\": %" PRIu64 ",\n", tdx_measurement_get_hashed_bytes(m));
	printf("  \"sections\": [");
	for (i = 0; i < tdx_measurement_op_count(m); i++) {
		struct tdx_measure_op_summary s;

		if (tdx_measurement_get_op(m, i, &s))
			continue;
		printf("%s\n    {\"index\": %zu, \"type\": \"%s\", \"gpa\": \"0x%" PRIx64
		       "\", \"pages\": %" PRIu64 ", \"measured\": %s, \"added\": %s, "
		       "\"source\": \"%s\", \"page_add\": %" PRIu64 ", \"mr_extend\": %" PRIu64 "}",
		       i ? "," : "", s.section, type_name(s.type), s.gpa, s.pages,
		       s.measured ? "true" : "false",
		       s.source != TDX_PLAN_SRC_NONE ? "true" : "false",
		       tdx_plan_source_name(s.source), s.page_add, s.mr_extend);
	}
	printf("\n  ]");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "transcript", no_argument, NULL, 't' },
		{ "order", required_argument, NULL, 'o' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_tdvf *tdvf = NULL;
	struct tdx_plan *plan = NULL;
	const char *cmdline = NULL;
	struct tdx_measure_opts mo = TDX_OPTS(tdx_measure_opts);
	struct tdx_tdvf_diag diag = { 0 };
	struct tdx_measurement *m = NULL;
	struct out o = { .first = true };
	const char *kernel = NULL, *firmware;
	bool transcript = false;
	uint8_t mrtd[TDX_MRTD_SIZE];
	char mrtd_hex[2 * TDX_MRTD_SIZE + 1];
	struct tdx_ctx *ctx = NULL;
	void *kbuf = NULL;
	size_t klen = 0;
	int c, r, ret = 1;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 't':
			transcript = true;
			break;
		case 'o':
			if (tdx_measure_order_parse(optarg, &mo.order)) {
				fprintf(stderr, "tdx-measure: unknown order '%s' (upstream or two-pass)\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'k':
			kernel = optarg;
			break;
		case 'c':
			cmdline = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tdx-measure: %s\n", optind >= argc ?
			"missing FIRMWARE" : "exactly one FIRMWARE expected");
		usage(stderr);
		return EXIT_USAGE;
	}
	firmware = argv[optind];

	if (kernel) {
		r = read_file(kernel, &kbuf, &klen);
		if (r) {
			fprintf(stderr, "tdx-measure: %s: %s\n", kernel, strerror(-r));
			return 1;
		}
	}
	r = tdx_ctx_new(NULL, &ctx);
	if (r) {
		fprintf(stderr, "tdx-measure: %s\n", strerror(-r));
		goto out;
	}
	if (transcript) {
		mo.event_fn = on_event;
		mo.userdata = &o;
	}
	/* parse and plan first: every input error is reported before output */
	r = tdx_tdvf_open(firmware, NULL, &diag, &tdvf);
	if (r) {
		const char *name = tdx_tdvf_code_name(diag.code);

		fprintf(stderr, "tdx-measure: %s: %s: %s\n", firmware,
			name ? name : "E_?", diag.message[0] ? diag.message :
			tdx_tdvf_strerror(diag.code));
		goto out;
	}
	po.payload = kbuf;
	po.payload_len = klen;
	if (cmdline) {
		po.payload_param = cmdline;
		po.payload_param_len = strlen(cmdline) + 1;
	}
	r = tdx_plan_new(ctx, tdvf, &po, &plan);
	if (r) {
		fprintf(stderr, "tdx-measure: %s: %s\n", firmware,
			tdx_error_get_message(tdx_ctx_get_last_error(ctx)));
		goto out;
	}

	if (o.json) {
		printf("{\n");
		if (transcript)
			printf("  \"transcript\": [");
	} else if (transcript) {
		printf("# transcript (%s order)\n", tdx_measure_order_name(mo.order));
	}
	r = tdx_measure_plan(ctx, plan, &mo, mrtd, &m);
	if (r) {
		fflush(stdout);
		fprintf(stderr, "tdx-measure: %s: %s\n", firmware,
			tdx_error_get_message(tdx_ctx_get_last_error(ctx)));
		goto out;
	}
	hex(mrtd, sizeof(mrtd), mrtd_hex);
	if (o.json) {
		if (transcript)
			printf("\n  ],\n");
		print_json(m, mrtd_hex);
		printf("\n}\n");
	} else {
		if (transcript) {
			printf("# sections\n");
			print_sections_text(m);
			printf("# totals: page_add %" PRIu64 " mr_extend %" PRIu64
			       " hashed_bytes %" PRIu64 "\n",
			       tdx_measurement_get_page_add_count(m),
			       tdx_measurement_get_mr_extend_count(m),
			       tdx_measurement_get_hashed_bytes(m));
		}
		printf("mrtd %s\n", mrtd_hex);
	}
	ret = 0;
out:
	tdx_measurement_free(m);
	tdx_plan_free(plan);
	tdx_tdvf_free(tdvf);
	tdx_ctx_unref(ctx);
	free(kbuf);
	return ret;
}
