/* SPDX-License-Identifier: MIT */
/*
 * TDX module SEAMCALL status decoder: name, hint, operand id, format.
 * Status classes and values as the kernel defines them
 * (arch/x86/include/asm/shared/tdx_errno.h, Linux 7.2) and the TDX module
 * returns them (intel/tdx-module, include/auto_gen/tdx_error_codes_defs.h);
 * hints are our own words.
 * Pure functions over const tables.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define STATUS_ERROR		(1ULL << 63)
#define STATUS_FATAL		(1ULL << 62)
#define STATUS_CLASS(s)		((unsigned int)(((s) >> 40) & 0xFF))
#define STATUS_DETAIL(s)	((unsigned int)(((s) >> 32) & 0xFF))
#define CLASS_OPERAND		0x01
#define CLASS_SW		0xFF
#define SW_ERROR		0x8000FF0000000000ULL

struct status_info {
	uint64_t value;		/* status & TDX_STATUS_MASK */
	uint64_t alt;		/* the other source's value, 0 = none */
	const char *name;
	bool operand;		/* low 32 bits name an operand */
	const char *hint;
};

static const struct status_info statuses[] = {
	{ 0x0000000000000000ULL, 0, "TDX_SUCCESS", false,
	  "the call succeeded" },
	{ 0x4000000100000000ULL, 0, "TDX_NON_RECOVERABLE_VCPU", false,
	  "this vCPU is broken for good and can no longer run" },
	{ 0x6000000200000000ULL, 0x4000000200000000ULL,
	  "TDX_NON_RECOVERABLE_TD", false,
	  "the whole TD is unusable; tear it down" },
	{ 0x8000000300000000ULL, 0, "TDX_INTERRUPTED_RESUMABLE", false,
	  "a long operation was interrupted; call again to resume it" },
	{ 0x8000000400000000ULL, 0, "TDX_INTERRUPTED_RESTARTABLE", false,
	  "the operation was interrupted; start it again from the beginning" },
	{ 0x6000000500000000ULL, 0, "TDX_NON_RECOVERABLE_TD_NON_ACCESSIBLE", false,
	  "the TD is dead and its memory can no longer be accessed" },
	{ 0xC000000600000000ULL, 0, "TDX_INVALID_RESUMPTION", false,
	  "a resumed call did not use the same inputs as the interrupted one" },
	{ 0xE000000700000000ULL, 0x6000000700000000ULL,
	  "TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE", false,
	  "the TD is dead: a vCPU was not in the x2APIC mode the module requires" },
	{ 0x6000000A00000000ULL, 0, "TDX_NON_RECOVERABLE_TD_CORRUPTED_MD", false,
	  "the TD is dead: its control metadata is corrupted" },
	{ 0xC000010000000000ULL, 0, "TDX_OPERAND_INVALID", true,
	  "an input was rejected; the operand id says which TD_PARAMS field or register" },
	{ 0xC000010100000000ULL, 0, "TDX_OPERAND_ADDR_RANGE_ERROR", true,
	  "an address operand lies outside the allowed range" },
	{ 0x8000020000000000ULL, 0, "TDX_OPERAND_BUSY", true,
	  "a concurrent SEAMCALL holds the resource; retry" },
	{ 0x8000020100000000ULL, 0, "TDX_PREVIOUS_TLB_EPOCH_BUSY", false,
	  "TLB tracking of the previous epoch is still running; retry later" },
	{ 0x8000020200000000ULL, 0, "TDX_SYS_BUSY", false,
	  "a module-wide resource is busy; retry" },
	{ 0x8000020300000000ULL, 0, "TDX_RND_NO_ENTROPY", false,
	  "the CPU random number generator ran dry; retry (KVM returns -EAGAIN)" },
	{ 0x8000020400000000ULL, 0, "TDX_OPERAND_BUSY_HOST_PRIORITY", true,
	  "busy, and the host has priority on this lock; retry" },
	{ 0x9000020500000000ULL, 0, "TDX_HOST_PRIORITY_BUSY_TIMEOUT", false,
	  "waiting for a host-priority lock timed out" },
	{ 0x8000020600000000ULL, 0, "TDX_INTERRUPTED_BUSY", false,
	  "interrupted while waiting for a busy resource; retry" },
	{ 0xC000030000000000ULL, 0, "TDX_PAGE_METADATA_INCORRECT", false,
	  "the page's PAMT state is not what this call expects" },
	{ 0x0000030100000000ULL, 0, "TDX_PAGE_ALREADY_FREE", false,
	  "warning: the page was already free" },
	{ 0xC000030200000000ULL, 0, "TDX_PAGE_NOT_OWNED_BY_TD", false,
	  "the page belongs to a different TD" },
	{ 0xC000030300000000ULL, 0, "TDX_PAGE_NOT_FREE", false,
	  "the page handed to the module is still in use" },
	{ 0xC000040000000000ULL, 0, "TDX_TD_ASSOCIATED_PAGES_EXIST", false,
	  "the TD still owns pages; reclaim them first" },
	{ 0xC000050500000000ULL, 0, "TDX_SYS_NOT_READY", false,
	  "the TDX module is not initialized (check the host kernel log)" },
	{ 0xC000050600000000ULL, 0, "TDX_SYS_SHUTDOWN", false,
	  "the TDX module has been shut down" },
	{ 0xE000060400000000ULL, 0, "TDX_TD_FATAL", false,
	  "the TD is in a fatal state" },
	{ 0xC000060500000000ULL, 0, "TDX_TD_NON_DEBUG", false,
	  "this operation needs a TD created with the debug attribute" },
	{ 0xC000060700000000ULL, 0, "TDX_LIFECYCLE_STATE_INCORRECT", false,
	  "the TD is in the wrong lifecycle state (e.g. adding pages after finalize)" },
	{ 0xC000060800000000ULL, 0, "TDX_OP_STATE_INCORRECT", false,
	  "the TD is in the wrong operation state for this call" },
	{ 0xC000060900000000ULL, 0, "TDX_NO_VCPUS", false,
	  "the TD has no vCPU yet" },
	{ 0xC000062100000000ULL, 0, "TDX_X2APIC_ID_NOT_UNIQUE", false,
	  "two vCPUs have the same x2APIC ID" },
	{ 0xC000070000000000ULL, 0, "TDX_VCPU_STATE_INCORRECT", false,
	  "the vCPU is in the wrong state for this call" },
	{ 0x8000070100000000ULL, 0, "TDX_VCPU_ASSOCIATED", false,
	  "the vCPU is associated with another logical CPU" },
	{ 0x8000070200000000ULL, 0, "TDX_VCPU_NOT_ASSOCIATED", false,
	  "the vCPU is not associated with this logical CPU" },
	{ 0xC000070500000000ULL, 0, "TDX_MAX_VCPUS_EXCEEDED", false,
	  "more vCPUs than the TD's max_vcpus" },
	{ 0xC000070600000000ULL, 0, "TDX_TSC_ROLLBACK", false,
	  "the TSC went backwards" },
	{ 0x8000080000000000ULL, 0, "TDX_KEY_GENERATION_FAILED", false,
	  "TD key generation failed, often for lack of entropy; retry" },
	{ 0x8000081000000000ULL, 0, "TDX_TD_KEYS_NOT_CONFIGURED", false,
	  "the TD's key is not programmed on every package yet" },
	{ 0xC000081100000000ULL, 0, "TDX_KEY_STATE_INCORRECT", false,
	  "the TD's key is in the wrong state for this call" },
	{ 0x0000081500000000ULL, 0, "TDX_KEY_CONFIGURED", false,
	  "warning: the key was already configured on this package" },
	{ 0x0000082100000000ULL, 0, "TDX_NO_HKID_READY_TO_WBCACHE", false,
	  "warning: no cache write-back was needed" },
	{ 0x8000082400000000ULL, 0, "TDX_FLUSHVP_NOT_DONE", false,
	  "a vCPU was not flushed before releasing the TD's key" },
	{ 0xC000090000000000ULL, 0, "TDX_INCORRECT_CPUID_VALUE", false,
	  "a CPUID value given at TD init is not allowed" },
	{ 0xC000090200000000ULL, 0, "TDX_INCONSISTENT_CPUID_FIELD", false,
	  "CPUID fields given at TD init contradict each other" },
	{ 0xC000090400000000ULL, 0, "TDX_CPUID_LEAF_1F_FORMAT_UNRECOGNIZED", false,
	  "the CPUID leaf 0x1F sub-leaves given at TD init are not a valid topology (all zero means native)" },
	{ 0xC000092100000000ULL, 0, "TDX_INCORRECT_MSR_VALUE", false,
	  "an MSR the configuration depends on has an unexpected value (e.g. TSX enabled without IA32_TSX_CTRL)" },
	{ 0xC000090800000000ULL, 0, "TDX_CPUID_LEAF_NOT_SUPPORTED", false,
	  "the CPUID leaf is not supported by the module" },
	{ 0xC0000B0000000000ULL, 0, "TDX_EPT_WALK_FAILED", false,
	  "the secure-EPT walk stopped above the requested level" },
	{ 0xC0000B0100000000ULL, 0, "TDX_EPT_ENTRY_FREE", false,
	  "the secure-EPT entry is unexpectedly free" },
	{ 0xC0000B0200000000ULL, 0, "TDX_EPT_ENTRY_NOT_FREE", false,
	  "the secure-EPT entry is already used (a GPA added twice?)" },
	{ 0xC0000B0300000000ULL, 0, "TDX_EPT_ENTRY_NOT_PRESENT", false,
	  "the secure-EPT entry is not present" },
	{ 0xC0000B0600000000ULL, 0, "TDX_GPA_RANGE_NOT_BLOCKED", false,
	  "the GPA range must be blocked first" },
	{ 0xC0000B0800000000ULL, 0, "TDX_TLB_TRACKING_NOT_DONE", false,
	  "TLB tracking (TDH.MEM.TRACK and a vCPU kick) must complete first" },
	{ 0x00000B0A00000000ULL, 0, "TDX_PAGE_ALREADY_ACCEPTED", false,
	  "warning: the guest accepted the page twice" },
	{ 0xC0000B0B00000000ULL, 0, "TDX_PAGE_SIZE_MISMATCH", false,
	  "the accept size differs from the mapping size" },
	{ 0xC0000B0D00000000ULL, 0, "TDX_EPT_ENTRY_STATE_INCORRECT", false,
	  "the secure-EPT entry is in the wrong state" },
	{ 0xC0000C0000000000ULL, 0, "TDX_METADATA_FIELD_ID_INCORRECT", false,
	  "unknown metadata field id" },
	{ 0xC0000C0100000000ULL, 0, "TDX_METADATA_FIELD_NOT_WRITABLE", false,
	  "the metadata field is read-only" },
	{ 0xC0000C0200000000ULL, 0, "TDX_METADATA_FIELD_NOT_READABLE", false,
	  "the metadata field cannot be read" },
	{ 0xC0000C0300000000ULL, 0, "TDX_METADATA_FIELD_VALUE_NOT_VALID", false,
	  "the metadata value was rejected" },
	{ 0xC0000E0900000000ULL, 0, "TDX_TD_NOT_MIGRATABLE", false,
	  "migration needs a TD created with the migratable attribute" },
	{ 0xC000100000000000ULL, 0, "TDX_INVALID_CPUSVN", false,
	  "the report request carries an invalid CPUSVN" },
	{ SW_ERROR, 0, "TDX_SW_ERROR", false,
	  "the SEAMCALL itself failed in software" },
};

