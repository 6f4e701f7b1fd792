/* SPDX-License-Identifier: MIT */
/**
 * DOC: tdvf - parse a TDX firmware image (TDVF / TDX-enabled OVMF)
 *
 * A TDVF image carries a metadata descriptor listing its sections: where
 * each lies in the file, where it goes in guest physical memory, and how
 * the VMM must add it (measured or not, PAGE.ADD or PAGE.AUG).  The
 * descriptor is found through OVMF's GUIDed table just before the last 32
 * bytes of the image: the entry e47a6535-984a-4798-865e-4685a7bf8ec2 holds
 * the distance from the end of the file to the "TDVF" signature.  An older
 * scheme (a u32 at end - 0x20 holding the absolute file offset of the
 * descriptor) is only used when asked for with %TDX_TDVF_ALLOW_LEGACY.
 *
 * Parsing is pure: no ioctl, and the image is only read.  Every rule is
 * checked, in this order; the first broken one is reported (its
 * TDX_TDVF_E_* code, file offset and section index go to struct
 * tdx_tdvf_diag):
 *
 *  Image and GUIDed table
 *   - IMAGE_SIZE: 4 KiB <= size < 4 GiB.
 *   - NO_FOOTER: footer GUID 96b582de-... at end - 0x30 (-ENOMSG).
 *   - TABLE_LENGTH: 18 <= table length <= size - 0x20.
 *   - ENTRY_LENGTH: every entry 18 <= length <= what remains of the table
 *     (the whole table is rejected, even past the TDX entry).
 *   - NO_TDX_ENTRY: the TDX metadata offset entry exists (-ENOMSG);
 *     TDX_ENTRY_DUPLICATE: only once; TDX_ENTRY_SIZE: its data is 4 bytes.
 *   - METADATA_OFFSET: 16 <= offset value <= size (descriptor header inside
 *     the image).  With %TDX_TDVF_ALLOW_LEGACY and no footer GUID:
 *     LEGACY_OFFSET: u32 at end - 0x20 + 16 <= size (-ENOMSG).
 *
 *  Descriptor
 *   - SIGNATURE: "TDVF" (-ENOMSG in legacy mode, -EINVAL otherwise);
 *     DESCRIPTOR_TRUNCATED: offset + Length <= size; VERSION: 1;
 *     SECTION_COUNT: at least 2 sections; DESCRIPTOR_LENGTH: Length is
 *     16 + 32 * count.
 *
 *  Each section, in table order (all rules for section 0, then 1, ...)
 *   - SECTION_TYPE: 0..6 (BFV, CFV, TD_HOB, TempMem, PermMem, Payload,
 *     PayloadParam).  A VMM that cannot load types 4-6 must refuse them
 *     itself (QEMU does).
 *   - ATTR_RESERVED: bits 31:2 zero.
 *   - MEM_SIZE_ZERO, MEM_ADDR_ALIGN, MEM_SIZE_ALIGN: MemoryDataSize non-zero,
 *     MemoryAddress and MemoryDataSize 4 KiB aligned.
 *   - RAW_GT_MEM: RawDataSize <= MemoryDataSize.
 *   - GPA_WRAP: MemoryAddress + MemoryDataSize does not wrap;
 *     GPA_SHARED: the range ends at or below the shared bit (2^47 for GPAW
 *     48, 2^51 for GPAW 52).
 *   - RAW_SIZE_ZERO: BFV and CFV have raw data; RAW_NOT_EMPTY: TD_HOB,
 *     TempMem and PermMem have none.
 *   - RAW_OUT_OF_FILE: DataOffset + RawDataSize <= size.
 *   - DATA_ALIGN: BFV/CFV DataOffset 4 KiB aligned (KVM needs a page-aligned
 *     source).
 *   - MEM_OUT_OF_FILE: BFV/CFV DataOffset + MemoryDataSize <= size (the
 *     loader copies MemoryDataSize bytes from the image).
 *   - BFV_NO_MR_EXTEND: a BFV is measured (MR_EXTEND).
 *   - PAGE_AUG_NOT_PERMMEM: PAGE_AUG only on PermMem; PERMMEM_ATTR: PermMem
 *     attributes are exactly PAGE_AUG.
 *
 *  Across sections
 *   - OVERLAP: no two sections share a GPA (the later one in table order is
 *     reported).
 *   - TD_HOB_DUPLICATE: at most one TD_HOB; NO_TD_HOB: one TD_HOB, unless
 *     a PermMem section exists.
 *   - PAYLOAD_DUPLICATE, PAYLOAD_PARAM_DUPLICATE: at most one of each;
 *     PAYLOAD_PARAM_ALONE: PayloadParam needs a Payload.
 *   - NO_BFV: at least one BFV; RESET_VECTOR: a BFV covers
 *     [0xFFFFFFF0, 4 GiB).
 *
 * Warnings do not fail the parse (unless %TDX_TDVF_STRICT is set); they are
 * listed by tdx_tdvf_get_warning():
 *   - W_IMAGE_SIZE_ALIGN: size not a multiple of 64 KiB.
 *   - W_METADATA_GUID: the 16 bytes before the descriptor are not
 *     e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae.
 *   - W_DATA_OFFSET: DataOffset non-zero on a section without raw data.
 *   - W_MEM_GT_RAW: a BFV/CFV whose MemoryDataSize exceeds RawDataSize
 *     (the spec zero-fills; QEMU copies the following image bytes).
 *   - W_MR_EXTEND: MR_EXTEND on CFV, TD_HOB, TempMem or PayloadParam
 *     (changes MRTD; on a TD_HOB it makes MRTD depend on the RAM size).
 *   - W_FLASH_PLACEMENT: a BFV/CFV not at 4 GiB - size + DataOffset, where
 *     a VMM maps the image.
 *
 * Diagnostics: the parse functions take an optional struct tdx_tdvf_diag
 * (named "diag", not "ret_diag", because unlike ret_* parameters it is
 * written on failure too).  Its code is the stable, testable detail; its
 * errno is the function's return value.
 *
 * Thread safety: a struct tdx_tdvf is immutable after parsing; any number
 * of threads may read it.
 */
