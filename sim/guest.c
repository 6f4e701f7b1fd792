/* SPDX-License-Identifier: MIT */
/*
 * Guest-script parser (grammar: tdxsim(1), GUEST SCRIPTS).  One event per
 * line, '#' comments, [vcpu N] / [vcpu N-M] / [vcpu *] sections,
 * "repeat N {" ... "}" blocks and "flood N EVENT".
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"

#define MAX_TOKS 16

struct tok {
	char *s;	/* NUL-terminated (quoted strings may hold NULs: use len) */
	size_t len;
	bool quoted;
};

struct pctx {
	const char *name;
	unsigned line;
	char *err;
	size_t errlen;
};

static int perr(struct pctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct pctx *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%u: %s", p->name, p->line, msg);
	return -1;
}

const char *gev_name(enum gev_kind k)
{
	static const char *const n[] = {
		[GE_MAPGPA] = "mapgpa", [GE_FAULT] = "fault", [GE_OUT] = "out",
		[GE_IN] = "in", [GE_STRING] = "string", [GE_MMIO_READ] = "mmio-read",
		[GE_MMIO_WRITE] = "mmio-write", [GE_GETQUOTE] = "getquote",
		[GE_NOTIFY] = "notify", [GE_TDVMCALL_INFO] = "tdvmcall-info",
		[GE_TDVMCALL] = "tdvmcall", [GE_FATAL] = "fatal",
		[GE_SHUTDOWN] = "shutdown", [GE_HLT] = "hlt", [GE_SLEEP] = "sleep",
		[GE_REPEAT] = "repeat", [GE_END] = "}", [GE_EXPECT] = "expect",
		[GE_UNACCEPTED] = "unaccepted", [GE_KVM_HYPERCALL] = "kvm-hypercall",
	};

	return (size_t)k < sizeof(n) / sizeof(n[0]) && n[k] ? n[k] : "?";
}

static const struct { const char *name; uint64_t v; } statuses[] = {
	{ "success", TDVMCALL_ST_SUCCESS },
	{ "retry", TDVMCALL_ST_RETRY },
	{ "invalid-operand", TDVMCALL_ST_INVALID_OPERAND },
	{ "gpa-inuse", 0x8000000000000001ULL },
	{ "align-error", TDVMCALL_ST_ALIGN_ERROR },
	{ "subfunc-unsupported", TDVMCALL_ST_SUBFUNC_UNSUPPORTED },
};

const char *gstatus_name(uint64_t st)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].v == st)
			return statuses[i].name;
	return "other";
}

/* ---- tokens ------------------------------------------------------------ */
static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Split a line in place.  Returns the number of tokens or -1. */
static int tokenize(struct pctx *p, char *line, struct tok *t)
{
	int n = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == MAX_TOKS)
			return perr(p, "too many words on one line (at most %d)", MAX_TOKS);
		if (*s == '"') {
			char *out = ++s, *start = out;

			for (;;) {
				int c = (unsigned char)*s;

				if (!c)
					return perr(p, "unterminated string");
				s++;
				if (c == '"')
					break;
				if (c == '\\') {
					int e = (unsigned char)*s++;

					switch (e) {
					case 'n': c = '\n'; break;
					case 'r': c = '\r'; break;
					case 't': c = '\t'; break;
					case '0': c = 0; break;
					case '\\': c = '\\'; break;
					case '"': c = '"'; break;
					case 'x': {
						int h = hexval(s[0]), l = h < 0 ? -1 : hexval(s[1]);

						if (h < 0 || l < 0)
							return perr(p, "bad \\x escape (two hex digits needed)");
						c = h * 16 + l;
						s += 2;
						break;
					}
					default:
						return perr(p, "unknown escape '\\%c'", e ? e : '?');
					}
				}
				*out++ = (char)c;
			}
			t[n].s = start;
			t[n].len = (size_t)(out - start);
			t[n].quoted = true;
			if (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '#')
				return perr(p, "text right after a closing quote");
			/* out <= s - 1: terminate without touching the next token */
			*out = 0;
			n++;
			continue;
		}
		t[n].s = s;
		t[n].quoted = false;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '#')
			s++;
		t[n].len = (size_t)(s - t[n].s);
		if (*s == '#') {
			*s = 0;
			n++;
			return n;
		}
		if (*s)
			*s++ = 0;
		n++;
	}
}

