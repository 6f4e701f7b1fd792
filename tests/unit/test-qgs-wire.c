/* SPDX-License-Identifier: MIT */
/* Unit tests: QGS wire format (lib/qgs-wire.c), byte-exact against
 * the QGS message layout (Intel DCAP qgs_msg_lib: qgs_msg_lib.h, and QEMU's
 * target/i386/kvm/tdx-quote-generator.c). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qgs-wire.h"

/* Build a framed GET_QUOTE_RESP: prefix, header, sel, qsz, quote. */
static size_t mk_resp(uint8_t *b, uint32_t prefix, uint16_t major,
		      uint16_t minor, uint32_t type, uint32_t size,
		      uint32_t err, uint32_t sel, uint32_t qsz,
		      size_t quote_bytes)
{
	size_t i;

	tdx_qgs_put_be32(b, prefix);
	tdx_qgs_put_le16(b + 4, major);
	tdx_qgs_put_le16(b + 6, minor);
	tdx_qgs_put_le32(b + 8, type);
	tdx_qgs_put_le32(b + 12, size);
	tdx_qgs_put_le32(b + 16, err);
	tdx_qgs_put_le32(b + 20, sel);
	tdx_qgs_put_le32(b + 24, qsz);
	for (i = 0; i < quote_bytes; i++)
		b[28 + i] = (uint8_t)(0xA0 + i);
	return 28 + quote_bytes;
}

static size_t mk_ok(uint8_t *b, uint32_t q)
{
	return mk_resp(b, 24 + q, 1, 1, 1, 24 + q, 0, 0, q, q);
}

START_TEST(test_encode_worked_example)
{
	/* Doc 9.3: 1024-byte TDREPORT -> L = 1048, 1052 bytes on the wire. */
	static const uint8_t head[28] = {
		0x00, 0x00, 0x04, 0x18,
		0x01, 0x00, 0x01, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x18, 0x04, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x00, 0x04, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
	};
	uint8_t report[1024], buf[1100];
	size_t len = 0, i;

	for (i = 0; i < sizeof(report); i++)
		report[i] = (uint8_t)i;
	report[0] = 0x81;
	ck_assert_uint_eq(tdx_qgs_get_quote_req_len(1024), 1052);
	ck_assert_int_eq(tdx_qgs_encode_get_quote_req(report, 1024, buf, sizeof(buf), &len), 0);
	ck_assert_uint_eq(len, 1052);
	ck_assert_mem_eq(buf, head, sizeof(head));
	ck_assert_uint_eq(buf[28], 0x81);
	ck_assert_mem_eq(buf + 28, report, 1024);
}
END_TEST

