// SPDX-License-Identifier: MIT
/* The misuse suite's harness (misuse.h). */
#include "misuse.h"

int ncases, nfail, nfind;

/* A record names errno, a non-empty step and (when given) the field. */
int rec_is(const struct tdx_error *e, int err, const char *field)
{
	if (!e || tdx_error_get_errno(e) != err || !*tdx_error_get_step(e) ||
	    !*tdx_error_get_message(e))
		goto bad;
	if (field && strcmp(tdx_error_get_field(e), field))
		goto bad;
	return 1;
bad:
	fprintf(stderr, "  record: errno %d step '%s' field '%s' bit %d msg '%s'\n",
		e ? tdx_error_get_errno(e) : 0, e ? tdx_error_get_step(e) : "",
		e ? tdx_error_get_field(e) : "", e ? tdx_error_get_bit(e) : 0,
		e ? tdx_error_get_message(e) : "");
	return 0;
}

struct snap snap_of(const struct tdx_error *e)
{
	struct snap sn = { tdx_error_get_errno(e), "" };

	snprintf(sn.msg, sizeof(sn.msg), "%s", tdx_error_get_message(e));
	return sn;
}

int snap_same(const struct tdx_error *e, struct snap sn)
{
	return tdx_error_get_errno(e) == sn.err && !strcmp(tdx_error_get_message(e), sn.msg);
}

int rec_clean(const struct tdx_error *e)
{
	return tdx_error_get_errno(e) == 0 && !*tdx_error_get_step(e) &&
	       !*tdx_error_get_field(e) && tdx_error_get_bit(e) == -1 &&
	       tdx_error_get_hw(e) == 0 && !*tdx_error_get_message(e);
}

struct tdx_td_config base_cfg(void)
{
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);

	cfg.vcpus = 2;
	return cfg;
}

int td_make(struct fix *f, enum stage st, struct td *t)
{
	struct tdx_td_config cfg = base_cfg();

	memset(t, 0, sizeof(*t));
	if (tdx_vm_new(f->ctx, NULL, &t->vm))
		return -1;
	if (st >= ST_INIT && tdx_vm_init(t->vm, &cfg))
		return -1;
	if (st >= ST_MEM && (tdx_mem_new(t->vm, NULL, &t->mem) ||
			     tdx_mem_add_layout(t->mem, f->layout)))
		return -1;
	if (st >= ST_VCPU && (tdx_vcpu_new(t->vm, 0, &t->vcpu) ||
			      tdx_vcpu_init(t->vcpu, f->hob)))
		return -1;
	if (st >= ST_LOADED && tdx_load_plan(t->mem, f->plan, t->vcpu, NULL, NULL))
		return -1;
	if (st >= ST_FINAL && tdx_vm_finalize(t->vm))
		return -1;
	return 0;
}

void td_free(struct td *t)
{
	tdx_vcpu_unref(t->vcpu);
	tdx_mem_unref(t->mem);
	tdx_vm_unref(t->vm);
}

void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		perror(path);
	if (fd >= 0)
		close(fd);
}
