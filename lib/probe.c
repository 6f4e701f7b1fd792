/* SPDX-License-Identifier: MIT */
/*
 * Probe / doctor: can this host run TDs, and every reason why not.
 * Uses only KVM_GET_API_VERSION and KVM_CHECK_EXTENSION on /dev/kvm, plus
 * sysfs/procfs hints; creates no VM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define PROBE_MAX_LINES 24
#define KVM_EXPECTED_API_VERSION 12

struct tdx_probe {
	bool supported;
	int open_errno;
	int api_version;
	uint64_t vm_types;
	uint32_t features;		/* bit n = TDX_FEATURE n */
	size_t n_reasons, n_hints;
	char *reasons[PROBE_MAX_LINES];
	char *hints[PROBE_MAX_LINES];
};

static const char *const feature_names[TDX_FEATURE_COUNT] = {
	[TDX_FEATURE_VM_TYPE_TDX] = "vm-type-tdx",
	[TDX_FEATURE_SPLIT_IRQCHIP] = "split-irqchip",
	[TDX_FEATURE_X2APIC_API] = "x2apic-api",
	[TDX_FEATURE_GUEST_MEMFD] = "guest-memfd",
	[TDX_FEATURE_MEMORY_ATTRIBUTES] = "memory-attributes",
	[TDX_FEATURE_USER_MEMORY2] = "user-memory2",
	[TDX_FEATURE_EXIT_HYPERCALL] = "exit-hypercall",
	[TDX_FEATURE_MEMORY_FAULT_INFO] = "memory-fault-info",
	[TDX_FEATURE_APIC_BUS_CYCLES] = "apic-bus-cycles",
	[TDX_FEATURE_VM_TSC_CONTROL] = "vm-tsc-control",
	[TDX_FEATURE_PRE_FAULT_MEMORY] = "pre-fault-memory",
};

static const char *const vm_type_names[] = {
	[KVM_X86_DEFAULT_VM] = "default",
	[KVM_X86_SW_PROTECTED_VM] = "sw-protected",
	[KVM_X86_SEV_VM] = "sev",
	[KVM_X86_SEV_ES_VM] = "sev-es",
	[KVM_X86_SNP_VM] = "snp",
	[KVM_X86_TDX_VM] = "tdx",
};

/* How each feature is probed, and whether a TD launch needs it. */
static const struct {
	unsigned int feature;
	long cap;
	uint64_t need_bits;	/* 0 = any non-zero value */
	bool required;
	const char *why;
} feature_probes[] = {
	{ TDX_FEATURE_SPLIT_IRQCHIP, KVM_CAP_SPLIT_IRQCHIP, 0, true,
	  "KVM_CAP_SPLIT_IRQCHIP is missing: a TD needs the in-kernel LAPIC with a userspace IOAPIC" },
	{ TDX_FEATURE_X2APIC_API, KVM_CAP_X2APIC_API, 0, true,
	  "KVM_CAP_X2APIC_API is missing: TD vCPUs run in x2APIC mode" },
	{ TDX_FEATURE_GUEST_MEMFD, KVM_CAP_GUEST_MEMFD, 0, true,
	  "KVM_CAP_GUEST_MEMFD is missing: TD private memory lives in guest_memfd (Linux 6.8+)" },
	{ TDX_FEATURE_MEMORY_ATTRIBUTES, KVM_CAP_MEMORY_ATTRIBUTES,
	  KVM_MEMORY_ATTRIBUTE_PRIVATE, true,
	  "KVM_CAP_MEMORY_ATTRIBUTES lacks PRIVATE (0x8): KVM cannot track private/shared memory" },
	{ TDX_FEATURE_USER_MEMORY2, KVM_CAP_USER_MEMORY2, 0, true,
	  "KVM_CAP_USER_MEMORY2 is missing: KVM_SET_USER_MEMORY_REGION2 is needed to bind guest_memfd" },
	{ TDX_FEATURE_EXIT_HYPERCALL, KVM_CAP_EXIT_HYPERCALL,
	  1ULL << KVM_HC_MAP_GPA_RANGE, true,
	  "KVM_CAP_EXIT_HYPERCALL lacks KVM_HC_MAP_GPA_RANGE: the guest's MapGPA requests could not reach the VMM" },
	{ TDX_FEATURE_MEMORY_FAULT_INFO, KVM_CAP_MEMORY_FAULT_INFO, 0, false, NULL },
	{ TDX_FEATURE_APIC_BUS_CYCLES, KVM_CAP_X86_APIC_BUS_CYCLES_NS, 0, false, NULL },
	{ TDX_FEATURE_VM_TSC_CONTROL, KVM_CAP_VM_TSC_CONTROL, 0, false, NULL },
	{ TDX_FEATURE_PRE_FAULT_MEMORY, KVM_CAP_PRE_FAULT_MEMORY, 0, false, NULL },
};

