/* SPDX-License-Identifier: MIT */
/*
 * Capability presets: a tiny JSON reader for the tdx-caps-*.json files
 * (shared/data format) and the module CPUID mask table.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

#ifndef TDXSIM_INSTALL_DATADIR
#define TDXSIM_INSTALL_DATADIR "/usr/local/share/libtdx/sim"
#endif
#ifndef TDXSIM_SOURCE_DATADIR
#define TDXSIM_SOURCE_DATADIR ""
#endif

/* ---- JSON ------------------------------------------------------------------ */
enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jt t;
	char *s;		/* J_STR, J_NUM (text), J_BOOL ("true"/"false") */
	struct jv **items;	/* J_ARR, J_OBJ */
	char **keys;		/* J_OBJ */
	size_t n;
};

struct jp {
	const char *p, *end;
	int depth;
};

static void jfree(struct jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		jfree(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

static void jws(struct jp *p)
{
	while (p->p < p->end && isspace((unsigned char)*p->p))
		p->p++;
}

static struct jv *jparse(struct jp *p);

static char *jstring(struct jp *p)
{
	size_t cap = 16, n = 0;
	char *s;

	if (p->p >= p->end || *p->p != '"')
		return NULL;
	p->p++;
	s = malloc(cap);
	if (!s)
		return NULL;
	while (p->p < p->end && *p->p != '"') {
		char c = *p->p++;

		if (c == '\\') {
			if (p->p >= p->end)
				goto bad;
			c = *p->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				/* keep it simple: \uXXXX -> '?' */
				if (p->end - p->p < 4)
					goto bad;
				p->p += 4;
				c = '?';
				break;
			default: break; /* \" \\ \/ */
			}
		}
		if (n + 2 > cap) {
			char *ns = realloc(s, cap *= 2);

			if (!ns)
				goto bad;
			s = ns;
		}
		s[n++] = c;
	}
	if (p->p >= p->end)
		goto bad;
	p->p++;
	s[n] = 0;
	return s;
bad:
	free(s);
	return NULL;
}

static int jpush(struct jv *v, char *key, struct jv *item)
{
	struct jv **ni = realloc(v->items, (v->n + 1) * sizeof(*ni));

	if (!ni)
		return -1;
	v->items = ni;
	if (v->t == J_OBJ) {
		char **nk = realloc(v->keys, (v->n + 1) * sizeof(*nk));

		if (!nk)
			return -1;
		v->keys = nk;
		v->keys[v->n] = key;
	}
	v->items[v->n++] = item;
	return 0;
}

static struct jv *jparse(struct jp *p)
{
	struct jv *v;

	jws(p);
	if (p->p >= p->end || ++p->depth > 32)
		return NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	if (*p->p == '{' || *p->p == '[') {
		bool obj = *p->p == '{';
		char close = obj ? '}' : ']';

		v->t = obj ? J_OBJ : J_ARR;
		p->p++;
		jws(p);
		if (p->p < p->end && *p->p == close) {
			p->p++;
			goto done;
		}
		for (;;) {
			char *key = NULL;
			struct jv *item;

			jws(p);
			if (obj) {
				key = jstring(p);
				if (!key)
					goto bad;
				jws(p);
				if (p->p >= p->end || *p->p != ':') {
					free(key);
					goto bad;
				}
				p->p++;
			}
			item = jparse(p);
			if (!item || jpush(v, key, item) < 0) {
				free(key);
				jfree(item);
				goto bad;
			}
			jws(p);
			if (p->p < p->end && *p->p == ',') {
				p->p++;
				continue;
			}
			if (p->p < p->end && *p->p == close) {
				p->p++;
				break;
			}
			goto bad;
		}
	} else if (*p->p == '"') {
		v->t = J_STR;
		v->s = jstring(p);
		if (!v->s)
			goto bad;
	} else {
		const char *st = p->p;

		while (p->p < p->end && (isalnum((unsigned char)*p->p) ||
					 strchr("+-.", *p->p)))
			p->p++;
		if (p->p == st)
			goto bad;
		v->s = strndup(st, (size_t)(p->p - st));
		if (!v->s)
			goto bad;
		if (!strcmp(v->s, "null"))
			v->t = J_NULL;
		else if (!strcmp(v->s, "true") || !strcmp(v->s, "false"))
			v->t = J_BOOL;
		else
			v->t = J_NUM;
	}
done:
	p->depth--;
	return v;
bad:
	jfree(v);
	return NULL;
}

static struct jv *jget(const struct jv *o, const char *key)
{
	if (!o || o->t != J_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return o->items[i];
	return NULL;
}

/* A number given as a JSON string ("0x10") or a JSON number. */
static int jnum(const struct jv *v, uint64_t *out)
{
	char *end;

	if (!v || (v->t != J_STR && v->t != J_NUM))
		return -1;
	errno = 0;
	*out = strtoull(v->s, &end, 0);
	return (errno || end == v->s || *end) ? -1 : 0;
}

static struct jv *jload(const char *path, char *err, size_t errlen)
{
	struct jp p;
	struct jv *v;
	char *buf;
	FILE *f;
	long len;

	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    len > (16 << 20)) {
		fclose(f);
		snprintf(err, errlen, "%s: cannot read", path);
		return NULL;
	}
	buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		snprintf(err, errlen, "%s: cannot read", path);
		return NULL;
	}
	fclose(f);
	p.p = buf;
	p.end = buf + len;
	p.depth = 0;
	v = jparse(&p);
	if (v) {
		jws(&p);
		if (p.p != p.end) {
			jfree(v);
			v = NULL;
		}
	}
	free(buf);
	if (!v)
		snprintf(err, errlen, "%s: invalid JSON", path);
	return v;
}

