/* SPDX-License-Identifier: MIT */
/*
 * Interrupt routing and eventfds of a VM:
 *   KVM_SET_GSI_ROUTING  kvm_vm_ioctl() + kvm_set_irq_routing(),
 *                        setup_routing_entry() (virt/kvm/irqchip.c),
 *                        kvm_set_routing_entry() (arch/x86/kvm/irq.c)
 *   KVM_IRQFD            kvm_irqfd(), kvm_irqfd_assign/deassign()
 *   KVM_IOEVENTFD        kvm_ioeventfd(), kvm_assign_ioeventfd[_idx](),
 *                        kvm_deassign_ioeventfd_idx() (virt/kvm/eventfd.c)
 *   KVM_[UN]REGISTER_COALESCED_MMIO  virt/kvm/coalesced_mmio.c
 *   KVM_IRQ_LINE[_STATUS] kvm_vm_ioctl_irq_line() (arch/x86/kvm/irq.c)
 *   KVM_SIGNAL_MSI       kvm_send_userspace_msi()
 * An ioeventfd takes the guest's matching MMIO/PIO writes: they complete in
 * the kernel and never reach userspace as KVM_EXIT_MMIO/KVM_EXIT_IO.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvm-x86.h"

#define MAX_IRQ_ROUTES		4096
#define IOAPIC_NUM_PINS		24
#define PIC_NUM_PINS		16
#define NR_IOBUS_DEVS		1000
#ifndef KVM_MSI_VALID_DEVID
#define KVM_MSI_VALID_DEVID	(1U << 0)
#endif
/* KVM_IOEVENTFD_VALID_FLAG_MASK: DATAMATCH, PIO, DEASSIGN, VIRTIO_CCW_NOTIFY,
 * FAST_MMIO */
#define IOEVENTFD_VALID_FLAGS	0x1fU

/* Is fd an eventfd?  eventfd_ctx_fdget(): -EBADF for no file, -EINVAL for
 * another kind of file. */
static int eventfd_check(int fd, struct stat *st)
{
	char path[64], link[64];
	uint64_t zero = 0;
	ssize_t n;

	if (fd < 0 || fstat(fd, st) < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n >= 0) {
		link[n] = 0;
		return strcmp(link, "anon_inode:[eventfd]") ? -EINVAL : 0;
	}
	/* No /proc (a chroot): an eventfd is an anonymous inode (no file
	 * type bits) that takes an 8-byte write of 0 without effect; timerfd,
	 * signalfd, epoll and pidfd refuse it. */
	if (st->st_mode & S_IFMT)
		return -EINVAL;
	return write(fd, &zero, sizeof(zero)) == (ssize_t)sizeof(zero) ? 0 : -EINVAL;
}

/* Is the caller's fd the same open file as our dup (the kernel compares
 * eventfd_ctx pointers)?  Every eventfd shares one anonymous inode, so
 * only kcmp(KCMP_FILE) tells them apart; dev/ino is the fallback. */
static bool same_file(int ufd, const struct stat *st, int ours, dev_t dev, ino_t ino)
{
	long r = syscall(SYS_kcmp, (long)getpid(), (long)getpid(), 0L /* KCMP_FILE */,
			 (long)ufd, (long)ours, 0L); /* six: see capable_sys_boot() */

	if (r >= 0)
		return r == 0;
	return st->st_dev == dev && st->st_ino == ino;
}

static void signal_eventfd(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0) {
		/* counter saturated: the kernel's eventfd_signal() drops too */
	}
}

