/* SPDX-License-Identifier: MIT */
/* MRTD prediction: replay a launch plan into SHA-384 (OpenSSL libcrypto). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "plan-internal.h"
#include "libtdx/measure.h"

#define PAGE		((uint64_t)TDX_PLAN_PAGE_SIZE)
#define BLOCK		128u			/* one measurement block */
#define CHUNK		256u			/* bytes per TDH.MR.EXTEND */
#define EXT_BYTES	(BLOCK + CHUNK)		/* hashed per MR.EXTEND */
#define PAGE_EXT_BYTES	(16u * EXT_BYTES)	/* hashed per measured page */
#define ADD_BATCH	256u			/* PAGE.ADD blocks staged at once */

struct tdx_measurement {
	uint8_t mrtd[TDX_MRTD_SIZE];
	int order;
	uint64_t page_add;
	uint64_t mr_extend;
	uint64_t hashed;
	size_t n_ops;
	struct tdx_measure_op_summary *ops;
};

/*
 * Replay state.  Blocks are assembled in two staging areas whose constant
 * bytes (tags, zero padding) are written once: per block only the GPA and,
 * for MR.EXTEND, the chunk bytes change.  libcrypto then gets large spans
 * that are multiples of the SHA-384 block size (nothing is buffered
 * inside OpenSSL):
 *  - adds: up to ADD_BATCH pending PAGE.ADD blocks, flushed before any
 *    MR.EXTEND data and at the end, so call order is kept;
 *  - ext: the 16 MR.EXTEND groups of one page (6 KiB).
 */
struct replay {
	EVP_MD_CTX *md;
	uint8_t *adds;
	size_t n_adds;
	uint8_t *ext;
	uint64_t flushed;	/* bytes already handed to the digest */
	uint64_t seq;		/* transcript position */
	tdx_measure_event_fn fn;
	void *ud;
	struct tdx_error *e;
};

static inline void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int crypto_fail(struct tdx_error *e, const char *what)
{
	unsigned long code = ERR_get_error();
	char buf[160] = "";

	if (code)
		ERR_error_string_n(code, buf, sizeof(buf));
	ERR_clear_error();
	return tdx_err(e, -EIO, "measure", "libcrypto", -1, "%s failed%s%s", what,
		       buf[0] ? ": " : "", buf);
}

static int update(struct replay *rp, const uint8_t *p, size_t n)
{
	if (EVP_DigestUpdate(rp->md, p, n) != 1)
		return crypto_fail(rp->e, "EVP_DigestUpdate");
	rp->flushed += n;
	return 0;
}

static int flush_adds(struct replay *rp)
{
	size_t n = rp->n_adds;

	rp->n_adds = 0;
	return n ? update(rp, rp->adds, n * BLOCK) : 0;
}

static inline uint64_t position(const struct replay *rp)
{
	return rp->flushed + (uint64_t)rp->n_adds * BLOCK;
}

static int replay_init(struct replay *rp)
{
	static const char add_tag[12] = "MEM.PAGE.ADD";
	static const char ext_tag[9] = "MR.EXTEND";
	size_t i;

	rp->adds = calloc(ADD_BATCH, BLOCK);
	rp->ext = calloc(1, PAGE_EXT_BYTES);
	if (!rp->adds || !rp->ext)
		return -ENOMEM;
	for (i = 0; i < ADD_BATCH; i++)
		memcpy(rp->adds + i * BLOCK, add_tag, sizeof(add_tag));
	for (i = 0; i < 16; i++)
		memcpy(rp->ext + i * EXT_BYTES, ext_tag, sizeof(ext_tag));
	return 0;
}

static int event(struct replay *rp, int kind, size_t op, size_t section,
		 uint64_t gpa, uint64_t offset)
{
	struct tdx_measure_event ev = {
		.seq = rp->seq, .kind = kind, .op = op, .section = section,
		.gpa = gpa, .offset = offset,
	};
	int r = rp->fn(rp->ud, &ev);

	if (r > 0)
		r = -ECANCELED;
	if (r)
		tdx_err(rp->e, r, "measure", "event_fn", -1,
			"the transcript callback stopped the measurement at event %llu",
			(unsigned long long)rp->seq);
	return r;
}

