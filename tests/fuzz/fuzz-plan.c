/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: launch plan and MRTD measurement (lib/plan.c, measure.c).
 *
 * Input: a 16-byte control header, then a TDVF image (the rest; the
 * fuzz-tdvf seeds work here behind a header).  The payload, parameter and
 * HOB bytes are copies of the image's first bytes (so their lengths do not
 * move the image around).
 *   0  u8   flags  bit 0 ALLOW_LEGACY, 1 STRICT, 2 TDX_PLAN_ZERO_FILL,
 *                  3 a q35 layout, 4 a payload, 5 payload parameters,
 *                  6 explicit HOB bytes, 7 gpaw 52
 *   1  u32  ram    RAM size in pages - 1 (mod 2^24)
 *   5  u16  payload_len, 7 u16 param_len, 9 u16 hob_len (mod 4097 each)
 *  11  u8   stop   transcript callback stop: return value selector
 *  12  u32  stop_at  event at which to stop
 *
 * Invariants: every op matches its section and its source lies inside
 * the image, the payload or the plan's copies; page counts, private ranges
 * and the HOB GPA agree with the ops; the same plan measures to the same
 * MRTD every time (and a second plan from the same input too); the
 * measurement's counts match the plan; and an independent model of
 * the transcript (order, GPAs, hash offsets) and of the hashed bytes
 * reproduces MRTD in both orders.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <libtdx.h>

#include "fuzz.h"
#include "fuzz-input.h"

#define CTRL_LEN	16
#define PAGE		4096ull
/* Keep one input well under a second: skip measuring bigger plans. */
#define MAX_ADD		4096u
#define MAX_MEASURED	256u

struct opdesc {
	struct tdx_plan_op op;
	const uint8_t *src;
	size_t len;
};

/* The expected transcript, generated independently of measure.c. */
struct model {
	const struct opdesc *ops;
	size_t n_ops;
	int order;
	/* cursor */
	size_t op;
	uint64_t page;
	int chunk;		/* -1: the page's PAGE.ADD is next (upstream) */
	int pass;		/* two-pass: 0 adds, 1 extends */
	/* running state */
	uint64_t seq, offset;
	EVP_MD_CTX *md;
	/* stopping */
	uint64_t stop_at;
	int stop_ret;
	bool stopped;
};

static void next_op(struct model *m)
{
	m->op++;
	m->page = 0;
	m->chunk = -1;
	m->pass = 0;
}

/* The next event: kind, op and GPA; false at the end. */
static bool model_next(struct model *m, int *kind, size_t *op, uint64_t *gpa)
{
	const struct tdx_plan_op *o;

	while (m->op < m->n_ops && !m->ops[m->op].op.added)
		next_op(m);
	if (m->op >= m->n_ops)
		return false;
	o = &m->ops[m->op].op;
	*op = m->op;
	if (m->order == TDX_MEASURE_ORDER_UPSTREAM) {
		if (m->chunk < 0) {
			*kind = TDX_MEASURE_PAGE_ADD;
			*gpa = o->gpa + m->page * PAGE;
			if (o->measured) {
				m->chunk = 0;
				return true;
			}
			m->page++;
		} else {
			*kind = TDX_MEASURE_MR_EXTEND;
			*gpa = o->gpa + m->page * PAGE + (uint64_t)m->chunk * 256;
			if (++m->chunk < 16)
				return true;
			m->chunk = -1;
			m->page++;
		}
	} else if (m->pass == 0) {
		*kind = TDX_MEASURE_PAGE_ADD;
		*gpa = o->gpa + m->page * PAGE;
		if (++m->page < o->pages)
			return true;
		if (o->measured) {
			m->pass = 1;
			m->page = 0;
			m->chunk = 0;
			return true;
		}
	} else {
		*kind = TDX_MEASURE_MR_EXTEND;
		*gpa = o->gpa + m->page * PAGE + (uint64_t)m->chunk * 256;
		if (++m->chunk < 16)
			return true;
		m->chunk = 0;
		m->page++;
	}
	if (m->page == o->pages)
		next_op(m);
	return true;
}

