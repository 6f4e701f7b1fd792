/* SPDX-License-Identifier: MIT */
/*
 * Replay main() for fuzz targets built without libFuzzer: runs the entry
 * point on every file named on the command line and every regular file in
 * the directories named there.  A missing path is reported and skipped;
 * if nothing at all was run, exits 77 (skip).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	/* an exact-size heap copy, so ASan sees any read past the end */
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	printf("ok %s (%zu bytes)\n", path, got);
	return 0;
}

int main(int argc, char **argv)
{
	int ran = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			printf("skip %s: %s\n", argv[i], strerror(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			struct dirent **names;
			int n = scandir(argv[i], &names, NULL, alphasort);

			for (int j = 0; j < n; j++) {
				char path[4096];

				if (names[j]->d_name[0] != '.') {
					snprintf(path, sizeof(path), "%s/%s", argv[i],
						 names[j]->d_name);
					if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
						failed |= run_file(path) < 0;
						ran++;
					}
				}
				free(names[j]);
			}
			if (n >= 0)
				free(names);
		} else {
			failed |= run_file(argv[i]) < 0;
			ran++;
		}
	}
	if (failed)
		return 1;
	if (!ran) {
		printf("SKIP: no inputs\n");
		return 77;
	}
	return 0;
}
