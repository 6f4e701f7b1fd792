/* SPDX-License-Identifier: MIT */
/*
 * tests/user/misuse*.c: the shared harness -- counters, assertion macros,
 * error-record checks and a TD built up to a given step.  Only the public
 * header <libtdx.h> is used.
 */
#ifndef USER_MISUSE_H
#define USER_MISUSE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libtdx.h>

#define OVMF "/usr/share/ovmf/OVMF.fd"
#define RAM (256ULL << 20)
#define HOLE 0xC0000000ULL /* between RAM and the firmware */

extern int ncases, nfail, nfind;

#define CASE(name, cond)                                                     \
	do {                                                                 \
		ncases++;                                                    \
		if (!(cond)) {                                               \
			nfail++;                                             \
			fprintf(stderr, "FAIL line %d: %s: %s\n", __LINE__,  \
				name, #cond);                                \
		}                                                            \
	} while (0)

#define EQ(name, expr, want)                                                 \
	do {                                                                 \
		long long got_ = (long long)(expr), want_ = (long long)(want); \
		ncases++;                                                    \
		if (got_ != want_) {                                         \
			nfail++;                                             \
			fprintf(stderr, "FAIL line %d: %s: %s = %lld, want %lld\n", \
				__LINE__, name, #expr, got_, want_);         \
		}                                                            \
	} while (0)

#define FINDING(...)                                                         \
	do {                                                                 \
		nfind++;                                                     \
		fprintf(stderr, "FINDING: " __VA_ARGS__);                    \
		fputc('\n', stderr);                                         \
	} while (0)

/* A record names errno, a non-empty step and (when given) the field. */
struct snap {
	int err;
	char msg[256];
};

struct fix {
	struct tdx_ctx *ctx;
	struct tdx_tdvf *tdvf;
	struct tdx_layout *layout;
	struct tdx_plan *plan;
	uint64_t hob;
};

enum stage { ST_CREATED, ST_INIT, ST_MEM, ST_VCPU, ST_LOADED, ST_FINAL };

struct td {
	struct tdx_vm *vm;
	struct tdx_mem *mem;
	struct tdx_vcpu *vcpu;
};

int rec_is(const struct tdx_error *e, int err, const char *field);
int rec_clean(const struct tdx_error *e);
struct snap snap_of(const struct tdx_error *e);
int snap_same(const struct tdx_error *e, struct snap sn);
struct tdx_td_config base_cfg(void);
int td_make(struct fix *f, enum stage st, struct td *t);
void td_free(struct td *t);
void write_file(const char *path, const void *buf, size_t len);

/* the case groups */
void null_args(struct fix *f);
void opts_cases(struct fix *f);
void firmware_cases(struct fix *f, const char *dir);
void hob_cases(struct fix *f);
void config_cases(struct fix *f);
void more_cases(struct fix *f, const char *dir);
void order_cases(struct fix *f);
void record_cases(struct fix *f);
void record_rule_cases(struct fix *f, const char *dir);
void fork_cases(struct fix *f);
void attest_and_id_cases(struct fix *f);

#endif