#define SIM_CPU_EMR "cpu-emr-xeon-8570.json"
#define SIM_CPU_SPR "cpu-spr-xeon-w9-3475x.json"

/* ---- presets ------------------------------------------------------------------ */
static const struct preset {
	const char *name, *file, *module, *native;
	uint64_t attrs_fixed0;
	uint32_t fms;
} presets[] = {
	{ "realistic", "tdx-caps-realistic.json", "1.5.28", SIM_CPU_EMR, 0x8000000078010001ULL, 0x000C06F2 },
	{ "emr-1.5.06", "tdx-caps-emr-module-1.5.06.json", "1.5.06", SIM_CPU_EMR, 0x8000000078010001ULL, 0x000C06F2 },
	{ "minimal", "tdx-caps-minimal.json", "1.0.00", SIM_CPU_SPR, 0x8000000050000001ULL, 0x000806F8 },
	{ "realistic-no5level", "tdx-caps-realistic-no5level.json", "1.5.28", SIM_CPU_EMR, 0x8000000078010001ULL, 0x000C06F2 },
};

void caps_list_presets(void (*cb)(const char *name, const char *file))
{
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		cb(presets[i].name, presets[i].file);
}

static bool dir_has(const char *dir, const char *file)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, R_OK) == 0;
}

const char *caps_data_dir(void)
{
	const char *e = getenv("TDXSIM_DATA_DIR");

	if (e && *e)
		return e;
	if (dir_has(TDXSIM_INSTALL_DATADIR, "tdx-caps-realistic.json"))
		return TDXSIM_INSTALL_DATADIR;
	if (*TDXSIM_SOURCE_DATADIR &&
	    dir_has(TDXSIM_SOURCE_DATADIR, "tdx-caps-realistic.json"))
		return TDXSIM_SOURCE_DATADIR;
	return TDXSIM_INSTALL_DATADIR;
}

