/* SPDX-License-Identifier: MIT */
/* libFuzzer entry point, shared by the real fuzzer and the replay main(). */
#ifndef LIBTDX_FUZZ_H
#define LIBTDX_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
