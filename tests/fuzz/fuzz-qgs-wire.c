/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the QGS wire format (lib/qgs-wire.c).
 *
 * Input: a 24-byte control header, then payload bytes P.
 *   0  u8   chunk       streaming step (1 + chunk bytes per call)
 *   1  u8   capsel      receiver cap: 0 SIZE_MAX, 1 exact need, 2 need - 1,
 *                       3 below the prefix, else capraw
 *   2  u32  capraw
 *   6  u16  report_len  request round trip: report bytes (P, repeated)
 *   8  u8   req_flags   bit 0: report already in place; bit 1: cap short
 *   9  u8   capslack    extra cap bytes for the request buffer
 *  10  u8   resp_raw    response round trip: bit i set = field i raw
 *                       (0 prefix, 1 major, 2 type, 3 size, 4 error code,
 *                        5 selected id size, 6 quote size, 7 trailing byte)
 *  11  u8   errsel      error code (index into a table, or raw)
 *  12  u16  major/raw prefix low bits, 14 u32 type, 18 u32 other raw
 *  22  u16  quote_len   response quote bytes (from P)
 *
 * Three parts: (1) P as a received reply: tdx_qgs_resp_progress() fed
 * byte ranges of P in exact-size heap copies, checked for monotonic
 * progress and agreement with tdx_qgs_decode_get_quote_resp(); (2) a
 * GET_QUOTE_REQ encoded and read back field by field; (3) a GET_QUOTE_RESP
 * assembled from the fields, decoded, and the verdict (errno included)
 * compared with an independent model of the rules in qgs-wire.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "qgs-wire.h"

#include "fuzz.h"
#include "fuzz-input.h"

#define CTRL_LEN 24
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool valid_errno(int r)
{
	return r == 0 || r == -EMSGSIZE || r == -EPROTO || r == -EBADMSG;
}

/* (1) P as a reply arriving in pieces. */
static void stream(const uint8_t *p, size_t len, unsigned int chunk,
		   unsigned int capsel, uint32_t capraw)
{
	size_t cap, need = 0, first_need = 0, have;
	const char *why;
	int r, first_err = 0;
	bool done = false;

	/* The cap is chosen relative to what the prefix asks for. */
	need = len >= 4 ? 4 + (size_t)tdx_qgs_get_be32(p) : 4;
	switch (capsel) {
	case 0: cap = SIZE_MAX; break;
	case 1: cap = need; break;
	case 2: cap = need - 1; break;
	case 3: cap = capraw % 4; break;
	default: cap = capraw; break;
	}

	for (have = 0; !done; have += 1 + chunk) {
		uint8_t *b;
		size_t n = 0;

		if (have >= len) {
			have = len;
			done = true;
		}
		b = fuzz_dup(p, have);
		why = NULL;
		r = tdx_qgs_resp_progress(have ? b : NULL, have, cap, &n, &why);
		free(b);
		FUZZ_CHECK(valid_errno(r));
		if (r) {
			FUZZ_CHECK(why && *why);
			if (!first_err)
				first_err = r;
			continue;
		}
		/* once refused, a longer prefix of the same bytes is refused too */
		FUZZ_CHECK(!first_err);
		if (have < TDX_QGS_PREFIX_SIZE) {
			FUZZ_CHECK(n == TDX_QGS_PREFIX_SIZE);
		} else if (have < TDX_QGS_RESP_QUOTE_OFFSET) {
			FUZZ_CHECK(n == TDX_QGS_RESP_QUOTE_OFFSET);
		} else {
			FUZZ_CHECK(n == need);
			FUZZ_CHECK(n <= cap);
			FUZZ_CHECK(n >= TDX_QGS_RESP_QUOTE_OFFSET);
			if (first_need)
				FUZZ_CHECK(n == first_need);
			first_need = n;
			/* a complete reply (within the cap) always decodes */
			if (n <= have) {
				struct tdx_qgs_quote_resp q;
				uint8_t *c = fuzz_dup(p, n);

				r = tdx_qgs_decode_get_quote_resp(c, n, &q, &why);
				FUZZ_CHECK(r == 0);
				free(c);
			}
		}
	}

	/* The whole of P as one reply. */
	{
		struct tdx_qgs_quote_resp q;
		uint8_t *b = fuzz_dup(p, len);
		size_t n;

		why = NULL;
		r = tdx_qgs_decode_get_quote_resp(b, len, &q, &why);
		FUZZ_CHECK(r == 0 || r == -ENODATA || r == -EPROTO || r == -EBADMSG);
		if (r) {
			FUZZ_CHECK(why && *why);
		} else {
			FUZZ_CHECK(tdx_qgs_resp_progress(b, len, SIZE_MAX, &n, NULL) == 0);
			FUZZ_CHECK(n == len);
			FUZZ_CHECK(q.quote == b + TDX_QGS_RESP_QUOTE_OFFSET);
			FUZZ_CHECK(q.quote_offset == TDX_QGS_RESP_QUOTE_OFFSET);
			FUZZ_CHECK(q.quote_offset + q.quote_size == len);
			FUZZ_CHECK(q.selected_id_size == 0);
			FUZZ_CHECK(q.hdr.major == TDX_QGS_MAJOR_VERSION);
			FUZZ_CHECK(q.hdr.type == TDX_QGS_MSG_GET_QUOTE_RESP);
			FUZZ_CHECK(q.hdr.size == len - TDX_QGS_PREFIX_SIZE);
			FUZZ_CHECK(!q.hdr.error_code == !!q.quote_size);
			FUZZ_CHECK(tdx_qgs_error_name(q.hdr.error_code));
			fuzz_touch(q.quote, q.quote_size);
		}
		free(b);
	}
}

