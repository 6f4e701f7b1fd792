/* SPDX-License-Identifier: MIT */
/**
 * DOC: hob - the TD HOB (hand-off block list) a VMM gives TDVF
 *
 * The TD HOB tells the firmware which memory the TD has and which of it is
 * already accepted.  libtdx builds it from the firmware's sections and a
 * RAM layout, byte for byte as upstream QEMU does:
 *
 *  1. Memory map: every RAM range of the layout, split around the sections
 *     that lie in RAM.  A section added with PAGE.ADD (every type except
 *     PermMem) that lies in RAM becomes its own "accepted" entry; the
 *     remainders stay "unaccepted" (the TD accepts them itself).  Adjacent
 *     accepted sections are not merged.  TD_HOB, TempMem and PermMem
 *     sections must each lie entirely inside one RAM range; any other
 *     section must be either entirely inside one RAM range or outside RAM
 *     (e.g. BFV/CFV in the flash window).  PermMem stays unaccepted.
 *  2. HOB list, written at the TD_HOB section's GPA (also the vCPU's
 *     initial RCX):
 *     - PHIT (EFI_HOB_HANDOFF_INFO_TABLE, type 1, 56 bytes): version 9,
 *       boot mode 0, memory top/bottom fields 0, EfiEndOfHobList = TD_HOB
 *       GPA + total HOB length (the first byte after the end HOB);
 *     - one resource descriptor (type 3, 48 bytes, owner GUID zero) per
 *       memory-map entry in address order: resource type 0
 *       (SYSTEM_MEMORY) when accepted, 7 (MEMORY_UNACCEPTED) otherwise;
 *       attributes PRESENT | INITIALIZED | TESTED (0x7);
 *     - the end-of-list HOB (type 0xFFFF, 8 bytes).
 *
 * Length = 56 + 48 * entries + 8.  With Debian's OVMF.fd and 2 GiB of RAM:
 * 8 descriptors, 448 bytes; above 2.75 GiB one more for RAM above 4 GiB.
 *
 * Errors from these functions fill an optional struct tdx_tdvf_diag
 * (codes TDX_TDVF_E_NOT_IN_RAM with the section index,
 * TDX_TDVF_E_HOB_OVERFLOW, TDX_TDVF_E_BUFFER_SMALL, TDX_TDVF_E_ARGUMENT).
 *
 * Pure: no syscalls.  Thread safety: reads its inputs only.
 */
#ifndef LIBTDX_HOB_H
#define LIBTDX_HOB_H

#include <libtdx/common.h>
#include <libtdx/tdvf.h>
#include <libtdx/layout.h>

#ifdef __cplusplus
extern "C" {
#endif

/* HOB constants (PI specification, volume 3). */
#define TDX_HOB_TYPE_HANDOFF		0x0001
#define TDX_HOB_TYPE_RESOURCE		0x0003
#define TDX_HOB_TYPE_END		0xffff
#define TDX_HOB_HANDOFF_LEN		56
#define TDX_HOB_RESOURCE_LEN		48
#define TDX_HOB_END_LEN			8
#define TDX_HOB_HANDOFF_VERSION		9
#define TDX_HOB_RES_SYSTEM_MEMORY	0
#define TDX_HOB_RES_MEMORY_UNACCEPTED	7
#define TDX_HOB_RES_ATTR_TDVF		0x7	/* PRESENT | INITIALIZED | TESTED */

/**
 * struct tdx_memmap_entry - one entry of the TD's memory map.
 * @gpa: base
 * @size: bytes
 * @accepted: true if the pages are added before the TD runs (a section in
 *   RAM), false if the TD must accept them
 * @section: index of the section that makes it accepted, or -1
 */
struct tdx_memmap_entry {
	uint64_t gpa;
	uint64_t size;
	bool accepted;
	int section;
};

/**
 * struct tdx_hob_opts - HOB options; TDX_OPTS(tdx_hob_opts).  No field is
 * defined yet besides @sz; pass NULL.
 */
struct tdx_hob_opts {
	size_t sz;
};

/**
 * tdx_hob_get_memmap() - the TD memory map the HOB describes (step 1 above).
 * @tdvf: the parsed firmware
 * @layout: the RAM layout
 * @out: receives up to @cap entries in address order (may be NULL if @cap
 *   is 0)
 * @cap: room in @out
 * @diag: optional; filled on failure
 *
 * Return: the number of entries (which may exceed @cap: call again with
 * more room), or -EINVAL (NULL @tdvf/@layout, or @out NULL with a non-zero
 * @cap; a section not placed as described above: TDX_TDVF_E_NOT_IN_RAM),
 * -ENOMEM.
 */
int tdx_hob_get_memmap(const struct tdx_tdvf *tdvf, const struct tdx_layout *layout,
		       struct tdx_memmap_entry *out, size_t cap,
		       struct tdx_tdvf_diag *diag);

/**
 * tdx_hob_get_size() - how many bytes tdx_hob_build() will write.
 *
 * Return: 0, and the size in @ret_size; errors as tdx_hob_build() except
 * -ENOBUFS.
 */
int tdx_hob_get_size(const struct tdx_tdvf *tdvf, const struct tdx_layout *layout,
		     const struct tdx_hob_opts *opts, struct tdx_tdvf_diag *diag,
		     size_t *ret_size);

/**
 * tdx_hob_build() - write the TD HOB.
 * @tdvf: the parsed firmware; its TD_HOB section gives the GPA
 * @layout: the RAM layout
 * @opts: NULL
 * @buf: receives the HOB at offset 0; the rest of @buf (up to @buf_size)
 *   is zeroed, so @buf may be the whole TD_HOB section.  Left unchanged on
 *   failure.
 * @buf_size: bytes available in @buf
 * @diag: optional; filled on failure
 * @ret_len: the HOB length in bytes (through the end-of-list HOB)
 *
 * Return: 0; -EINVAL (NULL argument, bad @opts; a section not in RAM as
 * required: TDX_TDVF_E_NOT_IN_RAM); -ENOENT (the firmware has no TD_HOB
 * section); -ENOSPC (the HOB is longer than the TD_HOB section:
 * TDX_TDVF_E_HOB_OVERFLOW); -ENOBUFS (@buf_size is less than the HOB
 * length: TDX_TDVF_E_BUFFER_SMALL); -ENOMEM.
 */
int tdx_hob_build(const struct tdx_tdvf *tdvf, const struct tdx_layout *layout,
		  const struct tdx_hob_opts *opts, void *buf, size_t buf_size,
		  struct tdx_tdvf_diag *diag, size_t *ret_len);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_HOB_H */