/* Hash one event as the TDX module would, from the plan's sources. */
static void model_hash(struct model *m, int kind, size_t op, uint64_t gpa)
{
	uint8_t blk[128 + 256];
	size_t n = 128;

	memset(blk, 0, sizeof(blk));
	for (int i = 0; i < 8; i++)
		blk[16 + i] = (uint8_t)(gpa >> (8 * i));
	if (kind == TDX_MEASURE_PAGE_ADD) {
		memcpy(blk, "MEM.PAGE.ADD", 12);
	} else {
		const struct opdesc *d = &m->ops[op];
		uint64_t off = gpa - d->op.gpa;

		memcpy(blk, "MR.EXTEND", 9);
		for (size_t i = 0; i < 256; i++)
			if (off + i < d->len)
				blk[128 + i] = d->src[off + i];
		n += 256;
	}
	if (EVP_DigestUpdate(m->md, blk, n) != 1)
		abort();
	m->offset += n;
}

static int on_event(void *ud, const struct tdx_measure_event *ev)
{
	struct model *m = ud;
	uint64_t gpa = 0;
	size_t op = 0;
	int kind = 0;

	FUZZ_CHECK(!m->stopped);
	FUZZ_CHECK(model_next(m, &kind, &op, &gpa));
	FUZZ_CHECK(ev->seq == m->seq && ev->kind == kind && ev->op == op &&
		   ev->section == m->ops[op].op.section && ev->gpa == gpa);
	FUZZ_CHECK(ev->offset == m->offset);
	if (m->seq == m->stop_at && m->stop_ret) {
		m->stopped = true;
		return m->stop_ret;
	}
	model_hash(m, kind, op, gpa);
	m->seq++;
	return 0;
}

static void model_init(struct model *m, const struct opdesc *ops, size_t n,
		       int order)
{
	memset(m, 0, sizeof(*m));
	m->ops = ops;
	m->n_ops = n;
	m->order = order;
	m->chunk = -1;
	m->stop_at = UINT64_MAX;
	m->md = EVP_MD_CTX_new();
	if (!m->md || EVP_DigestInit_ex(m->md, EVP_sha384(), NULL) != 1)
		abort();
}

/* Measure with the model watching; returns the library's MRTD. */
static void measure_checked(struct tdx_ctx *ctx, const struct tdx_plan *plan,
			    const struct opdesc *ops, size_t n, int order,
			    uint8_t mrtd[48])
{
	struct tdx_measure_opts mo = TDX_OPTS(tdx_measure_opts);
	struct tdx_measurement *meas = NULL;
	uint64_t measured = 0, adds = tdx_plan_get_total_pages(plan, &measured);
	uint8_t want[48], again[48];
	unsigned int len = 0;
	struct model m;
	int kind;
	size_t op;
	uint64_t gpa;

	model_init(&m, ops, n, order);
	mo.order = order;
	mo.event_fn = on_event;
	mo.userdata = &m;
	FUZZ_CHECK(tdx_measure_plan(ctx, plan, &mo, mrtd, &meas) == 0);
	FUZZ_CHECK(!model_next(&m, &kind, &op, &gpa));	/* nothing left out */
	FUZZ_CHECK(EVP_DigestFinal_ex(m.md, want, &len) == 1 && len == 48);
	EVP_MD_CTX_free(m.md);
	FUZZ_CHECK(!memcmp(want, mrtd, 48));

	FUZZ_CHECK(tdx_measurement_get_order(meas) == order);
	FUZZ_CHECK(tdx_measurement_get_page_add_count(meas) == adds);
	FUZZ_CHECK(tdx_measurement_get_mr_extend_count(meas) == 16 * measured);
	FUZZ_CHECK(tdx_measurement_get_hashed_bytes(meas) == 128 * adds + 384 * 16 * measured);
	FUZZ_CHECK(tdx_measurement_get_hashed_bytes(meas) == m.offset);
	FUZZ_CHECK(tdx_measurement_op_count(meas) == n);
	tdx_measurement_get_mrtd(meas, again);
	FUZZ_CHECK(!memcmp(again, mrtd, 48));
	for (size_t i = 0; i < n; i++) {
		struct tdx_measure_op_summary s;
		const struct tdx_plan_op *o = &ops[i].op;

		FUZZ_CHECK(tdx_measurement_get_op(meas, i, &s) == 0);
		FUZZ_CHECK(s.op == i && s.section == o->section && s.type == o->type &&
			   s.source == o->source && s.gpa == o->gpa &&
			   s.pages == o->pages && s.measured == (o->measured && o->added));
		FUZZ_CHECK(s.page_add == (o->added ? o->pages : 0));
		FUZZ_CHECK(s.mr_extend == (o->added && o->measured ? 16 * o->pages : 0));
		FUZZ_CHECK(s.bytes == 128 * s.page_add + 384 * s.mr_extend);
	}
	FUZZ_CHECK(tdx_measurement_get_op(meas, n, &(struct tdx_measure_op_summary){ 0 }) == -ERANGE);
	tdx_measurement_free(meas);

	/* without a callback: the same value */
	mo.event_fn = NULL;
	mo.userdata = NULL;
	FUZZ_CHECK(tdx_measure_plan(ctx, plan, &mo, again, NULL) == 0);
	FUZZ_CHECK(!memcmp(again, mrtd, 48));
}

