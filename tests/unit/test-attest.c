/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the attest layer (GetQuote, SetupEventNotifyInterrupt,
 * GetTdVmCallInfo) against a fake QGS served by a thread of this test on a
 * Unix socket in a temporary directory, with fake guest RAM.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libtdx.h>
#include "qgs-wire.h"
#include "testutil.h"

/* ---- fake guest RAM ---------------------------------------------------- */

#define RAM_BASE	0x100000ull
#define RAM_SIZE	(4ull << 20)
#define BUF_SIZE	8192u

struct ram {
	uint8_t *mem;
	atomic_int maps, unmaps;
	atomic_int notifies;
	atomic_uint last_vector, last_apic;
	atomic_int notify_ret;
	atomic_bool gone;		/* map fails from now on */
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static struct ram ram;

static void *ram_map(void *ud, uint64_t gpa, uint64_t len)
{
	struct ram *r = ud;

	if (gpa < RAM_BASE || len > RAM_SIZE || gpa - RAM_BASE > RAM_SIZE - len ||
	    atomic_load(&r->gone))
		return NULL;
	atomic_fetch_add(&r->maps, 1);
	return r->mem + (gpa - RAM_BASE);
}

static void ram_unmap(void *ud, void *hva, uint64_t gpa, uint64_t len)
{
	struct ram *r = ud;

	ck_assert_ptr_eq(hva, r->mem + (gpa - RAM_BASE));
	atomic_fetch_add(&r->unmaps, 1);
}

static int ram_notify(void *ud, uint32_t vector, uint32_t apic_id)
{
	struct ram *r = ud;

	pthread_mutex_lock(&r->lock);
	atomic_store(&r->last_vector, vector);
	atomic_store(&r->last_apic, apic_id);
	atomic_fetch_add(&r->notifies, 1);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return atomic_load(&r->notify_ret);
}

static uint8_t *gbuf(uint64_t gpa)
{
	return ram.mem + (gpa - RAM_BASE);
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t gstatus(uint64_t gpa)
{
	return __atomic_load_n((uint64_t *)(void *)(gbuf(gpa) + 8), __ATOMIC_ACQUIRE);
}

/* What a Linux guest does: zero the buffer, header v1, in_len, report. */
static void guest_prepare(uint64_t gpa, uint32_t size, uint32_t in_len)
{
	uint8_t *b = gbuf(gpa);
	uint64_t one = 1;
	uint32_t i;

	memset(b, 0, size);
	memcpy(b, &one, 8);
	memcpy(b + 16, &in_len, 4);
	for (i = 0; i < in_len; i++)
		b[24 + i] = (uint8_t)(i * 7 + 1);
	if (in_len)
		b[24] = 0x81;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Poll the status like the guest does; returns it (IN_FLIGHT on timeout). */
static uint64_t guest_wait(uint64_t gpa, double timeout_s)
{
	double end = now_s() + timeout_s;
	uint64_t st;

	while ((st = gstatus(gpa)) == TDX_QUOTE_STATUS_IN_FLIGHT && now_s() < end)
		usleep(1000);
	return st;
}

static bool wait_notifies(int n, double timeout_s)
{
	double end = now_s() + timeout_s;

	while (atomic_load(&ram.notifies) < n && now_s() < end)
		usleep(1000);
	return atomic_load(&ram.notifies) >= n;
}

/* ---- fake QGS ---------------------------------------------------------- */

enum fq_mode {
	FQ_REPLY,	/* check the request, send reply[] (then close) */
	FQ_CLOSE,	/* read the request, close without a byte */
	FQ_HOLD,	/* read the request, keep the connection until release */
	FQ_RAW,		/* pass-through: read raw_len bytes, send reply[], close */
};

struct fq {
	char dir[64];
	char path[96];
	int lfd;
	int stop_fd;
	pthread_t thr;
	enum fq_mode mode;
	uint8_t *reply;
	size_t reply_len;
	bool bytewise;		/* send the reply one byte at a time */
	bool slow_read;		/* read the request in 7-byte pieces */
	bool keep_open;		/* after replying, wait for the client to close */
	size_t raw_len;
	/* results */
	atomic_int conns;
	atomic_int req_ok, req_bad;
	uint8_t last_report[128 * 1024];
	atomic_uint last_report_len;
	int held[64];
	atomic_int nheld;
	atomic_int release;
};

static struct fq fq;
/* held while a connection is served, so a test cannot swap the reply
 * under a fake that is still sending the previous one */
static pthread_mutex_t fq_reply_lock = PTHREAD_MUTEX_INITIALIZER;

static int read_full(int fd, uint8_t *b, size_t n, bool slow)
{
	size_t got = 0;

	while (got < n) {
		size_t want = n - got;
		ssize_t r;

		if (slow && want > 7)
			want = 7;
		r = read(fd, b + got, want);
		if (r <= 0)
			return -1;
		got += (size_t)r;
		if (slow)
			usleep(200);
	}
	return 0;
}

static void write_all(int fd, const uint8_t *b, size_t n, bool bytewise)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = send(fd, b + off, bytewise ? 1 : n - off, MSG_NOSIGNAL);

		if (r <= 0)
			return;
		off += (size_t)r;
		if (bytewise)
			usleep(100);
	}
}

/* Read and check a framed GET_QUOTE_REQ byte by byte (doc 14 row 1). */
static void fq_read_request(int fd)
{
	uint8_t h[28];
	uint32_t L, in_len;

	if (read_full(fd, h, 28, fq.slow_read)) {
		atomic_fetch_add(&fq.req_bad, 1);
		return;
	}
	L = tdx_qgs_get_be32(h);
	in_len = tdx_qgs_get_le32(h + 20);
	if (L != 24 + in_len || tdx_qgs_get_le16(h + 4) != 1 ||
	    tdx_qgs_get_le16(h + 6) != 1 || tdx_qgs_get_le32(h + 8) != 0 ||
	    tdx_qgs_get_le32(h + 12) != L || tdx_qgs_get_le32(h + 16) != 0 ||
	    tdx_qgs_get_le32(h + 24) != 0 || in_len > sizeof(fq.last_report) ||
	    read_full(fd, fq.last_report, in_len, fq.slow_read)) {
		atomic_fetch_add(&fq.req_bad, 1);
		return;
	}
	atomic_store(&fq.last_report_len, in_len);
	atomic_fetch_add(&fq.req_ok, 1);
}

static void fq_serve_locked(int fd);

static void fq_serve(int fd)
{
	pthread_mutex_lock(&fq_reply_lock);
	fq_serve_locked(fd);
	pthread_mutex_unlock(&fq_reply_lock);
}

static void fq_serve_locked(int fd)
{
	atomic_fetch_add(&fq.conns, 1);
	if (fq.mode == FQ_RAW) {
		uint8_t tmp[4096];

		if (fq.raw_len > sizeof(tmp) || read_full(fd, tmp, fq.raw_len, false)) {
			atomic_fetch_add(&fq.req_bad, 1);
		} else {
			memcpy(fq.last_report, tmp, fq.raw_len);
			atomic_store(&fq.last_report_len, (unsigned)fq.raw_len);
			atomic_fetch_add(&fq.req_ok, 1);
		}
	} else {
		fq_read_request(fd);
	}
	switch (fq.mode) {
	case FQ_REPLY:
	case FQ_RAW:
		write_all(fd, fq.reply, fq.reply_len, fq.bytewise);
		if (fq.keep_open) {
			char c;

			while (read(fd, &c, 1) > 0)
				;
		}
		break;
	case FQ_CLOSE:
		break;
	case FQ_HOLD:
		fq.held[atomic_fetch_add(&fq.nheld, 1)] = fd;
		return;
	}
	close(fd);
}

/*
 * The fake QGS runs in this process: after it writes a reply, its close()
 * of the connection may come after the guest already saw the answer.  So
 * "no fd leaked" is checked once that close had a chance to run: wait up to
 * 5 s for the count to fall back to what it was, then report the count.
 */
static int fds_settle(int want)
{
	int i, n = tu_count_fds();

	for (i = 0; i < 500 && n != want; i++) {
		usleep(10000);
		n = tu_count_fds();
	}
	return n;
}

static void fq_release_held(void)
{
	int i, n = atomic_exchange(&fq.nheld, 0);

	pthread_mutex_lock(&fq_reply_lock);
	for (i = 0; i < n; i++) {
		write_all(fq.held[i], fq.reply, fq.reply_len, false);
		close(fq.held[i]);
	}
	pthread_mutex_unlock(&fq_reply_lock);
}

static void *fq_thread(void *arg)
{
	for (;;) {
		struct pollfd p[2] = { { fq.lfd, POLLIN, 0 }, { fq.stop_fd, POLLIN, 0 } };
		int fd;

		if (atomic_exchange(&fq.release, 0))
			fq_release_held();
		if (poll(p, 2, 5) < 0)
			continue;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept4(fq.lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			fq_serve(fd);
	}
	return NULL;
}

static void fq_set_reply(const uint8_t *b, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);

	memcpy(copy, b, n);
	pthread_mutex_lock(&fq_reply_lock);
	free(fq.reply);
	fq.reply = copy;
	fq.reply_len = n;
	pthread_mutex_unlock(&fq_reply_lock);
}

/* A framed success reply with a q-byte quote (pattern 0xC0 + i). */
static void fq_reply_ok(uint32_t q)
{
	uint8_t *b = calloc(1, 28 + q);
	struct tdx_qgs_header h = { 1, 1, TDX_QGS_MSG_GET_QUOTE_RESP, 24 + q, 0 };
	uint32_t i;

	tdx_qgs_put_be32(b, 24 + q);
	tdx_qgs_header_put(b + 4, &h);
	tdx_qgs_put_le32(b + 24, q);
	for (i = 0; i < q; i++)
		b[28 + i] = (uint8_t)(0xC0 + i);
	fq_set_reply(b, 28 + q);
	free(b);
}

static void fq_start_ex(enum fq_mode mode, int backlog, bool run)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };

	memset(&fq, 0, sizeof(fq));
	fq.mode = mode;
	snprintf(fq.dir, sizeof(fq.dir), "/tmp/libtdx-qgs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fq.dir));
	snprintf(fq.path, sizeof(fq.path), "%s/qgs.socket", fq.dir);
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", fq.path);
	fq.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fq.lfd, 0);
	ck_assert_int_eq(bind(fq.lfd, (struct sockaddr *)&un, sizeof(un)), 0);
	ck_assert_int_eq(listen(fq.lfd, backlog), 0);
	fq.stop_fd = eventfd(0, EFD_CLOEXEC);
	fq_reply_ok(100);
	if (run)
		ck_assert_int_eq(pthread_create(&fq.thr, NULL, fq_thread, NULL), 0);
}

