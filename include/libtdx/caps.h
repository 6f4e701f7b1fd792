/* SPDX-License-Identifier: MIT */
/**
 * DOC: caps - TDX capabilities, TD attribute/XFAM names, configuration checks
 *
 * KVM reports what a TD may use through KVM_TDX_CAPABILITIES: the TD
 * attributes and XFAM (extended feature) bits it supports, and the CPUID
 * leaves whose bits the VMM may configure.  struct tdx_caps is the decoded,
 * immutable form.  struct tdx_td_config is what a VMM asks for; the check
 * functions compare one with the other, and with what KVM itself accepts,
 * before any ioctl is issued.
 */
#ifndef LIBTDX_CAPS_H
#define LIBTDX_CAPS_H

#include <libtdx/common.h>
#include <libtdx/digest.h>

#ifdef __cplusplus
extern "C" {
#endif

/* TD attribute bits (TD_PARAMS.ATTRIBUTES). */
#define TDX_ATTR_DEBUG			(1ULL << 0)
#define TDX_ATTR_HGS_PLUS_PROF		(1ULL << 4)
#define TDX_ATTR_PERF_PROF		(1ULL << 5)
#define TDX_ATTR_PMT_PROF		(1ULL << 6)
#define TDX_ATTR_ICSSD			(1ULL << 16)
#define TDX_ATTR_LASS			(1ULL << 27)
#define TDX_ATTR_SEPT_VE_DISABLE	(1ULL << 28)
#define TDX_ATTR_MIGRATABLE		(1ULL << 29)
#define TDX_ATTR_PKS			(1ULL << 30)
#define TDX_ATTR_KL			(1ULL << 31)
#define TDX_ATTR_TPA			(1ULL << 62)
#define TDX_ATTR_PERFMON		(1ULL << 63)
/** TDX_ATTR_KVM_SUPPORTED - the only attributes upstream KVM accepts. */
#define TDX_ATTR_KVM_SUPPORTED		TDX_ATTR_SEPT_VE_DISABLE

/* XFAM bits (XCR0/XSS components a TD may use). */
#define TDX_XFAM_X87			(1ULL << 0)
#define TDX_XFAM_SSE			(1ULL << 1)
#define TDX_XFAM_AVX			(1ULL << 2)
#define TDX_XFAM_MPX_BNDREGS		(1ULL << 3)
#define TDX_XFAM_MPX_BNDCSR		(1ULL << 4)
#define TDX_XFAM_AVX512_OPMASK		(1ULL << 5)
#define TDX_XFAM_AVX512_ZMM_HI256	(1ULL << 6)
#define TDX_XFAM_AVX512_HI16_ZMM	(1ULL << 7)
#define TDX_XFAM_PT			(1ULL << 8)
#define TDX_XFAM_PKRU			(1ULL << 9)
#define TDX_XFAM_PASID			(1ULL << 10)
#define TDX_XFAM_CET_U			(1ULL << 11)
#define TDX_XFAM_CET_S			(1ULL << 12)
#define TDX_XFAM_HDC			(1ULL << 13)
#define TDX_XFAM_ULI			(1ULL << 14)
#define TDX_XFAM_LBR			(1ULL << 15)
#define TDX_XFAM_HWP			(1ULL << 16)
#define TDX_XFAM_AMX_TILECFG		(1ULL << 17)
#define TDX_XFAM_AMX_TILEDATA		(1ULL << 18)
#define TDX_XFAM_APX			(1ULL << 19)
/* Groups the module requires to be all-or-nothing. */
#define TDX_XFAM_MPX	(TDX_XFAM_MPX_BNDREGS | TDX_XFAM_MPX_BNDCSR)
#define TDX_XFAM_AVX512	(TDX_XFAM_AVX512_OPMASK | TDX_XFAM_AVX512_ZMM_HI256 | TDX_XFAM_AVX512_HI16_ZMM)
#define TDX_XFAM_CET	(TDX_XFAM_CET_U | TDX_XFAM_CET_S)
#define TDX_XFAM_AMX	(TDX_XFAM_AMX_TILECFG | TDX_XFAM_AMX_TILEDATA)
/**
 * TDX_XFAM_DEFAULT - what libtdx asks for when a config leaves xfam at 0:
 * x87, SSE, AVX, AVX-512, PKRU and AMX, intersected with the supported
 * XFAM (tdx_caps_get_default_xfam()).  Never a silent 0 that disables AVX.
 */
#define TDX_XFAM_DEFAULT (TDX_XFAM_X87 | TDX_XFAM_SSE | TDX_XFAM_AVX | \
			  TDX_XFAM_AVX512 | TDX_XFAM_PKRU | TDX_XFAM_AMX)