/* Number: C syntax (0x.., decimal), optional K/M/G suffix when sized. */
static int num(struct pctx *p, const struct tok *t, const char *what, bool sized,
	       uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (t->quoted || !t->s[0] || t->s[0] == '-')
		return perr(p, "%s: expected a number, got '%s'", what, t->s);
	errno = 0;
	x = strtoull(t->s, &end, 0);
	if (errno || end == t->s)
		return perr(p, "%s: bad number '%s'", what, t->s);
	if (sized && *end) {
		unsigned shift = 0;

		switch (toupper((unsigned char)*end)) {
		case 'K': shift = 10; break;
		case 'M': shift = 20; break;
		case 'G': shift = 30; break;
		default:
			return perr(p, "%s: bad number '%s'", what, t->s);
		}
		end++;
		if (x > (UINT64_MAX >> shift))
			return perr(p, "%s: '%s' is too large", what, t->s);
		x <<= shift;
	}
	if (*end)
		return perr(p, "%s: bad number '%s'", what, t->s);
	*v = x;
	return 0;
}

static int nargs(struct pctx *p, const char *ev, int n, int lo, int hi, const char *usage)
{
	if (n - 1 < lo || n - 1 > hi)
		return perr(p, "%s: wrong number of arguments (usage: %s)", ev, usage);
	return 0;
}

static int kind_arg(struct pctx *p, const struct tok *t, const char *ev, bool *priv)
{
	if (!t->quoted && !strcmp(t->s, "private"))
		*priv = true;
	else if (!t->quoted && !strcmp(t->s, "shared"))
		*priv = false;
	else
		return perr(p, "%s: expected 'private' or 'shared', got '%s'", ev, t->s);
	return 0;
}

/* ReportFatalError from a code, a message and an optional GPA, as a guest
 * (TDVF, Linux) issues it: R12 = code (bit 63 when R13 holds a GPA), the
 * message in R14, R15, RBX, RDI, RSI, R8, R9, RDX with a NUL after it when
 * it is shorter than 64 bytes; RCX exposes R10-R13 plus the message
 * registers used. */
static void build_fatal(struct gev *e, uint64_t code, const char *msg, size_t len,
			bool has_gpa, uint64_t gpa)
{
	static const unsigned bit[8] = { 14, 15, 3, 7, 6, 8, 9, 2 };
	unsigned char buf[64] = { 0 };
	size_t used = len < 64 ? len + 1 : 64;	/* with the NUL */

	if (len > 64)
		len = 64;
	if (msg)	/* memcpy would let the compiler assume msg != NULL */
		memcpy(buf, msg, len);
	e->a[0] = 0x3c00;	/* R10 R11 R12 R13 */
	e->a[1] = code | (has_gpa ? 1ULL << 63 : 0);
	e->a[2] = has_gpa ? gpa : 0;
	for (unsigned r = 0; r < 8; r++) {
		uint64_t v = 0;

		if (!msg || r * 8 >= used)
			continue;
		for (unsigned b = 0; b < 8; b++)
			v |= (uint64_t)buf[r * 8 + b] << (8 * b);
		e->a[3 + r] = v;
		e->a[0] |= 1ULL << bit[r];
	}
}

static struct gev *push(struct pctx *p, struct gsection *s)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		struct gev *n = realloc(s->ev, nc * sizeof(*n));

		if (!n) {
			perr(p, "out of memory");
			return NULL;
		}
		s->ev = n;
		s->cap = nc;
	}
	memset(&s->ev[s->n], 0, sizeof(s->ev[0]));
	s->ev[s->n].line = p->line;
	return &s->ev[s->n++];
}

