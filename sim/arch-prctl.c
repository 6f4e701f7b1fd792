/* SPDX-License-Identifier: MIT */
/*
 * arch_prctl() XSTATE permissions, answered as the preset's host would.
 *
 * A VMM must ask for the dynamic XSAVE feature AMX tile data (XFEATURE 18)
 * with arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM, 18) before it may give a vCPU
 * CPUID 0xD.0 with bit 18 (KVM_SET_CPUID2 → kvm_check_cpuid() →
 * fpu_enable_guest_xfd_features() → __xfd_enable_feature(): EPERM).  This
 * machine is AMD without AMX, so the real syscall would refuse; the
 * simulator intercepts arch_prctl() and syscall(SYS_arch_prctl, ...) (QEMU
 * uses the latter) and models fpu_xstate_prctl() (arch/x86/kernel/fpu/
 * xstate.c) for the preset CPU:
 *
 *  - ARCH_GET_XCOMP_SUPP: fpu_user_cfg.max_features | legacy_features, i.e.
 *    the preset host's XCR0 (CPUID 0xD.0 EDX:EAX of the preset CPU);
 *  - ARCH_GET_XCOMP_PERM / ARCH_GET_XCOMP_GUEST_PERM: the permitted set
 *    (default: everything but the dynamic XTILE_DATA), masked with
 *    XFEATURE_MASK_USER_SUPPORTED;
 *  - ARCH_REQ_XCOMP_PERM / ARCH_REQ_XCOMP_GUEST_PERM: xstate_request_perm():
 *    idx >= XFEATURE_MAX → EINVAL; idx without a facility (only 18 has one)
 *    → EOPNOTSUPP; CPU without it → EOPNOTSUPP; guest permission already
 *    locked by the first vCPU (fpu_lock_guest_permissions()) and not yet
 *    granted → EBUSY.  The sigaltstack size check of the host (non-guest)
 *    request (validate_sigaltstack()) is not modelled.
 *
 * Other arch_prctl codes go to the real kernel.  The permissions are
 * process-wide, as the kernel keeps them in the group leader.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sim.h"

#define ARCH_GET_XCOMP_SUPP		0x1021
#define ARCH_GET_XCOMP_PERM		0x1022
#define ARCH_REQ_XCOMP_PERM		0x1023
#define ARCH_GET_XCOMP_GUEST_PERM	0x1024
#define ARCH_REQ_XCOMP_GUEST_PERM	0x1025

#define XFEATURE_MAX			20	/* XFEATURE_APX (19) + 1 */
#define XFEATURE_XTILE_DATA		18
#define XFEATURE_MASK_XTILE_DATA	(1ULL << XFEATURE_XTILE_DATA)
#define XFEATURE_MASK_USER_DYNAMIC	XFEATURE_MASK_XTILE_DATA
/* FP SSE YMM BNDREGS BNDCSR OPMASK ZMM_Hi256 Hi16_ZMM PKRU XTILE APX */
#define XFEATURE_MASK_USER_SUPPORTED	0xE02FFULL

static struct {
	bool set;		/* defaults taken from the preset */
	uint64_t perm, guest_perm;
	bool guest_locked;
} X;

uint64_t xperm_host_xcr0(void)
{
	return caps_host_xcr0(G.caps) & XFEATURE_MASK_USER_SUPPORTED;
}

static void xperm_init_locked(void)
{
	if (X.set)
		return;
	/* fpu__init_system_xstate(): default features = max minus dynamic */
	X.perm = X.guest_perm = xperm_host_xcr0() & ~XFEATURE_MASK_USER_DYNAMIC;
	X.guest_locked = false;
	X.set = true;
}

void xperm_reset(void)
{
	X.set = false;
}

uint64_t xperm_guest(void)
{
	sim_init_locked();
	xperm_init_locked();
	return X.guest_perm;
}

