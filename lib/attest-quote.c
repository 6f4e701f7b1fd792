/* SPDX-License-Identifier: MIT */
/*
 * GetQuote: validation of the guest's shared buffer (QEMU's order and
 * statuses), acceptance into a slot, and the write-back at completion.
 *
 * Guest buffer (little-endian): version u64 @0, status u64 @8, in_len u32
 * @16, out_len u32 @20, payload @24.  The guest may change it at any time:
 * the header is copied once and only the copy is used; at completion the
 * buffer is mapped again and written only within [gpa, gpa + size).
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "attest-internal.h"
#include "qgs-wire.h"

#define QUOTE_ALIGN	4096u

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

/* The status field last, so a polling guest never sees a half result. */
static void store_status(uint8_t *buf, uint64_t status)
{
	uint8_t *p = buf + 8;

	if (((uintptr_t)p & 7) == 0) {
		__atomic_store_n((uint64_t *)(void *)p, htole64(status),
				 __ATOMIC_RELEASE);
	} else {
		/* Byte-wise release stores, little-endian: ordered after the
		 * payload like a release fence would make them, and, unlike
		 * __atomic_thread_fence(), supported by -fsanitize=thread. */
		unsigned int i;

		for (i = 0; i < 8; i++)
			__atomic_store_n(p + i, (uint8_t)(status >> (8 * i)),
					 __ATOMIC_RELEASE);
	}
}

static void unmap(struct tdx_attest *att, void *hva, uint64_t gpa, uint64_t len)
{
	if (hva && att->unmap)
		att->unmap(att->userdata, hva, gpa, len);
}

static int answer(struct tdx_attest *att, uint64_t *ret_status, uint64_t status)
{
	pthread_mutex_lock(&att->lock);
	if (status == TDX_TDVMCALL_RETRY)
		att->stats.retried++;
	else if (status != TDX_TDVMCALL_SUCCESS)
		att->stats.rejected++;
	pthread_mutex_unlock(&att->lock);
	*ret_status = status;
	return 0;
}

static void release_slot(struct tdx_attest *att, int slot)
{
	pthread_mutex_lock(&att->lock);
	memset(&att->slots[slot], 0, sizeof(att->slots[slot]));
	att->in_flight--;
	pthread_mutex_unlock(&att->lock);
}

/* Reserve a slot: RETRY when full, GPA_INUSE on overlap, else the index. */
static int reserve_slot(struct tdx_attest *att, uint64_t gpa, uint64_t size,
			uint64_t *ret_status)
{
	int free_slot = -1;
	uint32_t i;

	pthread_mutex_lock(&att->lock);
	if (att->in_flight >= att->max_in_flight) {
		pthread_mutex_unlock(&att->lock);
		*ret_status = TDX_TDVMCALL_RETRY;
		return -1;
	}
	for (i = 0; i < att->max_in_flight; i++) {
		const struct attest_slot *s = &att->slots[i];

		if (!s->used) {
			if (free_slot < 0)
				free_slot = (int)i;
			continue;
		}
		if (gpa < s->gpa + s->size && s->gpa < gpa + size) {
			pthread_mutex_unlock(&att->lock);
			*ret_status = TDX_TDVMCALL_GPA_INUSE;
			return -1;
		}
	}
	/* in_flight < max_in_flight guarantees a free slot. */
	att->slots[free_slot].used = true;
	att->slots[free_slot].gpa = gpa;
	att->slots[free_slot].size = size;
	att->slots[free_slot].req = NULL;
	att->in_flight++;
	pthread_mutex_unlock(&att->lock);
	return free_slot;
}

