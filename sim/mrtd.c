/* SPDX-License-Identifier: MIT */
/*
 * MRTD as the TDX module computes it (intel/tdx-module:
 * tdh_mng_init.c, tdh_mem_page_add.c, tdh_mr_extend.c, tdh_mr_finalize.c): one
 * running SHA-384 started at TDH.MNG.INIT, fed one 128-byte block per
 * TDH.MEM.PAGE.ADD and three 128-byte blocks per TDH.MR.EXTEND (16 per
 * 4 KiB page), finished at TDH.MR.FINALIZE.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "sim.h"

int mrtd_start(struct sim_vm *vm)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha384(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return -EIO;
	}
	mrtd_free(vm);
	vm->mrtd_ctx = ctx;
	vm->mrtd_final = false;
	return 0;
}

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int mrtd_page_add(struct sim_vm *vm, uint64_t gpa)
{
	unsigned char b[128];

	memset(b, 0, sizeof(b));
	memcpy(b, "MEM.PAGE.ADD", 12);
	put_le64(b + 16, gpa);
	return EVP_DigestUpdate(vm->mrtd_ctx, b, sizeof(b)) == 1 ? 0 : -EIO;
}

int mrtd_extend(struct sim_vm *vm, uint64_t gpa, const unsigned char page[4096])
{
	for (int j = 0; j < 16; j++) {
		unsigned char b[128];

		memset(b, 0, sizeof(b));
		memcpy(b, "MR.EXTEND", 9);
		put_le64(b + 16, gpa + 256ULL * (unsigned)j);
		if (EVP_DigestUpdate(vm->mrtd_ctx, b, sizeof(b)) != 1 ||
		    EVP_DigestUpdate(vm->mrtd_ctx, page + 256 * j, 256) != 1)
			return -EIO;
	}
	return 0;
}

int mrtd_finalize(struct sim_vm *vm)
{
	unsigned len = 0;

	if (!vm->mrtd_ctx ||
	    EVP_DigestFinal_ex(vm->mrtd_ctx, vm->mrtd, &len) != 1 || len != 48)
		return -EIO;
	EVP_MD_CTX_free(vm->mrtd_ctx);
	vm->mrtd_ctx = NULL;
	vm->mrtd_final = true;
	return 0;
}

void mrtd_free(struct sim_vm *vm)
{
	if (vm->mrtd_ctx)
		EVP_MD_CTX_free(vm->mrtd_ctx);
	vm->mrtd_ctx = NULL;
}
