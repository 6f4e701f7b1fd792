/* SPDX-License-Identifier: MIT */
/* TDVF parser: the real OVMF images and one synthetic image per rule. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libtdx.h>

#include "testutil.h"
#include "tdvf-image.h"

#define OVMF_FD		"/usr/share/ovmf/OVMF.fd"
#define OVMF_CODE_4M	"/usr/share/OVMF/OVMF_CODE_4M.fd"
#define SZ		0x10000u	/* synthetic image size */
#define DESC		(SZ / 2)

static int have(const char *path)
{
	if (access(path, R_OK) == 0)
		return 1;
	printf("SKIP: %s not installed (apt-get install ovmf)\n", path);
	return 0;
}

/* ---- helpers ----------------------------------------------------------- */

/* Mappings of @path in this process (robust against allocator mappings). */
static int maps_of(const char *path)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[4096];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, path))
			n++;
	fclose(f);
	return n;
}

static uint8_t *img;

static void setup(void)
{
	size_t desc = 0;

	img = ti_default(SZ, &desc);
	ck_assert_ptr_nonnull(img);
	ck_assert_uint_eq(desc, DESC);
}

static void teardown(void)
{
	free(img);
	img = NULL;
}

static int parse_flags(const uint8_t *b, size_t len, uint64_t flags,
		       struct tdx_tdvf_diag *d, struct tdx_tdvf **ret)
{
	struct tdx_tdvf_opts o = TDX_OPTS(tdx_tdvf_opts);

	o.flags = flags;
	return tdx_tdvf_parse(b, len, &o, d, ret);
}

/* Parse img and expect failure err/code/section/offset. */
#define EXPECT_FAIL_F(flags, err_, code_, sec_, off_) do {			\
	struct tdx_tdvf *t_ = (struct tdx_tdvf *)0x1;				\
	struct tdx_tdvf_diag d_;						\
	int r_ = parse_flags(img, SZ, (flags), &d_, &t_);			\
	ck_assert_msg(r_ == (err_), "r=%d want %d (%s: %s)", r_, (err_),	\
		      tdx_tdvf_code_name(d_.code), d_.message);			\
	ck_assert_msg(d_.code == (code_), "code %s want %s: %s",		\
		      tdx_tdvf_code_name(d_.code), tdx_tdvf_code_name(code_),	\
		      d_.message);						\
	ck_assert_int_eq(d_.section, (sec_));					\
	ck_assert_uint_eq(d_.offset, (off_));					\
	ck_assert_int_eq(d_.err, (err_));					\
	ck_assert_ptr_eq(t_, (struct tdx_tdvf *)0x1);				\
	ck_assert(d_.message[0] != 0);						\
} while (0)
#define EXPECT_FAIL(err_, code_, sec_, off_) EXPECT_FAIL_F(0, err_, code_, sec_, off_)
#define NOSEC TDX_TDVF_NO_SECTION

/* Parse img: success, and exactly one warning with these values. */
static void expect_warning(int code, int sec, uint64_t off)
{
	struct tdx_tdvf *t;
	struct tdx_tdvf_diag d, w;
	int r = parse_flags(img, SZ, 0, &d, &t);

	ck_assert_msg(r == 0, "r=%d %s", r, d.message);
	ck_assert_uint_eq(tdx_tdvf_warning_count(t), 1);
	ck_assert_int_eq(tdx_tdvf_get_warning(t, 0, &w), 0);
	ck_assert_msg(w.code == code, "warning %s", tdx_tdvf_code_name(w.code));
	ck_assert_int_eq(w.section, sec);
	ck_assert_uint_eq(w.offset, off);
	ck_assert_int_eq(w.err, 0);
	tdx_tdvf_free(t);
	/* strict: the warning becomes the error */
	EXPECT_FAIL_F(TDX_TDVF_STRICT, -EINVAL, code, sec, off);
}

static void expect_ok(uint64_t flags)
{
	struct tdx_tdvf *t = NULL;
	struct tdx_tdvf_diag d;
	int r = parse_flags(img, SZ, flags, &d, &t);

	ck_assert_msg(r == 0, "r=%d %s: %s", r, tdx_tdvf_code_name(d.code), d.message);
	ck_assert_int_eq(d.code, TDX_TDVF_OK);
	tdx_tdvf_free(t);
}

static void set_sec32(int i, int field, uint32_t v)
{
	ti_put32(img, TI_SEC(DESC, i, field), v);
}

static void set_sec64(int i, int field, uint64_t v)
{
	ti_put64(img, TI_SEC(DESC, i, field), v);
}

/* ---- real images ------------------------------------------------------- */