/* The preset host CPU's native CPUID (cpu-*.json, a real bare-metal dump). */
static int load_native(struct sim_caps *c, const char *file, char *err, size_t errlen)
{
	char path[4096];
	struct jv *root, *ents;

	if (strchr(file, '/'))
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%s/%s", caps_data_dir(), file);
	root = jload(path, err, errlen);
	if (!root)
		return -1;
	ents = jget(root, "leaves");
	if (!ents || ents->t != J_ARR || ents->n == 0 || ents->n > SIM_MAX_CPUID) {
		snprintf(err, errlen, "%s: missing or bad \"leaves\"", path);
		jfree(root);
		return -1;
	}
	for (size_t i = 0; i < ents->n; i++) {
		static const char *const k[] = { "function", "index", "eax", "ebx", "ecx", "edx" };
		struct kvm_cpuid_entry2 *e = &c->native[i];
		uint32_t *dst[] = { &e->function, &e->index, &e->eax, &e->ebx, &e->ecx, &e->edx };
		uint64_t v;

		memset(e, 0, sizeof(*e));
		for (int j = 0; j < 6; j++) {
			if (jnum(jget(ents->items[i], k[j]), &v)) {
				snprintf(err, errlen, "%s: leaves[%zu].%s bad", path, i, k[j]);
				jfree(root);
				return -1;
			}
			*dst[j] = (uint32_t)v;
		}
	}
	c->nnative = (unsigned)ents->n;
	jfree(root);
	return 0;
}

/*
 * Logical processors in one package of the host CPU: EBX[15:0] of the last
 * level of its native leaf 0x1F (0xB without one).  0 when it has neither.
 */
static unsigned native_package_cpus(const struct sim_caps *c)
{
	static const uint32_t leaves[] = { 0x1f, 0xb };

	for (size_t l = 0; l < sizeof(leaves) / sizeof(leaves[0]); l++) {
		unsigned n = 0;

		for (uint32_t sub = 0; sub < 8; sub++) {
			const struct kvm_cpuid_entry2 *e = caps_native(c, leaves[l], sub);

			if (!e || !((e->ecx >> 8) & 0xff))	/* level type 0: the end */
				break;
			n = e->ebx & 0xffff;
		}
		if (n)
			return n;
	}
	return 0;
}

static int load_masks(struct sim_caps *c, const char *version, char *err,
		      size_t errlen)
{
	char path[4096];
	struct jv *root, *ver, *ents;

	snprintf(path, sizeof(path), "%s/tdx-module-cpuid-masks.json", caps_data_dir());
	root = jload(path, err, errlen);
	if (!root)
		return -1;
	ver = jget(jget(root, "versions"), version);
	ents = jget(ver, "entries");
	if (!ents || ents->t != J_ARR || ents->n > SIM_MAX_CPUID) {
		snprintf(err, errlen, "%s: no module version '%s'", path, version);
		jfree(root);
		return -1;
	}
	for (size_t i = 0; i < ents->n; i++) {
		struct jv *e = ents->items[i];
		struct jv *cd = jget(e, "config_direct"), *ad = jget(e, "allow_direct");
		struct sim_cpuid_mask *m = &c->masks[i];
		uint64_t v;

		if (jnum(jget(e, "leaf"), &v)) goto bad;
		m->leaf = (uint32_t)v;
		if (jnum(jget(e, "subleaf"), &v)) goto bad;
		m->subleaf = (uint32_t)v;
		if (!cd || !ad || cd->n != 4 || ad->n != 4)
			goto bad;
		for (int r = 0; r < 4; r++) {
			if (jnum(cd->items[r], &v)) goto bad;
			m->cdirect[r] = (uint32_t)v;
			if (jnum(ad->items[r], &v)) goto bad;
			m->adirect[r] = (uint32_t)v;
		}
	}
	c->nmasks = (unsigned)ents->n;
	c->have_masks = true;
	jfree(root);
	return 0;
bad:
	snprintf(err, errlen, "%s: malformed entry for '%s'", path, version);
	jfree(root);
	return -1;
}

