/* SPDX-License-Identifier: MIT */
/* Helpers shared by libtdx's Check tests. */
#ifndef LIBTDX_TESTUTIL_H
#define LIBTDX_TESTUTIL_H

#include <dirent.h>
#ifdef __has_include
#if __has_include(<check.h>)
#include <check.h>
#endif
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Number of open fds in this process (scans /proc/self/fd). */
static inline int tu_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

/* Count fds without FD_CLOEXEC, ignoring 0-2. */
static inline int tu_count_fds_without_cloexec(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd <= 2 || fd == dirfd(d))
			continue;
		if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
			n++;
	}
	closedir(d);
	return n;
}

/* Number of mappings in /proc/self/maps. */
static inline int tu_count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	int n = 0, c;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n;
}

/*
 * Mappings of kernel objects libtdx maps (KVM run areas, memfd/guest_memfd
 * backings): the count that must return to its baseline after a failure.
 * (Allocator arenas, e.g. under ASan, grow on their own and are not counted.)
 */
static inline int tu_count_object_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "memfd:") || strstr(line, "anon_inode:"))
			n++;
	fclose(f);
	return n;
}

#ifdef CHECK_H
/* Run a suite with Check's defaults; the process exit status. */
static inline int tu_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
#endif

#endif