static void fq_run(void)
{
	ck_assert_int_eq(pthread_create(&fq.thr, NULL, fq_thread, NULL), 0);
}

static void fq_start(enum fq_mode mode)
{
	fq_start_ex(mode, 64, true);
}

static void fq_stop(void)
{
	uint64_t one = 1;
	int i, n;

	ck_assert_int_eq(write(fq.stop_fd, &one, 8), 8);
	pthread_join(fq.thr, NULL);
	n = atomic_exchange(&fq.nheld, 0);
	for (i = 0; i < n; i++)
		close(fq.held[i]);
	close(fq.lfd);
	close(fq.stop_fd);
	unlink(fq.path);
	rmdir(fq.dir);
	free(fq.reply);
	fq.reply = NULL;
}

/* ---- fixtures ---------------------------------------------------------- */

static void setup(void)
{
	memset(&ram, 0, sizeof(ram));
	ram.mem = aligned_alloc(4096, RAM_SIZE);
	ck_assert_ptr_nonnull(ram.mem);
	memset(ram.mem, 0x5A, RAM_SIZE);
	pthread_mutex_init(&ram.lock, NULL);
	pthread_cond_init(&ram.cond, NULL);
}

static void teardown(void)
{
	free(ram.mem);
	pthread_mutex_destroy(&ram.lock);
	pthread_cond_destroy(&ram.cond);
}

static struct tdx_attest *mk_att(const char *qgs, uint32_t timeout_ms,
				 uint32_t mode)
{
	struct tdx_attest_opts o = TDX_OPTS(tdx_attest_opts);
	struct tdx_attest *att = NULL;

	o.qgs = qgs;
	o.timeout_ms = timeout_ms;
	o.mode = mode;
	o.map = ram_map;
	o.unmap = ram_unmap;
	o.notify = ram_notify;
	o.userdata = &ram;
	ck_assert_int_eq(tdx_attest_new(NULL, &o, &att), 0);
	ck_assert_ptr_nonnull(att);
	return att;
}

static struct tdx_attest *mk_fq_att(uint32_t timeout_ms)
{
	char addr[160];

	snprintf(addr, sizeof(addr), "unix:%s", fq.path);
	return mk_att(addr, timeout_ms, TDX_ATTEST_MODE_WRAP);
}

static uint64_t submit(struct tdx_attest *att, uint64_t gpa, uint64_t size)
{
	uint64_t st = 0xDEAD;

	ck_assert_int_eq(tdx_attest_get_quote(att, gpa, size, &st), 0);
	return st;
}

static void register_notify(struct tdx_attest *att, uint32_t vec, uint32_t apic)
{
	uint64_t st = 0xDEAD;

	ck_assert_int_eq(tdx_attest_setup_event_notify(att, vec, apic, &st), 0);
	ck_assert_uint_eq(st, TDX_TDVMCALL_SUCCESS);
}

static void check_quote(uint64_t gpa, uint32_t in_len, uint32_t q)
{
	const uint8_t *b = gbuf(gpa);
	uint32_t i;

	ck_assert_uint_eq(rd64(b), 1);
	ck_assert_uint_eq(rd64(b + 8), TDX_QUOTE_STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(b + 16), in_len);
	ck_assert_uint_eq(rd32(b + 20), q);
	for (i = 0; i < q; i++)
		ck_assert_uint_eq(b[24 + i], (uint8_t)(0xC0 + i));
}

static void check_stats_idle(struct tdx_attest *att)
{
	struct tdx_attest_stats s;

	ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	ck_assert_uint_eq(s.in_flight, 0);
}

/* ---- tests: GetQuote success paths ------------------------------------ */

START_TEST(test_success)
{
	const uint64_t gpa = RAM_BASE + 0x10000;
	struct tdx_attest_stats s;
	struct tdx_attest *att;
	uint8_t report[1024];
	int fds;

	fq_start(FQ_REPLY);
	fds = tu_count_fds();
	att = mk_fq_att(5000);
	register_notify(att, 0x51, 3);
	guest_prepare(gpa, BUF_SIZE, 1024);
	memcpy(report, gbuf(gpa) + 24, sizeof(report));
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_SUCCESS);
	check_quote(gpa, 1024, 100);
	ck_assert(wait_notifies(1, 5));
	ck_assert_uint_eq(atomic_load(&ram.last_vector), 0x51);
	ck_assert_uint_eq(atomic_load(&ram.last_apic), 3);
	/* the fake saw a well-formed request carrying the guest's report */
	ck_assert_int_eq(atomic_load(&fq.req_ok), 1);
	ck_assert_int_eq(atomic_load(&fq.req_bad), 0);
	ck_assert_uint_eq(atomic_load(&fq.last_report_len), 1024);
	ck_assert_uint_eq(fq.last_report[0], 0x81);
	ck_assert_mem_eq(fq.last_report, report, 1024);
	/* nothing outside the buffer was touched */
	ck_assert_uint_eq(gbuf(gpa)[-1], 0x5A);
	ck_assert_uint_eq(gbuf(gpa)[BUF_SIZE], 0x5A);
	ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	ck_assert_uint_eq(s.requests, 1);
	ck_assert_uint_eq(s.accepted, 1);
	ck_assert_uint_eq(s.succeeded, 1);
	ck_assert_uint_eq(s.in_flight, 0);
	ck_assert_uint_eq(s.notified, 1);
	ck_assert_uint_eq(s.notify_vector, 0x51);
	tdx_attest_free(att);
	ck_assert_int_eq(atomic_load(&ram.maps), atomic_load(&ram.unmaps));
	ck_assert_int_eq(fds_settle(fds), fds);
	fq_stop();
}
END_TEST

