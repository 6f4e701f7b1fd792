/* SPDX-License-Identifier: MIT */
/* A Trust Domain: create, KVM_TDX_INIT_VM, KVM_TDX_FINALIZE_VM, teardown. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "vm-internal.h"

#define TDX_DEFAULT_IOAPIC_PINS	24
#define TDX_DEFAULT_APIC_BUS_NS	40	/* TDX fixes a 25 MHz crystal clock */
#define TDX_DEFAULT_INIT_RETRIES 10000
#define TDX_MAX_IOAPIC_PINS	4096
#define TDX_FINALIZE_BUSY_TRIES	100
#define TDX_FINALIZE_BUSY_WAIT_NS 100000	/* 0.1 ms between tries */


static void vm_free(struct tdx_vm *vm)
{
	if (vm->fd >= 0)
		close(vm->fd);
	free(vm->init_cpuid);
	tdx_ctx_unref(vm->ctx);
	free(vm);
}

/* The capability setup every TD needs before KVM_TDX_INIT_VM. */
static int vm_enable_caps(struct tdx_vm *vm, uint32_t pins, uint32_t bus_ns)
{
	struct tdx_ctx *ctx = vm->ctx;
	struct tdx_error *e = &ctx->error;
	long v;
	int r;

	r = tdx_kvm_enable_cap(ctx, vm->fd, KVM_CAP_SPLIT_IRQCHIP, pins);
	if (r)
		return tdx_err(e, r, "KVM_ENABLE_CAP", "ioapic_pins", -1,
			       "enabling the split irqchip (%u pins) failed: %s",
			       pins, strerror(-r));
	r = tdx_kvm_enable_cap(ctx, vm->fd, KVM_CAP_X2APIC_API,
			       KVM_X2APIC_API_USE_32BIT_IDS |
			       KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK);
	if (r)
		return tdx_err(e, r, "KVM_ENABLE_CAP", NULL, -1,
			       "enabling KVM_CAP_X2APIC_API failed: %s", strerror(-r));
	r = tdx_kvm_enable_cap(ctx, vm->fd, KVM_CAP_EXIT_HYPERCALL,
			       1ULL << KVM_HC_MAP_GPA_RANGE);
	if (r)
		return tdx_err(e, r, "KVM_ENABLE_CAP", NULL, -1,
			       "enabling MapGPA hypercall exits (KVM_CAP_EXIT_HYPERCALL) failed: %s",
			       strerror(-r));
	v = tdx_kvm_check_ext(ctx, vm->fd, KVM_CAP_X86_APIC_BUS_CYCLES_NS);
	if (v > 0) {
		r = tdx_kvm_enable_cap(ctx, vm->fd, KVM_CAP_X86_APIC_BUS_CYCLES_NS,
				       bus_ns);
		if (r)
			return tdx_err(e, r, "KVM_ENABLE_CAP", "apic_bus_ns", -1,
				       "setting the APIC bus cycle to %u ns failed: %s",
				       bus_ns, strerror(-r));
	} else {
		tdx_info(ctx, "KVM_CAP_X86_APIC_BUS_CYCLES_NS not available; the APIC timer keeps KVM's default bus clock");
	}
	v = tdx_kvm_check_ext(ctx, vm->fd, KVM_CAP_MAX_VCPUS);
	if (v <= 0)
		return tdx_err(e, v < 0 ? (int)v : -EIO, "KVM_CHECK_EXTENSION",
			       NULL, -1, "KVM_CAP_MAX_VCPUS on the TD failed");
	vm->max_vcpus = (unsigned int)v;
	/* ids are limited separately (x2APIC ids may be sparse) */
	v = tdx_kvm_check_ext(ctx, vm->fd, KVM_CAP_MAX_VCPU_ID);
	vm->max_vcpu_id = v > 0 ? (unsigned int)v : vm->max_vcpus;
	return 0;
}

static void kick_noop(int sig)
{
	(void)sig;
}