/* The 128-byte TDH.MEM.PAGE.ADD block for one page (staged). */
static int page_add(struct replay *rp, const struct tdx_plan_op *op, size_t opi,
		    uint64_t gpa)
{
	int r;

	if (rp->fn &&
	    (r = event(rp, TDX_MEASURE_PAGE_ADD, opi, op->section, gpa, position(rp))))
		return r;
	if (rp->n_adds == ADD_BATCH && (r = flush_adds(rp)))
		return r;
	put_le64(rp->adds + rp->n_adds * BLOCK + 16, gpa);
	rp->n_adds++;
	rp->seq++;
	return 0;
}

/*
 * The 16 TDH.MR.EXTENDs of one page: per 256-byte chunk, a header block
 * and the chunk's bytes.  @data holds @avail (<= 4096) bytes of the page;
 * the rest of the page is zero.
 */
static int page_extend(struct replay *rp, const struct tdx_plan_op *op,
		       size_t opi, uint64_t gpa, const uint8_t *data, size_t avail)
{
	uint8_t *b = rp->ext;
	int r;

	if ((r = flush_adds(rp)))
		return r;
	for (unsigned j = 0; j < 16; j++, b += EXT_BYTES) {
		size_t off = (size_t)j * CHUNK;

		if (rp->fn &&
		    (r = event(rp, TDX_MEASURE_MR_EXTEND, opi, op->section,
			       gpa + off, rp->flushed + (size_t)j * EXT_BYTES)))
			return r;
		put_le64(b + 16, gpa + off);
		if (avail >= off + CHUNK) {
			memcpy(b + BLOCK, data + off, CHUNK);
		} else {
			size_t n = avail > off ? avail - off : 0;

			if (n)
				memcpy(b + BLOCK, data + off, n);
			memset(b + BLOCK + n, 0, CHUNK - n);
		}
		rp->seq++;
	}
	return update(rp, rp->ext, PAGE_EXT_BYTES);
}

static inline size_t page_avail(const struct tdx_plan_op *op, uint64_t p)
{
	uint64_t off = p * PAGE;

	if (op->source_len <= off)
		return 0;
	return op->source_len - off >= PAGE ? PAGE : (size_t)(op->source_len - off);
}

static int replay_op(struct replay *rp, const struct tdx_plan *plan, size_t i,
		     int order, struct tdx_measure_op_summary *sum)
{
	const struct tdx_plan_op *op = &plan->ops[i];
	const uint8_t *src = plan->src[i];
	uint64_t start = position(rp), p;
	int r;

	sum->op = i;
	sum->section = op->section;
	sum->type = op->type;
	sum->source = op->source;
	sum->gpa = op->gpa;
	sum->pages = op->pages;
	sum->measured = op->measured && op->added;
	sum->first_seq = rp->seq;
	sum->offset = start;
	if (!op->added)
		return 0;

	for (p = 0; p < op->pages; p++) {
		uint64_t gpa = op->gpa + p * PAGE;

		if ((r = page_add(rp, op, i, gpa)))
			return r;
		if (order == TDX_MEASURE_ORDER_UPSTREAM && op->measured &&
		    (r = page_extend(rp, op, i, gpa, src ? src + p * PAGE : NULL,
				     page_avail(op, p))))
			return r;
	}
	if (order == TDX_MEASURE_ORDER_TWO_PASS && op->measured)
		for (p = 0; p < op->pages; p++)
			if ((r = page_extend(rp, op, i, op->gpa + p * PAGE,
					     src ? src + p * PAGE : NULL,
					     page_avail(op, p))))
				return r;
	sum->page_add = op->pages;
	sum->mr_extend = op->measured ? op->pages * 16 : 0;
	sum->bytes = position(rp) - start;
	return 0;
}