START_TEST(test_encode_in_place_and_errors)
{
	uint8_t buf[64], rep[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t len = 99;

	memcpy(buf + 28, rep, 8);
	ck_assert_int_eq(tdx_qgs_encode_get_quote_req(buf + 28, 8, buf, 36, &len), 0);
	ck_assert_uint_eq(len, 36);
	ck_assert_uint_eq(tdx_qgs_get_be32(buf), 32);
	ck_assert_uint_eq(tdx_qgs_get_le32(buf + 12), 32);	/* header.size */
	ck_assert_uint_eq(tdx_qgs_get_le32(buf + 20), 8);	/* report_size */
	ck_assert_mem_eq(buf + 28, rep, 8);

	len = 99;
	ck_assert_int_eq(tdx_qgs_encode_get_quote_req(rep, 0, buf, sizeof(buf), &len), -EINVAL);
	ck_assert_int_eq(tdx_qgs_encode_get_quote_req(rep, 8, buf, 35, &len), -ENOBUFS);
	ck_assert_int_eq(tdx_qgs_encode_get_quote_req(NULL, 8, buf, 64, &len), -EINVAL);
	ck_assert_int_eq(tdx_qgs_encode_get_quote_req(rep, 8, NULL, 64, &len), -EINVAL);
	ck_assert_uint_eq(len, 99);	/* untouched on failure */
	ck_assert_uint_eq(tdx_qgs_get_quote_req_len((size_t)UINT32_MAX), 0);
}
END_TEST

START_TEST(test_header_roundtrip_and_endianness)
{
	struct tdx_qgs_header h = { 0x0102, 0x0304, 0x05060708, 0x090A0B0C, 0x0D0E0F10 }, g;
	static const uint8_t want[16] = {
		0x02, 0x01, 0x04, 0x03, 0x08, 0x07, 0x06, 0x05,
		0x0C, 0x0B, 0x0A, 0x09, 0x10, 0x0F, 0x0E, 0x0D,
	};
	uint8_t b[16];

	tdx_qgs_header_put(b, &h);
	ck_assert_mem_eq(b, want, 16);
	tdx_qgs_header_get(b, &g);
	ck_assert_mem_eq(&g, &h, sizeof(h));
	tdx_qgs_put_be32(b, 0x81000000u);
	ck_assert_uint_eq(b[0], 0x81);
	ck_assert_uint_eq(tdx_qgs_get_be32(b), 0x81000000u);
}
END_TEST

START_TEST(test_decode_success)
{
	static const uint8_t wire[] = {
		0x00, 0x00, 0x00, 0x1B,			/* L = 27 */
		0x01, 0x00, 0x01, 0x00,			/* 1.1 */
		0x01, 0x00, 0x00, 0x00,			/* GET_QUOTE_RESP */
		0x1B, 0x00, 0x00, 0x00,			/* size 27 */
		0x00, 0x00, 0x00, 0x00,			/* success */
		0x00, 0x00, 0x00, 0x00,			/* selected_id_size */
		0x03, 0x00, 0x00, 0x00,			/* quote_size 3 */
		0xAA, 0xBB, 0xCC,
	};
	struct tdx_qgs_quote_resp r;

	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(wire, sizeof(wire), &r, NULL), 0);
	ck_assert_uint_eq(r.hdr.error_code, 0);
	ck_assert_uint_eq(r.quote_size, 3);
	ck_assert_uint_eq(r.quote_offset, 28);
	ck_assert_ptr_eq(r.quote, wire + 28);
	ck_assert_uint_eq(r.quote[2], 0xCC);
}
END_TEST

START_TEST(test_decode_error_codes)
{
	static const uint8_t wire[] = {
		0x00, 0x00, 0x00, 0x18,
		0x01, 0x00, 0x01, 0x00,
		0x01, 0x00, 0x00, 0x00,
		0x18, 0x00, 0x00, 0x00,
		0x01, 0x20, 0x01, 0x00,			/* 0x12001 */
		0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
	};
	static const char *const names[] = {
		"QGS_MSG_ERROR_UNEXPECTED", "QGS_MSG_ERROR_OUT_OF_MEMORY",
		"QGS_MSG_ERROR_INVALID_PARAMETER", "QGS_MSG_ERROR_INVALID_VERSION",
		"QGS_MSG_ERROR_INVALID_TYPE", "QGS_MSG_ERROR_INVALID_SIZE",
		"QGS_MSG_ERROR_INVALID_CODE",
	};
	struct tdx_qgs_quote_resp r;
	uint8_t b[64];
	const char *why;
	uint32_t code;

	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(wire, sizeof(wire), &r, NULL), 0);
	ck_assert_uint_eq(r.hdr.error_code, TDX_QGS_ERROR_UNEXPECTED);
	ck_assert_uint_eq(r.quote_size, 0);

	for (code = 0x12001; code <= 0x12007; code++) {
		size_t n = mk_resp(b, 24, 1, 1, 1, 24, code, 0, 0, 0);

		ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, n, &r, NULL), 0);
		ck_assert_uint_eq(r.hdr.error_code, code);
		ck_assert_str_eq(tdx_qgs_error_name(code), names[code - 0x12001]);
	}
	ck_assert_str_eq(tdx_qgs_error_name(0), "QGS_MSG_SUCCESS");
	ck_assert_ptr_null(tdx_qgs_error_name(0x12008));
	ck_assert_ptr_null(tdx_qgs_error_name(5));
	/* out of range codes */
	mk_resp(b, 24, 1, 1, 1, 24, 0x12008, 0, 0, 0);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 28, &r, &why), -EBADMSG);
	mk_resp(b, 24, 1, 1, 1, 24, 5, 0, 0, 0);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 28, &r, &why), -EBADMSG);
	/* an error reply must not carry a quote */
	mk_resp(b, 28, 1, 1, 1, 28, 0x12001, 0, 4, 4);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 32, &r, &why), -EBADMSG);
	/* a success reply must carry one */
	mk_resp(b, 24, 1, 1, 1, 24, 0, 0, 0, 0);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 28, &r, &why), -EBADMSG);
}
END_TEST

