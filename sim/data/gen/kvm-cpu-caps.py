#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Usage: kvm-cpu-caps.py LINUX_SOURCE_DIR  (the KCAP_* masks in sim/cpu-model.c)
# Print KVM's feature masks per CPUID register from kvm_initialize_cpu_caps()
# (arch/x86/kvm/cpuid.c): F/X86_64_F/SCATTERED_F/SYNTHESIZED_F/PASSTHROUGH_F/
# ALIASED_1_EDX_F bits ("features"), EMULATED_F bits ("emulated").
import re, sys
src = sys.argv[1]
cpuid = open(src + '/arch/x86/kvm/cpuid.c').read()
bits = {}
for line in open(src + '/arch/x86/include/asm/cpufeatures.h'):
    m = re.match(r'#define X86_FEATURE_(\w+)\s+\(\s*(\d+)\s*\*\s*32\s*\+\s*(\d+)\s*\)', line)
    if m: bits[m.group(1)] = int(m.group(3))
for line in open(src + '/arch/x86/kvm/reverse_cpuid.h'):
    m = re.match(r'#define (?:KVM_)?X86_FEATURE_(\w+)\s+KVM_X86_FEATURE\((\w+),\s*(\d+)\)', line)
    if m: bits[m.group(1)] = int(m.group(3))
body = cpuid[cpuid.index('void kvm_initialize_cpu_caps(void)'):]
body = body[:body.index('\n}\n')]
for m in re.finditer(r'kvm_cpu_cap_init\((\w+),(.*?)\n\t\);', body, re.S):
    leaf, inits = m.group(1), m.group(2)
    feat = emu = 0
    names = []
    for f in re.finditer(r'(\w+_F|F)\((\w+)\)', inits):
        kind, name = f.group(1), f.group(2)
        if name not in bits:
            print('// unknown', name, file=sys.stderr); continue
        b = 1 << bits[name]
        if kind in ('VENDOR_F', 'RUNTIME_F'):
            continue
        feat |= b
        if kind == 'EMULATED_F':
            emu |= b
    print(f'{leaf} 0x{feat:08x} 0x{emu:08x}')
