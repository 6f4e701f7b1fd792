/* SPDX-License-Identifier: MIT */
/*
 * Conversion benchmark (meson test --suite bench; never in the default run).
 *
 * 1. Conversions per second through tdx_mem_convert() against the same raw
 *    syscall sequence issued directly (KVM_SET_MEMORY_ATTRIBUTES, then
 *    fallocate(PUNCH_HOLE) on the guest_memfd going shared or
 *    madvise(MADV_DONTNEED) on the anonymous backing going private), on the
 *    same region, in one run.  Needs a TD-capable /dev/kvm: the simulator
 *    (LD_PRELOAD=libtdxsim.so) or real hardware; skipped otherwise.
 * 2. Memory the range map uses for a 1 TiB guest after 1 million random
 *    4 KiB - 2 MiB conversions (pure; always runs).
 *
 * Usage: bench-convert [conversions-for-part-1 [conversions-for-part-2]]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#include "internal.h"
#include "rangemap.h"

#define PG 4096ULL

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* ---- part 1 ---------------------------------------------------------- */

#define REGION_GPA  0x100000000ULL	/* 4 GiB */
#define REGION_SIZE (1ULL << 30)	/* 1 GiB */

static int raw_convert(int vm_fd, const struct tdx_mem_region_info *ri,
		       uint64_t gpa, uint64_t size, bool priv)
{
	struct kvm_memory_attributes a = {
		.address = gpa, .size = size,
		.attributes = priv ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
	};
	uint64_t off = gpa - ri->gpa;

	if (ioctl(vm_fd, KVM_SET_MEMORY_ATTRIBUTES, &a) < 0)
		return -errno;
	if (!priv)
		return fallocate(ri->gmem_fd, FALLOC_FL_PUNCH_HOLE |
				 FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)size) < 0 ?
		       -errno : 0;
	return madvise((char *)ri->host_addr + off, size, MADV_DONTNEED) < 0 ?
	       -errno : 0;
}

/*
 * Time n conversions of random chunks, in blocks of 1000 that alternate
 * between libtdx and raw (ABBA order), so both see the same drift in the
 * kernel's (or simulator's) attribute structures.  One RNG stream: both
 * paths convert the same distribution of chunks.  Fills rate[0] (libtdx)
 * and rate[1] (raw) in conversions/s.
 */
static int run_interleaved(struct tdx_mem *mem, int vm_fd,
			   const struct tdx_mem_region_info *ri,
			   unsigned long n, uint64_t chunk, double rate[2])
{
	const unsigned long block = 1000;
	uint64_t seed = 0xC0FFEE, nchunks = REGION_SIZE / chunk;
	double t[2] = { 0, 0 };
	unsigned long done[2] = { 0, 0 }, b, i;
	int r;

	for (b = 0; b * block < 2 * n; b++) {
		int mode = (int)((b ^ (b >> 1)) & 1);	/* 0 1 1 0 0 1 1 0 ... */
		double t0 = now();

		for (i = 0; i < block; i++) {
			uint64_t gpa = REGION_GPA + (rnd(&seed) % nchunks) * chunk;
			bool priv = rnd(&seed) & 1;

			r = mode == 0 ? tdx_mem_convert(mem, gpa, chunk, priv) :
					raw_convert(vm_fd, ri, gpa, chunk, priv);
			if (r) {
				fprintf(stderr, "conversion failed: %s\n", strerror(-r));
				return r;
			}
		}
		t[mode] += now() - t0;
		done[mode] += block;
	}
	rate[0] = (double)done[0] / t[0];
	rate[1] = (double)done[1] / t[1];
	return 0;
}

