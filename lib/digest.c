/* SPDX-License-Identifier: MIT */
/*
 * 48-byte MRCONFIGID/MROWNER/MROWNERCONFIG values from text: 96 hex digits
 * (optional "0x") or standard base64.  48 bytes encode to exactly 64 base64
 * characters with no padding, so "optional padding" means there is never
 * any: a '=' is rejected like every other stray character.
 */
#include <string.h>

#include "internal.h"

#define DIGEST_LEN	48
#define HEX_LEN		(2 * DIGEST_LEN)
#define B64_LEN		(4 * DIGEST_LEN / 3)

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static bool parse_hex(const char *s, uint8_t out[DIGEST_LEN])
{
	size_t i;

	if (strlen(s) != HEX_LEN)
		return false;
	for (i = 0; i < DIGEST_LEN; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool parse_b64(const char *s, uint8_t out[DIGEST_LEN])
{
	size_t i;

	if (strlen(s) != B64_LEN)
		return false;
	for (i = 0; i < B64_LEN; i += 4) {
		uint32_t v = 0;
		size_t j;

		for (j = 0; j < 4; j++) {
			int d = b64_value(s[i + j]);

			if (d < 0)
				return false;
			v = v << 6 | (uint32_t)d;
		}
		out[i / 4 * 3] = (uint8_t)(v >> 16);
		out[i / 4 * 3 + 1] = (uint8_t)(v >> 8);
		out[i / 4 * 3 + 2] = (uint8_t)v;
	}
	return true;
}

TDX_EXPORT int tdx_digest_parse(const char *str, uint8_t ret_digest[48])
{
	uint8_t tmp[DIGEST_LEN];
	const char *hex = str;

	if (!str || !ret_digest)
		return -EINVAL;
	if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X'))
		hex = str + 2;
	if (!parse_hex(hex, tmp) && !parse_b64(str, tmp))
		return -EINVAL;
	memcpy(ret_digest, tmp, sizeof(tmp));
	return 0;
}