/* Parse one event from tokens t[0..n) into e. */
static int parse_event(struct pctx *p, struct tok *t, int n, struct gev *e)
{
	const char *ev = t[0].s;

	if (t[0].quoted)
		return perr(p, "expected an event name, got a string");
	if (!strcmp(ev, "mapgpa")) {
		e->kind = GE_MAPGPA;
		if (nargs(p, ev, n, 3, 3, "mapgpa GPA SIZE private|shared") ||
		    num(p, &t[1], "mapgpa GPA", false, &e->a[0]) ||
		    num(p, &t[2], "mapgpa SIZE", true, &e->a[1]) ||
		    kind_arg(p, &t[3], ev, &e->priv))
			return -1;
		e->shared = !e->priv;
	} else if (!strcmp(ev, "mapgpa-raw")) {
		e->kind = GE_MAPGPA;
		e->raw = true;
		if (nargs(p, ev, n, 2, 2, "mapgpa-raw GUEST_GPA SIZE") ||
		    num(p, &t[1], "mapgpa-raw GPA", false, &e->a[0]) ||
		    num(p, &t[2], "mapgpa-raw SIZE", true, &e->a[1]))
			return -1;
	} else if (!strcmp(ev, "fault")) {
		e->kind = GE_FAULT;
		if (nargs(p, ev, n, 2, 2, "fault GPA private|shared") ||
		    num(p, &t[1], "fault GPA", false, &e->a[0]) ||
		    kind_arg(p, &t[2], ev, &e->priv))
			return -1;
	} else if (!strcmp(ev, "unaccepted")) {
		e->kind = GE_UNACCEPTED;
		e->priv = true;
		if (nargs(p, ev, n, 1, 1, "unaccepted GPA") ||
		    num(p, &t[1], "unaccepted GPA", false, &e->a[0]))
			return -1;
	} else if (!strcmp(ev, "kvm-hypercall")) {
		e->kind = GE_KVM_HYPERCALL;
		if (nargs(p, ev, n, 1, 5, "kvm-hypercall NR [A0 [A1 [A2 [A3]]]]"))
			return -1;
		for (int i = 1; i < n; i++)
			if (num(p, &t[i], "kvm-hypercall argument", false, &e->a[i - 1]))
				return -1;
		if (!e->a[0])
			return perr(p, "kvm-hypercall: NR 0 is a standard TDVMCALL (R10 = 0)");
		if (e->a[0] == 9 || e->a[0] == 10)
			return perr(p, "kvm-hypercall: NR %llu (clock pairing, send IPI) is not modelled",
				    (unsigned long long)e->a[0]);
	} else if (!strcmp(ev, "out")) {
		e->kind = GE_OUT;
		if (nargs(p, ev, n, 3, 3, "out PORT SIZE VALUE") ||
		    num(p, &t[1], "out PORT", false, &e->a[0]) ||
		    num(p, &t[2], "out SIZE", false, &e->a[1]) ||
		    num(p, &t[3], "out VALUE", false, &e->a[2]))
			return -1;
		if (e->a[0] > 0xffff)
			return perr(p, "out: port 0x%llx is above 0xffff", (unsigned long long)e->a[0]);
	} else if (!strcmp(ev, "in")) {
		e->kind = GE_IN;
		if (nargs(p, ev, n, 2, 2, "in PORT SIZE") ||
		    num(p, &t[1], "in PORT", false, &e->a[0]) ||
		    num(p, &t[2], "in SIZE", false, &e->a[1]))
			return -1;
		if (e->a[0] > 0xffff)
			return perr(p, "in: port 0x%llx is above 0xffff", (unsigned long long)e->a[0]);
	} else if (!strcmp(ev, "serial") || !strcmp(ev, "debugcon") || !strcmp(ev, "outs")) {
		int si = 1;

		e->kind = GE_STRING;
		e->a[0] = !strcmp(ev, "serial") ? 0x3f8 : 0x402;
		if (!strcmp(ev, "outs")) {
			if (nargs(p, ev, n, 2, 2, "outs PORT \"text\"") ||
			    num(p, &t[1], "outs PORT", false, &e->a[0]))
				return -1;
			if (e->a[0] > 0xffff)
				return perr(p, "outs: port above 0xffff");
			si = 2;
		} else if (nargs(p, ev, n, 1, 1, "serial|debugcon \"text\"")) {
			return -1;
		}
		if (!t[si].quoted)
			return perr(p, "%s: the text must be in double quotes", ev);
		e->str = malloc(t[si].len + 1);
		if (!e->str)
			return perr(p, "out of memory");
		memcpy(e->str, t[si].s, t[si].len);
		e->str[t[si].len] = 0;
		e->slen = t[si].len;
	} else if (!strcmp(ev, "mmio-read")) {
		e->kind = GE_MMIO_READ;
		if (nargs(p, ev, n, 2, 3, "mmio-read GPA LEN [shared|private]") ||
		    num(p, &t[1], "mmio-read GPA", false, &e->a[0]) ||
		    num(p, &t[2], "mmio-read LEN", false, &e->a[1]) ||
		    (n == 4 && kind_arg(p, &t[3], ev, &e->priv)))
			return -1;
	} else if (!strcmp(ev, "mmio-write")) {
		e->kind = GE_MMIO_WRITE;
		if (nargs(p, ev, n, 3, 4, "mmio-write GPA LEN VALUE [shared|private]") ||
		    num(p, &t[1], "mmio-write GPA", false, &e->a[0]) ||
		    num(p, &t[2], "mmio-write LEN", false, &e->a[1]) ||
		    num(p, &t[3], "mmio-write VALUE", false, &e->a[2]) ||
		    (n == 5 && kind_arg(p, &t[4], ev, &e->priv)))
			return -1;
	} else if (!strcmp(ev, "getquote")) {
		e->kind = GE_GETQUOTE;
		e->shared = true;
		if (nargs(p, ev, n, 2, 3, "getquote GPA SIZE [shared|private]") ||
		    num(p, &t[1], "getquote GPA", false, &e->a[0]) ||
		    num(p, &t[2], "getquote SIZE", true, &e->a[1]))
			return -1;
		if (n == 4) {
			if (kind_arg(p, &t[3], ev, &e->priv))
				return -1;
			e->shared = !e->priv;
		}
	} else if (!strcmp(ev, "notify")) {
		e->kind = GE_NOTIFY;
		if (nargs(p, ev, n, 1, 1, "notify VECTOR") ||
		    num(p, &t[1], "notify VECTOR", false, &e->a[0]))
			return -1;
	} else if (!strcmp(ev, "tdvmcall-info")) {
		e->kind = GE_TDVMCALL_INFO;
		if (nargs(p, ev, n, 1, 1, "tdvmcall-info LEAF") ||
		    num(p, &t[1], "tdvmcall-info LEAF", false, &e->a[0]))
			return -1;
	} else if (!strcmp(ev, "tdvmcall")) {
		e->kind = GE_TDVMCALL;
		if (nargs(p, ev, n, 1, 1, "tdvmcall LEAF") ||
		    num(p, &t[1], "tdvmcall LEAF", false, &e->a[0]))
			return -1;
		if (e->a[0] >= 0x10000 && e->a[0] <= 0x10004)
			return perr(p, "tdvmcall: leaf 0x%llx has its own event",
				    (unsigned long long)e->a[0]);
		/* tdcall_to_vmx_exit_reason(): these leaves are VMX exit
		 * reasons KVM handles, not SUBFUNC_UNSUPPORTED. */
		if (e->a[0] == 10 || e->a[0] == 12 || e->a[0] == 30 || e->a[0] == 31 ||
		    e->a[0] == 32 || e->a[0] == 48)
			return perr(p, "tdvmcall: leaf %llu is handled by KVM (CPUID, HLT, I/O, MSR, "
				    "MMIO): use hlt, in/out or mmio-read/mmio-write; CPUID and MSR "
				    "are not modelled", (unsigned long long)e->a[0]);
	} else if (!strcmp(ev, "fatal")) {
		uint64_t code, gpa = 0;
		int gi = 2;
		const char *msg = NULL;
		size_t mlen = 0;

		e->kind = GE_FATAL;
		if (nargs(p, ev, n, 1, 3, "fatal CODE [\"message\"] [GPA]") ||
		    num(p, &t[1], "fatal CODE", false, &code))
			return -1;
		if (n > 2 && t[2].quoted) {
			msg = t[2].s;
			mlen = t[2].len;
			gi = 3;
		}
		if (n > gi + 1)
			return perr(p, "fatal: wrong number of arguments (usage: fatal CODE [\"message\"] [GPA])");
		if (n == gi + 1 && num(p, &t[gi], "fatal GPA", false, &gpa))
			return -1;
		if (mlen > 64)
			return perr(p, "fatal: the message is %zu bytes; at most 64 fit in the registers", mlen);
		build_fatal(e, code, msg, mlen, n == gi + 1, gpa);
	} else if (!strcmp(ev, "fatal-raw")) {
		e->kind = GE_FATAL;
		if (nargs(p, ev, n, 3, 11,
			  "fatal-raw RCX_MASK R12 R13 [R14 R15 RBX RDI RSI R8 R9 RDX]"))
			return -1;
		for (int i = 1; i < n; i++)
			if (num(p, &t[i], "fatal-raw register", false, &e->a[i - 1]))
				return -1;
	} else if (!strcmp(ev, "shutdown")) {
		e->kind = GE_SHUTDOWN;
		if (nargs(p, ev, n, 0, 0, "shutdown"))
			return -1;
	} else if (!strcmp(ev, "hlt")) {
		e->kind = GE_HLT;
		if (nargs(p, ev, n, 0, 1, "hlt [TIMEOUT_MS]") ||
		    (n == 2 && num(p, &t[1], "hlt TIMEOUT_MS", false, &e->a[0])))
			return -1;
	} else if (!strcmp(ev, "sleep")) {
		e->kind = GE_SLEEP;
		if (nargs(p, ev, n, 1, 1, "sleep MS") ||
		    num(p, &t[1], "sleep MS", false, &e->a[0]))
			return -1;
	} else if (!strcmp(ev, "expect")) {
		static const struct { const char *n; enum gexpect w; } w[] = {
			{ "status", GX_STATUS }, { "value", GX_VALUE }, { "r11", GX_R11 },
			{ "r12", GX_R12 }, { "r13", GX_R13 }, { "r14", GX_R14 },
			{ "exits", GX_EXITS },
		};
		size_t i;

		e->kind = GE_EXPECT;
		if (nargs(p, ev, n, 2, 2, "expect status|value|r11|r12|r13|r14|exits VALUE"))
			return -1;
		for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
			if (!strcmp(t[1].s, w[i].n))
				break;
		if (i == sizeof(w) / sizeof(w[0]))
			return perr(p, "expect: unknown item '%s' (status, value, r11-r14, exits)",
				    t[1].s);
		e->what = w[i].w;
		if (e->what == GX_STATUS)
			for (size_t k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++)
				if (!strcmp(t[2].s, statuses[k].name)) {
					e->a[0] = statuses[k].v;
					return 0;
				}
		if (num(p, &t[2], "expect VALUE", false, &e->a[0]))
			return -1;
	} else {
		return perr(p, "unknown event '%s'", ev);
	}
	return 0;
}