START_TEST(ovmf_fd_sections)
{
	static const struct {
		uint32_t type, attr;
		uint64_t off, raw, gpa, mem;
	} want[6] = {
		{ TDX_TDVF_SECTION_BFV, TDX_TDVF_ATTR_MR_EXTEND, 0x20000, 0x1e0000, 0xffe20000, 0x1e0000 },
		{ TDX_TDVF_SECTION_CFV, 0, 0x0, 0x20000, 0xffe00000, 0x20000 },
		{ TDX_TDVF_SECTION_TEMP_MEM, 0, 0, 0, 0x810000, 0x10000 },
		{ TDX_TDVF_SECTION_TEMP_MEM, 0, 0, 0, 0x80b000, 0x2000 },
		{ TDX_TDVF_SECTION_TD_HOB, 0, 0, 0, 0x809000, 0x2000 },
		{ TDX_TDVF_SECTION_TEMP_MEM, 0, 0, 0, 0x800000, 0x6000 },
	};
	struct tdx_tdvf_opts o = TDX_OPTS(tdx_tdvf_opts);
	struct tdx_tdvf *t;
	struct tdx_tdvf_diag d;
	const void *data;
	size_t len, idx;
	int fds, maps, nocloexec;

	if (!have(OVMF_FD))
		return;
	fds = tu_count_fds();
	nocloexec = tu_count_fds_without_cloexec();
	maps = maps_of(OVMF_FD);
	o.flags = TDX_TDVF_STRICT;	/* Debian's image has no warnings */
	ck_assert_int_eq(tdx_tdvf_open(OVMF_FD, &o, &d, &t), 0);
	ck_assert_int_eq(d.code, TDX_TDVF_OK);
	/* read, not mapped (a snapshot); no fd kept */
	ck_assert_int_eq(maps_of(OVMF_FD), maps);
	ck_assert_int_eq(tu_count_fds(), fds);
	ck_assert_int_eq(tu_count_fds_without_cloexec(), nocloexec);
	ck_assert_uint_eq(tdx_tdvf_get_image_size(t), 0x200000);
	ck_assert_uint_eq(tdx_tdvf_get_descriptor_offset(t), 0x1ff7c0);
	ck_assert(!tdx_tdvf_is_legacy(t));
	ck_assert_uint_eq(tdx_tdvf_warning_count(t), 0);
	ck_assert_uint_eq(tdx_tdvf_section_count(t), 6);
	for (size_t i = 0; i < 6; i++) {
		struct tdx_tdvf_section s;

		ck_assert_int_eq(tdx_tdvf_get_section(t, i, &s), 0);
		ck_assert_uint_eq(s.type, want[i].type);
		ck_assert_uint_eq(s.attributes, want[i].attr);
		ck_assert_uint_eq(s.data_offset, want[i].off);
		ck_assert_uint_eq(s.raw_size, want[i].raw);
		ck_assert_uint_eq(s.gpa, want[i].gpa);
		ck_assert_uint_eq(s.mem_size, want[i].mem);
		ck_assert_int_eq(s.measured, i == 0);
		ck_assert(!s.page_aug);
	}
	ck_assert_int_eq(tdx_tdvf_get_section_data(t, 0, &data, &len), 0);
	ck_assert_ptr_eq(data, (const uint8_t *)tdx_tdvf_get_image(t) + 0x20000);
	ck_assert_uint_eq(len, 0x1e0000);
	ck_assert_int_eq(tdx_tdvf_get_section_data(t, 4, &data, &len), 0);
	ck_assert_ptr_null(data);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(tdx_tdvf_find_section(t, TDX_TDVF_SECTION_TD_HOB, 0, &idx), 0);
	ck_assert_uint_eq(idx, 4);
	ck_assert_int_eq(tdx_tdvf_find_section(t, TDX_TDVF_SECTION_TEMP_MEM, 3, &idx), 0);
	ck_assert_uint_eq(idx, 3);
	ck_assert_int_eq(tdx_tdvf_find_section(t, TDX_TDVF_SECTION_PAYLOAD, 0, &idx), -ENOENT);
	tdx_tdvf_free(t);
	ck_assert_int_eq(maps_of(OVMF_FD), maps);
}
END_TEST

START_TEST(ovmf_code_4m_rejected)
{
	struct tdx_tdvf *t = NULL;
	struct tdx_tdvf_diag d;
	int fds;

	if (!have(OVMF_CODE_4M))
		return;
	fds = tu_count_fds();
	ck_assert_int_eq(tdx_tdvf_open(OVMF_CODE_4M, NULL, &d, &t), -ENOMSG);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(d.code, TDX_TDVF_E_NO_TDX_ENTRY);
	ck_assert_ptr_nonnull(strstr(d.message, "not a TDX firmware"));
	ck_assert_int_eq(tu_count_fds(), fds);
	/* legacy lookup is not tried while a GUIDed table exists */
	{
		struct tdx_tdvf_opts o = TDX_OPTS(tdx_tdvf_opts);

		o.flags = TDX_TDVF_ALLOW_LEGACY;
		ck_assert_int_eq(tdx_tdvf_open(OVMF_CODE_4M, &o, &d, &t), -ENOMSG);
		ck_assert_int_eq(d.code, TDX_TDVF_E_NO_TDX_ENTRY);
	}
}
END_TEST

START_TEST(open_errors)
{
	struct tdx_tdvf *t = NULL;
	struct tdx_tdvf_diag d;
	char path[] = "/tmp/libtdx-tdvf-XXXXXX";
	int fd, fds = tu_count_fds();

	ck_assert_int_eq(tdx_tdvf_open("/nonexistent/OVMF.fd", NULL, &d, &t), -ENOENT);
	ck_assert_int_eq(d.code, TDX_TDVF_E_IO);
	ck_assert_int_eq(tdx_tdvf_open("/tmp", NULL, &d, &t), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_E_IO);
	ck_assert_int_eq(tdx_tdvf_open(NULL, NULL, &d, &t), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_E_ARGUMENT);
	ck_assert_int_eq(tdx_tdvf_open("/tmp", NULL, &d, NULL), -EINVAL);

	/* a file: tiny, then the synthetic image, then garbage */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, img, 100), 100);
	ck_assert_int_eq(tdx_tdvf_open(path, NULL, &d, &t), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_E_IMAGE_SIZE);
	ck_assert_int_eq(pwrite(fd, img, SZ, 0), (ssize_t)SZ);
	ck_assert_int_eq(tdx_tdvf_open(path, NULL, &d, &t), 0);
	ck_assert_uint_eq(tdx_tdvf_section_count(t), 6);
	tdx_tdvf_free(t);
	t = NULL;
	img[TI_FOOTER_GUID(SZ)] ^= 1;
	ck_assert_int_eq(pwrite(fd, img, SZ, 0), (ssize_t)SZ);
	ck_assert_int_eq(tdx_tdvf_open(path, NULL, &d, &t), -ENOMSG);
	ck_assert_ptr_null(t);
	close(fd);
	ck_assert_int_eq(maps_of(path), 0);
	unlink(path);
	ck_assert_int_eq(tu_count_fds(), fds);
	tdx_tdvf_free(NULL);
}
END_TEST

