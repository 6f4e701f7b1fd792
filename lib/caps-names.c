/* SPDX-License-Identifier: MIT */
/*
 * TD attribute and XFAM bit names: lookup, parse ("sept-ve-disable,perfmon")
 * and format (snprintf semantics).  Pure functions over const tables.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const attr_names[64] = {
	[0] = "debug",
	[4] = "hgs-plus-prof",
	[5] = "perf-prof",
	[6] = "pmt-prof",
	[16] = "icssd",
	[27] = "lass",
	[28] = "sept-ve-disable",
	[29] = "migratable",
	[30] = "pks",
	[31] = "kl",
	[62] = "tpa",
	[63] = "perfmon",
};

static const char *const xfam_names[64] = {
	[0] = "x87",
	[1] = "sse",
	[2] = "avx",
	[3] = "mpx-bndregs",
	[4] = "mpx-bndcsr",
	[5] = "avx512-opmask",
	[6] = "avx512-zmm-hi256",
	[7] = "avx512-hi16-zmm",
	[8] = "pt",
	[9] = "pkru",
	[10] = "pasid",
	[11] = "cet-u",
	[12] = "cet-s",
	[13] = "hdc",
	[14] = "uli",
	[15] = "lbr",
	[16] = "hwp",
	[17] = "amx-tilecfg",
	[18] = "amx-tiledata",
	[19] = "apx",
};

struct bit_group {
	const char *name;
	uint64_t mask;
};

/* Ordered by lowest bit, the order format emits them in. */
static const struct bit_group xfam_groups[] = {
	{ "mpx", TDX_XFAM_MPX },
	{ "avx512", TDX_XFAM_AVX512 },
	{ "cet", TDX_XFAM_CET },
	{ "amx", TDX_XFAM_AMX },
};

struct name_table {
	const char *const *names;	/* 64 entries */
	const struct bit_group *groups;
	size_t ngroups;
};

static const struct name_table attr_table = { attr_names, NULL, 0 };
static const struct name_table xfam_table = {
	xfam_names, xfam_groups, TDX_ARRAY_SIZE(xfam_groups)
};

TDX_EXPORT const char *tdx_attr_name(unsigned int bit)
{
	return bit < 64 ? attr_names[bit] : NULL;
}

TDX_EXPORT const char *tdx_xfam_name(unsigned int bit)
{
	return bit < 64 ? xfam_names[bit] : NULL;
}

/* ---- parse ------------------------------------------------------------ */

static char fold(char c)
{
	return c == '_' ? '-' : (char)tolower((unsigned char)c);
}

/* Does word[0..len) equal name, ignoring case and '_' vs '-'? */
static bool word_is(const char *word, size_t len, const char *name)
{
	size_t i;

	if (strlen(name) != len)
		return false;
	for (i = 0; i < len; i++)
		if (fold(word[i]) != name[i])
			return false;
	return true;
}

/* Parse a whole-string number: "0x..." hex or decimal.  false on junk/overflow. */
static bool parse_number(const char *s, size_t len, uint64_t *ret)
{
	unsigned int base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		unsigned int d;
		char c = (char)tolower((unsigned char)s[i]);

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*ret = v;
	return true;
}

/* "bitN" with N in 0..63: the name format gives unnamed bits. */
static bool parse_bitn(const char *w, size_t len, uint64_t *ret)
{
	uint64_t n;

	if (len < 4 || !word_is(w, 3, "bit") || !isdigit((unsigned char)w[3]))
		return false;
	if (!parse_number(w + 3, len - 3, &n) || n > 63)
		return false;
	*ret = 1ULL << n;
	return true;
}

static bool parse_word(const struct name_table *t, const char *w, size_t len,
		       uint64_t *ret)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (t->names[i] && word_is(w, len, t->names[i])) {
			*ret = 1ULL << i;
			return true;
		}
	for (i = 0; i < t->ngroups; i++)
		if (word_is(w, len, t->groups[i].name)) {
			*ret = t->groups[i].mask;
			return true;
		}
	return parse_bitn(w, len, ret);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int parse_mask(const struct name_table *t, const char *str,
		      uint64_t *ret_mask, size_t *ret_bad)
{
	const char *p, *start, *end;
	uint64_t mask = 0, bits;

	if (!str || !ret_mask) {
		if (ret_bad)
			*ret_bad = 0;
		return -EINVAL;
	}
	/* A single number (or "none") must be the whole string. */
	for (start = str; is_blank(*start); start++)
		;
	for (end = start + strlen(start); end > start && is_blank(end[-1]); end--)
		;
	if (end > start && isdigit((unsigned char)*start)) {
		if (!parse_number(start, (size_t)(end - start), &mask))
			goto bad;
		*ret_mask = mask;
		return 0;
	}
	if (word_is(start, (size_t)(end - start), "none")) {
		*ret_mask = 0;
		return 0;
	}

	for (p = str;; p++) {
		size_t len;

		while (is_blank(*p))
			p++;
		start = p;
		while (*p && *p != ',')
			p++;
		for (end = p; end > start && is_blank(end[-1]); end--)
			;
		len = (size_t)(end - start);
		if (!len || !parse_word(t, start, len, &bits))
			goto bad;
		mask |= bits;
		if (!*p)
			break;
	}
	*ret_mask = mask;
	return 0;
bad:
	if (ret_bad)
		*ret_bad = (size_t)(start - str);
	return -EINVAL;
}

TDX_EXPORT int tdx_attrs_parse(const char *str, uint64_t *ret_mask, size_t *ret_bad)
{
	return parse_mask(&attr_table, str, ret_mask, ret_bad);
}

TDX_EXPORT int tdx_xfam_parse(const char *str, uint64_t *ret_mask, size_t *ret_bad)
{
	return parse_mask(&xfam_table, str, ret_mask, ret_bad);
}

/* ---- format ----------------------------------------------------------- */

/* Append like snprintf: *len counts every byte wanted, buf gets what fits. */
static void append(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len < size) {
		size_t room = size - *len - 1;

		memcpy(buf + *len, s, n < room ? n : room);
	}
	*len += n;
}

static int format_mask(const struct name_table *t, uint64_t mask, char *buf,
		       size_t size)
{
	size_t len = 0, g;
	unsigned int bit;
	uint64_t done = 0;
	char tmp[8];

	if (!buf && size)
		return -EINVAL;
	if (!mask)
		append(buf, size, &len, "none");
	for (bit = 0; bit < 64; bit++) {
		uint64_t b = 1ULL << bit;
		const char *name = t->names[bit];

		if (!(mask & b) || (done & b))
			continue;
		for (g = 0; g < t->ngroups; g++)
			if ((t->groups[g].mask & b) &&
			    (mask & t->groups[g].mask) == t->groups[g].mask) {
				name = t->groups[g].name;
				done |= t->groups[g].mask;
			}
		if (!name) {
			snprintf(tmp, sizeof(tmp), "bit%u", bit);
			name = tmp;
		}
		if (len)
			append(buf, size, &len, ",");
		append(buf, size, &len, name);
	}
	if (size)
		buf[len < size ? len : size - 1] = '\0';
	return (int)len;
}

TDX_EXPORT int tdx_attrs_format(uint64_t mask, char *buf, size_t size)
{
	return format_mask(&attr_table, mask, buf, size);
}

TDX_EXPORT int tdx_xfam_format(uint64_t mask, char *buf, size_t size)
{
	return format_mask(&xfam_table, mask, buf, size);
}
