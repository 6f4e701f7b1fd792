/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for a >= 6.16 <linux/kvm.h>: the system header plus the TDX and
 * guest_memfd definitions newer kernels carry (written here from the uAPI
 * notes), so tests/abi can prove lib/uapi/kvm-tdx.h builds against headers
 * that already define them, without redefinition errors.
 */
#ifndef LIBTDX_TEST_NEW_KVM_H
#define LIBTDX_TEST_NEW_KVM_H
#include_next <linux/kvm.h>

#define KVM_X86_DEFAULT_VM 0
#define KVM_X86_SW_PROTECTED_VM 1
#define KVM_X86_SEV_VM 2
#define KVM_X86_SEV_ES_VM 3
#define KVM_X86_SNP_VM 4
#define KVM_X86_TDX_VM 5

enum kvm_tdx_cmd_id {
	KVM_TDX_CAPABILITIES = 0, KVM_TDX_INIT_VM, KVM_TDX_INIT_VCPU,
	KVM_TDX_INIT_MEM_REGION, KVM_TDX_FINALIZE_VM, KVM_TDX_GET_CPUID,
	KVM_TDX_CMD_NR_MAX,
};
struct kvm_tdx_cmd { __u32 id; __u32 flags; __u64 data; __u64 hw_error; };
struct kvm_tdx_capabilities {
	__u64 supported_attrs; __u64 supported_xfam;
	__u64 kernel_tdvmcallinfo_1_r11; __u64 user_tdvmcallinfo_1_r11;
	__u64 kernel_tdvmcallinfo_1_r12; __u64 user_tdvmcallinfo_1_r12;
	__u64 reserved[250];
	struct kvm_cpuid2 cpuid;
};
struct kvm_tdx_init_vm {
	__u64 attributes; __u64 xfam; __u64 mrconfigid[6]; __u64 mrowner[6];
	__u64 mrownerconfig[6]; __u64 reserved[12];
	struct kvm_cpuid2 cpuid;
};
#define KVM_TDX_MEASURE_MEMORY_REGION _BITULL(0)
struct kvm_tdx_init_mem_region { __u64 source_addr; __u64 gpa; __u64 nr_pages; };

#define KVM_CAP_USER_MEMORY2 231
#define KVM_CAP_MEMORY_FAULT_INFO 232
#define KVM_CAP_MEMORY_ATTRIBUTES 233
#define KVM_CAP_GUEST_MEMFD 234
#define KVM_CAP_VM_TYPES 235
#define KVM_CAP_PRE_FAULT_MEMORY 236
#define KVM_CAP_X86_APIC_BUS_CYCLES_NS 237
#define KVM_CAP_GUEST_MEMFD_FLAGS 244
#define KVM_EXIT_MEMORY_FAULT 39
#define KVM_EXIT_TDX 40
#define KVM_SYSTEM_EVENT_TDX_FATAL 7
#define KVM_MEMORY_EXIT_FLAG_PRIVATE (1ULL << 3)
#define KVM_MEM_GUEST_MEMFD (1UL << 2)
struct kvm_userspace_memory_region2 {
	__u32 slot; __u32 flags; __u64 guest_phys_addr; __u64 memory_size;
	__u64 userspace_addr; __u64 guest_memfd_offset; __u32 guest_memfd;
	__u32 pad1; __u64 pad2[14];
};
#define KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)
struct kvm_memory_attributes { __u64 address; __u64 size; __u64 attributes; __u64 flags; };
#define KVM_SET_MEMORY_ATTRIBUTES _IOW(KVMIO, 0xd2, struct kvm_memory_attributes)
#define KVM_MEMORY_ATTRIBUTE_PRIVATE (1ULL << 3)
struct kvm_create_guest_memfd { __u64 size; __u64 flags; __u64 reserved[6]; };
#define KVM_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)
#define GUEST_MEMFD_FLAG_MMAP (1ULL << 0)
#define GUEST_MEMFD_FLAG_INIT_SHARED (1ULL << 1)
struct kvm_pre_fault_memory { __u64 gpa; __u64 size; __u64 flags; __u64 padding[5]; };
#define KVM_PRE_FAULT_MEMORY _IOWR(KVMIO, 0xd5, struct kvm_pre_fault_memory)
#endif
