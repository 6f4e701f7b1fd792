/* SPDX-License-Identifier: MIT */
/*
 * tdboot's platform devices: the few an early TDVF boot probes.
 *   0x3f8-0x3ff  16550 UART (COM1); transmitted bytes go to the output
 *   0x402        debug console (OVMF's DEBUG() output port)
 *   0xcf8/0xcfc  PCI configuration mechanism #1 answering "no device"
 *   0x510/0x511  fw_cfg (selector/data): signature "QEMU", empty file dir
 * Anything else reads as all-ones, ignores writes, and is counted.
 * Thread-safe: vCPU threads call in concurrently.
 */
#ifndef TDBOOT_DEVICES_H
#define TDBOOT_DEVICES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define DEV_MAX_UNHANDLED 64

struct dev_unhandled {
	bool mmio;
	uint64_t addr;
	uint64_t count;
};

struct devices {
	pthread_mutex_t lock;
	FILE *serial_out;		/* COM1 bytes */
	FILE *debug_out;		/* port 0x402 bytes (NULL = drop) */
	uint64_t serial_bytes, debug_bytes;
	/* 16550 state */
	uint8_t lcr, ier, mcr, scr, dll, dlm;
	/* PCI */
	uint32_t pci_addr;
	/* fw_cfg */
	uint16_t fw_sel;
	uint32_t fw_off;
	/* accounting */
	uint64_t io_exits, mmio_exits, unhandled_total;
	size_t n_unhandled;
	struct dev_unhandled unhandled[DEV_MAX_UNHANDLED];
	bool unhandled_overflow;
};

void devices_init(struct devices *d, FILE *serial_out, FILE *debug_out);
void devices_destroy(struct devices *d);
/* One port access of size 1, 2 or 4 bytes; data in/out. */
void devices_io(struct devices *d, uint16_t port, bool is_write,
		uint8_t *data, unsigned int size);
/* One MMIO access (no MMIO devices: all-ones, counted). */
void devices_mmio(struct devices *d, uint64_t gpa, bool is_write,
		  uint8_t *data, unsigned int len);

#endif
