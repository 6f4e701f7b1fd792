// SPDX-License-Identifier: MIT
/*
 * A multi-vCPU VMM written as an outside user would, from the installed
 * headers and man pages only (libtdx(7), libtdx-*(3)): probe, firmware,
 * configuration check, TD creation, memory, vCPUs, load, finalise, one
 * thread per vCPU handling every exit type, tdx_vcpu_kick() to stop them,
 * teardown, and a check that no fd is left open (valgrind checks memory).
 *
 * Run under tdxsim (simulated host): the default guest script
 * (tdvf-early-boot) prints on the serial port, asks GetTdVmCallInfo,
 * converts memory with MapGPA and an implicit fault, then shuts down;
 * the other vCPUs halt until kicked.  Exit 77 (skip) without a TDX host
 * or without /usr/share/ovmf/OVMF.fd.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libtdx.h>

#define NR_VCPUS 4
#define RAM_SIZE (256ULL << 20)

static int failures;
/* --exits: the guest script tests/user/vmm-exits.txt runs instead. */
static bool exits_mode;

#define FAIL(...)                                                   \
	do {                                                        \
		fprintf(stderr, "vmm: FAIL: " __VA_ARGS__);          \
		fputc('\n', stderr);                                \
		failures++;                                         \
	} while (0)

/* Report a failed call with the record the docs name for it. */
static int check(int r, const char *what, const struct tdx_error *e)
{
	if (r < 0)
		FAIL("%s: %s (step '%s' field '%s': %s)", what, strerror(-r),
		     tdx_error_get_step(e), tdx_error_get_field(e),
		     tdx_error_get_message(e));
	return r;
}

struct vmm {
	struct tdx_vm *vm;
	struct tdx_mem *mem;
	struct tdx_attest *att;
	struct tdx_vcpu *vcpu[NR_VCPUS];
	pthread_t thread[NR_VCPUS];
	atomic_bool stop;
	atomic_int shutdowns;
	atomic_int intrs;
	atomic_int done_ports;	/* --exits: vCPUs that wrote to port 0x510 */
	atomic_int exits[TDX_EXIT_OTHER + 1];
	pthread_mutex_t out_lock;
	char serial[512];
	size_t serial_len;
	char debugcon[512];
	size_t debugcon_len;
	int vcpu_errors;
};

static void append(struct vmm *v, char *buf, size_t *len, size_t cap,
		   const uint8_t *data, size_t n)
{
	pthread_mutex_lock(&v->out_lock);
	if (*len + n < cap) {
		memcpy(buf + *len, data, n);
		*len += n;
		buf[*len] = 0;
	}
	pthread_mutex_unlock(&v->out_lock);
}

/* libtdx-attest(3): the map callback as the header suggests. */
static void *map_guest(void *userdata, uint64_t gpa, uint64_t len)
{
	struct tdx_mem *mem = userdata;
	void *p;

	if (tdx_mem_is_private(mem, gpa, len) != 0 ||
	    tdx_mem_get_host_addr(mem, gpa, len, &p))
		return NULL;
	return p;
}

/*
 * --exits: a fake QGS (PASSTHROUGH mode, libtdx-attest(3)) on a Unix
 * socket, and the guest's GetQuote buffer at 16 MiB.  The script cannot
 * write guest memory, so the VMM plays that part of the guest: once the
 * guest has made the page shared (MapGPA), it writes the buffer header
 * (version 1, in_len 16) and a 16-byte "report".
 */
#define QUOTE_GPA	0x1000000ULL
#define REPORT		"TDREPORT-user-01"
#define QUOTE_PREFIX	"QUOTE-FOR-"

struct qgs {
	int fd;
	char path[108];
	pthread_t thread;
	int served;
};

