/* SPDX-License-Identifier: MIT */
/* TD vCPUs: create, map the run area, CPUID, KVM_TDX_INIT_VCPU. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "vm-internal.h"
#include "vcpu-internal.h"

#define CPUID_1_ECX_X2APIC (1u << 21)


static void vcpu_free(struct tdx_vcpu *v)
{
	if (v->run && v->run != MAP_FAILED)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	free(v->cpuid);
	pthread_mutex_destroy(&v->kick_lock);
	tdx_vm_unref(v->vm);
	free(v);
}

TDX_EXPORT int tdx_vcpu_new(struct tdx_vm *vm, unsigned int id,
			    struct tdx_vcpu **ret_vcpu)
{
	struct tdx_ctx *ctx;
	struct tdx_vcpu *v;
	long r;

	if (!vm)
		return -EINVAL;
	if (!ret_vcpu)
		return tdx_err_null(&vm->error, "tdx_vcpu_new", "ret_vcpu");
	ctx = vm->ctx;
	r = tdx_vm_check_usable(vm, &vm->error);
	if (r)
		return (int)r;
	if (vm->state != TDX_VM_INITIALIZED)
		return tdx_err(&vm->error, -EINVAL,
			       "validate", NULL, -1,
			       vm->state == TDX_VM_CREATED ?
			       "vCPUs can only be created after KVM_TDX_INIT_VM (call tdx_vm_init() first)" :
			       "vCPUs cannot be created after KVM_TDX_FINALIZE_VM");
	if (id >= vm->max_vcpu_id)
		return tdx_err(&vm->error, -EINVAL, "validate", "id", -1,
			       "vCPU id %u is not below KVM's limit for ids (%u)",
			       id, vm->max_vcpu_id);
	if (vm->td_vcpus && atomic_load(&vm->n_vcpus) >= vm->td_vcpus)
		return tdx_err(&vm->error, -EINVAL, "validate", "vcpus", -1,
			       "the TD was configured for %u vCPUs (tdx_td_config.vcpus, its CPUID topology)",
			       vm->td_vcpus);
	if (atomic_load(&vm->n_vcpus) >= vm->max_vcpus)
		return tdx_err(&vm->error, -EINVAL, "validate", "vcpus", -1,
			       "the TD already has %u vCPUs, its maximum",
			       vm->max_vcpus);
	v = calloc(1, sizeof(*v));
	if (!v)
		return tdx_err(&vm->error, -ENOMEM, "tdx_vcpu_new", NULL, -1,
			       "out of memory");
	atomic_init(&v->refs, 1);
	pthread_mutex_init(&v->kick_lock, NULL);
	v->vm = tdx_vm_ref(vm);
	v->id = id;
	v->fd = -1;
	tdx_err_clear(&v->error);

	r = tdx_kvm_ioctl(ctx, ctx->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r <= 0) {
		r = tdx_err(&vm->error, r < 0 ? (int)r : -EIO,
			    "KVM_GET_VCPU_MMAP_SIZE", NULL, -1,
			    "KVM_GET_VCPU_MMAP_SIZE failed");
		goto fail;
	}
	v->run_size = (size_t)r;
	r = tdx_kvm_ioctl(ctx, vm->fd, KVM_CREATE_VCPU, id);
	if (r < 0) {
		r = tdx_err(&vm->error, (int)r, "KVM_CREATE_VCPU", NULL, -1,
			    "KVM_CREATE_VCPU(%u) failed: %s", id, strerror((int)-r));
		goto fail;
	}
	v->fd = (int)r;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		r = tdx_err(&vm->error, -errno, "mmap", NULL, -1,
			    "mapping vCPU %u's run area failed: %s", id,
			    strerror(errno));
		goto fail;
	}
	atomic_fetch_add(&vm->n_vcpus, 1);
	*ret_vcpu = v;
	return 0;
fail:
	vcpu_free(v);
	return (int)r;
}

TDX_EXPORT struct tdx_vcpu *tdx_vcpu_ref(struct tdx_vcpu *v)
{
	if (v)
		atomic_fetch_add(&v->refs, 1);
	return v;
}

TDX_EXPORT struct tdx_vcpu *tdx_vcpu_unref(struct tdx_vcpu *v)
{
	if (v && atomic_fetch_sub(&v->refs, 1) == 1)
		vcpu_free(v);
	return NULL;
}

TDX_EXPORT int tdx_vcpu_get_fd(const struct tdx_vcpu *v)
{
	return v ? v->fd : -EINVAL;
}

TDX_EXPORT unsigned int tdx_vcpu_get_id(const struct tdx_vcpu *v)
{
	return v ? v->id : 0;
}

TDX_EXPORT void *tdx_vcpu_get_run_area(const struct tdx_vcpu *v)
{
	return v ? v->run : NULL;
}

TDX_EXPORT struct tdx_vm *tdx_vcpu_get_vm(const struct tdx_vcpu *v)
{
	return v ? v->vm : NULL;
}

TDX_EXPORT bool tdx_vcpu_is_initialized(const struct tdx_vcpu *v)
{
	return v && v->initialized;
}

TDX_EXPORT const struct tdx_error *tdx_vcpu_get_last_error(const struct tdx_vcpu *v)
{
	return v ? &v->error : NULL;
}

/* KVM_TDX_GET_CPUID: on -E2BIG the kernel writes back the count it needs. */
static int vcpu_get_td_cpuid(struct tdx_vcpu *v, struct kvm_cpuid2 **ret)
{
	uint32_t nent = LIBTDX_KVM_MAX_CPUID_ENTRIES;
	int tries, r = -E2BIG;

	for (tries = 0; tries < 3 && r == -E2BIG; tries++) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (size_t)nent *
					      sizeof(struct kvm_cpuid_entry2));

		if (!c)
			return -ENOMEM;
		c->nent = nent;
		r = tdx_kvm_tdx_cmd(v->vm->ctx, v->fd, KVM_TDX_GET_CPUID, 0,
				    (uint64_t)(uintptr_t)c, NULL);
		if (!r) {
			*ret = c;
			return 0;
		}
		if (r == -E2BIG && c->nent > nent && c->nent <= 4096)
			nent = c->nent;
		else if (r == -E2BIG)
			r = -EIO;	/* E2BIG without a larger count */
		free(c);
	}
	return r;
}