static int section_header(struct pctx *p, char *s, struct gscript *sc)
{
	char *end, *body;
	struct gsection *n, *sec;
	int64_t lo, hi;

	end = strchr(s, ']');
	if (!end)
		return perr(p, "section header without ']'");
	for (char *q = end + 1; *q; q++) {
		if (*q == '#')
			break;
		if (!isspace((unsigned char)*q))
			return perr(p, "text after the section header");
	}
	*end = 0;
	body = s + 1;
	while (isspace((unsigned char)*body))
		body++;
	if (strncmp(body, "vcpu", 4) || !isspace((unsigned char)body[4]))
		return perr(p, "expected [vcpu N], [vcpu N-M] or [vcpu *]");
	body += 5;
	while (isspace((unsigned char)*body))
		body++;
	for (char *q = body + strlen(body); q > body && isspace((unsigned char)q[-1]); q--)
		q[-1] = 0;
	if (!strcmp(body, "*")) {
		lo = hi = -1;
	} else {
		char *e2;
		unsigned long long a, b;

		if (!isdigit((unsigned char)*body))
			return perr(p, "bad vCPU id '%s'", body);
		errno = 0;
		a = strtoull(body, &e2, 0);
		b = a;
		if (*e2 == '-') {
			char *e3 = e2 + 1;

			if (!isdigit((unsigned char)*e3))
				return perr(p, "bad vCPU range '%s'", body);
			b = strtoull(e3, &e2, 0);
		}
		if (errno || *e2 || a > b || b >= 4096)
			return perr(p, "bad vCPU id or range '%s' (ids are 0..4095)", body);
		lo = (int64_t)a;
		hi = (int64_t)b;
	}
	for (size_t i = 0; i < sc->nsec; i++) {
		const struct gsection *o = &sc->sec[i];

		if (lo < 0 && o->lo < 0)
			return perr(p, "a second [vcpu *] section");
		if (lo >= 0 && o->lo >= 0 && lo <= o->hi && o->lo <= hi)
			return perr(p, "vCPU %lld already has a section",
				    (long long)(lo > o->lo ? lo : o->lo));
	}
	n = realloc(sc->sec, (sc->nsec + 1) * sizeof(*n));
	if (!n)
		return perr(p, "out of memory");
	sc->sec = n;
	sec = &sc->sec[sc->nsec++];
	memset(sec, 0, sizeof(*sec));
	sec->lo = lo;
	sec->hi = hi;
	return 0;
}

