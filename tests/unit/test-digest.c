/* SPDX-License-Identifier: MIT */
/* Unit tests: 48-byte digest parsing (lib/digest.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtdx.h>

/* bytes 0x00, 0x01, ..., 0x2f */
static const char seq_hex[] =
	"000102030405060708090a0b0c0d0e0f"
	"101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f";
/* base64 of the same 48 bytes (checked with `base64`) */
static const char seq_b64[] =
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v";

static void expect_seq(const uint8_t d[48])
{
	int i;

	for (i = 0; i < 48; i++)
		ck_assert_uint_eq(d[i], (unsigned int)i);
}

START_TEST(test_hex)
{
	uint8_t d[48];
	char buf[128];
	size_t i;

	ck_assert_int_eq(tdx_digest_parse(seq_hex, d), 0);
	expect_seq(d);

	snprintf(buf, sizeof(buf), "0x%s", seq_hex);
	memset(d, 0xAA, sizeof(d));
	ck_assert_int_eq(tdx_digest_parse(buf, d), 0);
	expect_seq(d);

	/* upper case, 0X prefix */
	snprintf(buf, sizeof(buf), "0X%s", seq_hex);
	for (i = 2; buf[i]; i++)
		if (buf[i] >= 'a' && buf[i] <= 'f')
			buf[i] = (char)(buf[i] - 'a' + 'A');
	ck_assert_int_eq(tdx_digest_parse(buf, d), 0);
	expect_seq(d);
}
END_TEST

START_TEST(test_base64)
{
	uint8_t d[48];
	char ff[65];

	ck_assert_int_eq(tdx_digest_parse(seq_b64, d), 0);
	expect_seq(d);

	memset(ff, '/', 64);	/* '/' = 63: all bits set */
	ff[64] = '\0';
	ck_assert_int_eq(tdx_digest_parse(ff, d), 0);
	ck_assert_uint_eq(d[0], 0xFF);
	ck_assert_uint_eq(d[47], 0xFF);
}
END_TEST

START_TEST(test_reject)
{
	uint8_t d[48], keep[48];
	char buf[160];

	memset(keep, 0x5A, sizeof(keep));
	memcpy(d, keep, sizeof(d));

	ck_assert_int_eq(tdx_digest_parse("", d), -EINVAL);
	ck_assert_int_eq(tdx_digest_parse("0x", d), -EINVAL);
	ck_assert_int_eq(tdx_digest_parse(NULL, d), -EINVAL);
	ck_assert_int_eq(tdx_digest_parse(seq_hex, NULL), -EINVAL);

	/* 95 and 97 hex digits */
	snprintf(buf, sizeof(buf), "%.95s", seq_hex);
	ck_assert_int_eq(tdx_digest_parse(buf, d), -EINVAL);
	snprintf(buf, sizeof(buf), "%s0", seq_hex);
	ck_assert_int_eq(tdx_digest_parse(buf, d), -EINVAL);
	/* a non-hex digit */
	snprintf(buf, sizeof(buf), "%s", seq_hex);
	buf[40] = 'g';
	ck_assert_int_eq(tdx_digest_parse(buf, d), -EINVAL);
	/* surrounding space */
	snprintf(buf, sizeof(buf), " %s", seq_hex);
	ck_assert_int_eq(tdx_digest_parse(buf, d), -EINVAL);
	snprintf(buf, sizeof(buf), "%s\n", seq_hex);
	ck_assert_int_eq(tdx_digest_parse(buf, d), -EINVAL);
	/* "0x" before base64 */
	snprintf(buf, sizeof(buf), "0x%s", seq_b64);
	ck_assert_int_eq(tdx_digest_parse(buf, d), -EINVAL);

	/* base64: short (a 32-byte SHA-256 digest), long, bad chars, padding */
	ck_assert_int_eq(tdx_digest_parse(
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", d), -EINVAL);
	snprintf(buf, sizeof(buf), "%sAAAA", seq_b64);
	ck_assert_int_eq(tdx_digest_parse(buf, d), -EINVAL);
	snprintf(buf, sizeof(buf), "%s", seq_b64);
	buf[10] = '-';	/* URL-safe alphabet is not accepted */
	ck_assert_int_eq(tdx_digest_parse(buf, d), -EINVAL);
	snprintf(buf, sizeof(buf), "%s", seq_b64);
	buf[63] = '=';
	ck_assert_int_eq(tdx_digest_parse(buf, d), -EINVAL);
	snprintf(buf, sizeof(buf), "%s==", seq_b64);
	ck_assert_int_eq(tdx_digest_parse(buf, d), -EINVAL);

	/* nothing written on failure */
	ck_assert_mem_eq(d, keep, sizeof(d));
}
END_TEST

static Suite *digest_suite(void)
{
	Suite *s = suite_create("digest");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_hex);
	tcase_add_test(tc, test_base64);
	tcase_add_test(tc, test_reject);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(digest_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