/*
 * A kick must interrupt KVM_RUN, which the kernel ends with EINTR when a
 * signal is pending and not blocked (vcpu_run() -> kvm_vcpu_exit_request()
 * and kvm_xfer_to_guest_mode_handle_work(), arch/x86/kvm/x86.c).  The signal needs a handler for that (the default
 * action of these signals ends the process, an ignored one is discarded):
 * install a no-op one unless the VMM has its own.
 */
static int kick_handler(int sig)
{
	struct sigaction old, sa;

	if (sigaction(sig, NULL, &old))
		return -errno;
	if (!(old.sa_flags & SA_SIGINFO) && (old.sa_handler == SIG_DFL ||
					     old.sa_handler == SIG_IGN)) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = kick_noop;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(sig, &sa, NULL))
			return -errno;
	}
	return 0;
}

TDX_EXPORT int tdx_vm_new(struct tdx_ctx *ctx, const struct tdx_vm_opts *opts,
			  struct tdx_vm **ret_vm)
{
	uint32_t pins, bus_ns;
	const char *why;
	struct tdx_vm *vm;
	long fd;
	int kvm, kick, r;

	if (!ctx)
		return -EINVAL;
	if (!ret_vm)
		return tdx_err_null(&ctx->error, "tdx_vm_new", "ret_vm");
	why = tdx_opts_problem(opts, sizeof(struct tdx_vm_opts));
	if (why)
		return tdx_err(&ctx->error, -EINVAL, "tdx_vm_new", "opts", -1,
			       "struct tdx_vm_opts: %s", why);
	pins = TDX_OPTS_GET(opts, ioapic_pins, 0);
	bus_ns = TDX_OPTS_GET(opts, apic_bus_ns, 0);
	if (!pins)
		pins = TDX_DEFAULT_IOAPIC_PINS;
	if (!bus_ns)
		bus_ns = TDX_DEFAULT_APIC_BUS_NS;
	if (pins > TDX_MAX_IOAPIC_PINS)
		return tdx_err(&ctx->error, -EINVAL, "tdx_vm_new", "ioapic_pins",
			       -1, "ioapic_pins %u exceeds KVM's limit of %d",
			       pins, TDX_MAX_IOAPIC_PINS);

	kick = (int)TDX_OPTS_GET(opts, kick_signal, 0);
	if (!kick)
		kick = SIGRTMIN;
	if (kick != SIGUSR1 && kick != SIGUSR2 && (kick < SIGRTMIN || kick > SIGRTMAX))
		return tdx_err(&ctx->error, -EINVAL, "tdx_vm_new", "kick_signal", -1,
			       "kick_signal %d: must be SIGUSR1, SIGUSR2 or SIGRTMIN..SIGRTMAX",
			       kick);
	r = kick_handler(kick);
	if (r)
		return tdx_err(&ctx->error, r, "sigaction", "kick_signal", -1,
			       "installing a handler for signal %d failed: %s", kick,
			       strerror(-r));
	kvm = tdx_ctx_open(ctx);
	if (kvm < 0)
		return kvm;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return tdx_err(&ctx->error, -ENOMEM, "tdx_vm_new", NULL, -1,
			       "out of memory");
	atomic_init(&vm->refs, 1);
	vm->ctx = tdx_ctx_ref(ctx);
	vm->fd = -1;
	vm->pid = getpid();
	vm->state = TDX_VM_CREATED;
	vm->kick_signal = kick;
	vm->init_retries = TDX_OPTS_GET(opts, init_retries, 0);
	if (!vm->init_retries)
		vm->init_retries = TDX_DEFAULT_INIT_RETRIES;
	tdx_err_clear(&vm->error);

	fd = tdx_kvm_ioctl(ctx, kvm, KVM_CREATE_VM, KVM_X86_TDX_VM);
	if (fd < 0) {
		r = tdx_err(&ctx->error, (int)fd, "KVM_CREATE_VM", NULL, -1,
			    fd == -EINVAL ?
			    "KVM_CREATE_VM(KVM_X86_TDX_VM): the host offers no TDX VM type (see tdx_ctx_probe())" :
			    "KVM_CREATE_VM(KVM_X86_TDX_VM) failed: %s",
			    strerror((int)-fd));
		goto fail;
	}
	vm->fd = (int)fd;
	/* Fetched on this VM unless the context has them already. */
	r = tdx_ctx_caps(ctx, vm->fd, &vm->caps);
	if (r)
		goto fail;
	r = vm_enable_caps(vm, pins, bus_ns);
	if (r)
		goto fail;
	tdx_dbg(ctx, "TD VM fd %d created, max vCPUs %u", vm->fd, vm->max_vcpus);
	*ret_vm = vm;
	return 0;
fail:
	vm_free(vm);
	return r;
}

