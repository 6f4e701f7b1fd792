/* SPDX-License-Identifier: MIT */
/*
 * KVM_MEMORY_ENCRYPT_OP for TDX: CAPABILITIES, INIT_VM, FINALIZE_VM (VM fd)
 * and INIT_VCPU, INIT_MEM_REGION, GET_CPUID (vCPU fd).  Check order and
 * errnos follow the Linux 7.2 source (arch/x86/kvm/vmx/tdx.c; each function
 * names the one it models; sim/RULES.md lists the rules); the TDH.MNG.INIT
 * model follows the TDX module (intel/tdx-module,
 * src/vmm_dispatcher/api_calls/tdh_mng_init.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define PAGE_ALIGNED(x) (((x) & (SIM_PAGE_SIZE - 1)) == 0)

#define TDX_OPERAND_INVALID	0xC000010000000000ULL
#define TDX_OPERAND_BUSY	0x8000020000000000ULL
#define TDX_LEAF_1F_FORMAT	0xC000090400000000ULL
#define TDX_ERR_GENERIC		0x8000000000000000ULL
#define TDX_NO_VCPUS		0xC000060900000000ULL /* TDX module tdx_error_codes_defs.h */
#define OP_ATTRIBUTES		0x40
#define OP_XFAM			0x41
#define OP_CPUID_CONFIG		0x45
#define OP_TSC_FREQUENCY	0x46

#define F7_EBX_HLE	(1U << 4)
#define F7_EBX_RTM	(1U << 11)
#define F7_ECX_WAITPKG	(1U << 5)

uint64_t rmap_get_run(const struct sim_rmap *m, uint64_t x, uint64_t *run_end);

/* ---- CAPABILITIES ---------------------------------------------------------- */
/* tdx_get_capabilities() (tdx.c) */
static long tdx_capabilities(struct sim_vm *vm, struct kvm_tdx_cmd *cmd)
{
	const struct sim_caps *c = vm->caps;
	struct kvm_tdx_capabilities *out;
	size_t len;
	uint32_t nent;
	long r = 0;

	if (cmd->flags)
		return -EINVAL;
	if (sim_copy_from_user(&nent, cmd->data + offsetof(struct kvm_tdx_capabilities, cpuid.nent),
			       sizeof(nent)))
		return -EFAULT;
	if (nent < c->nent)
		return -E2BIG; /* nothing written, nent not updated */
	len = sizeof(*out) + c->nent * sizeof(struct kvm_cpuid_entry2);
	out = calloc(1, len);
	if (!out)
		return -ENOMEM;
	out->supported_attrs = c->supported_attrs;
	out->supported_xfam = c->supported_xfam;
	out->kernel_tdvmcallinfo_1_r11 = c->kernel_r11;
	out->user_tdvmcallinfo_1_r11 = c->user_r11;
	out->kernel_tdvmcallinfo_1_r12 = c->kernel_r12;
	out->user_tdvmcallinfo_1_r12 = c->user_r12;
	out->cpuid.nent = c->nent;
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 e = c->cpuid[i];

		if (e.index == 0xffffffffU)
			e.index = 0;
		e.flags = 0;
		if (e.function == 0x80000008)
			e.eax |= 0xffU << 16;
		if (e.function == 7 && e.index == 0) {
			e.ebx &= ~(F7_EBX_HLE | F7_EBX_RTM);
			e.ecx &= ~F7_ECX_WAITPKG;
		}
		out->cpuid.entries[i] = e;
	}
	if (sim_copy_to_user(cmd->data, out, len))
		r = -EFAULT;
	free(out);
	return r;
}

