/* SPDX-License-Identifier: MIT */
/**
 * DOC: attest - GetQuote, SetupEventNotifyInterrupt and GetTdVmCallInfo
 *
 * A struct tdx_attest serves the three TDVMCALLs a TD guest uses for
 * remote attestation, the way QEMU (>= 10.1) does, and talks to the Quote
 * Generation Service (QGS) over a Unix or vsock stream socket:
 *
 *   exit TDX_EXIT_GET_QUOTE          tdx_attest_get_quote()
 *   exit TDX_EXIT_SETUP_EVENT_NOTIFY tdx_attest_setup_event_notify()
 *   exit TDX_EXIT_GET_TDVMCALL_INFO  tdx_attest_answer_tdvmcall_info()
 *   (or all three through tdx_attest_handle_exit())
 *
 * Each returns the TDVMCALL status the VMM passes to tdx_vcpu_complete()
 * (or, for GetTdVmCallInfo, the registers for
 * tdx_vcpu_answer_tdvmcall_info()).  A GetQuote request that is accepted
 * returns TDX_TDVMCALL_SUCCESS at once with the guest's buffer marked
 * IN_FLIGHT; a worker thread owned by the object then talks to the QGS and
 * writes the result (quote bytes, out_len, final status) into the guest's
 * buffer, and calls the notify callback if the guest registered a vector.
 * vCPU threads never wait for the QGS.
 *
 * Guest memory is reached only through the caller's map callback (guest
 * RAM, shared pages); the guest is untrusted: every header is copied once
 * and validated, no write goes outside the buffer the guest named, and
 * sizes are bounded before anything is allocated.  With libtdx's mem layer
 * a map callback can be:
 *
 *   void *map(void *mem, uint64_t gpa, uint64_t len) {
 *           void *p;
 *           if (tdx_mem_is_private(mem, gpa, len) != 0 ||
 *               tdx_mem_get_host_addr(mem, gpa, len, &p))
 *                   return NULL;
 *           return p;
 *   }
 *
 * Typical vCPU loop:
 *
 *   case TDX_EXIT_GET_QUOTE: case TDX_EXIT_SETUP_EVENT_NOTIFY:
 *   case TDX_EXIT_GET_TDVMCALL_INFO:
 *           tdx_attest_handle_exit(att, &ex, apic_id, &a);
 *           if (ex.type == TDX_EXIT_GET_TDVMCALL_INFO && a.status == 0)
 *                   tdx_vcpu_answer_tdvmcall_info(vcpu, &ex, a.r11, a.r12,
 *                                                 a.r13, a.r14);
 *           else
 *                   tdx_vcpu_complete(vcpu, &ex, a.status);
 *
 * The timeout runs on CLOCK_MONOTONIC, so it keeps running while the VM
 * is paused (QEMU uses its virtual clock).
 *
 * Thread safety: every function taking a struct tdx_attest may be called
 * concurrently from any number of threads (vCPU threads), except
 * tdx_attest_free(), which must not race with any other call on the same
 * object, and tdx_attest_get_last_error(), whose record another thread may be
 * overwriting.  Distinct objects are independent.  The callbacks are
 * called from vCPU threads (inside tdx_attest_get_quote()) and from the
 * object's worker thread; they must not call tdx_attest_free().
 */
#ifndef LIBTDX_ATTEST_H
#define LIBTDX_ATTEST_H

#include <libtdx/common.h>
#include <libtdx/caps.h>
#include <libtdx/vcpu.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Guest buffer header (24 bytes, little-endian): version u64 (must be 1),
 * status u64, in_len u32, out_len u32; the payload follows at offset 24. */
#define TDX_QUOTE_HEADER_SIZE		24
#define TDX_QUOTE_HEADER_VERSION	1

/* Values of the guest buffer's status field. */
#define TDX_QUOTE_STATUS_SUCCESS		0x0ULL
#define TDX_QUOTE_STATUS_IN_FLIGHT		0xFFFFFFFFFFFFFFFFULL
#define TDX_QUOTE_STATUS_ERROR			0x8000000000000000ULL
#define TDX_QUOTE_STATUS_QGS_UNAVAILABLE	0x8000000000000001ULL

/* GetTdVmCallInfo leaf 1, R11 bits. */
#define TDX_TDVMCALLINFO_GET_QUOTE		(1ULL << 0)
#define TDX_TDVMCALLINFO_SETUP_EVENT_NOTIFY	(1ULL << 1)