/* fpu_alloc_guest_fpstate() → fpu_lock_guest_permissions() at vCPU creation */
void xperm_lock_guest(void)
{
	sim_init_locked();
	xperm_init_locked();
	X.guest_locked = true;
}

/* xstate_request_perm() */
static int request_perm(unsigned long idx, bool guest)
{
	uint64_t requested = idx == XFEATURE_XTILE_DATA ? XFEATURE_MASK_XTILE_DATA : 0;
	uint64_t *perm = guest ? &X.guest_perm : &X.perm;

	if (idx >= XFEATURE_MAX)
		return -EINVAL;
	if (!requested)
		return -EOPNOTSUPP;
	if ((xperm_host_xcr0() & requested) != requested)
		return -EOPNOTSUPP;
	if ((*perm & requested) == requested)
		return 0;
	if (guest && X.guest_locked)
		return -EBUSY;
	*perm |= requested;
	return 0;
}

/* fpu_xstate_prctl(): returns -errno, or 1 for "not an XSTATE code". */
static long xstate_prctl(int option, unsigned long arg2)
{
	uint64_t v;

	switch (option) {
	case ARCH_GET_XCOMP_SUPP:
		v = xperm_host_xcr0() | 3;
		break;
	case ARCH_GET_XCOMP_PERM:
		v = X.perm & XFEATURE_MASK_USER_SUPPORTED;
		break;
	case ARCH_GET_XCOMP_GUEST_PERM:
		v = X.guest_perm & XFEATURE_MASK_USER_SUPPORTED;
		break;
	case ARCH_REQ_XCOMP_PERM:
		return request_perm(arg2, false);
	case ARCH_REQ_XCOMP_GUEST_PERM:
		return request_perm(arg2, true);
	default:
		return 1;
	}
	return sim_copy_to_user(arg2, &v, sizeof(v)) ? -EFAULT : 0;
}

static long sim_arch_prctl(int option, unsigned long arg2, bool *handled)
{
	long r;

	sim_lock();
	sim_init_locked();
	xperm_init_locked();
	r = xstate_prctl(option, arg2);
	sim_unlock();
	*handled = r != 1;
	if (!*handled)
		return 0;
	trace_call("arch_prctl", SK_DEV, -1, r < 0 ? -1 : 0, r < 0 ? (int)-r : 0);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return 0;
}

/*
 * syscall() cannot know how many arguments its caller passed, so it reads
 * six, as glibc's own does; where the caller passed fewer, the last reads
 * land in the caller's frame (harmless, never used by the kernel for that
 * call) and ASan would flag them: not instrumented.
 */
SIM_EXPORT long syscall(long nr, ...);
__attribute__((no_sanitize_address))
long syscall(long nr, ...)
{
	static long (*real_syscall)(long, ...);
	long (*real)(long, ...);
	long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_arch_prctl) {
		bool handled;
		long r = sim_arch_prctl((int)a[0], (unsigned long)a[1], &handled);

		if (handled)
			return r;
	}
	real = __atomic_load_n(&real_syscall, __ATOMIC_ACQUIRE);
	if (!real) {
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
		__atomic_store_n(&real_syscall, real, __ATOMIC_RELEASE);
	}
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

SIM_EXPORT int arch_prctl(int code, unsigned long addr);
int arch_prctl(int code, unsigned long addr)
{
	static int (*real_arch_prctl)(int, unsigned long);
	int (*real)(int, unsigned long);
	bool handled;
	long r = sim_arch_prctl(code, addr, &handled);

	if (handled)
		return (int)r;
	real = __atomic_load_n(&real_arch_prctl, __ATOMIC_ACQUIRE);
	if (!real) {
		real = (int (*)(int, unsigned long))dlsym(RTLD_NEXT, "arch_prctl");
		__atomic_store_n(&real_arch_prctl, real, __ATOMIC_RELEASE);
	}
	if (!real)
		return (int)syscall(SYS_arch_prctl, code, addr);
	return real(code, addr);
}
