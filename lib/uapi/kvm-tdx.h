/* SPDX-License-Identifier: MIT */
/*
 * Private kernel definitions for libtdx: the merged upstream KVM TDX and
 * guest_memfd uAPI (Linux 6.16+), with the kernel's names, values and
 * layouts.  Never installed.
 *
 * Debian 12 ships 6.1 headers, which lack all of this; newer headers have
 * it.  Every block is guarded by a macro that the kernel introduced in the
 * same release as the block, so this header builds unchanged against both
 * (tests/abi checks the "newer headers" case).  Layouts are pinned below
 * with _Static_assert against the offsets of the kernel's own definitions
 * (include/uapi/linux/kvm.h and arch/x86/include/uapi/asm/kvm.h, Linux
 * 7.2), whoever defined them.
 *
 * Also used by the simulator (sim/), which shares nothing else with
 * the library.
 */
#ifndef LIBTDX_UAPI_KVM_TDX_H
#define LIBTDX_UAPI_KVM_TDX_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <linux/kvm.h>

/* ---- VM types (asm/kvm.h, 6.8+ / 6.16+) ---------------------------- */
#ifndef KVM_X86_DEFAULT_VM
#define KVM_X86_DEFAULT_VM	0
#endif
#ifndef KVM_X86_SW_PROTECTED_VM
#define KVM_X86_SW_PROTECTED_VM	1
#endif
#ifndef KVM_X86_SEV_VM
#define KVM_X86_SEV_VM		2
#endif
#ifndef KVM_X86_SEV_ES_VM
#define KVM_X86_SEV_ES_VM	3
#endif
#ifndef KVM_X86_SNP_VM
#define KVM_X86_SNP_VM		4
#endif

/* ---- TDX uAPI (asm/kvm.h, 6.16+): all of it arrived together --------- */
#ifndef KVM_X86_TDX_VM
#define KVM_X86_TDX_VM		5

enum kvm_tdx_cmd_id {
	KVM_TDX_CAPABILITIES = 0,
	KVM_TDX_INIT_VM,
	KVM_TDX_INIT_VCPU,
	KVM_TDX_INIT_MEM_REGION,
	KVM_TDX_FINALIZE_VM,
	KVM_TDX_GET_CPUID,

	KVM_TDX_CMD_NR_MAX,
};

struct kvm_tdx_cmd {
	__u32 id;
	__u32 flags;
	__u64 data;
	__u64 hw_error;
};

struct kvm_tdx_capabilities {
	__u64 supported_attrs;
	__u64 supported_xfam;

	__u64 kernel_tdvmcallinfo_1_r11;
	__u64 user_tdvmcallinfo_1_r11;
	__u64 kernel_tdvmcallinfo_1_r12;
	__u64 user_tdvmcallinfo_1_r12;

	__u64 reserved[250];

	struct kvm_cpuid2 cpuid;
};

struct kvm_tdx_init_vm {
	__u64 attributes;
	__u64 xfam;
	__u64 mrconfigid[6];
	__u64 mrowner[6];
	__u64 mrownerconfig[6];

	__u64 reserved[12];

	struct kvm_cpuid2 cpuid;
};

#define KVM_TDX_MEASURE_MEMORY_REGION	(1UL << 0)

struct kvm_tdx_init_mem_region {
	__u64 source_addr;
	__u64 gpa;
	__u64 nr_pages;
};
#endif /* KVM_X86_TDX_VM */

/* ---- ioctls and caps (linux/kvm.h) ---------------------------------- */
#ifndef KVM_CAP_X86_APIC_BUS_CYCLES_NS
#define KVM_CAP_X86_APIC_BUS_CYCLES_NS	237
#endif
#ifndef KVM_CAP_EXIT_HYPERCALL
#define KVM_CAP_EXIT_HYPERCALL		201
#endif
#ifndef KVM_CAP_VM_TSC_CONTROL
#define KVM_CAP_VM_TSC_CONTROL		214
#endif
#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2		231
#endif
#ifndef KVM_CAP_MEMORY_FAULT_INFO
#define KVM_CAP_MEMORY_FAULT_INFO	232
#endif
#ifndef KVM_CAP_MEMORY_ATTRIBUTES
#define KVM_CAP_MEMORY_ATTRIBUTES	233
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD		234
#endif
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES		235
#endif
#ifndef KVM_CAP_PRE_FAULT_MEMORY
#define KVM_CAP_PRE_FAULT_MEMORY	236
#endif
#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS	244
#endif