/** TDX_CPUID_FLAG_INDEXED - the entry's index (sub-leaf) is significant. */
#define TDX_CPUID_FLAG_INDEXED 0x1u

/** struct tdx_cpuid_entry - one CPUID leaf/sub-leaf (libtdx's own type). */
struct tdx_cpuid_entry {
	uint32_t function;
	uint32_t index;
	uint32_t flags;		/* TDX_CPUID_FLAG_* */
	uint32_t eax, ebx, ecx, edx;
};

/** struct tdx_tdvmcallinfo - GetTdVmCallInfo leaf-1 words KVM reports. */
struct tdx_tdvmcallinfo {
	uint64_t kernel_r11, user_r11;	/* user_r11 bit 1: SetupEventNotifyInterrupt */
	uint64_t kernel_r12, user_r12;
};

/* ---- name tables ---------------------------------------------------- */

/** tdx_attr_name() - "sept-ve-disable" for bit 28, ...; NULL for an unnamed bit. */
const char *tdx_attr_name(unsigned int bit);
/** tdx_xfam_name() - "avx" for bit 2, "avx512-opmask" for 5, ...; NULL if unnamed. */
const char *tdx_xfam_name(unsigned int bit);
/**
 * tdx_attrs_parse() - parse "sept-ve-disable,perfmon" (names, case- and
 * '_'/'-'-insensitive; or a single hex/decimal number) into a mask.
 * @ret_bad: optional; on -EINVAL, the offset of the offending word.
 *
 * Return: 0, -EINVAL (unknown name, empty word, bad number).
 */
int tdx_attrs_parse(const char *str, uint64_t *ret_mask, size_t *ret_bad);
/**
 * tdx_xfam_parse() - like tdx_attrs_parse() for XFAM; also accepts the
 * group names "avx512", "mpx", "cet", "amx".
 */
int tdx_xfam_parse(const char *str, uint64_t *ret_mask, size_t *ret_bad);
/**
 * tdx_attrs_format() - "sept-ve-disable,perfmon"; unnamed bits as "bit62";
 * 0 as "none".  Like snprintf: returns the length needed (buf may be NULL
 * when size is 0), or -EINVAL.
 */
int tdx_attrs_format(uint64_t mask, char *buf, size_t size);
/** tdx_xfam_format() - like tdx_attrs_format(); uses group names when a whole group is set. */
int tdx_xfam_format(uint64_t mask, char *buf, size_t size);

/* ---- capabilities --------------------------------------------------- */

/** struct tdx_caps - decoded KVM_TDX_CAPABILITIES (immutable once made). */
struct tdx_caps;

/**
 * tdx_caps_query() - a copy of the context's capabilities (free it with
 * tdx_caps_free()).  Asked once per context: the first call (or the first
 * tdx_vm_new(), on its TD VM) creates a throwaway TD VM, issues
 * KVM_TDX_CAPABILITIES (growing the CPUID array on -E2BIG) and decodes the
 * answer; later calls and VMs of the context reuse it without an ioctl.
 *
 * Return: 0; -ENOTTY/-EINVAL if the host has no TDX VM type; errors from
 * open(2) and the ioctls; -ENOMEM.  Detail in tdx_ctx_get_last_error().
 */