/* ---- GSI routing -------------------------------------------------------- */
static long set_gsi_routing(struct sim_vm *vm, struct sim_vmx *x, unsigned long arg)
{
	struct kvm_irq_routing h;
	struct kvm_irq_routing_entry *ue = NULL;
	struct sim_irq_route *nr = NULL;
	long r = -EINVAL;

	if (sim_copy_from_user(&h, arg, sizeof(h)))
		return -EFAULT;
	if (!vm->irqchip)	/* kvm_arch_can_set_irq_routing() */
		return -EINVAL;
	if (h.nr > MAX_IRQ_ROUTES || h.flags)
		return -EINVAL;
	if (h.nr) {
		ue = calloc(h.nr, sizeof(*ue));
		nr = calloc(h.nr, sizeof(*nr));
		if (!ue || !nr) {
			r = -ENOMEM;
			goto out;
		}
		if (sim_copy_from_user(ue, arg + sizeof(h), h.nr * sizeof(*ue))) {
			r = -EFAULT;
			goto out;
		}
	}
	for (uint32_t i = 0; i < h.nr; i++) {
		const struct kvm_irq_routing_entry *e = &ue[i];

		if (e->gsi >= MAX_IRQ_ROUTES)
			goto out;
		if (e->type == KVM_IRQ_ROUTING_MSI ? (e->flags & ~KVM_MSI_VALID_DEVID)
						   : e->flags)
			goto out;
		/* setup_routing_entry(): one non-irqchip route per GSI, one
		 * route per irqchip and GSI */
		for (uint32_t j = 0; j < i; j++)
			if (ue[j].gsi == e->gsi &&
			    (ue[j].type != KVM_IRQ_ROUTING_IRQCHIP ||
			     e->type != KVM_IRQ_ROUTING_IRQCHIP ||
			     ue[j].u.irqchip.irqchip == e->u.irqchip.irqchip))
				goto out;
		switch (e->type) {
		case KVM_IRQ_ROUTING_IRQCHIP:
			if (vm->irqchip == 1)
				goto out; /* no PIC/IOAPIC with a split irqchip */
			if (e->u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC) {
				if (e->u.irqchip.pin >= IOAPIC_NUM_PINS)
					goto out;
			} else if (e->u.irqchip.irqchip <= KVM_IRQCHIP_PIC_SLAVE) {
				if (e->u.irqchip.pin >= PIC_NUM_PINS / 2)
					goto out;
			} else {
				goto out;
			}
			break;
		case KVM_IRQ_ROUTING_MSI:
			/* kvm_msi_route_invalid() */
			if ((vm->x2apic_api & 1) && (e->u.msi.address_hi & 0xff))
				goto out;
			break;
		case KVM_IRQ_ROUTING_HV_SINT:
			break;
		case 5: { /* KVM_IRQ_ROUTING_XEN_EVTCHN: kvm_xen_setup_evtchn() */
			const uint32_t *xe = (const uint32_t *)&e->u;

			/* port, vcpu, priority: 2-level only, port below
			 * max_evtchn_port() (1024 before long mode is set) */
			if (xe[2] != 0 || xe[0] >= 1024)
				goto out;
			break;
		}
		default:
			goto out;
		}
		nr[i].gsi = e->gsi;
		nr[i].type = e->type;
		nr[i].flags = e->flags;
		memcpy(&nr[i].u, &e->u, sizeof(nr[i].u));
	}
	free(x->routes);
	x->routes = nr;
	x->nroutes = h.nr;
	nr = NULL;
	r = 0;
out:
	free(ue);
	free(nr);
	return r;
}

static const struct sim_irq_route *route_of(const struct sim_vmx *x, uint32_t gsi)
{
	for (size_t i = 0; i < x->nroutes; i++)
		if (x->routes[i].gsi == gsi)
			return &x->routes[i];
	return NULL;
}

/* kvm_set_msi() -> kvm_irq_delivery_to_apic(): the number of vCPUs the
 * interrupt reached (physical destination, 0xff broadcast in xAPIC
 * format), -1 for an invalid route. */
static long deliver_msi(struct sim_vm *vm, uint32_t lo, uint32_t hi)
{
	uint32_t dest = (lo >> 12) & 0xff;
	long n = 0;

	if ((vm->x2apic_api & 1) && (hi & 0xff))
		return -1;
	if (vm->x2apic_api & 1)
		dest |= hi & 0xffffff00;
	for (size_t i = 0; i < vm->nvcpus; i++)
		if ((!(vm->x2apic_api & 1) && dest == 0xff) || vm->vcpus[i]->id == dest)
			n++;
	return n;
}