static struct kvm_cpuid_entry2 *find_entry(struct kvm_cpuid_entry2 *e, size_t n,
					   uint32_t fn, uint32_t idx)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (e[i].function == fn &&
		    (!(e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e[i].index == idx))
			return &e[i];
	return NULL;
}

TDX_EXPORT int tdx_vcpu_init(struct tdx_vcpu *v, uint64_t hob_gpa)
{
	struct kvm_cpuid2 *c = NULL;
	struct kvm_cpuid_entry2 *leaf1, *ext;
	long r;

	if (!v)
		return -EINVAL;
	if (v->initialized)
		return tdx_err(&v->error, -EALREADY, "validate", NULL, -1,
			       "vCPU %u is already initialised", v->id);
	r = tdx_vm_check_usable(v->vm, &v->error);
	if (r)
		return (int)r;
	if (v->vm->state != TDX_VM_INITIALIZED)
		return tdx_err(&v->error, -EINVAL, "validate", NULL, -1,
			       "KVM_TDX_INIT_VCPU needs an initialised, not yet finalised TD");
	r = vcpu_get_td_cpuid(v, &c);
	if (r)
		return tdx_err(&v->error, (int)r, "KVM_TDX_GET_CPUID", NULL, -1,
			       "reading the TD's CPUID failed: %s", strerror((int)-r));
	leaf1 = find_entry(c->entries, c->nent, 1, 0);
	if (leaf1 && !(leaf1->ecx & CPUID_1_ECX_X2APIC)) {
		tdx_info(v->vm->ctx, "TD CPUID leaf 1 lacks x2APIC; setting it (KVM requires it for INIT_VCPU)");
		leaf1->ecx |= CPUID_1_ECX_X2APIC;
	}
	if (!leaf1)
		tdx_warn(v->vm->ctx, "TD CPUID has no leaf 1; KVM_TDX_INIT_VCPU will refuse the vCPU");
	/* KVM checks MapGPA addresses, shared bit included, against the
	 * vCPU's MAXPHYADDR (tdx_map_gpa() → kvm_vcpu_is_legal_gpa()).  The
	 * TD's own MAXPHYADDR (the CPU's, e.g. 46) is below the shared bit of
	 * GPAW 48, so raise KVM's copy to the GPA width (QEMU gives 52). */
	ext = find_entry(c->entries, c->nent, 0x80000008u, 0);
	if (ext && (ext->eax & 0xffu) < ((ext->eax >> 16) & 0xffu))
		ext->eax = (ext->eax & ~0xffu) | ((ext->eax >> 16) & 0xffu);
	/*
	 * kvm_check_cpuid() (arch/x86/kvm/cpuid.c) refuses KVM_SET_CPUID2
	 * with -EINVAL unless leaf 0x80000008 EAX[15:8] (linear address bits)
	 * is 0, 48 or 57: name that before KVM answers with a bare EINVAL.
	 * (KVM_SET_CPUID2 after the first KVM_RUN must repeat the table
	 * exactly, kvm_cpuid_check_equal(); libtdx sets it once, here, before
	 * FINALIZE, and never again.)
	 */
	if (ext) {
		unsigned int va = (ext->eax >> 8) & 0xffu;

		if (va != 0 && va != 48 && va != 57) {
			free(c);
			return tdx_err(&v->error, -EINVAL, "validate", "cpuid", -1,
				       "the TD's CPUID leaf 0x80000008 gives %u linear address bits (EAX[15:8]); KVM_SET_CPUID2 accepts only 0, 48 or 57",
				       va);
		}
	}
	r = tdx_kvm_ioctl(v->vm->ctx, v->fd, KVM_SET_CPUID2, (unsigned long)c);
	if (r < 0) {
		free(c);
		return tdx_err(&v->error, (int)r, "KVM_SET_CPUID2", NULL, -1,
			       "KVM_SET_CPUID2 on vCPU %u failed: %s", v->id,
			       strerror((int)-r));
	}
	r = tdx_kvm_tdx_cmd(v->vm->ctx, v->fd, KVM_TDX_INIT_VCPU, 0, hob_gpa, NULL);
	if (r) {
		free(c);
		return tdx_err(&v->error, (int)r, "KVM_TDX_INIT_VCPU", NULL, -1,
			       "KVM_TDX_INIT_VCPU on vCPU %u failed: %s", v->id,
			       strerror((int)-r));
	}
	free(v->cpuid);
	v->n_cpuid = c->nent;
	v->cpuid = malloc(sizeof(*v->cpuid) * (v->n_cpuid ? v->n_cpuid : 1));
	if (v->cpuid)
		memcpy(v->cpuid, c->entries, sizeof(*v->cpuid) * v->n_cpuid);
	else
		v->n_cpuid = 0;
	free(c);
	v->initialized = true;
	atomic_fetch_add(&v->vm->n_inited_vcpus, 1);
	tdx_err_clear(&v->error);
	return 0;
}

