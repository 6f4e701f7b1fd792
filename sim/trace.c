/* SPDX-License-Identifier: MIT */
/*
 * Trace: one line per intercepted call on a simulated fd,
 *   "<pid> <name> <kind> fd=<fd> ret=<ret> errno=<ENAME|0>[ key=value]..."
 * appended to $TDXSIM_TRACE (if set) and kept in memory (first 65536
 * lines) for tdxsim_trace_get().  The optional fields describe the
 * arguments (trace-args.c) and end with "sim=unmodelled" when the
 * simulator answered a call it does not model (see trace_unmodelled()).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

#define TRACE_MAX 65536

static char **lines;
static unsigned long nlines;
static int trace_fd = -2;
/* " key=value" fields of the call this thread is making (under the lock or
 * not: KVM_RUN may wait without it, so the buffer is per thread). */
static __thread char note[384];
static __thread size_t note_len;

void trace_note(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (note_len + 2 >= sizeof(note))
		return;
	note[note_len++] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(note + note_len, sizeof(note) - note_len, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	note_len += (size_t)n;
	if (note_len >= sizeof(note))
		note_len = sizeof(note) - 1;
	note[note_len] = 0;
}

void trace_unmodelled(void)
{
	trace_note("sim=unmodelled");
}

void trace_clear(void)
{
	for (unsigned long i = 0; i < nlines && i < TRACE_MAX; i++)
		free(lines[i]);
	free(lines);
	lines = NULL;
	nlines = 0;
}

void trace_call(const char *name, enum sim_kind kind, int fd, long ret, int err)
{
	char buf[160 + sizeof(note)];
	int n;

	n = snprintf(buf, sizeof(buf), "%d %s %s fd=%d ret=%ld errno=%s%s\n",
		     (int)getpid(), name, kind_name(kind), fd, ret < 0 ? -1 : ret,
		     errno_name(err), note);
	note_len = 0;
	note[0] = 0;
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;

	if (trace_fd == -2) {
		const char *p = getenv("TDXSIM_TRACE");

		trace_fd = -1;
		if (p && *p)
			trace_fd = real_open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	}
	if (trace_fd >= 0) {
		ssize_t w = write(trace_fd, buf, (size_t)n);
		(void)w;
	}

	if (nlines < TRACE_MAX) {
		if (!lines) {
			lines = calloc(TRACE_MAX, sizeof(*lines));
			if (!lines)
				return;
		}
		buf[n - 1] = 0; /* no newline in memory */
		lines[nlines] = strdup(buf);
	}
	nlines++;
}

unsigned long trace_count(void)
{
	return nlines;
}

int trace_get(unsigned long i, char *buf, size_t len)
{
	if (i >= nlines || i >= TRACE_MAX || !lines[i])
		return -1;
	if (buf && len)
		snprintf(buf, len, "%s", lines[i]);
	return (int)strlen(lines[i]);
}
