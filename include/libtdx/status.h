/* SPDX-License-Identifier: MIT */
/**
 * DOC: TDX module status codes
 *
 * KVM hands back the TDX module's SEAMCALL status in kvm_tdx_cmd.hw_error
 * (INIT_VM, FINALIZE).  These helpers decode it: bit 63 = error, bit 62 =
 * non-recoverable, bits 47:32 = class and detail, bits 31:0 = operand id.
 * All are pure functions (no state, thread-safe).
 */
#ifndef LIBTDX_STATUS_H
#define LIBTDX_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** TDX_STATUS_MASK - the bits that identify a status (low 32 = detail). */
#define TDX_STATUS_MASK 0xFFFFFFFF00000000ULL
/** TDX_STATUS_OPERAND_INVALID - an input operand was invalid. */
#define TDX_STATUS_OPERAND_INVALID 0xC000010000000000ULL
/** TDX_STATUS_OPERAND_BUSY - a resource was busy; retry. */
#define TDX_STATUS_OPERAND_BUSY 0x8000020000000000ULL
/** TDX_STATUS_RND_NO_ENTROPY - no entropy; KVM turns it into -EAGAIN. */
#define TDX_STATUS_RND_NO_ENTROPY 0x8000020300000000ULL

/**
 * tdx_status_name() - name of a TDX module status ("TDX_OPERAND_INVALID").
 * @status: the full 64-bit status; the low 32 bits are ignored.
 *
 * Return: a static string, or NULL for a status libtdx does not know.
 */
const char *tdx_status_name(uint64_t status);
/**
 * tdx_status_hint() - a one-line explanation of a status, or NULL.
 */
const char *tdx_status_hint(uint64_t status);
/**
 * tdx_status_operand_name() - name of the operand id in bits 31:0
 * ("CPUID_CONFIG" for 0x45), or NULL when unknown.
 */
const char *tdx_status_operand_name(uint64_t status);
/** tdx_status_is_error() - bit 63 set. */
bool tdx_status_is_error(uint64_t status);
/** tdx_status_is_fatal() - bit 62 (non-recoverable) set. */
bool tdx_status_is_fatal(uint64_t status);
/**
 * tdx_status_format() - "0xC000010000000045 TDX_OPERAND_INVALID (operand
 * CPUID_CONFIG): <hint>" into buf (always NUL-terminated when size > 0).
 *
 * Return: the length the full string needs (like snprintf), or -EINVAL for
 * a NULL buf with a non-zero size.
 */
int tdx_status_format(uint64_t status, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_STATUS_H */
