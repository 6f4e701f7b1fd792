/* SPDX-License-Identifier: MIT */
/*
 * tdx-info: can this host run Intel TDX guests?  Prints the probe result
 * and, when TDs can run, the decoded TDX capabilities.
 *
 * Exit status: 0 TDs can run, 1 they cannot (reasons printed), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtdx.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: tdx-info [--device PATH] [--json]\n"
		   "  --device PATH  KVM device (default /dev/kvm)\n"
		   "  --json         machine-readable output\n"
		   "exit: 0 TDs can run, 1 they cannot, 2 usage error\n");
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

typedef const char *(*bit_name_fn)(unsigned int);

static void json_mask(const char *key, uint64_t v, bit_name_fn name)
{
	unsigned int b;
	bool first = true;

	printf("\"%s\": {\"value\": \"0x%016llx\", \"names\": [", key,
	       (unsigned long long)v);
	for (b = 0; b < 64; b++) {
		char tmp[16];
		const char *n;

		if (!(v & (1ULL << b)))
			continue;
		n = name(b);
		if (!n) {
			snprintf(tmp, sizeof(tmp), "bit%u", b);
			n = tmp;
		}
		printf("%s", first ? "" : ", ");
		json_str(n);
		first = false;
	}
	printf("]}");
}

static void print_caps_text(const struct tdx_caps *caps)
{
	struct tdx_tdvmcallinfo info;
	char buf[512];
	size_t i;

	tdx_attrs_format(tdx_caps_get_supported_attrs(caps), buf, sizeof(buf));
	printf("supported attributes: 0x%016llx (%s)\n",
	       (unsigned long long)tdx_caps_get_supported_attrs(caps), buf);
	tdx_xfam_format(tdx_caps_get_supported_xfam(caps), buf, sizeof(buf));
	printf("supported XFAM:       0x%016llx (%s)\n",
	       (unsigned long long)tdx_caps_get_supported_xfam(caps), buf);
	tdx_xfam_format(tdx_caps_get_default_xfam(caps), buf, sizeof(buf));
	printf("default XFAM:         0x%016llx (%s)\n",
	       (unsigned long long)tdx_caps_get_default_xfam(caps), buf);
	tdx_caps_get_tdvmcallinfo(caps, &info);
	printf("TDVMCALL info leaf 1: kernel r11 0x%llx r12 0x%llx, user r11 0x%llx r12 0x%llx%s\n",
	       (unsigned long long)info.kernel_r11,
	       (unsigned long long)info.kernel_r12,
	       (unsigned long long)info.user_r11,
	       (unsigned long long)info.user_r12,
	       info.user_r11 & 2 ? " (SetupEventNotifyInterrupt)" : "");
	printf("configurable CPUID leaves: %zu\n", tdx_caps_cpuid_count(caps));
	printf("  %-10s %-8s %-10s %-10s %-10s %-10s\n", "leaf", "subleaf",
	       "eax", "ebx", "ecx", "edx");
	for (i = 0; i < tdx_caps_cpuid_count(caps); i++) {
		struct tdx_cpuid_entry e;

		if (tdx_caps_get_cpuid(caps, i, &e))
			continue;
		printf("  0x%08x %-8s 0x%08x 0x%08x 0x%08x 0x%08x\n", e.function,
		       (e.flags & TDX_CPUID_FLAG_INDEXED) ?
		       (snprintf(buf, sizeof(buf), "%u", e.index), buf) : "-",
		       e.eax, e.ebx, e.ecx, e.edx);
	}
}

static void print_caps_json(const struct tdx_caps *caps)
{
	struct tdx_tdvmcallinfo info;
	size_t i;

	printf(",\n  \"capabilities\": {\n    ");
	json_mask("supported_attributes", tdx_caps_get_supported_attrs(caps),
		  tdx_attr_name);
	printf(",\n    ");
	json_mask("supported_xfam", tdx_caps_get_supported_xfam(caps), tdx_xfam_name);
	printf(",\n    ");
	json_mask("default_xfam", tdx_caps_get_default_xfam(caps), tdx_xfam_name);
	tdx_caps_get_tdvmcallinfo(caps, &info);
	printf(",\n    \"tdvmcallinfo_1\": {\"kernel_r11\": \"0x%llx\", \"user_r11\": \"0x%llx\", \"kernel_r12\": \"0x%llx\", \"user_r12\": \"0x%llx\"}",
	       (unsigned long long)info.kernel_r11,
	       (unsigned long long)info.user_r11,
	       (unsigned long long)info.kernel_r12,
	       (unsigned long long)info.user_r12);
	printf(",\n    \"cpuid_configs\": [");
	for (i = 0; i < tdx_caps_cpuid_count(caps); i++) {
		struct tdx_cpuid_entry e;

		if (tdx_caps_get_cpuid(caps, i, &e))
			continue;
		printf("%s\n      {\"function\": \"0x%x\", \"index\": \"0x%x\", \"indexed\": %s, \"eax\": \"0x%08x\", \"ebx\": \"0x%08x\", \"ecx\": \"0x%08x\", \"edx\": \"0x%08x\"}",
		       i ? "," : "", e.function, e.index,
		       (e.flags & TDX_CPUID_FLAG_INDEXED) ? "true" : "false",
		       e.eax, e.ebx, e.ecx, e.edx);
	}
	printf("\n    ]\n  }");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = NULL;
	struct tdx_caps *caps = NULL;
	struct tdx_probe *probe = NULL;
	struct tdx_ctx *ctx = NULL;
	bool json = false, supported;
	int c, r, rc;
	size_t i;

	while ((c = getopt_long(argc, argv, "d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': device = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tdx-info: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	r = tdx_ctx_new(device, &ctx);
	if (r) {
		fprintf(stderr, "tdx-info: %s\n", strerror(-r));
		return r == -EINVAL ? 2 : 1;
	}
	r = tdx_ctx_probe(ctx, &probe);
	if (r) {
		fprintf(stderr, "tdx-info: probe failed: %s\n", strerror(-r));
		tdx_ctx_unref(ctx);
		return 1;
	}
	supported = tdx_probe_is_supported(probe);
	if (supported) {
		r = tdx_caps_query(ctx, &caps);
		if (r) {
			supported = false;
		}
	}
	rc = supported ? 0 : 1;

	if (json) {
		uint64_t types = tdx_probe_get_vm_types(probe);
		bool first = true;
		unsigned int t;

		printf("{\n  \"device\": ");
		json_str(tdx_ctx_get_device(ctx));
		printf(",\n  \"tdx_supported\": %s,\n  \"api_version\": %d,\n  \"reasons\": [",
		       supported ? "true" : "false", tdx_probe_get_api_version(probe));
		for (i = 0; i < tdx_probe_reason_count(probe); i++) {
			printf("%s", i ? ", " : "");
			json_str(tdx_probe_get_reason(probe, i));
		}
		if (!caps && tdx_probe_is_supported(probe)) {
			printf("%s", tdx_probe_reason_count(probe) ? ", " : "");
			json_str(tdx_error_get_message(tdx_ctx_get_last_error(ctx)));
		}
		printf("],\n  \"hints\": [");
		for (i = 0; i < tdx_probe_hint_count(probe); i++) {
			printf("%s", i ? ", " : "");
			json_str(tdx_probe_get_hint(probe, i));
		}
		printf("],\n  \"vm_types\": [");
		for (t = 0; t < 64; t++) {
			char tmp[16];
			const char *n = tdx_vm_type_name(t);

			if (!(types & (1ULL << t)))
				continue;
			if (!n) {
				snprintf(tmp, sizeof(tmp), "type%u", t);
				n = tmp;
			}
			printf("%s", first ? "" : ", ");
			json_str(n);
			first = false;
		}
		printf("],\n  \"features\": {");
		for (t = 0; t < TDX_FEATURE_COUNT; t++)
			printf("%s\"%s\": %s", t ? ", " : "", tdx_feature_name(t),
			       tdx_probe_has(probe, t) ? "true" : "false");
		printf("}");
		if (caps)
			print_caps_json(caps);
		printf("\n}\n");
	} else {
		printf("device: %s\n", tdx_ctx_get_device(ctx));
		printf("TDX: %s\n", supported ? "supported" : "NOT supported");
		if (tdx_probe_get_api_version(probe) >= 0)
			printf("KVM API version: %d\n", tdx_probe_get_api_version(probe));
		if (tdx_probe_get_open_errno(probe) == 0) {
			uint64_t types = tdx_probe_get_vm_types(probe);
			unsigned int t;

			printf("VM types:");
			for (t = 0; t < 64; t++)
				if (types & (1ULL << t))
					printf(" %s", tdx_vm_type_name(t) ?
					       tdx_vm_type_name(t) : "?");
			printf("\nfeatures:");
			for (t = 0; t < TDX_FEATURE_COUNT; t++)
				printf(" %s%s", tdx_probe_has(probe, t) ? "+" : "-",
				       tdx_feature_name(t));
			printf("\n");
		}
		for (i = 0; i < tdx_probe_reason_count(probe); i++)
			printf("reason: %s\n", tdx_probe_get_reason(probe, i));
		if (!caps && tdx_probe_is_supported(probe))
			printf("reason: %s\n",
			       tdx_error_get_message(tdx_ctx_get_last_error(ctx)));
		for (i = 0; i < tdx_probe_hint_count(probe); i++)
			printf("hint: %s\n", tdx_probe_get_hint(probe, i));
		if (caps)
			print_caps_text(caps);
	}
	tdx_caps_free(caps);
	tdx_probe_free(probe);
	tdx_ctx_unref(ctx);
	return rc;
}