/*
 * The image is a snapshot of the file: truncating or rewriting the file
 * after tdx_tdvf_open() must neither crash the caller (SIGBUS on a
 * truncated file mapping) nor change the validated bytes.
 */
START_TEST(open_snapshots_the_file_by_default)
{
	struct tdx_tdvf *t = NULL;
	struct tdx_tdvf_diag d;
	char path[] = "/tmp/libtdx-tdvf-XXXXXX";
	const void *data;
	uint8_t *junk;
	size_t len;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, img, SZ, 0), (ssize_t)SZ);
	/* TDX_TDVF_MAP maps the file: it is visible as a file mapping */
	{
		struct tdx_tdvf_opts mo = TDX_OPTS(tdx_tdvf_opts);

		mo.flags = TDX_TDVF_MAP;
		ck_assert_int_eq(tdx_tdvf_open(path, &mo, &d, &t), 0);
		ck_assert_int_eq(maps_of(path), 1);
		tdx_tdvf_free(t);
		ck_assert_int_eq(maps_of(path), 0);
	}
	/* by default it is read instead: a snapshot */
	ck_assert_int_eq(tdx_tdvf_open(path, NULL, &d, &t), 0);

	/* truncated: reading a file mapping past EOF would raise SIGBUS */
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(tdx_tdvf_get_section_data(t, 1, &data, &len), 0);
	ck_assert_uint_eq(len, 0xf000);
	ck_assert_mem_eq(data, img + 0x1000, len);
	ck_assert_mem_eq(tdx_tdvf_get_image(t), img, SZ);

	/* rewritten in place with other bytes: the snapshot keeps the old ones */
	junk = malloc(SZ);
	ck_assert_ptr_nonnull(junk);
	memset(junk, 0xa5, SZ);
	ck_assert_int_eq(pwrite(fd, junk, SZ, 0), (ssize_t)SZ);
	ck_assert_mem_eq(tdx_tdvf_get_image(t), img, SZ);
	free(junk);
	ck_assert_int_eq(maps_of(path), 0);	/* a copy, not a file mapping */

	tdx_tdvf_free(t);
	close(fd);
	unlink(path);
}
END_TEST

/* A FIFO with no writer: open(2) would block forever without O_NONBLOCK. */
START_TEST(open_refuses_a_fifo_without_blocking)
{
	char dir[] = "/tmp/libtdx-fifo-XXXXXX", path[64];
	struct tdx_tdvf *t = NULL;
	struct tdx_tdvf_diag d;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fw", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	alarm(10);	/* a blocking open would hang the test: fail it instead */
	ck_assert_int_eq(tdx_tdvf_open(path, NULL, &d, &t), -EINVAL);
	alarm(0);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(d.code, TDX_TDVF_E_IO);
	ck_assert_ptr_nonnull(strstr(d.message, "FIFO"));
	unlink(path);
	rmdir(dir);
}
END_TEST

/* ---- the synthetic image itself ------------------------------------- */

START_TEST(synthetic_ok)
{
	struct tdx_tdvf *t;
	struct tdx_tdvf_diag d;
	struct tdx_tdvf_section s;
	const void *data;
	size_t len;

	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, NULL, &d, &t), 0);
	ck_assert_int_eq(d.code, TDX_TDVF_OK);
	ck_assert_int_eq(d.section, NOSEC);
	ck_assert_ptr_eq(tdx_tdvf_get_image(t), img);
	ck_assert_uint_eq(tdx_tdvf_section_count(t), 6);
	ck_assert_uint_eq(tdx_tdvf_warning_count(t), 0);
	ck_assert_uint_eq(tdx_tdvf_get_descriptor_offset(t), DESC);
	ck_assert_int_eq(tdx_tdvf_get_section(t, 1, &s), 0);
	ck_assert_uint_eq(s.type, TDX_TDVF_SECTION_BFV);
	ck_assert_uint_eq(s.gpa, 0xffff1000);
	ck_assert_uint_eq(s.mem_size, 0xf000);
	ck_assert(s.measured);
	ck_assert_int_eq(tdx_tdvf_get_section_data(t, 1, &data, &len), 0);
	ck_assert_ptr_eq(data, img + 0x1000);
	ck_assert_uint_eq(len, 0xf000);
	ck_assert_int_eq(tdx_tdvf_get_section(t, 6, &s), -ERANGE);
	ck_assert_int_eq(tdx_tdvf_get_section(t, 0, NULL), -EINVAL);
	ck_assert_int_eq(tdx_tdvf_get_section_data(t, 6, &data, &len), -ERANGE);
	ck_assert_int_eq(tdx_tdvf_get_warning(t, 0, &d), -ERANGE);
	tdx_tdvf_free(t);
	/* NULL diag is fine */
	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, NULL, NULL, &t), 0);
	tdx_tdvf_free(t);
}
END_TEST

START_TEST(arguments)
{
	struct tdx_tdvf *t = NULL;
	struct tdx_tdvf_diag d;
	struct {
		struct tdx_tdvf_opts o;
		uint64_t extra;
	} big = { TDX_OPTS(tdx_tdvf_opts), 1 };

	ck_assert_int_eq(tdx_tdvf_parse(NULL, 10, NULL, &d, &t), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_E_ARGUMENT);
	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, NULL, &d, NULL), -EINVAL);
	ck_assert_int_eq(tdx_tdvf_parse(NULL, 0, NULL, &d, &t), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_E_IMAGE_SIZE);
	ck_assert_int_eq(parse_flags(img, SZ, 1ull << 40, &d, &t), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_E_ARGUMENT);
	big.o.sz = sizeof(big);
	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, &big.o, &d, &t), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_E_ARGUMENT);
	big.extra = 0;
	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, &big.o, &d, &t), 0);
	tdx_tdvf_free(t);
	t = NULL;
	big.o.gpaw = 50;
	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, &big.o, &d, &t), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_E_ARGUMENT);
	ck_assert_ptr_null(t);
}
END_TEST