START_TEST(test_payload_snapshot)
{
	/* The payload is copied at acceptance: later guest writes do not
	 * change what reaches the QGS. */
	const uint64_t gpa = RAM_BASE + 0x20000;
	uint8_t want[1024];
	struct tdx_attest *att;

	fq_start(FQ_HOLD);
	att = mk_fq_att(5000);
	guest_prepare(gpa, BUF_SIZE, 1024);
	memcpy(want, gbuf(gpa) + 24, sizeof(want));
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	memset(gbuf(gpa) + 24, 0xEE, 1024);
	while (atomic_load(&fq.nheld) < 1)
		usleep(1000);
	ck_assert_mem_eq(fq.last_report, want, sizeof(want));
	ck_assert_uint_eq(gstatus(gpa), TDX_QUOTE_STATUS_IN_FLIGHT);
	atomic_store(&fq.release, 1);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_SUCCESS);
	check_quote(gpa, 1024, 100);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

START_TEST(test_bytewise_reply_and_slow_read)
{
	const uint64_t gpa = RAM_BASE;
	struct tdx_attest *att;

	fq_start(FQ_REPLY);
	fq.bytewise = true;	/* splits inside the prefix and the header */
	fq.slow_read = true;
	att = mk_fq_att(10000);
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 10), TDX_QUOTE_STATUS_SUCCESS);
	check_quote(gpa, 1024, 100);
	ck_assert_int_eq(atomic_load(&fq.req_ok), 1);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

START_TEST(test_quote_size_limits)
{
	/* doc 14 row 14: a quote of size - 52 fits; one byte more does not */
	const uint64_t gpa = RAM_BASE + 0x40000;
	struct tdx_attest *att;

	fq_start(FQ_REPLY);
	att = mk_fq_att(5000);
	fq_reply_ok(BUF_SIZE - 52);
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(gbuf(gpa) + 20), BUF_SIZE - 52);
	ck_assert_uint_eq(gbuf(gpa)[BUF_SIZE], 0x5A);

	fq_reply_ok(BUF_SIZE - 51);
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_ERROR);
	ck_assert_uint_eq(rd32(gbuf(gpa) + 20), 0);	/* out_len unchanged */
	ck_assert_uint_eq(gbuf(gpa)[BUF_SIZE], 0x5A);
	check_stats_idle(att);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

START_TEST(test_surplus_bytes_and_open_socket)
{
	/* doc 14 row 15: extra bytes after a valid reply, socket left open */
	const uint64_t gpa = RAM_BASE;
	uint8_t b[28 + 100 + 64];
	struct tdx_attest *att;

	fq_start(FQ_REPLY);
	fq_reply_ok(100);
	memcpy(b, fq.reply, 128);
	memset(b + 128, 0x77, 64);
	fq_set_reply(b, sizeof(b));
	fq.keep_open = true;
	att = mk_fq_att(5000);
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_SUCCESS);
	check_quote(gpa, 1024, 100);
	ck_assert_uint_eq(gbuf(gpa)[24 + 100], (uint8_t)(100 * 7 + 1) /* request byte */);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

/* ---- tests: malformed answers ------------------------------------------ */

struct bad_case {
	const char *name;
	uint32_t prefix, major, minor, type, size, err, sel, qsz;
	size_t body;		/* quote bytes actually sent */
	uint64_t want;
};

START_TEST(test_malformed_replies)
{
	static const struct bad_case cases[] = {
		{ "error response 0x12001", 24, 1, 1, 1, 24, 0x12001, 0, 0, 0, TDX_QUOTE_STATUS_ERROR },
		{ "error response 0x12006", 24, 1, 1, 1, 24, 0x12006, 0, 0, 0, TDX_QUOTE_STATUS_ERROR },
		{ "major 2", 124, 2, 1, 1, 124, 0, 0, 100, 100, TDX_QUOTE_STATUS_ERROR },
		{ "version 1.0 (accepted)", 124, 1, 0, 1, 124, 0, 0, 100, 100, TDX_QUOTE_STATUS_SUCCESS },
		{ "type 0", 124, 1, 1, 0, 124, 0, 0, 100, 100, TDX_QUOTE_STATUS_ERROR },
		{ "type 3", 124, 1, 1, 3, 124, 0, 0, 100, 100, TDX_QUOTE_STATUS_ERROR },
		{ "prefix 0", 0, 1, 1, 1, 124, 0, 0, 100, 100, TDX_QUOTE_STATUS_ERROR },
		{ "prefix 0xFFFFFFFF", 0xFFFFFFFF, 1, 1, 1, 124, 0, 0, 100, 100, TDX_QUOTE_STATUS_ERROR },
		{ "prefix cap - 3", BUF_SIZE - 24 - 3, 1, 1, 1, BUF_SIZE - 27, 0, 0, BUF_SIZE - 51, 100, TDX_QUOTE_STATUS_ERROR },
		{ "header.size > prefix", 124, 1, 1, 1, 125, 0, 0, 100, 100, TDX_QUOTE_STATUS_ERROR },
		{ "header.size < prefix", 124, 1, 1, 1, 123, 0, 0, 100, 100, TDX_QUOTE_STATUS_ERROR },
		{ "selected id 16", 140, 1, 1, 1, 140, 0, 16, 100, 116, TDX_QUOTE_STATUS_ERROR },
		{ "quote_size != L - 24", 124, 1, 1, 1, 124, 0, 0, 99, 100, TDX_QUOTE_STATUS_ERROR },
		{ "EOF in the quote", 124, 1, 1, 1, 124, 0, 0, 100, 50, TDX_QUOTE_STATUS_ERROR },
		{ "EOF in the header", 124, 1, 1, 1, 124, 0, 0, 100, 0, TDX_QUOTE_STATUS_ERROR },
		{ "success without quote", 24, 1, 1, 1, 24, 0, 0, 0, 0, TDX_QUOTE_STATUS_ERROR },
	};
	const uint64_t gpa = RAM_BASE + 0x8000;
	struct tdx_attest_stats s;
	struct tdx_attest *att;
	size_t i;
	int fds;

	fq_start(FQ_REPLY);
	fds = tu_count_fds();
	att = mk_fq_att(5000);
	register_notify(att, 0x40, 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		uint8_t b[28 + 200];
		size_t j, n;

		memset(b, 0, sizeof(b));
		tdx_qgs_put_be32(b, c->prefix);
		tdx_qgs_put_le16(b + 4, (uint16_t)c->major);
		tdx_qgs_put_le16(b + 6, (uint16_t)c->minor);
		tdx_qgs_put_le32(b + 8, c->type);
		tdx_qgs_put_le32(b + 12, c->size);
		tdx_qgs_put_le32(b + 16, c->err);
		tdx_qgs_put_le32(b + 20, c->sel);
		tdx_qgs_put_le32(b + 24, c->qsz);
		for (j = 0; j < c->body; j++)
			b[28 + j] = (uint8_t)(0xC0 + j);
		n = 28 + c->body;
		if (!strcmp(c->name, "EOF in the header"))
			n = 14;
		fq_set_reply(b, n);
		guest_prepare(gpa, BUF_SIZE, 1024);
		ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
		if (guest_wait(gpa, 5) != c->want)
			ck_abort_msg("case '%s': status 0x%llx", c->name,
				     (unsigned long long)gstatus(gpa));
		if (c->want == TDX_QUOTE_STATUS_ERROR) {
			/* out_len and payload unchanged, header restored */
			ck_assert_uint_eq(rd32(gbuf(gpa) + 20), 0);
			ck_assert_uint_eq(rd32(gbuf(gpa) + 16), 1024);
			ck_assert_uint_eq(gbuf(gpa)[24], 0x81);
		} else {
			check_quote(gpa, 1024, 100);
		}
		ck_assert_uint_eq(gbuf(gpa)[BUF_SIZE], 0x5A);
		ck_assert_msg(wait_notifies((int)i + 1, 5), "case '%s': no notify", c->name);
	}
	ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	ck_assert_uint_eq(s.in_flight, 0);
	ck_assert_uint_eq(s.succeeded, 1);
	ck_assert_uint_eq(s.failed, sizeof(cases) / sizeof(cases[0]) - 1);
	ck_assert_uint_eq(s.notified, sizeof(cases) / sizeof(cases[0]));
	ck_assert_str_ne(tdx_error_get_message(tdx_attest_get_last_error(att)), "");
	tdx_attest_free(att);
	ck_assert_int_eq(fds_settle(fds), fds);
	fq_stop();
}
END_TEST