/* (2) Encode a GET_QUOTE_REQ and read it back. */
static void request(const uint8_t *p, size_t plen, size_t report_len,
		    unsigned int flags, unsigned int slack)
{
	size_t total = tdx_qgs_get_quote_req_len(report_len);
	size_t cap, got = 0;
	uint8_t *report, *buf;
	struct tdx_qgs_header h;
	int r;

	FUZZ_CHECK(total == TDX_QGS_PREFIX_SIZE + TDX_QGS_GET_QUOTE_REQ_FIXED + report_len);
	cap = (flags & 2) && total ? total - 1 - slack % total : total + slack;
	report = malloc(report_len ? report_len : 1);
	buf = malloc(cap ? cap : 1);
	if (!report || !buf)
		abort();
	for (size_t i = 0; i < report_len; i++)
		report[i] = plen ? p[i % plen] : (uint8_t)i;
	memset(buf, 0xa5, cap);
	if ((flags & 1) && cap >= total) {
		/* the documented in-place use: the report already sits at +28 */
		memcpy(buf + total - report_len, report, report_len);
		r = tdx_qgs_encode_get_quote_req(buf + total - report_len, report_len,
						 buf, cap, &got);
	} else {
		r = tdx_qgs_encode_get_quote_req(report, report_len, buf, cap, &got);
	}
	if (!report_len) {
		FUZZ_CHECK(r == -EINVAL);
	} else if (cap < total) {
		FUZZ_CHECK(r == -ENOBUFS);
	} else {
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(got == total);
		FUZZ_CHECK(tdx_qgs_get_be32(buf) == total - TDX_QGS_PREFIX_SIZE);
		tdx_qgs_header_get(buf + TDX_QGS_PREFIX_SIZE, &h);
		FUZZ_CHECK(h.major == TDX_QGS_MAJOR_VERSION);
		FUZZ_CHECK(h.minor == TDX_QGS_MINOR_VERSION);
		FUZZ_CHECK(h.type == TDX_QGS_MSG_GET_QUOTE_REQ);
		FUZZ_CHECK(h.size == total - TDX_QGS_PREFIX_SIZE);
		FUZZ_CHECK(h.error_code == 0);
		FUZZ_CHECK(tdx_qgs_get_le32(buf + TDX_QGS_PREFIX_SIZE + 16) == report_len);
		FUZZ_CHECK(tdx_qgs_get_le32(buf + TDX_QGS_PREFIX_SIZE + 20) == 0);
		FUZZ_CHECK(!memcmp(buf + total - report_len, report, report_len));
		for (size_t i = total; i < cap; i++)
			FUZZ_CHECK(buf[i] == 0xa5);	/* nothing written past the message */
		/* a request is never mistaken for a reply */
		FUZZ_CHECK(tdx_qgs_resp_progress(buf, total, SIZE_MAX, &got, NULL) < 0);
	}
	free(report);
	free(buf);
}

/* The expected errno of decoding b[0..len), from qgs-wire.h's rules. */
static int model_decode(const uint8_t *b, size_t len)
{
	uint32_t pfx, err;

	if (len < TDX_QGS_RESP_QUOTE_OFFSET)
		return -ENODATA;
	pfx = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	b += 4;
#define LE16(o) ((uint32_t)b[o] | (uint32_t)b[(o) + 1] << 8)
#define LE32(o) (LE16(o) | LE16((o) + 2) << 16)
	if (pfx < 24)
		return -EBADMSG;
	if (LE16(0) != 1 || LE32(4) != 1)
		return -EPROTO;
	err = LE32(12);
	if (LE32(8) != pfx || (err && (err <= 0x12000 || err >= 0x12008)))
		return -EBADMSG;
	if (LE32(16) != 0 || LE32(20) != pfx - 24 || !err != !!(pfx - 24))
		return -EBADMSG;
#undef LE32
#undef LE16
	if (4 + (size_t)pfx > len)
		return -ENODATA;
	if (4 + (size_t)pfx < len)
		return -EBADMSG;
	return 0;
}

