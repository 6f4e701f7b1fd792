/* SPDX-License-Identifier: MIT */
/* tdboot's platform devices (examples/tdboot/devices.c). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "../../examples/tdboot/devices.h"

static uint8_t rd8(struct devices *d, uint16_t port)
{
	uint8_t v = 0x5a;

	devices_io(d, port, false, &v, 1);
	return v;
}

static void wr8(struct devices *d, uint16_t port, uint8_t v)
{
	devices_io(d, port, true, &v, 1);
}

START_TEST(serial_output_and_status)
{
	char buf[64] = "";
	FILE *out = fmemopen(buf, sizeof(buf), "w");
	struct devices d;

	devices_init(&d, out, NULL);
	ck_assert_uint_eq(rd8(&d, 0x3fd) & 0x60, 0x60);	/* THR empty */
	wr8(&d, 0x3f8, 'h');
	wr8(&d, 0x3f8, 'i');
	/* divisor latch: writes to 0x3f8 are not output while DLAB is set */
	wr8(&d, 0x3fb, 0x80);
	wr8(&d, 0x3f8, 0x01);
	ck_assert_uint_eq(rd8(&d, 0x3f8), 0x01);
	wr8(&d, 0x3fb, 0x03);
	wr8(&d, 0x3f8, '\n');
	fclose(out);
	ck_assert_str_eq(buf, "hi\n");
	ck_assert_uint_eq(d.serial_bytes, 3);
	ck_assert_uint_eq(d.unhandled_total, 0);
	devices_destroy(&d);
}
END_TEST

START_TEST(pci_has_no_devices)
{
	struct devices d;
	uint32_t addr = 0x80000000, v = 0;

	devices_init(&d, NULL, NULL);
	devices_io(&d, 0xcf8, true, (uint8_t *)&addr, 4);
	addr = 0;
	devices_io(&d, 0xcf8, false, (uint8_t *)&addr, 4);
	ck_assert_uint_eq(addr, 0x80000000);
	devices_io(&d, 0xcfc, false, (uint8_t *)&v, 4);
	ck_assert_uint_eq(v, 0xffffffff);
	devices_destroy(&d);
}
END_TEST

START_TEST(fw_cfg_signature_and_empty_dir)
{
	struct devices d;
	uint16_t sel = 0;
	char sig[5] = "";
	int i;

	devices_init(&d, NULL, NULL);
	devices_io(&d, 0x510, true, (uint8_t *)&sel, 2);
	for (i = 0; i < 4; i++)
		sig[i] = (char)rd8(&d, 0x511);
	ck_assert_str_eq(sig, "QEMU");
	sel = 0x19;	/* file directory */
	devices_io(&d, 0x510, true, (uint8_t *)&sel, 2);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(rd8(&d, 0x511), 0);
	devices_destroy(&d);
}
END_TEST

START_TEST(unknown_ports_and_mmio_are_counted)
{
	struct devices d;
	uint8_t b[4];

	devices_init(&d, NULL, NULL);
	ck_assert_uint_eq(rd8(&d, 0x70), 0xff);
	ck_assert_uint_eq(rd8(&d, 0x70), 0xff);
	wr8(&d, 0x80, 1);
	devices_mmio(&d, 0xfee00000, false, b, 4);
	ck_assert_uint_eq(b[0] & b[1] & b[2] & b[3], 0xff);
	ck_assert_uint_eq(d.unhandled_total, 4);
	ck_assert_uint_eq(d.n_unhandled, 3);
	ck_assert_uint_eq(d.unhandled[0].addr, 0x70);
	ck_assert_uint_eq(d.unhandled[0].count, 2);
	ck_assert(d.unhandled[2].mmio);
	devices_destroy(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tdboot-devices");
	TCase *tc = tcase_create("devices");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, serial_output_and_status);
	tcase_add_test(tc, pci_has_no_devices);
	tcase_add_test(tc, fw_cfg_signature_and_empty_dir);
	tcase_add_test(tc, unknown_ports_and_mmio_are_counted);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
