#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Regenerates sim/data/cpu-*.json from the libcpuid dumps (run from the
# source root; repo = a clone of github.com/anrieff/libcpuid).
import json, re, subprocess, sys
repo='/work/.mirror/anrieff+libcpuid/repo'; commit='790c067401a4605f38ddbbb4060f46d0e8873c82'
def dump(path):
    t=subprocess.run(['git','-C',repo,'show',f'{commit}:{path}'],capture_output=True,text=True,check=True).stdout
    t=t[t.index('Logical CPU #0'):]
    t=t[:t.index('Logical CPU #1')]
    ents={}
    for line in t.splitlines():
        m=re.match(r'CPUID ([0-9A-F]{8}): ([0-9A-F]{8})-([0-9A-F]{8})-([0-9A-F]{8})-([0-9A-F]{8})(?: \[SL ([0-9A-F]{2})\])?',line)
        if not m: continue
        f=int(m.group(1),16); i=int(m.group(6),16) if m.group(6) else 0
        ents[(f,i)]=[int(m.group(k),16) for k in range(2,6)]
    return ents
def write(out, path, cpu, fms, ents, notes):
    derived=[]
    # terminators the dump leaves out
    for (f,i,v,why) in notes:
        if (f,i) not in ents:
            ents[(f,i)]=v; derived.append(f'{f:#x}.{i}: {why}')
        else:
            ents[(f,i)]=v; derived.append(f'{f:#x}.{i}: {why}')
    leaves=[{'function':f'{f:#x}','index':f'{i:#x}','eax':f'{r[0]:#010x}','ebx':f'{r[1]:#010x}','ecx':f'{r[2]:#010x}','edx':f'{r[3]:#010x}'} for (f,i),r in sorted(ents.items())]
    doc={'source':f'Native CPUID of logical CPU #0 of a bare-metal {cpu}, from the real dump anrieff/libcpuid {path} at commit {commit[:12]}. Entries marked in \"derived\" are not in the dump (the tool omits all-zero and terminating sub-leaves) or were adjusted; each says why.',
         'cpu':cpu,'fms':fms,'derived':derived,'leaves':leaves}
    open(out,'w').write(json.dumps(doc,indent=2)+'\n')
notes=[(0x4,4,[0,0,0,0],'cache list terminator (type 0), omitted by the tool'),
 (0xb,2,[0,0,2,0],'topology terminator: level type 0, ECX[7:0] = sub-leaf (SDM), omitted by the tool'),
 (0x1f,2,[0,0,2,0],'topology terminator: level type 0, ECX[7:0] = sub-leaf (SDM), omitted by the tool'),
 (0x80000001,0,None,'')]
for out,path,cpu,fms in [('sim/data/cpu-emr-xeon-8570.json','tests/intel/x86-64/raptor-cove/intel-xeon-platinum-8570.test','Intel Xeon Platinum 8570 (Emerald Rapids, family 6 model 207 stepping 2)','0x000c06f2'),
                        ('sim/data/cpu-spr-xeon-w9-3475x.json','tests/intel/x86-64/golden-cove/intel-xeon-w9-3475x.test','Intel Xeon w9-3475X (Sapphire Rapids, family 6 model 143 stepping 8)','0x000806f8')]:
    e=dump(path)
    n=list(notes[:3])
    a=e[(0x80000001,0)][:]; a[3]|=0x800
    n.append((0x80000001,0,a,'EDX bit 11 (SYSCALL) set: Intel reports it only to 64-bit code and the dump shows 0 (presumably a 32-bit dumper); the TDX module verifies it (cpuid_lookup verify_mask)'))
    m=e[(0x80000008,0)][:]; m[0]=(m[0]&~0xff)|52
    n.append((0x80000008,0,m,'EAX[7:0] (MAXPHYADDR) 52 instead of the dump\'s 46: a TDX host runs with the BIOS option "Limit CPU PA to 46 bits" disabled, as TDX needs the key-ID bits above bit 45; Linux then reports 46 (x86_phys_bits minus the key-ID bits, as lscpu on EMR TDX hosts shows), KVM and the TDX module the raw 52'))
    write(out,path,cpu,fms,e,n)
    print(out,len(e))