struct gscript *gscript_parse(const char *text, const char *name, char *err,
			      size_t errlen)
{
	struct pctx p = { .name = name ? name : "script", .err = err, .errlen = errlen };
	struct gscript *sc = calloc(1, sizeof(*sc));
	size_t open[GSCRIPT_MAX_DEPTH];
	unsigned open_line[GSCRIPT_MAX_DEPTH];
	int depth = 0;
	const char *s = text;

	if (!sc) {
		perr(&p, "out of memory");
		return NULL;
	}
	snprintf(sc->name, sizeof(sc->name), "%s", p.name);
	sc->refs = 1;
	if (!text) {
		perr(&p, "no text");
		goto fail;
	}
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *line = malloc(len + 1), *q;
		struct tok t[MAX_TOKS];
		struct gsection *sec;
		int n, r = 0;

		p.line++;
		if (!line) {
			perr(&p, "out of memory");
			goto fail;
		}
		memcpy(line, s, len);
		line[len] = 0;
		s = nl ? nl + 1 : s + len;
		if (memchr(line, 0, len)) {
			free(line);
			perr(&p, "NUL byte in the script");
			goto fail;
		}
		q = line;
		while (isspace((unsigned char)*q))
			q++;
		if (*q == '[') {
			if (depth) {
				p.line = open_line[depth - 1];
				perr(&p, "'repeat' block not closed before the next section");
				free(line);
				goto fail;
			}
			r = section_header(&p, q, sc);
			free(line);
			if (r)
				goto fail;
			continue;
		}
		n = tokenize(&p, line, t);
		if (n < 0) {
			free(line);
			goto fail;
		}
		if (n == 0) {
			free(line);
			continue;
		}
		if (!sc->nsec) {
			perr(&p, "'%s' before any [vcpu ...] section", t[0].s);
			free(line);
			goto fail;
		}
		sec = &sc->sec[sc->nsec - 1];
		if (!t[0].quoted && !strcmp(t[0].s, "}")) {
			struct gev *e;

			if (n != 1 || !depth) {
				perr(&p, n != 1 ? "text after '}'" : "'}' without 'repeat'");
				free(line);
				goto fail;
			}
			e = push(&p, sec);
			if (!e) {
				free(line);
				goto fail;
			}
			e->kind = GE_END;
			e->match = open[--depth];
			sec->ev[e->match].match = sec->n - 1;
		} else if (!t[0].quoted && (!strcmp(t[0].s, "repeat") || !strcmp(t[0].s, "flood"))) {
			bool flood = t[0].s[0] == 'f';
			uint64_t cnt;
			struct gev *e;

			if (flood ? n < 3 : n != 3 || t[2].quoted || strcmp(t[2].s, "{")) {
				perr(&p, flood ? "usage: flood N EVENT [ARGS...]" : "usage: repeat N {");
				free(line);
				goto fail;
			}
			if (num(&p, &t[1], t[0].s, false, &cnt)) {
				free(line);
				goto fail;
			}
			if (depth == GSCRIPT_MAX_DEPTH) {
				perr(&p, "'repeat' nested deeper than %d", GSCRIPT_MAX_DEPTH);
				free(line);
				goto fail;
			}
			e = push(&p, sec);
			if (!e) {
				free(line);
				goto fail;
			}
			e->kind = GE_REPEAT;
			e->a[0] = cnt;
			if (flood) {
				size_t at = sec->n - 1;

				e = push(&p, sec);
				if (!e || parse_event(&p, t + 2, n - 2, e)) {
					if (e)
						sec->n--;
					free(line);
					goto fail;
				}
				if (e->kind == GE_EXPECT || e->kind == GE_SHUTDOWN) {
					perr(&p, "flood: '%s' cannot be repeated", t[2].s);
					free(line);
					goto fail;
				}
				e = push(&p, sec);
				if (!e) {
					free(line);
					goto fail;
				}
				e->kind = GE_END;
				e->match = at;
				sec->ev[at].match = sec->n - 1;
			} else {
				open_line[depth] = p.line;
				open[depth++] = sec->n - 1;
			}
		} else {
			struct gev *e = push(&p, sec);

			if (!e || parse_event(&p, t, n, e)) {
				if (e)
					sec->n--;
				free(line);
				goto fail;
			}
		}
		free(line);
	}
	if (depth) {
		p.line = open_line[depth - 1];
		perr(&p, "'repeat' block not closed");
		goto fail;
	}
	if (!sc->nsec) {
		perr(&p, "no [vcpu ...] section");
		goto fail;
	}
	return sc;
fail:
	gscript_free(sc);
	return NULL;
}

struct gscript *gscript_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct gscript *s;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap ? cap * 2 : 8192);

			if (!nb) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "%s: out of memory", path);
				return NULL;
			}
			buf = nb;
			cap = cap ? cap * 2 : 8192;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = 0;
	if (strlen(buf) != len) {
		free(buf);
		snprintf(err, errlen, "%s: NUL byte in the script", path);
		return NULL;
	}
	s = gscript_parse(buf, path, err, errlen);
	free(buf);
	return s;
}

void gscript_free(struct gscript *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nsec; i++) {
		for (size_t j = 0; j < s->sec[i].n; j++)
			free(s->sec[i].ev[j].str);
		free(s->sec[i].ev);
	}
	free(s->sec);
	free(s);
}

const struct gsection *gscript_section(const struct gscript *s, uint32_t id)
{
	const struct gsection *any = NULL;

	if (!s)
		return NULL;
	for (size_t i = 0; i < s->nsec; i++) {
		if (s->sec[i].lo < 0)
			any = &s->sec[i];
		else if ((int64_t)id >= s->sec[i].lo && (int64_t)id <= s->sec[i].hi)
			return &s->sec[i];
	}
	return any;
}