#ifndef LIBTDX_TDVF_H
#define LIBTDX_TDVF_H

#include <libtdx/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Section types (TDVF_SECTION.Type). */
#define TDX_TDVF_SECTION_BFV		0
#define TDX_TDVF_SECTION_CFV		1
#define TDX_TDVF_SECTION_TD_HOB		2
#define TDX_TDVF_SECTION_TEMP_MEM	3
#define TDX_TDVF_SECTION_PERM_MEM	4
#define TDX_TDVF_SECTION_PAYLOAD	5
#define TDX_TDVF_SECTION_PAYLOAD_PARAM	6

/* Section attributes (TDVF_SECTION.Attributes). */
/** TDX_TDVF_ATTR_MR_EXTEND - the VMM measures the pages into MRTD. */
#define TDX_TDVF_ATTR_MR_EXTEND		(1u << 0)
/** TDX_TDVF_ATTR_PAGE_AUG - the pages are added with PAGE.AUG (PermMem). */
#define TDX_TDVF_ATTR_PAGE_AUG		(1u << 1)

/* Parse flags (struct tdx_tdvf_opts.flags). */
/** TDX_TDVF_ALLOW_LEGACY - without a GUIDed table, use the u32 at end - 0x20. */
#define TDX_TDVF_ALLOW_LEGACY		(1ull << 0)
/** TDX_TDVF_STRICT - treat every warning as an error. */
#define TDX_TDVF_STRICT			(1ull << 1)
/**
 * TDX_TDVF_MAP - tdx_tdvf_open() maps the file (read-only, MAP_PRIVATE)
 * instead of reading it into private memory: saves the copy, but the file
 * must then not be truncated (SIGBUS in the caller) or rewritten (bytes
 * changed after validation) while the object lives.
 */
#define TDX_TDVF_MAP			(1ull << 2)

/**
 * enum tdx_tdvf_code - what went wrong (struct tdx_tdvf_diag.code).
 *
 * Values are stable ABI.  Codes from 100 up are warnings.  See the DOC
 * section above for the rule behind each; tdx_tdvf_code_name() gives the
 * identifier and tdx_tdvf_strerror() a sentence.
 */
