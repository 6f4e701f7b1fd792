/* SPDX-License-Identifier: MIT */
/*
 * MRTD benchmark: measure a large synthetic firmware (a 64 MiB measured
 * BFV, generated in /tmp) and compare with raw SHA-384 (EVP, large
 * updates) over the same number of hashed bytes, in the same run.
 *
 *   bench-measure [MIB]     (default 64)
 *
 * Prints the best-of-N times, throughputs and the ratios
 *   api    = tdx_measure_firmware() (open, parse, plan, measure) / raw
 *   engine = tdx_measure_plan() on a prepared plan / raw
 * The target is engine <= 1.2; exits 1 if it exceeds 2.0 (a regression
 * well beyond noise), 77 (skip) if /tmp is not writable.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <libtdx.h>

#define RUNS 5
#define FOUR_G 0x100000000ull

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* GUIDs in EFI byte order */
static const uint8_t footer_guid[16] = { 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };
static const uint8_t offset_guid[16] = { 0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
	0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2 };
static const uint8_t meta_guid[16] = { 0xf3, 0xf9, 0xea, 0xe9, 0x8e, 0x16, 0xd5, 0x44,
	0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae };

/* An image that is one big measured BFV, plus TempMem and TD_HOB pages. */
static uint8_t *make_image(size_t size)
{
	uint8_t *img = malloc(size);
	size_t desc = size - 0x800;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	static const struct { uint32_t off, raw; uint64_t gpa, mem; uint32_t type, attr; } s[3] = {
		{ 0, 0, 0, 0, 0, 1 },			/* BFV, filled in below */
		{ 0, 0, 0x800000, 0x10000, 3, 0 },	/* TempMem */
		{ 0, 0, 0x810000, 0x2000, 2, 0 },	/* TD_HOB */
	};

	if (!img)
		return NULL;
	for (size_t i = 0; i < size; i += 8) {	/* xorshift noise */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(img + i, &x, 8);
	}
	memcpy(img + size - 0x30, footer_guid, 16);
	le(img + size - 0x32, 40, 2);
	memcpy(img + size - 0x42, offset_guid, 16);
	le(img + size - 0x44, 22, 2);
	le(img + size - 0x48, size - desc, 4);
	memcpy(img + desc - 16, meta_guid, 16);
	memcpy(img + desc, "TDVF", 4);
	le(img + desc + 4, 16 + 32 * 3, 4);
	le(img + desc + 8, 1, 4);
	le(img + desc + 12, 3, 4);
	for (int i = 0; i < 3; i++) {
		uint8_t *e = img + desc + 16 + 32 * i;

		le(e, s[i].off, 4);
		le(e + 4, i ? s[i].raw : size, 4);
		le(e + 8, i ? s[i].gpa : FOUR_G - size, 8);
		le(e + 16, i ? s[i].mem : size, 8);
		le(e + 24, s[i].type, 4);
		le(e + 28, s[i].attr, 4);
	}
	return img;
}

