/* SPDX-License-Identifier: MIT */
/*
 * LD_PRELOAD entry points: open/openat (+64, fortify variants) of the
 * device path, ioctl, close, fallocate, access/faccessat.  Everything that
 * is not a simulated fd goes to the next definition (dlsym RTLD_NEXT).
 */
/* Define open and open64 etc. separately: no LFS redirection here. */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim.h"

void sim_close_obj(int fd);

static bool is_device(const char *path)
{
	bool r;

	if (!path)
		return false;
	sim_lock();
	sim_init_locked();
	r = strcmp(path, G.device) == 0;
	sim_unlock();
	return r;
}

/* openat/faccessat: only absolute paths name the device. */
static __attribute__((noinline)) bool is_abs_device(const char *path)
{
	return path && path[0] == '/' && is_device(path);
}

static int open_device(int flags)
{
	int fd, r;

	sim_lock();
	fd = memfd_create("tdxsim-kvm", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0) {
		r = -errno;
		sim_unlock();
		errno = -r;
		return -1;
	}
	r = fdt_set(fd, SK_DEV, NULL);
	if (r < 0) {
		real_close(fd);
		sim_unlock();
		errno = -r;
		return -1;
	}
	trace_call("open", SK_DEV, fd, fd, 0);
	sim_unlock();
	return fd;
}

static mode_t get_mode(int flags, va_list ap)
{
	if (flags & (O_CREAT | __O_TMPFILE))
		return va_arg(ap, mode_t);
	return 0;
}

#define OPEN_WRAPPER(fn)						\
int fn(const char *path, int flags, ...);				\
SIM_EXPORT int fn(const char *path, int flags, ...)		\
{									\
	static int (*next)(const char *, int, ...);			\
	va_list ap;							\
	mode_t mode;							\
									\
	va_start(ap, flags);						\
	mode = get_mode(flags, ap);					\
	va_end(ap);							\
	if (is_device(path))						\
		return open_device(flags);				\
	if (!next)							\
		next = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #fn); \
	return next(path, flags, mode);					\
}

OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)

#define OPENAT_WRAPPER(fn)						\
int fn(int dirfd, const char *path, int flags, ...);			\
SIM_EXPORT int fn(int dirfd, const char *path, int flags, ...)	\
{									\
	static int (*next)(int, const char *, int, ...);		\
	va_list ap;							\
	mode_t mode;							\
									\
	va_start(ap, flags);						\
	mode = get_mode(flags, ap);					\
	va_end(ap);							\
	if (is_abs_device(path))					\
		return open_device(flags);				\
	if (!next)							\
		next = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, #fn); \
	return next(dirfd, path, flags, mode);				\
}

OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

/* _FORTIFY_SOURCE variants. */
int __open_2(const char *path, int flags);
SIM_EXPORT int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

int __open64_2(const char *path, int flags);
SIM_EXPORT int __open64_2(const char *path, int flags)
{
	return open(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags);
SIM_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags);
SIM_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

/* The device exists for access()/faccessat() even when /dev/kvm does not. */
SIM_EXPORT int access(const char *path, int mode)
{
	static int (*next)(const char *, int);

	if (is_device(path))
		return 0;
	if (!next)
		next = (int (*)(const char *, int))dlsym(RTLD_NEXT, "access");
	return next(path, mode);
}

SIM_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	static int (*next)(int, const char *, int, int);

	if (is_abs_device(path))
		return 0;
	if (!next)
		next = (int (*)(int, const char *, int, int))dlsym(RTLD_NEXT, "faccessat");
	return next(dirfd, path, mode, flags);
}

SIM_EXPORT int close(int fd)
{
	struct sim_obj *o;
	int r, e;

	sim_resolve_real();
	sim_lock();
	o = fdt_get(fd);
	if (!o) {
		sim_unlock();
		return real_close(fd);
	}
	{
		enum sim_kind k = o->kind;

		r = real_close(fd);
		e = errno;
		sim_close_obj(fd);
		trace_call("close", k, fd, r, r < 0 ? e : 0);
	}
	sim_unlock();
	errno = e;
	return r;
}