enum tdx_tdvf_code {
	TDX_TDVF_OK = 0,
	TDX_TDVF_E_ARGUMENT = 1,	/* NULL pointer, bad opts or flags */
	TDX_TDVF_E_IO = 2,		/* open/fstat/mmap failed; not a regular file */
	TDX_TDVF_E_NOMEM = 3,
	/* image and GUIDed table */
	TDX_TDVF_E_IMAGE_SIZE = 10,
	TDX_TDVF_E_NO_FOOTER = 11,
	TDX_TDVF_E_TABLE_LENGTH = 12,
	TDX_TDVF_E_ENTRY_LENGTH = 13,
	TDX_TDVF_E_NO_TDX_ENTRY = 14,
	TDX_TDVF_E_TDX_ENTRY_DUPLICATE = 15,
	TDX_TDVF_E_TDX_ENTRY_SIZE = 16,
	TDX_TDVF_E_METADATA_OFFSET = 17,
	TDX_TDVF_E_LEGACY_OFFSET = 18,
	/* descriptor */
	TDX_TDVF_E_SIGNATURE = 20,
	TDX_TDVF_E_DESCRIPTOR_TRUNCATED = 21,
	TDX_TDVF_E_VERSION = 22,
	TDX_TDVF_E_SECTION_COUNT = 23,
	TDX_TDVF_E_DESCRIPTOR_LENGTH = 24,
	/* per section */
	TDX_TDVF_E_SECTION_TYPE = 30,
	TDX_TDVF_E_ATTR_RESERVED = 31,
	TDX_TDVF_E_MEM_SIZE_ZERO = 32,
	TDX_TDVF_E_MEM_ADDR_ALIGN = 33,
	TDX_TDVF_E_MEM_SIZE_ALIGN = 34,
	TDX_TDVF_E_RAW_GT_MEM = 35,
	TDX_TDVF_E_GPA_WRAP = 36,
	TDX_TDVF_E_GPA_SHARED = 37,
	TDX_TDVF_E_RAW_SIZE_ZERO = 38,
	TDX_TDVF_E_RAW_NOT_EMPTY = 39,
	TDX_TDVF_E_RAW_OUT_OF_FILE = 40,
	TDX_TDVF_E_DATA_ALIGN = 41,
	TDX_TDVF_E_MEM_OUT_OF_FILE = 42,
	TDX_TDVF_E_BFV_NO_MR_EXTEND = 43,
	TDX_TDVF_E_PAGE_AUG_NOT_PERMMEM = 44,
	TDX_TDVF_E_PERMMEM_ATTR = 45,
	/* across sections */
	TDX_TDVF_E_OVERLAP = 50,
	TDX_TDVF_E_TD_HOB_DUPLICATE = 51,
	TDX_TDVF_E_NO_TD_HOB = 52,
	TDX_TDVF_E_PAYLOAD_DUPLICATE = 53,
	TDX_TDVF_E_PAYLOAD_PARAM_DUPLICATE = 54,
	TDX_TDVF_E_PAYLOAD_PARAM_ALONE = 55,
	TDX_TDVF_E_NO_BFV = 56,
	TDX_TDVF_E_RESET_VECTOR = 57,
	/* placing sections in a RAM layout (tdx_hob_build() and friends) */
	TDX_TDVF_E_NOT_IN_RAM = 60,
	TDX_TDVF_E_HOB_OVERFLOW = 61,
	TDX_TDVF_E_BUFFER_SMALL = 62,
	/* warnings */
	TDX_TDVF_W_IMAGE_SIZE_ALIGN = 100,
	TDX_TDVF_W_METADATA_GUID = 101,
	TDX_TDVF_W_DATA_OFFSET = 102,
	TDX_TDVF_W_MEM_GT_RAW = 103,
	TDX_TDVF_W_MR_EXTEND = 104,
	TDX_TDVF_W_FLASH_PLACEMENT = 105,
};

/** TDX_TDVF_NO_SECTION - struct tdx_tdvf_diag.section when no section applies. */
#define TDX_TDVF_NO_SECTION (-1)

