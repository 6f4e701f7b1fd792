/* SPDX-License-Identifier: MIT */
/* tdboot's vCPU threads: run, decode each exit, answer it, until the TD stops. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "tdboot.h"

/* The same implicit fault this many times in a row: the VMM cannot serve it. */
#define MAX_REPEATED_FAULTS 64

struct vcpu_arg {
	struct tdboot *tb;
	unsigned int idx;
};

static struct vcpu_arg args[TDBOOT_MAX_VCPUS];

static void kick_handler(int sig)
{
	(void)sig;	/* only there to make KVM_RUN return -EINTR */
}

static void stop_all(struct tdboot *tb, const char *status, const char *detail)
{
	unsigned int i;

	pthread_mutex_lock(&tb->lock);
	if (!tb->res.status) {
		tb->res.status = status;
		snprintf(tb->res.detail, sizeof(tb->res.detail), "%s", detail);
	}
	pthread_mutex_unlock(&tb->lock);
	atomic_store(&tb->stop, true);
	for (i = 0; i < tb->opts.vcpus; i++)
		if (tb->threads[i] && !pthread_equal(tb->threads[i], pthread_self()))
			pthread_kill(tb->threads[i], SIGUSR1);
}

static void count(struct tdboot *tb, uint32_t type)
{
	pthread_mutex_lock(&tb->lock);
	tb->res.exits[type < TDBOOT_EXIT_TYPES ? type : 0]++;
	pthread_mutex_unlock(&tb->lock);
}

static void handle_io(struct tdboot *tb, const struct tdx_exit *ex)
{
	uint32_t i;

	for (i = 0; i < ex->u.io.count; i++)
		devices_io(&tb->dev, ex->u.io.port, ex->u.io.is_write,
			   ex->u.io.data + (size_t)i * ex->u.io.size, ex->u.io.size);
}

/* Returns true when the vCPU should stop. */
static bool handle_exit(struct tdboot *tb, struct tdx_vcpu *v,
			const struct tdx_exit *ex, uint64_t *last_fault,
			unsigned int *fault_repeats)
{
	char line[256];
	int r;

	switch (ex->type) {
	case TDX_EXIT_IO:
		handle_io(tb, ex);
		return false;
	case TDX_EXIT_MMIO:
		devices_mmio(&tb->dev, ex->u.mmio.gpa, ex->u.mmio.is_write,
			     ex->u.mmio.data, ex->u.mmio.len);
		return false;
	case TDX_EXIT_MEMORY_FAULT:
		/* A refused fault would repeat forever: the reason (GPA and
		 * rule) is in the vCPU's error record, and the TD stops. */
		r = tdx_vcpu_convert(v, tb->mem, ex);
		if (r) {
			stop_all(tb, "error", tdx_error_get_message(tdx_vcpu_get_last_error(v)));
			return true;
		}
		if (ex->u.convert.gpa == *last_fault) {
			if (++*fault_repeats > MAX_REPEATED_FAULTS) {
				snprintf(line, sizeof(line),
					 "vCPU %u: the guest keeps faulting on GPA 0x%llx although it was converted",
					 tdx_vcpu_get_id(v), (unsigned long long)ex->u.convert.gpa);
				stop_all(tb, "error", line);
				return true;
			}
		} else {
			*last_fault = ex->u.convert.gpa;
			*fault_repeats = 0;
		}
		return false;
	case TDX_EXIT_MAP_GPA:
		/* converts, and tells the guest whether it worked */
		tdx_vcpu_convert(v, tb->mem, ex);
		return false;
	case TDX_EXIT_GET_TDVMCALL_INFO:
	case TDX_EXIT_SETUP_EVENT_NOTIFY:
	case TDX_EXIT_GET_QUOTE: {
		/* The attest layer validates, forwards GetQuote to the QGS in
		 * the background, and answers without blocking this thread. */
		struct tdx_attest_answer ans;

		if (tdx_attest_handle_exit(tb->attest, ex, tdx_vcpu_get_id(v), &ans)) {
			tdx_vcpu_complete(v, ex, TDX_TDVMCALL_SUBFUNC_UNSUPPORTED);
			return false;
		}
		if (ex->type == TDX_EXIT_GET_TDVMCALL_INFO && ans.status == TDX_TDVMCALL_SUCCESS)
			tdx_vcpu_answer_tdvmcall_info(v, ex, ans.r11, ans.r12, ans.r13, ans.r14);
		else
			tdx_vcpu_complete(v, ex, ans.status);
		if (ex->type == TDX_EXIT_SETUP_EVENT_NOTIFY && ans.status == TDX_TDVMCALL_SUCCESS) {
			pthread_mutex_lock(&tb->lock);
			tb->res.have_notify = true;
			tb->res.notify_vector = (uint32_t)ex->u.notify.vector;
			pthread_mutex_unlock(&tb->lock);
		}
		return false;
	}
	case TDX_EXIT_TDX_UNKNOWN:
		tdx_vcpu_complete(v, ex, TDX_TDVMCALL_SUBFUNC_UNSUPPORTED);
		return false;
	case TDX_EXIT_INTR:
		return atomic_load(&tb->stop);
	case TDX_EXIT_SHUTDOWN:
		stop_all(tb, "shutdown", "the TD shut down");
		return true;
	case TDX_EXIT_FATAL:
		tdx_exit_format(ex, line, sizeof(line));
		stop_all(tb, "fatal", line);
		return true;
	default:
		tdx_exit_format(ex, line, sizeof(line));
		stop_all(tb, "error", line);
		return true;
	}
}

static void *vcpu_thread(void *p)
{
	struct vcpu_arg *a = p;
	struct tdboot *tb = a->tb;
	struct tdx_vcpu *v = tb->vcpus[a->idx];
	uint64_t last_fault = UINT64_MAX;
	unsigned int repeats = 0;

	while (!atomic_load(&tb->started))	/* every thread handle is known */
		sched_yield();
	while (!atomic_load(&tb->stop)) {
		struct tdx_exit ex;
		int r = tdx_vcpu_run(v, &ex);

		if (r) {
			char line[320];

			snprintf(line, sizeof(line), "vCPU %u: %s", a->idx,
				 tdx_error_get_message(tdx_vcpu_get_last_error(v)));
			stop_all(tb, "error", line);
			break;
		}
		count(tb, ex.type);
		if (handle_exit(tb, v, &ex, &last_fault, &repeats))
			break;
	}
	return NULL;
}

int tdboot_run(struct tdboot *tb)
{
	struct sigaction sa;
	unsigned int i;
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;	/* no SA_RESTART: KVM_RUN must return */
	sigaction(SIGUSR1, &sa, NULL);
	for (i = 0; i < tb->opts.vcpus; i++) {
		args[i] = (struct vcpu_arg){ tb, i };
		r = pthread_create(&tb->threads[i], NULL, vcpu_thread, &args[i]);
		if (r) {
			stop_all(tb, "error", "cannot start a vCPU thread");
			break;
		}
	}
	atomic_store(&tb->started, true);
	for (i = 0; i < tb->opts.vcpus; i++)
		if (tb->threads[i])
			pthread_join(tb->threads[i], NULL);
	fflush(stdout);
	return tb->res.status && !strcmp(tb->res.status, "shutdown") ? 0 : 1;
}