TDX_EXPORT struct tdx_vm *tdx_vm_ref(struct tdx_vm *vm)
{
	if (vm)
		atomic_fetch_add(&vm->refs, 1);
	return vm;
}

TDX_EXPORT struct tdx_vm *tdx_vm_unref(struct tdx_vm *vm)
{
	if (vm && atomic_fetch_sub(&vm->refs, 1) == 1)
		vm_free(vm);
	return NULL;
}

TDX_EXPORT int tdx_vm_get_fd(const struct tdx_vm *vm)
{
	return vm ? vm->fd : -EINVAL;
}

TDX_EXPORT struct tdx_ctx *tdx_vm_get_ctx(const struct tdx_vm *vm)
{
	return vm ? vm->ctx : NULL;
}

TDX_EXPORT const struct tdx_caps *tdx_vm_get_caps(const struct tdx_vm *vm)
{
	return vm ? vm->caps : NULL;
}

TDX_EXPORT unsigned int tdx_vm_get_max_vcpus(const struct tdx_vm *vm)
{
	return vm ? vm->max_vcpus : 0;
}

TDX_EXPORT int tdx_vm_get_state(const struct tdx_vm *vm)
{
	return vm ? vm->state : -EINVAL;
}

TDX_EXPORT uint64_t tdx_vm_get_shared_bit(const struct tdx_vm *vm)
{
	return vm ? vm->shared_bit : 0;
}

TDX_EXPORT uint64_t tdx_vm_get_xfam(const struct tdx_vm *vm)
{
	return vm ? vm->xfam : 0;
}

TDX_EXPORT uint64_t tdx_vm_get_attributes(const struct tdx_vm *vm)
{
	return vm ? vm->attributes : 0;
}

TDX_EXPORT const struct tdx_error *tdx_vm_get_last_error(const struct tdx_vm *vm)
{
	return vm ? &vm->error : NULL;
}

/* Common entry checks for calls that issue VM ioctls. */
int tdx_vm_check_usable(const struct tdx_vm *vm, struct tdx_error *e)
{
	if (vm->pid != getpid())
		return tdx_err(e, -ECHILD, "validate", NULL, -1,
			       "the TD belongs to process %d; KVM refuses VM ioctls from another process",
			       (int)vm->pid);
	if (vm->dead)
		return tdx_err(e, -EIO, "validate", NULL, -1,
			       "the TD is dead after an earlier TDX module failure");
	return 0;
}

/* Map the operand id of an OPERAND_INVALID status to our field name. */
static const char *hw_operand_field(uint64_t hw)
{
	if ((hw & TDX_STATUS_MASK) != TDX_STATUS_OPERAND_INVALID)
		return NULL;
	switch (hw & 0xffffffffu) {
	case 0x40: return "attributes";
	case 0x41: return "xfam";
	case 0x44: return "max_vcpus";
	case 0x45: return "cpuid";
	case 0x46: return "tsc_khz";
	default: return NULL;
	}
}

/* Host KVM_GET_SUPPORTED_CPUID; NULL (not fatal) when unavailable. */
/*
 * KVM_GET_SUPPORTED_CPUID: the defaults of the configurable CPUID bits and
 * the guest physical address width KVM can map.  A failure is an error: a
 * TD silently configured without the host's features is not what the VMM
 * asked for.
 */