/**
 * struct tdx_tdvf_diag - where and why a parse (or HOB build) failed, or
 * one warning.
 * @code: a TDX_TDVF_E_* / TDX_TDVF_W_* value; TDX_TDVF_OK on success
 * @section: index of the section entry concerned, or %TDX_TDVF_NO_SECTION
 * @offset: file offset of the offending bytes (the field that broke the
 *   rule: a table entry's length, the descriptor's Version, a section
 *   entry's start, ...); 0 when the rule is about the whole image
 * @err: the negative errno returned with it (0 for success and warnings)
 * @message: one line, naming the values involved
 */
struct tdx_tdvf_diag {
	int code;
	int section;
	uint64_t offset;
	int err;
	char message[160];
};

/**
 * struct tdx_tdvf_opts - parse options; TDX_OPTS(tdx_tdvf_opts).
 * @sz: sizeof(struct tdx_tdvf_opts), set by TDX_OPTS()
 * @flags: TDX_TDVF_ALLOW_LEGACY, TDX_TDVF_STRICT, TDX_TDVF_MAP
 * @gpaw: guest physical address width the TD will use, 48 or 52 (0 = 48);
 *   sections must lie below the shared bit 2^(gpaw-1)
 * @reserved: must be zero (makes the padding explicit, so TDX_OPTS() zeroes it)
 */
struct tdx_tdvf_opts {
	size_t sz;
	uint64_t flags;
	uint32_t gpaw;
	uint32_t reserved;
};

/**
 * struct tdx_tdvf_section - one section entry, decoded.
 * @type: TDX_TDVF_SECTION_*
 * @attributes: TDX_TDVF_ATTR_* bits as in the image
 * @data_offset: file offset of the raw data (0 when it has none)
 * @raw_size: bytes of raw data in the file
 * @gpa: guest physical base (4 KiB aligned)
 * @mem_size: bytes of guest memory (4 KiB aligned, non-zero)
 * @measured: MR_EXTEND is set: the pages are measured into MRTD
 * @page_aug: PAGE_AUG is set: the pages are added after the TD is built
 *   and accepted by the TD (PermMem)
 */
struct tdx_tdvf_section {
	uint32_t type;
	uint32_t attributes;
	uint64_t data_offset;
	uint64_t raw_size;
	uint64_t gpa;
	uint64_t mem_size;
	bool measured;
	bool page_aug;
};

/** struct tdx_tdvf - a parsed firmware image (opaque, immutable). */
struct tdx_tdvf;

/**
 * tdx_tdvf_open() - read a firmware file and parse it.
 * @path: the image, e.g. "/usr/share/ovmf/OVMF.fd"
 * @opts: NULL for defaults
 * @diag: optional; always filled (code TDX_TDVF_OK on success)
 * @ret_tdvf: the parsed image.  By default the file is read into private,
 *   read-only memory (the image's size, a few MiB for OVMF): a snapshot
 *   that later changes to the file (truncation, rewrites) cannot reach.
 *   With %TDX_TDVF_MAP it is mapped read-only (MAP_PRIVATE) instead and
 *   never copied; the file must then not be truncated or rewritten while
 *   the object lives (SIGBUS, bytes changed after validation).  No fd is
 *   kept either way.
 *
 * The file is opened with O_NONBLOCK, so a FIFO or device never blocks the
 * call: anything but a regular file is refused (TDX_TDVF_E_IO) before a
 * byte is read.  The size is checked (TDX_TDVF_E_IMAGE_SIZE) next;
 * open/fstat/mmap/read failures give TDX_TDVF_E_IO.
 *
 * Return: 0; -EINVAL (NULL path or ret_tdvf, bad opts, not a regular file
 * (a FIFO, a directory, a device), a broken rule); -ENOMSG (no TDX
 * metadata: no GUIDed table or no TDX entry in it, or legacy lookup
 * failed); -ENOMEM; -EIO (the file shrank while it was read); errors of
 * open(2), fstat(2), mmap(2) and pread(2) (e.g. -ENOENT, -EACCES).
 */
int tdx_tdvf_open(const char *path, const struct tdx_tdvf_opts *opts,
		  struct tdx_tdvf_diag *diag, struct tdx_tdvf **ret_tdvf);