TDX_EXPORT int tdx_measure_plan(struct tdx_ctx *ctx, const struct tdx_plan *plan,
				const struct tdx_measure_opts *opts,
				uint8_t ret_mrtd[TDX_MRTD_SIZE],
				struct tdx_measurement **ret_measurement)
{
	const char *why;
	struct tdx_error local, *e = ctx ? &ctx->error : &local;
	struct replay rp = { .e = e };
	struct tdx_measurement *m;
	unsigned int mdlen = 0;
	int order, r;
	size_t i;

	if (!plan || !ret_mrtd)
		return tdx_err(e, -EINVAL, "measure", NULL, -1, "NULL %s",
			       plan ? "ret_mrtd" : "plan");
	why = tdx_opts_problem(opts, sizeof(struct tdx_measure_opts));
	if (!why && TDX_OPTS_GET(opts, reserved, 0))
		why = "reserved is not zero";
	if (why)
		return tdx_err(e, -EINVAL, "measure", "opts", -1,
			       "struct tdx_measure_opts: %s", why);
	order = TDX_OPTS_GET(opts, order, TDX_MEASURE_ORDER_UPSTREAM);
	rp.fn = TDX_OPTS_GET(opts, event_fn, NULL);
	rp.ud = TDX_OPTS_GET(opts, userdata, NULL);
	if (order != TDX_MEASURE_ORDER_UPSTREAM && order != TDX_MEASURE_ORDER_TWO_PASS)
		return tdx_err(e, -EINVAL, "measure", "order", -1,
			       "unknown measurement order %d", order);

	m = calloc(1, sizeof(*m));
	if (m)
		m->ops = calloc(plan->n_ops ? plan->n_ops : 1, sizeof(*m->ops));
	if (!m || !m->ops || replay_init(&rp)) {
		r = tdx_err(e, -ENOMEM, "measure", NULL, -1, "out of memory");
		goto out;
	}
	m->order = order;
	m->n_ops = plan->n_ops;

	rp.md = EVP_MD_CTX_new();
	if (!rp.md) {
		r = crypto_fail(e, "EVP_MD_CTX_new");
		goto out;
	}
	if (EVP_DigestInit_ex(rp.md, EVP_sha384(), NULL) != 1) {
		r = crypto_fail(e, "EVP_DigestInit_ex(SHA-384)");
		goto out;
	}
	for (i = 0; i < plan->n_ops; i++) {
		r = replay_op(&rp, plan, i, order, &m->ops[i]);
		if (r)
			goto out;
		m->page_add += m->ops[i].page_add;
		m->mr_extend += m->ops[i].mr_extend;
	}
	if ((r = flush_adds(&rp)))
		goto out;
	if (EVP_DigestFinal_ex(rp.md, m->mrtd, &mdlen) != 1 || mdlen != TDX_MRTD_SIZE) {
		r = crypto_fail(e, "EVP_DigestFinal_ex");
		goto out;
	}
	m->hashed = rp.flushed;
	memcpy(ret_mrtd, m->mrtd, TDX_MRTD_SIZE);
	if (ret_measurement) {
		*ret_measurement = m;
		m = NULL;
	}
	r = 0;
out:
	EVP_MD_CTX_free(rp.md);
	free(rp.adds);
	free(rp.ext);
	tdx_measurement_free(m);
	return r;
}

TDX_EXPORT int tdx_measure_firmware(struct tdx_ctx *ctx, const char *path,
				    const struct tdx_measure_firmware_opts *opts,
				    uint8_t ret_mrtd[TDX_MRTD_SIZE],
				    struct tdx_measurement **ret_measurement)
{
	const char *why;
	struct tdx_error local, *e = ctx ? &ctx->error : &local;
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_tdvf_diag diag_local, *diag;
	const char *cmdline;
	struct tdx_tdvf *tdvf = NULL;
	struct tdx_plan *plan = NULL;
	int r;

