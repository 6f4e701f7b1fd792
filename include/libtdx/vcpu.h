/* SPDX-License-Identifier: MIT */
/**
 * DOC: vcpu - create and initialise TD vCPUs
 *
 * Order per vCPU (after tdx_vm_init(), before tdx_vm_finalize()):
 *
 *   tdx_vcpu_new()   KVM_CREATE_VCPU, mmap of struct kvm_run
 *   tdx_vcpu_init()  KVM_TDX_GET_CPUID -> KVM_SET_CPUID2 (x2APIC present)
 *                    -> KVM_TDX_INIT_VCPU with the TD HOB address in RCX
 *
 * KVM_SET_CPUID2 must precede KVM_TDX_INIT_VCPU: KVM puts the vCPU in x2APIC
 * mode at INIT_VCPU and refuses (-EINVAL) if its CPUID lacks x2APIC.
 *
 * Thread model: one thread per vCPU.  A tdx_vcpu is used by one thread at a
 * time; different vCPUs of one TD may run concurrently.
 */
#ifndef LIBTDX_VCPU_H
#define LIBTDX_VCPU_H

#include <libtdx/common.h>
#include <libtdx/caps.h>
#include <libtdx/vm.h>

#ifdef __cplusplus
extern "C" {
#endif

/** struct tdx_vcpu - a TD vCPU; reference counted; holds a VM reference. */
struct tdx_vcpu;

/**
 * tdx_vcpu_new() - KVM_CREATE_VCPU and map its run area.
 * @id: vCPU id (becomes the initial x2APIC id); below KVM's id limit
 *   (KVM_CAP_MAX_VCPU_ID, usually 4096), so ids may be sparse; a TD has at
 *   most tdx_vm_get_max_vcpus() vCPUs
 *
 * Return: 0; -EINVAL (id out of range, field "id"; the TD already has
 * tdx_vm_get_max_vcpus() vCPUs or tdx_td_config.vcpus, field "vcpus"; or the TD is not initialised /
 * already finalised: step and message in tdx_vm_get_last_error()); the
 * kernel's errno otherwise.  Nothing leaks on failure.
 */
int tdx_vcpu_new(struct tdx_vm *vm, unsigned int id, struct tdx_vcpu **ret_vcpu);
/** tdx_vcpu_ref() - take a reference (NULL is fine); returns @vcpu. */
struct tdx_vcpu *tdx_vcpu_ref(struct tdx_vcpu *vcpu);
/** tdx_vcpu_unref() - the last reference unmaps the run area and closes the fd. */
struct tdx_vcpu *tdx_vcpu_unref(struct tdx_vcpu *vcpu);
/** tdx_vcpu_get_fd() - the vCPU fd (borrowed), e.g. for KVM_RUN. */
int tdx_vcpu_get_fd(const struct tdx_vcpu *vcpu);
/** tdx_vcpu_get_id() - the vCPU id. */
unsigned int tdx_vcpu_get_id(const struct tdx_vcpu *vcpu);
/** tdx_vcpu_get_run_area() - the mmap'd struct kvm_run (borrowed; valid while the vCPU lives). */
void *tdx_vcpu_get_run_area(const struct tdx_vcpu *vcpu);
/** tdx_vcpu_get_vm() - the VM (borrowed). */
struct tdx_vm *tdx_vcpu_get_vm(const struct tdx_vcpu *vcpu);
/** tdx_vcpu_is_initialized() - KVM_TDX_INIT_VCPU succeeded. */
bool tdx_vcpu_is_initialized(const struct tdx_vcpu *vcpu);
/** tdx_vcpu_get_last_error() - the vCPU's last-error record. */
const struct tdx_error *tdx_vcpu_get_last_error(const struct tdx_vcpu *vcpu);

/**
 * tdx_vcpu_init() - set the vCPU's CPUID from the TD's (KVM_TDX_GET_CPUID,
 * with its -E2BIG protocol) and issue KVM_TDX_INIT_VCPU.
 * @hob_gpa: the TD HOB's guest-physical address (TDVF reads it from RCX)
 *
 * KVM_SET_CPUID2 is issued once, before FINALIZE; KVM would accept a later
 * one only if it repeated the table exactly (kvm_cpuid_check_equal()).
 *
 * Return: 0; -EALREADY (already initialised); -EINVAL (TD not initialised
 * or already finalised; or, field "cpuid", the TD's leaf 0x80000008
 * EAX[15:8] is not 0, 48 or 57, which KVM_SET_CPUID2 refuses); the
 * kernel's errno otherwise.
 */
int tdx_vcpu_init(struct tdx_vcpu *vcpu, uint64_t hob_gpa);

/** Kinds of CPUID report lines. */
#define TDX_CPUID_REQUESTED_NOT_SUPPORTED	1 /* asked for, TD does not have it */
#define TDX_CPUID_FORCED_ON			2 /* TD has it, not asked for */

/**
 * struct tdx_cpuid_diff - one difference between what the VMM configured
 * (the INIT_VM CPUID) and what the TD really got (KVM_TDX_GET_CPUID).
 */
struct tdx_cpuid_diff {
	uint32_t kind;		/* TDX_CPUID_* */
	uint32_t function;
	uint32_t index;
	uint32_t reg;		/* 0 eax, 1 ebx, 2 ecx, 3 edx */
	uint32_t bits;		/* the differing bits */
};

/**
 * tdx_vcpu_cpuid_count() - number of CPUID entries the TD reported
 * (valid after tdx_vcpu_init()).
 */
size_t tdx_vcpu_cpuid_count(const struct tdx_vcpu *vcpu);
/** tdx_vcpu_get_cpuid() - entry @i; 0 or -ERANGE. */
int tdx_vcpu_get_cpuid(const struct tdx_vcpu *vcpu, size_t i,
		       struct tdx_cpuid_entry *ret_entry);
/**
 * tdx_vcpu_compare_cpuid() - compare requested and actual CPUID, as QEMU does
 * after init, for the leaves the VMM configured.
 * @diffs: array of @max entries, or NULL to count.
 *
 * Return: the number of differences (may exceed @max), or -EINVAL before
 * tdx_vcpu_init().
 */
int tdx_vcpu_compare_cpuid(const struct tdx_vcpu *vcpu,
			   struct tdx_cpuid_diff *diffs, size_t max);


/* ---------------------------------------------------------------------- */
/* Running and exits                                                       */
/* ---------------------------------------------------------------------- */

/* Exit types (struct tdx_exit.type). */
#define TDX_EXIT_IO			1  /* port I/O: u.io */
#define TDX_EXIT_MMIO			2  /* MMIO: u.mmio */
#define TDX_EXIT_MEMORY_FAULT		3  /* implicit conversion: u.convert */
#define TDX_EXIT_MAP_GPA		4  /* TDVMCALL MapGPA: u.convert; answer it */
#define TDX_EXIT_GET_QUOTE		5  /* u.get_quote; answer it */
#define TDX_EXIT_SETUP_EVENT_NOTIFY	6  /* u.notify; answer it */
#define TDX_EXIT_GET_TDVMCALL_INFO	7  /* u.tdvmcall_info; answer it */
#define TDX_EXIT_FATAL			8  /* ReportFatalError: u.fatal */
#define TDX_EXIT_SHUTDOWN		9  /* triple fault / shutdown */
#define TDX_EXIT_FAIL_ENTRY		10 /* u.fail_entry */
#define TDX_EXIT_INTERNAL_ERROR		11 /* u.internal */
#define TDX_EXIT_INTR			12 /* KVM_RUN interrupted by a signal */
#define TDX_EXIT_TDX_UNKNOWN		13 /* KVM_EXIT_TDX with an unknown leaf: u.tdx_unknown */
#define TDX_EXIT_OTHER			14 /* any other KVM exit: kvm_reason */

/** TDX_FATAL_MESSAGE_MAX - bytes of guest message ReportFatalError can carry. */
#define TDX_FATAL_MESSAGE_MAX 64

/**
 * struct tdx_exit - a decoded vCPU exit.  All guest-controlled values are
 * reported as the guest gave them (after the kernel's own checks); helpers
 * that act on them validate them again.
 */
struct tdx_exit {
	uint32_t type;		/* TDX_EXIT_* */
	uint32_t kvm_reason;	/* kvm_run.exit_reason */
	union {
		struct {
			uint16_t port;
			uint8_t size;		/* 1, 2 or 4 */
			uint8_t is_write;
			uint32_t count;
			uint8_t *data;		/* size * count bytes in the run area */
		} io;
		struct {
			uint64_t gpa;
			uint32_t len;		/* 1..8 */
			uint8_t is_write;
			uint8_t *data;		/* len bytes in the run area */
		} mmio;
		/* TDX_EXIT_MEMORY_FAULT and TDX_EXIT_MAP_GPA */
		struct {
			uint64_t gpa;		/* shared bit stripped */
			uint64_t size;		/* UINT64_MAX if the guest's count overflowed */
			uint8_t to_private;
		} convert;
		struct {
			uint64_t gpa;		/* shared buffer, shared bit stripped */
			uint64_t size;
		} get_quote;
		struct {
			uint64_t vector;
		} notify;
		struct {
			uint64_t leaf;
		} tdvmcall_info;
		struct {
			uint64_t error_code;	/* guest R12 */
			uint64_t gpa;		/* guest R13, valid if has_gpa */
			uint8_t has_gpa;	/* error_code bit 63 */
			uint8_t code_valid;	/* error_code bits 15:0 are zero (GHCI) */
			uint8_t message_len;
			char message[TDX_FATAL_MESSAGE_MAX + 1]; /* NUL-terminated, non-printables as '?' */
		} fatal;
		struct {
			uint64_t hardware_entry_failure_reason;
			uint32_t cpu;
		} fail_entry;
		struct {
			uint32_t suberror;
		} internal;
		struct {
			uint64_t nr;
		} tdx_unknown;
		uint8_t reserved[128];
	} u;
};

/**
 * tdx_vcpu_kick() - make the vCPU's tdx_vcpu_run() return %TDX_EXIT_INTR
 * soon, from any thread, without kernel structs: the way to stop a vCPU
 * thread (to pause, to end the TD, to serve a request).
 *
 * Race-free, as QEMU's kick: it sets the run area's immediate_exit, so a
 * KVM_RUN that has not started yet returns at once, then sends the VM's
 * kick signal (struct tdx_vm_opts.kick_signal) to the thread inside
 * tdx_vcpu_run(), if one is, which ends a KVM_RUN under way.  A kick made
 * while no tdx_vcpu_run() is under way is kept for the next one; one kick
 * makes one tdx_vcpu_run() return %TDX_EXIT_INTR (an exit the kernel had
 * already produced is returned first); kicks are not counted: several
 * before that run still make one %TDX_EXIT_INTR.  tdx_vcpu_run() keeps the kick
 * signal unblocked inside KVM_RUN even when the thread blocks it
 * (KVM_SET_SIGNAL_MASK).  Thread-safe; records nothing.
 *
 * Return: 0; -EINVAL (NULL @vcpu).
 */
int tdx_vcpu_kick(struct tdx_vcpu *vcpu);
/**
 * tdx_vcpu_run() - KVM_RUN once and decode why it returned.
 *
 * KVM reports an implicit private/shared conversion as KVM_RUN failing with
 * EFAULT and exit reason KVM_EXIT_MEMORY_FAULT; that is returned as a
 * TDX_EXIT_MEMORY_FAULT exit (0), not as an error.  A signal gives
 * TDX_EXIT_INTR.
 *
 * Return: 0 with @ret_exit filled; -EINVAL (vCPU not initialised or TD not
 * finalised: message in tdx_vcpu_get_last_error()); other KVM_RUN errnos.
 */
int tdx_vcpu_run(struct tdx_vcpu *vcpu, struct tdx_exit *ret_exit);

/* Status values for tdx_vcpu_complete() (TDVMCALL status codes). */
#define TDX_TDVMCALL_SUCCESS			0x0ULL
#define TDX_TDVMCALL_RETRY			0x1ULL
#define TDX_TDVMCALL_INVALID_OPERAND		0x8000000000000000ULL
#define TDX_TDVMCALL_GPA_INUSE			0x8000000000000001ULL
#define TDX_TDVMCALL_ALIGN_ERROR		0x8000000000000002ULL
#define TDX_TDVMCALL_SUBFUNC_UNSUPPORTED	0x8000000000000003ULL

/**
 * tdx_vcpu_complete() - write the VMM's answer for the last exit into the
 * run area before the next tdx_vcpu_run().
 * @status: a TDX_TDVMCALL_* status.  For MAP_GPA only three can reach the
 *   guest through KVM (tdx_complete_vmcall_map_gpa()): SUCCESS (the chunk
 *   was converted), RETRY (the guest asks again from this chunk) and
 *   INVALID_OPERAND (refused); libtdx writes them as KVM's hypercall.ret
 *   encoding (0, EAGAIN, EINVAL).  For GET_QUOTE / SETUP_EVENT_NOTIFY /
 *   GET_TDVMCALL_INFO / TDX_UNKNOWN any TDX_TDVMCALL_* status.
 *
 * Return: 0; -EINVAL if @exit is not of a type that takes an answer, if
 * the run area no longer holds an exit of that kind (field "exit": answer
 * the exit tdx_vcpu_run() last returned, once), or (field "status" in
 * tdx_vcpu_get_last_error()) a MAP_GPA answer other than those three: the
 * run area is left untouched, since KVM would fail the next KVM_RUN and
 * never answer the guest.
 */
int tdx_vcpu_complete(struct tdx_vcpu *vcpu, const struct tdx_exit *exit,
		      uint64_t status);
/**
 * tdx_vcpu_answer_tdvmcall_info() - answer GetTdVmCallInfo: status SUCCESS
 * and the four result registers (r11 bit 1 = SetupEventNotifyInterrupt ...).
 * Return: 0, or -EINVAL if @exit is not GET_TDVMCALL_INFO or the run area
 * no longer holds that exit (field "exit").
 */
int tdx_vcpu_answer_tdvmcall_info(struct tdx_vcpu *vcpu, const struct tdx_exit *exit,
				  uint64_t r11, uint64_t r12, uint64_t r13,
				  uint64_t r14);
struct tdx_mem;

/**
 * tdx_vcpu_convert() - serve a TDX_EXIT_MEMORY_FAULT or TDX_EXIT_MAP_GPA
 * exit: tdx_mem_convert() the range the guest asked for and, for MapGPA,
 * answer the guest through tdx_vcpu_complete(): SUCCESS when converted,
 * RETRY when the host could not convert for now (-EAGAIN, -EINTR,
 * -ENOMEM), INVALID_OPERAND when refused.  The guest's request is
 * untrusted: outside RAM, misaligned, wrapping or straddling RAM and a
 * hole is refused by the mem layer (rule in tdx_mem_get_last_reject(),
 * counted in stats.rejected).
 * @mem: the memory of the same TD
 *
 * A memory fault has no answer: KVM re-enters the guest, which faults on
 * the same GPA again, and the kernel sets no limit.  A refused memory
 * fault therefore ends the TD: -EFAULT, with step "memory fault", the
 * rule as field and the GPA in tdx_vcpu_get_last_error(); the VMM stops
 * the TD with that reason.
 *
 * Safe to call from several vCPU threads at once (the mem layer locks).
 *
 * Return: 0 (converted; a to-shared request over an MMIO hole, a counted
 * no-op; or a MapGPA the guest was answered RETRY or INVALID_OPERAND for);
 * -EFAULT for a refused memory fault (stop the TD); the kernel's errno
 * when KVM_SET_MEMORY_ATTRIBUTES failed otherwise (for MapGPA the guest
 * was told INVALID_OPERAND; message in tdx_vcpu_get_last_error());
 * -EINVAL when @exit is not a conversion exit, an argument is NULL, or
 * @mem belongs to another TD.
 */
int tdx_vcpu_convert(struct tdx_vcpu *vcpu, struct tdx_mem *mem,
		     const struct tdx_exit *exit);

/** tdx_exit_type_name() - "io", "map-gpa", "fatal", ...; "unknown" otherwise. */
const char *tdx_exit_type_name(uint32_t type);
/**
 * tdx_exit_format() - one readable line for an exit (e.g. the fatal-error
 * report "TD reported a fatal error 0x...: <message> (GPA 0x...)"), with
 * snprintf semantics.
 */
int tdx_exit_format(const struct tdx_exit *exit, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_VCPU_H */