/* Software-made codes: class 0xFF, told apart by the low 32 bits. */
static const struct status_info sw_statuses[] = {
	{ 0x8000FF00FFFF0000ULL, 0, "TDX_SEAMCALL_VMFAILINVALID", false,
	  "no TDX module is loaded (SEAMCALL VMfailInvalid)" },
	{ 0x8000FF000000000DULL, 0, "TDX_SEAMCALL_GP", false,
	  "the SEAMCALL raised #GP (TDX not enabled by the BIOS?)" },
	{ 0x8000FF0000000006ULL, 0, "TDX_SEAMCALL_UD", false,
	  "the SEAMCALL raised #UD (CPU not in VMX operation?)" },
};

static const char *const operand_names[256] = {
	[0x00] = "RAX", [0x01] = "RCX", [0x02] = "RDX", [0x03] = "RBX",
	[0x04] = "RSP", [0x05] = "RBP", [0x06] = "RSI", [0x07] = "RDI",
	[0x08] = "R8", [0x09] = "R9", [0x0A] = "R10", [0x0B] = "R11",
	[0x0C] = "R12", [0x0D] = "R13", [0x0E] = "R14", [0x0F] = "R15",
	[0x40] = "ATTRIBUTES", [0x41] = "XFAM", [0x42] = "EXEC_CONTROLS",
	[0x43] = "EPTP_CONTROLS", [0x44] = "MAX_VCPUS", [0x45] = "CPUID_CONFIG",
	[0x46] = "TSC_FREQUENCY", [0x47] = "NUM_L2_VMS",
	[0x48] = "IA32_ARCH_CAPABILITIES_CONFIG", [0x5F] = "PAGE",
	[0x80] = "TDR", [0x81] = "TDCX", [0x82] = "TDVPR",
	[0x90] = "TDCS", [0x91] = "TDVPS", [0x92] = "SEPT_TREE",
	[0x93] = "SEPT_ENTRY", [0xA8] = "RTMR", [0xA9] = "TD_EPOCH",
	[0xB0] = "METADATA_FIELD",
};

