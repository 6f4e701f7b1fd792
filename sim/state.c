/* SPDX-License-Identifier: MIT */
/* Process-wide simulator state: lock, fd table, environment, lifetimes. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kvm-x86.h"

struct sim_global G;

static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

void sim_lock(void)
{
	pthread_mutex_lock(&lock);
}

void sim_unlock(void)
{
	pthread_mutex_unlock(&lock);
}

static void atfork_prepare(void) { pthread_mutex_lock(&lock); }
static void atfork_parent(void) { pthread_mutex_unlock(&lock); }
/* The child's thread id differs from the owner recorded by the prepare
 * handler, so a recursive mutex cannot be unlocked there: re-create it. */
static void atfork_child(void)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&lock, &a);
	pthread_mutexattr_destroy(&a);
}

/* ---- real functions ------------------------------------------------------ */
int (*real_open)(const char *, int, ...);
int (*real_close)(int);
int (*real_ioctl)(int, unsigned long, ...);
int (*real_fallocate)(int, int, off_t, off_t);

void sim_resolve_real(void)
{
	if (real_ioctl)
		return;
	real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	real_fallocate = (int (*)(int, int, off_t, off_t))dlsym(RTLD_NEXT, "fallocate");
	real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
}

/* ---- fd table ------------------------------------------------------------- */
/*
 * A simulated fd is a memfd standing for one kernel file (the /dev/kvm open
 * file, a VM, a vCPU, a guest_memfd). Like a kernel file it can have several
 * fd numbers (dup(), dup2(), fcntl(F_DUPFD), fork()), and the object goes
 * away only with the last one (kvm_vm_release(), kvm_vcpu_release() and
 * kvm_gmem_release() run at the last fput()). A number we have not seen is
 * recognised by its inode when it is first used; a file whose known numbers
 * are all closed while another number is still open is kept as an orphan
 * until that number shows up.
 */
static struct sim_obj **fdt;
static size_t fdt_cap;
static struct sim_obj **orphans;
static size_t n_orphans, cap_orphans;
static dev_t memfd_dev;
static bool memfd_dev_set;

static void obj_release(int fd, struct sim_obj *o);

/* Is fd still the memfd recorded in o? */
static bool fdt_same(int fd, const struct sim_obj *o)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_dev == o->dev && st.st_ino == o->ino;
}