/* Defaults and limits of struct tdx_attest_opts. */
#define TDX_ATTEST_DEFAULT_TIMEOUT_MS		30000
#define TDX_ATTEST_DEFAULT_MAX_IN_FLIGHT	16
#define TDX_ATTEST_MAX_IN_FLIGHT_LIMIT		1024
#define TDX_ATTEST_DEFAULT_MAX_BUFFER		(128 * 1024)
#define TDX_ATTEST_MAX_BUFFER_LIMIT		(4 * 1024 * 1024)

/*
 * How the guest payload travels to the QGS.
 * WRAP (default, QEMU >= 10.1): the payload is a raw TDREPORT; libtdx
 *   frames it as a GET_QUOTE_REQ (length prefix + v1.1 header), checks the
 *   framed GET_QUOTE_RESP and writes only the quote bytes back.
 * PASSTHROUGH (pre-merge QEMU, Intel libtdx_attest / service TDs): the
 *   payload is sent unchanged; every byte the QGS returns until it closes
 *   the connection is written back (out_len = bytes received).  Zero bytes,
 *   or more than the buffer holds, is an ERROR.
 */
#define TDX_ATTEST_MODE_WRAP		0
#define TDX_ATTEST_MODE_PASSTHROUGH	1

/*
 * TDX_ATTEST_F_ADVERTISE_GET_QUOTE: also report GetQuote (R11 bit 0) in
 * GetTdVmCallInfo when a QGS is configured.  Off by default: KVM (since
 * 6.16) and QEMU do not report it, GetQuote being a base TDVMCALL.
 */
#define TDX_ATTEST_F_ADVERTISE_GET_QUOTE	(1u << 0)

/**
 * typedef tdx_attest_map_fn - map guest memory.
 * @userdata: tdx_attest_opts.userdata
 * @gpa: guest-physical address (shared bit already stripped)
 * @len: bytes needed from @gpa
 *
 * Return a host pointer through which all @len bytes can be read and
 * written, or NULL if any of them is not guest RAM (or, for a VMM that
 * tracks it, not currently shared).  The pointer must stay valid until the
 * matching unmap callback, or, without one, until tdx_attest_free().
 * Called from vCPU threads and the worker thread.
 */
typedef void *(*tdx_attest_map_fn)(void *userdata, uint64_t gpa, uint64_t len);
/** typedef tdx_attest_unmap_fn - release a mapping from the map callback (optional). */
typedef void (*tdx_attest_unmap_fn)(void *userdata, void *hva, uint64_t gpa,
				    uint64_t len);
/**
 * typedef tdx_attest_notify_fn - inject the event-notify interrupt.
 * @vector: 32..255, as registered by SetupEventNotifyInterrupt
 * @apic_id: APIC ID of the vCPU that registered it
 *
 * Called from the worker thread after each asynchronous completion
 * (success or failure).  A VMM typically issues KVM_SIGNAL_MSI with the
 * message from tdx_attest_notify_msi().  Return 0 or a negative errno
 * (counted in the stats and logged; nothing else happens).
 */
typedef int (*tdx_attest_notify_fn)(void *userdata, uint32_t vector,
				    uint32_t apic_id);

/**
 * struct tdx_attest_opts - options for tdx_attest_new(); use TDX_OPTS().
 * @qgs: QGS address: "unix:PATH", "vsock:CID:PORT" (e.g. "vsock:2:4050"),
 *   or NULL / "" for none (every GetQuote then completes at once with
 *   QGS_UNAVAILABLE, as QEMU does without quote-generation-socket).
 *   A bare absolute path is taken as "unix:PATH".
 * @timeout_ms: per-request limit from acceptance to the QGS reply, on
 *   CLOCK_MONOTONIC; 0 = 30000.  On expiry the buffer gets ERROR.
 * @max_in_flight: requests in flight per object; 0 = 16; the next one gets
 *   TDX_TDVMCALL_RETRY.  At most TDX_ATTEST_MAX_IN_FLIGHT_LIMIT.
 * @max_buffer_size: largest guest buffer accepted; 0 = 128 KiB; a multiple
 *   of 4 KiB, at most TDX_ATTEST_MAX_BUFFER_LIMIT.
 * @mode: TDX_ATTEST_MODE_*.
 * @flags: TDX_ATTEST_F_*.
 * @reserved: must be zero (makes the padding explicit, so TDX_OPTS() zeroes it)
 * @tdvmcallinfo: the kernel's GetTdVmCallInfo words (tdx_caps_get_tdvmcallinfo()),
 *   copied; NULL = what KVM 6.16-7.1 reports (user R11 = SetupEventNotify,
 *   kernel bits 0).
 * @map: required.
 * @unmap: optional.
 * @notify: optional; without it no interrupt is raised (polling guests
 *   such as Linux do not need one).
 * @userdata: passed to the callbacks.
 */