	if (!path || !ret_mrtd)
		return tdx_err(e, -EINVAL, "measure", NULL, -1, "NULL %s",
			       path ? "ret_mrtd" : "path");
	why = tdx_opts_problem(opts, sizeof(struct tdx_measure_firmware_opts));
	if (why)
		return tdx_err(e, -EINVAL, "measure", "opts", -1,
			       "struct tdx_measure_firmware_opts: %s", why);
	diag = TDX_OPTS_GET(opts, diag, NULL);
	if (!diag)
		diag = &diag_local;
	r = tdx_tdvf_open(path, TDX_OPTS_GET(opts, tdvf, NULL), diag, &tdvf);
	if (r) {
		const char *name = tdx_tdvf_code_name(diag->code);

		return tdx_err(e, r, "tdvf", name ? name : "", -1, "%s: %s", path,
			       diag->message[0] ? diag->message :
			       tdx_tdvf_strerror(diag->code));
	}
	po.flags = TDX_OPTS_GET(opts, plan_flags, 0);
	po.payload = TDX_OPTS_GET(opts, payload, NULL);
	po.payload_len = TDX_OPTS_GET(opts, payload_len, 0);
	po.hob = TDX_OPTS_GET(opts, hob, NULL);
	po.hob_len = TDX_OPTS_GET(opts, hob_len, 0);
	po.layout = TDX_OPTS_GET(opts, layout, NULL);
	cmdline = TDX_OPTS_GET(opts, cmdline, NULL);
	if (cmdline) {
		po.payload_param = cmdline;
		po.payload_param_len = strlen(cmdline) + 1;
	}
	r = tdx_plan_new(ctx, tdvf, &po, &plan);
	if (r)
		goto out;
	r = tdx_measure_plan(ctx, plan, TDX_OPTS_GET(opts, measure, NULL), ret_mrtd,
			     ret_measurement);
out:
	tdx_plan_free(plan);
	tdx_tdvf_free(tdvf);
	return r;
}

TDX_EXPORT void tdx_measurement_free(struct tdx_measurement *m)
{
	if (!m)
		return;
	free(m->ops);
	free(m);
}

TDX_EXPORT void tdx_measurement_get_mrtd(const struct tdx_measurement *m,
					 uint8_t ret_mrtd[TDX_MRTD_SIZE])
{
	if (m && ret_mrtd)
		memcpy(ret_mrtd, m->mrtd, TDX_MRTD_SIZE);
}

TDX_EXPORT int tdx_measurement_get_order(const struct tdx_measurement *m)
{
	return m ? m->order : -EINVAL;
}

TDX_EXPORT uint64_t tdx_measurement_get_page_add_count(const struct tdx_measurement *m)
{
	return m ? m->page_add : 0;
}

TDX_EXPORT uint64_t tdx_measurement_get_mr_extend_count(const struct tdx_measurement *m)
{
	return m ? m->mr_extend : 0;
}

TDX_EXPORT uint64_t tdx_measurement_get_hashed_bytes(const struct tdx_measurement *m)
{
	return m ? m->hashed : 0;
}

TDX_EXPORT size_t tdx_measurement_op_count(const struct tdx_measurement *m)
{
	return m ? m->n_ops : 0;
}

TDX_EXPORT int tdx_measurement_get_op(const struct tdx_measurement *m, size_t i,
				      struct tdx_measure_op_summary *ret_summary)
{
	if (!m || !ret_summary)
		return -EINVAL;
	if (i >= m->n_ops)
		return -ERANGE;
	*ret_summary = m->ops[i];
	return 0;
}

TDX_EXPORT const char *tdx_measure_order_name(int order)
{
	switch (order) {
	case TDX_MEASURE_ORDER_UPSTREAM:	return "upstream";
	case TDX_MEASURE_ORDER_TWO_PASS:	return "two-pass";
	}
	return NULL;
}

TDX_EXPORT int tdx_measure_order_parse(const char *name, int *ret_order)
{
	if (!name || !ret_order)
		return -EINVAL;
	if (!strcmp(name, "upstream") || !strcmp(name, "single-pass")) {
		*ret_order = TDX_MEASURE_ORDER_UPSTREAM;
		return 0;
	}
	if (!strcmp(name, "two-pass") || !strcmp(name, "two_pass")) {
		*ret_order = TDX_MEASURE_ORDER_TWO_PASS;
		return 0;
	}
	return -EINVAL;
}
