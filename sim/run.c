/* SPDX-License-Identifier: MIT */
/*
 * KVM_RUN engine: runs the guest script of a vCPU and produces the exits
 * Linux 7.2 produces for a TD (tdx_handle_exit(), handle_tdvmcall() and
 * the functions named below, arch/x86/kvm/vmx/tdx.c), then checks the
 * VMM's answers on the next KVM_RUN.
 *
 * Order inside KVM_RUN follows kvm_arch_vcpu_ioctl_run(): an UNINITIALIZED
 * vCPU blocks (vcpu_run_uninitialized()); the pending exit's completion
 * (complete_userspace_io) runs first and may produce the next exit at once
 * (the next MapGPA chunk); then immediate_exit gives EINTR; then
 * tdx_vcpu_pre_run(); then the guest runs on (the next script event).
 *
 * Locking: everything runs with the simulator lock held, except the waits
 * of `hlt` and `sleep`, which drop it (other vCPUs keep running).  Per-vCPU
 * state is only touched by that vCPU's KVM_RUN and, under the lock, by the
 * report.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvm-x86.h"

#define CONTINUE	1		/* not an exit: go on with the script */
#define MAPGPA_CHUNK	(2ULL << 20)	/* TDX_MAP_GPA_MAX_LEN */
#define PIO_OFFSET	4096		/* KVM_PIO_PAGE_OFFSET * PAGE_SIZE */
#define FAULT_MAX_REENTRIES 8
#define MAX_RESULTS	1000
#define MAX_VM_ERRORS	1000
#define MAX_ALL_ERRORS	10000
#define EXIT_REASON_TDCALL 77		/* vp_enter_ret of a TDVMCALL exit */

struct gres {
	unsigned line;
	enum gev_kind kind;
	uint64_t status, value, r[4];
	unsigned long exits;
};

enum gv_state { GV_RUNNING, GV_SHUTDOWN, GV_FAILED };

struct guest_vcpu {
	const struct gsection *sec;	/* NULL: no script for this vCPU */
	size_t pc;
	struct { size_t begin; uint64_t left; } loop[GSCRIPT_MAX_DEPTH];
	int depth;
	bool in_event;			/* the event at pc has started */
	bool pending;			/* an exit of that event awaits completion */
	uint64_t next, end;		/* MapGPA cursor / string index */
	unsigned reentries;		/* memory fault re-raised */
	bool punch_reported;
	struct timespec deadline;	/* hlt/sleep; tv_sec 0 = none */
	struct gres cur, last;
	bool has_last;
	enum gv_state state;
	unsigned long events, exits;
	char **results;
	size_t nres;
	unsigned long results_truncated;
};

/* Process-wide list of failed checks (tdxsim_guest_error_*). */
static char **all_errors;
static size_t n_all_errors;
static unsigned long all_errors_total;

/* ---- errors and results ------------------------------------------------ */
static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static void push_str(char ***arr, size_t *n, size_t max, char *s, unsigned long *trunc)
{
	char **na;

	if (!s)
		return;
	if (*n >= max) {
		if (trunc)
			(*trunc)++;
		free(s);
		return;
	}
	na = realloc(*arr, (*n + 1) * sizeof(*na));
	if (!na) {
		free(s);
		return;
	}
	*arr = na;
	na[(*n)++] = s;
}