/* (3) A reply assembled from fields, mostly consistent. */
static void response(const uint8_t *p, size_t plen, struct fuzz_in *ctl)
{
	static const uint32_t codes[] = {
		0, 0x12001, 0x12002, 0x12003, 0x12004, 0x12005, 0x12006,
		0x12007, 0x12008, 0x12000, 0xffffffff,
	};
	unsigned int raw = fuzz_u8(ctl), errsel = fuzz_u8(ctl);
	uint16_t r16 = fuzz_u16(ctl);
	uint32_t rtype = fuzz_u32(ctl), rother = fuzz_u32(ctl);
	size_t qlen = fuzz_u16(ctl) % (plen + 1);
	struct tdx_qgs_header h, back;
	struct tdx_qgs_quote_resp q;
	uint32_t code = errsel < 2 * ARRAY_SIZE(codes) ?
			codes[errsel % ARRAY_SIZE(codes)] : rother;
	size_t len;
	uint8_t *b;
	uint32_t pfx;
	int r, want;

	if (code && !(raw & (1 << 6)))
		qlen = 0;			/* a consistent error reply is empty */
	else if (!code && !qlen && !(raw & (1 << 6)))
		qlen = plen ? 1 : 0;
	len = TDX_QGS_RESP_QUOTE_OFFSET + qlen + !!(raw & (1 << 7));
	b = calloc(1, len);
	if (!b)
		abort();
	pfx = raw & 1 ? r16 : (uint32_t)(len - TDX_QGS_PREFIX_SIZE - !!(raw & (1 << 7)));
	tdx_qgs_put_be32(b, pfx);
	h.major = raw & 2 ? (uint16_t)r16 : TDX_QGS_MAJOR_VERSION;
	h.minor = (uint16_t)(rother >> 16);
	h.type = raw & 4 ? rtype : TDX_QGS_MSG_GET_QUOTE_RESP;
	h.size = raw & 8 ? rother : pfx;
	h.error_code = raw & 16 ? rtype ^ rother : code;
	tdx_qgs_header_put(b + TDX_QGS_PREFIX_SIZE, &h);
	tdx_qgs_header_get(b + TDX_QGS_PREFIX_SIZE, &back);
	FUZZ_CHECK(!memcmp(&h, &back, sizeof(h)));
	tdx_qgs_put_le32(b + TDX_QGS_PREFIX_SIZE + 16, raw & 32 ? rother : 0);
	tdx_qgs_put_le32(b + TDX_QGS_PREFIX_SIZE + 20,
			 raw & 64 ? rtype : (uint32_t)qlen);
	if (qlen)
		memcpy(b + TDX_QGS_RESP_QUOTE_OFFSET, p, qlen);
	if (raw & (1 << 7))
		b[len - 1] = (uint8_t)rother;

	want = model_decode(b, len);
	r = tdx_qgs_decode_get_quote_resp(b, len, &q, NULL);
	if (r != want) {
		fprintf(stderr, "decode %d, model %d (len %zu)\n", r, want, len);
		abort();
	}
	if (!r) {
		FUZZ_CHECK(q.quote_size == qlen);
		FUZZ_CHECK(!memcmp(&q.hdr, &h, sizeof(h)));
		FUZZ_CHECK(q.quote == b + TDX_QGS_RESP_QUOTE_OFFSET);
	}
	/* the name table agrees with the range rule */
	FUZZ_CHECK(!tdx_qgs_error_name(h.error_code) ==
		   (h.error_code && (h.error_code <= 0x12000 || h.error_code >= 0x12008)));
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in ctl = { data, size < CTRL_LEN ? size : CTRL_LEN };
	const uint8_t *p = data + ctl.n;
	size_t plen = size - ctl.n;
	unsigned int chunk = fuzz_u8(&ctl), capsel = fuzz_u8(&ctl);
	uint32_t capraw = fuzz_u32(&ctl);
	size_t report_len = fuzz_u16(&ctl);
	unsigned int req_flags = fuzz_u8(&ctl), slack = fuzz_u8(&ctl);
	uint8_t le[4];

	stream(p, plen, chunk, capsel, capraw);
	request(p, plen, report_len, req_flags, slack);
	response(p, plen, &ctl);

	/* byte-order helpers round-trip */
	tdx_qgs_put_be32(le, capraw);
	FUZZ_CHECK(tdx_qgs_get_be32(le) == capraw);
	tdx_qgs_put_le32(le, capraw);
	FUZZ_CHECK(tdx_qgs_get_le32(le) == capraw && le[0] == (uint8_t)capraw);
	tdx_qgs_put_le16(le, (uint16_t)capraw);
	FUZZ_CHECK(tdx_qgs_get_le16(le) == (uint16_t)capraw);
	FUZZ_CHECK(tdx_qgs_get_quote_req_len((size_t)UINT32_MAX) == 0);
	return 0;
}