/**
 * tdx_tdvf_parse() - parse an image held in memory.
 * @buf: the image; borrowed: it must outlive the returned object and not
 *   change while it lives
 * @len: its size in bytes
 * @opts: NULL for defaults
 * @diag: optional; always filled (code TDX_TDVF_OK on success)
 * @ret_tdvf: the parsed image
 *
 * Reads only [buf, buf + len), whatever the contents.
 *
 * Return: 0; -EINVAL (NULL buf with a non-zero len, NULL ret_tdvf, bad
 * opts, a broken rule); -ENOMSG (no TDX metadata); -ENOMEM.
 */
int tdx_tdvf_parse(const void *buf, size_t len, const struct tdx_tdvf_opts *opts,
		   struct tdx_tdvf_diag *diag, struct tdx_tdvf **ret_tdvf);

/** tdx_tdvf_free() - unmap (if opened from a file) and free; NULL is fine. */
void tdx_tdvf_free(struct tdx_tdvf *tdvf);

/** tdx_tdvf_get_image() - the whole image (borrowed). */
const void *tdx_tdvf_get_image(const struct tdx_tdvf *tdvf);
/** tdx_tdvf_get_image_size() - its size in bytes. */
size_t tdx_tdvf_get_image_size(const struct tdx_tdvf *tdvf);
/** tdx_tdvf_get_descriptor_offset() - file offset of the "TDVF" signature. */
uint64_t tdx_tdvf_get_descriptor_offset(const struct tdx_tdvf *tdvf);
/** tdx_tdvf_is_legacy() - the descriptor was found through the legacy pointer. */
bool tdx_tdvf_is_legacy(const struct tdx_tdvf *tdvf);

/** tdx_tdvf_section_count() - number of section entries. */
size_t tdx_tdvf_section_count(const struct tdx_tdvf *tdvf);
/**
 * tdx_tdvf_get_section() - section entry @i, in table order.
 *
 * Return: 0, -EINVAL (NULL argument), -ERANGE (@i out of range).
 */
int tdx_tdvf_get_section(const struct tdx_tdvf *tdvf, size_t i,
			 struct tdx_tdvf_section *ret_section);
/**
 * tdx_tdvf_find_section() - index of the first section of @type at or
 * after index @start.
 *
 * Return: 0, -EINVAL (NULL argument), -ENOENT (none).
 */
int tdx_tdvf_find_section(const struct tdx_tdvf *tdvf, uint32_t type,
			  size_t start, size_t *ret_index);
/**
 * tdx_tdvf_get_section_data() - section @i's raw data, borrowed from the image.
 * @ret_data: NULL when the section has no raw data
 * @ret_len: RawDataSize (the rest of MemoryDataSize is not in the image)
 *
 * Return: 0, -EINVAL (NULL argument), -ERANGE (@i out of range).
 */
int tdx_tdvf_get_section_data(const struct tdx_tdvf *tdvf, size_t i,
			      const void **ret_data, size_t *ret_len);

/** tdx_tdvf_warning_count() - number of warnings the parse produced. */
size_t tdx_tdvf_warning_count(const struct tdx_tdvf *tdvf);
/**
 * tdx_tdvf_get_warning() - warning @i (code TDX_TDVF_W_*, err 0).
 *
 * Return: 0, -EINVAL (NULL argument), -ERANGE (@i out of range).
 */
int tdx_tdvf_get_warning(const struct tdx_tdvf *tdvf, size_t i,
			 struct tdx_tdvf_diag *ret_diag);

/**
 * tdx_tdvf_section_type_name() - "BFV", "CFV", "TD_HOB", "TempMem",
 * "PermMem", "Payload", "PayloadParam"; NULL for any other value.
 */
const char *tdx_tdvf_section_type_name(uint32_t type);
/** tdx_tdvf_code_name() - "E_VERSION" for TDX_TDVF_E_VERSION, ...; NULL if unknown. */
const char *tdx_tdvf_code_name(int code);
/** tdx_tdvf_strerror() - a sentence for a code ("unknown TDVF code" if unknown). */
const char *tdx_tdvf_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_TDVF_H */
