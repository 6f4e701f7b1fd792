/* SPDX-License-Identifier: MIT */
/*
 * tdxsim internals: a fake /dev/kvm (KVM + TDX module model) loaded with
 * LD_PRELOAD.  Behaviour follows the Linux 7.2 source (arch/x86/kvm/,
 * virt/kvm/; each handler names the function it models, sim/RULES.md lists
 * the rules) and, for the TDX module, intel/tdx-module.  Shares nothing with libtdx except the uAPI
 * definitions in lib/uapi/kvm-tdx.h.
 *
 * Locking: one process-wide mutex (sim_lock) protects every object below.
 * All handlers run with it held.
 */
#ifndef TDXSIM_SIM_H
#define TDXSIM_SIM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/uapi/kvm-tdx.h"
#include "guest.h"

#define SIM_EXPORT __attribute__((visibility("default")))

#define SIM_PAGE_SIZE		4096ULL
#define SIM_KVM_API_VERSION	12
#define SIM_VCPU_MMAP_SIZE	12288
#define SIM_KVM_MAX_VCPUS	1024
#define SIM_KVM_MAX_VCPU_IDS	4096
#define SIM_USER_MEM_SLOTS	32764
#define SIM_MEM_MAX_NR_PAGES	((1ULL << 31) - 1)
#define SIM_MAX_CPUID		256
#define SIM_MAX_PHYS_BITS	52
#define SIM_HOST_TSC_KHZ	2100000U
#define SIM_MAX_GUEST_TSC_KHZ	0x7fffffffU
#define SIM_MAX_IOAPIC_PINS	4096

/* Kernel versions the model distinguishes (major*100 + minor). */
enum {
	SIM_K616 = 616, SIM_K617 = 617, SIM_K618 = 618,
	SIM_K619 = 619, SIM_K700 = 700, SIM_K710 = 710, SIM_K720 = 720,
};

/* ---- range map: sorted, disjoint [start, end) intervals with a value --- */
struct sim_range {
	uint64_t start, end, val;
};
struct sim_rmap {
	struct sim_range *r;
	size_t n, cap;
};
int rmap_set(struct sim_rmap *m, uint64_t start, uint64_t end, uint64_t val);
uint64_t rmap_get(const struct sim_rmap *m, uint64_t x);
uint64_t rmap_count(const struct sim_rmap *m, uint64_t val);
void rmap_free(struct sim_rmap *m);

/* ---- capabilities (caps-data.c) ---------------------------------------- */
struct sim_cpuid_mask {
	uint32_t leaf, subleaf;		/* subleaf 0xffffffff = none */
	uint32_t cdirect[4], adirect[4];
};

struct sim_caps {
	char name[256];
	uint64_t supported_attrs, supported_xfam;
	uint64_t kernel_r11, user_r11, kernel_r12, user_r12;
	unsigned nent;
	struct kvm_cpuid_entry2 cpuid[SIM_MAX_CPUID];
	/* module model */
	bool have_masks;
	struct sim_cpuid_mask masks[SIM_MAX_CPUID];
	unsigned nmasks;
	uint64_t attrs_fixed0, attrs_fixed1;
	uint32_t platform_fms;		/* 0 = unknown: FMS not checked */
	/* the host CPU: native CPUID (cpu-*.json), sub-leaves in order */
	struct kvm_cpuid_entry2 native[SIM_MAX_CPUID];
	unsigned nnative;
	bool has_5level_ept;
	unsigned present_cpus;
};

int caps_load(struct sim_caps *c, const char *preset_or_path, char *err,
	      size_t errlen);
const char *caps_data_dir(void);
void caps_list_presets(void (*cb)(const char *name, const char *file));

/* ---- CPUID model (cpuid.c, cpu-model.c, tdx-cpuid.c, arch-prctl.c) ----- */
struct sim_vcpu;
struct sim_vm;
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid_entry2 *e, unsigned n,
				    uint32_t fn, uint32_t idx);
unsigned cpuid_maxphyaddr(struct kvm_cpuid_entry2 *e, unsigned n);
bool vcpu_legal_gpa(const struct sim_vcpu *v, uint64_t gpa);
bool vcpu_apic_base_ok(struct sim_vcpu *v, uint64_t base);
long vcpu_set_cpuid2(struct sim_vcpu *v, unsigned long arg);
long vcpu_set_cpuid(struct sim_vcpu *v, unsigned long arg);
long vcpu_get_cpuid2(struct sim_vcpu *v, unsigned long arg);
uint64_t caps_host_xcr0(const struct sim_caps *c);
const struct kvm_cpuid_entry2 *caps_native(const struct sim_caps *c, uint32_t fn,
					   uint32_t idx);