START_TEST(test_close_without_reply)
{
	const uint64_t gpa = RAM_BASE;
	struct tdx_attest *att;

	fq_start(FQ_CLOSE);
	att = mk_fq_att(5000);
	register_notify(att, 0x40, 0);
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_ERROR);
	ck_assert(wait_notifies(1, 5));
	check_stats_idle(att);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

START_TEST(test_empty_request)
{
	/* in_len 0: ERROR without contacting the QGS (documented choice) */
	const uint64_t gpa = RAM_BASE;
	struct tdx_attest *att;

	fq_start(FQ_REPLY);
	att = mk_fq_att(5000);
	guest_prepare(gpa, BUF_SIZE, 0);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_ERROR);
	ck_assert_int_eq(atomic_load(&fq.conns), 0);
	check_stats_idle(att);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

/* ---- tests: timeout, unavailable --------------------------------------- */

START_TEST(test_timeout)
{
	const uint64_t gpa = RAM_BASE + 0x3000;
	struct tdx_attest_stats s;
	struct tdx_attest *att;
	double t0, t1;
	uint64_t st;

	fq_start(FQ_HOLD);	/* never answers */
	att = mk_fq_att(300);
	register_notify(att, 0x51, 7);
	guest_prepare(gpa, BUF_SIZE, 1024);
	t0 = now_s();
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	t1 = now_s();
	ck_assert_msg(t1 - t0 < 0.1, "vCPU call took %.3f s", t1 - t0);
	ck_assert_uint_eq(gstatus(gpa), TDX_QUOTE_STATUS_IN_FLIGHT);
	st = guest_wait(gpa, 5);
	ck_assert_uint_eq(st, TDX_QUOTE_STATUS_ERROR);
	ck_assert_msg(now_s() - t0 >= 0.28, "completed after %.3f s", now_s() - t0);
	ck_assert(wait_notifies(1, 5));
	ck_assert_uint_eq(atomic_load(&ram.last_apic), 7);
	ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	ck_assert_uint_eq(s.timed_out, 1);
	ck_assert_uint_eq(s.failed, 1);
	ck_assert_uint_eq(s.in_flight, 0);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

START_TEST(test_service_down)
{
	const uint64_t gpa = RAM_BASE;
	struct tdx_attest_stats s;
	struct tdx_attest *att;
	char addr[160];
	int fds;

	fq_start(FQ_REPLY);		/* only for the temp dir */
	fds = tu_count_fds();
	snprintf(addr, sizeof(addr), "unix:%s/absent.socket", fq.dir);
	att = mk_att(addr, 5000, TDX_ATTEST_MODE_WRAP);
	register_notify(att, 0x51, 0);
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_QGS_UNAVAILABLE);
	ck_assert_uint_eq(rd32(gbuf(gpa) + 20), 0);
	ck_assert(wait_notifies(1, 5));		/* async path: MSI fires */
	ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	ck_assert_uint_eq(s.unavailable, 1);
	ck_assert_uint_eq(s.in_flight, 0);
	tdx_attest_free(att);
	ck_assert_int_eq(fds_settle(fds), fds);
	fq_stop();
}
END_TEST

START_TEST(test_refused_listener)
{
	/* a socket file nobody listens on: ECONNREFUSED */
	const uint64_t gpa = RAM_BASE;
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct tdx_attest *att;
	char addr[160];
	int fd;

	fq_start(FQ_REPLY);
	snprintf(un.sun_path, sizeof(un.sun_path), "%s/dead.socket", fq.dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&un, sizeof(un)), 0);
	close(fd);
	snprintf(addr, sizeof(addr), "unix:%s", un.sun_path);
	att = mk_att(addr, 5000, TDX_ATTEST_MODE_WRAP);
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_QGS_UNAVAILABLE);
	tdx_attest_free(att);
	unlink(un.sun_path);
	fq_stop();
}
END_TEST

START_TEST(test_none_configured)
{
	const uint64_t gpa = RAM_BASE;
	struct tdx_attest_stats s;
	struct tdx_attest *att;
	int fds = tu_count_fds();

	att = mk_att(NULL, 0, TDX_ATTEST_MODE_WRAP);
	ck_assert_int_eq(fds_settle(fds), fds);		/* no eventfd, no worker */
	register_notify(att, 0x51, 0);
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	/* synchronous: already final, no interrupt */
	ck_assert_uint_eq(gstatus(gpa), TDX_QUOTE_STATUS_QGS_UNAVAILABLE);
	ck_assert_uint_eq(rd32(gbuf(gpa) + 20), 0);
	ck_assert_uint_eq(gbuf(gpa)[24], 0x81);
	usleep(20000);
	ck_assert_int_eq(atomic_load(&ram.notifies), 0);
	ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	ck_assert_uint_eq(s.unavailable, 1);
	ck_assert_uint_eq(s.accepted, 0);
	tdx_attest_free(att);

	att = mk_att("", 0, TDX_ATTEST_MODE_WRAP);
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(gstatus(gpa), TDX_QUOTE_STATUS_QGS_UNAVAILABLE);
	tdx_attest_free(att);
	ck_assert_int_eq(fds_settle(fds), fds);
	ck_assert_int_eq(atomic_load(&ram.maps), atomic_load(&ram.unmaps));
}
END_TEST

/* ---- tests: validation (never reaches the QGS) ------------------------- */

