/* SPDX-License-Identifier: MIT */
/* The last-error record every handle carries, and its public accessors. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

void tdx_err_clear(struct tdx_error *e)
{
	memset(e, 0, sizeof(*e));
	e->bit = -1;
}

static void set_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static int err_vset(struct tdx_error *e, int err, const char *step,
		    const char *field, int bit, uint64_t hw,
		    const char *fmt, va_list ap) __attribute__((format(printf, 7, 0)));

static int err_vset(struct tdx_error *e, int err, const char *step,
		    const char *field, int bit, uint64_t hw,
		    const char *fmt, va_list ap)
{
	if (!e)
		return err;
	e->err = err;
	e->bit = bit;
	e->hw_error = hw;
	set_str(e->step, sizeof(e->step), step);
	set_str(e->field, sizeof(e->field), field);
	if (fmt)
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	else
		snprintf(e->msg, sizeof(e->msg), "%s: %s",
			 step ? step : "?", strerror(err < 0 ? -err : err));
	return err;
}

int tdx_err(struct tdx_error *e, int err, const char *step, const char *field,
	    int bit, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, err, step, field, bit, 0, fmt, ap);
	va_end(ap);
	return err;
}

int tdx_err_null(struct tdx_error *e, const char *fn, const char *arg)
{
	return tdx_err(e, -EINVAL, fn, arg, -1, "%s(): %s is NULL", fn, arg);
}

int tdx_err_hw(struct tdx_error *e, int err, const char *step, uint64_t hw,
	       const char *fmt, ...)
{
	va_list ap;
	char st[192];
	size_t len;

	va_start(ap, fmt);
	err_vset(e, err, step, NULL, -1, hw, fmt, ap);
	va_end(ap);
	if (!e || !hw)
		return err;
	tdx_status_format(hw, st, sizeof(st));
	len = strlen(e->msg);
	snprintf(e->msg + len, sizeof(e->msg) - len, "%shw_error %s",
		 len ? "; " : "", st);
	return err;
}

void tdx_err_copy(struct tdx_error *dst, const struct tdx_error *src)
{
	if (dst && src && dst != src)
		*dst = *src;
}

TDX_EXPORT int tdx_error_get_errno(const struct tdx_error *e)
{
	return e ? e->err : -EINVAL;
}

TDX_EXPORT const char *tdx_error_get_step(const struct tdx_error *e)
{
	return e ? e->step : "";
}

TDX_EXPORT const char *tdx_error_get_field(const struct tdx_error *e)
{
	return e ? e->field : "";
}

TDX_EXPORT int tdx_error_get_bit(const struct tdx_error *e)
{
	return e ? e->bit : -1;
}

TDX_EXPORT uint64_t tdx_error_get_hw(const struct tdx_error *e)
{
	return e ? e->hw_error : 0;
}

TDX_EXPORT const char *tdx_error_get_message(const struct tdx_error *e)
{
	return e ? e->msg : "";
}