int td_cpuid_read_all(const struct sim_vm *vm, struct kvm_cpuid_entry2 *out,
		      unsigned max);
int kvm_supported_cpuid(const struct sim_caps *c, uint64_t guest_perm,
			struct kvm_cpuid_entry2 *out, unsigned max);
uint64_t xperm_host_xcr0(void);
uint64_t xperm_guest(void);
void xperm_lock_guest(void);
void xperm_reset(void);

/* ---- objects ------------------------------------------------------------ */
enum sim_kind { SK_DEV = 1, SK_VM, SK_VCPU, SK_GMEM };

enum td_state { TD_UNINIT, TD_INIT, TD_RUNNABLE };

/* S-EPT state of a private GFN: TDH.MEM.PAGE.ADD maps it accepted; a fault
 * or pre-fault after FINALIZE maps it PENDING (TDH.MEM.PAGE.AUG) until the
 * guest accepts it. */
enum { SEPT_NONE = 0, SEPT_PENDING = 1, SEPT_MAPPED = 2 };

struct sim_vm;

struct sim_memslot {
	uint32_t id;
	uint32_t flags;
	uint64_t gpa, size, uaddr;
	struct sim_gmem *gmem;	/* counted reference */
	uint64_t gmem_off;
};

struct sim_gmem {
	struct sim_vm *vm;	/* counted reference */
	int fd;
	uint64_t size, flags;
	struct sim_rmap populated; /* page offsets populated by INIT_MEM_REGION */
	struct sim_rmap bound;	   /* byte offsets bound to a memslot */
	int refs;
};

struct sim_vcpu {
	struct sim_vm *vm;	/* counted reference */
	int fd;
	uint32_t id;
	bool initialized;
	/* KVM_MP_STATE_*: kvm_arch_vcpu_create() makes an AP UNINITIALIZED when
	 * the irqchip is in the kernel (a TD's split irqchip counts), the BSP
	 * (id 0) RUNNABLE; tdx_td_vcpu_init() and KVM_SET_MP_STATE change it. */
	uint32_t mp_state;
	unsigned nmi_queued;	/* KVM_NMI not yet injected: kvm_vcpu_has_events() */
	uint64_t rcx, apic_base;
	unsigned cpuid_nent;
	struct kvm_cpuid_entry2 cpuid[SIM_MAX_CPUID];
	bool cpuid_set;		/* KVM_SET_CPUID2 succeeded (cpuid.c) */
	unsigned maxphyaddr;	/* cpuid_query_maxphyaddr() of that table */
	uint64_t guest_xfeatures; /* dynamic XSAVE features enabled (AMX) */
	bool ran;		/* entered the guest: CPUID is frozen */
	uint32_t tsc_khz;	/* vcpu->arch.virtual_tsc_khz: the VM's default at creation, KVM_SET_TSC_KHZ */
	struct kvm_run *run;	/* the simulator's own map of the memfd */
	bool closed;
	int in_run;		/* KVM_RUN waiting without the lock */
	bool sigmask_set;	/* KVM_SET_SIGNAL_MASK */
	sigset_t sigmask;
	struct guest_vcpu *guest; /* script cursor (run.c), created at first KVM_RUN */
	void *x86;		/* struct sim_vcpux (kvm-x86.h) */
};

#define SIM_HOB_MAX 8192

struct sim_call {
	char name[40];
	int err;
};