static const struct status_info *status_lookup(uint64_t status)
{
	uint64_t s = status & TDX_STATUS_MASK;
	size_t i;

	if (s == SW_ERROR)
		for (i = 0; i < TDX_ARRAY_SIZE(sw_statuses); i++)
			if (status == sw_statuses[i].value)
				return &sw_statuses[i];
	for (i = 0; i < TDX_ARRAY_SIZE(statuses); i++)
		if (s == statuses[i].value || (statuses[i].alt && s == statuses[i].alt))
			return &statuses[i];
	return NULL;
}

TDX_EXPORT const char *tdx_status_name(uint64_t status)
{
	const struct status_info *si = status_lookup(status);

	return si ? si->name : NULL;
}

TDX_EXPORT const char *tdx_status_hint(uint64_t status)
{
	const struct status_info *si = status_lookup(status);

	return si ? si->hint : NULL;
}

/* Do the low 32 bits of this status name an operand? */
static bool carries_operand(uint64_t status)
{
	const struct status_info *si = status_lookup(status);

	if (si)
		return si->operand;
	return STATUS_CLASS(status) == CLASS_OPERAND;
}

/*
 * The operand name for an operand-carrying status (OPERAND_INVALID,
 * OPERAND_BUSY, ...), or for a bare operand id (bits 63:32 zero).
 */
