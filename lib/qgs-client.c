/* SPDX-License-Identifier: MIT */
/*
 * QGS client: address parsing and the worker thread that runs every
 * GetQuote connection of one attest object with non-blocking sockets and
 * poll(2).  One connection per request (the QGS answers once and closes).
 *
 * Outcome per request (buffer status):
 *   connect fails (absent socket, refused, no vsock)   QGS_UNAVAILABLE
 *   send / receive error, early EOF, malformed reply,
 *   error reply, reply larger than the buffer, timeout  ERROR
 *   WRAP: complete, valid GET_QUOTE_RESP               SUCCESS (quote bytes)
 *   PASSTHROUGH: EOF after 1..size-24 bytes            SUCCESS (all bytes)
 * A unix connect that finds the listen backlog full (EAGAIN) is retried
 * every few milliseconds until the deadline.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "attest-internal.h"
#include "qgs-wire.h"

#define CONNECT_RETRY_NS	(5 * 1000000ull)
#define RECV_CHUNK		65536u

int tdx_qgs_addr_parse(const char *s, struct tdx_qgs_addr *ret, const char **why)
{
	memset(ret, 0, sizeof(*ret));
	if (!s || !*s)
		return 0;
	if (s[0] == '/' || !strncmp(s, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ret->sa;
		const char *path = s[0] == '/' ? s : s + 5;
		size_t n = strlen(path);

		if (!n || n >= sizeof(un->sun_path)) {
			*why = "unix socket path empty or longer than 107 bytes";
			return -EINVAL;
		}
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, path, n + 1);
		ret->family = AF_UNIX;
		ret->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	} else if (!strncmp(s, "vsock:", 6)) {
		struct sockaddr_vm *vm = (struct sockaddr_vm *)&ret->sa;
		unsigned long long cid, port;
		char *end;

		errno = 0;
		cid = strtoull(s + 6, &end, 0);
		if (errno || end == s + 6 || *end != ':' || cid > UINT32_MAX ||
		    s[6] == '-') {
			*why = "expected vsock:CID:PORT";
			return -EINVAL;
		}
		port = strtoull(end + 1, &end, 0);
		if (errno || *end || end[-1] == ':' || port > UINT32_MAX ||
		    strchr(s + 6, '-')) {
			*why = "expected vsock:CID:PORT";
			return -EINVAL;
		}
		vm->svm_family = AF_VSOCK;
		vm->svm_cid = (unsigned int)cid;
		vm->svm_port = (unsigned int)port;
		ret->family = AF_VSOCK;
		ret->len = sizeof(*vm);
	} else {
		*why = "QGS address must be unix:PATH or vsock:CID:PORT";
		return -EINVAL;
	}
	snprintf(ret->text, sizeof(ret->text), "%s", s);
	ret->configured = true;
	return 0;
}

void tdx_attest_wake(struct tdx_attest *att)
{
	uint64_t one = 1;
	ssize_t n;

	if (att->wake_fd < 0)
		return;
	do
		n = write(att->wake_fd, &one, sizeof(one));
	while (n < 0 && errno == EINTR);
}

/* Result of advancing one request. */
enum step { STEP_WAIT, STEP_DONE };

struct outcome {
	uint64_t status;
	const uint8_t *data;
	size_t len;
	const char *why;
};

static enum step fail(struct outcome *o, uint64_t status, const char *why)
{
	o->status = status;
	o->data = NULL;
	o->len = 0;
	o->why = why;
	return STEP_DONE;
}

static enum step try_connect(struct tdx_attest *att, struct attest_req *req,
			     struct outcome *o)
{
	int fd, r;