START_TEST(test_decode_versions_and_types)
{
	struct tdx_qgs_quote_resp r;
	uint8_t b[64];
	const char *why = NULL;

	/* minor 0 and minor 7 accepted (documented choice), major 0/2 not */
	mk_resp(b, 28, 1, 0, 1, 28, 0, 0, 4, 4);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 32, &r, NULL), 0);
	mk_resp(b, 28, 1, 7, 1, 28, 0, 0, 4, 4);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 32, &r, NULL), 0);
	mk_resp(b, 28, 2, 1, 1, 28, 0, 0, 4, 4);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 32, &r, &why), -EPROTO);
	ck_assert_ptr_nonnull(why);
	mk_resp(b, 28, 0, 1, 1, 28, 0, 0, 4, 4);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 32, &r, NULL), -EPROTO);
	mk_resp(b, 28, 1, 1, 0, 28, 0, 0, 4, 4);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 32, &r, NULL), -EPROTO);
	mk_resp(b, 28, 1, 1, 3, 28, 0, 0, 4, 4);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 32, &r, NULL), -EPROTO);
}
END_TEST

START_TEST(test_decode_sizes)
{
	struct tdx_qgs_quote_resp r;
	uint8_t b[128];
	size_t n;

	/* header.size larger / smaller than the prefix */
	mk_resp(b, 28, 1, 1, 1, 29, 0, 0, 4, 4);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 32, &r, NULL), -EBADMSG);
	mk_resp(b, 28, 1, 1, 1, 27, 0, 0, 4, 4);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 32, &r, NULL), -EBADMSG);
	/* selected id present */
	mk_resp(b, 44, 1, 1, 1, 44, 0, 16, 4, 20);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 48, &r, NULL), -EBADMSG);
	/* quote_size != L - 24 */
	mk_resp(b, 28, 1, 1, 1, 28, 0, 0, 3, 4);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 32, &r, NULL), -EBADMSG);
	mk_resp(b, 28, 1, 1, 1, 28, 0, 0, 5, 4);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 32, &r, NULL), -EBADMSG);
	/* prefix below 24 (0 and 16) */
	mk_resp(b, 0, 1, 1, 1, 0, 0, 0, 0, 0);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 28, &r, NULL), -EBADMSG);
	mk_resp(b, 16, 1, 1, 1, 16, 0, 0, 0, 0);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 28, &r, NULL), -EBADMSG);
	/* truncated: short of the body, short of the quote */
	n = mk_ok(b, 10);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, 27, &r, NULL), -ENODATA);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, n - 1, &r, NULL), -ENODATA);
	/* trailing byte */
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, n + 1, &r, NULL), -EBADMSG);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(b, n, &r, NULL), 0);
	ck_assert_int_eq(tdx_qgs_decode_get_quote_resp(NULL, n, &r, NULL), -EINVAL);
}
END_TEST