static int fdt_grow(int fd)
{
	size_t ncap = fdt_cap ? fdt_cap : 64;
	struct sim_obj **n;

	if ((size_t)fd < fdt_cap)
		return 0;
	while (ncap <= (size_t)fd)
		ncap *= 2;
	n = realloc(fdt, ncap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	memset(n + fdt_cap, 0, (ncap - fdt_cap) * sizeof(*n));
	fdt = n;
	fdt_cap = ncap;
	return 0;
}

/* Another known fd number for the same file (its number, or -1)? */
static int fdt_other_number(const struct sim_obj *o)
{
	for (size_t i = 0; i < fdt_cap; i++)
		if (fdt[i] && fdt[i] != o && fdt[i]->dev == o->dev && fdt[i]->ino == o->ino)
			return (int)i;
	return -1;
}

static bool fdt_has_file(const struct sim_obj *o)
{
	return fdt_other_number(o) >= 0;
}

/* An open fd in the process (other than skip) on this inode, or -1. */
static int inode_open_elsewhere(dev_t dev, ino_t ino, int skip)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int found = -1;

	if (!d)
		return -1;
	while (found < 0 && (de = readdir(d))) {
		char *end;
		long n = strtol(de->d_name, &end, 10);
		struct stat st;

		if (end == de->d_name || *end || n == skip || n == dirfd(d))
			continue;
		if (fstat((int)n, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
			found = (int)n;
	}
	closedir(d);
	return found;
}

/* The model reaches the memfd through this number (a guest_memfd's pages
 * are written to it). */
static void obj_renumber(struct sim_obj *o, int fd)
{
	switch (o->kind) {
	case SK_VM: o->vm->fd = fd; break;
	case SK_VCPU: o->vcpu->fd = fd; break;
	case SK_GMEM: o->gmem->fd = fd; break;
	default: break;
	}
}

/* fd no longer refers to o's file: release the file unless another fd
 * still does. */
static void obj_forget(int fd, struct sim_obj *o)
{
	int other = fdt_other_number(o);

	if (other >= 0) {
		obj_renumber(o, other);
		free(o);
		return;
	}
	other = inode_open_elsewhere(o->dev, o->ino, fd);
	if (other >= 0) {
		obj_renumber(o, other);
		if (n_orphans == cap_orphans) {
			size_t nc = cap_orphans ? cap_orphans * 2 : 8;
			struct sim_obj **n = realloc(orphans, nc * sizeof(*n));

			if (n) {
				orphans = n;
				cap_orphans = nc;
			}
		}
		if (n_orphans < cap_orphans) {
			orphans[n_orphans++] = o;
			return;
		}
	}
	obj_release(fd, o);
	free(o);
}

/* The fd was closed without close(): the number no longer names the file. */
static void fdt_drop_stale(int fd)
{
	struct sim_obj *o = fdt[fd];

	fdt[fd] = NULL;
	obj_forget(fd, o);
}

/* An fd number we have not seen: another number for a known file? */
static struct sim_obj *fdt_find_alias(int fd)
{
	struct sim_obj *o = NULL, *src = NULL;
	struct stat st;

	if (!memfd_dev_set || fstat(fd, &st) < 0 || st.st_dev != memfd_dev)
		return NULL;
	for (size_t i = 0; i < n_orphans; i++)
		if (orphans[i]->dev == st.st_dev && orphans[i]->ino == st.st_ino) {
			o = orphans[i];
			orphans[i] = orphans[--n_orphans];
			break;
		}
	for (size_t i = 0; !o && i < fdt_cap; i++)
		if (fdt[i] && fdt[i]->dev == st.st_dev && fdt[i]->ino == st.st_ino)
			src = fdt[i];
	if (!o && src) {
		o = malloc(sizeof(*o));
		if (!o)
			return NULL;
		*o = *src;
	}
	if (!o)
		return NULL;
	if (fdt_grow(fd) < 0) {
		if (src)
			free(o);
		else
			orphans[n_orphans++] = o; /* cannot fail: we just took it */
		return NULL;
	}
	obj_renumber(o, fd);
	fdt[fd] = o;
	return o;
}

int fdt_set(int fd, enum sim_kind kind, void *p)
{
	struct sim_obj *o;
	struct stat st;
	int r;

	if (fd < 0)
		return -EBADF;
	r = fdt_grow(fd);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return -errno;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->kind = kind;
	o->vm = p; /* union: same pointer slot */
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	memfd_dev = st.st_dev;
	memfd_dev_set = true;
	if (fdt[fd])	/* the number came back: the old fd was closed unseen */
		fdt_drop_stale(fd);
	fdt[fd] = o;
	return 0;
}

struct sim_obj *fdt_get(int fd)
{
	if (fd < 0)
		return NULL;
	if ((size_t)fd < fdt_cap && fdt[fd]) {
		if (fdt_same(fd, fdt[fd]))
			return fdt[fd];
		fdt_drop_stale(fd);
	}
	return fdt_find_alias(fd);
}

void fdt_del(int fd)
{
	if (fd < 0 || (size_t)fd >= fdt_cap)
		return;
	free(fdt[fd]);
	fdt[fd] = NULL;
}

/* Close every simulated fd (tdxsim_reset); a number the program reused for
 * something else is left open. Each file is released once. */
void fdt_drop_all(void)
{
	for (size_t i = 0; i < fdt_cap; i++) {
		struct sim_obj *o = fdt[i];
		bool other = false;

		if (!o)
			continue;
		fdt[i] = NULL;
		if (fdt_same((int)i, o))
			real_close((int)i);
		other = fdt_has_file(o);
		for (size_t j = 0; !other && j < n_orphans; j++)
			other = orphans[j]->dev == o->dev && orphans[j]->ino == o->ino;
		if (!other)
			obj_release((int)i, o);
		free(o);
	}
	while (n_orphans) {
		struct sim_obj *o = orphans[--n_orphans];

		obj_release(-1, o);
		free(o);
	}
}

/* ---- environment ------------------------------------------------------------ */
int sim_parse_kernel(const char *s)
{
	static const struct { const char *s; int v; } k[] = {
		{ "6.16", SIM_K616 }, { "6.17", SIM_K617 }, { "6.18", SIM_K618 },
		{ "6.19", SIM_K619 }, { "7.0", SIM_K700 }, { "7.1", SIM_K710 },
		{ "7.2", SIM_K720 },
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (!strcmp(s, k[i].s))
			return k[i].v;
	return -1;
}

int sim_set_caps_locked(const char *preset, char *err, size_t errlen)
{
	struct sim_caps *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (caps_load(c, preset, err, errlen) < 0) {
		free(c);
		return -EINVAL;
	}
	if (G.no_5level)
		c->has_5level_ept = false;
	free(G.caps);
	G.caps = c;
	return 0;
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "tdxsim: %s: %s\n", what, msg);
	_exit(2);
}

static bool atfork_done;

void sim_init_locked(void)
{
	const char *e;
	char err[512];

	if (G.inited)
		return;
	G.inited = true;
	sim_resolve_real();
	if (!atfork_done)
		pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	atfork_done = true;

	e = getenv("TDXSIM_DEVICE");
	snprintf(G.device, sizeof(G.device), "%s", e && *e ? e : "/dev/kvm");

	G.kernel = SIM_K720;
	e = getenv("TDXSIM_KERNEL");
	if (e && *e) {
		G.kernel = sim_parse_kernel(e);
		if (G.kernel < 0)
			die("TDXSIM_KERNEL", "expected 6.16, 6.17, 6.18, 6.19, 7.0, 7.1 or 7.2");
	}
	e = getenv("TDXSIM_NO_5LEVEL_EPT");
	G.no_5level = e && *e && strcmp(e, "0");

	e = getenv("TDXSIM_CAPS");
	if (sim_set_caps_locked(e && *e ? e : "realistic", err, sizeof(err)) < 0)
		die("TDXSIM_CAPS", err);

	e = getenv("TDXSIM_FAIL");
	if (e && *e && fault_add_spec(e, err, sizeof(err)) < 0)
		die("TDXSIM_FAIL", err);

	e = getenv("TDXSIM_REPORT");
	if (e && *e)
		snprintf(G.report_path, sizeof(G.report_path), "%s", e);

	gscript_put(G.guest);
	G.guest = NULL;
	e = getenv("TDXSIM_GUEST");
	if (e && *e) {
		G.guest = guest_load(e, err, sizeof(err));
		if (!G.guest)
			die("TDXSIM_GUEST", err);
	}
}

/* ---- user memory ------------------------------------------------------------- */
static int vm_rw(bool write, void *local, uint64_t uaddr, size_t len)
{
	struct iovec l = { .iov_base = local, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)uaddr, .iov_len = len };
	ssize_t n;

	if (len == 0)
		return 0;
	if (uaddr + len < uaddr)
		return -EFAULT;
	n = write ? process_vm_writev(getpid(), &l, 1, &r, 1, 0)
		  : process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && (errno == ENOSYS || errno == EPERM)) {
		/* No cross-memory attach here: trust the caller. */
		if (write)
			memcpy((void *)(uintptr_t)uaddr, local, len);
		else
			memcpy(local, (void *)(uintptr_t)uaddr, len);
		return 0;
	}
	return -EFAULT;
}

