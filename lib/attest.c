/* SPDX-License-Identifier: MIT */
/*
 * The attest object: creation and teardown, SetupEventNotifyInterrupt,
 * GetTdVmCallInfo, exit dispatch, MSI helper, stats.  GetQuote itself is in
 * attest-quote.c, the QGS connection and the worker in qgs-client.c.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "attest-internal.h"

uint64_t tdx_attest_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Formats the message into msg and stores it in the handle's record. */
static void attest_vset(struct tdx_attest *att, int err, const char *step,
			const char *field, char *msg, size_t len,
			const char *fmt, va_list ap)
{
	vsnprintf(msg, len, fmt, ap);
	pthread_mutex_lock(&att->lock);
	tdx_err(&att->error, err, step, field, -1, "%s", msg);
	pthread_mutex_unlock(&att->lock);
}

void tdx_attest_record(struct tdx_attest *att, const char *step,
		       const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	attest_vset(att, -EINVAL, step, NULL, msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tdx_dbg(att->ctx, "attest: %s", msg);
}

int tdx_attest_fail(struct tdx_attest *att, int err, const char *step,
		    const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	attest_vset(att, err, step, field, msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err;
}

void tdx_attest_req_free(struct attest_req *req)
{
	if (!req)
		return;
	if (req->fd >= 0)
		close(req->fd);
	free(req->tx);
	free(req->rx);
	free(req);
}

static int new_fail(struct tdx_ctx *ctx, int err, const char *field,
		    const char *msg)
{
	if (ctx)
		tdx_err(&ctx->error, err, "tdx_attest_new", field, -1, "%s", msg);
	return err;
}

TDX_EXPORT int tdx_attest_new(struct tdx_ctx *ctx,
			      const struct tdx_attest_opts *opts,
			      struct tdx_attest **ret_att)
{
	struct tdx_attest *att;
	const struct tdx_tdvmcallinfo *info;
	const char *why = NULL, *qgs;
	sigset_t all, old;
	int r;

	if (!ret_att || !opts)
		return new_fail(ctx, -EINVAL, NULL, "NULL opts or ret_att");
	why = tdx_opts_problem(opts, sizeof(*opts));
	if (!why && TDX_OPTS_GET(opts, reserved, 0))
		why = "reserved is not zero";
	if (why) {
		if (ctx)
			tdx_err(&ctx->error, -EINVAL, "tdx_attest_new", "opts", -1,
				"struct tdx_attest_opts: %s", why);
		return -EINVAL;
	}
	att = calloc(1, sizeof(*att));
	if (!att)
		return new_fail(ctx, -ENOMEM, NULL, "out of memory");
	att->wake_fd = -1;
	tdx_err_clear(&att->error);
	att->map = TDX_OPTS_GET(opts, map, NULL);
	att->unmap = TDX_OPTS_GET(opts, unmap, NULL);
	att->notify = TDX_OPTS_GET(opts, notify, NULL);
	att->userdata = TDX_OPTS_GET(opts, userdata, NULL);
	att->timeout_ms = TDX_OPTS_GET(opts, timeout_ms, 0);
	att->max_in_flight = TDX_OPTS_GET(opts, max_in_flight, 0);
	att->max_buffer = TDX_OPTS_GET(opts, max_buffer_size, 0);
	att->mode = TDX_OPTS_GET(opts, mode, TDX_ATTEST_MODE_WRAP);
	att->flags = TDX_OPTS_GET(opts, flags, 0);
	info = TDX_OPTS_GET(opts, tdvmcallinfo, NULL);
	qgs = TDX_OPTS_GET(opts, qgs, NULL);
	if (!att->timeout_ms)
		att->timeout_ms = TDX_ATTEST_DEFAULT_TIMEOUT_MS;
	if (!att->max_in_flight)
		att->max_in_flight = TDX_ATTEST_DEFAULT_MAX_IN_FLIGHT;
	if (!att->max_buffer)
		att->max_buffer = TDX_ATTEST_DEFAULT_MAX_BUFFER;
	if (info) {
		att->info = *info;
		att->have_info = true;
	}

	r = -EINVAL;
	if (!att->map) {
		new_fail(ctx, r, "map", "the map callback is required");
		goto fail;
	}
	if (att->max_in_flight > TDX_ATTEST_MAX_IN_FLIGHT_LIMIT) {
		new_fail(ctx, r, "max_in_flight", "max_in_flight above the limit");
		goto fail;
	}
	if (att->max_buffer > TDX_ATTEST_MAX_BUFFER_LIMIT ||
	    att->max_buffer % 4096) {
		new_fail(ctx, r, "max_buffer_size",
			 "max_buffer_size must be a multiple of 4 KiB up to 4 MiB");
		goto fail;
	}
	if (att->mode != TDX_ATTEST_MODE_WRAP &&
	    att->mode != TDX_ATTEST_MODE_PASSTHROUGH) {
		new_fail(ctx, r, "mode", "unknown mode");
		goto fail;
	}
	if (att->flags & ~TDX_ATTEST_F_ADVERTISE_GET_QUOTE) {
		new_fail(ctx, r, "flags", "unknown flags");
		goto fail;
	}
	r = tdx_qgs_addr_parse(qgs, &att->addr, &why);
	if (r) {
		new_fail(ctx, r, "qgs", why);
		goto fail;
	}

	att->slots = calloc(att->max_in_flight, sizeof(*att->slots));
	att->w_active = calloc(att->max_in_flight, sizeof(*att->w_active));
	att->w_pfd = calloc(att->max_in_flight + 1, sizeof(*att->w_pfd));
	att->w_pidx = calloc(att->max_in_flight + 1, sizeof(*att->w_pidx));
	if (!att->slots || !att->w_active || !att->w_pfd || !att->w_pidx) {
		r = new_fail(ctx, -ENOMEM, NULL, "out of memory");
		goto fail;
	}
	r = pthread_mutex_init(&att->lock, NULL);
	if (r) {
		r = new_fail(ctx, -r, NULL, "pthread_mutex_init failed");
		goto fail;
	}

	att->ctx = ctx ? tdx_ctx_ref(ctx) : NULL;
	if (att->addr.configured) {
		att->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (att->wake_fd < 0) {
			r = new_fail(ctx, -errno, NULL, "eventfd failed");
			goto fail_lock;
		}
		/* The worker must not take the VMM's signals (vCPU kicks). */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		r = pthread_create(&att->worker, NULL, tdx_attest_worker, att);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (r) {
			r = new_fail(ctx, -r, NULL, "pthread_create failed");
			goto fail_lock;
		}
		att->worker_started = true;
	}
	tdx_dbg(att->ctx, "attest: QGS %s, timeout %u ms, %u in flight, buffers <= %u",
		att->addr.configured ? att->addr.text : "none", att->timeout_ms,
		att->max_in_flight, att->max_buffer);
	*ret_att = att;
	return 0;

fail_lock:
	if (att->wake_fd >= 0)
		close(att->wake_fd);
	pthread_mutex_destroy(&att->lock);
	tdx_ctx_unref(att->ctx);
fail:
	free(att->slots);
	free(att->w_active);
	free(att->w_pfd);
	free(att->w_pidx);
	free(att);
	return r;
}

TDX_EXPORT void tdx_attest_free(struct tdx_attest *att)
{
	uint32_t i;

	if (!att)
		return;
	if (att->worker_started) {
		pthread_mutex_lock(&att->lock);
		att->stopping = true;
		pthread_mutex_unlock(&att->lock);
		tdx_attest_wake(att);
		pthread_join(att->worker, NULL);
	}
	/* Abandon what is left: no guest write, no callback. */
	for (i = 0; i < att->max_in_flight; i++)
		tdx_attest_req_free(att->slots[i].req);
	if (att->wake_fd >= 0)
		close(att->wake_fd);
	pthread_mutex_destroy(&att->lock);
	tdx_ctx_unref(att->ctx);
	free(att->slots);
	free(att->w_active);
	free(att->w_pfd);
	free(att->w_pidx);
	free(att);
}

TDX_EXPORT int tdx_attest_setup_event_notify(struct tdx_attest *att,
					     uint64_t vector, uint32_t apic_id,
					     uint64_t *ret_status)
{
	if (!att)
		return -EINVAL;
	if (!ret_status)
		return tdx_attest_fail(att, -EINVAL, "tdx_attest_setup_event_notify",
				       "ret_status", "tdx_attest_setup_event_notify(): ret_status is NULL");
	if (vector < 32 || vector > 255) {
		tdx_attest_record(att, "SetupEventNotifyInterrupt",
				  "SetupEventNotifyInterrupt: vector %llu outside 32..255",
				  (unsigned long long)vector);
		*ret_status = TDX_TDVMCALL_INVALID_OPERAND;
		return 0;
	}
	pthread_mutex_lock(&att->lock);
	att->notify_vector = (uint32_t)vector;
	att->notify_apic_id = apic_id;
	pthread_mutex_unlock(&att->lock);
	tdx_dbg(att->ctx, "attest: event notify vector %llu to APIC %u",
		(unsigned long long)vector, apic_id);
	*ret_status = TDX_TDVMCALL_SUCCESS;
	return 0;
}

TDX_EXPORT int tdx_attest_answer_tdvmcall_info(struct tdx_attest *att, uint64_t leaf,
					       struct tdx_attest_answer *ret)
{
	/* KVM forwards SetupEventNotify only if it lists it in user_r11. */
	uint64_t user = att && att->have_info ? att->info.user_r11
					      : TDX_TDVMCALLINFO_SETUP_EVENT_NOTIFY;

	if (!att)
		return -EINVAL;
	if (!ret)
		return tdx_attest_fail(att, -EINVAL, "tdx_attest_answer_tdvmcall_info",
				       "ret", "tdx_attest_answer_tdvmcall_info(): ret is NULL");
	memset(ret, 0, sizeof(*ret));
	if (leaf != 1) {
		ret->status = TDX_TDVMCALL_INVALID_OPERAND;
		return 0;
	}
	ret->status = TDX_TDVMCALL_SUCCESS;
	ret->r11 = user & TDX_TDVMCALLINFO_SETUP_EVENT_NOTIFY;
	/* GetQuote always reaches userspace; reported only on request. */
	if ((att->flags & TDX_ATTEST_F_ADVERTISE_GET_QUOTE) && att->addr.configured)
		ret->r11 |= TDX_TDVMCALLINFO_GET_QUOTE;
	if (att->have_info) {
		ret->r11 |= att->info.kernel_r11;
		ret->r12 = att->info.kernel_r12;
	}
	return 0;
}

TDX_EXPORT int tdx_attest_handle_exit(struct tdx_attest *att,
				      const struct tdx_exit *exit,
				      uint32_t apic_id,
				      struct tdx_attest_answer *ret)
{
	struct tdx_attest_answer a = { 0 };
	int r;

	if (!att)
		return -EINVAL;
	if (!exit || !ret)
		return tdx_attest_fail(att, -EINVAL, "tdx_attest_handle_exit",
				       exit ? "ret" : "exit", "tdx_attest_handle_exit(): %s is NULL",
				       exit ? "ret" : "exit");
	switch (exit->type) {
	case TDX_EXIT_GET_QUOTE:
		r = tdx_attest_get_quote(att, exit->u.get_quote.gpa,
					 exit->u.get_quote.size, &a.status);
		break;
	case TDX_EXIT_SETUP_EVENT_NOTIFY:
		r = tdx_attest_setup_event_notify(att, exit->u.notify.vector,
						  apic_id, &a.status);
		break;
	case TDX_EXIT_GET_TDVMCALL_INFO:
		r = tdx_attest_answer_tdvmcall_info(att, exit->u.tdvmcall_info.leaf, &a);
		break;
	default:
		return tdx_attest_fail(att, -ENOTSUP, "tdx_attest_handle_exit", "exit",
				       "exit %s is not an attestation TDVMCALL",
				       tdx_exit_type_name(exit->type) ?
				       tdx_exit_type_name(exit->type) : "?");
	}
	if (!r)
		*ret = a;
	return r;
}

TDX_EXPORT int tdx_attest_notify_msi(uint32_t vector, uint32_t apic_id,
				     uint32_t *ret_address_lo,
				     uint32_t *ret_address_hi,
				     uint32_t *ret_data)
{
	if (vector < 32 || vector > 255 || !ret_address_lo || !ret_address_hi ||
	    !ret_data)
		return -EINVAL;
	*ret_address_lo = 0xFEE00000u | (apic_id & 0xFFu) << 12;
	*ret_address_hi = apic_id & 0xFFFFFF00u;
	*ret_data = vector;	/* delivery mode fixed (0), edge */
	return 0;
}

TDX_EXPORT int tdx_attest_get_stats(const struct tdx_attest *catt,
				    struct tdx_attest_stats *ret_stats)
{
	/* the lock is not part of the object's value */
	struct tdx_attest *att = (struct tdx_attest *)catt;

	if (!att || !ret_stats)
		return -EINVAL;
	pthread_mutex_lock(&att->lock);
	*ret_stats = att->stats;
	ret_stats->in_flight = att->in_flight;
	ret_stats->notify_vector = att->notify_vector;
	ret_stats->notify_apic_id = att->notify_apic_id;
	pthread_mutex_unlock(&att->lock);
	return 0;
}

TDX_EXPORT const struct tdx_error *tdx_attest_get_last_error(const struct tdx_attest *att)
{
	return att ? &att->error : NULL;	/* as every *_get_last_error() */
}

TDX_EXPORT const char *tdx_quote_status_name(uint64_t status)
{
	switch (status) {
	case TDX_QUOTE_STATUS_SUCCESS:		return "success";
	case TDX_QUOTE_STATUS_IN_FLIGHT:	return "in-flight";
	case TDX_QUOTE_STATUS_ERROR:		return "error";
	case TDX_QUOTE_STATUS_QGS_UNAVAILABLE:	return "qgs-unavailable";
	}
	return NULL;
}
