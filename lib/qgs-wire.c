/* SPDX-License-Identifier: MIT */
/*
 * QGS message framing: encode GET_QUOTE_REQ, check and decode
 * GET_QUOTE_RESP.  Pure functions; layouts in qgs-wire.h.
 *
 * Decoding is stricter than QEMU in one place and looser in another:
 * header.size must EQUAL the length prefix (QEMU accepts smaller), and any
 * minor version is accepted with major 1 (QEMU requires 1.1; the QGS
 * library itself treats minor changes as compatible and answers with its
 * own minor).
 */
#include <errno.h>
#include <string.h>

#include "qgs-wire.h"

uint32_t tdx_qgs_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void tdx_qgs_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

uint16_t tdx_qgs_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t tdx_qgs_get_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

void tdx_qgs_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

void tdx_qgs_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

void tdx_qgs_header_put(uint8_t *p, const struct tdx_qgs_header *h)
{
	tdx_qgs_put_le16(p + 0, h->major);
	tdx_qgs_put_le16(p + 2, h->minor);
	tdx_qgs_put_le32(p + 4, h->type);
	tdx_qgs_put_le32(p + 8, h->size);
	tdx_qgs_put_le32(p + 12, h->error_code);
}

void tdx_qgs_header_get(const uint8_t *p, struct tdx_qgs_header *h)
{
	h->major = tdx_qgs_get_le16(p + 0);
	h->minor = tdx_qgs_get_le16(p + 2);
	h->type = tdx_qgs_get_le32(p + 4);
	h->size = tdx_qgs_get_le32(p + 8);
	h->error_code = tdx_qgs_get_le32(p + 12);
}

const char *tdx_qgs_error_name(uint32_t code)
{
	static const char *const names[] = {
		"QGS_MSG_SUCCESS",
		"QGS_MSG_ERROR_UNEXPECTED",
		"QGS_MSG_ERROR_OUT_OF_MEMORY",
		"QGS_MSG_ERROR_INVALID_PARAMETER",
		"QGS_MSG_ERROR_INVALID_VERSION",
		"QGS_MSG_ERROR_INVALID_TYPE",
		"QGS_MSG_ERROR_INVALID_SIZE",
		"QGS_MSG_ERROR_INVALID_CODE",
	};

	if (code == TDX_QGS_SUCCESS)
		return names[0];
	if (code > 0x12000u && code < TDX_QGS_ERROR_MAX)
		return names[code - 0x12000u];
	return NULL;
}

size_t tdx_qgs_get_quote_req_len(size_t report_len)
{
	if (report_len > UINT32_MAX - TDX_QGS_GET_QUOTE_REQ_FIXED)
		return 0;
	return TDX_QGS_PREFIX_SIZE + TDX_QGS_GET_QUOTE_REQ_FIXED + report_len;
}

int tdx_qgs_encode_get_quote_req(const void *report, size_t report_len,
				 uint8_t *buf, size_t cap, size_t *ret_len)
{
	struct tdx_qgs_header h;
	size_t total;
	uint8_t *body;

	if (!buf || !report || !report_len || !ret_len)
		return -EINVAL;
	total = tdx_qgs_get_quote_req_len(report_len);
	if (!total)
		return -EINVAL;
	if (cap < total)
		return -ENOBUFS;

	body = buf + TDX_QGS_PREFIX_SIZE + TDX_QGS_GET_QUOTE_REQ_FIXED;
	if ((const uint8_t *)report != body)
		memmove(body, report, report_len);
	tdx_qgs_put_be32(buf, (uint32_t)(total - TDX_QGS_PREFIX_SIZE));
	h.major = TDX_QGS_MAJOR_VERSION;
	h.minor = TDX_QGS_MINOR_VERSION;
	h.type = TDX_QGS_MSG_GET_QUOTE_REQ;
	h.size = (uint32_t)(total - TDX_QGS_PREFIX_SIZE);
	h.error_code = 0;
	tdx_qgs_header_put(buf + TDX_QGS_PREFIX_SIZE, &h);
	tdx_qgs_put_le32(buf + TDX_QGS_PREFIX_SIZE + 16, (uint32_t)report_len);
	tdx_qgs_put_le32(buf + TDX_QGS_PREFIX_SIZE + 20, 0);	/* id_list_size */
	*ret_len = total;
	return 0;
}