struct sim_vm {
	unsigned long serial;
	unsigned long type;
	pid_t creator;
	int fd;
	int refs;		/* fd + vcpus + gmems + memslot bindings */
	bool fd_open;
	bool dead;
	enum td_state td_state;
	bool hkid;
	uint64_t shared_bit;
	int irqchip;		/* 0 none, 1 split, 2 full */
	unsigned created_vcpus, max_vcpus;
	uint32_t tsc_khz;
	uint64_t hypercall_mask;
	uint32_t apic_bus_ns;
	uint64_t x2apic_api;
	bool pre_fault_allowed;
	struct sim_caps *caps;	/* snapshot at creation */
	int kernel;
	/* memory */
	struct sim_memslot *slots;
	size_t nslots, slots_cap;
	struct sim_rmap attrs;	/* GFN -> attributes */
	struct sim_rmap sept;	/* GFN -> SEPT_*: the private (S-EPT) mapping */
	/* TD */
	uint64_t attributes, xfam;
	struct kvm_cpuid_entry2 *td_cpuid;	/* configured leaves, module order */
	unsigned td_ncpuid;
	void *mrtd_ctx;		/* EVP_MD_CTX * */
	unsigned char mrtd[48];
	bool mrtd_final;
	uint64_t pages_added, pages_measured;
	/* The TD HOB as added: the pages INIT_MEM_REGION added at the GPA
	 * the first INIT_VCPU passed (the guest's RCX), up to SIM_HOB_MAX
	 * bytes, for the report (a VMM comparison, not a kernel rule). */
	uint64_t hob_gpa;
	bool hob_gpa_set;
	unsigned char *hob;	/* SIM_HOB_MAX bytes, NULL until a page is added */
	/* The CPUID entries the last KVM_TDX_INIT_VM passed, as passed
	 * (trace-args.c), for the report: what the VMM asked for, even when
	 * INIT_VM refused it. */
	struct kvm_cpuid_entry2 *init_vm_in;
	unsigned init_vm_nin;
	struct sim_vcpu **vcpus;
	size_t nvcpus;
	/* call log for the report */
	struct sim_call *calls;
	size_t ncalls, calls_cap;
	unsigned long calls_truncated;
	bool reported;
	/* scripted guest (run.c) */
	struct gscript *guest;	/* counted reference; NULL: no script */
	int guest_stop;		/* a vCPU shut down or reported a fatal error (atomic) */
	char **guest_errors;
	size_t nguest_errors;
	unsigned long guest_errors_truncated;
	void *x86;		/* struct sim_vmx (kvm-x86.h): generic KVM state */
};

struct sim_obj {
	enum sim_kind kind;
	union {
		struct sim_vm *vm;
		struct sim_vcpu *vcpu;
		struct sim_gmem *gmem;
	};
	/* The memfd behind the fd: an fd closed without close() (close_range,
	 * dup2 onto it, a raw syscall) is noticed when its number comes back. */
	dev_t dev;
	ino_t ino;
};

/* ---- global state (state.c) ----------------------------------------------- */
struct sim_global {
	bool inited;
	char device[256];
	int kernel;
	struct sim_caps *caps;		/* current, for new VMs */
	bool no_5level;
	unsigned long ioctl_count;
	unsigned long vm_serial;
	char report_path[4096];
	struct gscript *guest;		/* current script, for new VMs */
};
extern struct sim_global G;

void sim_lock(void);
void sim_unlock(void);
void sim_init_locked(void);
int sim_set_caps_locked(const char *preset, char *err, size_t errlen);
int sim_parse_kernel(const char *s);

/* fd table.  fdt_get() checks that fd is still the memfd it was: if the
 * number was closed behind the simulator's back (and maybe reused), the stale
 * object is released as at close() and NULL is returned. */
int fdt_set(int fd, enum sim_kind kind, void *p);
struct sim_obj *fdt_get(int fd);
void fdt_del(int fd);
void fdt_drop_all(void);

/* real libc functions */
extern int (*real_open)(const char *, int, ...);
extern int (*real_close)(int);
extern int (*real_ioctl)(int, unsigned long, ...);
extern int (*real_fallocate)(int, int, off_t, off_t);
void sim_resolve_real(void);

/* object lifetime */
void vm_get(struct sim_vm *vm);
void vm_put(struct sim_vm *vm);
void gmem_put(struct sim_gmem *g);
void vm_log_call(struct sim_vm *vm, const char *name, int err);

/* user memory access that never crashes: 0 or -EFAULT */
int sim_copy_from_user(void *dst, uint64_t uaddr, size_t len);
int sim_copy_to_user(uint64_t uaddr, const void *src, size_t len);

/* handlers: return >= 0 or -errno */
long dev_ioctl(unsigned long req, unsigned long arg, const char **name);
long vm_ioctl(struct sim_vm *vm, unsigned long req, unsigned long arg,
	      const char **name);
long vcpu_ioctl(struct sim_vcpu *vcpu, unsigned long req, unsigned long arg,
		const char **name);
long tdx_vm_op(struct sim_vm *vm, unsigned long arg);
long tdx_vcpu_op(struct sim_vcpu *vcpu, unsigned long arg);
long mem_set_region(struct sim_vm *vm, const struct kvm_userspace_memory_region2 *m);
long mem_set_attributes(struct sim_vm *vm, unsigned long arg);
long mem_create_gmem(struct sim_vm *vm, unsigned long arg);
long mem_pre_fault(struct sim_vcpu *vcpu, unsigned long arg);
int gmem_fallocate(struct sim_gmem *g, int mode, uint64_t off, uint64_t len);
/* Pages [pg0, pg1) of g now hold a private page (INIT_MEM_REGION, an accepted
 * conversion, a private pre-fault): mark them populated and allocate them in
 * the backing memfd, so lseek(SEEK_DATA) sees what the model holds. */
