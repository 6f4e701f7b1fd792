# libtdx API renames made before 0.1 (tdx_<module>_<verb>, getters tdx_<module>_get_<thing>).
# Apply to code written against the earlier names (GNU sed):
#   sed -E -i -f scripts/api-renames-0.1.sed FILE...
# Only calls are renamed: the structs named like old functions (struct
# tdx_plan_op, tdx_tdvf_section, tdx_mem_region_info, tdx_attest_stats)
# keep their names.
#
# Changes before 0.1 that are not renames (edit by hand):
# - tdx_caps_check_config(caps, cfg, &check) takes const caps and returns the
#   number of problems (0 = acceptable) or -errno; the problems are in the
#   caller-owned struct tdx_caps_check (tdx_caps_check_problem_count(),
#   tdx_caps_check_get_problem(), tdx_caps_check_free()).  The caps keep no
#   problem list and no error record (tdx_caps_problem_count(),
#   tdx_caps_problem(), tdx_caps_last_error() are gone); tdx_vm_init()
#   records the first problem on the VM.
# - tdx_vm_get_caps() returns const caps (never pass them to tdx_caps_free()).
# - tdx_tdvf_open() reads the file by default; TDX_TDVF_SNAPSHOT is gone,
#   TDX_TDVF_MAP maps it instead.
# - tdx_mem_new() records on the VM (was: the context); read
#   tdx_vm_get_last_error() after it fails.
# - Options structs gained explicit reserved members (must stay zero, as
#   TDX_OPTS() leaves them); struct tdx_vm_opts has kick_signal for the new
#   tdx_vcpu_kick().
# - tdx_mem_add_layout() is declared in mem.h, tdx_vm_type_name() in vm.h,
#   tdx_digest_parse() in digest.h (all included by <libtdx.h>).
s/\btdx_error_errno([[:space:]]*\()/tdx_error_get_errno\1/g
s/\btdx_error_step([[:space:]]*\()/tdx_error_get_step\1/g
s/\btdx_error_field([[:space:]]*\()/tdx_error_get_field\1/g
s/\btdx_error_bit([[:space:]]*\()/tdx_error_get_bit\1/g
s/\btdx_error_hw([[:space:]]*\()/tdx_error_get_hw\1/g
s/\btdx_error_message([[:space:]]*\()/tdx_error_get_message\1/g
s/\btdx_ctx_device([[:space:]]*\()/tdx_ctx_get_device\1/g
s/\btdx_ctx_last_error([[:space:]]*\()/tdx_ctx_get_last_error\1/g
s/\btdx_probe_supported([[:space:]]*\()/tdx_probe_is_supported\1/g
s/\btdx_probe_reason([[:space:]]*\()/tdx_probe_get_reason\1/g
s/\btdx_probe_hint([[:space:]]*\()/tdx_probe_get_hint\1/g
s/\btdx_probe_api_version([[:space:]]*\()/tdx_probe_get_api_version\1/g
s/\btdx_probe_vm_types([[:space:]]*\()/tdx_probe_get_vm_types\1/g
s/\btdx_probe_open_errno([[:space:]]*\()/tdx_probe_get_open_errno\1/g
s/\btdx_caps_from_values([[:space:]]*\()/tdx_caps_new_from_values\1/g
s/\btdx_caps_supported_attrs([[:space:]]*\()/tdx_caps_get_supported_attrs\1/g
s/\btdx_caps_supported_xfam([[:space:]]*\()/tdx_caps_get_supported_xfam\1/g
s/\btdx_caps_default_xfam([[:space:]]*\()/tdx_caps_get_default_xfam\1/g
s/\btdx_caps_tdvmcallinfo([[:space:]]*\()/tdx_caps_get_tdvmcallinfo\1/g
s/\btdx_caps_cpuid_get([[:space:]]*\()/tdx_caps_get_cpuid\1/g
s/\btdx_caps_cpuid_find([[:space:]]*\()/tdx_caps_find_cpuid\1/g
s/\btdx_caps_problem([[:space:]]*\()/tdx_caps_get_problem\1/g
s/\btdx_caps_last_error([[:space:]]*\()/tdx_caps_get_last_error\1/g
s/\btdx_vm_caps([[:space:]]*\()/tdx_vm_get_caps\1/g
s/\btdx_vm_max_vcpus([[:space:]]*\()/tdx_vm_get_max_vcpus\1/g
s/\btdx_vm_state([[:space:]]*\()/tdx_vm_get_state\1/g
s/\btdx_vm_shared_bit([[:space:]]*\()/tdx_vm_get_shared_bit\1/g
s/\btdx_vm_xfam([[:space:]]*\()/tdx_vm_get_xfam\1/g
s/\btdx_vm_attributes([[:space:]]*\()/tdx_vm_get_attributes\1/g
s/\btdx_vm_last_error([[:space:]]*\()/tdx_vm_get_last_error\1/g
s/\btdx_vcpu_id([[:space:]]*\()/tdx_vcpu_get_id\1/g
s/\btdx_vcpu_run_area([[:space:]]*\()/tdx_vcpu_get_run_area\1/g
s/\btdx_vcpu_vm([[:space:]]*\()/tdx_vcpu_get_vm\1/g
s/\btdx_vcpu_initialized([[:space:]]*\()/tdx_vcpu_is_initialized\1/g
s/\btdx_vcpu_last_error([[:space:]]*\()/tdx_vcpu_get_last_error\1/g
s/\btdx_vcpu_cpuid_get([[:space:]]*\()/tdx_vcpu_get_cpuid\1/g
s/\btdx_vcpu_cpuid_report([[:space:]]*\()/tdx_vcpu_compare_cpuid\1/g
s/\btdx_tdvf_image([[:space:]]*\()/tdx_tdvf_get_image\1/g
s/\btdx_tdvf_image_size([[:space:]]*\()/tdx_tdvf_get_image_size\1/g
s/\btdx_tdvf_descriptor_offset([[:space:]]*\()/tdx_tdvf_get_descriptor_offset\1/g
s/\btdx_tdvf_section([[:space:]]*\()/tdx_tdvf_get_section\1/g
s/\btdx_tdvf_data([[:space:]]*\()/tdx_tdvf_get_section_data\1/g
s/\btdx_tdvf_warning([[:space:]]*\()/tdx_tdvf_get_warning\1/g
s/\btdx_layout_q35([[:space:]]*\()/tdx_layout_new_q35\1/g
s/\btdx_layout_count([[:space:]]*\()/tdx_layout_range_count\1/g
s/\btdx_layout_get([[:space:]]*\()/tdx_layout_get_range\1/g
s/\btdx_layout_ram_size([[:space:]]*\()/tdx_layout_get_ram_size\1/g
s/\btdx_hob_memmap([[:space:]]*\()/tdx_hob_get_memmap\1/g
s/\btdx_hob_size([[:space:]]*\()/tdx_hob_get_size\1/g
s/\btdx_plan_op([[:space:]]*\()/tdx_plan_get_op\1/g
s/\btdx_plan_source([[:space:]]*\()/tdx_plan_get_source\1/g
s/\btdx_plan_private_count([[:space:]]*\()/tdx_plan_private_range_count\1/g
s/\btdx_plan_private_range([[:space:]]*\()/tdx_plan_get_private_range\1/g
s/\btdx_plan_hob_gpa([[:space:]]*\()/tdx_plan_get_hob_gpa\1/g
s/\btdx_plan_total_pages([[:space:]]*\()/tdx_plan_get_total_pages\1/g
s/\btdx_measurement_mrtd([[:space:]]*\()/tdx_measurement_get_mrtd\1/g
s/\btdx_measurement_order([[:space:]]*\()/tdx_measurement_get_order\1/g
s/\btdx_measurement_page_add_count([[:space:]]*\()/tdx_measurement_get_page_add_count\1/g
s/\btdx_measurement_mr_extend_count([[:space:]]*\()/tdx_measurement_get_mr_extend_count\1/g
s/\btdx_measurement_hashed_bytes([[:space:]]*\()/tdx_measurement_get_hashed_bytes\1/g
s/\btdx_measurement_op([[:space:]]*\()/tdx_measurement_get_op\1/g
s/\btdx_mem_last_error([[:space:]]*\()/tdx_mem_get_last_error\1/g
s/\btdx_mem_region_info([[:space:]]*\()/tdx_mem_get_region\1/g
s/\btdx_mem_host_addr([[:space:]]*\()/tdx_mem_get_host_addr\1/g
s/\btdx_mem_gmem([[:space:]]*\()/tdx_mem_get_gmem\1/g
s/\btdx_mem_last_reject([[:space:]]*\()/tdx_mem_get_last_reject\1/g
s/\btdx_attest_tdvmcall_info([[:space:]]*\()/tdx_attest_answer_tdvmcall_info\1/g
s/\btdx_attest_stats([[:space:]]*\()/tdx_attest_get_stats\1/g
s/\btdx_attest_last_error([[:space:]]*\()/tdx_attest_get_last_error\1/g