static int why(const char **ret_why, const char *msg, int err)
{
	if (ret_why)
		*ret_why = msg;
	return err;
}

int tdx_qgs_resp_progress(const uint8_t *buf, size_t have, size_t cap,
			  size_t *ret_need, const char **ret_why)
{
	const uint8_t *m;
	struct tdx_qgs_header h;
	uint32_t len, sel, qsz;

	if (!ret_need || (have && !buf))
		return why(ret_why, "invalid arguments", -EINVAL);
	if (have < TDX_QGS_PREFIX_SIZE) {
		*ret_need = TDX_QGS_PREFIX_SIZE;
		return 0;
	}
	m = buf + TDX_QGS_PREFIX_SIZE;	/* not before: buf may be NULL when have is 0 */
	len = tdx_qgs_get_be32(buf);
	if (len < TDX_QGS_GET_QUOTE_RESP_FIXED)
		return why(ret_why, "length prefix shorter than a GET_QUOTE_RESP", -EBADMSG);
	if (cap < TDX_QGS_PREFIX_SIZE || len > cap - TDX_QGS_PREFIX_SIZE)
		return why(ret_why, "reply larger than the guest buffer can take", -EMSGSIZE);

	if (have >= TDX_QGS_PREFIX_SIZE + TDX_QGS_HEADER_SIZE) {
		tdx_qgs_header_get(m, &h);
		if (h.major != TDX_QGS_MAJOR_VERSION)
			return why(ret_why, "unsupported major version", -EPROTO);
		if (h.type != TDX_QGS_MSG_GET_QUOTE_RESP)
			return why(ret_why, "message type is not GET_QUOTE_RESP", -EPROTO);
		if (h.size != len)
			return why(ret_why, "header size differs from the length prefix", -EBADMSG);
		if (h.error_code >= TDX_QGS_ERROR_MAX ||
		    (h.error_code && h.error_code <= 0x12000u))
			return why(ret_why, "error code out of range", -EBADMSG);
	}
	if (have >= TDX_QGS_RESP_QUOTE_OFFSET) {
		tdx_qgs_header_get(m, &h);
		sel = tdx_qgs_get_le32(m + 16);
		qsz = tdx_qgs_get_le32(m + 20);
		if (sel != 0)
			return why(ret_why, "unexpected selected attestation-key id", -EBADMSG);
		if (qsz != len - TDX_QGS_GET_QUOTE_RESP_FIXED)
			return why(ret_why, "quote size differs from the message size", -EBADMSG);
		if (h.error_code && qsz)
			return why(ret_why, "error reply carries a quote", -EBADMSG);
		if (!h.error_code && !qsz)
			return why(ret_why, "success reply without a quote", -EBADMSG);
	} else {
		*ret_need = TDX_QGS_RESP_QUOTE_OFFSET;
		return 0;
	}
	*ret_need = (size_t)TDX_QGS_PREFIX_SIZE + len;
	return 0;
}

int tdx_qgs_decode_get_quote_resp(const uint8_t *buf, size_t len,
				  struct tdx_qgs_quote_resp *ret,
				  const char **ret_why)
{
	size_t need;
	int r;

	if (!buf || !ret)
		return why(ret_why, "invalid arguments", -EINVAL);
	if (len < TDX_QGS_RESP_QUOTE_OFFSET)
		return why(ret_why, "reply truncated before the GET_QUOTE_RESP body", -ENODATA);
	r = tdx_qgs_resp_progress(buf, len, SIZE_MAX, &need, ret_why);
	if (r)
		return r;
	if (need > len)
		return why(ret_why, "reply truncated", -ENODATA);
	if (need < len)
		return why(ret_why, "trailing bytes after the reply", -EBADMSG);
	tdx_qgs_header_get(buf + TDX_QGS_PREFIX_SIZE, &ret->hdr);
	ret->selected_id_size = tdx_qgs_get_le32(buf + TDX_QGS_PREFIX_SIZE + 16);
	ret->quote_size = tdx_qgs_get_le32(buf + TDX_QGS_PREFIX_SIZE + 20);
	ret->quote_offset = TDX_QGS_RESP_QUOTE_OFFSET;
	ret->quote = buf + TDX_QGS_RESP_QUOTE_OFFSET;
	return 0;
}
