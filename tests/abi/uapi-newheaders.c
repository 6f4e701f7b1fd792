/* SPDX-License-Identifier: MIT */
/* Compiled with tests/abi/newheaders first on the include path: the private
 * kernel definitions must build (and their layout pins hold) when the
 * system headers already define everything. */
#include "uapi/kvm-tdx.h"

#ifndef LIBTDX_TEST_NEW_KVM_H
#error "the stand-in newer <linux/kvm.h> was not picked up"
#endif

int main(void)
{
	struct kvm_tdx_init_vm iv = { 0 };

	return (int)iv.attributes + KVM_TDX_INIT_VM - 1;
}
