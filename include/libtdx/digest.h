/* SPDX-License-Identifier: MIT */
/**
 * DOC: digest - 48-byte SHA-384 values given on a command line
 *
 * MRCONFIGID, MROWNER and MROWNERCONFIG (struct tdx_td_config, caps.h) and
 * MRTD (measure.h) are 48-byte values; tdx_digest_parse() reads them as a
 * user or a configuration file writes them.
 */
#ifndef LIBTDX_DIGEST_H
#define LIBTDX_DIGEST_H

#include <libtdx/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * tdx_digest_parse() - parse a 48-byte MRCONFIGID/MROWNER/MROWNERCONFIG
 * value given as 96 hex digits (optional "0x") or as base64 (64 chars,
 * padding optional).
 * Return: 0 or -EINVAL.
 */
int tdx_digest_parse(const char *str, uint8_t ret_digest[48]);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_DIGEST_H */