	if (req->fd < 0) {
		fd = socket(att->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return fail(o, TDX_QUOTE_STATUS_QGS_UNAVAILABLE,
				    "cannot create the QGS socket");
		req->fd = fd;
	}
	r = connect(req->fd, (const struct sockaddr *)&att->addr.sa, att->addr.len);
	if (r == 0) {
		req->state = REQ_SENDING;
		return STEP_WAIT;
	}
	if (errno == EINPROGRESS || errno == EINTR) {
		req->state = REQ_CONNECTING;
		return STEP_WAIT;
	}
	if (errno == EAGAIN && att->addr.family == AF_UNIX) {
		/* listen backlog full: a busy QGS, not an absent one */
		req->state = REQ_CONNECT_WAIT;
		req->retry_ns = tdx_attest_now_ns() + CONNECT_RETRY_NS;
		return STEP_WAIT;
	}
	return fail(o, TDX_QUOTE_STATUS_QGS_UNAVAILABLE, "cannot connect to the QGS");
}

static enum step do_send(struct attest_req *req, struct outcome *o)
{
	while (req->tx_off < req->tx_len) {
		ssize_t n = send(req->fd, req->tx + req->tx_off,
				 req->tx_len - req->tx_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return STEP_WAIT;
			return fail(o, TDX_QUOTE_STATUS_ERROR, "sending to the QGS failed");
		}
		req->tx_off += (size_t)n;
	}
	req->state = REQ_RECEIVING;
	return STEP_WAIT;
}

static int grow_rx(struct attest_req *req, size_t want)
{
	uint8_t *p;

	if (want <= req->rx_alloc)
		return 0;
	p = realloc(req->rx, want);
	if (!p)
		return -ENOMEM;
	req->rx = p;
	req->rx_alloc = want;
	return 0;
}

/* recv(2) retried on EINTR. */
static ssize_t recv_intr(int fd, void *buf, size_t len)
{
	ssize_t n;

	do {
		n = recv(fd, buf, len, 0);
	} while (n < 0 && errno == EINTR);
	return n;
}

static enum step recv_wrap(struct attest_req *req, struct outcome *o)
{
	const char *why = NULL;
	struct tdx_qgs_quote_resp resp;
	size_t need = req->rx_need ? req->rx_need : TDX_QGS_PREFIX_SIZE;
	int r;

	for (;;) {
		ssize_t n;

		if (grow_rx(req, need))
			return fail(o, TDX_QUOTE_STATUS_ERROR, "out of memory");
		/* never read past what the reply says it has */
		n = recv_intr(req->fd, req->rx + req->rx_len, need - req->rx_len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return STEP_WAIT;
			return fail(o, TDX_QUOTE_STATUS_ERROR, "receiving from the QGS failed");
		}
		if (n == 0)
			return fail(o, TDX_QUOTE_STATUS_ERROR,
				    "QGS closed the connection before the reply was complete");
		req->rx_len += (size_t)n;
		r = tdx_qgs_resp_progress(req->rx, req->rx_len, req->rx_cap, &need, &why);
		if (r)
			return fail(o, TDX_QUOTE_STATUS_ERROR, why);
		req->rx_need = need;
		if (need > req->rx_len)
			continue;
		/* complete (surplus bytes, if any, are never read) */
		r = tdx_qgs_decode_get_quote_resp(req->rx, req->rx_len, &resp, &why);
		if (r)
			return fail(o, TDX_QUOTE_STATUS_ERROR, why);
		if (resp.hdr.error_code) {
			why = tdx_qgs_error_name(resp.hdr.error_code);
			return fail(o, TDX_QUOTE_STATUS_ERROR,
				    why ? why : "QGS reported an error");
		}
		o->status = TDX_QUOTE_STATUS_SUCCESS;
		o->data = resp.quote;
		o->len = resp.quote_size;
		o->why = NULL;
		return STEP_DONE;
	}
}

static enum step recv_raw(struct attest_req *req, struct outcome *o)
{
	/* one byte more than fits, to tell "exactly full" from "too much" */
	const size_t limit = req->rx_cap + 1;