/* A callback that stops the measurement at event stop_at. */
static void measure_stopped(struct tdx_ctx *ctx, const struct tdx_plan *plan,
			    const struct opdesc *ops, size_t n, unsigned int sel,
			    uint32_t stop_at)
{
	static const int rets[] = { 1, 7, -EINTR, -ENOSPC };
	struct tdx_measure_opts mo = TDX_OPTS(tdx_measure_opts);
	uint64_t measured = 0, adds = tdx_plan_get_total_pages(plan, &measured);
	uint64_t events = adds + 16 * measured;
	uint8_t mrtd[48];
	struct model m;
	int r, want;

	if (!events)
		return;
	model_init(&m, ops, n, sel & 1);
	m.stop_at = stop_at % events;
	m.stop_ret = rets[(sel >> 1) % 4];
	want = m.stop_ret > 0 ? -ECANCELED : m.stop_ret;
	mo.order = sel & 1;
	mo.event_fn = on_event;
	mo.userdata = &m;
	memset(mrtd, 0x77, sizeof(mrtd));
	r = tdx_measure_plan(ctx, plan, &mo, mrtd, NULL);
	EVP_MD_CTX_free(m.md);
	FUZZ_CHECK(r == want && m.stopped);
	FUZZ_CHECK(tdx_error_get_errno(tdx_ctx_get_last_error(ctx)) == want);
	for (size_t i = 0; i < sizeof(mrtd); i++)
		FUZZ_CHECK(mrtd[i] == 0x77);	/* written only on success */
}

static bool within(const uint8_t *p, size_t len, const uint8_t *base, size_t size)
{
	return p >= base && len <= size && (size_t)(p - base) <= size - len;
}

/* The plan against its sections and inputs; fills ops[]. */
static void check_plan(const struct tdx_plan *plan, const struct tdx_tdvf *t,
		       uint64_t flags, const struct tdx_plan_opts *po,
		       struct opdesc *ops)
{
	const uint8_t *image = tdx_tdvf_get_image(t);
	size_t n = tdx_plan_op_count(plan), size = tdx_tdvf_get_image_size(t);
	uint64_t adds = 0, measured = 0, pm = 0, priv = 0, gpa;
	bool has_hob = false;