int sim_copy_from_user(void *dst, uint64_t uaddr, size_t len)
{
	return vm_rw(false, dst, uaddr, len);
}

int sim_copy_to_user(uint64_t uaddr, const void *src, size_t len)
{
	return vm_rw(true, (void *)src, uaddr, len);
}

/* ---- VM lifetime --------------------------------------------------------------- */
static struct sim_vm **live_vms;
static size_t n_live, cap_live;

void vm_track(struct sim_vm *vm);
void vm_track(struct sim_vm *vm)
{
	if (n_live == cap_live) {
		size_t nc = cap_live ? cap_live * 2 : 8;
		struct sim_vm **n = realloc(live_vms, nc * sizeof(*n));

		if (!n)
			return;
		live_vms = n;
		cap_live = nc;
	}
	live_vms[n_live++] = vm;
}

static void vm_untrack(struct sim_vm *vm)
{
	for (size_t i = 0; i < n_live; i++)
		if (live_vms[i] == vm) {
			live_vms[i] = live_vms[--n_live];
			return;
		}
}

void vm_get(struct sim_vm *vm)
{
	vm->refs++;
}

void vm_put(struct sim_vm *vm)
{
	if (--vm->refs > 0)
		return;
	report_vm(vm);
	vm_untrack(vm);
	mem_free_slots(vm);
	rmap_free(&vm->attrs);
	rmap_free(&vm->sept);
	mrtd_free(vm);
	kvmx_vm_free(vm);
	for (size_t i = 0; i < vm->nvcpus; i++) {
		kvmx_vcpu_free(vm->vcpus[i]);
		guest_vcpu_free(vm->vcpus[i]);
		if (vm->vcpus[i]->run)	/* closed while KVM_RUN waited */
			munmap(vm->vcpus[i]->run, SIM_VCPU_MMAP_SIZE);
		free(vm->vcpus[i]);
	}
	guest_vm_free(vm);
	free(vm->vcpus);
	free(vm->td_cpuid);
	free(vm->hob);
	free(vm->init_vm_in);
	free(vm->calls);
	free(vm->caps);
	free(vm);
}