int tdx_caps_query(struct tdx_ctx *ctx, struct tdx_caps **ret_caps);
/**
 * tdx_caps_new_from_values() - build caps from values (tests, offline tools,
 * replaying a capture).  Entries are copied.
 *
 * Return: 0, -EINVAL (NULL with a non-zero count, more than 256 entries,
 * duplicate leaf/sub-leaf), -ENOMEM.
 */
int tdx_caps_new_from_values(uint64_t supported_attrs, uint64_t supported_xfam,
			     const struct tdx_tdvmcallinfo *info,
			     const struct tdx_cpuid_entry *cpuid, size_t cpuid_count,
			     struct tdx_caps **ret_caps);
/** tdx_caps_free() - free (NULL is fine). */
void tdx_caps_free(struct tdx_caps *caps);
/** tdx_caps_get_supported_attrs() - the TD attributes the TDX module supports (TDX_ATTR_* bits); 0 for NULL. */
uint64_t tdx_caps_get_supported_attrs(const struct tdx_caps *caps);
/** tdx_caps_get_supported_xfam() - the XFAM bits the TDX module supports (TDX_XFAM_* bits); 0 for NULL. */
uint64_t tdx_caps_get_supported_xfam(const struct tdx_caps *caps);
/** tdx_caps_get_default_xfam() - TDX_XFAM_DEFAULT & supported XFAM. */
uint64_t tdx_caps_get_default_xfam(const struct tdx_caps *caps);
/**
 * tdx_caps_get_default_attrs() - the attributes libtdx asks for when a
 * configuration leaves them at 0: TDX_ATTR_SEPT_VE_DISABLE when the TD
 * may set it (supported attributes), else 0.  QEMU's default too.
 */
uint64_t tdx_caps_get_default_attrs(const struct tdx_caps *caps);
/**
 * tdx_caps_get_tdvmcallinfo() - copy the kernel's GetTdVmCallInfo words to @ret
 * (all zero for a NULL @caps; nothing happens for a NULL @ret).
 */
void tdx_caps_get_tdvmcallinfo(const struct tdx_caps *caps, struct tdx_tdvmcallinfo *ret);
/** tdx_caps_cpuid_count() - number of configurable CPUID leaves/sub-leaves. */
size_t tdx_caps_cpuid_count(const struct tdx_caps *caps);
/**
 * tdx_caps_get_cpuid() - configurable entry @i: the register values are
 * masks of the bits the VMM may set.  Return: 0 or -ERANGE.
 */
int tdx_caps_get_cpuid(const struct tdx_caps *caps, size_t i,
		       struct tdx_cpuid_entry *ret_entry);
/**
 * tdx_caps_find_cpuid() - the configurable entry for a leaf/sub-leaf.
 * Return: 0 or -ENOENT (the leaf is not configurable).
 */
int tdx_caps_find_cpuid(const struct tdx_caps *caps, uint32_t function,
			uint32_t index, struct tdx_cpuid_entry *ret_entry);

/* ---- TD configuration ----------------------------------------------- */

