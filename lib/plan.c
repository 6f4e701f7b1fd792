/* SPDX-License-Identifier: MIT */
/* The launch plan: TDVF sections -> ordered load operations (pure). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan-internal.h"

#define PAGE		((uint64_t)TDX_PLAN_PAGE_SIZE)

static const char *type_name(uint32_t type)
{
	const char *n = tdx_tdvf_section_type_name(type);

	return n ? n : "?";
}

TDX_EXPORT const char *tdx_plan_source_name(uint32_t source)
{
	switch (source) {
	case TDX_PLAN_SRC_NONE:			return "none";
	case TDX_PLAN_SRC_FIRMWARE:		return "firmware";
	case TDX_PLAN_SRC_ZERO:			return "zero";
	case TDX_PLAN_SRC_HOB:			return "hob";
	case TDX_PLAN_SRC_PAYLOAD:		return "payload";
	case TDX_PLAN_SRC_PAYLOAD_PARAM:	return "payload_param";
	}
	return NULL;
}

TDX_EXPORT void tdx_plan_free(struct tdx_plan *plan)
{
	if (!plan)
		return;
	free(plan->ops);
	free(plan->src);
	free(plan->priv);
	free(plan->hob_copy);
	free(plan->param_copy);
	free(plan);
}

/* Record a plan failure (step "plan") and return err. */
#define plan_fail(e, err, field, ...) \
	tdx_err(e, err, "plan", field, -1, __VA_ARGS__)

/* Sort helper: indices of sections by GPA. */
struct sec_key {
	uint64_t gpa;
	uint64_t end;
	size_t idx;
};

static int key_cmp(const void *a, const void *b)
{
	const struct sec_key *x = a, *y = b;

	if (x->gpa != y->gpa)
		return x->gpa < y->gpa ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int check_sections(struct tdx_error *e, const struct tdx_tdvf_section *secs,
			  size_t n)
{
	struct sec_key *k;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct tdx_tdvf_section *s = &secs[i];

		if ((s->gpa | s->mem_size) & (PAGE - 1) || !s->mem_size ||
		    s->gpa + s->mem_size < s->gpa)
			return plan_fail(e, -EINVAL, "sections",
					 "section %zu (%s): GPA 0x%llx size 0x%llx is not a non-empty, 4 KiB aligned, non-wrapping range",
					 i, type_name(s->type),
					 (unsigned long long)s->gpa,
					 (unsigned long long)s->mem_size);
	}
	if (n < 2)
		return 0;
	k = calloc(n, sizeof(*k));
	if (!k)
		return plan_fail(e, -ENOMEM, NULL, "out of memory");
	for (i = 0; i < n; i++) {
		k[i].gpa = secs[i].gpa;
		k[i].end = secs[i].gpa + secs[i].mem_size;
		k[i].idx = i;
	}
	qsort(k, n, sizeof(*k), key_cmp);
	/*
	 * After sorting by start, any overlap shows up between a section and
	 * the one with the furthest end so far.
	 */
	{
		size_t far = 0;

		for (i = 1; i < n; i++) {
			if (k[i].gpa < k[far].end) {
				size_t a = k[far].idx, b = k[i].idx;
				size_t lo = a < b ? a : b, hi = a < b ? b : a;
				int r;

				r = plan_fail(e, -EINVAL, "sections",
					      "section %zu (%s, [0x%llx, 0x%llx)) overlaps section %zu (%s, [0x%llx, 0x%llx))",
					      hi, type_name(secs[hi].type),
					      (unsigned long long)secs[hi].gpa,
					      (unsigned long long)(secs[hi].gpa + secs[hi].mem_size),
					      lo, type_name(secs[lo].type),
					      (unsigned long long)secs[lo].gpa,
					      (unsigned long long)(secs[lo].gpa + secs[lo].mem_size));
				free(k);
				return r;
			}
			if (k[i].end > k[far].end)
				far = i;
		}
	}
	free(k);
	return 0;
}

static bool in_ram(const struct tdx_plan_range *ram, size_t n, uint64_t gpa,
		   uint64_t size)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (gpa >= ram[i].gpa && gpa + size <= ram[i].gpa + ram[i].size)
			return true;
	return false;
}