static int part1(unsigned long n)
{
	static const uint64_t chunks[] = { PG, 2ULL << 20 };
	struct tdx_mem_region_info ri;
	struct tdx_ctx *ctx = NULL;
	struct tdx_vm *vm = NULL;
	struct tdx_mem *mem = NULL;
	int r, vm_fd;
	size_t c;

	printf("== 1. conversions/s: libtdx vs. raw syscalls ==\n");
	r = tdx_ctx_new(NULL, &ctx);
	if (!r)
		r = tdx_vm_new(ctx, NULL, &vm);
	if (r) {
		printf("skipped: no TD-capable KVM (%s); run under the simulator\n",
		       strerror(-r));
		tdx_ctx_unref(ctx);
		return 0;
	}
	r = tdx_vm_init(vm, NULL);
	if (r) {
		/* a failed INIT_VM may leave the TD dead: start over without it */
		printf("note: tdx_vm_init failed (%s); converting before INIT_VM (KVM allows it)\n",
		       strerror(-r));
		tdx_vm_unref(vm);
		vm = NULL;
		r = tdx_vm_new(ctx, NULL, &vm);
		if (r)
			goto out;
	}
	r = tdx_mem_new(vm, NULL, &mem);
	if (!r)
		r = tdx_mem_add_region(mem, REGION_GPA, REGION_SIZE, NULL, NULL);
	if (!r)
		r = tdx_mem_get_region(mem, 0, &ri);
	if (r) {
		fprintf(stderr, "region setup failed: %s (%s)\n", strerror(-r),
			mem ? tdx_error_get_message(tdx_mem_get_last_error(mem)) : "");
		goto out;
	}
	vm_fd = tdx_vm_get_fd(vm);
	printf("%lu conversions per path and size, random chunks of a 1 GiB region, random direction, interleaved blocks\n", n);
	printf("%-8s %14s %14s %8s\n", "size", "libtdx conv/s", "raw conv/s", "ratio");
	for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		double rate[2];

		/* start from an all-shared region */
		r = tdx_mem_convert(mem, REGION_GPA, REGION_SIZE, false);
		if (!r)
			r = run_interleaved(mem, vm_fd, &ri, n, chunks[c], rate);
		if (r)
			goto out;
		printf("%-8s %14.0f %14.0f %8.3f\n", chunks[c] == PG ? "4KiB" : "2MiB",
		       rate[0], rate[1], rate[0] / rate[1]);
	}
	{
		struct tdx_mem_stats st;

		tdx_mem_get_stats(mem, &st);
		printf("libtdx stats: to_private %llu to_shared %llu rejected %llu discard_errors %llu\n",
		       (unsigned long long)st.to_private,
		       (unsigned long long)st.to_shared,
		       (unsigned long long)st.rejected,
		       (unsigned long long)st.discard_errors);
	}
out:
	tdx_mem_unref(mem);
	tdx_vm_unref(vm);
	tdx_ctx_unref(ctx);
	return r;
}

/* ---- part 2 ---------------------------------------------------------- */

static int part2(unsigned long n)
{
	const uint64_t limit = 1ULL << 40;	/* 1 TiB */
	struct tdx_rangemap *m;
	uint64_t seed = 0x5EED1234ULL;
	size_t peak_ranges = 0;
	unsigned long i;
	double t0, dt;
	int r;

	printf("== 2. range map: 1 TiB guest, %lu random 4 KiB-2 MiB conversions ==\n", n);
	r = tdx_rangemap_new(limit, &m);
	if (r)
		return r;
	t0 = now();
	for (i = 0; i < n; i++) {
		uint64_t len = (1 + rnd(&seed) % 512) * PG;
		uint64_t gpa = (rnd(&seed) % ((limit - len) / PG + 1)) * PG;

		r = tdx_rangemap_set(m, gpa, len, rnd(&seed) & 1);
		if (r) {
			tdx_rangemap_free(m);
			return r;
		}
		if (tdx_rangemap_private_count(m) > peak_ranges)
			peak_ranges = tdx_rangemap_private_count(m);
	}
	dt = now() - t0;
	{
		uint64_t lookups = 1000000, hits = 0;

		t0 = now();
		for (i = 0; i < lookups; i++)
			hits += tdx_rangemap_get(m, (rnd(&seed) % (limit / PG)) * PG) == 1;
		printf("private ranges: %zu (peak %zu), partition ranges: %zu, private bytes: %.1f GiB\n",
		       tdx_rangemap_private_count(m), peak_ranges,
		       tdx_rangemap_count(m),
		       (double)tdx_rangemap_private_bytes(m) / (1ULL << 30));
		printf("map memory: %zu bytes (%.2f MiB) = %.1f bytes per private range; a 1-bit-per-page bitmap would need %llu MiB\n",
		       tdx_rangemap_mem_used(m),
		       (double)tdx_rangemap_mem_used(m) / (1 << 20),
		       (double)tdx_rangemap_mem_used(m) / (double)tdx_rangemap_private_count(m),
		       (unsigned long long)(limit / PG / 8 >> 20));
		printf("set: %.0f ops/s (%.2f us/op); get: %.0f lookups/s (%llu private)\n",
		       (double)n / dt, dt * 1e6 / (double)n,
		       (double)lookups / (now() - t0), (unsigned long long)hits);
	}
	tdx_rangemap_free(m);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n1 = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
	unsigned long n2 = argc > 2 ? strtoul(argv[2], NULL, 0) : 1000000;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	r = part2(n2);
	if (!r)
		r = part1(n1);
	return r ? 1 : 0;
}