START_TEST(names)
{
	static const char *const want[] = { "BFV", "CFV", "TD_HOB", "TempMem",
					    "PermMem", "Payload", "PayloadParam" };

	for (uint32_t i = 0; i < 7; i++)
		ck_assert_str_eq(tdx_tdvf_section_type_name(i), want[i]);
	ck_assert_ptr_null(tdx_tdvf_section_type_name(7));
	ck_assert_ptr_null(tdx_tdvf_section_type_name(UINT32_MAX));
	ck_assert_str_eq(tdx_tdvf_code_name(TDX_TDVF_E_VERSION), "E_VERSION");
	ck_assert_str_eq(tdx_tdvf_code_name(TDX_TDVF_W_FLASH_PLACEMENT), "W_FLASH_PLACEMENT");
	ck_assert_ptr_null(tdx_tdvf_code_name(9999));
	ck_assert_str_eq(tdx_tdvf_strerror(9999), "unknown TDVF code");
	ck_assert_str_eq(tdx_tdvf_strerror(TDX_TDVF_E_VERSION), "descriptor version is not 1");
	for (int c = 0; c < 200; c++)
		if (tdx_tdvf_code_name(c))
			ck_assert_str_ne(tdx_tdvf_strerror(c), "unknown TDVF code");
}
END_TEST

/* ---- image and GUIDed table rules -------------------------------------- */

START_TEST(rule_image_size)
{
	struct tdx_tdvf *t;
	struct tdx_tdvf_diag d;

	ck_assert_int_eq(tdx_tdvf_parse(img, 4095, NULL, &d, &t), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_E_IMAGE_SIZE);
	ck_assert_int_eq(d.section, NOSEC);
	ck_assert_uint_eq(d.offset, 0);
	if (sizeof(size_t) > 4) {
		/* >= 4 GiB is refused before anything is read */
		ck_assert_int_eq(tdx_tdvf_parse(img, (size_t)TI_4G, NULL, &d, &t), -EINVAL);
		ck_assert_int_eq(d.code, TDX_TDVF_E_IMAGE_SIZE);
	}
}
END_TEST

START_TEST(rule_image_size_align_warning)
{
	/* 0x11000 bytes: valid, but not a multiple of 64 KiB */
	const size_t sz = 0x11000;
	struct ti_config cfg = { .size = sz };
	uint8_t *b = malloc(sz);
	struct tdx_tdvf *t;
	struct tdx_tdvf_diag d, w;

	ti_build(b, &cfg);
	ck_assert_int_eq(tdx_tdvf_parse(b, sz, NULL, &d, &t), 0);
	ck_assert_uint_eq(tdx_tdvf_warning_count(t), 1);
	tdx_tdvf_get_warning(t, 0, &w);
	ck_assert_int_eq(w.code, TDX_TDVF_W_IMAGE_SIZE_ALIGN);
	ck_assert_int_eq(w.section, NOSEC);
	tdx_tdvf_free(t);
	ck_assert_int_eq(parse_flags(b, sz, TDX_TDVF_STRICT, &d, &t), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_W_IMAGE_SIZE_ALIGN);
	free(b);
}
END_TEST

START_TEST(rule_no_footer)
{
	img[TI_FOOTER_GUID(SZ) + 15] ^= 0xff;
	EXPECT_FAIL(-ENOMSG, TDX_TDVF_E_NO_FOOTER, NOSEC, TI_FOOTER_GUID(SZ));
}
END_TEST

START_TEST(rule_table_length_short)
{
	ti_put16(img, TI_TABLE_LEN(SZ), 17);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_TABLE_LENGTH, NOSEC, TI_TABLE_LEN(SZ));
}
END_TEST

START_TEST(rule_table_length_long)
{
	/* the largest allowed is size - 0x20 (fits a u16 only for small images) */
	const size_t sz = 0x2000;
	struct ti_config cfg = { .size = sz };
	uint8_t *b = malloc(sz);
	struct tdx_tdvf *t;
	struct tdx_tdvf_diag d;

	ti_build(b, &cfg);
	ti_put16(b, TI_TABLE_LEN(sz), (uint16_t)(sz - 0x20 + 1));
	ck_assert_int_eq(tdx_tdvf_parse(b, sz, NULL, &d, &t), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_E_TABLE_LENGTH);
	ck_assert_uint_eq(d.offset, TI_TABLE_LEN(sz));
	/* exactly size - 0x20: accepted as a length; the walk then meets the
	 * zero bytes at the start of the image as an entry length of 0 */
	ti_put16(b, TI_TABLE_LEN(sz), (uint16_t)(sz - 0x20));
	ck_assert_int_eq(tdx_tdvf_parse(b, sz, NULL, &d, &t), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_E_ENTRY_LENGTH);
	free(b);
}
END_TEST

START_TEST(rule_entry_length_short)
{
	/* the entry after the TDX one is broken: the whole table is rejected */
	ti_put16(img, TI_DUMMY_LEN(SZ), 17);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_ENTRY_LENGTH, NOSEC, TI_DUMMY_LEN(SZ));
}
END_TEST

START_TEST(rule_entry_length_long)
{
	ti_put16(img, TI_TDX_LEN(SZ), 45);	/* 44 bytes remain */
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_ENTRY_LENGTH, NOSEC, TI_TDX_LEN(SZ));
}
END_TEST

START_TEST(rule_entry_length_stray_bytes)
{
	/* 5 bytes in front of the first entry that cannot be an entry */
	ti_put16(img, TI_TABLE_LEN(SZ), 62 + 5);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_ENTRY_LENGTH, NOSEC, TI_TABLE_START(SZ) - 5);
}
END_TEST

