/* SPDX-License-Identifier: MIT */
/*
 * tdxsim: run a command with the TDX simulator preloaded.
 *
 *   tdxsim [--caps PRESET|FILE] [--no-5level-ept] [--kernel VER]
 *          [--fail SPEC]... [--trace FILE] [--report FILE] [--guest FILE|NAME]
 *          [--list-presets] -- COMMAND [ARGS...]
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TDXSIM_INSTALL_LIBDIR
#define TDXSIM_INSTALL_LIBDIR "/usr/local/lib"
#endif
#ifndef TDXSIM_INSTALL_DATADIR
#define TDXSIM_INSTALL_DATADIR "/usr/local/share/libtdx/sim"
#endif
#define LIBNAME "libtdxsim.so"

#include "guest.h"

/* Guest script the wrapper uses when neither --guest nor TDXSIM_GUEST says. */
#define DEFAULT_GUEST "tdvf-early-boot"

/* from fault.c, linked in to validate specs before exec */
int fault_add_spec(const char *spec, char *err, size_t errlen);

static const struct { const char *name, *file, *what; } presets[] = {
	{ "realistic", "tdx-caps-realistic.json",
	  "EMR Xeon 8570, TDX module 1.5.28, 28 configurable leaves (default)" },
	{ "emr-1.5.06", "tdx-caps-emr-module-1.5.06.json",
	  "EMR Xeon 8570, TDX module 1.5.06, 18 configurable leaves" },
	{ "realistic-no5level", "tdx-caps-realistic-no5level.json",
	  "realistic, on a host without 5-level EPT (GPAW 52 fails)" },
	{ "minimal", "tdx-caps-minimal.json",
	  "TDX module 1.0 shape, 6 leaves (INIT_VM always fails: negative tests)" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tdxsim [OPTIONS] -- COMMAND [ARGS...]\n"
		"Run COMMAND with a simulated TDX-capable /dev/kvm (LD_PRELOAD).\n\n"
		"  --caps PRESET|FILE   capability preset or JSON file (TDXSIM_CAPS)\n"
		"  --no-5level-ept      host without 5-level EPT: GPAW 52 fails (TDXSIM_NO_5LEVEL_EPT)\n"
		"  --kernel VER         6.16 ... 7.1, or 7.2 (default; TDXSIM_KERNEL)\n"
		"  --fail SPEC          fault injection, repeatable (TDXSIM_FAIL)\n"
		"  --trace FILE         append one line per intercepted call (TDXSIM_TRACE)\n"
		"  --report FILE        JSON report per TD, file truncated first (TDXSIM_REPORT)\n"
		"  --device PATH        simulate this path instead of /dev/kvm (TDXSIM_DEVICE)\n"
		"  --guest FILE|NAME    guest script for KVM_RUN, or a shipped script name\n"
		"                       (TDXSIM_GUEST); default tdvf-early-boot; 'none':\n"
		"                       KVM_RUN just reports shutdown\n"
		"  --list-presets       list capability presets and exit\n"
		"  -h, --help           this help\n");
}

/* libtdxsim.so next to this executable (build dir), else the install libdir. */
static int find_lib(char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		char *slash;

		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			size_t dl;

			*slash = 0;
			dl = strlen(self);
			if (dl + 1 + sizeof(LIBNAME) <= len) {
				memcpy(out, self, dl);
				out[dl] = '/';
				memcpy(out + dl + 1, LIBNAME, sizeof(LIBNAME));
				if (access(out, R_OK) == 0)
					return 0;
			}
		}
	}
	snprintf(out, len, "%s/%s", TDXSIM_INSTALL_LIBDIR, LIBNAME);
	return access(out, R_OK) == 0 ? 0 : -1;
}