TDX_EXPORT size_t tdx_vcpu_cpuid_count(const struct tdx_vcpu *v)
{
	return v ? v->n_cpuid : 0;
}

static void entry_out(const struct kvm_cpuid_entry2 *k, struct tdx_cpuid_entry *e)
{
	e->function = k->function;
	e->index = k->index;
	e->flags = (k->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ? TDX_CPUID_FLAG_INDEXED : 0;
	e->eax = k->eax;
	e->ebx = k->ebx;
	e->ecx = k->ecx;
	e->edx = k->edx;
}

TDX_EXPORT int tdx_vcpu_get_cpuid(const struct tdx_vcpu *v, size_t i,
				  struct tdx_cpuid_entry *ret)
{
	if (!v || !ret)
		return -EINVAL;
	if (i >= v->n_cpuid)
		return -ERANGE;
	entry_out(&v->cpuid[i], ret);
	return 0;
}

TDX_EXPORT int tdx_vcpu_compare_cpuid(const struct tdx_vcpu *v,
				      struct tdx_cpuid_diff *diffs, size_t max)
{
	size_t i, n = 0;

	if (!v || !v->initialized)
		return -EINVAL;
	for (i = 0; i < v->vm->n_init_cpuid; i++) {
		const struct kvm_cpuid_entry2 *want = &v->vm->init_cpuid[i];
		struct kvm_cpuid_entry2 *got;
		uint32_t w[4], g[4];
		unsigned int reg;

		got = find_entry(v->cpuid, v->n_cpuid, want->function, want->index);
		w[0] = want->eax; w[1] = want->ebx; w[2] = want->ecx; w[3] = want->edx;
		if (got) {
			g[0] = got->eax; g[1] = got->ebx; g[2] = got->ecx; g[3] = got->edx;
		} else {
			memset(g, 0, sizeof(g));
		}
		if (want->function == 0x80000008u) {
			/* GPAW is an input only; MAXPHYADDR is raised for KVM
			 * by tdx_vcpu_init() */
			w[0] &= ~0x00ff00ffu;
			g[0] &= ~0x00ff00ffu;
		}
		for (reg = 0; reg < 4; reg++) {
			uint32_t missing = w[reg] & ~g[reg], extra = g[reg] & ~w[reg];

			if (missing) {
				if (diffs && n < max)
					diffs[n] = (struct tdx_cpuid_diff){
						TDX_CPUID_REQUESTED_NOT_SUPPORTED,
						want->function, want->index, reg, missing };
				n++;
			}
			if (extra) {
				if (diffs && n < max)
					diffs[n] = (struct tdx_cpuid_diff){
						TDX_CPUID_FORCED_ON, want->function,
						want->index, reg, extra };
				n++;
			}
		}
	}
	return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
}