START_TEST(rule_no_tdx_entry)
{
	img[TI_TDX_GUID(SZ)] ^= 1;
	EXPECT_FAIL(-ENOMSG, TDX_TDVF_E_NO_TDX_ENTRY, NOSEC, TI_TABLE_LEN(SZ));
}
END_TEST

START_TEST(rule_tdx_entry_duplicate)
{
	memcpy(img + TI_DUMMY_GUID(SZ), ti_tdx_guid, 16);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_TDX_ENTRY_DUPLICATE, NOSEC, TI_DUMMY_GUID(SZ));
}
END_TEST

START_TEST(rule_tdx_entry_size)
{
	struct ti_config cfg = { .size = SZ, .tdx_data_len = 8 };
	size_t data;

	ti_build(img, &cfg);
	data = TI_TABLE_LEN(SZ) - 18 - 8;
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_TDX_ENTRY_SIZE, NOSEC, data);
	cfg.tdx_data_len = 2;
	ti_build(img, &cfg);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_TDX_ENTRY_SIZE, NOSEC, TI_TABLE_LEN(SZ) - 20);
}
END_TEST

START_TEST(rule_metadata_offset)
{
	ti_put32(img, TI_TDX_DATA(SZ), 15);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_METADATA_OFFSET, NOSEC, TI_TDX_DATA(SZ));
	ti_put32(img, TI_TDX_DATA(SZ), SZ + 1);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_METADATA_OFFSET, NOSEC, TI_TDX_DATA(SZ));
	ti_put32(img, TI_TDX_DATA(SZ), UINT32_MAX);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_METADATA_OFFSET, NOSEC, TI_TDX_DATA(SZ));
	/* 16 and size are in range: the descriptor is then not found there */
	ti_put32(img, TI_TDX_DATA(SZ), 16);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_SIGNATURE, NOSEC, SZ - 16);
	ti_put32(img, TI_TDX_DATA(SZ), SZ);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_SIGNATURE, NOSEC, 0);
}
END_TEST

/* ---- legacy location -------------------------------------------------- */

START_TEST(legacy_only_with_flag)
{
	struct ti_config cfg = { .size = SZ, .no_footer = 1, .legacy = 1 };
	struct tdx_tdvf *t;
	struct tdx_tdvf_diag d;

	ti_build(img, &cfg);
	EXPECT_FAIL(-ENOMSG, TDX_TDVF_E_NO_FOOTER, NOSEC, TI_FOOTER_GUID(SZ));
	ck_assert_int_eq(parse_flags(img, SZ, TDX_TDVF_ALLOW_LEGACY, &d, &t), 0);
	ck_assert(tdx_tdvf_is_legacy(t));
	ck_assert_uint_eq(tdx_tdvf_get_descriptor_offset(t), DESC);
	ck_assert_uint_eq(tdx_tdvf_section_count(t), 6);
	tdx_tdvf_free(t);
}
END_TEST

START_TEST(legacy_not_used_with_table)
{
	struct tdx_tdvf *t;
	struct tdx_tdvf_diag d;

	/* a legacy pointer to garbage must not matter when the table exists */
	ti_put32(img, TI_LEGACY(SZ), 0x100);
	ck_assert_int_eq(parse_flags(img, SZ, TDX_TDVF_ALLOW_LEGACY, &d, &t), 0);
	ck_assert(!tdx_tdvf_is_legacy(t));
	tdx_tdvf_free(t);
}
END_TEST

START_TEST(legacy_offset)
{
	struct ti_config cfg = { .size = SZ, .no_footer = 1, .legacy = 1 };

	ti_build(img, &cfg);
	ti_put32(img, TI_LEGACY(SZ), SZ - 15);
	EXPECT_FAIL_F(TDX_TDVF_ALLOW_LEGACY, -ENOMSG, TDX_TDVF_E_LEGACY_OFFSET, NOSEC,
		      TI_LEGACY(SZ));
	ti_put32(img, TI_LEGACY(SZ), UINT32_MAX);
	EXPECT_FAIL_F(TDX_TDVF_ALLOW_LEGACY, -ENOMSG, TDX_TDVF_E_LEGACY_OFFSET, NOSEC,
		      TI_LEGACY(SZ));
	/* pointing at something that is not a descriptor: no metadata */
	ti_put32(img, TI_LEGACY(SZ), 0x100);
	EXPECT_FAIL_F(TDX_TDVF_ALLOW_LEGACY, -ENOMSG, TDX_TDVF_E_SIGNATURE, NOSEC, 0x100);
}
END_TEST

/* ---- descriptor rules ------------------------------------------------- */

START_TEST(rule_signature)
{
	img[DESC + 3] = 'X';
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_SIGNATURE, NOSEC, DESC);
}
END_TEST

START_TEST(rule_descriptor_truncated)
{
	ti_put32(img, DESC + 4, SZ - DESC + 1);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_DESCRIPTOR_TRUNCATED, NOSEC, DESC + 4);
	ti_put32(img, DESC + 4, UINT32_MAX);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_DESCRIPTOR_TRUNCATED, NOSEC, DESC + 4);
}
END_TEST

START_TEST(rule_version)
{
	ti_put32(img, DESC + 8, 2);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_VERSION, NOSEC, DESC + 8);
	ti_put32(img, DESC + 8, 0);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_VERSION, NOSEC, DESC + 8);
}
END_TEST

START_TEST(rule_section_count)
{
	ti_put32(img, DESC + 12, 1);
	ti_put32(img, DESC + 4, 16 + 32);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_SECTION_COUNT, NOSEC, DESC + 12);
	ti_put32(img, DESC + 12, 0);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_SECTION_COUNT, NOSEC, DESC + 12);
}
END_TEST