struct tdx_attest_opts {
	size_t sz;
	const char *qgs;
	uint32_t timeout_ms;
	uint32_t max_in_flight;
	uint32_t max_buffer_size;
	uint32_t mode;
	uint32_t flags;
	uint32_t reserved;
	const struct tdx_tdvmcallinfo *tdvmcallinfo;
	tdx_attest_map_fn map;
	tdx_attest_unmap_fn unmap;
	tdx_attest_notify_fn notify;
	void *userdata;
};

/** struct tdx_attest - the attestation service of one TD. */
struct tdx_attest;

/**
 * tdx_attest_new() - create the attestation service for one TD.
 * @ctx: for logging (may be NULL); a reference is taken.  The log callback
 *   is also called from the worker thread.
 * @opts: see struct tdx_attest_opts; map is required.
 * @ret_att: the new object.
 *
 * Parses the QGS address (nothing is connected yet: one connection per
 * request) and, when a QGS is configured, starts the worker thread (all
 * signals blocked).  Creation failures are recorded in @ctx's last error.
 *
 * Return: 0; -EINVAL (NULL @opts, @ret_att or map, unknown opts fields,
 * bad address, limits out of range, unknown mode or flags); -ENOMEM;
 * errors of pthread_mutex_init(), eventfd(2) and pthread_create().
 */
int tdx_attest_new(struct tdx_ctx *ctx, const struct tdx_attest_opts *opts,
		   struct tdx_attest **ret_att);

/**
 * tdx_attest_free() - stop the worker and free the object (NULL is fine).
 *
 * Requests still in flight are abandoned: their sockets are closed, their
 * memory freed, and guest memory is NOT written (nor callbacks called)
 * during or after this call, so the VMM may tear guest memory down once it
 * returns.  Waits for a callback the worker is running to return.  Must
 * not race with other calls on @att, nor be called from a callback.
 */
void tdx_attest_free(struct tdx_attest *att);

/**
 * tdx_attest_get_quote() - handle TDVMCALL GetQuote.
 * @gpa: the buffer's GPA with the shared bit stripped (exit u.get_quote.gpa)
 * @size: the buffer size (exit u.get_quote.size)
 * @ret_status: the TDVMCALL status for tdx_vcpu_complete()
 *
 * Checks, in QEMU's order (each failure leaves the buffer untouched):
 *  1. size != 0                                  else INVALID_OPERAND
 *  2. gpa and size 4 KiB aligned                 else ALIGN_ERROR
 *  3. the 24-byte header maps (map callback)     else INVALID_OPERAND
 *  4. header version == 1                        else INVALID_OPERAND
 *  5. size <= max_buffer_size, in_len <= size - 24, no address wrap
 *                                                else INVALID_OPERAND
 *  6. a QGS is configured, else the status field is set to QGS_UNAVAILABLE
 *     and SUCCESS is returned (no interrupt, like QEMU)
 *  7. fewer than max_in_flight requests          else RETRY
 *     no in-flight request overlaps the buffer   else GPA_INUSE
 *  8. memory for the request                     else RETRY
 *     the whole buffer maps (stricter than QEMU) else INVALID_OPERAND
 *  9. the payload is copied and the status field set to IN_FLIGHT;
 *     SUCCESS is returned and the request proceeds on the worker.
 * The in-flight count is released on every failure path.
 *
 * Completion (worker): SUCCESS with the quote at offset 24 and out_len;
 * QGS_UNAVAILABLE if the connection failed; ERROR for a timeout, an I/O
 * error, an early close, a malformed / error / oversize reply, or in_len 0
 * (nothing to send; the QGS is not contacted).  The payload and out_len
 * are written first, version and in_len restored as the guest wrote them,
 * then the status last (release store); then the notify callback runs if
 * a vector is registered.
 *
 * Never blocks on the QGS; takes an internal lock briefly and calls map /
 * unmap.  Rejections are recorded in the last error.
 *
 * Return: 0 with *@ret_status set; -EINVAL for NULL arguments.
 */
int tdx_attest_get_quote(struct tdx_attest *att, uint64_t gpa, uint64_t size,
			 uint64_t *ret_status);

/**
 * tdx_attest_setup_event_notify() - handle SetupEventNotifyInterrupt.
 * @vector: guest R12 (exit u.notify.vector)
 * @apic_id: APIC ID of the calling vCPU (for a TD, its x2APIC ID, by
 *   default the vCPU id)
 * @ret_status: SUCCESS, or INVALID_OPERAND if @vector is outside 32..255
 *   (the registration is then unchanged)
 *
 * One registration per TD; the latest call wins.
 *
 * Return: 0; -EINVAL for NULL arguments.
 */
int tdx_attest_setup_event_notify(struct tdx_attest *att, uint64_t vector,
				  uint32_t apic_id, uint64_t *ret_status);

