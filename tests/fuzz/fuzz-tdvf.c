/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: TDVF parsing, then (when it parses) layouts and the TD HOB.
 * Every byte the parser hands out is read, so a sanitizer catches any
 * pointer past the input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libtdx.h>

#include "fuzz.h"

static uint64_t page_up(uint64_t v)
{
	return (v + 0xfff) & ~0xfffull;
}

static void touch(const void *p, size_t len)
{
	const volatile uint8_t *b = p;
	uint8_t x = 0;

	for (size_t i = 0; i < len; i++)
		x ^= b[i];
	(void)x;
}

static void build_hob(const struct tdx_tdvf *t, const struct tdx_layout *l)
{
	struct tdx_tdvf_diag d;
	struct tdx_memmap_entry m[64];
	size_t need = 0, len;
	uint8_t *buf;
	int n;

	n = tdx_hob_get_memmap(t, l, m, 64, &d);
	if (n < 0)
		return;
	if (tdx_hob_get_size(t, l, NULL, &d, &need) < 0)
		return;
	if (need > (1u << 20))
		return;
	buf = malloc(need);
	if (!buf)
		return;
	if (tdx_hob_build(t, l, NULL, buf, need, &d, &len) == 0) {
		if (len != need)
			abort();
		touch(buf, len);
	}
	free(buf);
}

static void exercise(const struct tdx_tdvf *t)
{
	static const uint64_t ram[] = { 1ull << 30, 0xb0000000ull, 8ull << 30 };
	const struct tdx_layout_range all = { 0, 1ull << 47, TDX_LAYOUT_RAM, 0 };
	struct tdx_layout *l;
	size_t n = tdx_tdvf_section_count(t);

	for (size_t i = 0; i < n; i++) {
		struct tdx_tdvf_section s;
		const void *p;
		size_t len;

		if (tdx_tdvf_get_section(t, i, &s) || tdx_tdvf_get_section_data(t, i, &p, &len))
			abort();
		touch(p, len);
		(void)tdx_tdvf_section_type_name(s.type);
	}
	for (size_t i = 0; i < tdx_tdvf_warning_count(t); i++) {
		struct tdx_tdvf_diag w;

		if (tdx_tdvf_get_warning(t, i, &w) || !tdx_tdvf_code_name(w.code))
			abort();
	}
	for (size_t i = 0; i < sizeof(ram) / sizeof(ram[0]); i++) {
		if (tdx_layout_new_q35(ram[i], page_up(tdx_tdvf_get_image_size(t)), NULL, &l) == 0) {
			build_hob(t, l);
			tdx_layout_free(l);
		}
	}
	if (tdx_layout_new(&all, 1, NULL, &l) == 0) {
		build_hob(t, l);
		tdx_layout_free(l);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t flags[] = { 0, TDX_TDVF_ALLOW_LEGACY, TDX_TDVF_STRICT };

	for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		struct tdx_tdvf_opts o = TDX_OPTS(tdx_tdvf_opts);
		struct tdx_tdvf_diag d;
		struct tdx_tdvf *t = NULL;
		int r;

		o.flags = flags[f];
		r = tdx_tdvf_parse(data, size, &o, &d, &t);
		if (r != 0 && r != -EINVAL && r != -ENOMSG && r != -ENOMEM)
			abort();
		if (d.err != r || !tdx_tdvf_code_name(d.code) ||
		    !memchr(d.message, 0, sizeof(d.message)))
			abort();
		if (r == 0) {
			exercise(t);
			tdx_tdvf_free(t);
		}
	}
	return 0;
}