static struct sim_vm *obj_vm(struct sim_obj *o)
{
	switch (o->kind) {
	case SK_VM: return o->vm;
	case SK_VCPU: return o->vcpu->vm;
	case SK_GMEM: return o->gmem->vm;
	default: return NULL;
	}
}

SIM_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	struct sim_fault_hit hit;
	struct sim_obj *o;
	struct sim_vm *vm;
	const char *name;
	enum sim_kind kind;
	unsigned long arg;
	va_list ap;
	long ret;

	va_start(ap, req);
	arg = va_arg(ap, unsigned long);
	va_end(ap);

	sim_resolve_real();
	sim_lock();
	o = fdt_get(fd);
	if (!o) {
		sim_unlock();
		return real_ioctl(fd, req, arg);
	}
	sim_init_locked();
	kind = o->kind;
	vm = obj_vm(o);
	if (vm)
		vm_get(vm); /* the handler may drop the last other reference */
	G.ioctl_count++;
	name = ioctl_name(req);
	if (req == KVM_MEMORY_ENCRYPT_OP) {
		uint32_t id;

		if (sim_copy_from_user(&id, arg, sizeof(id)) == 0)
			name = tdx_cmd_name(id);
	}

	trace_describe(kind, vm, req, arg);
	if (fault_check_entry(G.ioctl_count, name, &hit)) {
		ret = -hit.err;
	} else {
		const char *dummy;

		switch (kind) {
		case SK_DEV:
			ret = dev_ioctl(req, arg, &dummy);
			break;
		case SK_VM:
			ret = vm_ioctl(o->vm, req, arg, &dummy);
			break;
		case SK_VCPU: {
			/* the vCPU lives as long as its VM (referenced above) */
			struct sim_vcpu *v = o->vcpu;

			ret = vcpu_ioctl(v, req, arg, &dummy);
			if (req == KVM_RUN && v->run)
				trace_note("exit=%u", v->run->exit_reason);
			break;
		}
		default:
			/* guest_memfd has no ioctls */
			ret = -ENOTTY;
			break;
		}
	}

	trace_call(name, kind, fd, ret, ret < 0 ? (int)-ret : 0);
	if (vm) {
		vm_log_call(vm, name, ret < 0 ? (int)-ret : 0);
	} else if (kind == SK_DEV && req == KVM_CREATE_VM && ret >= 0) {
		struct sim_obj *n = fdt_get((int)ret);

		if (n && n->kind == SK_VM)
			vm_log_call(n->vm, name, 0);
	}
	if (vm)
		vm_put(vm);
	sim_unlock();
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return (int)ret;
}

static int do_fallocate(int fd, int mode, off_t off, off_t len)
{
	struct sim_obj *o;
	int r;

	sim_resolve_real();
	sim_lock();
	o = fdt_get(fd);
	if (!o) {
		sim_unlock();
		return real_fallocate(fd, mode, off, len);
	}
	if (o->kind == SK_GMEM) {
		r = gmem_fallocate(o->gmem, mode, (uint64_t)off, (uint64_t)len);
		vm_log_call(o->gmem->vm, "fallocate", r < 0 ? -r : 0);
	} else {
		r = -ENODEV; /* anon inodes have no fallocate */
	}
	trace_call("fallocate", o->kind, fd, r, r < 0 ? -r : 0);
	sim_unlock();
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

SIM_EXPORT int fallocate(int fd, int mode, off_t off, off_t len)
{
	return do_fallocate(fd, mode, off, len);
}

SIM_EXPORT int fallocate64(int fd, int mode, off_t off, off_t len)
{
	return do_fallocate(fd, mode, off, len);
}

