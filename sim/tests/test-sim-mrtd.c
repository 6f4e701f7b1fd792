/* SPDX-License-Identifier: MIT */
/*
 * MRTD: the simulator's value must equal SHA-384 over the blocks that
 * the TDX module hashes (tdh_mem_page_add.c, tdh_mr_extend.c) describe, built here by hand from the bytes passed.
 */
#include <openssl/evp.h>

#include "simtest.h"

#define PAGE 4096UL

static void blk_page_add(EVP_MD_CTX *c, uint64_t gpa)
{
	unsigned char b[128] = { 'M', 'E', 'M', '.', 'P', 'A', 'G', 'E', '.', 'A', 'D', 'D' };

	for (int i = 0; i < 8; i++)
		b[16 + i] = (unsigned char)(gpa >> (8 * i));
	EVP_DigestUpdate(c, b, sizeof(b));
}

static void blk_extend(EVP_MD_CTX *c, uint64_t gpa, const unsigned char *page)
{
	for (int j = 0; j < 16; j++) {
		unsigned char b[128] = { 'M', 'R', '.', 'E', 'X', 'T', 'E', 'N', 'D' };
		uint64_t g = gpa + 256ULL * (unsigned)j;

		for (int i = 0; i < 8; i++)
			b[16 + i] = (unsigned char)(g >> (8 * i));
		EVP_DigestUpdate(c, b, sizeof(b));
		EVP_DigestUpdate(c, page + 256 * j, 128);
		EVP_DigestUpdate(c, page + 256 * j + 128, 128);
	}
}

START_TEST(mrtd_matches_module_blocks)
{
	int vm = st_td_inited(), v = st_vcpu(vm, 0);
	unsigned char *src = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char want[48], got[48];
	const uint64_t base = 0xFFC00000;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned len;
	char *rep, hex[97];

	for (unsigned i = 0; i < 3 * PAGE; i++)
		src[i] = (unsigned char)(i * 7 + 3);
	st_private_ram(vm, base, 16 * PAGE, NULL);
	/* call order: 2 measured pages at base+0x3000, 1 unmeasured at base */
	ck_assert_int_eq(st_add_pages(v, src, base + 0x3000, 2, true, NULL), 0);
	ck_assert_int_eq(st_add_pages(v, src + 2 * PAGE, base, 1, false, NULL), 0);
	ck_errno(tdxsim_ctl_vm_mrtd(vm, got), EBUSY);
	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	ck_assert_int_eq(tdxsim_ctl_vm_mrtd(vm, got), 0);

	EVP_DigestInit_ex(c, EVP_sha384(), NULL);
	blk_page_add(c, base + 0x3000);
	blk_extend(c, base + 0x3000, src);
	blk_page_add(c, base + 0x4000);
	blk_extend(c, base + 0x4000, src + PAGE);
	blk_page_add(c, base);
	EVP_DigestFinal_ex(c, want, &len);
	EVP_MD_CTX_free(c);
	ck_assert_uint_eq(len, 48);
	ck_assert_mem_eq(got, want, 48);

	rep = calloc(1, 1 << 16);
	ck_assert_int_gt(tdxsim_ctl_vm_report(vm, rep, 1 << 16), 0);
	for (int i = 0; i < 48; i++)
		sprintf(hex + 2 * i, "%02x", want[i]);
	ck_assert_ptr_nonnull(strstr(rep, hex));
	/* The same blocks hashed by another SHA-384 (Python hashlib), so the
	 * value does not rest on this file's helpers and OpenSSL alone. */
	ck_assert_str_eq(hex, "d7903d36f88775e1c1a5f954f41d895d8386219c41c98042"
			      "6a2f88dc6b58930e8bd4f73c3503e2baffa7ef3b369cf99d");
	ck_assert_ptr_nonnull(strstr(rep, "\"pages_added\": 3"));
	ck_assert_ptr_nonnull(strstr(rep, "\"pages_measured\": 2"));
	free(rep);
	close(v);
	close(vm);
}
END_TEST

START_TEST(mrtd_empty_td)
{
	int vm = st_td_inited();
	int v = st_vcpu(vm, 0); /* TDH.MR.FINALIZE needs an initialised vCPU */
	unsigned char want[48], got[48];
	unsigned len;

	ck_assert_int_eq(st_tdx(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	ck_assert_int_eq(tdxsim_ctl_vm_mrtd(vm, got), 0);
	EVP_Digest("", 0, want, &len, EVP_sha384(), NULL);
	ck_assert_mem_eq(got, want, 48);
	close(v);
	close(vm);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sim-mrtd");
	TCase *t = tcase_create("mrtd");

	tcase_add_test(t, mrtd_matches_module_blocks);
	tcase_add_test(t, mrtd_empty_td);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return st_run_suite(suite());
}
