/* SPDX-License-Identifier: MIT */
/*
 * JSON report, one line per TD (type 5 VM), appended to $TDXSIM_REPORT when
 * the TD is destroyed (its VM, vCPU and guest_memfd fds all closed) or at
 * process exit for TDs still alive.  Policy: JSON Lines, O_APPEND, one
 * write() per TD; a process with one TD therefore leaves exactly one JSON
 * object in the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

struct sbuf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int need;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		need = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (need < 0) {
			b->oom = true;
			return;
		}
		if (b->p && b->n + (size_t)need < b->cap) {
			b->n += (size_t)need;
			return;
		}
		size_t nc = b->cap ? b->cap * 2 : 4096;
		while (nc < b->n + (size_t)need + 1)
			nc *= 2;
		char *np = realloc(b->p, nc);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
}

static const char *state_name(enum td_state s)
{
	switch (s) {
	case TD_UNINIT: return "uninitialized";
	case TD_INIT: return "initialized";
	case TD_RUNNABLE: return "runnable";
	}
	return "?";
}

static const char *kernel_name(int k)
{
	switch (k) {
	case SIM_K616: return "6.16";
	case SIM_K617: return "6.17";
	case SIM_K618: return "6.18";
	case SIM_K619: return "6.19";
	case SIM_K700: return "7.0";
	case SIM_K710: return "7.1";
	default: return "7.2";
	}
}

/* Build the report object (no trailing newline); caller frees. */
char *report_json(struct sim_vm *vm);
char *report_json(struct sim_vm *vm)
{
	struct sbuf b = { 0 };
	unsigned init_vcpus = 0;

	for (size_t i = 0; i < vm->nvcpus; i++)
		init_vcpus += vm->vcpus[i]->initialized;
	sb_printf(&b, "{\"simulated\": true, \"pid\": %d, \"vm\": %lu, \"vm_type\": %lu, "
		  "\"kernel\": \"%s\", \"caps\": \"", (int)vm->creator, vm->serial,
		  vm->type, kernel_name(vm->kernel));
	for (const char *p = vm->caps->name; *p; p++)
		if (*p == '"' || *p == '\\')
			sb_printf(&b, "\\%c", *p);
		else if ((unsigned char)*p >= 0x20)
			sb_printf(&b, "%c", *p);
	sb_printf(&b, "\", \"td_state\": \"%s\", \"finalized\": %s, \"dead\": %s, \"mrtd\": ",
		  state_name(vm->td_state), vm->td_state == TD_RUNNABLE ? "true" : "false",
		  vm->dead ? "true" : "false");
	if (vm->mrtd_final) {
		sb_printf(&b, "\"");
		for (int i = 0; i < 48; i++)
			sb_printf(&b, "%02x", vm->mrtd[i]);
		sb_printf(&b, "\"");
	} else {
		sb_printf(&b, "null");
	}
	sb_printf(&b, ", \"attributes\": \"0x%016llx\", \"xfam\": \"0x%016llx\", "
		  "\"pages_added\": %llu, \"pages_measured\": %llu, \"vcpus\": %zu, "
		  "\"vcpus_initialized\": %u, \"memslots\": %zu, \"calls\": [",
		  (unsigned long long)vm->attributes, (unsigned long long)vm->xfam,
		  (unsigned long long)vm->pages_added, (unsigned long long)vm->pages_measured,
		  vm->nvcpus, init_vcpus, vm->nslots);
	for (size_t i = 0; i < vm->ncalls; i++)
		sb_printf(&b, "%s{\"ioctl\": \"%s\", \"errno\": %d}", i ? ", " : "",
			  vm->calls[i].name, vm->calls[i].err);
	sb_printf(&b, "], \"calls_truncated\": %lu", vm->calls_truncated);
	if (vm->type == KVM_X86_TDX_VM) {
		char *g = guest_report_json(vm);

		if (g)
			sb_printf(&b, ", %s", g);
		else
			b.oom = true;
		free(g);
	}
	/* The leaves INIT_VM configured (module order) and the TD HOB as
	 * added (trailing zero bytes dropped): what a VMM put into the TD. */
	sb_printf(&b, ", \"td_cpuid\": [");
	for (unsigned i = 0, n = 0; i < vm->td_ncpuid; i++) {
		const struct kvm_cpuid_entry2 *e = &vm->td_cpuid[i];

		if (!e->function)	/* a configurable leaf INIT_VM did not set */
			continue;
		sb_printf(&b, "%s{\"leaf\": \"0x%x\", \"subleaf\": \"0x%x\", "
			  "\"eax\": \"0x%08x\", \"ebx\": \"0x%08x\", \"ecx\": \"0x%08x\", "
			  "\"edx\": \"0x%08x\"}", n++ ? ", " : "", e->function, e->index,
			  e->eax, e->ebx, e->ecx, e->edx);
	}
	sb_printf(&b, "], \"init_vm_cpuid\": [");
	for (unsigned i = 0; i < vm->init_vm_nin; i++) {
		const struct kvm_cpuid_entry2 *e = &vm->init_vm_in[i];

		sb_printf(&b, "%s{\"leaf\": \"0x%x\", \"subleaf\": \"0x%x\", "
			  "\"flags\": \"0x%x\", \"eax\": \"0x%08x\", \"ebx\": \"0x%08x\", "
			  "\"ecx\": \"0x%08x\", \"edx\": \"0x%08x\"}", i ? ", " : "",
			  e->function, e->index, e->flags, e->eax, e->ebx, e->ecx, e->edx);
	}
	sb_printf(&b, "], \"hob_gpa\": ");
	if (vm->hob_gpa_set)
		sb_printf(&b, "\"0x%llx\"", (unsigned long long)vm->hob_gpa);
	else
		sb_printf(&b, "null");
	sb_printf(&b, ", \"hob\": \"");
	if (vm->hob) {
		size_t n = SIM_HOB_MAX;

		while (n && !vm->hob[n - 1])
			n--;
		for (size_t i = 0; i < n; i++)
			sb_printf(&b, "%02x", vm->hob[i]);
	}
	sb_printf(&b, "\"");
	sb_printf(&b, "}");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

void report_vm(struct sim_vm *vm)
{
	char *js;
	int fd;

	if (vm->reported || vm->type != KVM_X86_TDX_VM || !G.report_path[0])
		return;
	if (vm->creator != getpid())
		return; /* a forked child does not report its parent's TD */
	vm->reported = true;
	js = report_json(vm);
	if (!js)
		return;
	fd = real_open(G.report_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		size_t len = strlen(js);
		ssize_t w;

		js[len] = '\n'; /* sbuf always leaves room for the NUL */
		w = write(fd, js, len + 1);
		(void)w;
		real_close(fd);
	}
	free(js);
}