static int range_cmp(const void *a, const void *b)
{
	const struct tdx_plan_range *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

static int build_private(struct tdx_plan *p)
{
	size_t i, n = 0;

	p->priv = calloc(p->n_ops ? p->n_ops : 1, sizeof(*p->priv));
	if (!p->priv)
		return -ENOMEM;
	for (i = 0; i < p->n_ops; i++)
		if (p->ops[i].added) {
			p->priv[n].gpa = p->ops[i].gpa;
			p->priv[n].size = p->ops[i].pages * PAGE;
			n++;
		}
	qsort(p->priv, n, sizeof(*p->priv), range_cmp);
	p->n_priv = 0;
	for (i = 0; i < n; i++) {
		struct tdx_plan_range *last = p->n_priv ? &p->priv[p->n_priv - 1] : NULL;

		if (last && last->gpa + last->size == p->priv[i].gpa)
			last->size += p->priv[i].size;
		else
			p->priv[p->n_priv++] = p->priv[i];
	}
	return 0;
}

static int check_fits(struct tdx_error *e, const char *field, const char *what,
		      size_t idx, const struct tdx_tdvf_section *s, size_t len)
{
	if (len > s->mem_size)
		return plan_fail(e, -EINVAL, field,
				 "%s (%zu bytes) does not fit in section %zu (%s, [0x%llx, 0x%llx), %llu bytes)",
				 what, len, idx, type_name(s->type),
				 (unsigned long long)s->gpa,
				 (unsigned long long)(s->gpa + s->mem_size),
				 (unsigned long long)s->mem_size);
	return 0;
}

int tdx_plan_build(struct tdx_error *e, const uint8_t *image, size_t image_size,
		   const struct tdx_tdvf_section *secs, size_t n,
		   const struct tdx_plan_range *ram, size_t ram_count,
		   const struct tdx_plan_opts *opts, struct tdx_plan **ret_plan)
{
	const char *why;
	uint64_t flags = TDX_OPTS_GET(opts, flags, 0);
	const void *hob = TDX_OPTS_GET(opts, hob, NULL);
	size_t hob_len = TDX_OPTS_GET(opts, hob_len, 0);
	const void *payload = TDX_OPTS_GET(opts, payload, NULL);
	size_t payload_len = TDX_OPTS_GET(opts, payload_len, 0);
	const void *param = TDX_OPTS_GET(opts, payload_param, NULL);
	size_t param_len = TDX_OPTS_GET(opts, payload_param_len, 0);
	bool used_payload = false, used_param = false;
	struct tdx_plan *p;
	size_t i;
	int r;

	if (!ret_plan || (!secs && n) || (!image && image_size))
		return plan_fail(e, -EINVAL, NULL, "NULL argument");
	why = tdx_opts_problem(opts, sizeof(struct tdx_plan_opts));
	if (why)
		return plan_fail(e, -EINVAL, "opts", "struct tdx_plan_opts: %s", why);
	if (flags & ~TDX_PLAN_ZERO_FILL)
		return plan_fail(e, -EINVAL, "flags", "unknown plan flags 0x%llx",
				 (unsigned long long)(flags & ~TDX_PLAN_ZERO_FILL));
	if ((!ram && ram_count) || (!hob && hob_len) || (!payload && payload_len) ||
	    (!param && param_len))
		return plan_fail(e, -EINVAL, !ram && ram_count ? "layout" :
				 !hob && hob_len ? "hob" :
				 !payload && payload_len ? "payload" : "payload_param",
				 "NULL pointer with a non-zero length");
	for (i = 0; i < ram_count; i++)
		if (ram[i].gpa + ram[i].size < ram[i].gpa)
			return plan_fail(e, -EINVAL, "layout",
					 "RAM range %zu [0x%llx, +0x%llx) wraps", i,
					 (unsigned long long)ram[i].gpa,
					 (unsigned long long)ram[i].size);
	r = check_sections(e, secs, n);
	if (r)
		return r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return plan_fail(e, -ENOMEM, NULL, "out of memory");
	p->n_ops = n;
	p->ops = calloc(n ? n : 1, sizeof(*p->ops));
	p->src = calloc(n ? n : 1, sizeof(*p->src));
	if (!p->ops || !p->src) {
		r = plan_fail(e, -ENOMEM, NULL, "out of memory");
		goto fail;
	}

	for (i = 0; i < n; i++) {
		const struct tdx_tdvf_section *s = &secs[i];
		struct tdx_plan_op *op = &p->ops[i];
		const uint8_t *src = NULL;
		uint64_t len = 0;

		op->section = i;
		op->type = s->type;
		op->gpa = s->gpa;
		op->pages = s->mem_size / PAGE;
		op->measured = s->measured;
		op->added = true;

		switch (s->type) {
		case TDX_TDVF_SECTION_BFV:
		case TDX_TDVF_SECTION_CFV:
			op->source = TDX_PLAN_SRC_FIRMWARE;
			len = flags & TDX_PLAN_ZERO_FILL ? s->raw_size : s->mem_size;
			src = image + s->data_offset;
			break;
		case TDX_TDVF_SECTION_TD_HOB:
			op->source = TDX_PLAN_SRC_HOB;
			if (p->has_hob) {
				r = plan_fail(e, -EINVAL, "sections",
					      "section %zu: a second TD_HOB section", i);
				goto fail;
			}
			r = check_fits(e, "hob", "the TD HOB", i, s, hob_len);
			if (r)
				goto fail;
			p->has_hob = true;
			p->hob_gpa = s->gpa;
			if (hob_len) {
				p->hob_copy = malloc(hob_len);
				if (!p->hob_copy) {
					r = plan_fail(e, -ENOMEM, NULL, "out of memory");
					goto fail;
				}
				memcpy(p->hob_copy, hob, hob_len);
				src = p->hob_copy;
				len = hob_len;
			}
			break;
		case TDX_TDVF_SECTION_TEMP_MEM:
			op->source = TDX_PLAN_SRC_ZERO;
			break;
		case TDX_TDVF_SECTION_PERM_MEM:
			op->source = TDX_PLAN_SRC_NONE;
			op->added = false;
			op->measured = false;
			break;
		case TDX_TDVF_SECTION_PAYLOAD:
			if (s->raw_size) {
				if (payload) {
					r = plan_fail(e, -EINVAL, "payload",
						      "section %zu (Payload) carries its own %llu bytes of payload; none may be given",
						      i, (unsigned long long)s->raw_size);
					goto fail;
				}
				op->source = TDX_PLAN_SRC_FIRMWARE;
				src = image + s->data_offset;
				len = s->raw_size;
				break;
			}
			if (!payload) {
				r = plan_fail(e, -EINVAL, "payload",
					      "section %zu (Payload, [0x%llx, 0x%llx)) needs a payload (kernel image) and none was given",
					      i, (unsigned long long)s->gpa,
					      (unsigned long long)(s->gpa + s->mem_size));
				goto fail;
			}
			r = check_fits(e, "payload", "the payload", i, s, payload_len);
			if (r)
				goto fail;
			op->source = TDX_PLAN_SRC_PAYLOAD;
			src = payload;
			len = payload_len;
			used_payload = true;
			break;
		case TDX_TDVF_SECTION_PAYLOAD_PARAM:
			op->source = TDX_PLAN_SRC_PAYLOAD_PARAM;
			r = check_fits(e, "payload_param", "the payload parameters",
				       i, s, param_len);
			if (r)
				goto fail;
			used_param = true;
			if (param_len) {
				p->param_copy = malloc(param_len);
				if (!p->param_copy) {
					r = plan_fail(e, -ENOMEM, NULL, "out of memory");
					goto fail;
				}
				memcpy(p->param_copy, param, param_len);
				src = p->param_copy;
				len = param_len;
			}
			break;
		default:
			r = plan_fail(e, -EINVAL, "sections",
				      "section %zu: type %u cannot be loaded", i, s->type);
			goto fail;
		}
		if (op->source == TDX_PLAN_SRC_FIRMWARE &&
		    (s->data_offset > image_size || len > image_size - s->data_offset)) {
			r = plan_fail(e, -EINVAL, "sections",
				      "section %zu (%s): file range [0x%llx, +0x%llx) is outside the %zu-byte image",
				      i, type_name(s->type),
				      (unsigned long long)s->data_offset,
				      (unsigned long long)len, image_size);
			goto fail;
		}
		if ((s->type == TDX_TDVF_SECTION_TD_HOB ||
		     s->type == TDX_TDVF_SECTION_TEMP_MEM ||
		     s->type == TDX_TDVF_SECTION_PERM_MEM) && ram_count &&
		    !in_ram(ram, ram_count, s->gpa, s->mem_size)) {
			r = plan_fail(e, -EINVAL, "layout",
				      "section %zu (%s, [0x%llx, 0x%llx)) is not inside one RAM range of the layout",
				      i, type_name(s->type),
				      (unsigned long long)s->gpa,
				      (unsigned long long)(s->gpa + s->mem_size));
			goto fail;
		}
		op->source_len = len;
		p->src[i] = len ? src : NULL;
		if (op->added) {
			p->pages_added += op->pages;
			if (op->measured)
				p->pages_measured += op->pages;
		}
	}
	if (payload && !used_payload) {
		r = plan_fail(e, -EINVAL, "payload",
			      "a payload was given but the firmware has no Payload section");
		goto fail;
	}
	if (param && !used_param) {
		r = plan_fail(e, -EINVAL, "payload_param",
			      "payload parameters were given but the firmware has no PayloadParam section");
		goto fail;
	}
	if (build_private(p)) {
		r = plan_fail(e, -ENOMEM, NULL, "out of memory");
		goto fail;
	}
	*ret_plan = p;
	return 0;
fail:
	tdx_plan_free(p);
	return r;
}

/* The layout's RAM ranges, as plan ranges. */
static int layout_ram(struct tdx_error *e, const struct tdx_layout *layout,
		      struct tdx_plan_range **ret, size_t *ret_n)
{
	size_t i, n = 0, count = tdx_layout_range_count(layout);
	struct tdx_plan_range *ram = calloc(count ? count : 1, sizeof(*ram));

	if (!ram)
		return plan_fail(e, -ENOMEM, NULL, "out of memory");
	for (i = 0; i < count; i++) {
		struct tdx_layout_range lr;
		int r = tdx_layout_get_range(layout, i, &lr);

		if (r) {
			free(ram);
			return plan_fail(e, r, "layout", "reading layout range %zu failed", i);
		}
		if (lr.kind == TDX_LAYOUT_RAM) {
			ram[n].gpa = lr.gpa;
			ram[n].size = lr.size;
			n++;
		}
	}
	*ret = ram;
	*ret_n = n;
	return 0;
}

/* Build the HOB with the tdvf branch's builder; HOB overflow is -EINVAL. */
static int build_hob(struct tdx_error *e, const struct tdx_tdvf *tdvf,
		     const struct tdx_layout *layout, void **ret_hob,
		     size_t *ret_len)
{
	struct tdx_tdvf_diag diag;
	size_t size = 0, len = 0;
	void *buf;
	int r;

	r = tdx_hob_get_size(tdvf, layout, NULL, &diag, &size);
	if (!r) {
		buf = malloc(size ? size : 1);
		if (!buf)
			return plan_fail(e, -ENOMEM, NULL, "out of memory");
		r = tdx_hob_build(tdvf, layout, NULL, buf, size, &diag, &len);
		if (!r) {
			*ret_hob = buf;
			*ret_len = len;
			return 0;
		}
		free(buf);
	}
	if (r == -ENOSPC || diag.code == TDX_TDVF_E_HOB_OVERFLOW)
		return plan_fail(e, -EINVAL, "hob", "%s", diag.message);
	if (diag.code == TDX_TDVF_E_NOT_IN_RAM)
		return plan_fail(e, -EINVAL, "layout", "%s", diag.message);
	return plan_fail(e, r, "hob", "building the TD HOB failed: %s",
			 diag.message[0] ? diag.message : strerror(-r));
}

TDX_EXPORT int tdx_plan_new(struct tdx_ctx *ctx, const struct tdx_tdvf *tdvf,
			    const struct tdx_plan_opts *opts,
			    struct tdx_plan **ret_plan)
{
	const char *why;
	struct tdx_error local, *e = ctx ? &ctx->error : &local;
	const struct tdx_layout *layout = TDX_OPTS_GET(opts, layout, NULL);
	struct tdx_plan_opts po = TDX_OPTS(tdx_plan_opts);
	struct tdx_tdvf_section *secs = NULL;
	struct tdx_plan_range *ram = NULL;
	size_t i, n, ram_count = 0;
	void *hob = NULL;
	int r;

	if (!tdvf || !ret_plan)
		return plan_fail(e, -EINVAL, NULL, "NULL %s", tdvf ? "ret_plan" : "tdvf");
	why = tdx_opts_problem(opts, sizeof(struct tdx_plan_opts));
	if (why)
		return plan_fail(e, -EINVAL, "opts", "struct tdx_plan_opts: %s", why);
	if (opts)
		memcpy(&po, opts, opts->sz < sizeof(po) ? opts->sz : sizeof(po));
	po.sz = sizeof(po);
	n = tdx_tdvf_section_count(tdvf);
	secs = calloc(n ? n : 1, sizeof(*secs));
	if (!secs)
		return plan_fail(e, -ENOMEM, NULL, "out of memory");
	for (i = 0; i < n; i++) {
		r = tdx_tdvf_get_section(tdvf, i, &secs[i]);
		if (r) {
			r = plan_fail(e, r, "tdvf", "reading section %zu failed", i);
			goto out;
		}
	}
	if (layout) {
		r = layout_ram(e, layout, &ram, &ram_count);
		if (r)
			goto out;
		if (!po.hob && tdx_tdvf_find_section(tdvf, TDX_TDVF_SECTION_TD_HOB,
						      0, &i) == 0) {
			/* check placement first: its message is the precise one */
			struct tdx_plan *tmp;

			r = tdx_plan_build(e, tdx_tdvf_get_image(tdvf),
					   tdx_tdvf_get_image_size(tdvf), secs, n,
					   ram, ram_count, &po, &tmp);
			if (r)
				goto out;
			tdx_plan_free(tmp);
			r = build_hob(e, tdvf, layout, &hob, &po.hob_len);
			if (r)
				goto out;
			po.hob = hob;
		}
	}
	r = tdx_plan_build(e, tdx_tdvf_get_image(tdvf), tdx_tdvf_get_image_size(tdvf),
			   secs, n, ram, ram_count, &po, ret_plan);
out:
	free(hob);
	free(ram);
	free(secs);
	return r;
}

TDX_EXPORT size_t tdx_plan_op_count(const struct tdx_plan *plan)
{
	return plan ? plan->n_ops : 0;
}

TDX_EXPORT int tdx_plan_get_op(const struct tdx_plan *plan, size_t i,
			       struct tdx_plan_op *ret_op)
{
	if (!plan || !ret_op)
		return -EINVAL;
	if (i >= plan->n_ops)
		return -ERANGE;
	*ret_op = plan->ops[i];
	return 0;
}

TDX_EXPORT int tdx_plan_get_source(const struct tdx_plan *plan, size_t i,
				   const void **ret_data, size_t *ret_len)
{
	if (!plan || !ret_data || !ret_len)
		return -EINVAL;
	if (i >= plan->n_ops)
		return -ERANGE;
	*ret_data = plan->src[i];
	*ret_len = plan->ops[i].source_len;
	return 0;
}

TDX_EXPORT size_t tdx_plan_private_range_count(const struct tdx_plan *plan)
{
	return plan ? plan->n_priv : 0;
}

TDX_EXPORT int tdx_plan_get_private_range(const struct tdx_plan *plan, size_t i,
					  struct tdx_plan_range *ret_range)
{
	if (!plan || !ret_range)
		return -EINVAL;
	if (i >= plan->n_priv)
		return -ERANGE;
	*ret_range = plan->priv[i];
	return 0;
}

TDX_EXPORT int tdx_plan_get_hob_gpa(const struct tdx_plan *plan, uint64_t *ret_gpa)
{
	if (!plan || !ret_gpa)
		return -EINVAL;
	if (!plan->has_hob)
		return -ENOENT;
	*ret_gpa = plan->hob_gpa;
	return 0;
}

TDX_EXPORT uint64_t tdx_plan_get_total_pages(const struct tdx_plan *plan,
					     uint64_t *ret_measured)
{
	if (!plan)
		return 0;
	if (ret_measured)
		*ret_measured = plan->pages_measured;
	return plan->pages_added;
}