	FUZZ_CHECK(n == tdx_tdvf_section_count(t));
	for (size_t i = 0; i < n; i++) {
		struct tdx_tdvf_section s;
		struct tdx_plan_op *o = &ops[i].op;
		const void *data;
		size_t len;

		FUZZ_CHECK(tdx_plan_get_op(plan, i, o) == 0);
		FUZZ_CHECK(tdx_plan_get_source(plan, i, &data, &len) == 0);
		FUZZ_CHECK(tdx_tdvf_get_section(t, i, &s) == 0);
		ops[i].src = data;
		ops[i].len = len;
		FUZZ_CHECK(o->section == i && o->type == s.type && o->gpa == s.gpa);
		FUZZ_CHECK(o->pages * PAGE == s.mem_size && o->pages);
		FUZZ_CHECK(!(o->gpa & (PAGE - 1)));
		FUZZ_CHECK(len == o->source_len);
		FUZZ_CHECK(len <= o->pages * PAGE);	/* never longer than its op */
		FUZZ_CHECK(!data == !len);
		FUZZ_CHECK(o->added == (s.type != TDX_TDVF_SECTION_PERM_MEM));
		FUZZ_CHECK(o->measured == (o->added && s.measured));
		FUZZ_CHECK(tdx_plan_source_name(o->source));
		switch (o->source) {
		case TDX_PLAN_SRC_FIRMWARE:
			FUZZ_CHECK(s.type == TDX_TDVF_SECTION_BFV ||
				   s.type == TDX_TDVF_SECTION_CFV ||
				   (s.type == TDX_TDVF_SECTION_PAYLOAD && s.raw_size));
			FUZZ_CHECK(within(data, len, image, size));
			FUZZ_CHECK((const uint8_t *)data == image + s.data_offset);
			FUZZ_CHECK(len == (s.type == TDX_TDVF_SECTION_PAYLOAD ||
					   (flags & TDX_PLAN_ZERO_FILL) ?
					   s.raw_size : s.mem_size));
			break;
		case TDX_PLAN_SRC_HOB:
			FUZZ_CHECK(s.type == TDX_TDVF_SECTION_TD_HOB && !has_hob);
			has_hob = true;
			FUZZ_CHECK(tdx_plan_get_hob_gpa(plan, &gpa) == 0 && gpa == s.gpa);
			if (po->hob)
				FUZZ_CHECK(len == po->hob_len &&
					   (!len || !memcmp(data, po->hob, len)));
			break;
		case TDX_PLAN_SRC_PAYLOAD:
			FUZZ_CHECK(s.type == TDX_TDVF_SECTION_PAYLOAD && !s.raw_size);
			FUZZ_CHECK(len == po->payload_len && (!len || data == po->payload));
			break;
		case TDX_PLAN_SRC_PAYLOAD_PARAM:
			FUZZ_CHECK(s.type == TDX_TDVF_SECTION_PAYLOAD_PARAM);
			FUZZ_CHECK(len == po->payload_param_len &&
				   (!len || !memcmp(data, po->payload_param, len)));
			break;
		case TDX_PLAN_SRC_ZERO:
			FUZZ_CHECK(s.type == TDX_TDVF_SECTION_TEMP_MEM && !len);
			break;
		case TDX_PLAN_SRC_NONE:
			FUZZ_CHECK(s.type == TDX_TDVF_SECTION_PERM_MEM && !len);
			break;
		default:
			FUZZ_CHECK(!"unknown source");
		}
		fuzz_touch(data, len);	/* ASan: the whole source is readable */
		if (o->added) {
			adds += o->pages;
			if (o->measured)
				measured += o->pages;
		}
	}
	FUZZ_CHECK(tdx_plan_get_op(plan, n, &(struct tdx_plan_op){ 0 }) == -ERANGE);
	if (!has_hob)
		FUZZ_CHECK(tdx_plan_get_hob_gpa(plan, &gpa) == -ENOENT);
	FUZZ_CHECK(tdx_plan_get_total_pages(plan, &pm) == adds && pm == measured);

	/* private ranges: sorted, merged, exactly the added ops */
	for (size_t i = 0; i < tdx_plan_private_range_count(plan); i++) {
		struct tdx_plan_range r, prev;
		uint64_t covered = 0;

		FUZZ_CHECK(tdx_plan_get_private_range(plan, i, &r) == 0);
		FUZZ_CHECK(r.size && !((r.gpa | r.size) & (PAGE - 1)));
		if (i) {
			FUZZ_CHECK(tdx_plan_get_private_range(plan, i - 1, &prev) == 0);
			FUZZ_CHECK(prev.gpa + prev.size < r.gpa);
		}
		for (size_t j = 0; j < n; j++) {
			const struct tdx_plan_op *o = &ops[j].op;

			if (!o->added)
				continue;
			if (o->gpa >= r.gpa && o->gpa - r.gpa < r.size) {
				FUZZ_CHECK(o->pages * PAGE <= r.size - (o->gpa - r.gpa));
				covered += o->pages * PAGE;
			} else {
				FUZZ_CHECK(o->gpa + o->pages * PAGE <= r.gpa ||
					   o->gpa >= r.gpa + r.size);
			}
		}
		FUZZ_CHECK(covered == r.size);
		priv += r.size;
	}
	FUZZ_CHECK(priv == adds * PAGE);
}

