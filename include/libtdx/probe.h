/* SPDX-License-Identifier: MIT */
/**
 * DOC: probe - can this host run TDs, and if not, why not
 *
 * tdx_ctx_probe() asks the kernel everything it can without creating a TD
 * and returns a report: a yes/no answer, every reason it found for "no"
 * (each a full sentence), hints read from sysfs, the VM types the host
 * offers and which TD-relevant features are present.
 */
#ifndef LIBTDX_PROBE_H
#define LIBTDX_PROBE_H

#include <libtdx/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Features a TD launch needs (tdx_probe_has()). */
#define TDX_FEATURE_VM_TYPE_TDX		0  /* KVM_CAP_VM_TYPES bit 5 */
#define TDX_FEATURE_SPLIT_IRQCHIP	1  /* KVM_CAP_SPLIT_IRQCHIP */
#define TDX_FEATURE_X2APIC_API		2  /* KVM_CAP_X2APIC_API */
#define TDX_FEATURE_GUEST_MEMFD		3  /* KVM_CAP_GUEST_MEMFD */
#define TDX_FEATURE_MEMORY_ATTRIBUTES	4  /* KVM_CAP_MEMORY_ATTRIBUTES has PRIVATE */
#define TDX_FEATURE_USER_MEMORY2	5  /* KVM_CAP_USER_MEMORY2 */
#define TDX_FEATURE_EXIT_HYPERCALL	6  /* KVM_CAP_EXIT_HYPERCALL has MapGPA */
#define TDX_FEATURE_MEMORY_FAULT_INFO	7  /* KVM_CAP_MEMORY_FAULT_INFO */
#define TDX_FEATURE_APIC_BUS_CYCLES	8  /* KVM_CAP_X86_APIC_BUS_CYCLES_NS */
#define TDX_FEATURE_VM_TSC_CONTROL	9  /* KVM_CAP_VM_TSC_CONTROL */
#define TDX_FEATURE_PRE_FAULT_MEMORY	10 /* KVM_CAP_PRE_FAULT_MEMORY */
#define TDX_FEATURE_COUNT		11

/**
 * tdx_feature_name() - the feature's name, lower case with dashes:
 * "vm-type-tdx", "split-irqchip", "guest-memfd", ...; NULL if unknown.
 */
const char *tdx_feature_name(unsigned int feature);

/** struct tdx_probe - an immutable probe report. */
struct tdx_probe;

/**
 * tdx_ctx_probe() - probe the context's device.
 *
 * A host that cannot run TDs is a successful probe with
 * tdx_probe_is_supported() false, not an error.
 *
 * Return: 0, -EINVAL (NULL argument), -ENOMEM.
 */
int tdx_ctx_probe(struct tdx_ctx *ctx, struct tdx_probe **ret_probe);
/** tdx_probe_free() - free a report (NULL is fine). */
void tdx_probe_free(struct tdx_probe *probe);
/** tdx_probe_is_supported() - true when every requirement for a TD is met. */
bool tdx_probe_is_supported(const struct tdx_probe *probe);
/** tdx_probe_reason_count() - number of reasons TDs cannot run (0 when supported). */
size_t tdx_probe_reason_count(const struct tdx_probe *probe);
/** tdx_probe_get_reason() - reason @i as a sentence, or NULL when out of range. */
const char *tdx_probe_get_reason(const struct tdx_probe *probe, size_t i);
/** tdx_probe_hint_count() - number of hints (sysfs readings, suggestions). */
size_t tdx_probe_hint_count(const struct tdx_probe *probe);
/** tdx_probe_get_hint() - hint @i, or NULL when out of range. */
const char *tdx_probe_get_hint(const struct tdx_probe *probe, size_t i);
/** tdx_probe_get_api_version() - KVM_GET_API_VERSION, or -1 if the device could not be opened. */
int tdx_probe_get_api_version(const struct tdx_probe *probe);
/** tdx_probe_get_vm_types() - KVM_CAP_VM_TYPES bitmap (bit n = VM type n). */
uint64_t tdx_probe_get_vm_types(const struct tdx_probe *probe);
/** tdx_probe_has() - whether @feature (TDX_FEATURE_*) is present. */
bool tdx_probe_has(const struct tdx_probe *probe, unsigned int feature);
/** tdx_probe_get_open_errno() - negative errno of opening the device, 0 if it opened. */
int tdx_probe_get_open_errno(const struct tdx_probe *probe);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_PROBE_H */