#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT		39
#endif
#ifndef KVM_EXIT_TDX
#define KVM_EXIT_TDX			40
#endif
#ifndef KVM_SYSTEM_EVENT_TDX_FATAL
#define KVM_SYSTEM_EVENT_TDX_FATAL	7
#endif
#ifndef KVM_MEMORY_EXIT_FLAG_PRIVATE
#define KVM_MEMORY_EXIT_FLAG_PRIVATE	(1ULL << 3)
#endif
#ifndef KVM_EXIT_HYPERCALL_LONG_MODE
#define KVM_EXIT_HYPERCALL_LONG_MODE	(1ULL << 0)
#endif
#ifndef KVM_X2APIC_API_USE_32BIT_IDS
#define KVM_X2APIC_API_USE_32BIT_IDS		(1ULL << 0)
#endif
#ifndef KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK
#define KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK	(1ULL << 1)
#endif
#ifndef KVM_HC_MAP_GPA_RANGE
#define KVM_HC_MAP_GPA_RANGE		12
#endif
#ifndef KVM_MAP_GPA_RANGE_ENCRYPTED
#define KVM_MAP_GPA_RANGE_ENCRYPTED	(1 << 4)
#endif
#ifndef KVM_MAP_GPA_RANGE_DECRYPTED
#define KVM_MAP_GPA_RANGE_DECRYPTED	(0 << 4)
#endif

/* guest_memfd + KVM_SET_USER_MEMORY_REGION2 (6.8) */
#ifndef KVM_MEM_GUEST_MEMFD
#define KVM_MEM_GUEST_MEMFD		(1UL << 2)
#endif
#ifndef KVM_SET_USER_MEMORY_REGION2
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};
#define KVM_SET_USER_MEMORY_REGION2 \
	_IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)
#endif

#ifndef KVM_SET_MEMORY_ATTRIBUTES
struct kvm_memory_attributes {
	__u64 address;
	__u64 size;
	__u64 attributes;
	__u64 flags;
};
#define KVM_SET_MEMORY_ATTRIBUTES \
	_IOW(KVMIO, 0xd2, struct kvm_memory_attributes)
#endif
#ifndef KVM_MEMORY_ATTRIBUTE_PRIVATE
#define KVM_MEMORY_ATTRIBUTE_PRIVATE	(1ULL << 3)
#endif

#ifndef KVM_CREATE_GUEST_MEMFD
struct kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};
#define KVM_CREATE_GUEST_MEMFD \
	_IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)
#endif
#ifndef GUEST_MEMFD_FLAG_MMAP
#define GUEST_MEMFD_FLAG_MMAP		(1ULL << 0)
#endif
#ifndef GUEST_MEMFD_FLAG_INIT_SHARED
#define GUEST_MEMFD_FLAG_INIT_SHARED	(1ULL << 1)
#endif

#ifndef KVM_PRE_FAULT_MEMORY
struct kvm_pre_fault_memory {
	__u64 gpa;
	__u64 size;
	__u64 flags;
	__u64 padding[5];
};
#define KVM_PRE_FAULT_MEMORY \
	_IOWR(KVMIO, 0xd5, struct kvm_pre_fault_memory)
#endif

#ifndef KVM_CPUID_FLAG_SIGNIFCANT_INDEX
#define KVM_CPUID_FLAG_SIGNIFCANT_INDEX	(1 << 0)
#endif