static int set(const char *k, const char *v)
{
	if (setenv(k, v, 1) < 0) {
		perror("tdxsim: setenv");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "caps", required_argument, NULL, 'c' },
		{ "no-5level-ept", no_argument, NULL, '5' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "fail", required_argument, NULL, 'f' },
		{ "trace", required_argument, NULL, 't' },
		{ "report", required_argument, NULL, 'r' },
		{ "device", required_argument, NULL, 'd' },
		{ "guest", required_argument, NULL, 'g' },
		{ "list-presets", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const kernels[] = { "6.16", "6.17", "6.18", "6.19", "7.0", "7.1", "7.2" };
	char *fail = NULL;
	char lib[PATH_MAX];
	const char *pre;
	bool guest_given = false;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!*optarg) {
				fprintf(stderr, "tdxsim: --caps needs a value\n");
				return 2;
			}
			if (set("TDXSIM_CAPS", optarg))
				return 2;
			break;
		case '5':
			if (set("TDXSIM_NO_5LEVEL_EPT", "1"))
				return 2;
			break;
		case 'k': {
			bool ok = false;

			for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++)
				ok |= !strcmp(optarg, kernels[i]);
			if (!ok) {
				fprintf(stderr, "tdxsim: --kernel: unknown version '%s'\n", optarg);
				return 2;
			}
			if (set("TDXSIM_KERNEL", optarg))
				return 2;
			break;
		}
		case 'f': {
			size_t len = (fail ? strlen(fail) + 1 : 0) + strlen(optarg) + 1;
			char *n;

			char err[256];

			if (fault_add_spec(optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "tdxsim: --fail '%s': %s\n", optarg, err);
				return 2;
			}
			n = malloc(len);
			if (!n)
				return 2;
			snprintf(n, len, "%s%s%s", fail ? fail : "", fail ? "," : "", optarg);
			free(fail);
			fail = n;
			break;
		}
		case 't':
			if (set("TDXSIM_TRACE", optarg))
				return 2;
			break;
		case 'r': {
			FILE *f = fopen(optarg, "we");

			if (!f) {
				fprintf(stderr, "tdxsim: --report %s: %s\n", optarg, strerror(errno));
				return 2;
			}
			fclose(f);
			if (set("TDXSIM_REPORT", optarg))
				return 2;
			break;
		}
		case 'd':
			if (optarg[0] != '/') {
				fprintf(stderr, "tdxsim: --device needs an absolute path\n");
				return 2;
			}
			if (set("TDXSIM_DEVICE", optarg))
				return 2;
			break;
		case 'g':
			if (!*optarg) {
				fprintf(stderr, "tdxsim: --guest needs a value\n");
				return 2;
			}
			guest_given = true;
			if (!strcmp(optarg, "none")) {	/* KVM_RUN just shuts down */
				unsetenv("TDXSIM_GUEST");
				break;
			}
			/* A file is checked now; a name is resolved by the library. */
			if (strchr(optarg, '/') || access(optarg, R_OK) == 0) {
				char err[512];
				struct gscript *gs = gscript_load(optarg, err, sizeof(err));

				if (!gs) {
					fprintf(stderr, "tdxsim: --guest: %s\n", err);
					return 2;
				}
				gscript_free(gs);
			}
			if (set("TDXSIM_GUEST", optarg))
				return 2;
			break;
		case 'l':
			for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
				printf("%-12s %s\n             %s\n", presets[i].name,
				       presets[i].file, presets[i].what);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tdxsim: no command given\n");
		usage(stderr);
		return 2;
	}
	if (fail && set("TDXSIM_FAIL", fail))
		return 2;
	free(fail);
	if (find_lib(lib, sizeof(lib)) < 0) {
		fprintf(stderr, "tdxsim: cannot find %s\n", LIBNAME);
		return 2;
	}
	if (!getenv("TDXSIM_DATA_DIR") && access(TDXSIM_INSTALL_DATADIR, R_OK) != 0) {
#ifdef TDXSIM_SOURCE_DATADIR
		set("TDXSIM_DATA_DIR", TDXSIM_SOURCE_DATADIR);
#endif
	}
	pre = getenv("LD_PRELOAD");
	if (pre && *pre) {
		size_t len = strlen(lib) + strlen(pre) + 2;
		char *n = malloc(len);

		if (!n)
			return 2;
		snprintf(n, len, "%s:%s", lib, pre);
		if (set("LD_PRELOAD", n))
			return 2;
		free(n);
	} else if (set("LD_PRELOAD", lib)) {
		return 2;
	}
	/* The wrapper boots like early firmware unless told otherwise. */
	if (!guest_given && !getenv("TDXSIM_GUEST") &&
	    set("TDXSIM_GUEST", DEFAULT_GUEST))
		return 2;
	/*
	 * A sanitizer-built COMMAND would refuse to start because the
	 * preloaded library comes before its runtime; the check is only a
	 * safety net, so turn it off.  The user's ASAN_OPTIONS are kept:
	 * the option is appended, unless they choose verify_asan_link_order
	 * themselves.
	 */
	{
		const char *ao = getenv("ASAN_OPTIONS");

		if (!ao || !*ao) {
			if (set("ASAN_OPTIONS", "verify_asan_link_order=0"))
				return 2;
		} else if (!strstr(ao, "verify_asan_link_order")) {
			size_t len = strlen(ao) + sizeof(":verify_asan_link_order=0");
			char *n = malloc(len);

			if (!n)
				return 2;
			snprintf(n, len, "%s:verify_asan_link_order=0", ao);
			if (set("ASAN_OPTIONS", n))
				return 2;
			free(n);
		}
	}
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "tdxsim: %s: %s\n", argv[optind], strerror(errno));
	return 127;
}