START_TEST(rule_descriptor_length)
{
	ti_put32(img, DESC + 4, 16 + 32 * 7);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_DESCRIPTOR_LENGTH, NOSEC, DESC + 4);
	/* a huge count must not wrap into a match */
	ti_put32(img, DESC + 4, 16 + 32 * 6);
	ti_put32(img, DESC + 12, 0x80000000u + 6);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_DESCRIPTOR_LENGTH, NOSEC, DESC + 4);
	ti_put32(img, DESC + 12, UINT32_MAX);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_DESCRIPTOR_LENGTH, NOSEC, DESC + 4);
}
END_TEST

START_TEST(rule_metadata_guid_warning)
{
	img[DESC - 1] ^= 1;
	expect_warning(TDX_TDVF_W_METADATA_GUID, NOSEC, DESC - 16);
}
END_TEST

/* ---- per-section rules ------------------------------------------------ */

START_TEST(rule_section_type)
{
	set_sec32(3, 24, 7);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_SECTION_TYPE, 3, TI_SEC(DESC, 3, 24));
	set_sec32(3, 24, UINT32_MAX);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_SECTION_TYPE, 3, TI_SEC(DESC, 3, 24));
}
END_TEST

START_TEST(rule_attr_reserved)
{
	set_sec32(2, 28, 1u << 2);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_ATTR_RESERVED, 2, TI_SEC(DESC, 2, 28));
	set_sec32(2, 28, 1u << 31);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_ATTR_RESERVED, 2, TI_SEC(DESC, 2, 28));
}
END_TEST

START_TEST(rule_mem_size_zero)
{
	set_sec64(4, 16, 0);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_MEM_SIZE_ZERO, 4, TI_SEC(DESC, 4, 16));
}
END_TEST

START_TEST(rule_mem_addr_align)
{
	set_sec64(5, 8, 0x800800);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_MEM_ADDR_ALIGN, 5, TI_SEC(DESC, 5, 8));
}
END_TEST

START_TEST(rule_mem_size_align)
{
	set_sec64(5, 16, 0x6001);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_MEM_SIZE_ALIGN, 5, TI_SEC(DESC, 5, 16));
}
END_TEST

START_TEST(rule_raw_gt_mem)
{
	set_sec32(0, 4, 0x2000);	/* CFV raw 0x2000, mem 0x1000 */
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_RAW_GT_MEM, 0, TI_SEC(DESC, 0, 4));
}
END_TEST

START_TEST(rule_gpa_wrap)
{
	set_sec64(2, 8, 0xfffffffffffff000ull);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_GPA_WRAP, 2, TI_SEC(DESC, 2, 8));
}
END_TEST

START_TEST(rule_gpa_shared)
{
	struct tdx_tdvf_opts o = TDX_OPTS(tdx_tdvf_opts);
	struct tdx_tdvf *t;
	struct tdx_tdvf_diag d;

	set_sec64(2, 8, (1ull << 47) - 0x8000);	/* ends 0x8000 above 2^47 */
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_GPA_SHARED, 2, TI_SEC(DESC, 2, 8));
	/* GPAW 52 moves the shared bit to 51 */
	o.gpaw = 52;
	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, &o, &d, &t), 0);
	tdx_tdvf_free(t);
	set_sec64(2, 8, 1ull << 51);
	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, &o, &d, &t), -EINVAL);
	ck_assert_int_eq(d.code, TDX_TDVF_E_GPA_SHARED);
	/* ending exactly at 2^47 is fine */
	set_sec64(2, 8, (1ull << 47) - 0x10000);
	expect_ok(0);
}
END_TEST

START_TEST(rule_raw_size_zero)
{
	set_sec32(0, 4, 0);	/* CFV without data */
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_RAW_SIZE_ZERO, 0, TI_SEC(DESC, 0, 4));
}
END_TEST

START_TEST(rule_raw_not_empty)
{
	set_sec32(4, 4, 0x1000);	/* TD_HOB with data */
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_RAW_NOT_EMPTY, 4, TI_SEC(DESC, 4, 4));
	set_sec32(4, 4, 0);
	set_sec32(5, 4, 0x1000);	/* TempMem with data */
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_RAW_NOT_EMPTY, 5, TI_SEC(DESC, 5, 4));
}
END_TEST

START_TEST(rule_raw_out_of_file)
{
	set_sec32(0, 0, SZ - 0x800);	/* CFV data runs 0x800 past the end */
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_RAW_OUT_OF_FILE, 0, TI_SEC(DESC, 0, 0));
	set_sec32(0, 0, 0xfffff000u);	/* would wrap in 32 bits */
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_RAW_OUT_OF_FILE, 0, TI_SEC(DESC, 0, 0));
	/* a Payload's raw data is checked too */
	set_sec32(0, 0, 0);
	set_sec32(2, 24, TDX_TDVF_SECTION_PAYLOAD);
	set_sec32(2, 0, 0x8000);
	set_sec32(2, 4, 0x9000);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_RAW_OUT_OF_FILE, 2, TI_SEC(DESC, 2, 0));
}
END_TEST

START_TEST(rule_data_align)
{
	set_sec32(0, 0, 0x800);
	set_sec32(0, 4, 0x800);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_DATA_ALIGN, 0, TI_SEC(DESC, 0, 0));
}
END_TEST

START_TEST(rule_mem_out_of_file)
{
	set_sec32(0, 0, SZ - 0x1000);	/* raw fits, memory size does not */
	set_sec64(0, 16, 0x2000);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_MEM_OUT_OF_FILE, 0, TI_SEC(DESC, 0, 16));
}
END_TEST

START_TEST(rule_bfv_no_mr_extend)
{
	set_sec32(1, 28, 0);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_BFV_NO_MR_EXTEND, 1, TI_SEC(DESC, 1, 28));
}
END_TEST