int gmem_populate(struct sim_gmem *g, uint64_t pg0, uint64_t pg1);
struct sim_memslot *mem_find_slot(struct sim_vm *vm, uint64_t gfn);
/* Removes the private mappings of GFNs [gfn0, gfn1) (TDH.MEM.PAGE.REMOVE via
 * tdx_sept_remove_leaf_spte()). */
void sept_zap(struct sim_vm *vm, uint64_t gfn0, uint64_t gfn1);
void mem_free_slots(struct sim_vm *vm);

long vm_create(unsigned long type);

/* names (names.c) */
const char *ioctl_name(unsigned long req);
const char *tdx_cmd_name(uint32_t id);
const char *errno_name(int e);
int errno_parse(const char *s);
const char *kind_name(enum sim_kind k);

/* fault injection (fault.c) */
struct sim_fault_hit {
	int err;
	uint64_t hw;
	bool has_hw;
	long after_pages;	/* -1 = not given */
	long idx;		/* the fault that hit (fault_unconsume) */
};
int fault_add_spec(const char *spec, char *err, size_t errlen);
int fault_add(long nth, const char *name, int err, uint64_t hw, bool has_hw,
	      long times, long skip, long after_pages);
void fault_clear(void);
/* Generic check at ioctl entry (nth and non-"module-point" names). */
bool fault_check_entry(unsigned long count, const char *name,
		       struct sim_fault_hit *hit);
/* Checked where the TDX module would be called (INIT_VM, INIT_VCPU,
 * FINALIZE, INIT_MEM_REGION). */
bool fault_check_module(const char *name, struct sim_fault_hit *hit);
/* A module-point hit that did not fire after all (INIT_MEM_REGION stopped
 * before page after_pages): give it back. */
void fault_unconsume(const struct sim_fault_hit *hit);
bool fault_is_module_point(const char *name);

/* trace (trace.c) */
void trace_call(const char *name, enum sim_kind kind, int fd, long ret, int err);
int trace_get(unsigned long i, char *buf, size_t len);
unsigned long trace_count(void);
void trace_clear(void);
/* Add " key=value" (printf format) to the trace line of the current call. */
void trace_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Mark the current call as one the simulator does not model: it answered
 * (accepted, or refused with the generic errno) a call whose real effect it
 * does not know.  The compat suite fails on a refused unmodelled call. */
void trace_unmodelled(void);
/* Describe the arguments of an intercepted ioctl (trace-args.c). */
void trace_describe(enum sim_kind kind, struct sim_vm *vm, unsigned long req,
		    unsigned long arg);
const char *cap_name(long cap);

/* report (report.c) */
void report_vm(struct sim_vm *vm);

/* scripted guest (run.c) */
long guest_run(struct sim_vcpu *v);
/* kvm_arch_vcpu_ioctl_run() for an UNINITIALIZED vCPU: -EINTR (immediate_exit
 * or a signal), -EAGAIN (events pending); blocks without the lock. */
long vcpu_run_uninitialized(struct sim_vcpu *v);
/* kvm_vcpu_has_events() as far as the model knows (a queued NMI). */
bool vcpu_has_events(const struct sim_vcpu *v);
void guest_vcpu_free(struct sim_vcpu *v);
void guest_vm_free(struct sim_vm *vm);
struct gscript *gscript_get(struct gscript *s);
void gscript_put(struct gscript *s);
struct gscript *guest_load(const char *what, char *err, size_t errlen);
unsigned long guest_error_count(void);
int guest_error_get(unsigned long i, char *buf, size_t len);
void guest_errors_clear(void);
char *guest_report_json(struct sim_vm *vm);
uint64_t rmap_get_run(const struct sim_rmap *m, uint64_t x, uint64_t *run_end);

/* MRTD (mrtd.c) */
int mrtd_start(struct sim_vm *vm);
int mrtd_page_add(struct sim_vm *vm, uint64_t gpa);
int mrtd_extend(struct sim_vm *vm, uint64_t gpa, const unsigned char page[4096]);
int mrtd_finalize(struct sim_vm *vm);
void mrtd_free(struct sim_vm *vm);

#endif