static int host_supported_cpuid(struct tdx_vm *vm, struct kvm_cpuid2 **ret)
{
	size_t n = LIBTDX_KVM_MAX_CPUID_ENTRIES;
	struct kvm_cpuid2 *c;
	long r;

	c = calloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
	if (!c)
		return tdx_err(&vm->error, -ENOMEM, "KVM_GET_SUPPORTED_CPUID", NULL, -1,
			       "out of memory");
	c->nent = (uint32_t)n;
	r = tdx_kvm_ioctl(vm->ctx, vm->ctx->kvm_fd, KVM_GET_SUPPORTED_CPUID,
			  (unsigned long)c);
	if (r < 0) {
		free(c);
		return tdx_err(&vm->error, (int)r, "KVM_GET_SUPPORTED_CPUID", NULL, -1,
			       "KVM_GET_SUPPORTED_CPUID failed: %s; the TD's CPUID defaults cannot be computed",
			       strerror((int)-r));
	}
	*ret = c;
	return 0;
}

/*
 * GPAW 52 needs 5-level EPT: KVM_TDX_INIT_VM refuses it with a bare EINVAL
 * otherwise (setup_tdparams_eptp_controls(), arch/x86/kvm/vmx/tdx.c).  KVM
 * reports the guest physical address size it can map in
 * KVM_GET_SUPPORTED_CPUID 0x80000008 EAX[23:16], capped at 48 without
 * 5-level TDP (__do_cpuid_func(), arch/x86/kvm/cpuid.c): name it first.
 */
static int check_gpaw_host(struct tdx_vm *vm, uint32_t gpaw,
			   const struct kvm_cpuid2 *host)
{
	uint32_t i, g = 0;

	if (gpaw != 52)
		return 0;
	for (i = 0; i < host->nent; i++)
		if (host->entries[i].function == 0x80000008u)
			g = (host->entries[i].eax >> 16) & 0xffu;
	if (g >= 52)
		return 0;
	return tdx_err(&vm->error, -EINVAL, "validate", "gpaw", -1,
		       "GPAW 52 needs 5-level EPT, which this host lacks (KVM can map %u-bit guest physical addresses); use GPAW 48",
		       g);
}

static int vm_set_tsc(struct tdx_vm *vm, uint32_t khz)
{
	long r;

	if (!khz)
		return 0;
	if (tdx_kvm_check_ext(vm->ctx, vm->fd, KVM_CAP_VM_TSC_CONTROL) <= 0)
		return tdx_err(&vm->error, -EOPNOTSUPP, "validate",
			       "tsc_khz", -1,
			       "a TD TSC frequency was requested but KVM lacks VM-scope TSC control (KVM_CAP_VM_TSC_CONTROL)");
	r = tdx_kvm_ioctl(vm->ctx, vm->fd, KVM_SET_TSC_KHZ, khz);
	if (r < 0)
		return tdx_err(&vm->error, (int)r, "KVM_SET_TSC_KHZ", "tsc_khz",
			       -1, "setting the TD TSC to %u kHz failed: %s", khz,
			       strerror((int)-r));
	return 0;
}

/*
 * After an -EIO: did KVM bug the VM?  kvm_vm_bugged() makes the VM dead,
 * and kvm_vm_ioctl() then answers every VM ioctl with -EIO
 * (virt/kvm/kvm_main.c).  __tdx_td_init() (arch/x86/kvm/vmx/tdx.c) has one
 * -EIO that does not bug the VM: a CPU package without an online CPU,
 * which the operator can fix and INIT_VM can be retried.  Every other -EIO
 * of INIT_VM comes from TDX_BUG_ON(), so a harmless VM ioctl tells them
 * apart.
 */
static bool vm_is_bugged(struct tdx_vm *vm)
{
	return tdx_kvm_check_ext(vm->ctx, vm->fd, KVM_CAP_MAX_VCPUS) == -EIO;
}