/* ---- TDX values that are not uAPI macros but fixed by the ABI -------- */
#define LIBTDX_KVM_MAX_CPUID_ENTRIES	256
#define LIBTDX_TDVMCALL_GET_TD_VM_CALL_INFO		0x10000ULL
#define LIBTDX_TDVMCALL_MAP_GPA				0x10001ULL
#define LIBTDX_TDVMCALL_GET_QUOTE			0x10002ULL
#define LIBTDX_TDVMCALL_REPORT_FATAL_ERROR		0x10003ULL
#define LIBTDX_TDVMCALL_SETUP_EVENT_NOTIFY_INTERRUPT	0x10004ULL
#define LIBTDX_TDVMCALL_STATUS_SUCCESS			0x0ULL
#define LIBTDX_TDVMCALL_STATUS_RETRY			0x1ULL
#define LIBTDX_TDVMCALL_STATUS_INVALID_OPERAND		0x8000000000000000ULL
#define LIBTDX_TDVMCALL_STATUS_GPA_INUSE		0x8000000000000001ULL
#define LIBTDX_TDVMCALL_STATUS_ALIGN_ERROR		0x8000000000000002ULL
#define LIBTDX_TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED	0x8000000000000003ULL

/*
 * kvm_run exit-union members that 6.1 headers lack (memory_fault, tdx).
 * Anonymous in the kernel, so they get libtdx names; they overlay the
 * union at offset 32 of struct kvm_run.
 */
#define LIBTDX_KVM_RUN_EXIT_OFFSET	32

struct libtdx_run_memory_fault {
	__u64 flags;
	__u64 gpa;
	__u64 size;
};

struct libtdx_run_tdx {
	__u64 flags;
	__u64 nr;
	union {
		struct {
			__u64 ret;
			__u64 data[5];
		} unknown;
		struct {
			__u64 ret;
			__u64 gpa;
			__u64 size;
		} get_quote;
		struct {
			__u64 ret;
			__u64 leaf;
			__u64 r11, r12, r13, r14;
		} get_tdvmcall_info;
		struct {
			__u64 ret;
			__u64 vector;
		} setup_event_notify;
	};
};

static inline void *libtdx_run_exit(struct kvm_run *run)
{
	return (char *)run + LIBTDX_KVM_RUN_EXIT_OFFSET;
}