START_TEST(test_validation_statuses)
{
	static const uint64_t invalid = TDX_TDVMCALL_INVALID_OPERAND;
	const uint64_t gpa = RAM_BASE + 0x10000;
	struct tdx_attest_stats s;
	struct tdx_attest *att;
	uint8_t *snap = malloc(RAM_SIZE);
	uint64_t two = 2;
	uint32_t big;

	fq_start(FQ_REPLY);
	att = mk_fq_att(5000);
	guest_prepare(gpa, BUF_SIZE, 1024);
	memcpy(snap, ram.mem, RAM_SIZE);

	ck_assert_uint_eq(submit(att, gpa, 0), invalid);
	ck_assert_uint_eq(submit(att, gpa + 8, BUF_SIZE), TDX_TDVMCALL_ALIGN_ERROR);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE + 24), TDX_TDVMCALL_ALIGN_ERROR);
	ck_assert_uint_eq(submit(att, gpa + 0x800, 0x800), TDX_TDVMCALL_ALIGN_ERROR);
	/* size 0 is checked before alignment, like QEMU */
	ck_assert_uint_eq(submit(att, gpa + 8, 0), invalid);
	/* header outside RAM */
	ck_assert_uint_eq(submit(att, 0x1000, BUF_SIZE), invalid);
	ck_assert_uint_eq(submit(att, RAM_BASE + RAM_SIZE, BUF_SIZE), invalid);
	ck_assert_uint_eq(submit(att, 0xFFFFFFFFFFFFF000ull, 0x1000), invalid);
	/* oversize: 128 KiB + 4 KiB */
	ck_assert_uint_eq(submit(att, gpa, 128 * 1024 + 4096), invalid);
	ck_assert_uint_eq(memcmp(snap, ram.mem, RAM_SIZE), 0);

	/* version 2 */
	memcpy(gbuf(gpa), &two, 8);
	memcpy(snap, ram.mem, RAM_SIZE);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), invalid);
	ck_assert_uint_eq(memcmp(snap, ram.mem, RAM_SIZE), 0);

	/* in_len > size - 24; = size - 24 would pass */
	guest_prepare(gpa, BUF_SIZE, 1024);
	big = BUF_SIZE - 23;
	memcpy(gbuf(gpa) + 16, &big, 4);
	memcpy(snap, ram.mem, RAM_SIZE);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), invalid);
	big = 0xFFFFFFFF;
	memcpy(gbuf(gpa) + 16, &big, 4);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), invalid);
	ck_assert_uint_eq(gstatus(gpa), 0);

	/* header in RAM, tail of the buffer outside: stricter than QEMU */
	guest_prepare(RAM_BASE + RAM_SIZE - 0x1000, 0x1000, 100);
	ck_assert_uint_eq(submit(att, RAM_BASE + RAM_SIZE - 0x1000, 0x2000), invalid);
	ck_assert_uint_eq(gstatus(RAM_BASE + RAM_SIZE - 0x1000), 0);

	ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	ck_assert_uint_eq(s.rejected, 13);
	ck_assert_uint_eq(s.accepted, 0);
	ck_assert_uint_eq(s.in_flight, 0);	/* no leak on step-8 failure */
	ck_assert_int_eq(atomic_load(&fq.conns), 0);
	ck_assert_str_ne(tdx_error_get_message(tdx_attest_get_last_error(att)), "");

	/* exactly 128 KiB, in_len = size - 24: accepted */
	guest_prepare(RAM_BASE + 0x100000, 128 * 1024, 128 * 1024 - 24);
	ck_assert_uint_eq(submit(att, RAM_BASE + 0x100000, 128 * 1024), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_ne(guest_wait(RAM_BASE + 0x100000, 5), TDX_QUOTE_STATUS_IN_FLIGHT);
	check_stats_idle(att);
	tdx_attest_free(att);
	ck_assert_int_eq(atomic_load(&ram.maps), atomic_load(&ram.unmaps));
	fq_stop();
	free(snap);
}
END_TEST

START_TEST(test_max_buffer_option)
{
	struct tdx_attest_opts o = TDX_OPTS(tdx_attest_opts);
	struct tdx_attest *att = NULL;
	uint64_t st;

	o.map = ram_map;
	o.userdata = &ram;
	o.max_buffer_size = 3 * 4096;
	ck_assert_int_eq(tdx_attest_new(NULL, &o, &att), 0);
	guest_prepare(RAM_BASE, 4 * 4096, 10);
	ck_assert_int_eq(tdx_attest_get_quote(att, RAM_BASE, 4 * 4096, &st), 0);
	ck_assert_uint_eq(st, TDX_TDVMCALL_INVALID_OPERAND);
	ck_assert_int_eq(tdx_attest_get_quote(att, RAM_BASE, 3 * 4096, &st), 0);
	ck_assert_uint_eq(st, TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(gstatus(RAM_BASE), TDX_QUOTE_STATUS_QGS_UNAVAILABLE);
	tdx_attest_free(att);
}
END_TEST

/* ---- tests: in-flight limit, overlap, concurrency, teardown ------------ */

START_TEST(test_in_flight_limit)
{
	struct tdx_attest_stats s;
	struct tdx_attest *att;
	uint64_t gpa;
	int i, fds;

	fq_start(FQ_HOLD);
	fds = tu_count_fds();
	att = mk_fq_att(10000);
	register_notify(att, 0x51, 2);
	for (i = 0; i < 16; i++) {
		gpa = RAM_BASE + (uint64_t)i * BUF_SIZE;
		guest_prepare(gpa, BUF_SIZE, 1024);
		ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
		ck_assert_uint_eq(gstatus(gpa), TDX_QUOTE_STATUS_IN_FLIGHT);
	}
	/* 17th: RETRY, buffer untouched */
	gpa = RAM_BASE + 16 * BUF_SIZE;
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_RETRY);
	ck_assert_uint_eq(gstatus(gpa), 0);
	while (atomic_load(&fq.nheld) < 16)
		usleep(1000);
	ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	ck_assert_uint_eq(s.in_flight, 16);
	ck_assert_uint_eq(s.retried, 1);

	atomic_store(&fq.release, 1);
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(guest_wait(RAM_BASE + (uint64_t)i * BUF_SIZE, 5),
				  TDX_QUOTE_STATUS_SUCCESS);
	ck_assert(wait_notifies(16, 5));
	check_stats_idle(att);
	/* counter back at 0: a new request goes through */
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	while (atomic_load(&fq.nheld) < 1)
		usleep(1000);
	atomic_store(&fq.release, 1);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_SUCCESS);
	check_stats_idle(att);
	tdx_attest_free(att);
	ck_assert_int_eq(fds_settle(fds), fds);
	fq_stop();
}
END_TEST

START_TEST(test_same_buffer_twice)
{
	const uint64_t gpa = RAM_BASE + 0x4000;
	struct tdx_attest *att;

	fq_start(FQ_HOLD);
	att = mk_fq_att(10000);
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_GPA_INUSE);
	/* partial overlap too; an adjacent buffer is fine */
	guest_prepare(gpa + 4096, 4096, 10);	/* valid header, in payload */
	ck_assert_uint_eq(submit(att, gpa + 4096, BUF_SIZE), TDX_TDVMCALL_GPA_INUSE);
	guest_prepare(gpa - 4096, 4096, 10);
	ck_assert_uint_eq(submit(att, gpa - 4096, BUF_SIZE), TDX_TDVMCALL_GPA_INUSE);
	ck_assert_uint_eq(gstatus(gpa - 4096), 0);
	guest_prepare(gpa + BUF_SIZE, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa + BUF_SIZE, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	while (atomic_load(&fq.nheld) < 2)
		usleep(1000);
	atomic_store(&fq.release, 1);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa + BUF_SIZE, 5), TDX_QUOTE_STATUS_SUCCESS);
	/* once complete the buffer can be reused at once */
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	while (atomic_load(&fq.nheld) < 1)
		usleep(1000);
	atomic_store(&fq.release, 1);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_SUCCESS);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

struct vcpu_arg {
	struct tdx_attest *att;
	int id;
	int done;
};

static void *vcpu_thread(void *p)
{
	struct vcpu_arg *a = p;
	const uint64_t gpa = RAM_BASE + (uint64_t)a->id * BUF_SIZE;
	int i;

	for (i = 0; i < 20; i++) {
		uint64_t st;

		guest_prepare(gpa, BUF_SIZE, 1024);
		do {
			tdx_attest_get_quote(a->att, gpa, BUF_SIZE, &st);
		} while (st == TDX_TDVMCALL_RETRY);
		if (st != TDX_TDVMCALL_SUCCESS)
			return NULL;
		if (guest_wait(gpa, 10) != TDX_QUOTE_STATUS_SUCCESS)
			return NULL;
		if (rd32(gbuf(gpa) + 20) != 100)
			return NULL;
		a->done++;
	}
	return NULL;
}

START_TEST(test_concurrent_vcpus)
{
	struct vcpu_arg args[24];
	pthread_t t[24];
	struct tdx_attest_stats s;
	struct tdx_attest *att;
	int i;

	fq_start(FQ_REPLY);
	att = mk_fq_att(10000);
	register_notify(att, 0x51, 0);
	for (i = 0; i < 24; i++) {
		args[i].att = att;
		args[i].id = i;
		args[i].done = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, vcpu_thread, &args[i]), 0);
	}
	for (i = 0; i < 24; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(args[i].done, 20);
	}
	ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	ck_assert_uint_eq(s.succeeded, 24 * 20);
	ck_assert_uint_eq(s.in_flight, 0);
	ck_assert_int_eq(atomic_load(&fq.req_ok), 24 * 20);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