/* ---- irqfd --------------------------------------------------------------- */
static long irqfd(struct sim_vm *vm, struct sim_vmx *x, unsigned long arg)
{
	struct kvm_irqfd a;
	struct stat st, rst;
	struct sim_irqfd *n;
	int r, dupfd, rdup = -1;

	if (sim_copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~(uint32_t)(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (a.flags & KVM_IRQFD_FLAG_DEASSIGN) {
		r = eventfd_check((int)a.fd, &st);
		if (r)
			return r;
		for (size_t i = 0; i < x->nirqfds;) {
			if (same_file((int)a.fd, &st, x->irqfds[i].fd, x->irqfds[i].dev,
				      x->irqfds[i].ino) &&
			    x->irqfds[i].gsi == a.gsi) {
				real_close(x->irqfds[i].fd);
				if (x->irqfds[i].resamplefd >= 0)
					real_close(x->irqfds[i].resamplefd);
				x->irqfds[i] = x->irqfds[--x->nirqfds];
			} else {
				i++;
			}
		}
		return 0;
	}
	/* kvm_arch_intc_initialized() is always true on x86 (no
	 * __KVM_HAVE_ARCH_INTC_INITIALIZED); kvm_arch_irqfd_allowed(): an
	 * in-kernel irqchip, the full one for a resampler */
	if (!vm->irqchip || ((a.flags & KVM_IRQFD_FLAG_RESAMPLE) && vm->irqchip != 2))
		return -EINVAL;
	r = eventfd_check((int)a.fd, &st);
	if (r)
		return r;
	if (a.flags & KVM_IRQFD_FLAG_RESAMPLE) {
		r = eventfd_check((int)a.resamplefd, &rst);
		if (r)
			return r;
	}
	for (size_t i = 0; i < x->nirqfds; i++)
		if (same_file((int)a.fd, &st, x->irqfds[i].fd, x->irqfds[i].dev,
			      x->irqfds[i].ino))
			return -EBUSY;
	n = realloc(x->irqfds, (x->nirqfds + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	x->irqfds = n;
	dupfd = fcntl((int)a.fd, F_DUPFD_CLOEXEC, 3);
	if (dupfd < 0)
		return -errno;
	if (a.flags & KVM_IRQFD_FLAG_RESAMPLE) {
		rdup = fcntl((int)a.resamplefd, F_DUPFD_CLOEXEC, 3);
		if (rdup < 0) {
			r = -errno;
			real_close(dupfd);
			return r;
		}
	}
	n[x->nirqfds++] = (struct sim_irqfd){ .fd = dupfd, .gsi = a.gsi,
		.resamplefd = rdup, .dev = st.st_dev, .ino = st.st_ino };
	return 0;
}

/* ---- ioeventfd ------------------------------------------------------------ */
static bool ioev_pio(uint32_t flags)
{
	return flags & KVM_IOEVENTFD_FLAG_PIO;
}

static long ioeventfd(struct sim_vm *vm, struct sim_vmx *x, unsigned long arg)
{
	struct kvm_ioeventfd a;
	struct sim_ioeventfd *n;
	struct stat st;
	bool wild;
	int r, dupfd;

	(void)vm;
	if (sim_copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	wild = !(a.flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	if (a.flags & KVM_IOEVENTFD_FLAG_DEASSIGN) {
		r = eventfd_check(a.fd, &st);
		if (r)
			return r;
		for (size_t i = 0; i < x->nioeventfds; i++) {
			struct sim_ioeventfd *p = &x->ioeventfds[i];
			bool pwild = !(p->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);

			if (ioev_pio(p->flags) != ioev_pio(a.flags) ||
			    !same_file(a.fd, &st, p->fd, p->dev, p->ino) || p->addr != a.addr ||
			    p->len != a.len || pwild != wild ||
			    (!pwild && p->datamatch != a.datamatch))
				continue;
			real_close(p->fd);
			*p = x->ioeventfds[--x->nioeventfds];
			return 0;
		}
		return -ENOENT;
	}
	switch (a.len) {
	case 0: case 1: case 2: case 4: case 8:
		break;
	default:
		return -EINVAL;
	}
	if (a.addr + a.len < a.addr)
		return -EINVAL;
	if (a.flags & ~IOEVENTFD_VALID_FLAGS)
		return -EINVAL;
	if (!a.len && !wild)
		return -EINVAL;
	r = eventfd_check(a.fd, &st);
	if (r)
		return r;
	/* ioeventfd_check_collision() */
	for (size_t i = 0; i < x->nioeventfds; i++) {
		const struct sim_ioeventfd *p = &x->ioeventfds[i];
		bool pwild = !(p->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);

		if (ioev_pio(p->flags) == ioev_pio(a.flags) && p->addr == a.addr &&
		    (!p->len || !a.len ||
		     (p->len == a.len && (pwild || wild || p->datamatch == a.datamatch))))
			return -EEXIST;
	}
	if (x->nioeventfds + x->ncoalesced >= NR_IOBUS_DEVS)
		return -ENOSPC;
	n = realloc(x->ioeventfds, (x->nioeventfds + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	x->ioeventfds = n;
	dupfd = fcntl(a.fd, F_DUPFD_CLOEXEC, 3);
	if (dupfd < 0)
		return -errno;
	n[x->nioeventfds++] = (struct sim_ioeventfd){ .fd = dupfd, .addr = a.addr,
		.datamatch = wild ? 0 : a.datamatch, .len = a.len, .flags = a.flags,
		.dev = st.st_dev, .ino = st.st_ino };
	return 0;
}

static int ioeventfd_match(struct sim_vmx *x, bool pio, uint64_t addr,
			   const void *data, uint32_t len)
{
	for (size_t i = 0; i < x->nioeventfds; i++) {
		const struct sim_ioeventfd *p = &x->ioeventfds[i];
		uint64_t v = 0;

		if (ioev_pio(p->flags) != pio || p->addr != addr)
			continue;
		/* ioeventfd_in_range() */
		if (p->len && p->len != len)
			continue;
		if (p->flags & KVM_IOEVENTFD_FLAG_DATAMATCH) {
			memcpy(&v, data, len < 8 ? len : 8);
			if (v != p->datamatch)
				continue;
		}
		signal_eventfd(p->fd);
		return 1;
	}
	return 0;
}

/* struct kvm_coalesced_mmio_ring in the page KVM_COALESCED_MMIO_PAGE_OFFSET
 * of the vCPU mapping (include/uapi/linux/kvm.h) */
struct coalesced_entry {
	uint64_t phys_addr;
	uint32_t len, pio;
	uint8_t data[8];
};
struct coalesced_ring {
	uint32_t first, last;
	struct coalesced_entry e[];
};
#define RING_MAX ((SIM_PAGE_SIZE - sizeof(struct coalesced_ring)) / sizeof(struct coalesced_entry))

/* coalesced_mmio_write(): a write inside a registered zone goes into the
 * ring (one per VM; QEMU reads it through its first vCPU's mapping), unless
 * the ring is full. */
static int coalesced_write(struct sim_vm *vm, struct sim_vmx *x, bool pio,
			   uint64_t addr, const void *data, uint32_t len)
{
	struct coalesced_ring *ring;
	uint32_t insert;

	for (size_t i = 0; i < x->ncoalesced; i++) {
		const struct sim_coalesced *c = &x->coalesced[i];

		if (c->pio != pio || addr < c->addr || addr + len > c->addr + c->size)
			continue;
		if (!vm->nvcpus || !vm->vcpus[0]->run || len > 8)
			return 0;
		ring = (struct coalesced_ring *)((char *)vm->vcpus[0]->run + 2 * SIM_PAGE_SIZE);
		insert = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
		if (insert >= RING_MAX ||
		    (insert + 1) % RING_MAX == __atomic_load_n(&ring->first, __ATOMIC_ACQUIRE))
			return 0; /* full: the access exits to userspace */
		ring->e[insert].phys_addr = addr;
		ring->e[insert].len = len;
		ring->e[insert].pio = pio;
		memcpy(ring->e[insert].data, data, len);
		__atomic_store_n(&ring->last, (insert + 1) % RING_MAX, __ATOMIC_RELEASE);
		return 1;
	}
	return 0;
}

int sim_io_bus_write(struct sim_vm *vm, bool pio, uint64_t addr,
		     const void *data, uint32_t len)
{
	struct sim_vmx *x = vm->x86;

	if (!x)
		return 0;
	if (ioeventfd_match(x, pio, addr, data, len))
		return 1;
	return coalesced_write(vm, x, pio, addr, data, len);
}

/* ---- coalesced MMIO/PIO ------------------------------------------------------ */
static long coalesced(struct sim_vmx *x, bool reg, unsigned long arg)
{
	struct kvm_coalesced_mmio_zone z;
	struct sim_coalesced *n;

	if (sim_copy_from_user(&z, arg, sizeof(z)))
		return -EFAULT;
	if (z.pio != 0 && z.pio != 1)
		return reg ? -EINVAL : 0;
	if (!reg) {
		/* every registered zone that lies inside z goes */
		for (size_t i = 0; i < x->ncoalesced;) {
			struct sim_coalesced *c = &x->coalesced[i];

			if (c->pio == z.pio && c->addr >= z.addr &&
			    c->addr + c->size <= z.addr + z.size)
				*c = x->coalesced[--x->ncoalesced];
			else
				i++;
		}
		return 0;
	}
	if (x->nioeventfds + x->ncoalesced >= NR_IOBUS_DEVS)
		return -ENOSPC;
	n = realloc(x->coalesced, (x->ncoalesced + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	x->coalesced = n;
	n[x->ncoalesced++] = (struct sim_coalesced){ .addr = z.addr,
		.size = z.size, .pio = z.pio };
	return 0;
}

long vm_irq_ioctl(struct sim_vm *vm, unsigned long req, unsigned long arg)
{
	struct sim_vmx *x = vmx_of(vm);

	if (!x)
		return -ENOMEM;
	switch (req) {
	case KVM_SET_GSI_ROUTING:
		return set_gsi_routing(vm, x, arg);
	case KVM_IRQFD:
		return irqfd(vm, x, arg);
	case KVM_IOEVENTFD:
		return ioeventfd(vm, x, arg);
	case KVM_REGISTER_COALESCED_MMIO:
		return coalesced(x, true, arg);
	case KVM_UNREGISTER_COALESCED_MMIO:
		return coalesced(x, false, arg);
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS: {
		struct kvm_irq_level l;
		const struct sim_irq_route *rt;

		if (sim_copy_from_user(&l, arg, sizeof(l)))
			return -EFAULT;
		if (!vm->irqchip)
			return -ENXIO;
		if (vm->irqchip == 2)
			trace_unmodelled();	/* PIC/IOAPIC delivery */
		/* kvm_set_irq(): -1 when no route serves the GSI */
		rt = route_of(x, l.irq);
		l.status = -1;
		if (rt && rt->type == KVM_IRQ_ROUTING_MSI)
			l.status = l.level ? (int)deliver_msi(vm, rt->u.msi.address_lo,
							      rt->u.msi.address_hi) : -1;
		else if (rt)
			l.status = 1;
		if (req == KVM_IRQ_LINE_STATUS && sim_copy_to_user(arg, &l, sizeof(l)))
			return -EFAULT;
		return 0;
	}
	case KVM_SIGNAL_MSI: {
		struct kvm_msi m;

		if (sim_copy_from_user(&m, arg, sizeof(m)))
			return -EFAULT;
		if (!vm->irqchip || (m.flags & ~KVM_MSI_VALID_DEVID))
			return -EINVAL;
		return deliver_msi(vm, m.address_lo, m.address_hi);
	}
	default:
		return SIM_NOT_MINE;
	}
}

void kvmx_irq_free(struct sim_vmx *x);
void kvmx_irq_free(struct sim_vmx *x)
{
	for (size_t i = 0; i < x->nirqfds; i++) {
		real_close(x->irqfds[i].fd);
		if (x->irqfds[i].resamplefd >= 0)
			real_close(x->irqfds[i].resamplefd);
	}
	for (size_t i = 0; i < x->nioeventfds; i++)
		real_close(x->ioeventfds[i].fd);
	free(x->irqfds);
	free(x->ioeventfds);
	free(x->coalesced);
	free(x->routes);
}