TDX_EXPORT const char *tdx_feature_name(unsigned int feature)
{
	return feature < TDX_FEATURE_COUNT ? feature_names[feature] : NULL;
}

TDX_EXPORT const char *tdx_vm_type_name(unsigned int type)
{
	return type < TDX_ARRAY_SIZE(vm_type_names) ? vm_type_names[type] : NULL;
}

static int add_line(char **arr, size_t *n, const char *fmt, ...)
	TDX_PRINTF(3, 4);

static int add_line(char **arr, size_t *n, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	if (*n >= PROBE_MAX_LINES)
		return 0;
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	arr[(*n)++] = s;
	return 0;
}

#define reason(p, ...) add_line((p)->reasons, &(p)->n_reasons, __VA_ARGS__)
#define hint(p, ...) add_line((p)->hints, &(p)->n_hints, __VA_ARGS__)

static bool read_small_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return true;
}

/* Is word a whole word in /proc/cpuinfo's first "flags" line? */
static int cpuinfo_flag(const char *word)
{
	char line[8192];
	FILE *f = fopen("/proc/cpuinfo", "re");
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p, *save = NULL;

		if (strncmp(line, "flags", 5))
			continue;
		found = 0;
		p = strchr(line, ':');
		for (p = strtok_r(p ? p + 1 : line, " \n", &save); p;
		     p = strtok_r(NULL, " \n", &save))
			if (!strcmp(p, word))
				found = 1;
		break;
	}
	fclose(f);
	return found;
}

/* The value of the first "key : value" line in /proc/cpuinfo. */
static bool cpuinfo_value(const char *key, char *buf, size_t size)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "re");
	size_t klen = strlen(key);
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, key, klen) || !colon)
			continue;
		snprintf(buf, size, "%s", colon + 1 + (colon[1] == ' '));
		buf[strcspn(buf, "\n")] = 0;
		found = true;
	}
	fclose(f);
	return found;
}

