/* SPDX-License-Identifier: MIT */
/*
 * Regenerates the seed corpus in tests/fuzz/corpus/tdvf/ (small synthetic
 * images).  Not run by the build; usage: gen-tdvf-corpus DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdvf-image.h"

#define S 0x2000

static int save(const char *dir, const char *name, const uint8_t *b, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wbe");
	if (!f || fwrite(b, 1, len, f) != len) {
		perror(path);
		return 1;
	}
	return fclose(f) != 0;
}

int main(int argc, char **argv)
{
	static uint8_t b[S];
	struct ti_config cfg = { .size = S };
	struct ti_section sec[8];
	size_t desc;
	int r = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	desc = ti_build(b, &cfg);
	r |= save(argv[1], "valid-8k", b, S);
	r |= save(argv[1], "truncated-100", b, 100);

	ti_put32(b, desc + 8, 2);
	r |= save(argv[1], "bad-version-8k", b, S);

	ti_build(b, &cfg);
	ti_put64(b, TI_SEC(desc, 3, 8), 0x80a000);
	r |= save(argv[1], "overlap-8k", b, S);

	cfg.no_footer = 1;
	cfg.legacy = 1;
	ti_build(b, &cfg);
	r |= save(argv[1], "legacy-8k", b, S);

	/* PermMem, Payload and PayloadParam, eight sections */
	ti_default_sections(S, sec);
	sec[2].type = 4;
	sec[2].attr = 2;
	sec[6] = (struct ti_section){ 0, 0, 0x1000000, 0x100000, 5, 1 };
	sec[7] = (struct ti_section){ 0, 0, 0x1100000, 0x1000, 6, 0 };
	memset(&cfg, 0, sizeof(cfg));
	cfg.size = S;
	cfg.sec = sec;
	cfg.nsec = 8;
	ti_build(b, &cfg);
	r |= save(argv[1], "payload-permmem-8k", b, S);
	return r;
}
