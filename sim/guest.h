/* SPDX-License-Identifier: MIT */
/*
 * Scripted guest for KVM_RUN: the script model (guest.c parses it, run.c
 * executes it).  The grammar is documented in tdxsim(1), section
 * GUEST SCRIPTS (doc/man/tdxsim.1.scd).  This header has no dependency on the rest of the
 * simulator so that the tdxsim wrapper can validate a script too.
 */
#ifndef TDXSIM_GUEST_H
#define TDXSIM_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gev_kind {
	GE_MAPGPA,	/* a0 gpa, a1 size; shared: guest sets the shared bit; raw: a0 as given */
	GE_FAULT,	/* a0 gpa; priv: private access */
	GE_OUT,		/* a0 port, a1 size, a2 value */
	GE_IN,		/* a0 port, a1 size */
	GE_STRING,	/* a0 port; str/slen: one 1-byte OUT per byte */
	GE_MMIO_READ,	/* a0 gpa, a1 len */
	GE_MMIO_WRITE,	/* a0 gpa, a1 len, a2 value */
	GE_GETQUOTE,	/* a0 gpa, a1 size; shared (default) or not */
	GE_NOTIFY,	/* a0 vector */
	GE_TDVMCALL_INFO, /* a0 leaf */
	GE_TDVMCALL,	/* a0 leaf (R11): any other TDVMCALL leaf */
	GE_FATAL,	/* a0 RCX mask, a1 R12, a2 R13, a3..a10 R14 R15 RBX RDI RSI R8 R9 RDX */
	GE_SHUTDOWN,
	GE_HLT,		/* a0 timeout ms (0 = none) */
	GE_SLEEP,	/* a0 ms */
	GE_REPEAT,	/* a0 count, match: index of the closing GE_END */
	GE_END,		/* match: index of the GE_REPEAT */
	GE_EXPECT,	/* what, a0 value */
	GE_UNACCEPTED,	/* a0 gpa: private access before TDG.MEM.PAGE.ACCEPT (priv set) */
	GE_KVM_HYPERCALL, /* TDVMCALL with R10 = a0 != 0 (KVM PV hypercall), R11-R14 = a1-a4 */
};

enum gexpect {
	GX_STATUS, GX_VALUE, GX_R11, GX_R12, GX_R13, GX_R14, GX_EXITS,
};

struct gev {
	enum gev_kind kind;
	unsigned line;
	bool shared, priv, raw;
	enum gexpect what;
	uint64_t a[11];
	size_t match;
	char *str;
	size_t slen;
};

struct gsection {
	int64_t lo, hi;		/* vCPU id range; lo = -1 for [vcpu *] */
	struct gev *ev;
	size_t n, cap;
};

struct gscript {
	char name[256];
	int refs;
	struct gsection *sec;
	size_t nsec;
};

#define GSCRIPT_MAX_DEPTH	8
#define TDVMCALL_ST_SUCCESS		0x0ULL
#define TDVMCALL_ST_RETRY		0x1ULL
#define TDVMCALL_ST_INVALID_OPERAND	0x8000000000000000ULL
#define TDVMCALL_ST_ALIGN_ERROR		0x8000000000000002ULL
#define TDVMCALL_ST_SUBFUNC_UNSUPPORTED	0x8000000000000003ULL

/* Parse a script; NULL on error with "NAME:LINE: message" in err. */
struct gscript *gscript_parse(const char *text, const char *name, char *err,
			      size_t errlen);
/* Read and parse a file. */
struct gscript *gscript_load(const char *path, char *err, size_t errlen);
void gscript_free(struct gscript *s);
/* The section for a vCPU id: explicit ranges first, then [vcpu *]. */
const struct gsection *gscript_section(const struct gscript *s, uint32_t id);
const char *gev_name(enum gev_kind k);
const char *gstatus_name(uint64_t st);

#endif