/* sysfs/procfs readings that explain a "no"; best effort. */
static int add_host_hints(struct tdx_probe *p)
{
	static const char *const vendor_modules[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
	char buf[64];
	size_t i;
	int r = 0;

	if (cpuinfo_value("vendor_id", buf, sizeof(buf)) && strcmp(buf, "GenuineIntel"))
		r |= hint(p, "the CPU vendor is %s: TDX needs an Intel CPU", buf);
	for (i = 0; i < TDX_ARRAY_SIZE(vendor_modules); i++) {
		char path[64];

		snprintf(path, sizeof(path), "/sys/module/%s", vendor_modules[i]);
		if (access(path, F_OK) == 0)
			r |= hint(p, "KVM vendor module loaded: %s", vendor_modules[i]);
	}

	if (read_small_file("/sys/module/kvm_intel/parameters/tdx", buf, sizeof(buf)))
		r |= hint(p, "kvm_intel module parameter tdx=%s%s", buf,
			  buf[0] == 'Y' || buf[0] == '1' ? "" :
			  " (TDX disabled in KVM: load kvm_intel with tdx=1)");
	else if (access("/sys/module/kvm_intel", F_OK) == 0)
		r |= hint(p, "kvm_intel is loaded but has no 'tdx' parameter: the kernel predates KVM TDX support (Linux 6.16)");
	else if (access("/sys/module/kvm", F_OK) != 0)
		r |= hint(p, "the kvm module is not loaded");
	switch (cpuinfo_flag("hypervisor")) {
	case 1:
		r |= hint(p, "this machine is itself a guest (CPU flag 'hypervisor'): TDX host support is not available under nested virtualization");
		break;
	default:
		break;
	}
	if (cpuinfo_flag("tdx_host_platform") == 0 && cpuinfo_flag("vmx") == 1)
		r |= hint(p, "CPU flag 'tdx_host_platform' absent: the kernel did not initialise the TDX module (BIOS setting, or kernel built without CONFIG_INTEL_TDX_HOST)");
	return r;
}

static int probe_device(struct tdx_ctx *ctx, struct tdx_probe *p)
{
	char names[128] = "";
	size_t i, len = 0;
	long v;
	int fd, r = 0;

	fd = tdx_ctx_open(ctx);
	if (fd < 0) {
		p->open_errno = fd;
		if (fd == -ENOENT)
			return reason(p, "%s does not exist: KVM is not available (module not loaded, or no hardware virtualization)",
				      ctx->device);
		if (fd == -EACCES || fd == -EPERM)
			return reason(p, "permission denied opening %s: run as root or join the group that owns it (usually 'kvm')",
				      ctx->device);
		return reason(p, "cannot open %s: %s", ctx->device, strerror(-fd));
	}
	v = tdx_kvm_ioctl(ctx, fd, KVM_GET_API_VERSION, 0);
	p->api_version = v < 0 ? -1 : (int)v;
	if (v != KVM_EXPECTED_API_VERSION)
		r |= reason(p, "KVM_GET_API_VERSION returned %ld, expected %d",
			    v, KVM_EXPECTED_API_VERSION);

	v = tdx_kvm_check_ext(ctx, fd, KVM_CAP_VM_TYPES);
	if (v <= 0) {
		p->vm_types = 1ULL << KVM_X86_DEFAULT_VM;
		r |= reason(p, "KVM does not report VM types (KVM_CAP_VM_TYPES): the kernel predates confidential VM types, so it has no TDX VM type");
	} else {
		p->vm_types = (uint64_t)v;
	}
	for (i = 0; i < 64; i++) {
		const char *n = tdx_vm_type_name((unsigned int)i);

		if (!(p->vm_types & (1ULL << i)))
			continue;
		if (n)
			len += (size_t)snprintf(names + len, sizeof(names) - len,
						"%s%s", len ? ", " : "", n);
		else
			len += (size_t)snprintf(names + len, sizeof(names) - len,
						"%stype %zu", len ? ", " : "", i);
		if (len >= sizeof(names))
			break;
	}
	if (p->vm_types & (1ULL << KVM_X86_TDX_VM))
		p->features |= 1u << TDX_FEATURE_VM_TYPE_TDX;
	else if (v > 0)
		r |= reason(p, "the TDX VM type (%d) is not offered by KVM; VM types offered: %s",
			    KVM_X86_TDX_VM, names);

	for (i = 0; i < TDX_ARRAY_SIZE(feature_probes); i++) {
		uint64_t need = feature_probes[i].need_bits;
		bool ok;

		v = tdx_kvm_check_ext(ctx, fd, feature_probes[i].cap);
		ok = v > 0 && (!need || ((uint64_t)v & need) == need);
		if (ok)
			p->features |= 1u << feature_probes[i].feature;
		else if (feature_probes[i].required)
			r |= reason(p, "%s", feature_probes[i].why);
	}
	return r;
}

TDX_EXPORT int tdx_ctx_probe(struct tdx_ctx *ctx, struct tdx_probe **ret_probe)
{
	struct tdx_probe *p;
	int r;

	if (!ctx)
		return -EINVAL;
	if (!ret_probe)
		return tdx_err_null(&ctx->error, "tdx_ctx_probe", "ret_probe");
	p = calloc(1, sizeof(*p));
	if (!p)
		return tdx_err(&ctx->error, -ENOMEM, "tdx_ctx_probe", NULL, -1,
			       "out of memory");
	p->api_version = -1;
	r = probe_device(ctx, p);
	p->supported = p->n_reasons == 0 && p->open_errno == 0;
	if (!r && !p->supported)
		r = add_host_hints(p);
	if (r) {
		tdx_probe_free(p);
		return tdx_err(&ctx->error, -ENOMEM, "tdx_ctx_probe", NULL, -1,
			       "out of memory");
	}
	tdx_dbg(ctx, "probe: %s (%zu reasons)", p->supported ? "TDX supported" :
		"TDX not supported", p->n_reasons);
	*ret_probe = p;
	return 0;
}

TDX_EXPORT void tdx_probe_free(struct tdx_probe *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_reasons; i++)
		free(p->reasons[i]);
	for (i = 0; i < p->n_hints; i++)
		free(p->hints[i]);
	free(p);
}

TDX_EXPORT bool tdx_probe_is_supported(const struct tdx_probe *p)
{
	return p && p->supported;
}

TDX_EXPORT size_t tdx_probe_reason_count(const struct tdx_probe *p)
{
	return p ? p->n_reasons : 0;
}

TDX_EXPORT const char *tdx_probe_get_reason(const struct tdx_probe *p, size_t i)
{
	return p && i < p->n_reasons ? p->reasons[i] : NULL;
}

TDX_EXPORT size_t tdx_probe_hint_count(const struct tdx_probe *p)
{
	return p ? p->n_hints : 0;
}

TDX_EXPORT const char *tdx_probe_get_hint(const struct tdx_probe *p, size_t i)
{
	return p && i < p->n_hints ? p->hints[i] : NULL;
}

TDX_EXPORT int tdx_probe_get_api_version(const struct tdx_probe *p)
{
	return p ? p->api_version : -1;
}

TDX_EXPORT uint64_t tdx_probe_get_vm_types(const struct tdx_probe *p)
{
	return p ? p->vm_types : 0;
}

TDX_EXPORT bool tdx_probe_has(const struct tdx_probe *p, unsigned int feature)
{
	return p && feature < TDX_FEATURE_COUNT && (p->features & (1u << feature));
}

TDX_EXPORT int tdx_probe_get_open_errno(const struct tdx_probe *p)
{
	return p ? p->open_errno : -EINVAL;
}
