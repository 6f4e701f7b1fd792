/* SPDX-License-Identifier: MIT */
/*
 * Locating the TDVF descriptor: OVMF's GUIDed footer table (entries stored
 * data first, then a u16 length, then the GUID, walked backwards from the
 * table footer at end - 0x30), or the legacy u32 at end - 0x20.
 */
#include <string.h>

#include "tdvf-internal.h"

/* GUIDs in EFI byte order (first three fields little-endian). */
/* 96b582de-1fb2-45f7-baea-a366c55a082d: the table footer. */
static const uint8_t footer_guid[16] = {
	0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d,
};
/* e47a6535-984a-4798-865e-4685a7bf8ec2: TDX metadata offset. */
static const uint8_t tdx_offset_guid[16] = {
	0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
	0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2,
};

#define FOOTER_GUID_FROM_END	0x30	/* GUID at size - 0x30 */
#define TABLE_END_FROM_END	0x20	/* table ends where the last 32 bytes start */
#define ENTRY_TRAILER		18	/* u16 length + GUID */
#define LEGACY_FROM_END		0x20

static int locate_legacy(const uint8_t *img, size_t size,
			 struct tdx_tdvf_diag *d, uint64_t *ret_off)
{
	uint64_t pos = size - LEGACY_FROM_END;
	uint64_t off = tdx_rd32(img + pos);

	if (off + 16 > size)
		return tdx_tdvf_fail(d, -ENOMSG, TDX_TDVF_E_LEGACY_OFFSET,
				     TDX_TDVF_NO_SECTION, pos,
				     "legacy metadata pointer 0x%llx at 0x%llx is past the end of a 0x%zx-byte image",
				     (unsigned long long)off, (unsigned long long)pos, size);
	*ret_off = off;
	return 0;
}

int tdx_tdvf_locate(const uint8_t *img, size_t size, uint64_t flags,
		    struct tdx_tdvf_diag *d, uint64_t *ret_off, bool *ret_legacy)
{
	uint64_t guid_pos = size - FOOTER_GUID_FROM_END;
	uint64_t len_pos = guid_pos - 2;
	uint64_t table_len, table_start, cursor, remaining;
	uint64_t tdx_data = 0, tdx_len = 0, value;
	uint64_t dup_pos = 0;
	unsigned int found = 0;

	if (memcmp(img + guid_pos, footer_guid, 16) != 0) {
		if (flags & TDX_TDVF_ALLOW_LEGACY) {
			int r = locate_legacy(img, size, d, ret_off);

			if (r == 0)
				*ret_legacy = true;
			return r;
		}
		return tdx_tdvf_fail(d, -ENOMSG, TDX_TDVF_E_NO_FOOTER,
				     TDX_TDVF_NO_SECTION, guid_pos,
				     "no GUIDed table footer at 0x%llx (end - 0x30): no TDX metadata",
				     (unsigned long long)guid_pos);
	}

	table_len = tdx_rd16(img + len_pos);
	if (table_len < ENTRY_TRAILER || table_len > size - TABLE_END_FROM_END)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_TABLE_LENGTH,
				     TDX_TDVF_NO_SECTION, len_pos,
				     "GUIDed table length %llu is below 18 or longer than the image allows",
				     (unsigned long long)table_len);
	table_start = size - TABLE_END_FROM_END - table_len;

	/* Walk every entry, even past the TDX one: a broken table is rejected. */
	cursor = len_pos;
	remaining = table_len - ENTRY_TRAILER;
	while (remaining > 0) {
		uint64_t elen;

		if (remaining < ENTRY_TRAILER)
			return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_ENTRY_LENGTH,
					     TDX_TDVF_NO_SECTION, table_start,
					     "%llu stray bytes at the start of the GUIDed table (0x%llx)",
					     (unsigned long long)remaining,
					     (unsigned long long)table_start);
		elen = tdx_rd16(img + cursor - ENTRY_TRAILER);
		if (elen < ENTRY_TRAILER || elen > remaining)
			return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_ENTRY_LENGTH,
					     TDX_TDVF_NO_SECTION, cursor - ENTRY_TRAILER,
					     "GUIDed table entry length %llu at 0x%llx is below 18 or exceeds the %llu bytes left",
					     (unsigned long long)elen,
					     (unsigned long long)(cursor - ENTRY_TRAILER),
					     (unsigned long long)remaining);
		if (memcmp(img + cursor - 16, tdx_offset_guid, 16) == 0) {
			if (found++ == 0) {
				tdx_data = cursor - elen;
				tdx_len = elen - ENTRY_TRAILER;
			} else if (found == 2) {
				dup_pos = cursor - 16;
			}
		}
		cursor -= elen;
		remaining -= elen;
	}

	if (!found)
		return tdx_tdvf_fail(d, -ENOMSG, TDX_TDVF_E_NO_TDX_ENTRY,
				     TDX_TDVF_NO_SECTION, len_pos,
				     "GUIDed table has no TDX metadata offset entry (e47a6535-984a-4798-865e-4685a7bf8ec2): not a TDX firmware");
	if (found > 1)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_TDX_ENTRY_DUPLICATE,
				     TDX_TDVF_NO_SECTION, dup_pos,
				     "second TDX metadata offset entry at 0x%llx",
				     (unsigned long long)dup_pos);
	if (tdx_len != 4)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_TDX_ENTRY_SIZE,
				     TDX_TDVF_NO_SECTION, tdx_data,
				     "TDX metadata offset entry carries %llu bytes, expected 4",
				     (unsigned long long)tdx_len);
	value = tdx_rd32(img + tdx_data);
	if (value < 16 || value > size)
		return tdx_tdvf_fail(d, -EINVAL, TDX_TDVF_E_METADATA_OFFSET,
				     TDX_TDVF_NO_SECTION, tdx_data,
				     "TDX metadata offset 0x%llx is outside [16, image size 0x%zx]",
				     (unsigned long long)value, size);
	*ret_off = size - value;
	*ret_legacy = false;
	return 0;
}
