/* SPDX-License-Identifier: MIT */
/*
 * Fault injection.  Grammar (TDXSIM_FAIL, tdxsim --fail, tdxsim_fail_spec):
 *
 *   specs := spec { "," spec }
 *   spec  := field { ":" field }
 *   field := "nth=" N | "ioctl=" NAME | "errno=" (ENAME | N) | "hw=" HEX
 *          | "times=" (N | "always") | "skip=" N | "after_pages=" N
 *
 * Exactly one of nth/ioctl, and errno, are required.  See README.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

unsigned long ioctl_by_name(const char *name);
bool tdx_cmd_known(const char *name);

struct fault {
	long nth;		/* 0 = by name */
	char name[40];
	int err;
	uint64_t hw;
	bool has_hw;
	long times;		/* remaining; -1 = always */
	long skip;		/* matching calls to let through first */
	long after_pages;
};

static struct fault *faults;
static size_t nfaults, capfaults;

void fault_clear(void)
{
	free(faults);
	faults = NULL;
	nfaults = capfaults = 0;
}

int fault_add(long nth, const char *name, int err, uint64_t hw, bool has_hw,
	      long times, long skip, long after_pages)
{
	struct fault *f;

	if (err <= 0 || (nth <= 0 && (!name || !*name)))
		return -EINVAL;
	if (name && *name && !ioctl_by_name(name) && !tdx_cmd_known(name))
		return -ENOENT;
	if (nfaults == capfaults) {
		size_t nc = capfaults ? capfaults * 2 : 8;
		struct fault *n = realloc(faults, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		faults = n;
		capfaults = nc;
	}
	f = &faults[nfaults++];
	memset(f, 0, sizeof(*f));
	f->nth = nth > 0 ? nth : 0;
	if (name)
		snprintf(f->name, sizeof(f->name), "%s", name);
	f->err = err;
	f->hw = hw;
	f->has_hw = has_hw;
	f->times = times == 0 ? 1 : times;
	f->skip = skip;
	f->after_pages = after_pages;
	return 0;
}

static int parse_num(const char *s, unsigned long long *v)
{
	char *end;

	if (!*s)
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno || *end) ? -1 : 0;
}

static int parse_one(char *spec, char *err, size_t errlen)
{
	long nth = 0, times = 1, skip = 0, after = -1;
	unsigned long long v;
	char name[40] = "";
	uint64_t hw = 0;
	bool has_hw = false;
	int e = 0, r;
	char *save, *f;

	for (f = strtok_r(spec, ":", &save); f; f = strtok_r(NULL, ":", &save)) {
		char *val = strchr(f, '=');

		if (!val) {
			snprintf(err, errlen, "field '%s' is not key=value", f);
			return -1;
		}
		*val++ = 0;
		if (!strcmp(f, "nth")) {
			if (parse_num(val, &v) || v == 0) goto bad;
			nth = (long)v;
		} else if (!strcmp(f, "ioctl")) {
			snprintf(name, sizeof(name), "%s", val);
		} else if (!strcmp(f, "errno")) {
			e = errno_parse(val);
			if (e < 0) goto bad;
		} else if (!strcmp(f, "hw")) {
			if (parse_num(val, &v)) goto bad;
			hw = v;
			has_hw = true;
		} else if (!strcmp(f, "times")) {
			if (!strcmp(val, "always"))
				times = -1;
			else if (parse_num(val, &v) || v == 0)
				goto bad;
			else
				times = (long)v;
		} else if (!strcmp(f, "skip")) {
			if (parse_num(val, &v)) goto bad;
			skip = (long)v;
		} else if (!strcmp(f, "after_pages")) {
			if (parse_num(val, &v)) goto bad;
			after = (long)v;
		} else {
			snprintf(err, errlen, "unknown key '%s'", f);
			return -1;
		}
		continue;
bad:
		snprintf(err, errlen, "bad value '%s' for '%s'", val, f);
		return -1;
	}
	if (!e) {
		snprintf(err, errlen, "errno= is required");
		return -1;
	}
	if ((nth > 0) == (name[0] != 0)) {
		snprintf(err, errlen, "exactly one of nth= and ioctl= is required");
		return -1;
	}
	r = fault_add(nth, name, e, hw, has_hw, times, skip, after);
	if (r == -ENOENT)
		snprintf(err, errlen, "unknown ioctl name '%s'", name);
	else if (r < 0)
		snprintf(err, errlen, "cannot add fault (%s)", errno_name(-r));
	return r < 0 ? -1 : 0;
}

int fault_add_spec(const char *spec, char *err, size_t errlen)
{
	char *copy = strdup(spec), *save, *s;
	int r = 0;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		char *one = strdup(s);

		if (!one || parse_one(one, err, errlen) < 0)
			r = -1;
		free(one);
		if (r)
			break;
	}
	free(copy);
	return r;
}

bool fault_is_module_point(const char *name)
{
	return !strcmp(name, "KVM_TDX_INIT_VM") ||
	       !strcmp(name, "KVM_TDX_INIT_VCPU") ||
	       !strcmp(name, "KVM_TDX_FINALIZE_VM") ||
	       !strcmp(name, "KVM_TDX_INIT_MEM_REGION");
}

static bool consume(struct fault *f, struct sim_fault_hit *hit)
{
	if (f->times == 0)
		return false;
	if (f->skip > 0) {
		f->skip--;
		return false;
	}
	if (f->times > 0)
		f->times--;
	hit->err = f->err;
	hit->hw = f->hw;
	hit->has_hw = f->has_hw;
	hit->after_pages = f->after_pages;
	return true;
}

static bool name_matches(const struct fault *f, const char *name)
{
	if (!strcmp(f->name, name))
		return true;
	/* KVM_MEMORY_ENCRYPT_OP matches every TDX sub-command. */
	return !strcmp(f->name, "KVM_MEMORY_ENCRYPT_OP") &&
	       !strncmp(name, "KVM_TDX_", 8);
}

bool fault_check_entry(unsigned long count, const char *name,
		       struct sim_fault_hit *hit)
{
	for (size_t i = 0; i < nfaults; i++) {
		struct fault *f = &faults[i];

		if (f->nth) {
			if ((unsigned long)f->nth == count && f->times) {
				f->times = 0;
				hit->err = f->err;
				hit->hw = f->hw;
				hit->has_hw = f->has_hw;
				hit->after_pages = f->after_pages;
				return true;
			}
			continue;
		}
		if (!strcmp(f->name, name) && fault_is_module_point(name))
			continue;
		if (name_matches(f, name) && consume(f, hit))
			return true;
	}
	return false;
}

bool fault_check_module(const char *name, struct sim_fault_hit *hit)
{
	for (size_t i = 0; i < nfaults; i++) {
		struct fault *f = &faults[i];

		if (!f->nth && !strcmp(f->name, name) && consume(f, hit)) {
			hit->idx = (long)i;
			return true;
		}
	}
	return false;
}

void fault_unconsume(const struct sim_fault_hit *hit)
{
	if (hit->idx >= 0 && (size_t)hit->idx < nfaults && faults[hit->idx].times >= 0)
		faults[hit->idx].times++;
}
