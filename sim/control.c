/* SPDX-License-Identifier: MIT */
/* Exported control API (see tdxsim-control.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define EXPORT SIM_EXPORT

char *report_json(struct sim_vm *vm);

EXPORT int tdxsim_active(void);
EXPORT void tdxsim_reset(void);
EXPORT int tdxsim_fail_nth(unsigned long n, int err);
EXPORT int tdxsim_fail_ioctl(const char *name, int err, uint64_t hw_error, int times);
EXPORT int tdxsim_fail_spec(const char *spec);
EXPORT void tdxsim_fail_clear(void);
EXPORT unsigned long tdxsim_call_count(void);
EXPORT unsigned long tdxsim_trace_count(void);
EXPORT int tdxsim_trace_get(unsigned long i, char *buf, size_t len);
EXPORT int tdxsim_set_caps(const char *preset);
EXPORT int tdxsim_set_kernel(const char *version);
EXPORT int tdxsim_set_5level_ept(int enabled);
EXPORT int tdxsim_vm_mrtd(int vm_fd, unsigned char mrtd[48]);
EXPORT int tdxsim_vm_report(int vm_fd, char *buf, size_t len);
EXPORT int tdxsim_set_guest(const char *path_or_name);
EXPORT int tdxsim_set_guest_text(const char *text, char *err, size_t errlen);
EXPORT unsigned long tdxsim_guest_errors(void);
EXPORT int tdxsim_guest_error_get(unsigned long i, char *buf, size_t len);

int tdxsim_active(void)
{
	return 1;
}

void tdxsim_reset(void)
{
	sim_lock();
	sim_init_locked();
	fdt_drop_all();
	fault_clear();
	trace_clear();
	guest_errors_clear();
	xperm_reset();		/* arch_prctl XSTATE permissions back to the defaults */
	G.ioctl_count = 0;
	G.inited = false;	/* re-read the environment */
	sim_init_locked();
	sim_unlock();
}

int tdxsim_fail_nth(unsigned long n, int err)
{
	int r;

	if (!n || err <= 0)
		return -EINVAL;
	sim_lock();
	sim_init_locked();
	r = fault_add((long)n, NULL, err, 0, false, 1, 0, -1);
	sim_unlock();
	return r;
}

int tdxsim_fail_ioctl(const char *name, int err, uint64_t hw_error, int times)
{
	int r;

	if (!name || err <= 0)
		return -EINVAL;
	sim_lock();
	sim_init_locked();
	r = fault_add(0, name, err, hw_error, hw_error != 0, times <= 0 ? -1 : times, 0, -1);
	sim_unlock();
	return r;
}

int tdxsim_fail_spec(const char *spec)
{
	char err[256];
	int r;

	if (!spec)
		return -EINVAL;
	sim_lock();
	sim_init_locked();
	r = fault_add_spec(spec, err, sizeof(err)) < 0 ? -EINVAL : 0;
	sim_unlock();
	if (r)
		fprintf(stderr, "tdxsim: fail spec: %s\n", err);
	return r;
}

void tdxsim_fail_clear(void)
{
	sim_lock();
	fault_clear();
	sim_unlock();
}

unsigned long tdxsim_call_count(void)
{
	unsigned long n;

	sim_lock();
	n = G.ioctl_count;
	sim_unlock();
	return n;
}

unsigned long tdxsim_trace_count(void)
{
	unsigned long n;

	sim_lock();
	n = trace_count();
	sim_unlock();
	return n;
}

int tdxsim_trace_get(unsigned long i, char *buf, size_t len)
{
	int r;

	sim_lock();
	r = trace_get(i, buf, len);
	sim_unlock();
	return r;
}

int tdxsim_set_caps(const char *preset)
{
	char err[512];
	int r;

	if (!preset)
		return -EINVAL;
	sim_lock();
	sim_init_locked();
	r = sim_set_caps_locked(preset, err, sizeof(err));
	sim_unlock();
	if (r)
		fprintf(stderr, "tdxsim: caps: %s\n", err);
	return r;
}

int tdxsim_set_kernel(const char *version)
{
	int k = version ? sim_parse_kernel(version) : -1;

	if (k < 0)
		return -EINVAL;
	sim_lock();
	sim_init_locked();
	G.kernel = k;
	sim_unlock();
	return 0;
}

int tdxsim_set_5level_ept(int enabled)
{
	sim_lock();
	sim_init_locked();
	G.no_5level = !enabled;
	if (G.caps)
		G.caps->has_5level_ept = enabled;
	sim_unlock();
	return 0;
}

static struct sim_vm *vm_of(int fd)
{
	struct sim_obj *o = fdt_get(fd);

	return o && o->kind == SK_VM ? o->vm : NULL;
}

int tdxsim_vm_mrtd(int vm_fd, unsigned char mrtd[48])
{
	struct sim_vm *vm;
	int r = 0;

	sim_lock();
	vm = vm_of(vm_fd);
	if (!vm)
		r = -EBADF;
	else if (!vm->mrtd_final)
		r = -EBUSY;
	else
		memcpy(mrtd, vm->mrtd, 48);
	sim_unlock();
	return r;
}

int tdxsim_vm_report(int vm_fd, char *buf, size_t len)
{
	struct sim_vm *vm;
	char *js;
	int r;

	sim_lock();
	vm = vm_of(vm_fd);
	if (!vm) {
		sim_unlock();
		return -EBADF;
	}
	js = report_json(vm);
	sim_unlock();
	if (!js)
		return -ENOMEM;
	r = (int)strlen(js);
	if (buf && len)
		snprintf(buf, len, "%s", js);
	free(js);
	return r;
}

/* ---- scripted guest ---------------------------------------------------- */
int tdxsim_set_guest(const char *what)
{
	struct gscript *s = NULL;
	char err[512];

	if (what && *what) {
		sim_lock();
		sim_init_locked();
		s = guest_load(what, err, sizeof(err));
		sim_unlock();
		if (!s) {
			fprintf(stderr, "tdxsim: guest script: %s\n", err);
			return -EINVAL;
		}
	}
	sim_lock();
	sim_init_locked();
	gscript_put(G.guest);
	G.guest = s;
	sim_unlock();
	return 0;
}

int tdxsim_set_guest_text(const char *text, char *err, size_t errlen)
{
	char e[512];
	struct gscript *s;

	if (!text)
		return -EINVAL;
	s = gscript_parse(text, "script", e, sizeof(e));
	if (!s) {
		if (err && errlen)
			snprintf(err, errlen, "%s", e);
		return -EINVAL;
	}
	sim_lock();
	sim_init_locked();
	gscript_put(G.guest);
	G.guest = s;
	sim_unlock();
	return 0;
}

unsigned long tdxsim_guest_errors(void)
{
	unsigned long n;

	sim_lock();
	n = guest_error_count();
	sim_unlock();
	return n;
}

int tdxsim_guest_error_get(unsigned long i, char *buf, size_t len)
{
	int r;

	sim_lock();
	r = guest_error_get(i, buf, len);
	sim_unlock();
	return r;
}