static struct tdx_plan *make_plan(struct tdx_ctx *ctx, const struct tdx_tdvf *t,
				  const struct tdx_plan_opts *po)
{
	struct tdx_plan *plan = NULL;
	int r = tdx_plan_new(ctx, t, po, &plan);

	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
	if (r) {
		const struct tdx_error *e = tdx_ctx_get_last_error(ctx);

		FUZZ_CHECK(tdx_error_get_errno(e) == r && *tdx_error_get_message(e));
		FUZZ_CHECK(!strcmp(tdx_error_get_step(e), "plan"));
		return NULL;
	}
	return plan;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned int flags = fuzz_u8(&in);
	uint64_t ram = ((uint64_t)(fuzz_u32(&in) % (1u << 24)) + 1) * PAGE;
	size_t payload_len = fuzz_u16(&in) % 4097, param_len = fuzz_u16(&in) % 4097;
	size_t hob_len = fuzz_u16(&in) % 4097;
	unsigned int stop = fuzz_u8(&in);
	uint32_t stop_at = fuzz_u32(&in);
	struct tdx_tdvf_opts to = TDX_OPTS(tdx_tdvf_opts);
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_layout *layout = NULL;
	struct tdx_plan *plan = NULL, *plan2 = NULL;
	struct tdx_tdvf *t = NULL;
	struct tdx_ctx *ctx = NULL;
	uint8_t *payload = NULL, *param = NULL, *hob = NULL;
	struct opdesc *ops = NULL;
	uint64_t measured = 0;
	size_t n;

	if (size < CTRL_LEN)
		return 0;
	/* exact-size copies: ASan catches any read past their ends */
	if (flags & 16) {
		payload_len = payload_len < in.n ? payload_len : in.n;
		payload = fuzz_dup(in.p, payload_len);
	}
	if (flags & 32) {
		param_len = param_len < in.n ? param_len : in.n;
		param = fuzz_dup(in.p + in.n - param_len, param_len);
	}
	if (flags & 64) {
		hob_len = hob_len < in.n ? hob_len : in.n;
		hob = fuzz_dup(in.p, hob_len);
	}

	to.flags = (flags & 1 ? TDX_TDVF_ALLOW_LEGACY : 0) | (flags & 2 ? TDX_TDVF_STRICT : 0);
	to.gpaw = flags & 128 ? 52 : 48;
	if (tdx_tdvf_parse(in.p, in.n, &to, NULL, &t))
		goto out;
	if (tdx_ctx_new(NULL, &ctx))
		abort();
	{
		int o = -1;

		FUZZ_CHECK(tdx_measure_order_parse(tdx_measure_order_name(stop & 1), &o) == 0 &&
			   o == (int)(stop & 1));
	}
	if (flags & 8)
		(void)tdx_layout_new_q35(ram, (tdx_tdvf_get_image_size(t) + PAGE - 1) & ~(PAGE - 1),
					 NULL, &layout);
	po.flags = flags & 4 ? TDX_PLAN_ZERO_FILL : 0;
	po.layout = layout;
	po.payload = payload;
	po.payload_len = payload_len;
	po.payload_param = param;
	po.payload_param_len = param_len;
	po.hob = hob;
	po.hob_len = hob_len;

	plan = make_plan(ctx, t, &po);
	if (!plan)
		goto out;
	n = tdx_plan_op_count(plan);
	ops = calloc(n ? n : 1, sizeof(*ops));
	if (!ops)
		abort();
	check_plan(plan, t, po.flags, &po, ops);

	if (tdx_plan_get_total_pages(plan, &measured) <= MAX_ADD && measured <= MAX_MEASURED) {
		uint8_t up[48], up2[48], two[48];
		bool multi = false;

		measure_checked(ctx, plan, ops, n, TDX_MEASURE_ORDER_UPSTREAM, up);
		measure_checked(ctx, plan, ops, n, TDX_MEASURE_ORDER_TWO_PASS, two);
		/* the orders differ exactly when an op measures several pages */
		for (size_t i = 0; i < n; i++)
			multi |= ops[i].op.added && ops[i].op.measured && ops[i].op.pages > 1;
		FUZZ_CHECK(!memcmp(up, two, 48) == !multi);
		measure_stopped(ctx, plan, ops, n, stop, stop_at);

		/* a second plan from the same inputs measures the same */
		plan2 = make_plan(ctx, t, &po);
		FUZZ_CHECK(plan2);
		FUZZ_CHECK(tdx_measure_plan(ctx, plan2, NULL, up2, NULL) == 0);
		FUZZ_CHECK(!memcmp(up, up2, 48));
	}
out:
	free(ops);
	tdx_plan_free(plan2);
	tdx_plan_free(plan);
	tdx_layout_free(layout);
	tdx_tdvf_free(t);
	tdx_ctx_unref(ctx);
	free(payload);
	free(param);
	free(hob);
	return 0;
}