	for (;;) {
		size_t want = req->rx_len + RECV_CHUNK;
		ssize_t n;

		if (want > limit)
			want = limit;
		if (grow_rx(req, want))
			return fail(o, TDX_QUOTE_STATUS_ERROR, "out of memory");
		n = recv_intr(req->fd, req->rx + req->rx_len, want - req->rx_len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return STEP_WAIT;
			return fail(o, TDX_QUOTE_STATUS_ERROR, "receiving from the QGS failed");
		}
		if (n == 0) {
			if (!req->rx_len)
				return fail(o, TDX_QUOTE_STATUS_ERROR,
					    "QGS closed the connection without a reply");
			o->status = TDX_QUOTE_STATUS_SUCCESS;
			o->data = req->rx;
			o->len = req->rx_len;
			o->why = NULL;
			return STEP_DONE;
		}
		req->rx_len += (size_t)n;
		if (req->rx_len > req->rx_cap)
			return fail(o, TDX_QUOTE_STATUS_ERROR,
				    "QGS reply larger than the guest buffer");
	}
}

static enum step advance(struct tdx_attest *att, struct attest_req *req,
			 short revents, struct outcome *o)
{
	int err = 0;
	socklen_t len = sizeof(err);

	switch (req->state) {
	case REQ_NEW:
		if (req->fail_status)
			return fail(o, req->fail_status, "empty request (in_len 0)");
		return try_connect(att, req, o);
	case REQ_CONNECT_WAIT:
		if (tdx_attest_now_ns() < req->retry_ns)
			return STEP_WAIT;
		return try_connect(att, req, o);
	case REQ_CONNECTING:
		if (!revents)
			return STEP_WAIT;
		if (getsockopt(req->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
			return fail(o, TDX_QUOTE_STATUS_QGS_UNAVAILABLE,
				    "cannot connect to the QGS");
		req->state = REQ_SENDING;
		/* fall through */
	case REQ_SENDING:
		if (do_send(req, o) == STEP_DONE)
			return STEP_DONE;
		if (req->state != REQ_RECEIVING)
			return STEP_WAIT;
		/* fall through */
	case REQ_RECEIVING:
		return att->mode == TDX_ATTEST_MODE_WRAP ? recv_wrap(req, o)
							 : recv_raw(req, o);
	}
	return fail(o, TDX_QUOTE_STATUS_ERROR, "internal state");
}

static void finish(struct tdx_attest *att, struct attest_req *req,
		   const struct outcome *o)
{
	/* the socket goes first: a QGS waiting for our close is released */
	if (req->fd >= 0) {
		close(req->fd);
		req->fd = -1;
	}
	tdx_attest_complete(att, req, o->status, o->data, o->len, o->why);
}

void *tdx_attest_worker(void *arg)
{
	struct tdx_attest *att = arg;
	const uint32_t max = att->max_in_flight;
	struct attest_req **active = att->w_active;
	struct pollfd *pfd = att->w_pfd;
	int *pidx = att->w_pidx;

	for (;;) {
		uint64_t now, next = UINT64_MAX, drain;
		uint32_t i, n = 0, np = 1;
		int timeout;

		pthread_mutex_lock(&att->lock);
		if (att->stopping) {
			pthread_mutex_unlock(&att->lock);
			break;
		}
		for (i = 0; i < max; i++)
			if (att->slots[i].req)
				active[n++] = att->slots[i].req;
		pthread_mutex_unlock(&att->lock);

		/* start new requests, collect the fds to wait for */
		pfd[0].fd = att->wake_fd;
		pfd[0].events = POLLIN;
		for (i = 0; i < n; i++) {
			struct attest_req *req = active[i];
			struct outcome o;

			if (req->state == REQ_NEW &&
			    advance(att, req, 0, &o) == STEP_DONE) {
				finish(att, req, &o);
				active[i] = NULL;
				continue;
			}
			if (req->deadline_ns < next)
				next = req->deadline_ns;
			if (req->state == REQ_CONNECT_WAIT) {
				if (req->retry_ns < next)
					next = req->retry_ns;
				continue;
			}
			pfd[np].fd = req->fd;
			pfd[np].events = req->state == REQ_RECEIVING ? POLLIN : POLLOUT;
			pfd[np].revents = 0;
			pidx[np++] = (int)i;
		}
		now = tdx_attest_now_ns();
		if (next == UINT64_MAX)
			timeout = -1;
		else if (next <= now)
			timeout = 0;
		else if ((next - now) / 1000000ull >= INT_MAX)
			timeout = INT_MAX;
		else
			timeout = (int)((next - now + 999999ull) / 1000000ull);

		pfd[0].revents = 0;
		if (poll(pfd, np, timeout) < 0 && errno != EINTR)
			usleep(1000);
		if (pfd[0].revents & POLLIN)
			while (read(att->wake_fd, &drain, sizeof(drain)) > 0)
				;

		/* progress on ready sockets */
		for (i = 1; i < np; i++) {
			struct attest_req *req = active[pidx[i]];
			struct outcome o;

			if (!req || !pfd[i].revents)
				continue;
			if (advance(att, req, pfd[i].revents, &o) == STEP_DONE) {
				finish(att, req, &o);
				active[pidx[i]] = NULL;
			}
		}
		/* connect retries and deadlines */
		now = tdx_attest_now_ns();
		for (i = 0; i < n; i++) {
			struct attest_req *req = active[i];
			struct outcome o;

			if (!req)
				continue;
			if (req->state == REQ_CONNECT_WAIT && now >= req->retry_ns &&
			    now < req->deadline_ns &&
			    advance(att, req, 0, &o) == STEP_DONE) {
				finish(att, req, &o);
				continue;
			}
			if (now >= req->deadline_ns) {
				pthread_mutex_lock(&att->lock);
				att->stats.timed_out++;
				pthread_mutex_unlock(&att->lock);
				fail(&o, TDX_QUOTE_STATUS_ERROR,
				     "no reply from the QGS before the timeout");
				finish(att, req, &o);
			}
		}
	}
	return NULL;
}