static double raw_sha384(const uint8_t *buf, size_t len, uint8_t out[48])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n;
	double t = now();

	EVP_DigestInit_ex(md, EVP_sha384(), NULL);
	for (size_t off = 0; off < len; off += 1 << 20)
		EVP_DigestUpdate(md, buf + off, len - off < (1u << 20) ? len - off : 1u << 20);
	EVP_DigestFinal_ex(md, out, &n);
	t = now() - t;
	EVP_MD_CTX_free(md);
	return t;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	size_t size = mib << 20;
	char path[] = "/tmp/libtdx-bench-fw-XXXXXX";
	double best_api = 1e9, best_eng = 1e9, best_raw = 1e9, t;
	struct tdx_measurement *m = NULL;
	struct tdx_tdvf *tdvf;
	struct tdx_plan *plan;
	uint8_t mrtd[48], ref[48], *img, *raw;
	uint64_t hashed;
	int fd, i, ret = 0;

	if (!mib || mib > 2048) {
		fprintf(stderr, "bench-measure: size in MiB, 1..2048\n");
		return 2;
	}
	img = make_image(size);
	fd = mkstemp(path);
	if (!img || fd < 0) {
		printf("SKIP: cannot create %s\n", path);
		return 77;
	}
	if (write(fd, img, size) != (ssize_t)size) {
		printf("SKIP: cannot write %s\n", path);
		unlink(path);
		return 77;
	}
	close(fd);

	/* api: parse + plan + measure from the file, as tdx-measure does */
	for (i = 0; i < RUNS; i++) {
		t = now();
		if (tdx_measure_firmware(NULL, path, NULL, mrtd, i ? NULL : &m)) {
			fprintf(stderr, "bench-measure: measuring %s failed\n", path);
			unlink(path);
			return 1;
		}
		t = now() - t;
		best_api = t < best_api ? t : best_api;
	}
	hashed = tdx_measurement_get_hashed_bytes(m);

	/* engine: the replay alone, on a prepared plan */
	if (tdx_tdvf_parse(img, size, NULL, NULL, &tdvf) ||
	    tdx_plan_new(NULL, tdvf, NULL, &plan)) {
		fprintf(stderr, "bench-measure: plan failed\n");
		unlink(path);
		return 1;
	}
	for (i = 0; i < RUNS; i++) {
		t = now();
		tdx_measure_plan(NULL, plan, NULL, mrtd, NULL);
		t = now() - t;
		best_eng = t < best_eng ? t : best_eng;
	}

	/* raw SHA-384 over the same number of bytes */
	raw = malloc(hashed);
	if (!raw)
		return 1;
	for (uint64_t off = 0; off < hashed; off += size)
		memcpy(raw + off, img, hashed - off < size ? hashed - off : size);
	for (i = 0; i < RUNS; i++) {
		t = raw_sha384(raw, hashed, ref);
		best_raw = t < best_raw ? t : best_raw;
	}

	printf("firmware:   %zu MiB measured BFV (%s)\n", mib, path);
	printf("operations: %" PRIu64 " PAGE.ADD, %" PRIu64 " MR.EXTEND, %" PRIu64 " bytes hashed\n",
	       tdx_measurement_get_page_add_count(m), tdx_measurement_get_mr_extend_count(m), hashed);
	printf("raw sha384: %8.2f ms  %7.1f MB/s\n", best_raw * 1e3, hashed / best_raw / 1e6);
	printf("engine:     %8.2f ms  %7.1f MB/s  ratio %.3f\n", best_eng * 1e3,
	       hashed / best_eng / 1e6, best_eng / best_raw);
	printf("api:        %8.2f ms  %7.1f MB/s  ratio %.3f\n", best_api * 1e3,
	       hashed / best_api / 1e6, best_api / best_raw);
	/* The command-line tools, as a user would run them: tdx-measure on the
	 * firmware vs `openssl dgst -sha384` on a file of the same number of
	 * hashed bytes (best of RUNS each, process start-up included). */
	if (argc > 2) {
		char rawpath[] = "/tmp/libtdx-bench-raw-XXXXXX", cmd[512];
		double best_cli = 1e9, best_ossl = 1e9;
		int rfd = mkstemp(rawpath);

		if (rfd >= 0 && write(rfd, raw, hashed) == (ssize_t)hashed) {
			close(rfd);
			for (i = 0; i < RUNS; i++) {
				snprintf(cmd, sizeof(cmd), "%s %s >/dev/null", argv[2], path);
				t = now();
				if (system(cmd))
					ret = 1;
				t = now() - t;
				best_cli = t < best_cli ? t : best_cli;
				snprintf(cmd, sizeof(cmd), "openssl dgst -sha384 %s >/dev/null", rawpath);
				t = now();
				if (system(cmd))
					ret = 1;
				t = now() - t;
				best_ossl = t < best_ossl ? t : best_ossl;
			}
			printf("openssl dgst -sha384: %8.2f ms\n", best_ossl * 1e3);
			printf("tdx-measure:          %8.2f ms  ratio %.3f\n", best_cli * 1e3,
			       best_cli / best_ossl);
		} else if (rfd >= 0) {
			close(rfd);
		}
		unlink(rawpath);
	}
	if (best_eng / best_raw > 2.0) {
		printf("FAIL: engine ratio above 2.0\n");
		ret = 1;
	}
	tdx_measurement_free(m);
	tdx_plan_free(plan);
	tdx_tdvf_free(tdvf);
	free(raw);
	free(img);
	unlink(path);
	return ret;
}