TDX_EXPORT int tdx_attest_get_quote(struct tdx_attest *att, uint64_t gpa,
				    uint64_t size, uint64_t *ret_status)
{
	const bool wrap = att && att->mode == TDX_ATTEST_MODE_WRAP;
	uint8_t hdr[TDX_QUOTE_HEADER_SIZE];
	struct attest_req *req;
	uint64_t version, st = TDX_TDVMCALL_RETRY;
	uint32_t in_len, out_len;
	uint8_t *hp, *bp;
	size_t off;
	int slot;

	if (!att)
		return -EINVAL;
	if (!ret_status)
		return tdx_attest_fail(att, -EINVAL, "tdx_attest_get_quote", "ret_status",
				       "tdx_attest_get_quote(): ret_status is NULL");
	pthread_mutex_lock(&att->lock);
	att->stats.requests++;
	pthread_mutex_unlock(&att->lock);

	/* 1, 2: arguments */
	if (size == 0) {
		tdx_attest_record(att, "GetQuote", "GetQuote buffer 0x%llx: size 0",
				  (unsigned long long)gpa);
		return answer(att, ret_status, TDX_TDVMCALL_INVALID_OPERAND);
	}
	if ((gpa | size) & (QUOTE_ALIGN - 1)) {
		tdx_attest_record(att, "GetQuote",
				  "GetQuote buffer 0x%llx+0x%llx: not 4 KiB aligned",
				  (unsigned long long)gpa, (unsigned long long)size);
		return answer(att, ret_status, TDX_TDVMCALL_ALIGN_ERROR);
	}
	/* 3: the header is guest RAM */
	hp = att->map(att->userdata, gpa, TDX_QUOTE_HEADER_SIZE);
	if (!hp) {
		tdx_attest_record(att, "GetQuote",
				  "GetQuote buffer 0x%llx: header not in guest RAM",
				  (unsigned long long)gpa);
		return answer(att, ret_status, TDX_TDVMCALL_INVALID_OPERAND);
	}
	memcpy(hdr, hp, sizeof(hdr));	/* the one read of the guest header */
	version = get_le64(hdr);
	in_len = tdx_qgs_get_le32(hdr + 16);
	out_len = tdx_qgs_get_le32(hdr + 20);
	/* 4, 5: header contents and bounds */
	if (version != TDX_QUOTE_HEADER_VERSION) {
		unmap(att, hp, gpa, TDX_QUOTE_HEADER_SIZE);
		tdx_attest_record(att, "GetQuote",
				  "GetQuote buffer 0x%llx: header version %llu, expected 1",
				  (unsigned long long)gpa, (unsigned long long)version);
		return answer(att, ret_status, TDX_TDVMCALL_INVALID_OPERAND);
	}
	if (size > att->max_buffer || in_len > size - TDX_QUOTE_HEADER_SIZE ||
	    gpa > UINT64_MAX - size) {
		unmap(att, hp, gpa, TDX_QUOTE_HEADER_SIZE);
		tdx_attest_record(att, "GetQuote",
				  "GetQuote buffer 0x%llx+0x%llx: size above %u or in_len %u too large",
				  (unsigned long long)gpa, (unsigned long long)size,
				  att->max_buffer, in_len);
		return answer(att, ret_status, TDX_TDVMCALL_INVALID_OPERAND);
	}
	/* 6: no QGS: final status now, TDVMCALL success, no interrupt */
	if (!att->addr.configured) {
		store_status(hp, TDX_QUOTE_STATUS_QGS_UNAVAILABLE);
		unmap(att, hp, gpa, TDX_QUOTE_HEADER_SIZE);
		pthread_mutex_lock(&att->lock);
		att->stats.unavailable++;
		pthread_mutex_unlock(&att->lock);
		*ret_status = TDX_TDVMCALL_SUCCESS;
		return 0;
	}
	unmap(att, hp, gpa, TDX_QUOTE_HEADER_SIZE);

	/* 7: capacity and overlap */
	slot = reserve_slot(att, gpa, size, &st);
	if (slot < 0) {
		tdx_attest_record(att, "GetQuote",
				  st == TDX_TDVMCALL_RETRY ?
				  "GetQuote buffer 0x%llx: %u requests already in flight" :
				  "GetQuote buffer 0x%llx: overlaps a request in flight (%u max)",
				  (unsigned long long)gpa, att->max_in_flight);
		return answer(att, ret_status, st);
	}

	/* 8: the request (bounded: size <= max_buffer) and the payload */
	req = calloc(1, sizeof(*req));
	off = wrap ? TDX_QGS_PREFIX_SIZE + TDX_QGS_GET_QUOTE_REQ_FIXED : 0;
	if (req) {
		req->fd = -1;
		req->tx_len = off + in_len;
		req->tx = malloc(req->tx_len ? req->tx_len : 1);
	}
	if (!req || !req->tx) {
		tdx_attest_req_free(req);
		release_slot(att, slot);
		tdx_attest_record(att, "GetQuote", "GetQuote: out of memory");
		return answer(att, ret_status, TDX_TDVMCALL_RETRY);
	}
	bp = att->map(att->userdata, gpa, size);
	if (!bp) {
		tdx_attest_req_free(req);
		release_slot(att, slot);
		tdx_attest_record(att, "GetQuote",
				  "GetQuote buffer 0x%llx+0x%llx: not all guest RAM",
				  (unsigned long long)gpa, (unsigned long long)size);
		return answer(att, ret_status, TDX_TDVMCALL_INVALID_OPERAND);
	}
	memcpy(req->tx + off, bp + TDX_QUOTE_HEADER_SIZE, in_len);
	req->gpa = gpa;
	req->size = size;
	req->version = version;
	req->in_len = in_len;
	req->out_len_orig = out_len;
	req->rx_cap = size - TDX_QUOTE_HEADER_SIZE;
	req->state = REQ_NEW;
	req->deadline_ns = tdx_attest_now_ns() + (uint64_t)att->timeout_ms * 1000000ull;
	if (in_len == 0)
		req->fail_status = TDX_QUOTE_STATUS_ERROR;	/* QGS would refuse it */
	else if (wrap)
		tdx_qgs_encode_get_quote_req(req->tx + off, in_len, req->tx,
					     req->tx_len, &req->tx_len);
	/* 9: IN_FLIGHT, then hand over to the worker */
	store_status(bp, TDX_QUOTE_STATUS_IN_FLIGHT);
	unmap(att, bp, gpa, size);

	pthread_mutex_lock(&att->lock);
	att->slots[slot].req = req;
	att->stats.accepted++;
	pthread_mutex_unlock(&att->lock);
	tdx_attest_wake(att);
	*ret_status = TDX_TDVMCALL_SUCCESS;
	return 0;
}