START_TEST(test_progress_streaming)
{
	uint8_t b[128];
	size_t n = mk_ok(b, 40), i, need = 0;

	/* byte by byte: 4 until the prefix, 28 until the body, then all */
	for (i = 0; i <= n; i++) {
		ck_assert_int_eq(tdx_qgs_resp_progress(b, i, 4096, &need, NULL), 0);
		if (i < 4)
			ck_assert_uint_eq(need, 4);
		else if (i < 28)
			ck_assert_uint_eq(need, 28);
		else
			ck_assert_uint_eq(need, n);
	}
	/* exactly fits the capacity, one byte less capacity does not */
	ck_assert_int_eq(tdx_qgs_resp_progress(b, 4, n, &need, NULL), 0);
	ck_assert_int_eq(tdx_qgs_resp_progress(b, 4, n - 1, &need, NULL), -EMSGSIZE);
}
END_TEST

/* Nothing received yet: NULL is allowed (found by fuzz-qgs-wire: the body
 * pointer used to be computed from the NULL buffer, undefined behaviour). */
START_TEST(test_progress_nothing_yet)
{
	const char *why = NULL;
	size_t need = 0;

	ck_assert_int_eq(tdx_qgs_resp_progress(NULL, 0, 4096, &need, &why), 0);
	ck_assert_uint_eq(need, 4);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(tdx_qgs_resp_progress(NULL, 0, 0, &need, NULL), 0);
	ck_assert_uint_eq(need, 4);
	ck_assert_int_eq(tdx_qgs_resp_progress(NULL, 1, 4096, &need, &why), -EINVAL);
}
END_TEST

START_TEST(test_progress_early_rejection)
{
	uint8_t b[64];
	const char *why = NULL;
	size_t need = 0;

	/* huge prefix refused after 4 bytes, before anything is allocated */
	tdx_qgs_put_be32(b, 0xFFFFFFFFu);
	ck_assert_int_eq(tdx_qgs_resp_progress(b, 4, 8192 - 24, &need, &why), -EMSGSIZE);
	ck_assert_ptr_nonnull(why);
	/* prefix = cap - 3 (one byte over: prefix + L > cap) */
	tdx_qgs_put_be32(b, 8168 - 3);
	ck_assert_int_eq(tdx_qgs_resp_progress(b, 4, 8168, &need, NULL), -EMSGSIZE);
	tdx_qgs_put_be32(b, 8168 - 4);
	ck_assert_int_eq(tdx_qgs_resp_progress(b, 4, 8168, &need, NULL), 0);
	ck_assert_uint_eq(need, 28);
	/* "old QGS" case in reverse: a raw report's 0x81 read as a length */
	tdx_qgs_put_be32(b, 0x81000000u);
	ck_assert_int_eq(tdx_qgs_resp_progress(b, 4, 131072, &need, NULL), -EMSGSIZE);
	/* prefix 0 */
	tdx_qgs_put_be32(b, 0);
	ck_assert_int_eq(tdx_qgs_resp_progress(b, 4, 131072, &need, NULL), -EBADMSG);
	/* wrong type seen after 20 bytes, before the body */
	mk_resp(b, 28, 1, 1, 2, 28, 0, 0, 4, 4);
	ck_assert_int_eq(tdx_qgs_resp_progress(b, 20, 4096, &need, NULL), -EPROTO);
	ck_assert_int_eq(tdx_qgs_resp_progress(b, 19, 4096, &need, NULL), 0);
	ck_assert_int_eq(tdx_qgs_resp_progress(NULL, 0, 4096, NULL, NULL), -EINVAL);
}
END_TEST

static Suite *wire_suite(void)
{
	Suite *s = suite_create("qgs-wire");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_encode_worked_example);
	tcase_add_test(tc, test_encode_in_place_and_errors);
	tcase_add_test(tc, test_header_roundtrip_and_endianness);
	tcase_add_test(tc, test_decode_success);
	tcase_add_test(tc, test_decode_error_codes);
	tcase_add_test(tc, test_decode_versions_and_types);
	tcase_add_test(tc, test_decode_sizes);
	tcase_add_test(tc, test_progress_streaming);
	tcase_add_test(tc, test_progress_nothing_yet);
	tcase_add_test(tc, test_progress_early_rejection);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wire_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