/* ---- INIT_VM ----------------------------------------------------------------- */
/* kvm_find_cpuid_entry2(): same function and (flag clear or same index). */
static const struct kvm_cpuid_entry2 *
find_entry(const struct kvm_cpuid_entry2 *e, unsigned n, uint32_t fn, uint32_t idx,
	   bool any_index)
{
	for (unsigned i = 0; i < n; i++) {
		if (e[i].function != fn)
			continue;
		if (any_index || !(e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		    e[i].index == idx)
			return &e[i];
	}
	return NULL;
}

static bool xfam_ok(uint64_t x)
{
	bool avx = x & (1 << 2), k = x & (1 << 5), zh = x & (1 << 6), z = x & (1 << 7);

	if (x & ~0x6DBE7ULL)
		return false;
	if ((x & 3) != 3)
		return false;
	if (k != zh || k != z || (k && !avx))
		return false;
	if (!!(x & (1 << 11)) != !!(x & (1 << 12)))
		return false;
	if (!!(x & (1 << 17)) != !!(x & (1 << 18)))
		return false;
	return true;
}

/* CPUID leaf 0x1F sub-leaves 0..5 as configured: 0 ok, -1 format error.
 * The TDX module's TDH.MNG.INIT topology scan (tdx-module
 * src/vmm_dispatcher/api_calls/tdh_mng_init.c, the 0x1F loop that also
 * builds leaf 0xB): sub-leaf 0 all zero = native topology (then every later
 * sub-leaf must be zero too).  A sub-leaf with level type (ECX[15:8]) 0 marks
 * the end: it is fine whatever else it holds (QEMU's terminator has ECX[7:0]
 * = its sub-leaf number), as long as it is not sub-leaf 0 and a core level
 * came before.  A valid sub-leaf needs a level type above the previous
 * sub-leaf's and below 6, ECX[7:0] = its sub-leaf number, and SMT only at
 * sub-leaf 0. */
static int leaf_1f_ok(const struct sim_caps *c, const struct kvm_cpuid_entry2 *tdp)
{
	uint32_t type = 0, prev, sl = 0;
	bool null_cfg = false, core = false;

	for (unsigned i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &tdp[i];
		bool zero = !e->eax && !e->ebx && !e->ecx && !e->edx;

		if (c->cpuid[i].function != 0x1f)
			continue;
		if (sl == 0 && zero)
			null_cfg = true;
		else if (null_cfg && !zero)
			return -1;
		if (null_cfg) {		/* the CPU's own topology, which is valid */
			sl++;
			continue;
		}
		prev = type;
		type = (e->ecx >> 8) & 0xff;
		if (type) {
			if (type <= prev || type >= 6 || (e->ecx & 0xff) != sl)
				return -1;
			if (type == 1 && sl != 0)
				return -1;
			if (type == 2)
				core = true;
		} else if (sl == 0 || !core) {
			return -1;
		}
		sl++;
	}
	return 0;
}

/* TDH.MNG.INIT checks: 0 or an OPERAND_INVALID status (or 1F format error). */
static uint64_t module_init_check(struct sim_vm *vm, uint64_t attrs, uint64_t xfam,
				  const struct kvm_cpuid_entry2 *tdp)
{
	const struct sim_caps *c = vm->caps;
	uint64_t a = attrs | c->attrs_fixed1;
	unsigned tsc = vm->tsc_khz / 25000;

	if ((a & ~c->attrs_fixed0) ||
	    ((a & (1ULL << 29)) && (a & ((1ULL << 0) | (1ULL << 63)))))
		return TDX_OPERAND_INVALID | OP_ATTRIBUTES;
	if (!xfam_ok(xfam | 3))
		return TDX_OPERAND_INVALID | OP_XFAM;
	if (tsc < 4 || tsc > 400)
		return TDX_OPERAND_INVALID | OP_TSC_FREQUENCY;
	for (unsigned i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &tdp[i];
		const uint32_t regs[4] = { e->eax, e->ebx, e->ecx, e->edx };

		if (c->have_masks && i < c->nmasks && c->masks[i].leaf == c->cpuid[i].function) {
			for (int r = 0; r < 4; r++)
				if (regs[r] & ~(c->masks[i].cdirect[r] | c->masks[i].adirect[r]))
					return TDX_OPERAND_INVALID | OP_CPUID_CONFIG;
		}
		if (c->cpuid[i].function == 1 && c->platform_fms && e->eax &&
		    (e->eax & 0x0FFF3FFF) != c->platform_fms)
			return TDX_OPERAND_INVALID | OP_CPUID_CONFIG;
	}
	if (leaf_1f_ok(c, tdp) < 0)
		return TDX_LEAF_1F_FORMAT;
	return 0;
}

/* tdx_td_init(), setup_tdparams(), __tdx_td_init() (tdx.c) */
static long tdx_init_vm(struct sim_vm *vm, struct kvm_tdx_cmd *cmd)
{
	const struct sim_caps *c = vm->caps;
	struct kvm_tdx_init_vm *iv = NULL;
	struct kvm_cpuid_entry2 *tdp = NULL;
	const struct kvm_cpuid_entry2 *e;
	struct sim_fault_hit hit;
	uint32_t nent, gpaw;
	unsigned matched = 0;
	uint64_t status;
	long r;

	if (vm->td_state != TD_UNINIT)
		return -EINVAL;
	if (cmd->flags)
		return -EINVAL;
	if (sim_copy_from_user(&nent, cmd->data + offsetof(struct kvm_tdx_init_vm, cpuid.nent),
			       sizeof(nent)))
		return -EFAULT;
	if (nent > SIM_MAX_CPUID)
		return -E2BIG;
	iv = calloc(1, sizeof(*iv) + nent * sizeof(struct kvm_cpuid_entry2));
	tdp = calloc(c->nent, sizeof(*tdp));
	if (!iv || !tdp) {
		r = -ENOMEM;
		goto out;
	}
	r = -EFAULT;
	if (sim_copy_from_user(iv, cmd->data, sizeof(*iv) + nent * sizeof(struct kvm_cpuid_entry2)))
		goto out;
	r = -EINVAL;
	for (int i = 0; i < 12; i++)
		if (iv->reserved[i])
			goto out;
	if (iv->cpuid.padding)
		goto out;
	if (vm->kernel >= SIM_K710 && iv->cpuid.nent != nent)
		goto out;
	if (vm->created_vcpus) {
		r = -EBUSY;
		goto out;
	}
	if (iv->attributes & ~c->supported_attrs)
		goto out;
	if (iv->xfam & ~c->supported_xfam)
		goto out;
	e = find_entry(iv->cpuid.entries, nent, 0x80000008, 0, false);
	if (!e)
		goto out;
	gpaw = (e->eax >> 16) & 0xff;
	if (gpaw != 48 && gpaw != 52)
		goto out;
	if (gpaw == 52 && !c->has_5level_ept)
		goto out;
	for (unsigned i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *m = &c->cpuid[i];
		/* td_init_cpuid_entry2(): a leaf without sub-leaf is looked up
		 * with index 0, so a user entry flagged SIGNIFCANT_INDEX with
		 * another index does not match it (TDX module, tdh_mng_init.c). */
		uint32_t idx = m->index == 0xffffffffU ? 0 : m->index;

		e = find_entry(iv->cpuid.entries, nent, m->function, idx, false);
		if (!e)
			continue;
		if (e->function == 7 && e->index == 0 &&
		    ((e->ebx & (F7_EBX_HLE | F7_EBX_RTM)) || (e->ecx & F7_ECX_WAITPKG)))
			goto out;
		tdp[i] = *e;
		tdp[i].function = m->function;
		tdp[i].index = m->index;
		if (m->function == 0x80000008)
			tdp[i].eax &= ~(0xffU << 16);
		matched++;
	}
	if (matched != nent)
		goto out;

	/* TDH.MNG.CREATE / ADDCX / INIT: injected failures first, then the model. */
	/* Only an OPERAND_INVALID status reaches hw_error (EINVAL); RNG
	 * exhaustion (EAGAIN) and other failures (EIO, VM bugged) leave it 0
	 * (__tdx_td_init() and setup_tdparams() in vmx/tdx.c). */
	if (fault_check_module("KVM_TDX_INIT_VM", &hit)) {
		r = -hit.err;
		if (hit.err == EINVAL)
			cmd->hw_error = hit.has_hw ? hit.hw : TDX_OPERAND_INVALID;
		if (hit.err == EIO)
			vm->dead = true;
		goto out;
	}
	status = module_init_check(vm, iv->attributes, iv->xfam, tdp);
	if (status) {
		if ((status & 0xFFFFFFFF00000000ULL) == TDX_OPERAND_INVALID) {
			cmd->hw_error = status;
			r = -EINVAL;
		} else {
			r = -EIO;
			vm->dead = true;
		}
		goto out;
	}
	r = mrtd_start(vm);
	if (r < 0)
		goto out;
	vm->td_state = TD_INIT;
	vm->hkid = true;
	vm->shared_bit = gpaw == 52 ? 1ULL << 51 : 1ULL << 47;
	vm->attributes = iv->attributes | c->attrs_fixed1;
	vm->xfam = iv->xfam | 3;
	free(vm->td_cpuid);
	vm->td_cpuid = tdp;
	vm->td_ncpuid = c->nent;
	tdp = NULL;
	r = 0;
out:
	free(iv);
	free(tdp);
	return r;
}

/* ---- FINALIZE ---------------------------------------------------------------- */
/* tdx_td_finalize() (tdx.c) */
static long tdx_finalize(struct sim_vm *vm, struct kvm_tdx_cmd *cmd)
{
	struct sim_fault_hit hit;

	if (!vm->hkid || vm->td_state == TD_RUNNABLE)
		return -EINVAL;
	if (fault_check_module("KVM_TDX_FINALIZE_VM", &hit)) {
		if (hit.has_hw)
			cmd->hw_error = hit.hw;
		else if (hit.err == EBUSY)
			cmd->hw_error = TDX_OPERAND_BUSY;
		else
			cmd->hw_error = TDX_ERR_GENERIC;
		if (hit.err == EIO)
			vm->dead = true;
		return -hit.err;
	}
	/* TDX module tdh_mr_finalize(): "The TD must have at least one VCPU"
	 * (TDCS.NUM_VCPUS, counted by TDH.VP.INIT) → TDX_NO_VCPUS; KVM's
	 * TDX_BUG_ON() in tdx_td_finalize() bugs the VM: EIO, hw_error out,
	 * and every later ioctl on the VM is EIO (kvm_vm_bugged()). */
	{
		size_t inited = 0;

		for (size_t i = 0; i < vm->nvcpus; i++)
			inited += vm->vcpus[i]->initialized;
		if (!inited) {
			cmd->hw_error = TDX_NO_VCPUS;
			vm->dead = true;
			return -EIO;
		}
	}
	if (mrtd_finalize(vm) < 0)
		return -EIO;
	vm->td_state = TD_RUNNABLE;
	vm->pre_fault_allowed = true;
	cmd->hw_error = 0;
	return 0;
}

/* tdx_vm_ioctl(), tdx_get_cmd() (tdx.c) */
long tdx_vm_op(struct sim_vm *vm, unsigned long arg)
{
	struct kvm_tdx_cmd cmd;
	long r;

	if (sim_copy_from_user(&cmd, arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd.hw_error)
		return -EINVAL;
	if (cmd.id == KVM_TDX_CAPABILITIES) {
		r = tdx_capabilities(vm, &cmd);
		/* 6.16-6.18 copy the (unchanged) command back */
		if (vm->kernel < SIM_K619 && sim_copy_to_user(arg, &cmd, sizeof(cmd)))
			r = -EFAULT;
		return r;
	}
	switch (cmd.id) {
	case KVM_TDX_INIT_VM:
		r = tdx_init_vm(vm, &cmd);
		break;
	case KVM_TDX_FINALIZE_VM:
		r = tdx_finalize(vm, &cmd);
		break;
	default:
		return -EINVAL;
	}
	if (sim_copy_to_user(arg, &cmd, sizeof(cmd)))
		r = -EFAULT;
	return r;
}

/* ---- vCPU commands ------------------------------------------------------------- */
/* tdx_vcpu_init(), tdx_td_vcpu_init() (tdx.c) */
static long tdx_init_vcpu(struct sim_vcpu *v, struct kvm_tdx_cmd *cmd)
{
	struct sim_fault_hit hit;
	uint64_t base;

	if (cmd->flags)
		return -EINVAL;
	if (v->initialized)
		return -EINVAL;
	/* kvm_apic_set_base(x2APIC base): reserved bits from the vCPU's
	 * MAXPHYADDR, x2APIC mode without CPUID.1.ECX.x2APIC → EINVAL. */
	base = 0xFEE00000ULL | 0x800 | 0x400 | (v->id == 0 ? 0x100 : 0);
	if (!vcpu_apic_base_ok(v, base))
		return -EINVAL;
	/* TDH.VP.CREATE / ADDCX / INIT: a failure is EIO and bugs the VM. */
	if (fault_check_module("KVM_TDX_INIT_VCPU", &hit)) {
		if (hit.err == EIO)
			v->vm->dead = true;
		return -hit.err;
	}
	v->initialized = true;
	v->mp_state = KVM_MP_STATE_RUNNABLE;	/* tdx_td_vcpu_init() */
	v->rcx = cmd->data;
	if (!v->vm->hob_gpa_set) {
		v->vm->hob_gpa = cmd->data;
		v->vm->hob_gpa_set = true;
	}
	v->apic_base = base;
	return 0;
}

/* tdx_vcpu_init_mem_region() (tdx.c), kvm_gmem_populate() (guest_memfd.c),
 * tdx_gmem_post_populate() (tdx.c) */
static long tdx_init_mem_region(struct sim_vcpu *v, struct kvm_tdx_cmd *cmd)
{
	struct sim_vm *vm = v->vm;
	struct kvm_tdx_init_mem_region reg;
	struct sim_fault_hit hit;
	bool inject, fired = false;
	unsigned char *page;
	uint64_t last, done = 0, fire_at;
	long r = 0;

	if (!v->initialized)
		return -EINVAL;
	if (vm->td_state == TD_RUNNABLE)
		return -EINVAL;
	if (cmd->flags & ~KVM_TDX_MEASURE_MEMORY_REGION)
		return -EINVAL;
	if (sim_copy_from_user(&reg, cmd->data, sizeof(reg)))
		return -EFAULT;
	/* tdx_vcpu_init_mem_region(): the kernel's own expression, shift
	 * wrapping included. */
	if (!PAGE_ALIGNED(reg.source_addr) || !PAGE_ALIGNED(reg.gpa) || !reg.nr_pages ||
	    reg.gpa + (reg.nr_pages << 12) <= reg.gpa)
		return -EINVAL;
	last = reg.gpa + (reg.nr_pages << 12) - 1;
	if ((reg.gpa & vm->shared_bit) || (last & vm->shared_bit))
		return -EINVAL;

	page = malloc(SIM_PAGE_SIZE);
	if (!page)
		return -ENOMEM;
	/* An injected failure fires at page after_pages of this call: EINTR as
	 * the loop's signal check (first), anything else where TDH.MEM.PAGE.ADD
	 * runs, after KVM's checks of that page.  A call that ends or fails
	 * before that page gives the fault back. */
	inject = fault_check_module("KVM_TDX_INIT_MEM_REGION", &hit);
	fire_at = inject ? (uint64_t)(hit.after_pages < 0 ? 0 : hit.after_pages) : UINT64_MAX;
	while (reg.nr_pages) {
		uint64_t gfn = reg.gpa / SIM_PAGE_SIZE, pg;
		struct sim_memslot *s;

		if (done == fire_at && hit.err == EINTR) {
			r = -EINTR;
			fired = true;
			break;
		}
		s = mem_find_slot(vm, gfn);
		if (!s || !(s->flags & KVM_MEM_GUEST_MEMFD)) {
			r = -EINVAL;
			break;
		}
		if (!s->gmem) {
			r = -EFAULT;
			break;
		}
		pg = (s->gmem_off + (reg.gpa - s->gpa)) / SIM_PAGE_SIZE;
		if (vm->kernel >= SIM_K700) {
			/* 7.0+: guest_memfd pins the source first; a page already
			 * added is found by the S-EPT map step (EIO). */
			/* kvm_gmem_populate() pins the source only when there is
			 * one: source_addr 0 is "no source page", which
			 * tdx_gmem_post_populate() refuses with EOPNOTSUPP after
			 * the attribute check (7.2 source). */
			if (reg.source_addr &&
			    sim_copy_from_user(page, reg.source_addr, SIM_PAGE_SIZE)) {
				r = -EFAULT;
				break;
			}
			if (!(rmap_get(&vm->attrs, gfn) & KVM_MEMORY_ATTRIBUTE_PRIVATE)) {
				r = -EINVAL;
				break;
			}
			if (!reg.source_addr) {
				r = -EOPNOTSUPP;
				break;
			}
			/* The S-EPT map step finds a page still mapped.  7.2:
			 * a page removed from the S-EPT (converted to shared,
			 * tdx_sept_remove_leaf_spte()) can be added again; 7.0
			 * and 7.1 keep our earlier model (the guest_memfd page
			 * counts until punched): their removal path is not in
			 * the source we have. */
			if (vm->kernel >= SIM_K720 ? rmap_get(&vm->sept, gfn) != SEPT_NONE
						   : rmap_get(&s->gmem->populated, pg) != 0) {
				r = -EIO;
				break;
			}
		} else {
			/* 6.16-6.19: kvm_gmem_populate() refuses a prepared folio
			 * (EEXIST) before the attribute check; the source is pinned
			 * afterwards, in tdx_gmem_post_populate(). */
			if (rmap_get(&s->gmem->populated, pg)) {
				r = -EEXIST;
				break;
			}
			if (!(rmap_get(&vm->attrs, gfn) & KVM_MEMORY_ATTRIBUTE_PRIVATE)) {
				r = -EINVAL;
				break;
			}
			if (sim_copy_from_user(page, reg.source_addr, SIM_PAGE_SIZE)) {
				r = -EFAULT;
				break;
			}
		}
		if (done == fire_at) {	/* TDH.MEM.PAGE.ADD / MR.EXTEND failed */
			r = -hit.err;
			fired = true;
			if (hit.err == EIO)
				vm->dead = true;
			break;
		}
		if (gmem_populate(s->gmem, pg, pg + 1) < 0 ||
		    rmap_set(&vm->sept, gfn, gfn + 1, SEPT_MAPPED) < 0 ||
		    mrtd_page_add(vm, reg.gpa) < 0) {
			r = -ENOMEM;
			break;
		}
		vm->pages_added++;
		if (vm->hob_gpa_set && reg.gpa >= vm->hob_gpa &&
		    reg.gpa - vm->hob_gpa < SIM_HOB_MAX) {
			if (!vm->hob)
				vm->hob = calloc(1, SIM_HOB_MAX);
			if (vm->hob)
				memcpy(vm->hob + (reg.gpa - vm->hob_gpa), page,
				       SIM_PAGE_SIZE < SIM_HOB_MAX - (reg.gpa - vm->hob_gpa)
				       ? SIM_PAGE_SIZE : SIM_HOB_MAX - (reg.gpa - vm->hob_gpa));
		}
		if (cmd->flags & KVM_TDX_MEASURE_MEMORY_REGION) {
			if (mrtd_extend(vm, reg.gpa, page) < 0) {
				r = -EIO;
				break;
			}
			vm->pages_measured++;
		}
		reg.source_addr += SIM_PAGE_SIZE;
		reg.gpa += SIM_PAGE_SIZE;
		reg.nr_pages--;
		done++;
	}
	if (inject && !fired)
		fault_unconsume(&hit);
	free(page);
	if (sim_copy_to_user(cmd->data, &reg, sizeof(reg)))
		r = -EFAULT;
	return r;
}

static long tdx_get_cpuid(struct sim_vcpu *v, struct kvm_tdx_cmd *cmd)
{
	struct kvm_cpuid_entry2 *ents;
	struct kvm_cpuid2 hdr;
	unsigned n;
	long r = 0;

	if (sim_copy_from_user(&hdr, cmd->data, sizeof(hdr)))
		return -EFAULT;
	ents = calloc(SIM_MAX_CPUID, sizeof(*ents));
	if (!ents)
		return -ENOMEM;
	/* tdx_vcpu_get_cpuid(): every leaf the module virtualises (tdx-cpuid.c) */
	r = td_cpuid_read_all(v->vm, ents, SIM_MAX_CPUID);
	if (r < 0) {
		free(ents);
		return r;
	}
	n = (unsigned)r;
	r = 0;
	if (hdr.nent < n) {
		hdr.nent = n;
		r = sim_copy_to_user(cmd->data, &hdr, sizeof(hdr)) ? -EFAULT : -E2BIG;
	} else {
		hdr.nent = n;
		if (sim_copy_to_user(cmd->data, &hdr, sizeof(hdr)) ||
		    sim_copy_to_user(cmd->data + sizeof(hdr), ents, n * sizeof(*ents)))
			r = -EFAULT;
	}
	free(ents);
	return r;
}

/* tdx_vcpu_unlocked_ioctl(), tdx_vcpu_ioctl() (tdx.c) */
long tdx_vcpu_op(struct sim_vcpu *v, unsigned long arg)
{
	struct sim_vm *vm = v->vm;
	struct kvm_tdx_cmd cmd;

	/* 6.16-6.18 (tdx_vcpu_ioctl before the 6.19 locking rework) check the
	 * TD state before reading the command; 6.17 has no TDX change.  From
	 * 6.19 every sub-command first goes through tdx_vcpu_unlocked_ioctl():
	 * tdx_get_cmd() (EFAULT, hw_error EINVAL), then the state (EINVAL);
	 * GET_CPUID only then falls through (-ENOIOCTLCMD) to tdx_vcpu_ioctl(). */
	if (vm->kernel < SIM_K619 && (!vm->hkid || vm->td_state == TD_RUNNABLE))
		return -EINVAL;
	if (sim_copy_from_user(&cmd, arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd.hw_error)
		return -EINVAL;
	if (!vm->hkid || vm->td_state == TD_RUNNABLE)
		return -EINVAL;
	switch (cmd.id) {
	case KVM_TDX_INIT_VCPU:
		return tdx_init_vcpu(v, &cmd);
	case KVM_TDX_INIT_MEM_REGION:
		return tdx_init_mem_region(v, &cmd);
	case KVM_TDX_GET_CPUID:
		return tdx_get_cpuid(v, &cmd);
	default:
		return -EINVAL;
	}
}