void tdx_attest_complete(struct tdx_attest *att, struct attest_req *req,
			 uint64_t status, const uint8_t *data, size_t len,
			 const char *why)
{
	uint32_t vector, apic_id, i;
	uint32_t out_len = req->out_len_orig;
	uint8_t *bp;
	int r;

	if (status == TDX_QUOTE_STATUS_SUCCESS &&
	    (len > req->size - TDX_QUOTE_HEADER_SIZE || !data)) {
		status = TDX_QUOTE_STATUS_ERROR;	/* cannot happen: rx is bounded */
		why = "result larger than the buffer";
	}
	bp = att->map(att->userdata, req->gpa, req->size);
	if (bp) {
		if (status == TDX_QUOTE_STATUS_SUCCESS) {
			memcpy(bp + TDX_QUOTE_HEADER_SIZE, data, len);
			out_len = (uint32_t)len;
		}
		put_le64(bp, req->version);
		tdx_qgs_put_le32(bp + 16, req->in_len);
		tdx_qgs_put_le32(bp + 20, out_len);
	}

	pthread_mutex_lock(&att->lock);
	for (i = 0; i < att->max_in_flight; i++) {
		if (att->slots[i].req == req) {
			memset(&att->slots[i], 0, sizeof(att->slots[i]));
			att->in_flight--;
			break;
		}
	}
	if (!bp)
		att->stats.write_back_failed++;
	if (status == TDX_QUOTE_STATUS_SUCCESS && bp)
		att->stats.succeeded++;
	else if (status == TDX_QUOTE_STATUS_QGS_UNAVAILABLE)
		att->stats.unavailable++;
	else
		att->stats.failed++;
	/* After the slot is free: a guest that sees the status may resubmit. */
	if (bp)
		store_status(bp, status);
	vector = att->notify_vector;
	apic_id = att->notify_apic_id;
	pthread_mutex_unlock(&att->lock);
	unmap(att, bp, req->gpa, req->size);

	if (!bp)
		tdx_attest_record(att, "GetQuote",
				  "GetQuote buffer 0x%llx+0x%llx: no longer guest RAM, result (%s) dropped",
				  (unsigned long long)req->gpa,
				  (unsigned long long)req->size,
				  tdx_quote_status_name(status));
	else if (status != TDX_QUOTE_STATUS_SUCCESS)
		tdx_attest_record(att, "QGS", "GetQuote buffer 0x%llx: %s: %s",
				  (unsigned long long)req->gpa,
				  tdx_quote_status_name(status), why ? why : "failed");
	else
		tdx_dbg(att->ctx, "attest: GetQuote buffer 0x%llx: %zu-byte quote",
			(unsigned long long)req->gpa, len);
	tdx_attest_req_free(req);

	if (vector >= 32 && vector <= 255 && att->notify) {
		r = att->notify(att->userdata, vector, apic_id);
		pthread_mutex_lock(&att->lock);
		if (r)
			att->stats.notify_failed++;
		else
			att->stats.notified++;
		pthread_mutex_unlock(&att->lock);
		if (r)
			tdx_warn(att->ctx, "attest: notify interrupt %u to APIC %u lost (%d)",
				 vector, apic_id, r);
	}
}