START_TEST(test_teardown_in_flight)
{
	struct tdx_attest *att;
	double t0;
	int i, fds;

	fds = tu_count_fds();
	fq_start(FQ_HOLD);
	att = mk_fq_att(30000);
	register_notify(att, 0x51, 0);
	for (i = 0; i < 5; i++) {
		guest_prepare(RAM_BASE + (uint64_t)i * BUF_SIZE, BUF_SIZE, 1024);
		ck_assert_uint_eq(submit(att, RAM_BASE + (uint64_t)i * BUF_SIZE, BUF_SIZE),
				  TDX_TDVMCALL_SUCCESS);
	}
	while (atomic_load(&fq.nheld) < 5)
		usleep(1000);
	t0 = now_s();
	tdx_attest_free(att);
	ck_assert_msg(now_s() - t0 < 1.0, "free took %.3f s", now_s() - t0);
	/* a late reply finds no one; guest memory is not written */
	atomic_store(&fq.release, 1);
	usleep(50000);
	for (i = 0; i < 5; i++)
		ck_assert_uint_eq(gstatus(RAM_BASE + (uint64_t)i * BUF_SIZE),
				  TDX_QUOTE_STATUS_IN_FLIGHT);
	ck_assert_int_eq(atomic_load(&ram.notifies), 0);
	ck_assert_int_eq(atomic_load(&ram.maps), atomic_load(&ram.unmaps));
	fq_stop();
	ck_assert_int_eq(fds_settle(fds), fds);
}
END_TEST

START_TEST(test_notify_failure_counted)
{
	const uint64_t gpa = RAM_BASE;
	struct tdx_attest_stats s;
	struct tdx_attest *att;

	fq_start(FQ_REPLY);
	att = mk_fq_att(5000);
	register_notify(att, 0x51, 0);
	atomic_store(&ram.notify_ret, -EIO);
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_SUCCESS);
	ck_assert(wait_notifies(1, 5));
	usleep(10000);
	ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	ck_assert_uint_eq(s.notify_failed, 1);
	ck_assert_uint_eq(s.notified, 0);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

/* ---- tests: pass-through mode ----------------------------------------- */

START_TEST(test_passthrough)
{
	const uint64_t gpa = RAM_BASE;
	struct tdx_attest *att;
	uint8_t quote[8192];
	char addr[160];
	size_t i;

	fq_start(FQ_RAW);
	fq.raw_len = 1024;
	for (i = 0; i < sizeof(quote); i++)
		quote[i] = (uint8_t)(i ^ 0x3C);
	fq_set_reply(quote, 3000);
	snprintf(addr, sizeof(addr), "unix:%s", fq.path);
	att = mk_att(addr, 5000, TDX_ATTEST_MODE_PASSTHROUGH);

	/* raw TDREPORT in, bare quote back until EOF */
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(gbuf(gpa) + 20), 3000);
	ck_assert_mem_eq(gbuf(gpa) + 24, quote, 3000);
	ck_assert_uint_eq(fq.last_report[0], 0x81);

	/* close with 0 bytes: ERROR */
	fq_set_reply(quote, 0);
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_ERROR);
	tdx_attest_free(att);

	/* exactly size - 24 fits, one more byte does not (4 KiB buffer) */
	att = mk_att(addr, 5000, TDX_ATTEST_MODE_PASSTHROUGH);
	fq_set_reply(quote, 4096 - 24);
	guest_prepare(gpa, 4096, 1024);
	gbuf(gpa)[4096] = 0x5A;
	ck_assert_uint_eq(submit(att, gpa, 4096), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(gbuf(gpa) + 20), 4096 - 24);
	ck_assert_uint_eq(gbuf(gpa)[4096], 0x5A);
	fq_set_reply(quote, 4096 - 23);
	guest_prepare(gpa, 4096, 1024);
	ck_assert_uint_eq(submit(att, gpa, 4096), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_ERROR);
	ck_assert_uint_eq(gbuf(gpa)[4096], 0x5A);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

START_TEST(test_passthrough_framed_payload)
{
	/* doc 14 row 21: a framed guest payload goes out unchanged and the
	 * whole framed reply comes back (out_len = 4 + L). */
	const uint64_t gpa = RAM_BASE;
	uint8_t req[28 + 1024];
	struct tdx_attest *att;
	char addr[160];
	size_t n = 0;
	int i;

	fq_start(FQ_REPLY);
	fq_reply_ok(200);
	snprintf(addr, sizeof(addr), "unix:%s", fq.path);
	att = mk_att(addr, 5000, TDX_ATTEST_MODE_PASSTHROUGH);
	guest_prepare(gpa, BUF_SIZE, sizeof(req));
	for (i = 0; i < 1024; i++)
		req[28 + i] = (uint8_t)i;
	ck_assert_int_eq(tdx_qgs_encode_get_quote_req(req + 28, 1024, req, sizeof(req), &n), 0);
	memcpy(gbuf(gpa) + 24, req, n);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_SUCCESS);
	ck_assert_int_eq(atomic_load(&fq.req_ok), 1);
	ck_assert_uint_eq(rd32(gbuf(gpa) + 20), 4 + 24 + 200);
	ck_assert_mem_eq(gbuf(gpa) + 24, fq.reply, fq.reply_len);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

/* ---- tests: notify, tdvmcall info, options ----------------------------- */

START_TEST(test_setup_event_notify)
{
	struct tdx_attest_stats s;
	struct tdx_attest *att = mk_att(NULL, 0, 0);
	uint32_t lo, hi, data;
	uint64_t st;

	ck_assert_int_eq(tdx_attest_setup_event_notify(att, 31, 0, &st), 0);
	ck_assert_uint_eq(st, TDX_TDVMCALL_INVALID_OPERAND);
	ck_assert_int_eq(tdx_attest_setup_event_notify(att, 256, 0, &st), 0);
	ck_assert_uint_eq(st, TDX_TDVMCALL_INVALID_OPERAND);
	ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	ck_assert_uint_eq(s.notify_vector, 0);
	register_notify(att, 0x51, 3);
	ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	ck_assert_uint_eq(s.notify_vector, 0x51);
	ck_assert_uint_eq(s.notify_apic_id, 3);
	register_notify(att, 32, 300);		/* latest wins */
	ck_assert_int_eq(tdx_attest_setup_event_notify(att, 255, 1, &st), 0);
	ck_assert_uint_eq(st, TDX_TDVMCALL_SUCCESS);
	ck_assert_int_eq(tdx_attest_setup_event_notify(att, 1000, 5, &st), 0);
	ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	ck_assert_uint_eq(s.notify_vector, 255);
	ck_assert_uint_eq(s.notify_apic_id, 1);
	ck_assert_int_eq(tdx_attest_setup_event_notify(att, 40, 0, NULL), -EINVAL);
	ck_assert_int_eq(tdx_attest_setup_event_notify(NULL, 40, 0, &st), -EINVAL);
	tdx_attest_free(att);

	/* the MSI for KVM_SIGNAL_MSI (doc 7) */
	ck_assert_int_eq(tdx_attest_notify_msi(0x51, 3, &lo, &hi, &data), 0);
	ck_assert_uint_eq(lo, 0xFEE03000u);
	ck_assert_uint_eq(hi, 0);
	ck_assert_uint_eq(data, 0x51);
	ck_assert_int_eq(tdx_attest_notify_msi(0x51, 300, &lo, &hi, &data), 0);
	ck_assert_uint_eq(lo, 0xFEE2C000u);
	ck_assert_uint_eq(hi, 0x100);
	ck_assert_int_eq(tdx_attest_notify_msi(0x51, 0x12345678, &lo, &hi, &data), 0);
	ck_assert_uint_eq(lo, 0xFEE78000u);
	ck_assert_uint_eq(hi, 0x12345600u);
	ck_assert_int_eq(tdx_attest_notify_msi(31, 0, &lo, &hi, &data), -EINVAL);
	ck_assert_int_eq(tdx_attest_notify_msi(256, 0, &lo, &hi, &data), -EINVAL);
}
END_TEST