static void gerror(struct sim_vcpu *v, const struct gev *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void gerror(struct sim_vcpu *v, const struct gev *e, const char *fmt, ...)
{
	struct sim_vm *vm = v->vm;
	char *msg, *full = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = vfmt(fmt, ap);
	va_end(ap);
	if (!msg)
		return;
	if (e ? asprintf(&full, "vm %lu vcpu %u line %u (%s): %s", vm->serial, v->id,
			 e->line, gev_name(e->kind), msg) < 0
	      : asprintf(&full, "vm %lu vcpu %u: %s", vm->serial, v->id, msg) < 0)
		full = NULL;
	free(msg);
	if (!full)
		return;
	fprintf(stderr, "tdxsim: guest check failed: %s\n", full);
	all_errors_total++;
	push_str(&all_errors, &n_all_errors, MAX_ALL_ERRORS, strdup(full), NULL);
	push_str(&vm->guest_errors, &vm->nguest_errors, MAX_VM_ERRORS, full,
		 &vm->guest_errors_truncated);
}

static void result(struct guest_vcpu *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void result(struct guest_vcpu *g, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	push_str(&g->results, &g->nres, MAX_RESULTS, s, &g->results_truncated);
}

static const char *plural(unsigned long n)
{
	return n == 1 ? "" : "s";
}

/* The event at pc is over: record its result and move on. */
static void finish(struct guest_vcpu *g, const struct gev *e, const char *detail)
{
	const char *st = gstatus_name(g->cur.status);

	g->cur.line = e->line;
	g->cur.kind = e->kind;
	if (!strcmp(st, "other"))
		result(g, "line %u %s: %lu exit%s, status 0x%llx%s%s", e->line,
		       gev_name(e->kind), g->cur.exits, plural(g->cur.exits),
		       (unsigned long long)g->cur.status, detail ? ", " : "",
		       detail ? detail : "");
	else
		result(g, "line %u %s: %lu exit%s, status %s%s%s", e->line,
		       gev_name(e->kind), g->cur.exits, plural(g->cur.exits), st,
		       detail ? ", " : "", detail ? detail : "");
	g->last = g->cur;
	g->has_last = true;
	memset(&g->cur, 0, sizeof(g->cur));
	g->in_event = g->pending = false;
	g->reentries = 0;
	g->punch_reported = false;
	g->deadline.tv_sec = g->deadline.tv_nsec = 0;
	g->events++;
	g->pc++;
}

/* ---- memory model checks ------------------------------------------------ */
static uint64_t sbit(const struct sim_vm *vm)
{
	return vm->shared_bit;
}

/* First GFN in [start, end) whose attribute is not the requested one, or
 * UINT64_MAX.  A to-shared conversion of a GFN without memslot is a no-op
 * for the VMM (QEMU: non-RAM), so those GFNs are not checked. */
static uint64_t attr_mismatch(struct sim_vm *vm, uint64_t start, uint64_t end, bool priv)
{
	uint64_t gfn = start;

	while (gfn < end) {
		uint64_t run_end, e;
		bool p = rmap_get_run(&vm->attrs, gfn, &run_end) & KVM_MEMORY_ATTRIBUTE_PRIVATE;

		e = run_end < end ? run_end : end;
		if (p != priv) {
			if (priv)
				return gfn;
			for (size_t i = 0; i < vm->nslots; i++) {
				uint64_t b = vm->slots[i].gpa / SIM_PAGE_SIZE;
				uint64_t se = b + vm->slots[i].size / SIM_PAGE_SIZE;

				if (gfn < se && b < e)
					return gfn > b ? gfn : b;
			}
		}
		gfn = e;
	}
	return UINT64_MAX;
}

/* Calls fn on each part of [start, end) (GFNs) backed by a guest_memfd. */
static uint64_t gmem_walk(struct sim_vm *vm, uint64_t start, uint64_t end, bool populate)
{
	uint64_t still = 0;

	for (size_t i = 0; i < vm->nslots; i++) {
		struct sim_memslot *s = &vm->slots[i];
		uint64_t b = s->gpa / SIM_PAGE_SIZE, se = b + s->size / SIM_PAGE_SIZE;
		uint64_t lo = start > b ? start : b, hi = end < se ? end : se;
		uint64_t off0, off1;

		if (lo >= hi || !(s->flags & KVM_MEM_GUEST_MEMFD) || !s->gmem)
			continue;
		off0 = s->gmem_off / SIM_PAGE_SIZE + (lo - b);
		off1 = off0 + (hi - lo);
		if (populate) {	/* the guest accepts: AUG + TDG.MEM.PAGE.ACCEPT */
			gmem_populate(s->gmem, off0, off1);
			rmap_set(&vm->sept, lo, hi, SEPT_MAPPED);
			continue;
		}
		for (uint64_t o = off0; o < off1;) {
			uint64_t run_end, e;
			uint64_t val = rmap_get_run(&s->gmem->populated, o, &run_end);

			e = run_end < off1 ? run_end : off1;
			if (val)
				still += e - o;
			o = e;
		}
	}
	return still;
}

/* After a conversion the VMM reported as done: is it done?  Records the
 * failures; returns true when the attributes are right. */
static bool check_converted(struct sim_vcpu *v, const struct gev *e, uint64_t gpa,
			    uint64_t size, bool priv, const char *how)
{
	struct sim_vm *vm = v->vm;
	uint64_t start = gpa / SIM_PAGE_SIZE, end = (gpa + size) / SIM_PAGE_SIZE;
	uint64_t bad = attr_mismatch(vm, start, end, priv), still;

	if (bad != UINT64_MAX) {
		gerror(v, e, "%s 0x%llx+0x%llx to %s: the VMM re-entered without "
		       "KVM_SET_MEMORY_ATTRIBUTES (GPA 0x%llx is still %s)", how,
		       (unsigned long long)gpa, (unsigned long long)size,
		       priv ? "private" : "shared", (unsigned long long)(bad * SIM_PAGE_SIZE),
		       priv ? "shared" : "private");
		return false;
	}
	if (priv) {
		/* The guest accepts / touches the pages: guest_memfd allocates. */
		gmem_walk(vm, start, end, true);
		return true;
	}
	still = gmem_walk(vm, start, end, false);
	if (still)
		gerror(v, e, "%s 0x%llx+0x%llx to shared: attributes changed but %llu "
		       "guest_memfd page%s still allocated (no FALLOC_FL_PUNCH_HOLE)", how,
		       (unsigned long long)gpa, (unsigned long long)size,
		       (unsigned long long)still, plural(still));
	return true;
}

/* Does a guest access of this kind to gfn exit with a memory fault? */
static bool fault_needed(struct sim_vm *vm, uint64_t gfn, bool priv)
{
	bool attr = rmap_get(&vm->attrs, gfn) & KVM_MEMORY_ATTRIBUTE_PRIVATE;
	struct sim_memslot *s;

	if (attr != priv)
		return true;
	if (!priv)
		return false;
	s = mem_find_slot(vm, gfn);
	return !s || !(s->flags & KVM_MEM_GUEST_MEMFD) || !s->gmem;
}

/* ---- exits ------------------------------------------------------------------ */
static void *exit_area(struct kvm_run *r)
{
	return (char *)r + LIBTDX_KVM_RUN_EXIT_OFFSET;
}

static void clear_exit(struct kvm_run *r)
{
	memset(exit_area(r), 0, 256);
}

static long do_exit(struct guest_vcpu *g, struct kvm_run *r, uint32_t reason)
{
	r->exit_reason = reason;
	g->pending = true;
	g->cur.exits++;
	g->exits++;
	return 0;
}

static long mapgpa_exit(struct sim_vcpu *v, struct guest_vcpu *g)
{
	struct kvm_run *r = v->run;
	uint64_t len = g->end - g->next;

	if (len > MAPGPA_CHUNK)
		len = MAPGPA_CHUNK;
	clear_exit(r);
	r->hypercall.nr = KVM_HC_MAP_GPA_RANGE;
	r->hypercall.args[0] = g->next & ~sbit(v->vm);
	r->hypercall.args[1] = len / SIM_PAGE_SIZE;
	r->hypercall.args[2] = (g->next & sbit(v->vm)) ? KVM_MAP_GPA_RANGE_DECRYPTED
						       : KVM_MAP_GPA_RANGE_ENCRYPTED;
	r->hypercall.ret = 0;
	{
		/* hypercall.flags (offset 96; "longmode" in older headers) */
		uint64_t fl = KVM_EXIT_HYPERCALL_LONG_MODE;

		memcpy((char *)&r->hypercall.ret + sizeof(r->hypercall.ret), &fl, sizeof(fl));
	}
	return do_exit(g, r, KVM_EXIT_HYPERCALL);
}

static long fault_exit(struct sim_vcpu *v, struct guest_vcpu *g, const struct gev *e)
{
	struct kvm_run *r = v->run;
	struct libtdx_run_memory_fault *mf = exit_area(r);

	clear_exit(r);
	mf->flags = e->priv ? KVM_MEMORY_EXIT_FLAG_PRIVATE : 0;
	mf->gpa = e->a[0] & ~sbit(v->vm) & ~(SIM_PAGE_SIZE - 1);
	mf->size = SIM_PAGE_SIZE;
	do_exit(g, r, KVM_EXIT_MEMORY_FAULT);
	g->pending = false;	/* no completion: the guest just retries the access */
	return -EFAULT;
}

static long io_exit(struct guest_vcpu *g, struct kvm_run *r, bool out, uint16_t port,
		    unsigned size, uint64_t val)
{
	clear_exit(r);
	r->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	r->io.size = (uint8_t)size;
	r->io.port = port;
	r->io.count = 1;
	r->io.data_offset = PIO_OFFSET;
	if (out)
		memcpy((char *)r + PIO_OFFSET, &val, size);
	return do_exit(g, r, KVM_EXIT_IO);
}

static long tdx_exit(struct guest_vcpu *g, struct kvm_run *r, uint64_t nr,
		     uint64_t ret, uint64_t d0, uint64_t d1)
{
	struct libtdx_run_tdx *t = exit_area(r);

	clear_exit(r);
	t->flags = 0;
	t->nr = nr;
	t->unknown.ret = ret;
	t->unknown.data[0] = d0;
	t->unknown.data[1] = d1;
	return do_exit(g, r, KVM_EXIT_TDX);
}

static long fatal_exit(struct sim_vcpu *v, struct guest_vcpu *g, const struct gev *e)
{
	enum { AX, CX, DX, BX, SP, BP, SI, DI, R8, R9, R10, R11, R12, R13, R14, R15 };
	struct kvm_run *r = v->run;
	uint64_t mask = e->a[0];
	__u64 *d = r->system_event.data;
	/* a3.. = R14 R15 RBX RDI RSI R8 R9 RDX */
	static const int reg[8] = { R14, R15, BX, DI, SI, R8, R9, DX };

	clear_exit(r);
	r->system_event.type = KVM_SYSTEM_EVENT_TDX_FATAL;
	r->system_event.ndata = 16;
	d[AX] = EXIT_REASON_TDCALL;	/* TDH.VP.ENTER status, not a guest value */
	d[CX] = mask;
	d[R10] = 0;			/* standard TDVMCALL */
	d[R11] = LIBTDX_TDVMCALL_REPORT_FATAL_ERROR;
	/* The TDX module passes only the registers exposed in RCX. */
	d[R12] = (mask & (1ULL << R12)) ? e->a[1] : 0;
	d[R13] = (mask & (1ULL << R13)) ? e->a[2] : 0;
	for (int i = 0; i < 8; i++)
		d[reg[i]] = (mask & (1ULL << reg[i])) ? e->a[3 + i] : 0;
	__atomic_store_n(&v->vm->guest_stop, 1, __ATOMIC_RELEASE);
	return do_exit(g, r, KVM_EXIT_SYSTEM_EVENT);
}

static long shutdown_exit(struct sim_vcpu *v, struct guest_vcpu *g)
{
	clear_exit(v->run);
	v->run->exit_reason = KVM_EXIT_SHUTDOWN;
	g->exits++;
	g->state = GV_SHUTDOWN;
	__atomic_store_n(&v->vm->guest_stop, 1, __ATOMIC_RELEASE);
	return 0;
}

static long failed_exit(struct sim_vcpu *v)
{
	clear_exit(v->run);
	v->run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	v->run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	return -EFAULT;
}

/* ---- completion of the pending exit (complete_userspace_io) ---------------- */
static long complete(struct sim_vcpu *v, struct guest_vcpu *g, const struct gev *e)
{
	struct kvm_run *r = v->run;
	struct libtdx_run_tdx *t = exit_area(r);
	char d[200];

	g->pending = false;
	switch (e->kind) {
	case GE_MAPGPA: {
		uint64_t len = g->end - g->next, gpa = g->next & ~sbit(v->vm);
		bool priv = !(g->next & sbit(v->vm));

		if (len > MAPGPA_CHUNK)
			len = MAPGPA_CHUNK;
		/* tdx_complete_vmcall_map_gpa(): hypercall.ret is 0, EAGAIN
		 * (RETRY) or EINVAL (INVALID_OPERAND), R11 = where it stopped.
		 * Before 7.2 the earlier model stays (any non-zero value is
		 * INVALID_OPERAND, as the first upstream version did): when the
		 * stricter protocol arrived is not in the source we have. */
		if (v->vm->kernel < SIM_K720 && r->hypercall.ret) {
			g->cur.status = TDVMCALL_ST_INVALID_OPERAND;
			g->cur.value = g->next;
			snprintf(d, sizeof(d), "the VMM refused the chunk at 0x%llx (hypercall.ret 0x%llx)",
				 (unsigned long long)gpa, (unsigned long long)r->hypercall.ret);
			finish(g, e, d);
			return CONTINUE;
		}
		switch (r->hypercall.ret) {
		case 0:
			break;
		case EAGAIN:
		case EINVAL:
			g->cur.status = r->hypercall.ret == EAGAIN ? TDVMCALL_ST_RETRY
								  : TDVMCALL_ST_INVALID_OPERAND;
			g->cur.value = g->next;	/* R11: where processing stopped */
			snprintf(d, sizeof(d), "the VMM refused the chunk at 0x%llx (hypercall.ret %s)",
				 (unsigned long long)gpa, r->hypercall.ret == EAGAIN ? "EAGAIN" : "EINVAL");
			finish(g, e, d);
			return CONTINUE;
		default:
			/* Anything else fails this KVM_RUN with EINVAL.  The
			 * completion is gone: the next KVM_RUN enters the guest
			 * with the TDVMCALL's own R10 (0, "success") and R11 (the
			 * leaf), so the guest believes the whole range converted. */
			g->cur.status = TDVMCALL_ST_SUCCESS;
			g->cur.value = LIBTDX_TDVMCALL_MAP_GPA;
			snprintf(d, sizeof(d), "hypercall.ret 0x%llx is not 0, EAGAIN or EINVAL: "
				 "KVM_RUN failed with EINVAL; the guest sees success, chunk "
				 "0x%llx and the rest unconverted",
				 (unsigned long long)r->hypercall.ret, (unsigned long long)gpa);
			finish(g, e, d);
			return -EINVAL;
		}
		check_converted(v, e, gpa, len, priv, "MapGPA chunk");
		g->next += MAPGPA_CHUNK;
		if (g->next >= g->end) {
			g->cur.status = TDVMCALL_ST_SUCCESS;
			finish(g, e, NULL);
			return CONTINUE;
		}
		/* Pending events stop the call between chunks. */
		if (vcpu_has_events(v)) {
			g->cur.status = TDVMCALL_ST_RETRY;
			g->cur.value = g->next;
			snprintf(d, sizeof(d), "events pending: RETRY at 0x%llx",
				 (unsigned long long)(g->next & ~sbit(v->vm)));
			finish(g, e, d);
			return CONTINUE;
		}
		return mapgpa_exit(v, g);	/* next chunk, before immediate_exit */
	}
	case GE_IN: {
		uint64_t val = 0;

		memcpy(&val, (char *)r + PIO_OFFSET, e->a[1]);
		g->cur.value = val;
		snprintf(d, sizeof(d), "value 0x%llx", (unsigned long long)val);
		finish(g, e, d);
		return CONTINUE;
	}
	case GE_STRING:
		if (++g->next >= e->slen) {
			snprintf(d, sizeof(d), "%zu byte%s to port 0x%llx", e->slen,
				 plural(e->slen), (unsigned long long)e->a[0]);
			finish(g, e, d);
		}
		return CONTINUE;	/* next byte: a new instruction */
	case GE_MMIO_READ: {
		uint64_t val = 0;

		memcpy(&val, r->mmio.data, e->a[1]);
		g->cur.value = val;
		snprintf(d, sizeof(d), "value 0x%llx", (unsigned long long)val);
		finish(g, e, d);
		return CONTINUE;
	}
	case GE_KVM_HYPERCALL:	/* complete_hypercall_exit() (tdx.c): R10 = ret, any value */
		g->cur.status = r->hypercall.ret;
		finish(g, e, NULL);
		return CONTINUE;
	case GE_GETQUOTE:
	case GE_NOTIFY:
		g->cur.status = t->unknown.ret;
		finish(g, e, NULL);
		return CONTINUE;
	case GE_TDVMCALL_INFO:
		g->cur.status = t->get_tdvmcall_info.ret;
		g->cur.r[0] = t->get_tdvmcall_info.r11;
		g->cur.r[1] = t->get_tdvmcall_info.r12;
		g->cur.r[2] = t->get_tdvmcall_info.r13;
		g->cur.r[3] = t->get_tdvmcall_info.r14;
		g->cur.value = g->cur.r[0];
		snprintf(d, sizeof(d), "r11 0x%llx r12 0x%llx r13 0x%llx r14 0x%llx",
			 (unsigned long long)g->cur.r[0], (unsigned long long)g->cur.r[1],
			 (unsigned long long)g->cur.r[2], (unsigned long long)g->cur.r[3]);
		finish(g, e, d);
		return CONTINUE;
	default:	/* out, mmio-write, fatal */
		finish(g, e, NULL);
		return CONTINUE;
	}
}

/* ---- waits (hlt, sleep): without the lock ------------------------------------ */
static int ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	return a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec;
}

/* 0: woken or deadline reached; -EINTR: a signal. */
static int wait_unlocked(struct sim_vcpu *v, struct guest_vcpu *g, bool hlt)
{
	struct sim_vm *vm = v->vm;
	volatile struct kvm_run *r = v->run;
	bool has_mask = v->sigmask_set;
	sigset_t mask = v->sigmask;
	int ret = 0;

	v->in_run++;	/* keeps the run area mapped if the fd is closed meanwhile */
	sim_unlock();
	for (;;) {
		struct timespec now, step = { 0, 1000000 };	/* 1 ms */

		if (hlt && __atomic_load_n(&vm->guest_stop, __ATOMIC_ACQUIRE))
			break;
		/* A kick from a VMM whose signal handler already ran. */
		if (r->immediate_exit) {
			ret = -EINTR;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (g->deadline.tv_sec && ts_cmp(&now, &g->deadline) >= 0)
			break;
		if (ppoll(NULL, 0, &step, has_mask ? &mask : NULL) < 0 && errno == EINTR) {
			ret = -EINTR;
			break;
		}
	}
	sim_lock();
	if (--v->in_run == 0 && v->closed && v->run) {
		munmap(v->run, SIM_VCPU_MMAP_SIZE);
		v->run = NULL;
	}
	return ret;
}

static void set_deadline(struct guest_vcpu *g, uint64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, &g->deadline);
	if (!ms) {
		g->deadline.tv_sec = g->deadline.tv_nsec = 0;
		return;
	}
	g->deadline.tv_sec += (time_t)(ms / 1000);
	g->deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (g->deadline.tv_nsec >= 1000000000L) {
		g->deadline.tv_sec++;
		g->deadline.tv_nsec -= 1000000000L;
	}
}

/* ---- one event ------------------------------------------------------------------ */
static void expect_check(struct sim_vcpu *v, struct guest_vcpu *g, const struct gev *e)
{
	static const char *const what[] = {
		[GX_STATUS] = "status", [GX_VALUE] = "value", [GX_R11] = "r11",
		[GX_R12] = "r12", [GX_R13] = "r13", [GX_R14] = "r14", [GX_EXITS] = "exits",
	};
	uint64_t got;

	if (!g->has_last) {
		gerror(v, e, "expect %s: no event ran before it", what[e->what]);
		return;
	}
	switch (e->what) {
	case GX_STATUS: got = g->last.status; break;
	case GX_VALUE: got = g->last.value; break;
	case GX_EXITS: got = g->last.exits; break;
	default: got = g->last.r[e->what - GX_R11]; break;
	}
	if (got == e->a[0])
		return;
	if (e->what == GX_STATUS)
		gerror(v, e, "expect status %s (0x%llx) after line %u: the guest got %s (0x%llx)",
		       gstatus_name(e->a[0]), (unsigned long long)e->a[0], g->last.line,
		       gstatus_name(got), (unsigned long long)got);
	else
		gerror(v, e, "expect %s 0x%llx after line %u: got 0x%llx", what[e->what],
		       (unsigned long long)e->a[0], g->last.line, (unsigned long long)got);
}

static long no_exit(struct guest_vcpu *g, const struct gev *e, uint64_t status,
		    uint64_t r11, const char *why)
{
	g->cur.status = status;
	g->cur.value = r11;
	finish(g, e, why);
	return CONTINUE;
}

/* The guest touches a private page it has not accepted.  tdx_handle_ept_violation():
 * a PENDING page with SEPT_VE_DISABLE → kvm_vm_dead(), KVM_RUN fails with EIO;
 * without SEPT_VE_DISABLE the TDX module gives the guest a #VE, no exit. */
#define TD_ATTR_SEPT_VE_DISABLE	(1ULL << 28)
static long unaccepted_access(struct sim_vcpu *v, struct guest_vcpu *g, const struct gev *e,
			      uint64_t gpa)
{
	struct sim_vm *vm = v->vm;
	uint64_t gfn = gpa / SIM_PAGE_SIZE;
	char d[200];

	if (rmap_get(&vm->sept, gfn) == SEPT_MAPPED) {
		snprintf(d, sizeof(d), "no exit: GPA 0x%llx is mapped and accepted",
			 (unsigned long long)gpa);
		return no_exit(g, e, TDVMCALL_ST_SUCCESS, 0, d);
	}
	if (rmap_get(&vm->sept, gfn) == SEPT_NONE) {
		/* the EPT violation maps it: TDH.MEM.PAGE.AUG, PENDING */
		gmem_walk(vm, gfn, gfn + 1, true);
		rmap_set(&vm->sept, gfn, gfn + 1, SEPT_PENDING);
	}
	if (!(vm->attributes & TD_ATTR_SEPT_VE_DISABLE)) {
		snprintf(d, sizeof(d), "#VE in the guest at GPA 0x%llx (SEPT_VE_DISABLE clear), no exit",
			 (unsigned long long)gpa);
		return no_exit(g, e, TDVMCALL_ST_SUCCESS, 0, d);
	}
	vm->dead = true;
	g->state = GV_FAILED;
	snprintf(d, sizeof(d), "guest access before accepting GPA 0x%llx: the VM is dead, KVM_RUN EIO",
		 (unsigned long long)gpa);
	finish(g, e, d);
	return -EIO;
}

/* TDVMCALL with R10 != 0: tdx_emulate_vmcall() hands R10-R14 to
 * ____kvm_emulate_hypercall() as nr, a0-a3 (cpl 0).  The result goes to
 * run->hypercall.ret (even without an exit) and to the guest's R10. */
#define KVM_ENOSYS_	1000
#define KVM_EINVAL_	22
static long kvm_hypercall(struct sim_vcpu *v, struct guest_vcpu *g, const struct gev *e)
{
	struct kvm_run *r = v->run;
	uint64_t nr = e->a[0], a0 = e->a[1], a1 = e->a[2], a2 = e->a[3], ret;
	char d[120];

	switch (nr) {
	case 1:		/* KVM_HC_VAPIC_POLL_IRQ */
	case 5:		/* KVM_HC_KICK_CPU: guest_pv_has() is true without ENFORCE_PV_FEATURE_CPUID */
	case 11:	/* KVM_HC_SCHED_YIELD: idem */
		ret = 0;
		break;
	case KVM_HC_MAP_GPA_RANGE:
		if (!(v->vm->hypercall_mask & (1ULL << KVM_HC_MAP_GPA_RANGE))) {
			ret = (uint64_t)-KVM_ENOSYS_;
			break;
		}
		if ((a0 & (SIM_PAGE_SIZE - 1)) || !a1 || (a0 >> 12) + a1 <= (a0 >> 12)) {
			ret = (uint64_t)-KVM_EINVAL_;
			break;
		}
		/* The exit as for a normal VM: args as the guest gave them
		 * (shared bit and all), no chunks; the completion
		 * (complete_hypercall_exit()) copies hypercall.ret to R10. */
		g->in_event = true;
		clear_exit(r);
		r->hypercall.nr = KVM_HC_MAP_GPA_RANGE;
		r->hypercall.args[0] = a0;
		r->hypercall.args[1] = a1;
		r->hypercall.args[2] = a2;
		r->hypercall.ret = 0;
		{
			uint64_t fl = KVM_EXIT_HYPERCALL_LONG_MODE;

			memcpy((char *)&r->hypercall.ret + sizeof(r->hypercall.ret), &fl, sizeof(fl));
		}
		return do_exit(g, r, KVM_EXIT_HYPERCALL);
	default:
		ret = (uint64_t)-KVM_ENOSYS_;
		break;
	}
	r->hypercall.ret = ret;
	snprintf(d, sizeof(d), "KVM hypercall %llu answered by KVM: 0x%llx",
		 (unsigned long long)nr, (unsigned long long)ret);
	return no_exit(g, e, ret, 0, d);
}

static long step(struct sim_vcpu *v, struct guest_vcpu *g, const struct gev *e)
{
	struct sim_vm *vm = v->vm;
	struct kvm_run *r = v->run;
	uint64_t sb = sbit(vm);
	char d[200];

	switch (e->kind) {
	case GE_REPEAT:
		if (!e->a[0]) {
			g->pc = e->match + 1;
		} else {
			g->loop[g->depth].begin = g->pc + 1;
			g->loop[g->depth].left = e->a[0];
			g->depth++;
			g->pc++;
		}
		return CONTINUE;
	case GE_END:
		if (--g->loop[g->depth - 1].left) {
			g->pc = g->loop[g->depth - 1].begin;
		} else {
			g->depth--;
			g->pc++;
		}
		return CONTINUE;
	case GE_EXPECT:
		expect_check(v, g, e);
		g->pc++;
		return CONTINUE;

	case GE_MAPGPA: {
		uint64_t gpa = e->raw ? e->a[0] : e->a[0] | (e->shared ? sb : 0);
		uint64_t size = e->a[1];

		if (g->in_event)	/* cannot happen: MapGPA chunks exit from complete() */
			return mapgpa_exit(v, g);
		if (!(vm->hypercall_mask & (1ULL << KVM_HC_MAP_GPA_RANGE)))
			return no_exit(g, e, TDVMCALL_ST_SUBFUNC_UNSUPPORTED, 0,
				       "KVM_CAP_EXIT_HYPERCALL bit 12 is not enabled");
		/* tdx_map_gpa(): wrap, kvm_vcpu_is_legal_gpa() of both ends
		 * (MAXPHYADDR of the vCPU's CPUID), private/shared mix */
		if (gpa + size <= gpa ||
		    !vcpu_legal_gpa(v, gpa) || !vcpu_legal_gpa(v, gpa + size - 1) ||
		    ((gpa & sb) != ((gpa + size - 1) & sb)))
			return no_exit(g, e, TDVMCALL_ST_INVALID_OPERAND, gpa,
				       "range wraps, reaches the vCPU's MAXPHYADDR or mixes private and shared");
		if ((gpa | size) & (SIM_PAGE_SIZE - 1))
			return no_exit(g, e, TDVMCALL_ST_ALIGN_ERROR, gpa, "not 4 KiB aligned");
		g->in_event = true;
		g->next = gpa;
		g->end = gpa + size;
		return mapgpa_exit(v, g);
	}
	case GE_KVM_HYPERCALL:
		return kvm_hypercall(v, g, e);
	case GE_UNACCEPTED:
	case GE_FAULT: {
		uint64_t gpa = e->a[0] & ~sb & ~(SIM_PAGE_SIZE - 1);

		if (!fault_needed(vm, gpa / SIM_PAGE_SIZE, e->priv)) {
			if (e->kind == GE_UNACCEPTED)
				return unaccepted_access(v, g, e, gpa);
			if (!g->in_event) {
				snprintf(d, sizeof(d), "no exit: GPA 0x%llx is already %s",
					 (unsigned long long)gpa, e->priv ? "private" : "shared");
				return no_exit(g, e, TDVMCALL_ST_SUCCESS, 0, d);
			}
			/* The VMM converted: the access goes through. */
			if (!e->priv && gmem_walk(vm, gpa / SIM_PAGE_SIZE,
						  gpa / SIM_PAGE_SIZE + 1, false))
				gerror(v, e, "memory fault 0x%llx to shared: attribute changed but "
				       "the guest_memfd page is still allocated (no FALLOC_FL_PUNCH_HOLE)",
				       (unsigned long long)gpa);
			if (e->priv)
				gmem_walk(vm, gpa / SIM_PAGE_SIZE, gpa / SIM_PAGE_SIZE + 1, true);
			snprintf(d, sizeof(d), "GPA 0x%llx converted to %s",
				 (unsigned long long)gpa, e->priv ? "private" : "shared");
			return no_exit(g, e, TDVMCALL_ST_SUCCESS, 0, d);
		}
		if (g->in_event && ++g->reentries > FAULT_MAX_REENTRIES) {
			gerror(v, e, "memory fault at GPA 0x%llx (%s access): the VMM re-entered "
			       "%d times without converting the page; the vCPU is stuck",
			       (unsigned long long)gpa, e->priv ? "private" : "shared",
			       FAULT_MAX_REENTRIES);
			g->state = GV_FAILED;
			result(g, "line %u fault: FAILED, GPA 0x%llx never converted", e->line,
			       (unsigned long long)gpa);
			return failed_exit(v);
		}
		g->in_event = true;
		return fault_exit(v, g, e);
	}
	case GE_OUT:
		if (e->a[1] != 1 && e->a[1] != 2 && e->a[1] != 4)
			return no_exit(g, e, TDVMCALL_ST_INVALID_OPERAND, 0, "size not 1, 2 or 4");
		/* kvm_io_bus_write(KVM_PIO_BUS): an ioeventfd or coalesced
		 * PIO zone completes it in the kernel */
		if (sim_io_bus_write(vm, true, (uint16_t)e->a[0], &e->a[2], (uint32_t)e->a[1]))
			return no_exit(g, e, TDVMCALL_ST_SUCCESS, 0, "taken by the kernel I/O bus");
		g->in_event = true;
		return io_exit(g, r, true, (uint16_t)e->a[0], (unsigned)e->a[1], e->a[2]);
	case GE_IN:
		if (e->a[1] != 1 && e->a[1] != 2 && e->a[1] != 4)
			return no_exit(g, e, TDVMCALL_ST_INVALID_OPERAND, 0, "size not 1, 2 or 4");
		g->in_event = true;
		return io_exit(g, r, false, (uint16_t)e->a[0], (unsigned)e->a[1], 0);
	case GE_STRING:
		if (!e->slen)
			return no_exit(g, e, TDVMCALL_ST_SUCCESS, 0, "empty text");
		if (!g->in_event) {
			g->in_event = true;
			g->next = 0;
		}
		return io_exit(g, r, true, (uint16_t)e->a[0], 1,
			       (unsigned char)e->str[g->next]);
	case GE_MMIO_READ:
	case GE_MMIO_WRITE: {
		uint64_t ggpa = e->a[0] | (e->priv ? 0 : sb), len = e->a[1], gpa = ggpa & ~sb;

		/* tdx_emulate_mmio(): size 1/2/4/8, and both ends shared; a
		 * page-crossing access is not refused. */
		if (len != 1 && len != 2 && len != 4 && len != 8)
			return no_exit(g, e, TDVMCALL_ST_INVALID_OPERAND, 0, "size not 1, 2, 4 or 8");
		if (!(ggpa & sb) || !((ggpa + len - 1) & sb))
			return no_exit(g, e, TDVMCALL_ST_INVALID_OPERAND, 0, "private GPA");
		/* tdx_mmio_write(): KVM_FAST_MMIO_BUS / KVM_MMIO_BUS first */
		if (e->kind == GE_MMIO_WRITE &&
		    sim_io_bus_write(vm, false, gpa, &e->a[2], (uint32_t)len))
			return no_exit(g, e, TDVMCALL_ST_SUCCESS, 0, "taken by the kernel I/O bus");
		g->in_event = true;
		clear_exit(r);
		r->mmio.phys_addr = gpa;
		r->mmio.len = (uint32_t)len;
		r->mmio.is_write = e->kind == GE_MMIO_WRITE;
		if (e->kind == GE_MMIO_WRITE)
			memcpy(r->mmio.data, &e->a[2], len);
		return do_exit(g, r, KVM_EXIT_MMIO);
	}
	case GE_GETQUOTE: {
		uint64_t gpa = e->a[0] | (e->shared ? sb : 0);

		if (!(gpa & sb))
			return no_exit(g, e, TDVMCALL_ST_INVALID_OPERAND, 0,
				       "no exit: the buffer GPA is private");
		g->in_event = true;
		return tdx_exit(g, r, LIBTDX_TDVMCALL_GET_QUOTE,
				TDVMCALL_ST_SUBFUNC_UNSUPPORTED, gpa & ~sb, e->a[1]);
	}
	case GE_NOTIFY:
		if (e->a[0] < 32 || e->a[0] > 255)
			return no_exit(g, e, TDVMCALL_ST_INVALID_OPERAND, 0,
				       "no exit: vector outside 32-255");
		g->in_event = true;
		return tdx_exit(g, r, LIBTDX_TDVMCALL_SETUP_EVENT_NOTIFY_INTERRUPT,
				TDVMCALL_ST_SUBFUNC_UNSUPPORTED, e->a[0], 0);
	case GE_TDVMCALL_INFO:
		if (e->a[0] == 0)
			return no_exit(g, e, TDVMCALL_ST_SUCCESS, 0, "leaf 0 answered by KVM");
		if (e->a[0] != 1)
			return no_exit(g, e, TDVMCALL_ST_INVALID_OPERAND, 0,
				       "no exit: unknown leaf");
		g->in_event = true;
		return tdx_exit(g, r, LIBTDX_TDVMCALL_GET_TD_VM_CALL_INFO,
				TDVMCALL_ST_SUCCESS, 1, 0);
	case GE_TDVMCALL:
		return no_exit(g, e, TDVMCALL_ST_SUBFUNC_UNSUPPORTED, 0,
			       "no exit: leaf not forwarded by KVM");
	case GE_FATAL:
		g->in_event = true;
		return fatal_exit(v, g, e);
	case GE_SHUTDOWN:
		g->events++;
		g->pc++;
		result(g, "line %u shutdown", e->line);
		return shutdown_exit(v, g);
	case GE_HLT:
	case GE_SLEEP: {
		int w;

		if (!g->in_event) {
			g->in_event = true;
			set_deadline(g, e->a[0]);
		}
		w = wait_unlocked(v, g, e->kind == GE_HLT);
		if (v->closed)
			return -EBADF;	/* closed under our feet: no run area */
		if (w == -EINTR) {
			r->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
		return no_exit(g, e, TDVMCALL_ST_SUCCESS, 0, NULL);
	}
	}
	return CONTINUE;
}

/* ---- entry points ------------------------------------------------------------------ */
bool vcpu_has_events(const struct sim_vcpu *v)
{
	return v->nmi_queued != 0;
}

long vcpu_run_uninitialized(struct sim_vcpu *v)
{
	volatile struct kvm_run *r = v->run;
	bool has_mask = v->sigmask_set;
	sigset_t mask = v->sigmask;
	long ret = -EINTR;

	if (r->immediate_exit)		/* !vcpu->wants_to_run */
		return -EINTR;
	/* kvm_vcpu_block() returns at once when kvm_arch_vcpu_runnable() sees
	 * events; kvm_apic_accept_events() leaves a TD AP as it is: -EAGAIN. */
	if (vcpu_has_events(v))
		return -EAGAIN;
	/* Nothing else can wake it in this model (SET_MP_STATE and KVM_NMI need
	 * the vCPU mutex that KVM_RUN holds): it waits for a signal. */
	v->in_run++;
	sim_unlock();
	for (;;) {
		struct timespec step = { 0, 1000000 };	/* 1 ms */

		if (ppoll(NULL, 0, &step, has_mask ? &mask : NULL) < 0 && errno == EINTR)
			break;
	}
	sim_lock();
	/* A close() meanwhile does not end the kernel's ioctl (it holds the
	 * file): still EINTR, but there is no run area left to write. */
	if (--v->in_run == 0 && v->closed && v->run) {
		munmap(v->run, SIM_VCPU_MMAP_SIZE);
		v->run = NULL;
	}
	if (v->run && !v->closed)
		v->run->exit_reason = KVM_EXIT_INTR;	/* signal_pending() */
	return ret;
}

static struct guest_vcpu *gv_get(struct sim_vcpu *v)
{
	struct guest_vcpu *g = v->guest;

	if (g)
		return g;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->sec = gscript_section(v->vm->guest, v->id);
	v->guest = g;
	return g;
}

long guest_run(struct sim_vcpu *v)
{
	struct guest_vcpu *g = gv_get(v);
	struct kvm_run *r = v->run;
	long ret;

	if (!g)
		return -ENOMEM;
	/* KVM_RUN on a vCPU that another thread runs: the kernel's vcpu->mutex
	 * makes the caller wait. */
	while (v->in_run) {
		struct timespec ms = { 0, 1000000 };

		sim_unlock();
		nanosleep(&ms, NULL);
		sim_lock();
	}
	if (v->closed || !v->run)
		return -EBADF;
	r = v->run;
	if (g->state == GV_FAILED)
		return failed_exit(v);
	if (g->pending) {
		ret = complete(v, g, &g->sec->ev[g->pc]);
		if (ret != CONTINUE)
			return ret;
	}
	/* kvm_arch_vcpu_ioctl_run(): !wants_to_run → EINTR, exit_reason untouched */
	if (r->immediate_exit)
		return -EINTR;
	/* tdx_vcpu_pre_run() */
	if (!v->initialized || v->vm->td_state != TD_RUNNABLE)
		return -EINVAL;
	/* Guest entry injects what is queued (process_nmi → tdx_inject_nmi). */
	v->nmi_queued = 0;
	v->ran = true;	/* last_vmentry_cpu: CPUID frozen (kvm_set_cpuid()) */
	for (;;) {
		if (g->state == GV_SHUTDOWN || !g->sec || g->pc >= g->sec->n) {
			if (g->state != GV_SHUTDOWN && g->sec)
				result(g, "end of script: shutdown");
			return shutdown_exit(v, g);
		}
		ret = step(v, g, &g->sec->ev[g->pc]);
		if (ret != CONTINUE)
			return ret;
	}
}

void guest_vcpu_free(struct sim_vcpu *v)
{
	struct guest_vcpu *g = v->guest;

	if (!g)
		return;
	for (size_t i = 0; i < g->nres; i++)
		free(g->results[i]);
	free(g->results);
	free(g);
	v->guest = NULL;
}

void guest_vm_free(struct sim_vm *vm)
{
	for (size_t i = 0; i < vm->nguest_errors; i++)
		free(vm->guest_errors[i]);
	free(vm->guest_errors);
	vm->guest_errors = NULL;
	vm->nguest_errors = 0;
	gscript_put(vm->guest);
	vm->guest = NULL;
}

/* ---- scripts: references, selection ---------------------------------------------- */
void gscript_put(struct gscript *s)
{
	if (s && --s->refs == 0)
		gscript_free(s);
}

struct gscript *gscript_get(struct gscript *s)
{
	if (s)
		s->refs++;
	return s;
}

/* A path, or the name of a shipped script (tdvf-early-boot). */
struct gscript *guest_load(const char *what, char *err, size_t errlen)
{
	char path[4096];
	const char *dirs[3];

	if (strchr(what, '/') || access(what, R_OK) == 0)
		return gscript_load(what, err, errlen);
	dirs[0] = caps_data_dir();
	dirs[1] = TDXSIM_SOURCE_SCRIPTDIR;
	dirs[2] = TDXSIM_INSTALL_DATADIR "/scripts";
	for (int i = 0; i < 3; i++) {
		const char *sfx = strstr(what, ".txt") ? "" : ".txt";

		if (i == 0)
			snprintf(path, sizeof(path), "%s/scripts/%s%s", dirs[0], what, sfx);
		else
			snprintf(path, sizeof(path), "%s/%s%s", dirs[i], what, sfx);
		if (access(path, R_OK) == 0)
			return gscript_load(path, err, errlen);
	}
	snprintf(err, errlen, "no guest script '%s' (not a file, nor a shipped script name)",
		 what);
	return NULL;
}

/* ---- errors: control API ----------------------------------------------------------- */
unsigned long guest_error_count(void)
{
	return all_errors_total;
}

int guest_error_get(unsigned long i, char *buf, size_t len)
{
	if (i >= n_all_errors)
		return -1;
	if (buf && len)
		snprintf(buf, len, "%s", all_errors[i]);
	return (int)strlen(all_errors[i]);
}

void guest_errors_clear(void)
{
	for (size_t i = 0; i < n_all_errors; i++)
		free(all_errors[i]);
	free(all_errors);
	all_errors = NULL;
	n_all_errors = 0;
	all_errors_total = 0;
}

/* ---- report ------------------------------------------------------------------------ */
static void js_str(char **out, size_t *n, size_t *cap, const char *s)
{
	FILE *f;
	char *p = NULL;
	size_t plen = 0;

	f = open_memstream(&p, &plen);
	if (!f)
		return;
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
	fclose(f);
	if (*n + plen + 1 > *cap) {
		size_t nc = (*cap ? *cap : 256);
		char *no;

		while (nc < *n + plen + 1)
			nc *= 2;
		no = realloc(*out, nc);
		if (!no) {
			free(p);
			return;
		}
		*out = no;
		*cap = nc;
	}
	memcpy(*out + *n, p, plen + 1);
	*n += plen;
	free(p);
}

static void js_raw(char **out, size_t *n, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void js_raw(char **out, size_t *n, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	if (!s)
		return;
	if (*n + strlen(s) + 1 > *cap) {
		size_t nc = (*cap ? *cap : 256);
		char *no;

		while (nc < *n + strlen(s) + 1)
			nc *= 2;
		no = realloc(*out, nc);
		if (!no) {
			free(s);
			return;
		}
		*out = no;
		*cap = nc;
	}
	memcpy(*out + *n, s, strlen(s) + 1);
	*n += strlen(s);
	free(s);
}

/* JSON members (no braces) for the TD report; caller frees. */
char *guest_report_json(struct sim_vm *vm)
{
	static const char *const st[] = { "running", "shutdown", "failed" };
	char *o = NULL;
	size_t n = 0, cap = 0;

	js_raw(&o, &n, &cap, "\"guest_script\": ");
	if (vm->guest)
		js_str(&o, &n, &cap, vm->guest->name);
	else
		js_raw(&o, &n, &cap, "null");
	js_raw(&o, &n, &cap, ", \"guest_errors\": [");
	for (size_t i = 0; i < vm->nguest_errors; i++) {
		js_raw(&o, &n, &cap, "%s", i ? ", " : "");
		js_str(&o, &n, &cap, vm->guest_errors[i]);
	}
	js_raw(&o, &n, &cap, "], \"guest_errors_truncated\": %lu, \"guest_vcpus\": [",
	       vm->guest_errors_truncated);
	for (size_t i = 0, k = 0; i < vm->nvcpus; i++) {
		struct sim_vcpu *v = vm->vcpus[i];
		struct guest_vcpu *g = v->guest;

		if (!g)
			continue;
		js_raw(&o, &n, &cap, "%s{\"id\": %u, \"state\": \"%s\", \"line\": %u, "
		       "\"events\": %lu, \"exits\": %lu, \"results\": [", k++ ? ", " : "",
		       v->id, st[g->state],
		       g->sec && g->pc < g->sec->n ? g->sec->ev[g->pc].line : 0,
		       g->events, g->exits);
		for (size_t j = 0; j < g->nres; j++) {
			js_raw(&o, &n, &cap, "%s", j ? ", " : "");
			js_str(&o, &n, &cap, g->results[j]);
		}
		js_raw(&o, &n, &cap, "], \"results_truncated\": %lu}", g->results_truncated);
	}
	js_raw(&o, &n, &cap, "]");
	return o;
}