/* ---- layout pins (the kernel's uapi headers, Linux 7.2) -------------- */
#define LIBTDX_PIN_SIZE(t, n) \
	_Static_assert(sizeof(t) == (n), "sizeof(" #t ") must be " #n)
#define LIBTDX_PIN_OFF(t, f, n) \
	_Static_assert(offsetof(t, f) == (n), "offsetof(" #t ", " #f ") must be " #n)

LIBTDX_PIN_SIZE(struct kvm_tdx_cmd, 24);
LIBTDX_PIN_OFF(struct kvm_tdx_cmd, flags, 4);
LIBTDX_PIN_OFF(struct kvm_tdx_cmd, data, 8);
LIBTDX_PIN_OFF(struct kvm_tdx_cmd, hw_error, 16);

LIBTDX_PIN_SIZE(struct kvm_cpuid_entry2, 40);
LIBTDX_PIN_OFF(struct kvm_cpuid_entry2, eax, 12);
LIBTDX_PIN_OFF(struct kvm_cpuid_entry2, edx, 24);
LIBTDX_PIN_SIZE(struct kvm_cpuid2, 8);

LIBTDX_PIN_SIZE(struct kvm_tdx_capabilities, 2056);
LIBTDX_PIN_OFF(struct kvm_tdx_capabilities, supported_xfam, 8);
LIBTDX_PIN_OFF(struct kvm_tdx_capabilities, kernel_tdvmcallinfo_1_r11, 16);
LIBTDX_PIN_OFF(struct kvm_tdx_capabilities, user_tdvmcallinfo_1_r11, 24);
LIBTDX_PIN_OFF(struct kvm_tdx_capabilities, kernel_tdvmcallinfo_1_r12, 32);
LIBTDX_PIN_OFF(struct kvm_tdx_capabilities, user_tdvmcallinfo_1_r12, 40);
LIBTDX_PIN_OFF(struct kvm_tdx_capabilities, reserved, 48);
LIBTDX_PIN_OFF(struct kvm_tdx_capabilities, cpuid, 2048);

LIBTDX_PIN_SIZE(struct kvm_tdx_init_vm, 264);
LIBTDX_PIN_OFF(struct kvm_tdx_init_vm, xfam, 8);
LIBTDX_PIN_OFF(struct kvm_tdx_init_vm, mrconfigid, 16);
LIBTDX_PIN_OFF(struct kvm_tdx_init_vm, mrowner, 64);
LIBTDX_PIN_OFF(struct kvm_tdx_init_vm, mrownerconfig, 112);
LIBTDX_PIN_OFF(struct kvm_tdx_init_vm, reserved, 160);
LIBTDX_PIN_OFF(struct kvm_tdx_init_vm, cpuid, 256);

LIBTDX_PIN_SIZE(struct kvm_tdx_init_mem_region, 24);
LIBTDX_PIN_OFF(struct kvm_tdx_init_mem_region, gpa, 8);
LIBTDX_PIN_OFF(struct kvm_tdx_init_mem_region, nr_pages, 16);

LIBTDX_PIN_SIZE(struct kvm_create_guest_memfd, 64);
LIBTDX_PIN_OFF(struct kvm_create_guest_memfd, flags, 8);

LIBTDX_PIN_SIZE(struct kvm_userspace_memory_region2, 160);
LIBTDX_PIN_OFF(struct kvm_userspace_memory_region2, guest_phys_addr, 8);
LIBTDX_PIN_OFF(struct kvm_userspace_memory_region2, memory_size, 16);
LIBTDX_PIN_OFF(struct kvm_userspace_memory_region2, userspace_addr, 24);
LIBTDX_PIN_OFF(struct kvm_userspace_memory_region2, guest_memfd_offset, 32);
LIBTDX_PIN_OFF(struct kvm_userspace_memory_region2, guest_memfd, 40);
LIBTDX_PIN_OFF(struct kvm_userspace_memory_region2, pad2, 48);

LIBTDX_PIN_SIZE(struct kvm_memory_attributes, 32);
LIBTDX_PIN_OFF(struct kvm_memory_attributes, attributes, 16);
LIBTDX_PIN_OFF(struct kvm_memory_attributes, flags, 24);

LIBTDX_PIN_SIZE(struct kvm_pre_fault_memory, 64);
LIBTDX_PIN_SIZE(struct kvm_enable_cap, 104);
LIBTDX_PIN_OFF(struct kvm_enable_cap, args, 8);

LIBTDX_PIN_SIZE(struct kvm_run, 2352);
LIBTDX_PIN_OFF(struct kvm_run, exit_reason, 8);
LIBTDX_PIN_OFF(struct kvm_run, hypercall, LIBTDX_KVM_RUN_EXIT_OFFSET);
LIBTDX_PIN_OFF(struct kvm_run, system_event, LIBTDX_KVM_RUN_EXIT_OFFSET);
LIBTDX_PIN_OFF(struct kvm_run, kvm_valid_regs, 288);
LIBTDX_PIN_OFF(struct libtdx_run_tdx, get_quote.gpa, 24);
LIBTDX_PIN_OFF(struct libtdx_run_tdx, get_tdvmcall_info.r14, 56);
LIBTDX_PIN_OFF(struct libtdx_run_tdx, setup_event_notify.vector, 24);
_Static_assert(sizeof(struct libtdx_run_tdx) <= 256, "tdx exit fits the union");

/* ioctl numbers as the notes list them (x86_64) */
_Static_assert(KVM_SET_USER_MEMORY_REGION2 == 0x40A0AE49, "ioctl number");
_Static_assert(KVM_SET_MEMORY_ATTRIBUTES == 0x4020AED2, "ioctl number");
_Static_assert(KVM_CREATE_GUEST_MEMFD == 0xC040AED4, "ioctl number");
_Static_assert(KVM_PRE_FAULT_MEMORY == 0xC040AED5, "ioctl number");
_Static_assert(KVM_MEMORY_ENCRYPT_OP == 0xC008AEBA, "ioctl number");
_Static_assert(KVM_ENABLE_CAP == 0x4068AEA3, "ioctl number");
_Static_assert(KVM_SET_CPUID2 == 0x4008AE90, "ioctl number");
_Static_assert(KVM_TDX_GET_CPUID == 5 && KVM_TDX_CMD_NR_MAX == 6, "cmd ids");

#endif /* LIBTDX_UAPI_KVM_TDX_H */
