/* SPDX-License-Identifier: MIT */
/*
 * QGS (Intel Quote Generation Service) wire format: pure encode/decode, no
 * I/O, no allocation.  Never installed.
 *
 * On the wire: a 4-byte BIG-endian length L, then one message of L bytes.
 * Every field inside the message is little-endian (packed C structs on x86):
 *
 *   header (16)      major u16 | minor u16 | type u32 | size u32 | error_code u32
 *   GET_QUOTE_REQ    header | report_size u32 | id_list_size u32 | report | id list
 *   GET_QUOTE_RESP   header | selected_id_size u32 | quote_size u32 | id | quote
 *
 * header.size counts the whole message (header included) and equals L.
 */
#ifndef LIBTDX_QGS_WIRE_H
#define LIBTDX_QGS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define TDX_QGS_PREFIX_SIZE		4u
#define TDX_QGS_HEADER_SIZE		16u
#define TDX_QGS_GET_QUOTE_REQ_FIXED	24u	/* header + two u32 */
#define TDX_QGS_GET_QUOTE_RESP_FIXED	24u
/* Bytes in front of the quote in a framed success reply: prefix + 24. */
#define TDX_QGS_RESP_QUOTE_OFFSET	(TDX_QGS_PREFIX_SIZE + TDX_QGS_GET_QUOTE_RESP_FIXED)

#define TDX_QGS_MAJOR_VERSION		1u
#define TDX_QGS_MINOR_VERSION		1u

/* Message types (qgs_msg_type_t). */
#define TDX_QGS_MSG_GET_QUOTE_REQ		0u
#define TDX_QGS_MSG_GET_QUOTE_RESP		1u
#define TDX_QGS_MSG_GET_COLLATERAL_REQ		2u
#define TDX_QGS_MSG_GET_COLLATERAL_RESP		3u
#define TDX_QGS_MSG_GET_PLATFORM_INFO_REQ	4u
#define TDX_QGS_MSG_GET_PLATFORM_INFO_RESP	5u
#define TDX_QGS_MSG_GET_QUOTE_MIG_REQ		6u
#define TDX_QGS_MSG_TYPE_MAX			7u

/* Error codes: QGS_MSG_MK_ERROR(x) = 0x12000 | x. */
#define TDX_QGS_SUCCESS				0x00000u
#define TDX_QGS_ERROR_UNEXPECTED		0x12001u
#define TDX_QGS_ERROR_OUT_OF_MEMORY		0x12002u
#define TDX_QGS_ERROR_INVALID_PARAMETER		0x12003u
#define TDX_QGS_ERROR_INVALID_VERSION		0x12004u
#define TDX_QGS_ERROR_INVALID_TYPE		0x12005u
#define TDX_QGS_ERROR_INVALID_SIZE		0x12006u
#define TDX_QGS_ERROR_INVALID_CODE		0x12007u
#define TDX_QGS_ERROR_MAX			0x12008u

struct tdx_qgs_header {
	uint16_t major;
	uint16_t minor;
	uint32_t type;
	uint32_t size;
	uint32_t error_code;
};

/* A decoded GET_QUOTE_RESP.  quote points into the decoded buffer. */
struct tdx_qgs_quote_resp {
	struct tdx_qgs_header hdr;
	uint32_t selected_id_size;
	uint32_t quote_size;
	const uint8_t *quote;
	size_t quote_offset;	/* from the start of the buffer (prefix included) */
};

/* Little- and big-endian field access on unaligned bytes. */
uint32_t tdx_qgs_get_be32(const uint8_t *p);
void tdx_qgs_put_be32(uint8_t *p, uint32_t v);
uint16_t tdx_qgs_get_le16(const uint8_t *p);
uint32_t tdx_qgs_get_le32(const uint8_t *p);
void tdx_qgs_put_le16(uint8_t *p, uint16_t v);
void tdx_qgs_put_le32(uint8_t *p, uint32_t v);

/* 16-byte header at p. */
void tdx_qgs_header_put(uint8_t *p, const struct tdx_qgs_header *h);
void tdx_qgs_header_get(const uint8_t *p, struct tdx_qgs_header *h);

/* Name of a QGS error code ("QGS_MSG_ERROR_UNEXPECTED"), or NULL. */
const char *tdx_qgs_error_name(uint32_t code);

/*
 * Bytes a framed GET_QUOTE_REQ with a report of report_len bytes and no id
 * list takes on the wire (prefix included); 0 if it would not fit a u32.
 */
size_t tdx_qgs_get_quote_req_len(size_t report_len);

/*
 * Encode prefix + GET_QUOTE_REQ (version 1.1, error_code 0, no id list)
 * into buf.  report may alias buf + 28 (the report is then left in place).
 *
 * Return: 0 with *ret_len = bytes written; -EINVAL (report_len 0, NULL
 * buf/report, over-long report); -ENOBUFS (cap too small).
 */
int tdx_qgs_encode_get_quote_req(const void *report, size_t report_len,
				 uint8_t *buf, size_t cap, size_t *ret_len);

/*
 * Streaming check of a framed GET_QUOTE_RESP as bytes arrive: buf holds the
 * first have bytes of the reply (prefix included); cap is the most the
 * receiver accepts in total (prefix included).  Each field is checked as
 * soon as it has arrived, so a bad length is refused after 4 bytes.
 *
 * Return: 0 with *ret_need = total bytes the reply has (> have: read more;
 * == have: complete; before 4 bytes: 4, before 28: 28); or
 *   -EMSGSIZE  prefix larger than cap allows,
 *   -EPROTO    major version not 1, or type not GET_QUOTE_RESP,
 *   -EBADMSG   any inconsistency (prefix below 24, header.size != prefix,
 *              selected id present, quote_size != prefix - 24, error code
 *              out of range, error reply with a body, success without quote),
 * with *ret_why (may be NULL) set to a static description.
 */
int tdx_qgs_resp_progress(const uint8_t *buf, size_t have, size_t cap,
			  size_t *ret_need, const char **ret_why);

/*
 * Decode a complete framed GET_QUOTE_RESP of exactly len bytes (prefix
 * included; trailing bytes are an error).  An error reply (error_code != 0,
 * sizes 0) decodes successfully: check ret->hdr.error_code.
 *
 * Return: 0; -ENODATA (len shorter than the prefix says, or < 28);
 * -EPROTO, -EBADMSG as for tdx_qgs_resp_progress(); -EBADMSG also for
 * trailing bytes.  (No capacity limit applies here: bound the reply while
 * receiving it, with tdx_qgs_resp_progress().)
 */
int tdx_qgs_decode_get_quote_resp(const uint8_t *buf, size_t len,
				  struct tdx_qgs_quote_resp *ret,
				  const char **ret_why);

#endif /* LIBTDX_QGS_WIRE_H */
