/* SPDX-License-Identifier: MIT */
#include "internal.h"
#include <libtdx/version.h>

TDX_EXPORT const char *tdx_version(void)
{
	return TDX_VERSION_STRING;
}