int caps_load(struct sim_caps *c, const char *what, char *err, size_t errlen)
{
	const struct preset *pr = NULL;
	const char *module = NULL;
	char path[4096];
	struct jv *root, *cfg, *mv;
	uint64_t v;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (!strcmp(what, presets[i].name))
			pr = &presets[i];
	if (pr)
		snprintf(path, sizeof(path), "%s/%s", caps_data_dir(), pr->file);
	else if (strchr(what, '/') || strstr(what, ".json"))
		snprintf(path, sizeof(path), "%s", what);
	else {
		snprintf(err, errlen, "unknown preset '%s' (try --list-presets)", what);
		return -1;
	}
	root = jload(path, err, errlen);
	if (!root)
		return -1;

#define NUM(key, dst) do {						\
		if (jnum(jget(root, key), &v)) {			\
			snprintf(err, errlen, "%s: missing or bad \"%s\"", path, key); \
			goto fail;					\
		}							\
		dst = v;						\
	} while (0)
	NUM("supported_attrs", c->supported_attrs);
	NUM("supported_xfam", c->supported_xfam);
	NUM("kernel_tdvmcallinfo_1_r11", c->kernel_r11);
	NUM("user_tdvmcallinfo_1_r11", c->user_r11);
	NUM("kernel_tdvmcallinfo_1_r12", c->kernel_r12);
	NUM("user_tdvmcallinfo_1_r12", c->user_r12);
#undef NUM
	cfg = jget(root, "cpuid_configs");
	if (!cfg || cfg->t != J_ARR || cfg->n == 0 || cfg->n > SIM_MAX_CPUID) {
		snprintf(err, errlen, "%s: missing or bad \"cpuid_configs\"", path);
		goto fail;
	}
	for (size_t i = 0; i < cfg->n; i++) {
		struct kvm_cpuid_entry2 *e = &c->cpuid[i];
		static const char *const k[] = { "function", "index", "flags",
						 "eax", "ebx", "ecx", "edx" };
		uint32_t *dst[] = { &e->function, &e->index, &e->flags,
				    &e->eax, &e->ebx, &e->ecx, &e->edx };

		memset(e, 0, sizeof(*e));
		for (int j = 0; j < 7; j++) {
			if (jnum(jget(cfg->items[i], k[j]), &v)) {
				snprintf(err, errlen, "%s: cpuid_configs[%zu].%s bad",
					 path, i, k[j]);
				goto fail;
			}
			*dst[j] = (uint32_t)v;
		}
	}
	c->nent = (unsigned)cfg->n;

	/* Module model: from the preset table, or optional keys in a custom file. */
	c->attrs_fixed0 = pr ? pr->attrs_fixed0 : 0x8000000078010001ULL;
	c->platform_fms = pr ? pr->fms : 0;
	if (!jnum(jget(root, "module_attributes_fixed0"), &v))
		c->attrs_fixed0 = v;
	if (!jnum(jget(root, "platform_fms"), &v))
		c->platform_fms = (uint32_t)v;
	module = pr ? pr->module : NULL;
	mv = jget(root, "module_version");
	if (mv && mv->t == J_STR)
		module = mv->s;
	if (module && load_masks(c, module, err, errlen) < 0)
		goto fail;

	mv = jget(root, "native_cpuid");
	if (mv && mv->t == J_STR) {
		if (load_native(c, mv->s, err, errlen) < 0)
			goto fail;
	} else if (load_native(c, pr ? pr->native : SIM_CPU_EMR, err, errlen) < 0) {
		goto fail;
	}

	c->has_5level_ept = true;
	mv = jget(root, "five_level_ept");
	if (mv && mv->t == J_BOOL && !strcmp(mv->s, "false"))
		c->has_5level_ept = false;
	/*
	 * The simulated host's present (and online) CPUs: num_present_cpus(),
	 * at which tdx_vm_init() caps a TD's max_vcpus, and num_online_cpus()
	 * of KVM_CAP_NR_VCPUS.  A one-socket host of the preset's CPU, or
	 * "present_cpus" in the caps file; never this machine's count, so a
	 * VMM's vCPU count meets the same limit wherever the simulation runs.
	 */
	if (!jnum(jget(root, "present_cpus"), &v) && v >= 1 && v <= SIM_KVM_MAX_VCPUS)
		c->present_cpus = (unsigned)v;
	else
		c->present_cpus = native_package_cpus(c);
	if (!c->present_cpus) {
		long n = sysconf(_SC_NPROCESSORS_CONF);

		c->present_cpus = n > 0 ? (unsigned)n : 1;
	}
	snprintf(c->name, sizeof(c->name), "%s", what);
	jfree(root);
	return 0;
fail:
	jfree(root);
	return -1;
}