TDX_EXPORT const char *tdx_status_operand_name(uint64_t status)
{
	uint32_t id = (uint32_t)status;

	if ((status & TDX_STATUS_MASK) && !carries_operand(status))
		return NULL;
	return id < TDX_ARRAY_SIZE(operand_names) ? operand_names[id] : NULL;
}

TDX_EXPORT bool tdx_status_is_error(uint64_t status)
{
	return status & STATUS_ERROR;
}

TDX_EXPORT bool tdx_status_is_fatal(uint64_t status)
{
	return status & STATUS_FATAL;
}

TDX_EXPORT int tdx_status_format(uint64_t status, char *buf, size_t size)
{
	const struct status_info *si = status_lookup(status);
	uint32_t low = (uint32_t)status;
	char detail[64] = "";
	int n;

	if (!buf && size)
		return -EINVAL;
	if (carries_operand(status)) {
		const char *op = tdx_status_operand_name(status);

		if (op)
			snprintf(detail, sizeof(detail), " (operand %s)", op);
		else
			snprintf(detail, sizeof(detail), " (operand 0x%x)", low);
	} else if (low && !(si && si->value == status)) {
		snprintf(detail, sizeof(detail), " (detail 0x%x)", low);
	}

	if (si)
		n = snprintf(buf, size, "0x%016llX %s%s: %s",
			     (unsigned long long)status, si->name, detail,
			     si->hint);
	else
		n = snprintf(buf, size,
			     "0x%016llX unknown status (class 0x%02X, detail 0x%02X%s%s)%s",
			     (unsigned long long)status, STATUS_CLASS(status),
			     STATUS_DETAIL(status),
			     (status & STATUS_ERROR) ? ", error" : ", not an error",
			     (status & STATUS_FATAL) ? ", non-recoverable" : "",
			     detail);
	return n < 0 ? -EINVAL : n;
}
