/* SPDX-License-Identifier: MIT */
/* tdboot: a small VMM that boots a TD from TDVF firmware through libtdx. */
#ifndef TDBOOT_H
#define TDBOOT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <libtdx.h>

#include "devices.h"

#define TDBOOT_MAX_VCPUS 256
#define TDBOOT_EXIT_TYPES 16

struct tdboot_opts {
	const char *bios;
	const char *device;
	const char *report;
	const char *qgs;
	const char *kernel;		/* payload for td-shim style firmware */
	const char *cmdline;
	uint64_t memory;
	unsigned int vcpus;
	struct tdx_td_config cfg;
	bool quiet;
};

/* Result of the whole run, for the summary and the JSON report. */
struct tdboot_result {
	const char *status;		/* "shutdown", "fatal", "error", "launch-failed" */
	char detail[512];		/* fatal-error text or error message */
	uint64_t exits[TDBOOT_EXIT_TYPES];
	struct tdx_mem_stats mem;
	struct tdx_load_stats load;
	bool have_notify;
	uint32_t notify_vector;
};

struct tdboot {
	struct tdboot_opts opts;
	struct tdx_ctx *ctx;
	struct tdx_tdvf *tdvf;
	struct tdx_layout *layout;
	struct tdx_plan *plan;
	struct tdx_vm *vm;
	struct tdx_mem *mem;
	struct tdx_attest *attest;
	struct tdx_vcpu *vcpus[TDBOOT_MAX_VCPUS];
	void *kernel;			/* mapped --kernel file */
	size_t kernel_len;
	uint64_t hob_gpa;
	uint8_t expected_mrtd[48];
	bool have_mrtd;
	struct devices dev;
	/* run state */
	pthread_mutex_t lock;		/* result */
	atomic_bool stop;
	atomic_bool started;
	pthread_t threads[TDBOOT_MAX_VCPUS];
	struct tdboot_result res;
};

/* run.c: one thread per vCPU until the TD stops. */
int tdboot_run(struct tdboot *tb);
/* report.c */
void tdboot_print_launch(const struct tdboot *tb);
void tdboot_print_summary(const struct tdboot *tb);
int tdboot_write_json(const struct tdboot *tb, const char *path);
void tdboot_hex(const uint8_t *b, size_t n, char *out);

#endif