START_TEST(test_tdvmcall_info)
{
	struct tdx_tdvmcallinfo kinfo = { .kernel_r11 = 0x100, .user_r11 = 0x2,
					  .kernel_r12 = 0x8, .user_r12 = 0x4 };
	struct tdx_attest_opts o = TDX_OPTS(tdx_attest_opts);
	struct tdx_attest_answer a;
	struct tdx_attest *att;

	/* defaults: KVM 6.16-7.1 values */
	att = mk_att(NULL, 0, 0);
	ck_assert_int_eq(tdx_attest_answer_tdvmcall_info(att, 1, &a), 0);
	ck_assert_uint_eq(a.status, TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(a.r11, TDX_TDVMCALLINFO_SETUP_EVENT_NOTIFY);
	ck_assert_uint_eq(a.r12, 0);
	ck_assert_uint_eq(a.r13, 0);
	ck_assert_uint_eq(a.r14, 0);
	ck_assert_int_eq(tdx_attest_answer_tdvmcall_info(att, 0, &a), 0);
	ck_assert_uint_eq(a.status, TDX_TDVMCALL_INVALID_OPERAND);
	ck_assert_int_eq(tdx_attest_answer_tdvmcall_info(att, 2, &a), 0);
	ck_assert_uint_eq(a.status, TDX_TDVMCALL_INVALID_OPERAND);
	tdx_attest_free(att);

	/* kernel bits ORed in, user bits masked by what libtdx implements */
	o.map = ram_map;
	o.tdvmcallinfo = &kinfo;
	ck_assert_int_eq(tdx_attest_new(NULL, &o, &att), 0);
	ck_assert_int_eq(tdx_attest_answer_tdvmcall_info(att, 1, &a), 0);
	ck_assert_uint_eq(a.r11, 0x102);
	ck_assert_uint_eq(a.r12, 0x8);
	tdx_attest_free(att);
	/* kernel does not forward SetupEventNotify: not reported */
	kinfo.user_r11 = 0;
	ck_assert_int_eq(tdx_attest_new(NULL, &o, &att), 0);
	kinfo.user_r11 = 0x2;		/* copied at creation */
	ck_assert_int_eq(tdx_attest_answer_tdvmcall_info(att, 1, &a), 0);
	ck_assert_uint_eq(a.r11, 0x100);
	tdx_attest_free(att);
	/* GetQuote bit: only with the flag and a QGS */
	o.flags = TDX_ATTEST_F_ADVERTISE_GET_QUOTE;
	ck_assert_int_eq(tdx_attest_new(NULL, &o, &att), 0);
	ck_assert_int_eq(tdx_attest_answer_tdvmcall_info(att, 1, &a), 0);
	ck_assert_uint_eq(a.r11, 0x102);
	tdx_attest_free(att);
	o.qgs = "vsock:2:4050";
	ck_assert_int_eq(tdx_attest_new(NULL, &o, &att), 0);
	ck_assert_int_eq(tdx_attest_answer_tdvmcall_info(att, 1, &a), 0);
	ck_assert_uint_eq(a.r11, 0x103);
	tdx_attest_free(att);
}
END_TEST

START_TEST(test_handle_exit)
{
	struct tdx_attest *att = mk_att(NULL, 0, 0);
	struct tdx_attest_answer a;
	struct tdx_exit ex;

	memset(&ex, 0, sizeof(ex));
	ex.type = TDX_EXIT_SETUP_EVENT_NOTIFY;
	ex.u.notify.vector = 0x60;
	ck_assert_int_eq(tdx_attest_handle_exit(att, &ex, 9, &a), 0);
	ck_assert_uint_eq(a.status, TDX_TDVMCALL_SUCCESS);

	memset(&ex, 0, sizeof(ex));
	ex.type = TDX_EXIT_GET_TDVMCALL_INFO;
	ex.u.tdvmcall_info.leaf = 1;
	ck_assert_int_eq(tdx_attest_handle_exit(att, &ex, 0, &a), 0);
	ck_assert_uint_eq(a.r11, 2);

	memset(&ex, 0, sizeof(ex));
	ex.type = TDX_EXIT_GET_QUOTE;
	ex.u.get_quote.gpa = RAM_BASE;
	ex.u.get_quote.size = 0x1001;
	ck_assert_int_eq(tdx_attest_handle_exit(att, &ex, 0, &a), 0);
	ck_assert_uint_eq(a.status, TDX_TDVMCALL_ALIGN_ERROR);
	guest_prepare(RAM_BASE, 4096, 1024);
	ex.u.get_quote.size = 4096;
	ck_assert_int_eq(tdx_attest_handle_exit(att, &ex, 0, &a), 0);
	ck_assert_uint_eq(a.status, TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(gstatus(RAM_BASE), TDX_QUOTE_STATUS_QGS_UNAVAILABLE);

	memset(&a, 0x11, sizeof(a));
	ex.type = TDX_EXIT_IO;
	ck_assert_int_eq(tdx_attest_handle_exit(att, &ex, 0, &a), -ENOTSUP);
	ck_assert_uint_eq(a.status, 0x1111111111111111ull);
	ck_assert_int_eq(tdx_attest_handle_exit(att, NULL, 0, &a), -EINVAL);
	tdx_attest_free(att);
}
END_TEST

START_TEST(test_new_options)
{
	struct tdx_attest_opts o = TDX_OPTS(tdx_attest_opts);
	struct {
		struct tdx_attest_opts o;
		uint64_t extra;
	} big;
	struct tdx_attest *att = NULL;
	static const char *const bad[] = {
		"tcp:1.2.3.4:5", "unix:", "vsock:", "vsock:2", "vsock:2:",
		"vsock:x:4050", "vsock:2:4050x", "vsock:-1:4050", "vsock:2:-5",
		"vsock:99999999999:1", "relative/path",
		"unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	static const char *const good[] = {
		"unix:/run/tdx-qgs/qgs.socket", "/var/run/tdx-qgs/qgs.socket",
		"vsock:2:4050", "vsock:1:0x1000",
	};
	struct tdx_ctx *ctx;
	size_t i;
	int fds = tu_count_fds(), nocloexec = tu_count_fds_without_cloexec();

	ck_assert_int_eq(tdx_ctx_new(NULL, &ctx), 0);
	ck_assert_int_eq(tdx_attest_new(NULL, &o, &att), -EINVAL);	/* no map */
	ck_assert_int_eq(tdx_attest_new(NULL, NULL, &att), -EINVAL);
	o.map = ram_map;
	ck_assert_int_eq(tdx_attest_new(NULL, &o, NULL), -EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.qgs = bad[i];
		ck_assert_msg(tdx_attest_new(ctx, &o, &att) == -EINVAL, "accepted '%s'", bad[i]);
		ck_assert_str_eq(tdx_error_get_field(tdx_ctx_get_last_error(ctx)), "qgs");
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		o.qgs = good[i];
		ck_assert_msg(tdx_attest_new(ctx, &o, &att) == 0, "refused '%s'", good[i]);
		tdx_attest_free(att);
	}
	o.qgs = NULL;
	o.max_in_flight = TDX_ATTEST_MAX_IN_FLIGHT_LIMIT + 1;
	ck_assert_int_eq(tdx_attest_new(NULL, &o, &att), -EINVAL);
	o.max_in_flight = 0;
	o.max_buffer_size = 4097;
	ck_assert_int_eq(tdx_attest_new(NULL, &o, &att), -EINVAL);
	o.max_buffer_size = TDX_ATTEST_MAX_BUFFER_LIMIT + 4096;
	ck_assert_int_eq(tdx_attest_new(NULL, &o, &att), -EINVAL);
	o.max_buffer_size = 0;
	o.mode = 2;
	ck_assert_int_eq(tdx_attest_new(NULL, &o, &att), -EINVAL);
	o.mode = 0;
	o.flags = 0x80;
	ck_assert_int_eq(tdx_attest_new(NULL, &o, &att), -EINVAL);
	o.flags = 0;
	/* a larger struct with a non-zero unknown tail is refused */
	memset(&big, 0, sizeof(big));
	big.o = o;
	big.o.sz = sizeof(big);
	big.extra = 1;
	ck_assert_int_eq(tdx_attest_new(NULL, &big.o, &att), -EINVAL);
	big.extra = 0;
	ck_assert_int_eq(tdx_attest_new(ctx, &big.o, &att), 0);
	tdx_attest_free(att);
	tdx_attest_free(NULL);
	tdx_ctx_unref(ctx);
	ck_assert_int_eq(fds_settle(fds), fds);
	ck_assert_int_eq(tu_count_fds_without_cloexec(), nocloexec);

	ck_assert_str_eq(tdx_quote_status_name(TDX_QUOTE_STATUS_SUCCESS), "success");
	ck_assert_str_eq(tdx_quote_status_name(TDX_QUOTE_STATUS_IN_FLIGHT), "in-flight");
	ck_assert_str_eq(tdx_quote_status_name(TDX_QUOTE_STATUS_ERROR), "error");
	ck_assert_str_eq(tdx_quote_status_name(TDX_QUOTE_STATUS_QGS_UNAVAILABLE),
			 "qgs-unavailable");
	ck_assert_ptr_null(tdx_quote_status_name(2));
	/* NULL for NULL, as every *_get_last_error() */
	ck_assert_ptr_null(tdx_attest_get_last_error(NULL));
}
END_TEST

START_TEST(test_cloexec_during_requests)
{
	struct tdx_attest *att;
	int nocloexec = tu_count_fds_without_cloexec();

	fq_start(FQ_HOLD);
	att = mk_fq_att(10000);
	guest_prepare(RAM_BASE, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, RAM_BASE, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	while (atomic_load(&fq.nheld) < 1)
		usleep(1000);
	/* eventfd and the QGS connection are open now */
	ck_assert_int_eq(tu_count_fds_without_cloexec(), nocloexec);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

START_TEST(test_backlog_full_retries)
{
	/* The QGS is slow to accept: a unix connect finds the backlog full
	 * (EAGAIN).  That is a busy QGS, not an absent one: retried. */
	struct tdx_attest *att;
	int i;

	fq_start_ex(FQ_REPLY, 0, false);
	att = mk_fq_att(5000);
	for (i = 0; i < 6; i++) {
		guest_prepare(RAM_BASE + (uint64_t)i * BUF_SIZE, BUF_SIZE, 1024);
		ck_assert_uint_eq(submit(att, RAM_BASE + (uint64_t)i * BUF_SIZE, BUF_SIZE),
				  TDX_TDVMCALL_SUCCESS);
	}
	usleep(100000);
	for (i = 0; i < 6; i++)
		ck_assert_uint_eq(gstatus(RAM_BASE + (uint64_t)i * BUF_SIZE),
				  TDX_QUOTE_STATUS_IN_FLIGHT);
	fq_run();
	for (i = 0; i < 6; i++)
		ck_assert_uint_eq(guest_wait(RAM_BASE + (uint64_t)i * BUF_SIZE, 5),
				  TDX_QUOTE_STATUS_SUCCESS);
	check_stats_idle(att);
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

START_TEST(test_backlog_full_times_out)
{
	/* never accepted at all: ERROR at the deadline, not UNAVAILABLE */
	struct tdx_attest *att;
	int i;

	fq_start_ex(FQ_REPLY, 0, false);
	att = mk_fq_att(300);
	for (i = 0; i < 4; i++) {
		guest_prepare(RAM_BASE + (uint64_t)i * BUF_SIZE, BUF_SIZE, 1024);
		ck_assert_uint_eq(submit(att, RAM_BASE + (uint64_t)i * BUF_SIZE, BUF_SIZE),
				  TDX_TDVMCALL_SUCCESS);
	}
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(guest_wait(RAM_BASE + (uint64_t)i * BUF_SIZE, 5),
				  TDX_QUOTE_STATUS_ERROR);
	check_stats_idle(att);
	tdx_attest_free(att);
	fq_run();
	fq_stop();
}
END_TEST

START_TEST(test_write_back_failure)
{
	/* the buffer stops being guest RAM while the request is in flight:
	 * nothing is written, the slot is released, the failure counted */
	const uint64_t gpa = RAM_BASE;
	struct tdx_attest_stats s;
	struct tdx_attest *att;
	double end;

	fq_start(FQ_HOLD);
	att = mk_fq_att(5000);
	register_notify(att, 0x51, 0);
	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	while (atomic_load(&fq.nheld) < 1)
		usleep(1000);
	atomic_store(&ram.gone, true);
	atomic_store(&fq.release, 1);
	ck_assert(wait_notifies(1, 5));
	end = now_s() + 5;
	do {
		ck_assert_int_eq(tdx_attest_get_stats(att, &s), 0);
	} while (s.in_flight && now_s() < end);
	ck_assert_uint_eq(s.in_flight, 0);
	ck_assert_uint_eq(s.write_back_failed, 1);
	ck_assert_uint_eq(s.succeeded, 0);
	ck_assert_uint_eq(gstatus(gpa), TDX_QUOTE_STATUS_IN_FLIGHT);
	ck_assert_uint_eq(rd32(gbuf(gpa) + 20), 0);
	ck_assert_int_eq(atomic_load(&ram.maps), atomic_load(&ram.unmaps));
	tdx_attest_free(att);
	fq_stop();
}
END_TEST

START_TEST(test_vsock_unreachable)
{
	/* vsock: CID 1 (local) port 1; without a listener (or without vsock
	 * at all) the connect fails: QGS_UNAVAILABLE, promptly. */
	const uint64_t gpa = RAM_BASE;
	struct tdx_attest *att = mk_att("vsock:1:1", 3000, TDX_ATTEST_MODE_WRAP);
	double t0 = now_s();

	guest_prepare(gpa, BUF_SIZE, 1024);
	ck_assert_uint_eq(submit(att, gpa, BUF_SIZE), TDX_TDVMCALL_SUCCESS);
	ck_assert_uint_eq(guest_wait(gpa, 5), TDX_QUOTE_STATUS_QGS_UNAVAILABLE);
	ck_assert_msg(now_s() - t0 < 2.5, "took %.3f s", now_s() - t0);
	tdx_attest_free(att);
}
END_TEST

static Suite *attest_suite(void)
{
	Suite *s = suite_create("attest");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_success);
	tcase_add_test(tc, test_payload_snapshot);
	tcase_add_test(tc, test_bytewise_reply_and_slow_read);
	tcase_add_test(tc, test_quote_size_limits);
	tcase_add_test(tc, test_surplus_bytes_and_open_socket);
	tcase_add_test(tc, test_malformed_replies);
	tcase_add_test(tc, test_close_without_reply);
	tcase_add_test(tc, test_empty_request);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_service_down);
	tcase_add_test(tc, test_refused_listener);
	tcase_add_test(tc, test_none_configured);
	tcase_add_test(tc, test_validation_statuses);
	tcase_add_test(tc, test_max_buffer_option);
	tcase_add_test(tc, test_in_flight_limit);
	tcase_add_test(tc, test_same_buffer_twice);
	tcase_add_test(tc, test_concurrent_vcpus);
	tcase_add_test(tc, test_teardown_in_flight);
	tcase_add_test(tc, test_notify_failure_counted);
	tcase_add_test(tc, test_passthrough);
	tcase_add_test(tc, test_passthrough_framed_payload);
	tcase_add_test(tc, test_setup_event_notify);
	tcase_add_test(tc, test_tdvmcall_info);
	tcase_add_test(tc, test_handle_exit);
	tcase_add_test(tc, test_new_options);
	tcase_add_test(tc, test_cloexec_during_requests);
	tcase_add_test(tc, test_backlog_full_retries);
	tcase_add_test(tc, test_backlog_full_times_out);
	tcase_add_test(tc, test_write_back_failure);
	tcase_add_test(tc, test_vsock_unreachable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(attest_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
