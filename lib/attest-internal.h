/* SPDX-License-Identifier: MIT */
/*
 * struct tdx_attest and its requests, shared by attest.c (object, notify,
 * GetTdVmCallInfo), attest-quote.c (guest buffer, accept, complete) and
 * qgs-client.c (address parsing, connection state machine, worker thread).
 * Never installed.
 */
#ifndef LIBTDX_ATTEST_INTERNAL_H
#define LIBTDX_ATTEST_INTERNAL_H

#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include "internal.h"
#include "libtdx/attest.h"

/* ---- QGS address (qgs-client.c) -------------------------------------- */
struct tdx_qgs_addr {
	bool configured;
	int family;			/* AF_UNIX or AF_VSOCK */
	socklen_t len;
	struct sockaddr_storage sa;
	char text[128];			/* for messages */
};

/*
 * Parse "unix:PATH", "/abs/path", "vsock:CID:PORT"; NULL or "" = none.
 * Returns 0 or -EINVAL with *why set.
 */
int tdx_qgs_addr_parse(const char *s, struct tdx_qgs_addr *ret, const char **why);

/* ---- a GetQuote request ---------------------------------------------- */
enum attest_req_state {
	REQ_NEW,		/* accepted, worker has not started it */
	REQ_CONNECT_WAIT,	/* connect(2) returned EAGAIN; retry at retry_ns */
	REQ_CONNECTING,		/* EINPROGRESS: wait for POLLOUT */
	REQ_SENDING,
	REQ_RECEIVING,
};

struct attest_req {
	/* set by the accepting vCPU thread, then read-only */
	uint64_t gpa, size;
	uint64_t version;		/* header as the guest wrote it */
	uint32_t in_len;
	uint32_t out_len_orig;
	uint64_t deadline_ns;		/* CLOCK_MONOTONIC */
	uint64_t fail_status;		/* != 0: complete with this, no QGS contact */
	uint8_t *tx;			/* bytes to send */
	size_t tx_len;
	/* owned by the worker */
	enum attest_req_state state;
	int fd;
	size_t tx_off;
	uint8_t *rx;
	size_t rx_len, rx_alloc;
	size_t rx_cap;			/* most bytes accepted (prefix included) */
	size_t rx_need;			/* WRAP: total expected so far */
	uint64_t retry_ns;
};

struct attest_slot {
	bool used;			/* reserved or holding a request */
	uint64_t gpa, size;
	struct attest_req *req;		/* NULL while the vCPU thread fills it */
};

struct tdx_attest {
	struct tdx_ctx *ctx;		/* may be NULL */
	struct tdx_qgs_addr addr;
	uint32_t timeout_ms;
	uint32_t max_in_flight;
	uint32_t max_buffer;
	uint32_t mode;
	uint32_t flags;
	struct tdx_tdvmcallinfo info;
	bool have_info;
	tdx_attest_map_fn map;
	tdx_attest_unmap_fn unmap;
	tdx_attest_notify_fn notify;
	void *userdata;

	pthread_mutex_t lock;		/* protects everything below */
	struct attest_slot *slots;	/* max_in_flight entries */
	uint32_t in_flight;
	uint32_t notify_vector;		/* 0 = none */
	uint32_t notify_apic_id;
	struct tdx_attest_stats stats;
	struct tdx_error error;
	bool stopping;

	int wake_fd;			/* eventfd, -1 without a QGS */
	/* worker-only scratch, max_in_flight (+1) entries */
	struct attest_req **w_active;
	struct pollfd *w_pfd;
	int *w_pidx;
	pthread_t worker;
	bool worker_started;
};

uint64_t tdx_attest_now_ns(void);

/* Record a failure under att->lock (takes the lock). */
void tdx_attest_record(struct tdx_attest *att, const char *step,
		       const char *fmt, ...) TDX_PRINTF(3, 4);
/* Record err on the attest object (locked) and return it. */
int tdx_attest_fail(struct tdx_attest *att, int err, const char *step,
		    const char *field, const char *fmt, ...) TDX_PRINTF(5, 6);

/* Free a request and close its socket. */
void tdx_attest_req_free(struct attest_req *req);

/*
 * Worker: finish req with a buffer status; data/len is what goes to offset
 * 24 on SUCCESS.  Writes the guest buffer, releases the slot, frees req,
 * notifies.  (attest-quote.c)
 */
void tdx_attest_complete(struct tdx_attest *att, struct attest_req *req,
			 uint64_t status, const uint8_t *data, size_t len,
			 const char *why);

/* Worker thread body and wake-up (qgs-client.c). */
void *tdx_attest_worker(void *arg);
void tdx_attest_wake(struct tdx_attest *att);

#endif /* LIBTDX_ATTEST_INTERNAL_H */