static int vm_issue_init(struct tdx_vm *vm, struct kvm_tdx_init_vm *iv)
{
	uint64_t hw = 0;
	uint32_t tries;
	int r = -EAGAIN;

	for (tries = 0; tries < vm->init_retries && r == -EAGAIN; tries++)
		r = tdx_kvm_tdx_cmd(vm->ctx, vm->fd, KVM_TDX_INIT_VM, 0,
				    (uint64_t)(uintptr_t)iv, &hw);
	if (!r)
		return 0;
	if (r == -EAGAIN)
		return tdx_err(&vm->error, r, "KVM_TDX_INIT_VM", NULL, -1,
			       "KVM_TDX_INIT_VM: the TDX module ran out of entropy %u times in a row",
			       tries);
	if (r == -EIO && !vm_is_bugged(vm))
		return tdx_err(&vm->error, r, "KVM_TDX_INIT_VM", NULL, -1,
			       "KVM_TDX_INIT_VM failed with EIO, but the TD is intact: KVM creates a TD only when every CPU package has an online CPU; bring one online and call tdx_vm_init() again");
	if (r == -EIO)
		vm->dead = true;
	tdx_err_hw(&vm->error, r, "KVM_TDX_INIT_VM", hw,
		   "KVM_TDX_INIT_VM failed: %s%s", strerror(-r),
		   r == -EIO ? " (the TD is now unusable)" : "");
	if (hw_operand_field(hw))
		snprintf(vm->error.field, sizeof(vm->error.field), "%s",
			 hw_operand_field(hw));
	return r;
}

TDX_EXPORT int tdx_vm_init(struct tdx_vm *vm, const struct tdx_td_config *cfg)
{
	const struct tdx_td_config defaults = { .sz = sizeof(defaults) };
	struct kvm_cpuid2 *host = NULL;
	struct kvm_tdx_init_vm *iv;
	uint32_t vcpus;
	int n, r;

	if (!vm)
		return -EINVAL;
	if (!cfg)
		cfg = &defaults;
	r = tdx_vm_check_usable(vm, &vm->error);
	if (r)
		return r;
	if (vm->state != TDX_VM_CREATED)
		return tdx_err(&vm->error, -EALREADY, "validate", NULL, -1,
			       "the TD is already initialised");
	r = tdx_caps_check_run(vm->caps, cfg, &vm->error, NULL);
	if (r)
		return r < 0 ? r : -EINVAL;
	vcpus = TDX_OPTS_GET(cfg, vcpus, 0);
	if (vcpus > vm->max_vcpus)
		return tdx_err(&vm->error, -EINVAL, "validate", "vcpus", -1,
			       "vcpus %u is above the TD's maximum of %u vCPUs",
			       vcpus, vm->max_vcpus);
	r = host_supported_cpuid(vm, &host);
	if (r)
		return r;
	r = check_gpaw_host(vm, TDX_OPTS_GET(cfg, gpaw, 0), host);
	if (!r)
		r = vm_set_tsc(vm, TDX_OPTS_GET(cfg, tsc_khz, 0));
	if (r) {
		free(host);
		return r;
	}

	iv = calloc(1, sizeof(*iv) + LIBTDX_KVM_MAX_CPUID_ENTRIES *
		    sizeof(struct kvm_cpuid_entry2));
	if (!iv) {
		free(host);
		return tdx_err(&vm->error, -ENOMEM, "KVM_TDX_INIT_VM", NULL, -1,
			       "out of memory");
	}
	n = tdx_caps_build_init_cpuid(vm->caps, cfg, host,
				      vcpus ? vcpus : vm->max_vcpus, iv->cpuid.entries,
				      LIBTDX_KVM_MAX_CPUID_ENTRIES, &vm->error);
	free(host);
	if (n < 0) {
		free(iv);
		return n;
	}
	iv->cpuid.nent = (uint32_t)n;
	iv->attributes = tdx_cfg_attributes(vm->caps, cfg);
	iv->xfam = TDX_OPTS_GET(cfg, xfam, 0);
	if (!iv->xfam)
		iv->xfam = tdx_caps_get_default_xfam(vm->caps);
	r = tdx_vm_request_xfd_perm(vm, iv->xfam);
	if (r) {
		free(iv);
		return r;
	}
	if (cfg->sz >= offsetof(struct tdx_td_config, mrownerconfig) + 48) {
		memcpy(iv->mrconfigid, cfg->mrconfigid, 48);
		memcpy(iv->mrowner, cfg->mrowner, 48);
		memcpy(iv->mrownerconfig, cfg->mrownerconfig, 48);
	}
	r = vm_issue_init(vm, iv);
	if (!r) {
		uint32_t gpaw = TDX_OPTS_GET(cfg, gpaw, 0);

		vm->state = TDX_VM_INITIALIZED;
		vm->td_vcpus = vcpus;
		vm->attributes = iv->attributes;
		vm->xfam = iv->xfam;
		vm->shared_bit = gpaw == 52 ? 1ULL << 51 : 1ULL << 47;
		free(vm->init_cpuid);
		vm->init_cpuid = malloc((size_t)n * sizeof(*vm->init_cpuid) + 1);
		if (vm->init_cpuid) {
			memcpy(vm->init_cpuid, iv->cpuid.entries,
			       (size_t)n * sizeof(*vm->init_cpuid));
			vm->n_init_cpuid = (size_t)n;
		}
		tdx_dbg(vm->ctx, "TD initialised: attributes 0x%llx xfam 0x%llx, %d CPUID entries",
			(unsigned long long)vm->attributes,
			(unsigned long long)vm->xfam, n);
	}
	free(iv);
	return r;
}