/**
 * struct tdx_td_config - what a VMM asks for in KVM_TDX_INIT_VM.
 * Declare with TDX_OPTS(tdx_td_config); zero fields mean "default".
 * @sz: sizeof(struct tdx_td_config), set by TDX_OPTS()
 * @attributes: TDX_ATTR_* bits; 0 means tdx_caps_get_default_attrs()
 *   (SEPT_VE_DISABLE where the TD may set it) unless @flags has
 *   TDX_TD_CONFIG_EXACT_ATTRIBUTES
 * @xfam: TDX_XFAM_* bits, x87 and SSE always included; 0 means
 *   tdx_caps_get_default_xfam()
 * @gpaw: guest physical address width, 48 or 52 (0 = 48); 52 needs 5-level EPT
 * @tsc_khz: TD TSC frequency; 0 = host.  100 MHz..10 GHz, multiple of 25 MHz
 * @cpuid: CPUID leaves to configure; each entry replaces libtdx's default
 *   for that leaf/sub-leaf.  Default for a leaf not given: the host's
 *   values (KVM_GET_SUPPORTED_CPUID) within the configurable bits, 0 for a
 *   leaf KVM does not report; leaf 1 EAX = 0 (the platform's
 *   family/model/stepping, which the TDX module accepts on any host); the
 *   topology of @vcpus vCPUs in leaf 1 EBX[23:16] and EDX.HTT, leaf 4
 *   EAX[31:14] and leaf 0x1F (0xB if configurable); TSX and WAITPKG are
 *   never set (KVM refuses them)
 * @cpuid_count: entries in @cpuid
 * @mrconfigid, @mrowner, @mrownerconfig: 48-byte values measured into the
 *   TD report (see tdx_digest_parse())
 * @flags: TDX_TD_CONFIG_* bits
 * @vcpus: how many vCPUs the TD gets, for the CPUID topology the defaults
 *   describe (one package, one thread per core: leaf 1 EBX[23:16] and
 *   EDX.HTT, leaf 4 EAX[31:14], leaf 0x1F); tdx_vcpu_new() refuses more.
 *   0 = tdx_vm_get_max_vcpus()
 */
struct tdx_td_config {
	size_t sz;
	uint64_t attributes;
	uint64_t xfam;
	uint32_t gpaw;
	uint32_t tsc_khz;
	const struct tdx_cpuid_entry *cpuid;
	size_t cpuid_count;
	uint8_t mrconfigid[48];
	uint8_t mrowner[48];
	uint8_t mrownerconfig[48];
	uint32_t flags;
	uint32_t vcpus;
};

/**
 * TDX_TD_CONFIG_EXACT_ATTRIBUTES - use tdx_td_config.attributes as given,
 * 0 included.  Without it, attributes 0 means tdx_caps_get_default_attrs():
 * SEPT_VE_DISABLE where the TD may set it (a Linux guest panics without it
 * on a module lacking FLEXIBLE_PENDING_VE).
 */
#define TDX_TD_CONFIG_EXACT_ATTRIBUTES	(1u << 0)

/**
 * struct tdx_caps_check - the problems one tdx_caps_check_config() found
 * (opaque, immutable, owned by the caller).  Checking never changes the
 * caps, so borrowed caps (tdx_vm_get_caps()) can be checked too.
 */
struct tdx_caps_check;

/**
 * tdx_caps_check_config() - check a TD configuration before any ioctl.
 * @caps: the capabilities to check against (not changed)
 * @cfg: the configuration (NULL is a problem)
 * @ret_check: optional; receives every problem found (an empty list when
 *   there is none); free it with tdx_caps_check_free()
 *
 * Checks attributes (against the capabilities and against KVM, which only
 * accepts SEPT_VE_DISABLE), XFAM (supported bits and the module's group
 * rules: AVX-512 needs AVX and all three parts, CET_U = CET_S, AMX parts
 * together), GPAW, TSC, and each CPUID entry (configurable leaf, bits
 * within the configurable mask, no TSX/WAITPKG, no duplicates).  Records
 * nothing anywhere: the problems are the result.
 *
 * Return: the number of problems (0: the configuration is acceptable);
 * -EINVAL (NULL @caps); -ENOMEM.
 */
int tdx_caps_check_config(const struct tdx_caps *caps,
			  const struct tdx_td_config *cfg,
			  struct tdx_caps_check **ret_check);
/** tdx_caps_check_problem_count() - number of problems (0 for NULL). */
size_t tdx_caps_check_problem_count(const struct tdx_caps_check *check);
/** tdx_caps_check_get_problem() - problem @i as a sentence naming the bit/leaf, or NULL. */
const char *tdx_caps_check_get_problem(const struct tdx_caps_check *check, size_t i);
/** tdx_caps_check_free() - free (NULL is fine). */
void tdx_caps_check_free(struct tdx_caps_check *check);

#ifdef __cplusplus
}
#endif
#endif /* LIBTDX_CAPS_H */