void vm_log_call(struct sim_vm *vm, const char *name, int err)
{
	enum { MAX_CALLS = 10000 };

	if (vm->ncalls >= MAX_CALLS) {
		vm->calls_truncated++;
		return;
	}
	if (vm->ncalls == vm->calls_cap) {
		size_t nc = vm->calls_cap ? vm->calls_cap * 2 : 64;
		struct sim_call *n = realloc(vm->calls, nc * sizeof(*n));

		if (!n) {
			vm->calls_truncated++;
			return;
		}
		vm->calls = n;
		vm->calls_cap = nc;
	}
	snprintf(vm->calls[vm->ncalls].name, sizeof(vm->calls[0].name), "%s", name);
	vm->calls[vm->ncalls].err = err;
	vm->ncalls++;
}

void gmem_put(struct sim_gmem *g)
{
	struct sim_vm *vm = g->vm;

	/* The file is gone: memslots keep the binding but lose the file. */
	for (size_t i = 0; i < vm->nslots; i++)
		if (vm->slots[i].gmem == g)
			vm->slots[i].gmem = NULL;
	rmap_free(&g->populated);
	rmap_free(&g->bound);
	free(g);
	vm_put(vm);
}

static void obj_release(int fd, struct sim_obj *o)
{
	switch (o->kind) {
	case SK_DEV:
		break;
	case SK_VM:
		o->vm->fd_open = false;
		vm_put(o->vm);
		break;
	case SK_VCPU: {
		struct sim_vcpu *v = o->vcpu;

		v->closed = true;
		if (v->run && !v->in_run) {
			munmap(v->run, SIM_VCPU_MMAP_SIZE);
			v->run = NULL;
		}
		vm_put(v->vm); /* the vCPU struct itself lives until the VM goes */
		break;
	}
	case SK_GMEM:
		gmem_put(o->gmem);
		break;
	}
}

/* Called from close(): fd is known to be simulated; lock held. */
void sim_close_obj(int fd);
void sim_close_obj(int fd)
{
	struct sim_obj *o;

	if (fd < 0 || (size_t)fd >= fdt_cap || !fdt[fd])
		return;
	o = fdt[fd];
	fdt[fd] = NULL;
	obj_forget(fd, o);
}

__attribute__((destructor)) static void sim_exit_reports(void)
{
	sim_lock();
	for (size_t i = 0; i < n_live; i++)
		report_vm(live_vms[i]);
	sim_unlock();
}
