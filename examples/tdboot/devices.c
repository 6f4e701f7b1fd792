/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "devices.h"

#define COM1		0x3f8
#define DEBUGCON	0x402
#define PCI_ADDR	0xcf8
#define PCI_DATA	0xcfc
#define FWCFG_SEL	0x510
#define FWCFG_DATA	0x511

#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID	 0x0001
#define FW_CFG_FILE_DIR	 0x0019

#define UART_LCR_DLAB	0x80
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40

void devices_init(struct devices *d, FILE *serial_out, FILE *debug_out)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->serial_out = serial_out;
	d->debug_out = debug_out;
}

void devices_destroy(struct devices *d)
{
	pthread_mutex_destroy(&d->lock);
}

static void count_unhandled(struct devices *d, bool mmio, uint64_t addr)
{
	size_t i;

	d->unhandled_total++;
	for (i = 0; i < d->n_unhandled; i++)
		if (d->unhandled[i].mmio == mmio && d->unhandled[i].addr == addr) {
			d->unhandled[i].count++;
			return;
		}
	if (d->n_unhandled == DEV_MAX_UNHANDLED) {
		d->unhandled_overflow = true;
		return;
	}
	d->unhandled[d->n_unhandled++] = (struct dev_unhandled){ mmio, addr, 1 };
}

/* COM1 register at offset off (0-7); returns the byte read. */
static uint8_t uart(struct devices *d, unsigned int off, bool is_write, uint8_t v)
{
	bool dlab = d->lcr & UART_LCR_DLAB;

	switch (off) {
	case 0:
		if (dlab) {
			if (is_write)
				d->dll = v;
			return d->dll;
		}
		if (is_write) {
			d->serial_bytes++;
			if (d->serial_out) {
				fputc(v, d->serial_out);
				if (v == '\n')
					fflush(d->serial_out);
			}
		}
		return 0;	/* no input */
	case 1:
		if (dlab) {
			if (is_write)
				d->dlm = v;
			return d->dlm;
		}
		if (is_write)
			d->ier = v & 0x0f;
		return d->ier;
	case 2:
		return 0x01;	/* IIR: no interrupt pending */
	case 3:
		if (is_write)
			d->lcr = v;
		return d->lcr;
	case 4:
		if (is_write)
			d->mcr = v & 0x1f;
		return d->mcr;
	case 5:
		return UART_LSR_THRE | UART_LSR_TEMT;	/* always ready to send */
	case 6:
		return 0xb0;	/* MSR: CTS, DSR, DCD */
	default:
		if (is_write)
			d->scr = v;
		return d->scr;
	}
}

static uint8_t fwcfg_byte(struct devices *d)
{
	static const char sig[4] = { 'Q', 'E', 'M', 'U' };
	uint32_t off = d->fw_off++;

	switch (d->fw_sel) {
	case FW_CFG_SIGNATURE:
		return off < 4 ? (uint8_t)sig[off] : 0;
	case FW_CFG_ID:
		return off == 0 ? 1 : 0;	/* traditional interface, no DMA */
	case FW_CFG_FILE_DIR:
		return 0;			/* big-endian count 0: no files */
	default:
		return 0;
	}
}

void devices_io(struct devices *d, uint16_t port, bool is_write,
		uint8_t *data, unsigned int size)
{
	unsigned int i;

	if (size != 1 && size != 2 && size != 4)
		size = 1;
	pthread_mutex_lock(&d->lock);
	d->io_exits++;
	if (port >= COM1 && port < COM1 + 8 && size == 1) {
		data[0] = uart(d, port - COM1, is_write, data[0]);
	} else if (port == DEBUGCON && size == 1) {
		if (is_write) {
			d->debug_bytes++;
			if (d->debug_out)
				fputc(data[0], d->debug_out);
		} else {
			data[0] = 0xe9;		/* debugcon presence answer */
		}
	} else if (port == PCI_ADDR && size == 4) {
		if (is_write)
			memcpy(&d->pci_addr, data, 4);
		else
			memcpy(data, &d->pci_addr, 4);
	} else if (port >= PCI_DATA && port < PCI_DATA + 4) {
		if (!is_write)
			memset(data, 0xff, size);	/* no device on the bus */
	} else if (port == FWCFG_SEL && size == 2) {
		if (is_write) {
			memcpy(&d->fw_sel, data, 2);
			d->fw_off = 0;
		} else {
			memcpy(data, &d->fw_sel, 2);
		}
	} else if (port == FWCFG_DATA && size == 1) {
		if (!is_write)
			data[0] = fwcfg_byte(d);
	} else {
		count_unhandled(d, false, port);
		if (!is_write)
			for (i = 0; i < size; i++)
				data[i] = 0xff;
	}
	pthread_mutex_unlock(&d->lock);
}

void devices_mmio(struct devices *d, uint64_t gpa, bool is_write,
		  uint8_t *data, unsigned int len)
{
	pthread_mutex_lock(&d->lock);
	d->mmio_exits++;
	count_unhandled(d, true, gpa);
	if (!is_write)
		memset(data, 0xff, len > 8 ? 8 : len);
	pthread_mutex_unlock(&d->lock);
}