static void *qgs_thread(void *p)
{
	struct qgs *q = p;
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
	char in[sizeof(REPORT) - 1], out[64];
	size_t got = 0;
	int c;

	if (poll(&pfd, 1, 10000) != 1)
		return NULL;
	c = accept4(q->fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return NULL;
	while (got < sizeof(in)) {
		ssize_t n = read(c, in + got, sizeof(in) - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == sizeof(in)) {
		int n = snprintf(out, sizeof(out), QUOTE_PREFIX "%.*s", (int)got, in);
		if (write(c, out, (size_t)n) == n)
			q->served = 1;
	}
	close(c);
	return NULL;
}

static int qgs_start(struct qgs *q)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(q->path, sizeof(q->path), "/tmp/libtdx-user-qgs-%d", (int)getpid());
	unlink(q->path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", q->path);
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0)
		return -1;
	if (bind(q->fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(q->fd, 4) ||
	    pthread_create(&q->thread, NULL, qgs_thread, q)) {
		close(q->fd);
		q->fd = -1;
		return -1;
	}
	return 0;
}

static void qgs_stop(struct qgs *q)
{
	if (q->fd < 0)
		return;
	pthread_join(q->thread, NULL);
	close(q->fd);
	unlink(q->path);
	q->fd = -1;
}

static void write_quote_request(struct tdx_mem *mem)
{
	uint8_t *b;
	uint64_t version = 1, status = 0;
	uint32_t in_len = sizeof(REPORT) - 1, out_len = 0;

	if (tdx_mem_get_host_addr(mem, QUOTE_GPA, 4096, (void **)&b)) {
		FAIL("no host address for the quote buffer");
		return;
	}
	memcpy(b, &version, 8);
	memcpy(b + 8, &status, 8);
	memcpy(b + 16, &in_len, 4);
	memcpy(b + 20, &out_len, 4);
	memcpy(b + TDX_QUOTE_HEADER_SIZE, REPORT, in_len);
}

struct vcpu_arg {
	struct vmm *v;
	unsigned int idx;
};

static void *vcpu_thread(void *p)
{
	struct vcpu_arg *a = p;
	struct vmm *v = a->v;
	struct tdx_vcpu *vcpu = v->vcpu[a->idx];
	const struct tdx_error *ve = tdx_vcpu_get_last_error(vcpu);
	struct tdx_attest_answer ans;
	char line[256];

	if (exits_mode) {
		/* vcpu.h: tdx_vcpu_run() keeps the kick signal unblocked inside
		 * KVM_RUN even when the thread blocks it (as QEMU's threads do). */
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	}
	for (;;) {
		struct tdx_exit ex;
		int r = tdx_vcpu_run(vcpu, &ex);

		if (r < 0) {
			check(r, "tdx_vcpu_run", ve);
			v->vcpu_errors++;
			break;
		}
		if (ex.type <= TDX_EXIT_OTHER)
			atomic_fetch_add(&v->exits[ex.type], 1);
		switch (ex.type) {
		case TDX_EXIT_IO:
			if (ex.u.io.is_write && ex.u.io.port == 0x3f8)
				append(v, v->serial, &v->serial_len, sizeof(v->serial),
				       ex.u.io.data, (size_t)ex.u.io.size * ex.u.io.count);
			else if (ex.u.io.is_write && ex.u.io.port == 0x402)
				append(v, v->debugcon, &v->debugcon_len,
				       sizeof(v->debugcon), ex.u.io.data,
				       (size_t)ex.u.io.size * ex.u.io.count);
			else if (ex.u.io.is_write && ex.u.io.port == 0x510)
				atomic_fetch_add(&v->done_ports, 1); /* "my work is done" */
			else if (!ex.u.io.is_write) /* no device: all ones */
				memset(ex.u.io.data, 0xff,
				       (size_t)ex.u.io.size * ex.u.io.count);
			break;
		case TDX_EXIT_MMIO:
			if (!ex.u.mmio.is_write)
				memset(ex.u.mmio.data, 0xff, ex.u.mmio.len);
			break;
		case TDX_EXIT_MEMORY_FAULT:
		case TDX_EXIT_MAP_GPA:
			/* libtdx-vcpu(3): answers MapGPA itself; -EFAULT = stop. */
			r = tdx_vcpu_convert(vcpu, v->mem, &ex);
			if (r < 0) {
				check(r, "tdx_vcpu_convert", ve);
				v->vcpu_errors++;
				goto out;
			}
			if (exits_mode && ex.type == TDX_EXIT_MAP_GPA && !ex.u.convert.to_private &&
			    ex.u.convert.gpa == QUOTE_GPA &&
			    tdx_mem_is_private(v->mem, QUOTE_GPA, 4096) == 0)
				write_quote_request(v->mem);
			break;
		case TDX_EXIT_GET_QUOTE:
		case TDX_EXIT_SETUP_EVENT_NOTIFY:
		case TDX_EXIT_GET_TDVMCALL_INFO:
			r = tdx_attest_handle_exit(v->att, &ex, tdx_vcpu_get_id(vcpu), &ans);
			if (r < 0) {
				check(r, "tdx_attest_handle_exit",
				      tdx_attest_get_last_error(v->att));
				v->vcpu_errors++;
				goto out;
			}
			if (ex.type == TDX_EXIT_GET_TDVMCALL_INFO && ans.status == 0)
				r = tdx_vcpu_answer_tdvmcall_info(vcpu, &ex, ans.r11, ans.r12,
								  ans.r13, ans.r14);
			else
				r = tdx_vcpu_complete(vcpu, &ex, ans.status);
			if (check(r, "answer", ve) < 0) {
				v->vcpu_errors++;
				goto out;
			}
			break;
		case TDX_EXIT_TDX_UNKNOWN:
			if (check(tdx_vcpu_complete(vcpu, &ex, TDX_TDVMCALL_SUBFUNC_UNSUPPORTED),
				  "tdx_vcpu_complete", ve) < 0) {
				v->vcpu_errors++;
				goto out;
			}
			break;
		case TDX_EXIT_INTR:
			atomic_fetch_add(&v->intrs, 1);
			if (atomic_load(&v->stop))
				goto out;
			break;
		case TDX_EXIT_SHUTDOWN:
			atomic_fetch_add(&v->shutdowns, 1);
			/* --exits: vCPUs 1 and 2 convert memory concurrently and
			 * report on port 0x510 when done; let them finish. */
			for (int i = 0; exits_mode && i < 20000 &&
			     atomic_load(&v->done_ports) < 2; i++)
				nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
			/* vCPU 0 ending ends the TD: kick the others. */
			atomic_store(&v->stop, true);
			for (unsigned int i = 0; i < NR_VCPUS; i++)
				if (i != a->idx && tdx_vcpu_kick(v->vcpu[i]) < 0)
					FAIL("tdx_vcpu_kick(%u)", i);
			goto out;
		default:
			tdx_exit_format(&ex, line, sizeof(line));
			FAIL("vCPU %u: unexpected exit: %s", a->idx, line);
			v->vcpu_errors++;
			atomic_store(&v->stop, true);
			goto out;
		}
	}
out:
	return NULL;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

/* fds open when main() started (inherited ones may lack FD_CLOEXEC). */
static unsigned char inherited[1024];

static void note_inherited(void)
{
	for (int fd = 0; fd < 1024; fd++)
		inherited[fd] = fcntl(fd, F_GETFD) >= 0;
}

/* Every fd libtdx opened must have FD_CLOEXEC (libtdx(7)). */
static int check_cloexec(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++) {
		int fl = fcntl(fd, F_GETFD);

		if (inherited[fd] || fl < 0)
			continue;
		n++;
		if (!(fl & FD_CLOEXEC))
			FAIL("fd %d has no FD_CLOEXEC", fd);
	}
	return n;
}

#define NEXITS(t) atomic_load(&v->exits[t])

/* tdvf-early-boot (tdxsim's default script) */
static void check_boot(struct vmm *v)
{
	struct tdx_mem_stats st;

	if (!strstr(v->serial, "TDVF (simulated) booting"))
		FAIL("serial output missing");
	if (!strstr(v->debugcon, "jumping to DXE"))
		FAIL("debugcon output missing");
	if (atomic_load(&v->shutdowns) < 1)
		FAIL("no shutdown exit");
	/* vCPU 0 shut down; each other vCPU ended by a kick or its own shutdown. */
	if (atomic_load(&v->shutdowns) + atomic_load(&v->intrs) < NR_VCPUS)
		FAIL("%d shutdowns + %d kicks < %d vCPUs", atomic_load(&v->shutdowns),
		     atomic_load(&v->intrs), NR_VCPUS);
	if (NEXITS(TDX_EXIT_MAP_GPA) < 2 || NEXITS(TDX_EXIT_MEMORY_FAULT) < 1 ||
	    NEXITS(TDX_EXIT_GET_TDVMCALL_INFO) < 1)
		FAIL("exits: map-gpa %d memory-fault %d tdvmcall-info %d",
		     NEXITS(TDX_EXIT_MAP_GPA), NEXITS(TDX_EXIT_MEMORY_FAULT),
		     NEXITS(TDX_EXIT_GET_TDVMCALL_INFO));
	if (tdx_mem_get_stats(v->mem, &st) == 0 &&
	    (st.rejected || st.errors || st.to_shared < 2 || st.to_private < 1))
		FAIL("mem stats: %llu rejected, %llu errors, to_shared %llu, to_private %llu",
		     (unsigned long long)st.rejected, (unsigned long long)st.errors,
		     (unsigned long long)st.to_shared, (unsigned long long)st.to_private);
}

/* tests/user/vmm-exits.txt */
static void check_exits(struct vmm *v)
{
	struct tdx_mem_stats st;
	struct tdx_attest_stats as;

	if (!strstr(v->serial, "exits") || !strstr(v->debugcon, "done"))
		FAIL("serial/debugcon output missing");
	/* vCPU 0 shuts down; the others compute for 20 s: only kicks end them */
	if (atomic_load(&v->shutdowns) != 1 || atomic_load(&v->intrs) != NR_VCPUS - 1)
		FAIL("%d shutdowns, %d kicks; want 1 and %d", atomic_load(&v->shutdowns),
		     atomic_load(&v->intrs), NR_VCPUS - 1);
	if (NEXITS(TDX_EXIT_MMIO) != 2 || NEXITS(TDX_EXIT_GET_QUOTE) != 2 ||
	    NEXITS(TDX_EXIT_SETUP_EVENT_NOTIFY) != 1 || NEXITS(TDX_EXIT_GET_TDVMCALL_INFO) != 1 ||
	    NEXITS(TDX_EXIT_MEMORY_FAULT) != 1 || NEXITS(TDX_EXIT_MAP_GPA) != 4 + 200 ||
	    atomic_load(&v->done_ports) != 2)
		FAIL("exits: mmio %d get-quote %d notify %d tdvmcall-info %d fault %d map-gpa %d "
		     "done %d",
		     NEXITS(TDX_EXIT_MMIO), NEXITS(TDX_EXIT_GET_QUOTE),
		     NEXITS(TDX_EXIT_SETUP_EVENT_NOTIFY), NEXITS(TDX_EXIT_GET_TDVMCALL_INFO),
		     NEXITS(TDX_EXIT_MEMORY_FAULT), NEXITS(TDX_EXIT_MAP_GPA),
		     atomic_load(&v->done_ports));
	/* the private MapGPA of the hole is the one refusal; the shared one a no-op */
	if (tdx_mem_get_stats(v->mem, &st) == 0 &&
	    (st.rejected != 1 || st.errors || st.mmio_noops != 1))
		FAIL("mem stats: %llu rejected, %llu errors, %llu no-ops",
		     (unsigned long long)st.rejected, (unsigned long long)st.errors,
		     (unsigned long long)st.mmio_noops);
	/* the quote: accepted, then completed by the worker through the QGS */
	for (int i = 0; i < 1000; i++) {
		if (tdx_attest_get_stats(v->att, &as) || as.in_flight == 0)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	if (tdx_attest_get_stats(v->att, &as) == 0 &&
	    (as.requests != 2 || as.rejected != 1 || as.accepted != 1 || as.succeeded != 1 ||
	     as.notify_vector != 40 || as.notify_apic_id != 0))
		FAIL("attest stats: %llu requests, %llu rejected, %llu accepted, %llu succeeded, "
		     "vector %u apic %u", (unsigned long long)as.requests,
		     (unsigned long long)as.rejected, (unsigned long long)as.accepted,
		     (unsigned long long)as.succeeded, as.notify_vector, as.notify_apic_id);
	else {
		uint8_t *b;
		uint64_t status;
		uint32_t out_len;
		const char *want = QUOTE_PREFIX REPORT;

		if (tdx_mem_get_host_addr(v->mem, QUOTE_GPA, 4096, (void **)&b) == 0) {
			memcpy(&status, b + 8, 8);
			memcpy(&out_len, b + 20, 4);
			if (status != TDX_QUOTE_STATUS_SUCCESS || out_len != strlen(want) ||
			    memcmp(b + TDX_QUOTE_HEADER_SIZE, want, out_len))
				FAIL("quote buffer: status 0x%llx out_len %u",
				     (unsigned long long)status, out_len);
		}
	}
}

static int run(const char *fw)
{
	struct tdx_ctx *ctx = NULL;
	struct tdx_probe *probe = NULL;
	struct tdx_tdvf *tdvf = NULL;
	struct tdx_layout *layout = NULL;
	struct tdx_plan *plan = NULL;
	struct tdx_caps *caps = NULL;
	struct tdx_caps_check *chk = NULL;
	struct tdx_tdvf_diag diag;
	struct tdx_td_config cfg = TDX_OPTS(tdx_td_config);
	struct tdx_plan_opts popts = TDX_OPTS(tdx_plan_opts);
	struct tdx_vm_opts vopts = TDX_OPTS(tdx_vm_opts);
	struct tdx_attest_opts aopts = TDX_OPTS(tdx_attest_opts);
	struct tdx_load_stats lstats;
	struct tdx_tdvmcallinfo info;
	struct vcpu_arg args[NR_VCPUS];
	struct vmm *v;
	const struct tdx_error *ce;
	uint8_t mrtd[TDX_MRTD_SIZE];
	uint64_t hob_gpa = 0;
	int rc = 1, r, nthreads = 0;
	struct qgs qgs = { .fd = -1 };
	char qgs_addr[128];

	v = calloc(1, sizeof(*v));
	if (!v)
		return 1;
	pthread_mutex_init(&v->out_lock, NULL);

	if (tdx_ctx_new(NULL, &ctx) < 0) {
		FAIL("tdx_ctx_new");
		goto out;
	}
	ce = tdx_ctx_get_last_error(ctx);
	if (check(tdx_ctx_probe(ctx, &probe), "tdx_ctx_probe", ce) < 0)
		goto out;
	if (!tdx_probe_is_supported(probe)) {
		for (size_t i = 0; i < tdx_probe_reason_count(probe); i++)
			fprintf(stderr, "vmm: no TDX: %s\n", tdx_probe_get_reason(probe, i));
		rc = 77;
		goto out;
	}
	for (unsigned int f = 0; f < TDX_FEATURE_COUNT; f++)
		if (!tdx_probe_has(probe, f))
			FAIL("supported host lacks feature %s", tdx_feature_name(f));

	r = tdx_tdvf_open(fw, NULL, &diag, &tdvf);
	if (r < 0) {
		FAIL("%s: %s (%s)", fw, diag.message, tdx_tdvf_code_name(diag.code));
		goto out;
	}
	if (check(tdx_layout_new_q35(RAM_SIZE, tdx_tdvf_get_image_size(tdvf), NULL,
				     &layout), "tdx_layout_new_q35", ce) < 0)
		goto out;
	popts.layout = layout;
	if (check(tdx_plan_new(ctx, tdvf, &popts, &plan), "tdx_plan_new", ce) < 0)
		goto out;
	if (check(tdx_measure_plan(ctx, plan, NULL, mrtd, NULL), "tdx_measure_plan", ce) < 0)
		goto out;

	/* The configuration, checked before anything is created. */
	if (check(tdx_caps_query(ctx, &caps), "tdx_caps_query", ce) < 0)
		goto out;
	cfg.attributes = TDX_ATTR_SEPT_VE_DISABLE;
	cfg.xfam = tdx_caps_get_default_xfam(caps);
	cfg.vcpus = NR_VCPUS;
	r = tdx_caps_check_config(caps, &cfg, &chk);
	if (r != 0) {
		FAIL("tdx_caps_check_config: %d problems", r);
		for (size_t i = 0; i < tdx_caps_check_problem_count(chk); i++)
			fprintf(stderr, "  %s\n", tdx_caps_check_get_problem(chk, i));
		goto out;
	}

	vopts.kick_signal = SIGUSR1;
	if (check(tdx_vm_new(ctx, &vopts, &v->vm), "tdx_vm_new", ce) < 0)
		goto out;
	if (check(tdx_vm_init(v->vm, &cfg), "tdx_vm_init", tdx_vm_get_last_error(v->vm)) < 0)
		goto out;
	if (tdx_vm_get_state(v->vm) != TDX_VM_INITIALIZED)
		FAIL("state after init: %d", tdx_vm_get_state(v->vm));
	if (tdx_vm_get_attributes(v->vm) != TDX_ATTR_SEPT_VE_DISABLE)
		FAIL("attributes 0x%llx", (unsigned long long)tdx_vm_get_attributes(v->vm));
	if ((tdx_vm_get_xfam(v->vm) & (TDX_XFAM_X87 | TDX_XFAM_SSE)) !=
	    (TDX_XFAM_X87 | TDX_XFAM_SSE))
		FAIL("xfam lacks x87/SSE");
	if (tdx_vm_get_shared_bit(v->vm) != (1ULL << 47))
		FAIL("shared bit 0x%llx for GPAW 48",
		     (unsigned long long)tdx_vm_get_shared_bit(v->vm));

	if (check(tdx_mem_new(v->vm, NULL, &v->mem), "tdx_mem_new",
		  tdx_vm_get_last_error(v->vm)) < 0)
		goto out;
	if (check(tdx_mem_add_layout(v->mem, layout), "tdx_mem_add_layout",
		  tdx_mem_get_last_error(v->mem)) < 0)
		goto out;
	if (tdx_mem_is_private(v->mem, 0, RAM_SIZE) != 1)
		FAIL("RAM not private after tdx_mem_add_layout");

	r = tdx_plan_get_hob_gpa(plan, &hob_gpa);
	if (r < 0 && r != -ENOENT)
		FAIL("tdx_plan_get_hob_gpa: %d", r);
	for (unsigned int i = 0; i < NR_VCPUS; i++) {
		if (check(tdx_vcpu_new(v->vm, i, &v->vcpu[i]), "tdx_vcpu_new",
			  tdx_vm_get_last_error(v->vm)) < 0)
			goto out;
		if (check(tdx_vcpu_init(v->vcpu[i], hob_gpa), "tdx_vcpu_init",
			  tdx_vcpu_get_last_error(v->vcpu[i])) < 0)
			goto out;
		r = tdx_vcpu_compare_cpuid(v->vcpu[i], NULL, 0);
		if (r < 0)
			FAIL("tdx_vcpu_compare_cpuid: %d", r);
	}
	if (check(tdx_load_plan(v->mem, plan, v->vcpu[0], NULL, &lstats), "tdx_load_plan",
		  tdx_mem_get_last_error(v->mem)) < 0)
		goto out;
	if (lstats.pages_added != tdx_plan_get_total_pages(plan, NULL))
		FAIL("loaded %llu pages, plan has %llu",
		     (unsigned long long)lstats.pages_added,
		     (unsigned long long)tdx_plan_get_total_pages(plan, NULL));
	if (check(tdx_vm_finalize(v->vm), "tdx_vm_finalize", tdx_vm_get_last_error(v->vm)) < 0)
		goto out;

	tdx_caps_get_tdvmcallinfo(tdx_vm_get_caps(v->vm), &info);
	aopts.tdvmcallinfo = &info;
	aopts.map = map_guest;
	aopts.userdata = v->mem;
	if (exits_mode) {
		if (qgs_start(&qgs)) {
			FAIL("fake QGS: %s", strerror(errno));
			goto out;
		}
		snprintf(qgs_addr, sizeof(qgs_addr), "unix:%s", qgs.path);
		aopts.qgs = qgs_addr;
		aopts.mode = TDX_ATTEST_MODE_PASSTHROUGH;
		aopts.timeout_ms = 10000;
	}
	if (check(tdx_attest_new(ctx, &aopts, &v->att), "tdx_attest_new", ce) < 0)
		goto out;

	for (unsigned int i = 0; i < NR_VCPUS; i++) {
		args[i].v = v;
		args[i].idx = i;
		if (pthread_create(&v->thread[i], NULL, vcpu_thread, &args[i])) {
			FAIL("pthread_create");
			atomic_store(&v->stop, true);
			break;
		}
		nthreads++;
	}
	if (check_cloexec() < 2 + NR_VCPUS)
		FAIL("fewer fds than a VM, guest_memfds and vCPUs need");
	for (int i = 0; i < nthreads; i++)
		pthread_join(v->thread[i], NULL);

	printf("serial: %s", v->serial);
	printf("debugcon: %s", v->debugcon);
	printf("shutdown exits %d, kicked (intr) exits %d\n", atomic_load(&v->shutdowns),
	       atomic_load(&v->intrs));
	if (v->vcpu_errors)
		FAIL("%d vCPU errors", v->vcpu_errors);
	if (exits_mode)
		check_exits(v);
	else
		check_boot(v);
	/* --exits: vCPUs 1 and 2 left 32..40 MiB private */
	if (exits_mode && tdx_mem_is_private(v->mem, 0x2000000, 0x800000) != 1)
		FAIL("32 MiB + 8 MiB not private after the concurrent conversions");
	/* Both scripts: 16 MiB..18 MiB shared, 18 MiB back to private. */
	if (tdx_mem_is_private(v->mem, 0x1000000, 0x200000) != 0)
		FAIL("16 MiB + 2 MiB not shared after MapGPA");
	if (tdx_mem_is_private(v->mem, 0x1200000, 0x1000) != 1)
		FAIL("0x1200000 not private after fault + MapGPA");
	rc = failures ? 1 : 0;
out:
	for (unsigned int i = 0; i < NR_VCPUS; i++)
		tdx_vcpu_unref(v->vcpu[i]);
	tdx_attest_free(v->att);
	qgs_stop(&qgs);
	tdx_mem_unref(v->mem);
	tdx_vm_unref(v->vm);
	tdx_caps_check_free(chk);
	tdx_caps_free(caps);
	tdx_plan_free(plan);
	tdx_layout_free(layout);
	tdx_tdvf_free(tdvf);
	tdx_probe_free(probe);
	tdx_ctx_unref(ctx);
	pthread_mutex_destroy(&v->out_lock);
	free(v);
	return rc;
}

int main(int argc, char **argv)
{
	const char *fw = "/usr/share/ovmf/OVMF.fd";
	int before, after, rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--exits"))
			exits_mode = true;
		else
			fw = argv[i];
	}

	if (access(fw, R_OK)) {
		printf("SKIP: %s not readable\n", fw);
		return 77;
	}
	note_inherited();
	before = count_fds();
	/* Two TDs in a row: the second must work after the first's teardown. */
	for (int round = 0; round < 2; round++) {
		rc = run(fw);
		if (rc)
			return rc;
	}
	after = count_fds();
	if (before != after) {
		fprintf(stderr, "vmm: FAIL: %d fds before, %d after\n", before, after);
		return 1;
	}
	printf("vmm: OK (%d vCPUs, 2 TDs, no fd leaked)\n", NR_VCPUS);
	return 0;
}