START_TEST(rule_page_aug_not_permmem)
{
	set_sec32(3, 28, TDX_TDVF_ATTR_PAGE_AUG);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_PAGE_AUG_NOT_PERMMEM, 3, TI_SEC(DESC, 3, 28));
	set_sec32(3, 28, 0);
	set_sec32(1, 28, TDX_TDVF_ATTR_PAGE_AUG | TDX_TDVF_ATTR_MR_EXTEND);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_PAGE_AUG_NOT_PERMMEM, 1, TI_SEC(DESC, 1, 28));
}
END_TEST

START_TEST(rule_permmem_attr)
{
	set_sec32(2, 24, TDX_TDVF_SECTION_PERM_MEM);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_PERMMEM_ATTR, 2, TI_SEC(DESC, 2, 28));
	set_sec32(2, 28, TDX_TDVF_ATTR_PAGE_AUG | TDX_TDVF_ATTR_MR_EXTEND);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_PERMMEM_ATTR, 2, TI_SEC(DESC, 2, 28));
}
END_TEST

START_TEST(permmem_ok)
{
	struct tdx_tdvf *t;
	struct tdx_tdvf_section s;

	set_sec32(2, 24, TDX_TDVF_SECTION_PERM_MEM);
	set_sec32(2, 28, TDX_TDVF_ATTR_PAGE_AUG);
	ck_assert_int_eq(tdx_tdvf_parse(img, SZ, NULL, NULL, &t), 0);
	tdx_tdvf_get_section(t, 2, &s);
	ck_assert(s.page_aug);
	ck_assert(!s.measured);
	tdx_tdvf_free(t);
	/* with PermMem the TD_HOB may go */
	set_sec32(4, 24, TDX_TDVF_SECTION_TEMP_MEM);
	expect_ok(TDX_TDVF_STRICT);
}
END_TEST

/* ---- across sections -------------------------------------------------- */

START_TEST(rule_overlap)
{
	/* TempMem #3 moved onto the TD_HOB (#4): the later one is reported */
	set_sec64(3, 8, 0x80a000);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_OVERLAP, 4, TI_SEC(DESC, 4, 8));
	/* same base */
	set_sec64(3, 8, 0x809000);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_OVERLAP, 4, TI_SEC(DESC, 4, 8));
	/* a big one that swallows others */
	set_sec64(3, 8, 0x80b000);
	set_sec64(5, 16, 0x100000);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_OVERLAP, 5, TI_SEC(DESC, 5, 8));
	/* touching is fine */
	set_sec64(5, 16, 0x6000);
	set_sec64(3, 8, 0x80d000);
	set_sec64(3, 16, 0x3000);
	expect_ok(TDX_TDVF_STRICT);
}
END_TEST

START_TEST(rule_td_hob_duplicate)
{
	set_sec32(5, 24, TDX_TDVF_SECTION_TD_HOB);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_TD_HOB_DUPLICATE, 5, TI_SEC(DESC, 5, 24));
}
END_TEST

START_TEST(rule_no_td_hob)
{
	set_sec32(4, 24, TDX_TDVF_SECTION_TEMP_MEM);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_NO_TD_HOB, NOSEC, DESC);
}
END_TEST

START_TEST(rule_payload_duplicate)
{
	set_sec32(2, 24, TDX_TDVF_SECTION_PAYLOAD);
	set_sec32(3, 24, TDX_TDVF_SECTION_PAYLOAD);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_PAYLOAD_DUPLICATE, 3, TI_SEC(DESC, 3, 24));
}
END_TEST

START_TEST(rule_payload_param_duplicate)
{
	set_sec32(2, 24, TDX_TDVF_SECTION_PAYLOAD);
	set_sec32(3, 24, TDX_TDVF_SECTION_PAYLOAD_PARAM);
	set_sec32(5, 24, TDX_TDVF_SECTION_PAYLOAD_PARAM);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_PAYLOAD_PARAM_DUPLICATE, 5, TI_SEC(DESC, 5, 24));
}
END_TEST

START_TEST(rule_payload_param_alone)
{
	set_sec32(3, 24, TDX_TDVF_SECTION_PAYLOAD_PARAM);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_PAYLOAD_PARAM_ALONE, 3, TI_SEC(DESC, 3, 24));
	/* with a Payload it is fine */
	set_sec32(2, 24, TDX_TDVF_SECTION_PAYLOAD);
	expect_ok(TDX_TDVF_STRICT);
}
END_TEST

START_TEST(rule_no_bfv)
{
	set_sec32(1, 24, TDX_TDVF_SECTION_CFV);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_NO_BFV, NOSEC, DESC);
}
END_TEST

START_TEST(rule_reset_vector)
{
	/* the BFV stops one page short of 4 GiB */
	set_sec32(1, 4, SZ - 0x2000);
	set_sec64(1, 16, SZ - 0x2000);
	EXPECT_FAIL(-EINVAL, TDX_TDVF_E_RESET_VECTOR, NOSEC, DESC);
}
END_TEST

/* ---- warnings ---------------------------------------------------------- */

START_TEST(warn_data_offset)
{
	set_sec32(3, 0, 0x100);
	expect_warning(TDX_TDVF_W_DATA_OFFSET, 3, TI_SEC(DESC, 3, 0));
}
END_TEST

START_TEST(warn_mem_gt_raw)
{
	set_sec32(0, 4, 0x800);
	expect_warning(TDX_TDVF_W_MEM_GT_RAW, 0, TI_SEC(DESC, 0, 16));
}
END_TEST

START_TEST(warn_mr_extend)
{
	set_sec32(4, 28, TDX_TDVF_ATTR_MR_EXTEND);
	expect_warning(TDX_TDVF_W_MR_EXTEND, 4, TI_SEC(DESC, 4, 28));
}
END_TEST

START_TEST(warn_flash_placement)
{
	set_sec64(0, 8, 0xfff00000);
	expect_warning(TDX_TDVF_W_FLASH_PLACEMENT, 0, TI_SEC(DESC, 0, 8));
}
END_TEST

