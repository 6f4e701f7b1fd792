/* SPDX-License-Identifier: MIT */
/**
 * DOC: libtdx - launch Intel TDX guests (Trust Domains) on Linux KVM
 *
 * Umbrella header.  See libtdx(7) for the launch walk-through and each
 * sub-header for its functions.  C99/C11 and C++ clean; exposes no kernel
 * structs, so it works with any kernel headers (or none).
 */
#ifndef LIBTDX_H
#define LIBTDX_H

#include <libtdx/version.h>
#include <libtdx/common.h>
#include <libtdx/status.h>
#include <libtdx/probe.h>
#include <libtdx/digest.h>
#include <libtdx/caps.h>
#include <libtdx/vm.h>
#include <libtdx/tdvf.h>
#include <libtdx/layout.h>
#include <libtdx/hob.h>
#include <libtdx/plan.h>
#include <libtdx/measure.h>
#include <libtdx/vcpu.h>
#include <libtdx/mem.h>
#include <libtdx/load.h>
#include <libtdx/attest.h>

#endif /* LIBTDX_H */
