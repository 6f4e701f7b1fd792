/* SPDX-License-Identifier: MIT */
/*
 * tdxsim control API, for tests running under the simulator
 * (LD_PRELOAD=libtdxsim.so, or `tdxsim -- prog`).
 *
 * Do not link against libtdxsim: use the static inline tdxsim_ctl_*()
 * helpers below.  They look the functions up with dlsym(RTLD_DEFAULT) and
 * return -ENOSYS (or 0 / NULL) when the simulator is not preloaded, so the
 * same test binary runs on real hardware.
 *
 * All functions are thread-safe.  Functions returning int give 0 or a
 * negative errno.
 */
#ifndef TDXSIM_CONTROL_H
#define TDXSIM_CONTROL_H

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* Exported by libtdxsim.so (the names dlsym looks up):
 *
 * int  tdxsim_active(void);                 1 when loaded
 * void tdxsim_reset(void);                  close every simulated fd (VMs are
 *                                           destroyed and reported), clear
 *                                           faults, trace and call counter;
 *                                           caps/kernel back to the env values
 * int  tdxsim_fail_nth(unsigned long n, int err);   fail the n-th intercepted
 *                                           ioctl (1-based, counted since start
 *                                           or the last reset) with err
 * int  tdxsim_fail_ioctl(const char *name, int err, uint64_t hw_error, int times);
 *                                           fail the next `times` calls of an
 *                                           ioctl / KVM_TDX_* name (times <= 0:
 *                                           always); hw_error 0 = default
 * int  tdxsim_fail_spec(const char *spec);  same grammar as TDXSIM_FAIL
 * void tdxsim_fail_clear(void);
 * unsigned long tdxsim_call_count(void);    intercepted ioctls so far
 * int  tdxsim_trace_get(unsigned long i, char *buf, size_t len);
 *                                           i-th trace line (no newline);
 *                                           returns its length or -1
 * unsigned long tdxsim_trace_count(void);
 * int  tdxsim_set_caps(const char *preset_or_json_path);  for VMs created later
 * int  tdxsim_set_kernel(const char *version);            "6.16" ... "7.2"
 * int  tdxsim_set_5level_ept(int enabled);                for VMs created later
 * int  tdxsim_vm_mrtd(int vm_fd, unsigned char mrtd[48]); -EBUSY if not final
 * int  tdxsim_vm_report(int vm_fd, char *buf, size_t len); JSON report of a
 *                                           live VM; returns the full length
 *
 * Scripted guest (README "Guest scripts"); scripts apply to TDs created later:
 * int  tdxsim_set_guest(const char *path_or_name);  a file or a shipped script
 *                                           name ("tdvf-early-boot"); NULL or ""
 *                                           = no script (KVM_RUN: shutdown)
 * int  tdxsim_set_guest_text(const char *text, char *err, size_t errlen);
 *                                           inline script; -EINVAL with
 *                                           "script:LINE: message" in err
 * unsigned long tdxsim_guest_errors(void);  failed guest checks since start
 *                                           or the last reset (all TDs)
 * int  tdxsim_guest_error_get(unsigned long i, char *buf, size_t len);
 *                                           i-th failed check (first 10000);
 *                                           returns its length or -1
 */

#define TDXSIM__FN(ret, name, params, args, dflt)			\
	static inline ret tdxsim_ctl_##name params			\
	{								\
		ret (*f) params = (ret (*) params)dlsym(RTLD_DEFAULT, "tdxsim_" #name); \
		if (!f)							\
			return dflt;					\
		return f args;						\
	}

TDXSIM__FN(int, active, (void), (), 0)
TDXSIM__FN(int, fail_nth, (unsigned long n, int err), (n, err), -ENOSYS)
TDXSIM__FN(int, fail_ioctl, (const char *name, int err, uint64_t hw, int times),
	   (name, err, hw, times), -ENOSYS)
TDXSIM__FN(int, fail_spec, (const char *spec), (spec), -ENOSYS)
TDXSIM__FN(unsigned long, call_count, (void), (), 0)
TDXSIM__FN(unsigned long, trace_count, (void), (), 0)
TDXSIM__FN(int, trace_get, (unsigned long i, char *buf, size_t len), (i, buf, len), -1)
TDXSIM__FN(int, set_caps, (const char *preset), (preset), -ENOSYS)
TDXSIM__FN(int, set_kernel, (const char *version), (version), -ENOSYS)
TDXSIM__FN(int, set_5level_ept, (int enabled), (enabled), -ENOSYS)
TDXSIM__FN(int, vm_mrtd, (int vm_fd, unsigned char mrtd[48]), (vm_fd, mrtd), -ENOSYS)
TDXSIM__FN(int, vm_report, (int vm_fd, char *buf, size_t len), (vm_fd, buf, len), -ENOSYS)
TDXSIM__FN(int, set_guest, (const char *path_or_name), (path_or_name), -ENOSYS)
TDXSIM__FN(int, set_guest_text, (const char *text, char *err, size_t errlen),
	   (text, err, errlen), -ENOSYS)
TDXSIM__FN(unsigned long, guest_errors, (void), (), 0)
TDXSIM__FN(int, guest_error_get, (unsigned long i, char *buf, size_t len), (i, buf, len), -1)
#undef TDXSIM__FN

static inline void tdxsim_ctl_reset(void)
{
	void (*f)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "tdxsim_reset");

	if (f)
		f();
}

static inline void tdxsim_ctl_fail_clear(void)
{
	void (*f)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "tdxsim_fail_clear");

	if (f)
		f();
}

#endif