/* ---- robustness -------------------------------------------------------- */

/* Every byte of the metadata and table, set to a few values: never a crash,
 * only 0, -EINVAL or -ENOMSG, and the diag always names a known code. */
START_TEST(mutate_metadata_bytes)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
	uint8_t *work = malloc(SZ);
	size_t regions[][2] = {
		{ DESC - 16, DESC + 16 + 32 * 6 },
		{ TI_TABLE_START(SZ), SZ - 0x20 },
	};

	for (size_t g = 0; g < 2; g++) {
		for (size_t pos = regions[g][0]; pos < regions[g][1]; pos++) {
			for (size_t v = 0; v < sizeof(vals); v++) {
				struct tdx_tdvf *t = NULL;
				struct tdx_tdvf_diag d;
				int r;

				memcpy(work, img, SZ);
				work[pos] = vals[v];
				r = parse_flags(work, SZ, TDX_TDVF_ALLOW_LEGACY, &d, &t);
				ck_assert_msg(r == 0 || r == -EINVAL || r == -ENOMSG,
					      "pos 0x%zx r=%d", pos, r);
				ck_assert_ptr_nonnull(tdx_tdvf_code_name(d.code));
				ck_assert_int_eq(d.err, r);
				tdx_tdvf_free(t);
			}
		}
	}
	free(work);
}
END_TEST

/* Every truncation of a small image (the footer moves; nothing is read
 * outside the given length: run under ASan/valgrind to prove it). */
START_TEST(truncations)
{
	const size_t sz = 0x2000;
	struct ti_config cfg = { .size = sz };
	uint8_t *b = malloc(sz);

	ti_build(b, &cfg);
	for (size_t len = 0; len <= sz; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		struct tdx_tdvf *t = NULL;
		int r;

		memcpy(copy, b, len);
		r = parse_flags(copy, len, TDX_TDVF_ALLOW_LEGACY, NULL, &t);
		ck_assert_int_eq(r, len == sz ? 0 : (len < 0x1000 ? -EINVAL : r));
		tdx_tdvf_free(t);
		free(copy);
	}
	free(b);
}
END_TEST

static Suite *tdvf_suite(void)
{
	Suite *s = suite_create("tdvf");
	TCase *tc = tcase_create("real");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ovmf_fd_sections);
	tcase_add_test(tc, ovmf_code_4m_rejected);
	tcase_add_test(tc, open_errors);
	tcase_add_test(tc, open_snapshots_the_file_by_default);
	tcase_add_test(tc, open_refuses_a_fifo_without_blocking);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, synthetic_ok);
	tcase_add_test(tc, arguments);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rule_image_size);
	tcase_add_test(tc, rule_image_size_align_warning);
	tcase_add_test(tc, rule_no_footer);
	tcase_add_test(tc, rule_table_length_short);
	tcase_add_test(tc, rule_table_length_long);
	tcase_add_test(tc, rule_entry_length_short);
	tcase_add_test(tc, rule_entry_length_long);
	tcase_add_test(tc, rule_entry_length_stray_bytes);
	tcase_add_test(tc, rule_no_tdx_entry);
	tcase_add_test(tc, rule_tdx_entry_duplicate);
	tcase_add_test(tc, rule_tdx_entry_size);
	tcase_add_test(tc, rule_metadata_offset);
	tcase_add_test(tc, legacy_only_with_flag);
	tcase_add_test(tc, legacy_not_used_with_table);
	tcase_add_test(tc, legacy_offset);
	suite_add_tcase(s, tc);

	tc = tcase_create("descriptor");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rule_signature);
	tcase_add_test(tc, rule_descriptor_truncated);
	tcase_add_test(tc, rule_version);
	tcase_add_test(tc, rule_section_count);
	tcase_add_test(tc, rule_descriptor_length);
	tcase_add_test(tc, rule_metadata_guid_warning);
	suite_add_tcase(s, tc);

	tc = tcase_create("section");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rule_section_type);
	tcase_add_test(tc, rule_attr_reserved);
	tcase_add_test(tc, rule_mem_size_zero);
	tcase_add_test(tc, rule_mem_addr_align);
	tcase_add_test(tc, rule_mem_size_align);
	tcase_add_test(tc, rule_raw_gt_mem);
	tcase_add_test(tc, rule_gpa_wrap);
	tcase_add_test(tc, rule_gpa_shared);
	tcase_add_test(tc, rule_raw_size_zero);
	tcase_add_test(tc, rule_raw_not_empty);
	tcase_add_test(tc, rule_raw_out_of_file);
	tcase_add_test(tc, rule_data_align);
	tcase_add_test(tc, rule_mem_out_of_file);
	tcase_add_test(tc, rule_bfv_no_mr_extend);
	tcase_add_test(tc, rule_page_aug_not_permmem);
	tcase_add_test(tc, rule_permmem_attr);
	tcase_add_test(tc, permmem_ok);
	suite_add_tcase(s, tc);

	tc = tcase_create("cross");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rule_overlap);
	tcase_add_test(tc, rule_td_hob_duplicate);
	tcase_add_test(tc, rule_no_td_hob);
	tcase_add_test(tc, rule_payload_duplicate);
	tcase_add_test(tc, rule_payload_param_duplicate);
	tcase_add_test(tc, rule_payload_param_alone);
	tcase_add_test(tc, rule_no_bfv);
	tcase_add_test(tc, rule_reset_vector);
	suite_add_tcase(s, tc);

	tc = tcase_create("warnings");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, warn_data_offset);
	tcase_add_test(tc, warn_mem_gt_raw);
	tcase_add_test(tc, warn_mr_extend);
	tcase_add_test(tc, warn_flash_placement);
	suite_add_tcase(s, tc);

	tc = tcase_create("robustness");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, mutate_metadata_bytes);
	tcase_add_test(tc, truncations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tdvf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