/**
 * struct tdx_attest_answer - a TDVMCALL answer: status for
 * tdx_vcpu_complete(); for GetTdVmCallInfo also R11..R14 for
 * tdx_vcpu_answer_tdvmcall_info() (zero otherwise).
 */
struct tdx_attest_answer {
	uint64_t status;
	uint64_t r11, r12, r13, r14;
};

/**
 * tdx_attest_answer_tdvmcall_info() - handle GetTdVmCallInfo.
 * @leaf: guest R12 (exit u.tdvmcall_info.leaf); KVM exits only for 1
 *
 * Leaf 1: status SUCCESS and, as QEMU does,
 *   R11 = kernel_r11 | (user_r11 & SetupEventNotifyInterrupt)
 *         [| GetQuote with TDX_ATTEST_F_ADVERTISE_GET_QUOTE and a QGS],
 *   R12 = kernel_r12 (libtdx implements no R12 leaf), R13 = R14 = 0.
 * When opts.tdvmcallinfo was NULL, kernel bits are 0 and user_r11 is
 * taken to list SetupEventNotifyInterrupt (KVM 6.16-7.1).
 * Any other leaf: INVALID_OPERAND, registers 0.
 *
 * Return: 0; -EINVAL for NULL arguments.
 */
int tdx_attest_answer_tdvmcall_info(struct tdx_attest *att, uint64_t leaf,
				    struct tdx_attest_answer *ret);

/**
 * tdx_attest_handle_exit() - dispatch a TDX_EXIT_GET_QUOTE,
 * TDX_EXIT_SETUP_EVENT_NOTIFY or TDX_EXIT_GET_TDVMCALL_INFO exit.
 * @apic_id: APIC ID of the vCPU that exited (used by SetupEventNotify)
 *
 * Return: 0 with @ret filled; -EINVAL (NULL arguments); -ENOTSUP (another
 * exit type: @ret untouched).
 */
int tdx_attest_handle_exit(struct tdx_attest *att, const struct tdx_exit *exit,
			   uint32_t apic_id, struct tdx_attest_answer *ret);

/**
 * tdx_attest_notify_msi() - the MSI that delivers @vector to @apic_id as
 * QEMU sends it for KVM_SIGNAL_MSI: fixed delivery, edge, physical
 * destination; address_lo = 0xFEE00000 | (apic_id & 0xFF) << 12,
 * address_hi = apic_id & 0xFFFFFF00 (honoured by KVM only with the x2APIC
 * 32-bit-ID format), data = vector.
 *
 * Return: 0; -EINVAL (vector outside 32..255, NULL pointer).
 */
int tdx_attest_notify_msi(uint32_t vector, uint32_t apic_id,
			  uint32_t *ret_address_lo, uint32_t *ret_address_hi,
			  uint32_t *ret_data);

/** struct tdx_attest_stats - counters since creation (a snapshot). */
struct tdx_attest_stats {
	uint64_t requests;		/* GetQuote calls */
	uint64_t rejected;		/* answered INVALID_OPERAND / ALIGN_ERROR / GPA_INUSE */
	uint64_t retried;		/* answered RETRY */
	uint64_t accepted;		/* went IN_FLIGHT */
	uint64_t succeeded;		/* completed with SUCCESS */
	uint64_t failed;		/* completed with ERROR (timeouts included) */
	uint64_t timed_out;
	uint64_t unavailable;		/* QGS_UNAVAILABLE (also without a QGS) */
	uint64_t write_back_failed;	/* guest buffer no longer mappable at completion */
	uint64_t notified;		/* notify callback returned 0 */
	uint64_t notify_failed;
	uint32_t in_flight;		/* accepted, not yet completed */
	uint32_t notify_vector;		/* 0 = none registered */
	uint32_t notify_apic_id;
	uint32_t reserved0;
	uint64_t reserved[6];
};

/** tdx_attest_get_stats() - copy the counters.  Return: 0; -EINVAL (NULL). */
int tdx_attest_get_stats(const struct tdx_attest *att, struct tdx_attest_stats *ret_stats);

/**
 * tdx_attest_get_last_error() - the last rejection or failure (validation step
 * and message, e.g. "GetQuote buffer 0x1000+0x3000: size not 4 KiB
 * aligned"); NULL for a NULL @att, as every *_get_last_error().  Read it
 * when no other thread uses @att.
 */
const struct tdx_error *tdx_attest_get_last_error(const struct tdx_attest *att);

/**
 * tdx_quote_status_name() - "success", "in-flight", "error",
 * "qgs-unavailable"; NULL for other values.
 */
const char *tdx_quote_status_name(uint64_t status);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_ATTEST_H */