TDX_EXPORT int tdx_vm_finalize(struct tdx_vm *vm)
{
	uint64_t hw = 0;
	unsigned int tries;
	int r;

	if (!vm)
		return -EINVAL;
	r = tdx_vm_check_usable(vm, &vm->error);
	if (r)
		return r;
	if (vm->state == TDX_VM_CREATED)
		return tdx_err(&vm->error, -EINVAL, "validate", NULL,
			       -1, "KVM_TDX_FINALIZE_VM before KVM_TDX_INIT_VM (call tdx_vm_init() first)");
	if (vm->state == TDX_VM_FINALIZED)
		return tdx_err(&vm->error, -EALREADY, "validate", NULL,
			       -1, "the TD is already finalised");
	/*
	 * TDH.MR.FINALIZE fails with TDX_NO_VCPUS unless some vCPU went
	 * through TDH.VP.INIT (TDX module tdh_mr_finalize() checks
	 * TDCS.NUM_VCPUS), and tdx_td_finalize() (arch/x86/kvm/vmx/tdx.c)
	 * then bugs the VM with TDX_BUG_ON(): refuse first, the TD stays
	 * usable.
	 */
	if (!atomic_load(&vm->n_inited_vcpus))
		return tdx_err(&vm->error, -EINVAL, "validate", "vcpus", -1,
			       "no vCPU of this TD has been initialised (tdx_vcpu_init()); the TDX module would refuse KVM_TDX_FINALIZE_VM with TDX_NO_VCPUS and KVM would kill the TD");
	/*
	 * tdx_td_finalize() returns -EBUSY when TDH.MR.FINALIZE met
	 * TDX_OPERAND_BUSY (another SEAMCALL held the TD): retryable, and the
	 * VM is not bugged.  Retried a bounded number of times.
	 */
	for (tries = 0;; tries++) {
		hw = 0;
		r = tdx_kvm_tdx_cmd(vm->ctx, vm->fd, KVM_TDX_FINALIZE_VM, 0, 0, &hw);
		if (r != -EBUSY || tries + 1 >= TDX_FINALIZE_BUSY_TRIES)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = TDX_FINALIZE_BUSY_WAIT_NS }, NULL);
	}
	if (r == -EBUSY)
		return tdx_err_hw(&vm->error, r, "KVM_TDX_FINALIZE_VM", hw,
				  "KVM_TDX_FINALIZE_VM: the TDX module was busy %u times in a row (the TD is intact; retry later)",
				  tries + 1);
	if (r) {
		if (r == -EIO)
			vm->dead = true;
		return tdx_err_hw(&vm->error, r, "KVM_TDX_FINALIZE_VM", hw,
				  "KVM_TDX_FINALIZE_VM failed: %s", strerror(-r));
	}
	vm->state = TDX_VM_FINALIZED;
	tdx_err_clear(&vm->error);
	return 0;
}
